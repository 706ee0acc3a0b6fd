import { BlockList, isIP } from "node:net";

/** One refused part of a kubeconfig: where, and why. */
export interface KubeconfigIssue {
  /** Path inside the kubeconfig, e.g. `["users", 0, "user", "exec"]`. */
  readonly path: readonly (string | number)[];
  readonly reason: string;
}

/** Options for {@link inlineKubeconfigIssues}. */
export interface InlineKubeconfigOptions {
  /** Accept `http://` servers (labs and the simulator; `SO_ALLOW_HTTP_CLUSTERS`). */
  readonly allowHttp: boolean;
}

/** The only data a stored kubeconfig may carry, in client-node's terms. */
export interface InlineKubeconfig {
  readonly clusters: readonly {
    readonly name: string;
    readonly server: string;
    readonly caData?: string;
    readonly skipTLSVerify: boolean;
    readonly tlsServerName?: string;
  }[];
  readonly users: readonly {
    readonly name: string;
    readonly token?: string;
    readonly username?: string;
    readonly password?: string;
    readonly certData?: string;
    readonly keyData?: string;
  }[];
  readonly contexts: readonly {
    readonly name: string;
    readonly cluster: string;
    readonly user: string;
    readonly namespace?: string;
  }[];
  readonly currentContext: string;
}

// Why each non-inline field is refused. A kubeconfig is code for client
// libraries: exec and auth-provider run programs, file references read the
// control plane's own disk. Anything not listed below is refused as well.
const refusedUserFields: Record<string, string> = {
  exec: "runs a command; only inline credentials are accepted (token, username/password, client-certificate-data/client-key-data)",
  "auth-provider":
    "runs provider code; only inline credentials are accepted (token, username/password, client-certificate-data/client-key-data)",
  tokenFile: "is a file path; give the token inline as token",
  "client-certificate": "is a file path; give the certificate inline as client-certificate-data",
  "client-key": "is a file path; give the key inline as client-key-data",
};
const refusedClusterFields: Record<string, string> = {
  "certificate-authority": "is a file path; give the CA inline as certificate-authority-data",
};
const notInline = "is not accepted: a kubeconfig here holds inline data only";

const allowed = {
  top: ["apiVersion", "kind", "clusters", "users", "contexts", "current-context", "preferences"],
  cluster: ["server", "certificate-authority-data", "insecure-skip-tls-verify", "tls-server-name"],
  user: ["token", "username", "password", "client-certificate-data", "client-key-data"],
  context: ["cluster", "user", "namespace"],
  entry: ["name"],
};
// Inert data that kubectl and minikube write (cluster, context and entry level); never read.
const inert = "extensions";

const metadataNames = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
]);
const blocked = new BlockList();
blocked.addSubnet("169.254.0.0", 16, "ipv4"); // link-local: AWS, GCP, Azure, OpenStack metadata
blocked.addAddress("100.100.100.200", "ipv4"); // Alibaba Cloud metadata
blocked.addSubnet("fe80::", 10, "ipv6"); // IPv6 link-local
blocked.addAddress("fd00:ec2::254", "ipv6"); // AWS metadata over IPv6

/**
 * True when a URL hostname is a link-local address or a cloud metadata
 * service: a request there from the control plane would read the machine's
 * own cloud credentials. Accepts a WHATWG `URL.hostname` (IPv6 in brackets;
 * the URL parser has already turned `2852039166` and `0xa9.…` into dotted form).
 */
export function isLinkLocalOrMetadataHost(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  if (metadataNames.has(host)) return true;
  const kind = isIP(host);
  if (kind === 4) return blocked.check(host, "ipv4");
  if (kind === 6) return blocked.check(host, "ipv6");
  return false;
}

/**
 * Every reason a kubeconfig object is not inline-only data, with its path.
 * Empty means it can be loaded without running or reading anything: servers
 * are https (http only when allowed) and not link-local or metadata
 * addresses, and every field is on the allow-list. The control plane checks
 * at `POST /clusters` and the managed agent checks again before loading.
 */
export function inlineKubeconfigIssues(
  doc: unknown,
  options: InlineKubeconfigOptions,
): KubeconfigIssue[] {
  const issues: KubeconfigIssue[] = [];
  if (!isRecord(doc)) return [{ path: [], reason: "must be a kubeconfig object" }];
  checkKeys(doc, allowed.top, {}, [], issues);
  for (const [list, inner, keys, refused] of [
    ["clusters", "cluster", allowed.cluster, refusedClusterFields],
    ["users", "user", allowed.user, refusedUserFields],
    ["contexts", "context", allowed.context, {}],
  ] as const) {
    const entries = doc[list];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) {
      issues.push({ path: [list], reason: "must be a list" });
      continue;
    }
    entries.forEach((entry: unknown, i) => {
      checkEntry(entry, { list, inner, keys, refused, index: i }, options, issues);
    });
  }
  return issues;
}

/**
 * Checks a kubeconfig with {@link inlineKubeconfigIssues} and returns only
 * the allowed fields, ready for client-node's `KubeConfig.loadFromOptions`.
 * Throws an Error listing every issue.
 */
export function toInlineKubeconfig(
  doc: unknown,
  options: InlineKubeconfigOptions,
): InlineKubeconfig {
  const issues = inlineKubeconfigIssues(doc, options);
  if (issues.length > 0) {
    throw new Error(
      `kubeconfig refused: ${issues.map((i) => `${i.path.join(".") || "(root)"} ${i.reason}`).join("; ")}`,
    );
  }
  const cfg = doc as Record<string, Record<string, Record<string, unknown>>[] | string>;
  const entries = (list: string, inner: string) =>
    ((cfg[list] ?? []) as Record<string, unknown>[]).map((e) => ({
      name: String(e.name),
      body: (e[inner] ?? {}) as Record<string, string | boolean | undefined>,
    }));
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const current = cfg["current-context"];
  if (typeof current !== "string")
    throw new Error("kubeconfig refused: current-context is missing");
  return {
    clusters: entries("clusters", "cluster").map(({ name, body }) => ({
      name,
      server: String(body.server),
      caData: str(body["certificate-authority-data"]),
      skipTLSVerify: body["insecure-skip-tls-verify"] === true,
      tlsServerName: str(body["tls-server-name"]),
    })),
    users: entries("users", "user").map(({ name, body }) => ({
      name,
      token: str(body.token),
      username: str(body.username),
      password: str(body.password),
      certData: str(body["client-certificate-data"]),
      keyData: str(body["client-key-data"]),
    })),
    contexts: entries("contexts", "context").map(({ name, body }) => ({
      name,
      cluster: String(body.cluster),
      user: String(body.user),
      namespace: str(body.namespace),
    })),
    currentContext: current,
  };
}

interface EntryKind {
  readonly list: string;
  readonly inner: string;
  readonly keys: readonly string[];
  readonly refused: Record<string, string>;
  readonly index: number;
}

/** Checks one `{name, cluster|user|context}` entry of a kubeconfig list. */
function checkEntry(
  entry: unknown,
  kind: EntryKind,
  options: InlineKubeconfigOptions,
  issues: KubeconfigIssue[],
): void {
  const { list, inner, keys, refused, index } = kind;
  if (!isRecord(entry)) {
    issues.push({ path: [list, index], reason: "must be an object" });
    return;
  }
  checkKeys(entry, [...allowed.entry, inert, inner], {}, [list, index], issues);
  const body = entry[inner];
  if (body === undefined) return;
  const path = [list, index, inner];
  if (!isRecord(body)) {
    issues.push({ path, reason: "must be an object" });
    return;
  }
  checkKeys(body, inner === "user" ? keys : [...keys, inert], refused, path, issues);
  if (inner === "cluster") checkServer(body.server, options, [...path, "server"], issues);
  for (const k of keys) {
    const v = body[k];
    if (v === undefined || k === "server") continue;
    if (k === "insecure-skip-tls-verify") {
      if (typeof v !== "boolean") issues.push({ path: [...path, k], reason: "must be a boolean" });
    } else if (typeof v !== "string") {
      issues.push({ path: [...path, k], reason: "must be a string" });
    }
  }
}

function checkServer(
  server: unknown,
  options: InlineKubeconfigOptions,
  path: (string | number)[],
  issues: KubeconfigIssue[],
): void {
  if (typeof server !== "string") {
    issues.push({ path, reason: "is required (an https URL)" });
    return;
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    issues.push({ path, reason: "must be an https URL" });
    return;
  }
  if (url.protocol === "http:" && !options.allowHttp) {
    issues.push({
      path,
      reason: "must be https (http only when the control plane sets SO_ALLOW_HTTP_CLUSTERS=true)",
    });
  } else if (url.protocol !== "https:" && url.protocol !== "http:") {
    issues.push({ path, reason: "must be an https URL" });
  }
  if (url.username || url.password)
    issues.push({ path, reason: "must not carry credentials; use the user entry" });
  if (isLinkLocalOrMetadataHost(url.hostname))
    issues.push({ path, reason: "must not be a link-local or cloud metadata address" });
}

function checkKeys(
  obj: Record<string, unknown>,
  keys: readonly string[],
  refused: Record<string, string>,
  path: (string | number)[],
  issues: KubeconfigIssue[],
): void {
  for (const key of Object.keys(obj)) {
    if (keys.includes(key)) continue;
    issues.push({ path: [...path, key], reason: refused[key] ?? notInline });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
