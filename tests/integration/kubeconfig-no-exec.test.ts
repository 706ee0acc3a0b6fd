// Issue 8 item 1 (critical): a kubeconfig must never run code. Process-level:
// a real control plane refuses an exec kubeconfig and starts nothing, and the
// real managed agent refuses one that reaches it anyway (a document stored
// before the check existed), so the command that would write a marker file
// never runs.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { eventually } from "../support/hub-harness.js";
import { startPlaneProcess } from "../support/plane-process.js";
import { childProcesses } from "../support/process-tree.js";
import { spawnTied } from "../support/tied-spawn.js";

const root = join(import.meta.dirname, "..", "..");

function execKubeconfig(marker: string) {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:1" } }],
    users: [
      {
        name: "u",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: "sh",
            args: ["-c", `touch ${marker}; echo '{"status":{"token":"x"}}'`],
          },
        },
      },
    ],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    "current-context": "ctx",
  };
}

test("POST /clusters with an exec kubeconfig is a 400 and the control plane starts no process", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "so-noexec-"));
  const marker = join(dir, "exec-ran");
  const plane = await startPlaneProcess(join(dir, "data"));
  t.teardown(() => plane.child.kill("SIGKILL"));
  const res = await plane.api("POST", "/clusters", {
    name: "legacy",
    credentials: execKubeconfig(marker),
  });
  t.is(res.status, 400);
  t.is(res.body.errors[0].field, "credentials.users.0.user.exec");
  t.deepEqual((await plane.api("GET", "/clusters")).body, []);
  t.deepEqual(childProcesses(plane.child.pid as number), [], "no child process started");
  t.false(existsSync(marker), "the exec command ran");
  plane.child.kill("SIGTERM");
  t.is(await plane.exited, 0);
});

test("the managed agent host refuses a stored exec kubeconfig before loading it: nothing runs", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "so-noexec-"));
  const marker = join(dir, "exec-ran");
  const host = spawnTied(
    process.execPath,
    [
      "--import",
      "tsx",
      "edge-agent/src/main.ts",
      "--managed",
      "--hub",
      "127.0.0.1:1",
      "--insecure",
    ],
    { cwd: root, stdio: ["pipe", "pipe", "pipe", "pipe"] },
  );
  t.teardown(() => host.kill("SIGKILL"));
  let events = "";
  host.stdio[3]?.on("data", (d: Buffer) => {
    events += d;
  });
  const exited = new Promise<number | null>((resolve) => host.on("exit", (code) => resolve(code)));
  const clusterId = "00000000-0000-4000-8000-000000000001";
  host.stdin.write(
    `${JSON.stringify({
      type: "start",
      clusterId,
      credential: `${clusterId}.secretsecretsecretsecret`,
      kubeconfig: execKubeconfig(marker),
      allowHttp: true,
    })}\n`,
  );
  const refused = await eventually(
    () => events.split("\n").find((l) => l.includes('"refused"')),
    "the host reports the refusal",
    90_000,
  );
  t.like(JSON.parse(refused ?? "{}"), { type: "status", clusterId, state: "refused" });
  t.regex(refused ?? "", /users\.0\.user\.exec runs a command/);
  host.stdin.end();
  t.is(await exited, 0, "the host exits when its stdin closes");
  t.false(existsSync(marker), "the exec command ran");
});
