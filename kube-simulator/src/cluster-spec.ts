/**
 * What a simulated cluster looks like, and the `kube-simulator --cluster <spec>` format:
 * either comma-separated `key=value` pairs
 *   name=pi,nodes=1,arch=arm64,cpu=4,memory=8Gi,distribution=k3s
 * (repeatable `label.<key>=<value>` and `taint=<key>[=<value>]:<Effect>`),
 * or the path of a JSON file holding the same fields.
 */
import {
  AppError,
  ErrorCode,
  type FieldError,
  isQuantity,
  parseBytes,
  parseMillis,
} from "@smart-orchestrator/shared";

/** A node taint. */
export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** Kubernetes distributions whose node conventions the simulator reproduces. */
export type Distribution = "k3s" | "kubeadm";

/** A simulated cluster, validated and with defaults filled in. */
export interface ClusterSpec {
  readonly name: string;
  /** Number of nodes; the first one is the control-plane (server) node. */
  readonly nodes: number;
  readonly arch: "amd64" | "arm64";
  /** CPU capacity per node, a quantity ("4", "3500m"). */
  readonly cpu: string;
  /** Memory capacity per node, a quantity ("8Gi"). */
  readonly memory: string;
  /** Root filesystem per node, a quantity ("64Gi"). */
  readonly storage: string;
  /** Pod capacity per node. */
  readonly maxPods: number;
  readonly distribution: Distribution;
  /** Kubelet / API server version, e.g. "v1.31.4+k3s1". */
  readonly version: string;
  /** Taints on every node, on top of the distribution's control-plane taint. */
  readonly taints: readonly Taint[];
  /** Labels on every node. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Whether the first node carries `node-role.kubernetes.io/control-plane:NoSchedule`.
   * Default: kubeadm clusters of more than one node, as `kubeadm init` leaves them.
   */
  readonly controlPlaneTaint: boolean;
  /** Mean network receive rate per node in bytes/s (transmit is derived); default from the seed. */
  readonly rxBytesPerSecond?: number;
  /** Seed for the moving usage figures; default derived from the name. */
  readonly seed: number;
}

/** The input form of {@link ClusterSpec}: everything but the name is optional. */
export type ClusterSpecInput = { readonly name: string } & Partial<Omit<ClusterSpec, "name">>;

const effects = new Set(["NoSchedule", "PreferNoSchedule", "NoExecute"]);
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The default version string of a distribution. */
export function defaultVersion(distribution: Distribution): string {
  return distribution === "k3s" ? "v1.31.4+k3s1" : "v1.31.4";
}

function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Fills defaults and validates; throws `AppError(invalid_argument)` listing
 * every bad field ("nodes must be an integer from 1 to 500, got 0").
 */
export function resolveClusterSpec(input: ClusterSpecInput): ClusterSpec {
  const errors: FieldError[] = [];
  const bad = (field: string, reason: string) => errors.push({ field, reason });
  const distribution = input.distribution ?? "k3s";
  const nodes = input.nodes ?? 1;
  const spec: ClusterSpec = {
    name: input.name,
    nodes,
    arch: input.arch ?? "amd64",
    cpu: input.cpu ?? "4",
    memory: input.memory ?? "8Gi",
    storage: input.storage ?? "64Gi",
    maxPods: input.maxPods ?? 110,
    distribution,
    version: input.version ?? defaultVersion(distribution),
    taints: input.taints ?? [],
    labels: input.labels ?? {},
    controlPlaneTaint: input.controlPlaneTaint ?? (distribution === "kubeadm" && nodes > 1),
    ...(input.rxBytesPerSecond === undefined ? {} : { rxBytesPerSecond: input.rxBytesPerSecond }),
    seed: input.seed ?? hashName(input.name ?? ""),
  };
  if (typeof spec.name !== "string" || !dnsLabel.test(spec.name) || spec.name.length > 40) {
    bad(
      "name",
      `name must be a lowercase DNS label of at most 40 characters, got ${JSON.stringify(spec.name)}`,
    );
  }
  if (!Number.isInteger(spec.nodes) || spec.nodes < 1 || spec.nodes > 500) {
    bad("nodes", `nodes must be an integer from 1 to 500, got ${JSON.stringify(spec.nodes)}`);
  }
  if (spec.arch !== "amd64" && spec.arch !== "arm64") {
    bad("arch", `arch must be amd64 or arm64, got ${JSON.stringify(spec.arch)}`);
  }
  if (spec.distribution !== "k3s" && spec.distribution !== "kubeadm") {
    bad(
      "distribution",
      `distribution must be k3s or kubeadm, got ${JSON.stringify(spec.distribution)}`,
    );
  }
  for (const field of ["cpu", "memory", "storage"] as const) {
    const value = spec[field];
    if (typeof value !== "string" || !isQuantity(value)) {
      bad(
        field,
        `${field} must be a Kubernetes quantity such as ${field === "cpu" ? '"4" or "3500m"' : '"8Gi"'}, got ${JSON.stringify(value)}`,
      );
    } else if ((field === "cpu" ? parseMillis(value) : parseBytes(value)) <= 0n) {
      bad(field, `${field} must be positive, got ${JSON.stringify(value)}`);
    }
  }
  if (!Number.isInteger(spec.maxPods) || spec.maxPods < 1) {
    bad("maxPods", `maxPods must be a positive integer, got ${JSON.stringify(spec.maxPods)}`);
  }
  if (
    typeof spec.version !== "string" ||
    !/^v\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/.test(spec.version)
  ) {
    bad(
      "version",
      `version must look like v1.31.4 or v1.31.4+k3s1, got ${JSON.stringify(spec.version)}`,
    );
  }
  spec.taints.forEach((t, i) => {
    if (!t || typeof t.key !== "string" || !t.key || !effects.has(t.effect)) {
      bad(
        `taints.${i}`,
        `a taint needs a key and an effect of NoSchedule, PreferNoSchedule or NoExecute, got ${JSON.stringify(t)}`,
      );
    }
  });
  for (const [k, v] of Object.entries(spec.labels)) {
    if (typeof v !== "string")
      bad(`labels.${k}`, `label values must be strings, got ${JSON.stringify(v)}`);
  }
  if (spec.rxBytesPerSecond !== undefined && !(spec.rxBytesPerSecond >= 0)) {
    bad(
      "rxBytesPerSecond",
      `rxBytesPerSecond must be a non-negative number, got ${JSON.stringify(spec.rxBytesPerSecond)}`,
    );
  }
  if (errors.length > 0) {
    throw new AppError(
      ErrorCode.InvalidArgument,
      `invalid simulated cluster spec: ${errors.map((e) => e.reason).join("; ")}`,
      { fields: errors },
    );
  }
  return spec;
}

/** Parses `key=value,...` text (see the module comment) into a validated spec. */
export function parseClusterSpec(text: string): ClusterSpec {
  const input: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const taints: Taint[] = [];
  const errors: FieldError[] = [];
  for (const raw of text.split(",")) {
    const part = raw.trim();
    if (!part) continue;
    const eq = part.indexOf("=");
    if (eq <= 0) {
      errors.push({ field: part, reason: `expected key=value, got ${JSON.stringify(part)}` });
      continue;
    }
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key.startsWith("label.")) {
      labels[key.slice("label.".length)] = value;
    } else if (key === "taint") {
      const m = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(value);
      if (!m)
        errors.push({
          field: "taint",
          reason: `taint must be key[=value]:Effect, got ${JSON.stringify(value)}`,
        });
      else
        taints.push({
          key: m[1]!,
          ...(m[2] ? { value: m[2] } : {}),
          effect: m[3] as Taint["effect"],
        });
    } else if (
      key === "nodes" ||
      key === "maxPods" ||
      key === "seed" ||
      key === "rxBytesPerSecond"
    ) {
      input[key] = /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    } else if (key === "controlPlaneTaint") {
      input[key] = value === "true" ? true : value === "false" ? false : value;
    } else if (
      ["name", "arch", "cpu", "memory", "storage", "distribution", "version"].includes(key)
    ) {
      input[key] = value;
    } else {
      errors.push({
        field: key,
        reason: `unknown key "${key}" (known: name, nodes, arch, cpu, memory, storage, maxPods, distribution, version, controlPlaneTaint, rxBytesPerSecond, seed, label.<key>, taint)`,
      });
    }
  }
  if (errors.length > 0) {
    throw new AppError(
      ErrorCode.InvalidArgument,
      `invalid --cluster spec ${JSON.stringify(text)}: ${errors.map((e) => e.reason).join("; ")}`,
      { fields: errors },
    );
  }
  if (input.name === undefined) input.name = "sim";
  if (Object.keys(labels).length > 0) input.labels = labels;
  if (taints.length > 0) input.taints = taints;
  return resolveClusterSpec(input as ClusterSpecInput);
}

/**
 * Reads the `--cluster` argument: a `key=value` spec, or the path of a JSON
 * file (anything without "=" is taken as a path). `readFile` is injected so
 * the config module stays the only place touching the file system.
 */
export function loadClusterSpec(arg: string, readFile: (path: string) => string): ClusterSpec {
  if (arg.includes("=")) return parseClusterSpec(arg);
  let text: string;
  try {
    text = readFile(arg);
  } catch (err) {
    throw new AppError(
      ErrorCode.InvalidArgument,
      `--cluster: cannot read spec file ${JSON.stringify(arg)}`,
      { cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AppError(ErrorCode.InvalidArgument, `--cluster: ${arg} is not valid JSON`, {
      cause: err,
    });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new AppError(ErrorCode.InvalidArgument, `--cluster: ${arg} must hold a JSON object`);
  }
  return resolveClusterSpec({
    name: "sim",
    ...(json as Record<string, unknown>),
  } as ClusterSpecInput);
}
