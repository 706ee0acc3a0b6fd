import { Server, ServerCredentials } from "@grpc/grpc-js";
import { AgentHubService, maxLinkMessageBytes } from "@smart-orchestrator/shared";
import { type AgentHubDeps, createConnectHandler } from "./agent-hub.js";
import { type HubListenerOptions, startHubListener } from "./hub-listener.js";

export type { HubTls } from "./hub-listener.js";

/** Largest message either way on an agent stream (the link-wide limit, 32 MiB). */
export const maxAgentMessageBytes = maxLinkMessageBytes;

/** Options for {@link startHubServer}: where and how to listen. */
export type HubServerOptions = Omit<HubListenerOptions, "onReady">;

/** A listening hub. */
export interface HubServer {
  readonly port: number;
  /** Stops accepting, gives streams `graceMs` to end, then cuts them. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts the gRPC server agents dial. The listening socket is our own
 * ({@link startHubListener}: TLS, deadlines and caps before grpc-js sees a
 * byte); grpc-js gets ready connections through its connection injector.
 * HTTP/2 keepalive is on in both directions, on top of the app-level ping:
 * either alone misses some half-open connections (the top complaint against
 * Rancher and KubeEdge agents).
 */
export async function startHubServer(
  deps: Omit<AgentHubDeps, "onHello">,
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
  // The listener declared below is set before any connection can reach a handler.
  let listener: Awaited<ReturnType<typeof startHubListener>> | undefined;
  server.addService(AgentHubService, {
    connect: createConnectHandler({ ...deps, onHello: (peer) => listener?.helloReceived(peer) }),
  });
  // TLS is terminated by the listener, so grpc-js sees decrypted streams.
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  listener = await startHubListener({
    ...options,
    onReady: (socket) => injector.injectConnection(socket),
  });
  const hubListener = listener;
  options.log.info(
    { port: hubListener.port, tls: !!options.tls, limits: options.limits },
    "agent hub listening",
  );
  return {
    port: hubListener.port,
    async close(graceMs = 2000) {
      const closed = hubListener.close();
      await new Promise<void>((resolve) => {
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
      hubListener.destroyAll();
      await closed;
    },
  };
}
