import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

/** Absolute path of a file under `control-plane/test/fixtures/helm/`. */
export function helmFixture(...parts: string[]): string {
  return fileURLToPath(new URL(`../../test/fixtures/helm/${parts.join("/")}`, import.meta.url));
}

/** A request the server saw, for assertions on conditional GET and auth. */
export interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly status: number;
}

/** A custom answer for one path. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A chart repository over real HTTP on 127.0.0.1, port 0, for tests: static
 * files with ETag / Last-Modified and 304s, optional basic auth, and custom
 * handlers for redirects, HTML pages, truncated bodies and the like.
 */
export class HelmRepoServer {
  readonly seen: SeenRequest[] = [];
  #files = new Map<string, { body: Buffer; etag: string; lastModified: string }>();
  #handlers = new Map<string, RouteHandler>();
  #auth: { username: string; password: string } | undefined;
  #server = createServer((req, res) => this.#serve(req, res));
  #url = "";

  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return this.#url;
  }

  /** Starts listening on a free loopback port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Serves `body` at `path` with a content-derived ETag. */
  file(path: string, body: Buffer | string, lastModified = new Date(0).toUTCString()): this {
    const buf = typeof body === "string" ? Buffer.from(body) : body;
    const etag = `"${createHash("sha256").update(buf).digest("hex").slice(0, 16)}"`;
    this.#files.set(path, { body: buf, etag, lastModified });
    return this;
  }

  /** Answers `path` with a custom handler (takes precedence over files). */
  handle(path: string, handler: RouteHandler): this {
    this.#handlers.set(path, handler);
    return this;
  }

  /** Removes a file or handler so the path answers 404. */
  remove(path: string): this {
    this.#files.delete(path);
    this.#handlers.delete(path);
    return this;
  }

  /** Requires these basic-auth credentials on every path. */
  requireAuth(username: string, password: string): this {
    this.#auth = { username, password };
    return this;
  }

  /** Requests seen for a path. */
  requests(path: string): SeenRequest[] {
    return this.seen.filter((r) => r.path === path);
  }

  /** Stops the server and drops open connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    res.on("finish", () => this.seen.push({ path, headers: req.headers, status: res.statusCode }));
    if (this.#auth) {
      const want = `Basic ${Buffer.from(`${this.#auth.username}:${this.#auth.password}`).toString("base64")}`;
      if (req.headers.authorization !== want) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="charts"' }).end("unauthorized");
        return;
      }
    }
    const handler = this.#handlers.get(path);
    if (handler) {
      handler(req, res);
      return;
    }
    const file = this.#files.get(path);
    if (!file) {
      res.writeHead(404).end("not found");
      return;
    }
    if (req.headers["if-none-match"] === file.etag) {
      res.writeHead(304, { etag: file.etag }).end();
      return;
    }
    res
      .writeHead(200, {
        "content-type": path.endsWith(".tgz") ? "application/gzip" : "text/yaml",
        "content-length": file.body.length,
        etag: file.etag,
        "last-modified": file.lastModified,
      })
      .end(file.body);
  }
}

/** The podinfo repo fixture's index with its absolute URLs pointed at `baseUrl`. */
export function podinfoIndex(baseUrl: string): string {
  return readFileSync(helmFixture("repo-podinfo", "index.yaml"), "utf8").replaceAll(
    "https://stefanprodan.github.io/podinfo/",
    `${baseUrl}/`,
  );
}

/** Starts a server serving the podinfo repository (index and both archives) under `prefix`. */
export async function startPodinfoRepo(prefix = ""): Promise<HelmRepoServer> {
  const server = await new HelmRepoServer().start();
  server.file(`${prefix}/index.yaml`, podinfoIndex(server.url + prefix));
  for (const v of ["6.14.0", "6.14.1"]) {
    const name = `podinfo-${v}.tgz`;
    server.file(`${prefix}/${name}`, readFileSync(helmFixture("repo-podinfo", name)));
  }
  return server;
}
