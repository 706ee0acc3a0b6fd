import { createServer, type Server, type Socket } from "node:net";
import {
  createServer as createTlsServer,
  type TLSSocket,
  type Server as TlsServer,
} from "node:tls";
import { type Logger, systemTimers, type Timer, type Timers } from "@smart-orchestrator/shared";
import { ThrottledWarning } from "../net/throttled-warning.js";

/** TLS material the hub serves: key plus chain (leaf, then CA), PEM. */
export interface HubTls {
  readonly keyPem: string;
  readonly chainPem: string;
}

/** Deadlines and caps on the hub's raw connections (issue 8: silent floods). */
export interface HubConnectionLimits {
  /** A TLS handshake must finish within this. */
  readonly handshakeTimeoutMs: number;
  /** After TLS (or the accept, in plaintext) the client's first HTTP/2 bytes must come within this. */
  readonly firstFrameTimeoutMs: number;
  /** From the accept, a Hello must arrive on one of the connection's streams within this. */
  readonly helloTimeoutMs: number;
  /** Open connections in total; more are closed at once. */
  readonly maxConnections: number;
  /** Open connections from one source address; more are closed at once. */
  readonly maxConnectionsPerSource: number;
}

/** Options for {@link startHubListener}. */
export interface HubListenerOptions {
  readonly host: string;
  readonly port: number;
  /** Undefined means plaintext (`--insecure`). */
  readonly tls: HubTls | undefined;
  readonly limits: HubConnectionLimits;
  readonly log: Logger;
  readonly timers?: Timers;
  /** Takes a connection that has sent its first bytes (decrypted under TLS); they are still unread. */
  readonly onReady: (socket: Socket) => void;
}

/** The hub's listening socket. */
export interface HubListener {
  readonly port: number;
  /** Connections open now. */
  readonly connections: number;
  /** Lifts the Hello deadline of the connection `peer` (gRPC's `host:port` form) came on. */
  helloReceived(peer: string): void;
  /** Stops accepting; resolves once every open connection has closed too. */
  close(): Promise<void>;
  /** Cuts every open connection. */
  destroyAll(): void;
}

interface Connection {
  readonly raw: Socket;
  readonly source: string;
  phase: Timer | undefined;
  hello: Timer | undefined;
}

/**
 * Owns the hub's TCP listener, in front of grpc-js (which has no limits for
 * raw sockets). A connection is closed when its source address or the whole
 * hub is at its cap, when its TLS handshake, its first HTTP/2 bytes or its
 * Hello do not come in time. Only then does grpc-js see it.
 */
export async function startHubListener(options: HubListenerOptions): Promise<HubListener> {
  const { limits, log } = options;
  const timers = options.timers ?? systemTimers({ unref: true });
  const open = new Map<string, Connection>();
  // Never listens: raw sockets are handed to it, so that Node runs the handshake
  // and the HTTP/2 layer sees a finished TLS socket, as from its own server.
  const tlsServer: TlsServer | undefined = options.tls
    ? createTlsServer({
        key: options.tls.keyPem,
        cert: options.tls.chainPem,
        ALPNProtocols: ["h2"],
      })
    : undefined;
  tlsServer?.on("secureConnection", (secure: TLSSocket) => {
    const conn = open.get(`${secure.remoteAddress}:${secure.remotePort}`);
    if (conn) awaitFirstBytes(conn, secure);
    else secure.destroy();
  });
  tlsServer?.on("tlsClientError", (err: Error, secure: TLSSocket) => {
    log.debug({ source: secure.remoteAddress, err: err.message }, "hub TLS handshake failed");
    secure.destroy();
  });
  const perSource = new Map<string, number>();
  const totalCap = new ThrottledWarning({
    log,
    message: "agent hub connection cap reached; closing new connections (SO_HUB_MAX_CONNECTIONS)",
    now: () => timers.now(),
  });
  const sourceCap = new ThrottledWarning({
    log,
    message:
      "agent hub per-address connection cap reached; closing new connections from it (SO_HUB_MAX_CONNECTIONS_PER_SOURCE)",
    now: () => timers.now(),
  });

  const expire = (conn: Connection, what: string, ms: number) => () => {
    log.debug({ source: conn.source, timeoutMs: ms }, `closing a hub connection: ${what}`);
    conn.raw.destroy();
  };
  const awaitFirstBytes = (conn: Connection, socket: Socket) => {
    conn.phase?.clear();
    const ms = limits.firstFrameTimeoutMs;
    conn.phase = timers.setTimeout(expire(conn, "no HTTP/2 bytes in time", ms), ms);
    socket.once("data", (chunk: Buffer) => {
      conn.phase?.clear();
      socket.pause();
      socket.unshift(chunk);
      if (!socket.destroyed) options.onReady(socket);
    });
  };

  const server: Server = createServer({ noDelay: true }, (raw) => {
    const source = raw.remoteAddress;
    const key = `${source}:${raw.remotePort}`;
    raw.on("error", () => raw.destroy());
    if (!source) return raw.destroy();
    if (open.size >= limits.maxConnections) {
      totalCap.hit({ limit: limits.maxConnections, source });
      return raw.destroy();
    }
    const fromSource = perSource.get(source) ?? 0;
    if (fromSource >= limits.maxConnectionsPerSource) {
      sourceCap.hit({ limit: limits.maxConnectionsPerSource, source });
      return raw.destroy();
    }
    perSource.set(source, fromSource + 1);
    const conn: Connection = { raw, source, phase: undefined, hello: undefined };
    open.set(key, conn);
    raw.once("close", () => {
      conn.phase?.clear();
      conn.hello?.clear();
      open.delete(key);
      const left = (perSource.get(source) ?? 1) - 1;
      if (left > 0) perSource.set(source, left);
      else perSource.delete(source);
    });
    conn.hello = timers.setTimeout(
      expire(conn, "no Hello in time", limits.helloTimeoutMs),
      limits.helloTimeoutMs,
    );
    if (!tlsServer) return awaitFirstBytes(conn, raw);

    const ms = limits.handshakeTimeoutMs;
    conn.phase = timers.setTimeout(expire(conn, "TLS handshake did not finish", ms), ms);
    tlsServer.emit("connection", raw);
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : options.port);
    });
  });
  // Accept errors (EMFILE when the file limit is reached) must not end the process.
  const acceptFailed = new ThrottledWarning({
    log,
    message: "agent hub could not accept a connection",
    now: () => timers.now(),
  });
  server.on("error", (err: NodeJS.ErrnoException) => acceptFailed.hit({ code: err.code }));

  return {
    port,
    get connections() {
      return open.size;
    },
    helloReceived(peer) {
      const conn = open.get(peer);
      conn?.hello?.clear();
      if (conn) conn.hello = undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    destroyAll() {
      for (const conn of open.values()) conn.raw.destroy();
    },
  };
}
