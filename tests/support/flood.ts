import { connect as netConnect, type Socket } from "node:net";
import { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";

/** A flood connection and when it was opened and closed (ms, `Date.now()`). */
export interface FloodSocket {
  readonly socket: Socket;
  /**
   * When the connect began: the server cannot accept it, and so cannot start
   * a deadline, any earlier. The client's own connect event is no bound: on a
   * busy machine it came 200 ms after the server's accept, and a deadline
   * measured from it looked early.
   */
  readonly openedAt: number;
  /** Resolves with the time the server closed it (or it failed). */
  readonly closed: Promise<number>;
}

/** Bounded loopback floods for the connection-limit tests; every socket is destroyed by `end()`. */
export class Flood {
  readonly sockets: FloodSocket[] = [];

  /** Opens `count` TCP connections to `port` from `from` (a 127.x address) that never send a byte. */
  async silent(port: number, count: number, from = "127.0.0.1"): Promise<FloodSocket[]> {
    const opened = await Promise.all(
      Array.from({ length: count }, () =>
        this.#open(() => netConnect({ port, host: "127.0.0.1", localAddress: from })),
      ),
    );
    return opened;
  }

  /**
   * Opens `count` connections that send a TLS ClientHello and then never
   * answer the server's reply, so the handshake stays half finished.
   */
  async halfTls(port: number, count: number, from = "127.0.0.1"): Promise<FloodSocket[]> {
    return Promise.all(
      Array.from({ length: count }, () =>
        this.#open(() => {
          const raw = netConnect({ port, host: "127.0.0.1", localAddress: from });
          // The TLS client writes through; the server's flight never reaches it.
          const oneWay = new Duplex({
            read() {},
            write(chunk, _encoding, done) {
              if (raw.destroyed) return done();
              raw.write(chunk, () => done());
            },
          });
          const client = tlsConnect({
            socket: oneWay,
            rejectUnauthorized: false,
            servername: "localhost",
          });
          client.on("error", () => {});
          raw.once("close", () => client.destroy());
          // Drain and drop the server's flight, so its close is seen.
          raw.resume();
          return raw;
        }),
      ),
    );
  }

  /** Opens `count` connections that finish a TLS handshake and then send nothing. */
  async tlsThenSilent(port: number, count: number): Promise<FloodSocket[]> {
    return Promise.all(
      Array.from({ length: count }, () =>
        this.#open(
          () =>
            tlsConnect({
              port,
              host: "127.0.0.1",
              rejectUnauthorized: false,
              servername: "localhost",
              ALPNProtocols: ["h2"],
            }),
          "secureConnect",
        ),
      ),
    );
  }

  /** Closes every socket the flood opened. */
  end(): void {
    for (const s of this.sockets) s.socket.destroy();
  }

  #open(make: () => Socket, ready = "connect"): Promise<FloodSocket> {
    return new Promise((resolve) => {
      const openedAt = Date.now();
      const socket = make();
      const closed = new Promise<number>((done) => socket.once("close", () => done(Date.now())));
      socket.on("error", () => {});
      // Resolve once connected, or once refused/closed, whichever comes first.
      socket.once(ready, () => {
        const entry = { socket, openedAt, closed };
        this.sockets.push(entry);
        resolve(entry);
      });
      socket.once("close", () => {
        if (!this.sockets.some((s) => s.socket === socket)) {
          const entry = { socket, openedAt, closed };
          this.sockets.push(entry);
          resolve(entry);
        }
      });
    });
  }
}
