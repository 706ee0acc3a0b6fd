// Smoke run of what the control-plane image runs: the esbuild bundle
// (scripts/build-control-plane.mjs) under plain node, with no TypeScript
// loader. Built into the ignored .tmp/ folder inside the repository, as the
// image keeps it inside /app: node_modules and install/agent.sh are found
// by walking up from the bundle.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { eventually } from "../support/hub-harness.js";
import { spawnTied } from "../support/tied-spawn.js";

const root = join(import.meta.dirname, "..", "..");
mkdirSync(join(root, ".tmp"), { recursive: true });
const dir = mkdtempSync(join(root, ".tmp", "cp-bundle-"));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test("the bundled control plane serves the API and the installer, and stops on SIGTERM", async (t) => {
  execFileSync(process.execPath, [
    join(root, "scripts", "build-control-plane.mjs"),
    "--outdir",
    dir,
  ]);
  const token = "bundle-test-admin-token-0123";
  const child = spawnTied(process.execPath, [join(dir, "control-plane.mjs")], {
    env: {
      ...process.env,
      SO_HOST: "127.0.0.1",
      SO_PORT: "0",
      SO_GRPC_PORT: "0",
      SO_DATA_DIR: mkdtempSync(join(tmpdir(), "so-bundle-data-")),
      SO_ADMIN_TOKEN: token,
      SO_LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d;
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  t.teardown(() => child.kill("SIGKILL"));

  const port = await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`exited: ${out}`);
      return /"port":(\d+)[^\n]*"msg":"REST API listening"/.exec(out)?.[1];
    },
    "REST API listening",
    30_000,
  );
  const url = `http://127.0.0.1:${port}`;
  const created = await fetch(`${url}/clusters`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bundled" }),
  });
  t.is(created.status, 201);
  const script = await fetch(`${url}/install/agent.sh`);
  t.is(script.status, 200);
  const text = await script.text();
  t.true(text.startsWith(readFileSync(join(root, "install", "agent.sh"), "utf8").slice(0, 200)));
  t.regex(text, /^so_public_url="http:\/\/.+"$/m);

  child.kill("SIGTERM");
  t.is(await exited, 0, out);
});
