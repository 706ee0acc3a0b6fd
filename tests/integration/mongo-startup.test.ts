import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { spawnTied } from "../support/tied-spawn.js";

// Needs no MongoDB: it checks what happens when there is none to reach.

test("an unreachable MONGODB_URI stops start-up with one line naming it", async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const child = spawnTied(process.execPath, ["--import", "tsx", "control-plane/src/main.ts"], {
    env: {
      ...process.env,
      SO_HOST: "127.0.0.1",
      SO_PORT: "0",
      SO_GRPC_PORT: "0",
      SO_DATA_DIR: mkdtempSync(join(tmpdir(), "so-mongo-start-")),
      SO_MASTER_KEY: "00".repeat(32),
      SO_LOG_LEVEL: "warn",
      MONGODB_URI: `mongodb://ops:hunter2@127.0.0.1:${port}/so?serverSelectionTimeoutMS=300`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d;
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d;
  });
  t.teardown(() => child.kill("SIGKILL"));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  t.is(code, 1, stderr);
  const lines = stderr.trimEnd().split("\n");
  t.is(lines.length, 1, stderr);
  t.regex(
    lines[0] ?? "",
    new RegExp(
      `^start-up failed: MONGODB_URI: cannot use MongoDB at mongodb://127\\.0\\.0\\.1:${port}: `,
    ),
  );
  t.notRegex(stderr, /hunter2|UnhandledPromiseRejection|at .*\.ts:\d+/);
  t.is(stdout, "");
});
