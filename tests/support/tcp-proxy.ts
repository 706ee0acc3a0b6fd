import { createServer, type Server, Socket } from "node:net";

/**
 * A loopback TCP proxy a test can freeze: frozen, it keeps every connection
 * open but silently drops the bytes both ways, which is what a half-open
 * connection (a NAT that forgot the flow, a pulled cable) looks like to both ends.
 */
export class FreezableProxy {
  readonly #target: { host: string; port: number };
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #frozen = false;
  port = 0;

  constructor(targetPort: number, targetHost = "127.0.0.1") {
    this.#target = { host: targetHost, port: targetPort };
    this.#server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.#target.port, this.#target.host);
      this.#sockets.add(client).add(upstream);
      const pipe = (from: Socket, to: Socket) =>
        from.on("data", (chunk: Buffer) => {
          if (!this.#frozen) to.write(chunk);
        });
      pipe(client, upstream);
      pipe(upstream, client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on("close", close).on("error", close);
      upstream.on("close", close).on("error", close);
    });
  }

  /** Starts listening on a free loopback port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.address() as { port: number }).port;
    return this.port;
  }

  /** Drops all traffic, on open and new connections. */
  freezeAll(): void {
    this.#frozen = true;
  }

  /** Lets traffic flow again; connections that lost bytes meanwhile are cut, as their framing is broken. */
  thaw(): void {
    this.#frozen = false;
    this.cutAll();
  }

  /** Cuts every open connection (a killed stream). */
  cutAll(): void {
    for (const s of this.#sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
