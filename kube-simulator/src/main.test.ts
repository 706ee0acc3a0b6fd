// The kube-simulator command as a user runs it: a separate process that
// prints its URL, writes its kubeconfig and stops cleanly on SIGTERM.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import test from "ava";
import { startSimulatorProcess } from "./simulator-process.js";

const main = join(import.meta.dirname, "main.ts");
const run = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8" });

test("kube-simulator --help prints the flags and exits 0", (t) => {
  const r = run(["--help"]);
  t.is(r.status, 0);
  t.regex(r.stdout, /^Usage: kube-simulator --cluster <spec>/);
  t.regex(r.stdout, /--kubeconfig <file>/);
});

test("kube-simulator refuses a bad spec or flag with exit 2 and says which", (t) => {
  const bad = run(["--cluster", "name=x,nodes=0"]);
  t.is(bad.status, 2);
  t.regex(
    bad.stderr,
    /invalid simulated cluster spec: nodes must be an integer from 1 to 500, got 0/,
  );
  const missing = run(["--port", "80"]);
  t.is(missing.status, 2);
  t.regex(missing.stderr, /--cluster is required/);
  const port = run(["--cluster", "name=x", "--port", "http"]);
  t.is(port.status, 2);
  t.regex(port.stderr, /--port must be a number from 0 to 65535, got "http"/);
  const unknown = run(["--cluster", "name=x", "--simulate", "y"]);
  t.is(unknown.status, 2);
  t.regex(unknown.stderr, /Unknown option '--simulate'/);
});

test("kube-simulator serves the cluster, writes its kubeconfig and exits 0 on SIGTERM", async (t) => {
  const sim = await startSimulatorProcess({ cluster: "name=pi,nodes=3,arch=arm64" });
  t.teardown(() => sim.child.kill("SIGKILL"));
  t.regex(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.is(statSync(sim.kubeconfig).mode & 0o777, 0o600);
  const doc = JSON.parse(readFileSync(sim.kubeconfig, "utf8"));
  t.is(doc["current-context"], "pi");
  t.is(doc.clusters[0].cluster.server, sim.url);

  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfig);
  const nodes = await kc.makeApiClient(CoreV1Api).listNode();
  t.is(nodes.items.length, 3);
  t.true(nodes.items.every((n) => n.metadata?.labels?.["kubernetes.io/arch"] === "arm64"));

  t.is(await sim.stop(), 0);
});
