import { readFileSync } from "node:fs";
import {
  invalidSetting as invalid,
  type LogLevel,
  parseBoolSetting as parseBool,
  parseLogLevelSetting,
  readSettings,
  type SettingSpec,
  settingsHelp,
} from "@smart-orchestrator/shared";

/** Everything the agent is configured with; built once by {@link loadAgentConfig}. */
export interface AgentConfig {
  /** `host:port` of the control plane's agent hub. */
  readonly hub: string;
  /**
   * Join token for the first connection; not needed once a credential is
   * saved. From `--token`, `SO_TOKEN`, or the file `--token-file` names.
   */
  readonly token: string | undefined;
  /** File the join token was read from; keeps the token out of `ps`. */
  readonly tokenFile: string | undefined;
  /** `sha256:<hex>` pin of the hub CA's SPKI. Required unless `insecure`. */
  readonly caHash: string | undefined;
  /** Plaintext gRPC, only with an explicit flag; warned about at start. */
  readonly insecure: boolean;
  /** Folder for the credential file; when unset in a pod, a Secret holds it. */
  readonly stateDir: string | undefined;
  /** Kubeconfig path (host mode); in-cluster config or ~/.kube/config otherwise. */
  readonly kubeconfig: string | undefined;
  /** Namespace of the credential Secret (in-cluster mode). */
  readonly namespace: string;
  readonly logLevel: LogLevel;
  /** How the kubelet summary is read: `kubelet` (nodes/stats, default) or `proxy` (nodes/proxy). */
  readonly statsSource: "kubelet" | "proxy";
  /** Skip kubelet serving-certificate checks, as metrics-server's flag of the same name. */
  readonly kubeletInsecureTls: boolean;
  /** `host:port` for `/healthz` and `/readyz` (`:8081` binds every interface); off when unset. */
  readonly healthListen: string | undefined;
  /** Run by the control plane for a credential cluster: kubeconfig and credential come on stdin. */
  readonly managed: boolean;
  /**
   * False with `--no-deploy`: the agent was installed without the deploy role
   * and refuses Apply and Delete commands, saying why.
   */
  readonly deploy: boolean;
  /** Seconds between drift repairs of the held releases (default 60). */
  readonly repairIntervalSeconds: number;
}

const options = {
  hub: { env: "SO_HUB", flag: "--hub", help: "control plane agent hub, host:port (required)" },
  token: {
    env: "SO_TOKEN",
    flag: "--token",
    help: "join token (first start only; the flag shows in ps, prefer SO_TOKEN)",
  },
  tokenFile: {
    env: "SO_TOKEN_FILE",
    flag: "--token-file",
    help: "file holding the join token (first start only)",
  },
  caHash: { env: "SO_CA_HASH", flag: "--ca-hash", help: "sha256:<hex> pin of the hub CA" },
  insecure: {
    env: "SO_INSECURE",
    flag: "--insecure",
    help: "plaintext gRPC (not for production)",
    boolean: true,
  },
  stateDir: {
    env: "SO_STATE_DIR",
    flag: "--state-dir",
    help: "keep the credential in a file here",
  },
  kubeconfig: { env: "KUBECONFIG", flag: "--kubeconfig", help: "kubeconfig path (host mode)" },
  namespace: {
    env: "SO_NAMESPACE",
    flag: "--namespace",
    help: "namespace of the credential and desired-state Secrets",
  },
  logLevel: { env: "SO_LOG_LEVEL", flag: "--log-level", help: "pino level (default info)" },
  statsSource: {
    env: "SO_STATS_SOURCE",
    flag: "--stats-source",
    help: "kubelet (default) or proxy",
  },
  kubeletInsecureTls: {
    env: "SO_KUBELET_INSECURE_TLS",
    flag: "--kubelet-insecure-tls",
    help: "do not verify kubelet serving certs",
    boolean: true,
  },
  deploy: {
    env: "SO_NO_DEPLOY",
    flag: "--no-deploy",
    help: "installed without the deploy role: refuse deploy commands",
    boolean: true,
  },
  healthListen: {
    env: "SO_HEALTH_LISTEN",
    flag: "--health-listen",
    help: "host:port for /healthz and /readyz (off by default)",
  },
  managed: {
    env: "SO_MANAGED",
    flag: "--managed",
    help: "run by the control plane; bootstrap JSON on stdin",
    boolean: true,
  },
  repairIntervalSeconds: {
    env: "SO_REPAIR_INTERVAL",
    flag: "--repair-interval",
    help: "seconds between drift repairs of deployed releases (default 60)",
  },
} as const satisfies Record<keyof AgentConfig, SettingSpec>;

/** The usage text printed by `--help`. */
export function agentConfigHelp(): string {
  return settingsHelp(options);
}

/**
 * Reads agent configuration from flags and environment (flags win),
 * validates, and throws an AppError naming the offending flag or variable.
 * `readFile` reads `--token-file` (injected by tests).
 */
export function loadAgentConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[],
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): Readonly<AgentConfig> {
  const raw = readSettings(options, env, argv);

  const hub = raw("hub");
  if (!hub.value)
    throw invalid(hub.source, "is required (host:port of the control plane's agent hub)");
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(hub.value)) {
    throw invalid(hub.source, `must be host:port, got "${hub.value}"`);
  }
  const tokenFile = raw("tokenFile");
  const token = readToken(raw("token"), tokenFile, readFile);
  const insecure = parseBool(raw("insecure"));
  const kubeletInsecureTls = parseBool(raw("kubeletInsecureTls"));
  const stats = raw("statsSource");
  const statsSource = stats.value ?? "kubelet";
  if (statsSource !== "kubelet" && statsSource !== "proxy") {
    throw invalid(stats.source, `must be "kubelet" or "proxy", got "${statsSource}"`);
  }
  const caHash = raw("caHash");
  if (caHash.value !== undefined && !/^sha256:[0-9a-f]{64}$/.test(caHash.value)) {
    throw invalid(caHash.source, "must be sha256:<64 hex characters>");
  }
  const managed = parseBool(raw("managed"));
  const deploy = !parseBool(raw("deploy"));
  const healthListen = raw("healthListen");
  if (
    healthListen.value !== undefined &&
    !/^([A-Za-z0-9.-]*|\[[0-9a-fA-F:]+\]):\d{1,5}$/.test(healthListen.value)
  ) {
    throw invalid(healthListen.source, `must be host:port or :port, got "${healthListen.value}"`);
  }
  if (!insecure && caHash.value === undefined) {
    throw invalid("--ca-hash", "is required unless --insecure is given (it pins the hub's CA)");
  }
  const logLevel = parseLogLevelSetting(raw("logLevel"));
  const namespace = raw("namespace").value ?? "smart-orchestrator";
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    throw invalid("--namespace", `must be a DNS-1123 label, got "${namespace}"`);
  }
  const interval = raw("repairIntervalSeconds");
  const repairIntervalSeconds = Number(interval.value ?? "60");
  if (
    !Number.isInteger(repairIntervalSeconds) ||
    repairIntervalSeconds < 5 ||
    repairIntervalSeconds > 86_400
  ) {
    throw invalid(
      interval.source,
      `must be whole seconds from 5 to 86400, got "${interval.value}"`,
    );
  }
  return Object.freeze({
    hub: hub.value,
    token,
    tokenFile: tokenFile.value,
    caHash: caHash.value,
    insecure,
    stateDir: raw("stateDir").value,
    kubeconfig: raw("kubeconfig").value,
    namespace,
    logLevel,
    statsSource,
    kubeletInsecureTls,
    managed,
    deploy,
    healthListen: healthListen.value,
    repairIntervalSeconds,
  });
}

const joinTokenPattern = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/** The join token from `--token`/`SO_TOKEN` or from the file `--token-file` names. */
function readToken(
  direct: { value: string | undefined; source: string },
  file: { value: string | undefined; source: string },
  readFile: (path: string) => string,
): string | undefined {
  if (file.value === undefined) {
    if (direct.value !== undefined && !joinTokenPattern.test(direct.value)) {
      throw invalid(direct.source, "must be a join token like abcdef.0123456789abcdef");
    }
    return direct.value;
  }
  if (direct.value !== undefined) {
    throw invalid(file.source, `and ${direct.source} both give a join token; give one`);
  }
  let value: string;
  try {
    value = readFile(file.value).trim();
  } catch (err) {
    const code = (err as { code?: string }).code ?? String(err);
    throw invalid(file.source, `cannot be read (${code}): ${file.value}`);
  }
  if (!joinTokenPattern.test(value)) {
    throw invalid(
      file.source,
      `must name a file holding a join token like abcdef.0123456789abcdef: ${file.value}`,
    );
  }
  return value;
}
