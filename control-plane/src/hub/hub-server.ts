import { ServerCredentials as Creds, Server, type ServerCredentials } from "@grpc/grpc-js";
import { AgentHubService, type Logger, maxLinkMessageBytes } from "@smart-orchestrator/shared";
import { type AgentHubDeps, createConnectHandler } from "./agent-hub.js";

/** Largest message either way on an agent stream (the link-wide limit, 32 MiB). */
export const maxAgentMessageBytes = maxLinkMessageBytes;

/** TLS material the hub serves: key plus chain (leaf, then CA), PEM. */
export interface HubTls {
  readonly keyPem: string;
  readonly chainPem: string;
}

/** Options for {@link startHubServer}. */
export interface HubServerOptions {
  readonly host: string;
  readonly port: number;
  /** Undefined means plaintext (`--insecure`). */
  readonly tls: HubTls | undefined;
  readonly log: Logger;
}

/** A listening hub. */
export interface HubServer {
  readonly port: number;
  /** Stops accepting, gives streams `graceMs` to end, then cuts them. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts the gRPC server agents dial. HTTP/2 keepalive is on in both
 * directions, on top of the app-level ping: either alone misses some
 * half-open connections (the top complaint against Rancher and KubeEdge agents).
 */
export async function startHubServer(
  deps: AgentHubDeps,
  options: HubServerOptions,
): Promise<HubServer> {
  const server = new Server({
    "grpc.max_receive_message_length": maxAgentMessageBytes,
    "grpc.max_send_message_length": maxAgentMessageBytes,
    "grpc.keepalive_time_ms": 20_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 5_000,
    "grpc.max_connection_idle_ms": 2 ** 31 - 1,
  });
  server.addService(AgentHubService, { connect: createConnectHandler(deps) });
  const creds: ServerCredentials = options.tls
    ? Creds.createSsl(
        null,
        [
          {
            private_key: Buffer.from(options.tls.keyPem),
            cert_chain: Buffer.from(options.tls.chainPem),
          },
        ],
        false,
      )
    : Creds.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, creds, (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  options.log.info({ port, tls: !!options.tls }, "agent hub listening");
  return {
    port,
    close(graceMs = 2000) {
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
