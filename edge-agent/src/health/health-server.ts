import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@smart-orchestrator/shared";

/** What the agent's health endpoints report; read on every request. */
export interface AgentHealth {
  /** `connected`, or `connecting`/`disconnected` while it redials; `stopped` once stopped. */
  readonly link: "connecting" | "connected" | "disconnected" | "stopped";
  /** Why the last link attempt failed, if it did. */
  readonly lastError: string | undefined;
  readonly clusterId: string | undefined;
  /** True once a NodeReport has gone out on a stream. */
  readonly reported: boolean;
}

/** A running health endpoint. */
export interface HealthServer {
  /** The bound `host:port` (the port differs from the setting when it was 0). */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves `/healthz` and `/readyz` for kubelet probes and for an operator's
 * curl in host mode. Liveness stays 200 while the link redials: an edge
 * cluster whose hub is unreachable must keep its agent (and its drift
 * repair) running, so only a stopped link fails it. Readiness waits for the
 * first report, which is when the cluster shows up with its nodes.
 */
export async function startHealthServer(options: {
  /** `host:port`; `:port` binds every interface. */
  readonly listen: string;
  readonly health: () => AgentHealth;
  readonly log: Logger;
}): Promise<HealthServer> {
  const sep = options.listen.lastIndexOf(":");
  const host = options.listen.slice(0, sep).replace(/^\[|\]$/g, "") || undefined;
  const port = Number(options.listen.slice(sep + 1));
  const server: Server = createServer((req, res) => {
    const h = options.health();
    const body = {
      link: h.link,
      ...(h.clusterId ? { clusterId: h.clusterId } : {}),
      ...(h.lastError && h.link !== "connected" ? { lastError: h.lastError } : {}),
      reported: h.reported,
    };
    let ok: boolean;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (req.url === "/healthz") ok = h.link !== "stopped";
    else if (req.url === "/readyz") ok = h.reported && h.link !== "stopped";
    else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
    res.end(`${JSON.stringify({ status: ok ? "ok" : "unavailable", ...body })}\n`);
  });
  // Probes are tiny and local: nothing may hold a socket open for long.
  server.requestTimeout = 5_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 1_000;
  server.maxConnections = 16;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const address = `${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
  options.log.info({ address }, "health endpoint listening (/healthz, /readyz)");
  return {
    address,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
