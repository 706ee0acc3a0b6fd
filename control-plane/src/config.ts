import { hostname } from "node:os";
import {
  invalidSetting as invalid,
  type LogLevel,
  parseBoolSetting,
  parseLogLevelSetting,
  readSettings,
  type SettingSpec,
  settingsHelp,
} from "@smart-orchestrator/shared";
import {
  parseCount,
  parseDefaultRequests,
  parseDuration,
  parseMilliseconds,
  parseNamespace,
  parsePolicy,
  parsePort,
  parseSize,
  parseTimeout,
} from "./config-values.js";
import type { PlacementPolicy } from "./placement/policies.js";

/** Whether the REST API demands a bearer token. `none` exists only for legacy clients. */
export type AuthMode = "token" | "none";

/** Everything the control plane is configured with; built once by {@link loadConfig}. */
export interface ControlPlaneConfig {
  /** REST port; 0 picks a free one (tests). */
  readonly port: number;
  /** Agent hub gRPC port; 0 picks a free one (tests). */
  readonly grpcPort: number;
  /** Interface both listeners bind to. */
  readonly host: string;
  /** Folder for the embedded store and its key file. */
  readonly dataDir: string;
  /** Admin bearer token; when absent one is generated on first start. */
  readonly adminToken: string | undefined;
  readonly auth: AuthMode;
  /** 32-byte key, base64 or hex, for secrets at rest; required with MongoDB. */
  readonly masterKey: string | undefined;
  /**
   * Base URL agents and operators reach this control plane on, used in join
   * commands. Unset: the control plane uses {@link defaultPublicUrl} and warns.
   */
  readonly publicUrl: string | undefined;
  readonly logLevel: LogLevel;
  /** Largest accepted REST body, in bytes. */
  readonly bodyLimit: number;
  /** When set, the MongoDB store is used instead of the embedded SQLite file. */
  readonly mongodbUri: string | undefined;
  /** How long a MongoDB `w: majority` write waits for the majority before failing (503). */
  readonly mongodbWtimeoutMs: number;
  /** Server-side time limit on every MongoDB read (`maxTimeMS`). */
  readonly mongodbMaxTimeMs: number;
  /** Helm binary; found on PATH when absent. */
  readonly helmBin: string | undefined;
  /** Serve the agent hub without TLS (explicit opt-in, warned about at start). */
  readonly insecure: boolean;
  /** Names and addresses the hub's server certificate covers. */
  readonly tlsSans: readonly string[];
  /** Operator-supplied hub certificate chain, key and CA (PEM files); all three or none. */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly tlsCaFile: string | undefined;
  /** Helm repository downloads may reach link-local and metadata addresses (refused by default). */
  readonly repoAllowLinkLocal: boolean;
  /** How to start an agent for clusters registered with credentials (space-separated argv). */
  readonly agentCommand: readonly string[] | undefined;
  /** Where in each credential cluster its agent keeps its desired state (Secrets). */
  readonly managedNamespace: string;
  /** A hub TLS handshake must finish within this. */
  readonly hubHandshakeTimeoutMs: number;
  /** After TLS (or the accept, in plaintext) an agent's first HTTP/2 bytes must come within this. */
  readonly hubFirstFrameTimeoutMs: number;
  /** A new hub connection must deliver an authenticated Hello within this. */
  readonly hubHelloTimeoutMs: number;
  /** Open hub connections in total. */
  readonly hubMaxConnections: number;
  /** Open hub connections from one source address (agents behind one NAT share it). */
  readonly hubMaxConnectionsPerSource: number;
  /** A REST client must send its request headers within this. */
  readonly restHeadersTimeoutMs: number;
  /** A REST client must send its whole request within this. */
  readonly restRequestTimeoutMs: number;
  /** An idle keep-alive REST connection is closed after this. */
  readonly restKeepAliveTimeoutMs: number;
  /** Open REST connections in total. */
  readonly restMaxConnections: number;
  /** Accept `http://` API servers in registered kubeconfigs (labs and simulators only). */
  readonly allowHttpClusters: boolean;
  /** Policy used when a request names none (default traffic-most, as the original). */
  readonly placementPolicy: PlacementPolicy;
  /** Place on forecast p90 usage and mean forecast traffic unless a request says otherwise. */
  readonly predictive: boolean;
  /** How far ahead forecasts look, ms (default 6 h). */
  readonly forecastHorizonMs: number;
  /** Per-pod request assumed for a pod that asks for nothing. */
  readonly placementDefaultRequests: { readonly cpuMillis: number; readonly memoryBytes: number };
}

const options = {
  port: { env: "SO_PORT", flag: "--port", help: "REST port (default 8080)" },
  grpcPort: { env: "SO_GRPC_PORT", flag: "--grpc-port", help: "agent hub port (default 8443)" },
  host: { env: "SO_HOST", flag: "--host", help: "bind address (default 0.0.0.0)" },
  dataDir: {
    env: "SO_DATA_DIR",
    flag: "--data-dir",
    help: "embedded store folder (default ./data)",
  },
  adminToken: { env: "SO_ADMIN_TOKEN", flag: "--admin-token", help: "admin bearer token" },
  auth: { env: "SO_AUTH", flag: "--auth", help: "token (default) or none" },
  masterKey: { env: "SO_MASTER_KEY", flag: "--master-key", help: "32-byte key, base64 or hex" },
  publicUrl: {
    env: "SO_PUBLIC_URL",
    flag: "--public-url",
    help: "URL used in join commands (default http://<hostname>:<port>)",
  },
  logLevel: { env: "SO_LOG_LEVEL", flag: "--log-level", help: "pino level (default info)" },
  bodyLimit: { env: "SO_BODY_LIMIT", flag: "--body-limit", help: "max REST body (default 5mb)" },
  mongodbUri: { env: "MONGODB_URI", flag: "--mongodb-uri", help: "use MongoDB instead of SQLite" },
  mongodbWtimeoutMs: {
    env: "SO_MONGODB_WTIMEOUT_MS",
    flag: "--mongodb-wtimeout-ms",
    help: "MongoDB majority-write wait limit in ms (default 10000)",
  },
  mongodbMaxTimeMs: {
    env: "SO_MONGODB_MAX_TIME_MS",
    flag: "--mongodb-max-time-ms",
    help: "MongoDB read time limit in ms (default 10000)",
  },
  helmBin: { env: "HELM_BIN", flag: "--helm-bin", help: "path to the helm binary" },
  insecure: { env: "SO_INSECURE", flag: "--insecure", help: "plaintext agent hub", boolean: true },
  tlsSans: { env: "SO_TLS_SANS", flag: "--tls-sans", help: "comma-separated hub cert names/IPs" },
  tlsCertFile: { env: "SO_TLS_CERT", flag: "--tls-cert", help: "hub certificate chain (PEM)" },
  tlsKeyFile: { env: "SO_TLS_KEY", flag: "--tls-key", help: "hub private key (PEM)" },
  tlsCaFile: { env: "SO_TLS_CA", flag: "--tls-ca", help: "CA that issued --tls-cert (PEM)" },
  repoAllowLinkLocal: {
    env: "SO_REPO_ALLOW_LINK_LOCAL",
    flag: "--repo-allow-link-local",
    help: "Helm repos may use link-local/metadata addresses",
    boolean: true,
  },
  agentCommand: {
    env: "SO_AGENT_COMMAND",
    flag: "--agent-command",
    help: "agent argv for credential clusters",
  },
  managedNamespace: {
    env: "SO_MANAGED_NAMESPACE",
    flag: "--managed-namespace",
    help: "namespace in credential clusters for their agents' state (default smart-orchestrator)",
  },
  hubHandshakeTimeoutMs: {
    env: "SO_HUB_HANDSHAKE_TIMEOUT",
    flag: "--hub-handshake-timeout",
    help: "hub TLS handshake deadline (default 10s)",
  },
  hubFirstFrameTimeoutMs: {
    env: "SO_HUB_FIRST_FRAME_TIMEOUT",
    flag: "--hub-first-frame-timeout",
    help: "deadline for a hub connection's first HTTP/2 bytes (default 10s)",
  },
  hubHelloTimeoutMs: {
    env: "SO_HUB_HELLO_TIMEOUT",
    flag: "--hub-hello-timeout",
    help: "deadline for a hub connection's Hello (default 30s)",
  },
  hubMaxConnections: {
    env: "SO_HUB_MAX_CONNECTIONS",
    flag: "--hub-max-connections",
    help: "open hub connections in total (default 16384)",
  },
  hubMaxConnectionsPerSource: {
    env: "SO_HUB_MAX_CONNECTIONS_PER_SOURCE",
    flag: "--hub-max-connections-per-source",
    help: "open hub connections per source address (default 1024)",
  },
  restHeadersTimeoutMs: {
    env: "SO_REST_HEADERS_TIMEOUT",
    flag: "--rest-headers-timeout",
    help: "deadline for REST request headers (default 10s)",
  },
  restRequestTimeoutMs: {
    env: "SO_REST_REQUEST_TIMEOUT",
    flag: "--rest-request-timeout",
    help: "deadline for a whole REST request (default 60s)",
  },
  restKeepAliveTimeoutMs: {
    env: "SO_REST_KEEPALIVE_TIMEOUT",
    flag: "--rest-keepalive-timeout",
    help: "idle REST keep-alive connections close after (default 5s)",
  },
  restMaxConnections: {
    env: "SO_REST_MAX_CONNECTIONS",
    flag: "--rest-max-connections",
    help: "open REST connections in total (default 1024)",
  },
  allowHttpClusters: {
    env: "SO_ALLOW_HTTP_CLUSTERS",
    flag: "--allow-http-clusters",
    help: "accept http:// servers in registered kubeconfigs (labs only)",
    boolean: true,
  },
  placementPolicy: {
    env: "SO_PLACEMENT_POLICY",
    flag: "--placement-policy",
    help: "worst-fit, best-fit or traffic-most (default)",
  },
  predictive: {
    env: "SO_PREDICTIVE",
    flag: "--predictive",
    help: "place on forecast usage by default",
    boolean: true,
  },
  forecastHorizonMs: {
    env: "SO_FORECAST_HORIZON",
    flag: "--forecast-horizon",
    help: "forecast horizon, e.g. 6h or 90m (default 6h)",
  },
  placementDefaultRequests: {
    env: "SO_PLACEMENT_DEFAULT_REQUESTS",
    flag: "--placement-default-requests",
    help: "cpu,memory assumed for a pod without requests (default 100m,200Mi)",
  },
} as const satisfies Record<keyof ControlPlaneConfig, SettingSpec>;

/** The usage text printed by `--help`. */
export function configHelp(): string {
  return settingsHelp(options);
}

/**
 * Reads configuration from the environment and command-line flags (flags win),
 * applies defaults and validates. Throws an AppError naming the offending
 * variable or flag; the caller prints it and exits. No other module reads
 * `process.env`.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[],
): Readonly<ControlPlaneConfig> {
  const raw = readSettings(options, env, argv);

  const port = parsePort(raw("port"), 8080);
  const grpcPort = parsePort(raw("grpcPort"), 8443);
  const host = raw("host").value ?? "0.0.0.0";
  const auth = raw("auth");
  const authMode = auth.value ?? "token";
  if (authMode !== "token" && authMode !== "none") {
    throw invalid(auth.source, `must be "token" or "none", got "${authMode}"`);
  }
  const logLevel = parseLogLevelSetting(raw("logLevel"));
  const adminToken = raw("adminToken");
  if (adminToken.value !== undefined && adminToken.value.length < 16) {
    throw invalid(adminToken.source, "must be at least 16 characters");
  }
  const masterKey = raw("masterKey");
  if (masterKey.value !== undefined) decodeMasterKey(masterKey.value, masterKey.source);
  const mongodbUri = raw("mongodbUri");
  if (mongodbUri.value !== undefined) {
    if (!/^mongodb(\+srv)?:\/\//.test(mongodbUri.value)) {
      throw invalid(mongodbUri.source, "must start with mongodb:// or mongodb+srv://");
    }
    if (masterKey.value === undefined) {
      throw invalid("SO_MASTER_KEY", "is required with MONGODB_URI so that every replica agrees");
    }
  }
  const publicUrl = raw("publicUrl");
  const url = publicUrl.value;
  if (url !== undefined) {
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("scheme");
    } catch {
      throw invalid(publicUrl.source, `must be an http(s) URL, got "${url}"`);
    }
  }

  const insecure = parseBoolSetting(raw("insecure"));
  const tlsFiles = (["tlsCertFile", "tlsKeyFile", "tlsCaFile"] as const).map((k) => raw(k));
  const given = tlsFiles.filter((f) => f.value !== undefined).length;
  if (given !== 0 && given !== 3) {
    throw invalid(
      "SO_TLS_CERT",
      "SO_TLS_CERT, SO_TLS_KEY and SO_TLS_CA go together: give all three or none",
    );
  }
  const sans = raw("tlsSans")
    .value?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const restHeadersTimeoutMs = parseTimeout(raw("restHeadersTimeoutMs"), 10_000);
  const restRequestTimeoutMs = parseTimeout(raw("restRequestTimeoutMs"), 60_000);
  if (restHeadersTimeoutMs > restRequestTimeoutMs) {
    // Node refuses a headers deadline past the request deadline.
    throw invalid(
      raw("restHeadersTimeoutMs").source,
      `must not exceed the request timeout (${restRequestTimeoutMs} ms)`,
    );
  }
  const defaultSans = [
    hostname(),
    "localhost",
    "127.0.0.1",
    ...(url !== undefined ? [new URL(url).hostname] : []),
  ];

  return Object.freeze({
    port,
    grpcPort,
    host,
    dataDir: raw("dataDir").value ?? "./data",
    adminToken: adminToken.value,
    auth: authMode,
    masterKey: masterKey.value,
    publicUrl: url?.replace(/\/+$/, ""),
    logLevel,
    bodyLimit: parseSize(raw("bodyLimit"), 5 * 1024 * 1024),
    mongodbUri: mongodbUri.value,
    mongodbWtimeoutMs: parseMilliseconds(raw("mongodbWtimeoutMs"), 10_000),
    mongodbMaxTimeMs: parseMilliseconds(raw("mongodbMaxTimeMs"), 10_000),
    helmBin: raw("helmBin").value,
    insecure,
    tlsSans: [...new Set(sans?.length ? sans : defaultSans)],
    tlsCertFile: tlsFiles[0]?.value,
    tlsKeyFile: tlsFiles[1]?.value,
    tlsCaFile: tlsFiles[2]?.value,
    repoAllowLinkLocal: parseBoolSetting(raw("repoAllowLinkLocal")),
    agentCommand: raw("agentCommand").value?.split(" ").filter(Boolean),
    managedNamespace: parseNamespace(raw("managedNamespace"), "smart-orchestrator"),
    hubHandshakeTimeoutMs: parseTimeout(raw("hubHandshakeTimeoutMs"), 10_000),
    hubFirstFrameTimeoutMs: parseTimeout(raw("hubFirstFrameTimeoutMs"), 10_000),
    hubHelloTimeoutMs: parseTimeout(raw("hubHelloTimeoutMs"), 30_000),
    hubMaxConnections: parseCount(raw("hubMaxConnections"), 16_384),
    hubMaxConnectionsPerSource: parseCount(raw("hubMaxConnectionsPerSource"), 1_024),
    restHeadersTimeoutMs,
    restRequestTimeoutMs,
    restKeepAliveTimeoutMs: parseTimeout(raw("restKeepAliveTimeoutMs"), 5_000),
    restMaxConnections: parseCount(raw("restMaxConnections"), 1_024),
    allowHttpClusters: parseBoolSetting(raw("allowHttpClusters")),
    placementPolicy: parsePolicy(raw("placementPolicy")),
    predictive: parseBoolSetting(raw("predictive")),
    forecastHorizonMs: parseDuration(raw("forecastHorizonMs"), 6 * 3_600_000),
    placementDefaultRequests: parseDefaultRequests(raw("placementDefaultRequests")),
  });
}

/**
 * The base URL join commands use when `SO_PUBLIC_URL` is unset: plain HTTP,
 * as the REST API speaks, on the bound address when it is a specific one,
 * else on this machine's hostname.
 */
export function defaultPublicUrl(bindHost: string, restPort: number, host = hostname()): string {
  const wildcard = bindHost === "0.0.0.0" || bindHost === "::" || bindHost === "";
  const name = wildcard ? host : bindHost;
  return `http://${name.includes(":") ? `[${name}]` : name}:${restPort}`;
}

/** Decodes a master key given as 64 hex characters or base64 of 32 bytes. */
export function decodeMasterKey(value: string, source = "SO_MASTER_KEY"): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, "hex")
    : Buffer.from(value, "base64");
  if (key.length !== 32) {
    throw invalid(source, "must be 32 bytes, as 64 hex characters or base64");
  }
  return key;
}
