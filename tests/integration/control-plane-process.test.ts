import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { eventually } from "../support/hub-harness.js";
import { freePort } from "../support/plane-process.js";
import { spawnTied } from "../support/tied-spawn.js";

const token = "process-test-admin-token-0123";

function start(env: Record<string, string>) {
  const child = spawnTied(process.execPath, ["--import", "tsx", "control-plane/src/main.ts"], {
    env: { ...process.env, SO_HOST: "127.0.0.1", SO_GRPC_PORT: "0", SO_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d;
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => out };
}

test("npm start's entry point serves, stops cleanly on SIGTERM, and a restart keeps the data", async (t) => {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "so-proc-"));
  const env = { SO_PORT: String(port), SO_DATA_DIR: dataDir, SO_ADMIN_TOKEN: token };
  const url = `http://127.0.0.1:${port}`;
  const first = start(env);
  t.teardown(() => first.child.kill("SIGKILL"));
  await eventually(async () => (await fetch(`${url}/readyz`)).ok, "ready", 30_000);
  const created = await fetch(`${url}/clusters`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "survivor" }),
  });
  t.is(created.status, 201);

  first.child.kill("SIGTERM");
  t.is(await first.exited, 0, first.output());
  t.regex(first.output(), /"msg":"control plane stopped"/);

  const second = start(env);
  t.teardown(() => second.child.kill("SIGKILL"));
  await eventually(async () => (await fetch(`${url}/readyz`)).ok, "ready again", 30_000);
  const list = (await (
    await fetch(`${url}/clusters`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as {
    name: string;
  }[];
  t.deepEqual(
    list.map((c) => c.name),
    ["survivor"],
  );
  second.child.kill("SIGTERM");
  t.is(await second.exited, 0);
});

test("an invalid setting stops start-up with a message naming it", async (t) => {
  const bad = start({ SO_PORT: "eighty", SO_DATA_DIR: mkdtempSync(join(tmpdir(), "so-proc-")) });
  t.is(await bad.exited, 2);
  t.regex(
    bad.output(),
    /invalid configuration: SO_PORT must be a port number 0-65535, got "eighty"/,
  );
});

test("without SO_ADMIN_TOKEN a token is generated, printed once and stored only as a hash", async (t) => {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "so-proc-"));
  const env: Record<string, string> = {
    SO_PORT: String(port),
    SO_DATA_DIR: dataDir,
    SO_ADMIN_TOKEN: "",
  };
  const first = start(env);
  t.teardown(() => first.child.kill("SIGKILL"));
  const generated = await eventually(
    () => /Generated admin token[^\n]*\n\n\s+(\S+)/.exec(first.output())?.[1],
    "token printed",
    30_000,
  );
  const url = `http://127.0.0.1:${port}`;
  t.is(
    (await fetch(`${url}/clusters`, { headers: { authorization: `Bearer ${generated}` } })).status,
    200,
  );
  first.child.kill("SIGTERM");
  await first.exited;
  const { readFileSync } = await import("node:fs");
  t.false(
    readFileSync(join(dataDir, "smart-orchestrator.db")).includes(generated ?? "x"),
    "token stored in clear",
  );

  const second = start(env);
  t.teardown(() => second.child.kill("SIGKILL"));
  await eventually(async () => (await fetch(`${url}/readyz`)).ok, "ready again", 30_000);
  t.false(second.output().includes("Generated admin token"), "printed only once");
  t.is(
    (await fetch(`${url}/clusters`, { headers: { authorization: `Bearer ${generated}` } })).status,
    200,
  );
  second.child.kill("SIGTERM");
  await second.exited;
});
