/**
 * The OpenAPI endpoints of one simulator: `/openapi/v3` (root with hashes),
 * `/openapi/v3/<api/v1|apis/g/v>` and `/openapi/v2` (JSON, or protobuf when
 * asked first, as client-go asks). Documents are built on first use from the
 * simulator's served kinds and rebuilt when a CRD changes them.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JsonObject } from "./kube-object.js";
import { swaggerDocument } from "./openapi-v2.js";
import { encodeSwaggerProtobuf, openApiV2Protobuf } from "./openapi-v2-protobuf.js";
import { documentHash, groupVersionDocument, openApiRoot } from "./openapi-v3.js";
import type { ServedKinds } from "./served-kinds.js";

interface Built {
  readonly doc: JsonObject;
  readonly hash: string;
}

/** Builds and caches the OpenAPI documents of one simulator. */
export class OpenApiRoutes {
  readonly #kinds: ServedKinds;
  readonly #kubeVersion: string;
  readonly #hidden: ReadonlySet<string>;
  readonly #v3 = new Map<string, Built>();
  #v2: { json: Buffer; protobuf: Buffer } | undefined;

  constructor(kinds: ServedKinds, kubeVersion: string, hiddenGroups: ReadonlySet<string>) {
    this.#kinds = kinds;
    this.#kubeVersion = kubeVersion;
    this.#hidden = hiddenGroups;
    kinds.onChange(() => {
      this.#v3.clear();
      this.#v2 = undefined;
    });
  }

  /** `/openapi/v3`: where each group-version's document is, with its hash. */
  root(): JsonObject {
    const hashes = new Map<string, string>();
    for (const gv of this.#groupVersions()) hashes.set(gv, this.groupVersion(gv)!.hash);
    return openApiRoot(hashes);
  }

  /** The v3 document of "api/v1" or "apis/<group>/<version>", or undefined when not served. */
  groupVersion(gv: string): Built | undefined {
    const cached = this.#v3.get(gv);
    if (cached) return cached;
    const [root, g, v] = gv.split("/");
    const group = root === "api" ? "" : g;
    const version = root === "api" ? g : v;
    if (group === undefined || version === undefined || this.#hidden.has(group)) return undefined;
    const types = this.#kinds
      .all()
      .filter((t) => t.group === group && t.version === version && !t.computed);
    if (types.length === 0) return undefined;
    const custom = types.flatMap((type) => (type.schema ? [{ type, schema: type.schema }] : []));
    const doc = groupVersionDocument(
      this.#kubeVersion,
      types.filter((t) => !t.schema),
      custom,
    );
    const built = { doc, hash: documentHash(doc) };
    this.#v3.set(gv, built);
    return built;
  }

  /** Answers `/openapi/v2`, in protobuf when the client asks for it first (client-go does), else JSON. */
  serveV2(req: IncomingMessage, res: ServerResponse): void {
    if (!this.#v2) {
      const docs = this.#groupVersions().map((gv) => this.groupVersion(gv)!.doc);
      const doc = swaggerDocument(this.#kubeVersion, docs);
      this.#v2 = { json: Buffer.from(JSON.stringify(doc)), protobuf: encodeSwaggerProtobuf(doc) };
    }
    const proto = (req.headers.accept ?? "").startsWith(openApiV2Protobuf);
    const body = proto ? this.#v2.protobuf : this.#v2.json;
    res.writeHead(200, {
      // Go's mime parser refuses the "@" of the Accept form; the real server answers with this one.
      "Content-Type": proto
        ? "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
        : "application/json",
      "Content-Length": body.length,
    });
    res.end(body);
  }

  #groupVersions(): string[] {
    const gvs = new Set<string>();
    for (const t of this.#kinds.all()) {
      if (t.computed || this.#hidden.has(t.group)) continue;
      gvs.add(t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`);
    }
    return [...gvs];
  }
}
