import { mkdtempSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger } from "@smart-orchestrator/shared";
import test from "ava";
import { loadConfig } from "./config.js";
import { createControlPlane } from "./control-plane.js";

/** Starts a plane bound on all interfaces, recording its log lines. */
async function start(t: import("ava").ExecutionContext, env: Record<string, string> = {}) {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig(
    {
      SO_PORT: "0",
      SO_GRPC_PORT: "0",
      SO_HOST: "0.0.0.0",
      SO_DATA_DIR: mkdtempSync(join(tmpdir(), "so-plane-")),
      SO_ADMIN_TOKEN: "test-admin-token-0123456789",
      SO_LOG_LEVEL: "info",
      ...env,
    },
    [],
  );
  const plane = await createControlPlane({
    config,
    log: createLogger({ name: "test", level: "info", destination: sink }),
  });
  t.teardown(() => plane.close());
  const created = await fetch(`http://127.0.0.1:${plane.httpPort}/clusters`, {
    method: "POST",
    headers: {
      authorization: "Bearer test-admin-token-0123456789",
      "content-type": "application/json",
    },
    body: JSON.stringify({ name: "edge" }),
  });
  const body = (await created.json()) as { join: { command: string } };
  return { plane, lines, command: body.join.command };
}

test("without SO_PUBLIC_URL join commands use http://<hostname>:<REST port>, and start warns", async (t) => {
  const { plane, lines, command } = await start(t);
  const expected = `http://${hostname()}:${plane.httpPort}`;
  t.is(plane.publicUrl, expected);
  t.true(command.includes(`${expected}/install/agent.sh`), command);
  t.true(command.includes(`--hub ${hostname()}:${plane.grpcPort}`), command);
  const warning = lines.find((l) => l.level === 40 && /SO_PUBLIC_URL is not set/.test(l.msg));
  t.truthy(warning, "no start-up warning about the join URL");
  t.true(warning?.msg.includes(expected));
});

test("SO_PUBLIC_URL is used as given, without the warning", async (t) => {
  const { plane, lines, command } = await start(t, { SO_PUBLIC_URL: "https://so.example.com" });
  t.is(plane.publicUrl, "https://so.example.com");
  t.true(command.includes("https://so.example.com/install/agent.sh"), command);
  t.true(command.includes(`--hub so.example.com:${plane.grpcPort}`), command);
  t.false(lines.some((l) => /SO_PUBLIC_URL is not set/.test(l.msg)));
});
