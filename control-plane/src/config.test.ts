import test from "ava";
import { defaultPublicUrl, loadConfig } from "./config.js";

test("defaults", (t) => {
  const c = loadConfig({}, []);
  t.like(c, {
    port: 8080,
    grpcPort: 8443,
    dataDir: "./data",
    auth: "token",
    logLevel: "info",
    bodyLimit: 5 * 1024 * 1024,
  });
  t.is(c.mongodbUri, undefined);
  t.is(c.mongodbWtimeoutMs, 10_000);
  t.is(c.mongodbMaxTimeMs, 10_000);
  t.false(c.repoAllowLinkLocal, "Helm repositories may not reach link-local addresses by default");
  t.true(loadConfig({ SO_REPO_ALLOW_LINK_LOCAL: "true" }, []).repoAllowLinkLocal);
});

test("MongoDB time limits come from SO_MONGODB_WTIMEOUT_MS and SO_MONGODB_MAX_TIME_MS", (t) => {
  const c = loadConfig({ SO_MONGODB_WTIMEOUT_MS: "2500" }, ["--mongodb-max-time-ms", "800"]);
  t.is(c.mongodbWtimeoutMs, 2500);
  t.is(c.mongodbMaxTimeMs, 800);
  for (const bad of ["0", "-1", "1.5", "10s", "3600001"]) {
    t.throws(() => loadConfig({ SO_MONGODB_WTIMEOUT_MS: bad }, []), {
      message: /^SO_MONGODB_WTIMEOUT_MS must be milliseconds from 1 to 3600000/,
    });
  }
});

test("flags win over environment", (t) => {
  const c = loadConfig({ SO_PORT: "9000", SO_LOG_LEVEL: "warn" }, [
    "--port",
    "9100",
    "--body-limit=64kb",
  ]);
  t.is(c.port, 9100);
  t.is(c.logLevel, "warn");
  t.is(c.bodyLimit, 64 * 1024);
});

test("invalid values name the variable or flag", (t) => {
  const cases: Array<[Record<string, string>, string[], RegExp]> = [
    [{ SO_PORT: "http" }, [], /^SO_PORT must be a port/],
    [{}, ["--grpc-port", "70000"], /^--grpc-port must be a port/],
    [{ SO_AUTH: "basic" }, [], /^SO_AUTH must be "token" or "none"/],
    [{ SO_LOG_LEVEL: "loud" }, [], /^SO_LOG_LEVEL must be one of/],
    [{ SO_BODY_LIMIT: "lots" }, [], /^SO_BODY_LIMIT must be a size/],
    [{ SO_MASTER_KEY: "short" }, [], /^SO_MASTER_KEY must be 32 bytes/],
    [{ MONGODB_URI: "postgres://x" }, [], /^MONGODB_URI must start with mongodb/],
    [{ MONGODB_URI: "mongodb://db" }, [], /^SO_MASTER_KEY is required with MONGODB_URI/],
    [{ SO_PUBLIC_URL: "ftp://x" }, [], /^SO_PUBLIC_URL must be an http\(s\) URL/],
    [{ SO_ADMIN_TOKEN: "short" }, [], /^SO_ADMIN_TOKEN must be at least 16/],
    [{}, ["--bogus", "1"], /^--bogus is not a known flag/],
    [{}, ["--port"], /^--port needs a value/],
    [{ SO_PLACEMENT_POLICY: "random" }, [], /^SO_PLACEMENT_POLICY must be one of worst-fit/],
    [{ SO_FORECAST_HORIZON: "6" }, [], /^SO_FORECAST_HORIZON must be a duration/],
    [{ SO_FORECAST_HORIZON: "30d" }, [], /^SO_FORECAST_HORIZON must be a duration/],
    [{ SO_PLACEMENT_DEFAULT_REQUESTS: "100m" }, [], /^SO_PLACEMENT_DEFAULT_REQUESTS must be/],
    [{ SO_PLACEMENT_DEFAULT_REQUESTS: "0,1Mi" }, [], /^SO_PLACEMENT_DEFAULT_REQUESTS must be/],
  ];
  for (const [env, argv, message] of cases) {
    t.throws(() => loadConfig(env, argv), { message }, JSON.stringify({ env, argv }));
  }
});

test("placement settings: defaults as the original, and each can be set", (t) => {
  const d = loadConfig({}, []);
  t.is(d.placementPolicy, "traffic-most");
  t.false(d.predictive);
  t.is(d.forecastHorizonMs, 6 * 3_600_000);
  t.deepEqual(d.placementDefaultRequests, { cpuMillis: 100, memoryBytes: 200 * 1024 * 1024 });
  const c = loadConfig(
    {
      SO_PLACEMENT_POLICY: "best-fit",
      SO_PREDICTIVE: "true",
      SO_FORECAST_HORIZON: "90m",
      SO_PLACEMENT_DEFAULT_REQUESTS: "250m,1Gi",
    },
    [],
  );
  t.is(c.placementPolicy, "best-fit");
  t.true(c.predictive);
  t.is(c.forecastHorizonMs, 90 * 60_000);
  t.deepEqual(c.placementDefaultRequests, { cpuMillis: 250, memoryBytes: 1024 ** 3 });
});

test("a hex or base64 master key of 32 bytes is accepted", (t) => {
  t.notThrows(() => loadConfig({ SO_MASTER_KEY: "ab".repeat(32) }, []));
  t.notThrows(() => loadConfig({ SO_MASTER_KEY: Buffer.alloc(32, 7).toString("base64") }, []));
});

test("connection limits: defaults, durations in ms, s and m, and refusals naming the setting", (t) => {
  t.like(loadConfig({}, []), {
    hubHandshakeTimeoutMs: 10_000,
    hubFirstFrameTimeoutMs: 10_000,
    hubHelloTimeoutMs: 30_000,
    hubMaxConnections: 16_384,
    hubMaxConnectionsPerSource: 1_024,
    restHeadersTimeoutMs: 10_000,
    restRequestTimeoutMs: 60_000,
    restKeepAliveTimeoutMs: 5_000,
    restMaxConnections: 1_024,
  });
  t.like(
    loadConfig(
      {
        SO_HUB_HANDSHAKE_TIMEOUT: "500ms",
        SO_HUB_FIRST_FRAME_TIMEOUT: "2s",
        SO_HUB_HELLO_TIMEOUT: "1m",
        SO_HUB_MAX_CONNECTIONS: "200",
        SO_REST_KEEPALIVE_TIMEOUT: "750",
      },
      ["--hub-max-connections-per-source", "20", "--rest-max-connections=64"],
    ),
    {
      hubHandshakeTimeoutMs: 500,
      hubFirstFrameTimeoutMs: 2_000,
      hubHelloTimeoutMs: 60_000,
      hubMaxConnections: 200,
      hubMaxConnectionsPerSource: 20,
      restKeepAliveTimeoutMs: 750,
      restMaxConnections: 64,
    },
  );
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ SO_HUB_HANDSHAKE_TIMEOUT: "soon" }, /^SO_HUB_HANDSHAKE_TIMEOUT must be a duration/],
    [{ SO_HUB_HELLO_TIMEOUT: "0s" }, /^SO_HUB_HELLO_TIMEOUT must be a duration/],
    [{ SO_HUB_MAX_CONNECTIONS: "0" }, /^SO_HUB_MAX_CONNECTIONS must be a whole number/],
    [{ SO_REST_MAX_CONNECTIONS: "1.5" }, /^SO_REST_MAX_CONNECTIONS must be a whole number/],
    [
      { SO_REST_HEADERS_TIMEOUT: "2m", SO_REST_REQUEST_TIMEOUT: "1m" },
      /^SO_REST_HEADERS_TIMEOUT must not exceed the request timeout/,
    ],
  ];
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env, []), { message }, JSON.stringify(env));
  }
});

test("the public URL defaults to plain HTTP on the REST port, not https://localhost", (t) => {
  t.is(loadConfig({}, []).publicUrl, undefined, "unset: the control plane picks and warns");
  t.is(
    loadConfig({ SO_PUBLIC_URL: "https://so.example.com/" }, []).publicUrl,
    "https://so.example.com",
  );
  t.is(defaultPublicUrl("0.0.0.0", 8080, "edge-box"), "http://edge-box:8080");
  t.is(defaultPublicUrl("::", 9000, "edge-box"), "http://edge-box:9000");
  t.is(defaultPublicUrl("192.168.1.5", 8080, "edge-box"), "http://192.168.1.5:8080");
  t.is(defaultPublicUrl("fd00::5", 8080, "edge-box"), "http://[fd00::5]:8080");
});
