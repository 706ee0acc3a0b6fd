import test from "ava";
import { loadAgentConfig } from "./config.js";

const base = ["--hub", "hub.example.com:8443", "--ca-hash", `sha256:${"a".repeat(64)}`];

test("defaults and flags", (t) => {
  const c = loadAgentConfig({}, [
    ...base,
    "--token",
    "abcdef.0123456789abcdef",
    "--state-dir",
    "/var/lib/so",
  ]);
  t.like(c, {
    hub: "hub.example.com:8443",
    token: "abcdef.0123456789abcdef",
    insecure: false,
    stateDir: "/var/lib/so",
    namespace: "smart-orchestrator",
    logLevel: "info",
    statsSource: "kubelet",
    kubeletInsecureTls: false,
    managed: false,
    repairIntervalSeconds: 60,
  });
});

test("the drift repair interval comes from --repair-interval or SO_REPAIR_INTERVAL, in whole seconds", (t) => {
  t.is(loadAgentConfig({ SO_REPAIR_INTERVAL: "15" }, base).repairIntervalSeconds, 15);
  t.is(loadAgentConfig({}, [...base, "--repair-interval", "300"]).repairIntervalSeconds, 300);
  t.throws(() => loadAgentConfig({}, [...base, "--repair-interval", "1.5"]), {
    message: /--repair-interval.*whole seconds/,
  });
  t.throws(() => loadAgentConfig({ SO_REPAIR_INTERVAL: "0" }, base), {
    message: /SO_REPAIR_INTERVAL.*from 5/,
  });
});

test("environment works and flags win; --insecure alone needs no CA hash", (t) => {
  const c = loadAgentConfig({ SO_HUB: "a:1", SO_LOG_LEVEL: "debug" }, [
    "--hub",
    "b:2",
    "--insecure",
  ]);
  t.is(c.hub, "b:2");
  t.is(c.logLevel, "debug");
  t.true(c.insecure);
  t.is(c.caHash, undefined);
});

test("invalid values name the flag or variable", (t) => {
  const cases: Array<[Record<string, string>, string[], RegExp]> = [
    [{}, [], /^SO_HUB is required/],
    [{}, ["--hub", "no-port"], /^--hub must be host:port/],
    [{}, ["--hub", "h:1"], /^--ca-hash is required unless --insecure/],
    [{}, ["--hub", "h:1", "--ca-hash", "md5:abc"], /^--ca-hash must be sha256:<64 hex/],
    [{}, [...base, "--token", "not-a-token"], /^--token must be a join token/],
    [{}, [...base, "--stats-source", "magic"], /^--stats-source must be "kubelet" or "proxy"/],
    [{}, [...base, "--namespace", "Bad_NS"], /^--namespace must be a DNS-1123 label/],
    [{ SO_INSECURE: "maybe" }, ["--hub", "h:1"], /^SO_INSECURE must be true or false/],
    [{}, [...base, "--log-level", "loud"], /^--log-level must be one of/],
    [{}, [...base, "--wat"], /^--wat is not a known flag/],
  ];
  for (const [env, argv, message] of cases) {
    t.throws(() => loadAgentConfig(env, argv), { message }, JSON.stringify({ env, argv }));
  }
});

test("the join token can come from SO_TOKEN or --token-file, out of sight of ps", (t) => {
  const token = "abcdef.0123456789abcdef";
  t.is(loadAgentConfig({ SO_TOKEN: token }, base).token, token);
  const files: Record<string, string> = { "/run/secrets/so-token": `${token}\n` };
  const read = (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
    return text;
  };
  const fromFile = loadAgentConfig({}, [...base, "--token-file", "/run/secrets/so-token"], read);
  t.is(fromFile.token, token, "trailing newline dropped");
  t.is(fromFile.tokenFile, "/run/secrets/so-token");
  const fromEnv = loadAgentConfig({ SO_TOKEN_FILE: "/run/secrets/so-token" }, base, read);
  t.is(fromEnv.token, token);

  const missing = t.throws(() => loadAgentConfig({}, [...base, "--token-file", "/nope"], read));
  t.regex(missing?.message ?? "", /^--token-file cannot be read \(ENOENT\): \/nope/);
  files["/bad"] = "not a token";
  const bad = t.throws(() => loadAgentConfig({}, [...base, "--token-file", "/bad"], read));
  t.regex(bad?.message ?? "", /^--token-file must name a file holding a join token/);
  t.false(bad?.message.includes("not a token"), "the file's content is not echoed");
  const both = t.throws(() =>
    loadAgentConfig({ SO_TOKEN: token }, [...base, "--token-file", "/run/secrets/so-token"], read),
  );
  t.regex(both?.message ?? "", /--token-file and SO_TOKEN both give a join token/);
});
