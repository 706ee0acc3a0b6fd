import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "@smart-orchestrator/shared";
import { ThrottledWarning } from "../net/throttled-warning.js";

/** Deadlines and the connection cap of the REST server. */
export interface HttpServerLimits {
  /** A client must send its request headers within this (slowloris). */
  readonly headersTimeoutMs: number;
  /** A client must send its whole request within this. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections in total; more are closed at once. */
  readonly maxConnections: number;
}

/** Options for {@link startHttpServer}. */
export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly limits: HttpServerLimits;
  readonly log: Logger;
}

/** A listening HTTP server. */
export interface HttpServer {
  readonly port: number;
  /** Stops accepting, waits for in-flight requests, then drops idle keep-alive sockets. */
  close(): Promise<void>;
}

/** Serves `handler` with the given deadlines and connection cap. */
export async function startHttpServer(
  handler: RequestListener,
  options: HttpServerOptions,
): Promise<HttpServer> {
  const { limits, log } = options;
  const server: Server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two deadlines on this interval (30 s by default), so it bounds their precision.
      connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 2)),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  // Node's headers deadline starts with the first byte: a connection that sends
  // nothing at all would be held forever. Give it the same deadline from accept.
  server.on("connection", (socket: Socket) => {
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, limits.headersTimeoutMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  });
  const capped = new ThrottledWarning({
    log,
    message: "REST connection cap reached; closing new connections (SO_REST_MAX_CONNECTIONS)",
  });
  server.on("drop", (data?: { remoteAddress?: string }) =>
    capped.hit({ limit: limits.maxConnections, source: data?.remoteAddress }),
  );
  const bound = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  // Accept errors (EMFILE when the file limit is reached) must not end the process.
  const acceptFailed = new ThrottledWarning({ log, message: "REST could not accept a connection" });
  server.on("error", (err: NodeJS.ErrnoException) => acceptFailed.hit({ code: err.code }));
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
