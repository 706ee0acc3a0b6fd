import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A listening HTTP server. */
export interface HttpServer {
  readonly port: number;
  /** Stops accepting, waits for in-flight requests, then drops idle keep-alive sockets. */
  close(): Promise<void>;
}

/** Serves `handler` on `host:port` (0 picks a free port). */
export async function startHttpServer(
  handler: RequestListener,
  host: string,
  port: number,
): Promise<HttpServer> {
  const server: Server = createServer(handler);
  server.requestTimeout = 60_000;
  const bound = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
