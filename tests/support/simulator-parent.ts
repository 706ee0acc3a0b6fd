// A stand-in for an ava worker, for the orphan test (tests/integration/
// orphaned-children.test.ts): starts `kube-simulator` through
// startSimulatorProcess with a `--run-image` rule, creates a Deployment whose
// pod the simulator runs as a real process (its argv carries the marker
// given as argv[2]), prints the simulator's pid as one JSON line, then idles
// until it is killed.
import { AppsV1Api, KubeConfig } from "@kubernetes/client-node";
import { startSimulatorProcess } from "@smart-orchestrator/kube-simulator";

const marker = process.argv[2];
if (!marker) throw new Error("usage: simulator-parent.ts <marker>");
const sim = await startSimulatorProcess({
  cluster: "name=orphans,nodes=1",
  args: ["--run-image", `example.com/idle=${process.execPath} -e setInterval(()=>{},60000)`],
  stderr: "inherit",
});
const kc = new KubeConfig();
kc.loadFromFile(sim.kubeconfig);
const labels = { app: "idle" };
await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
  namespace: "default",
  body: {
    metadata: { name: "idle" },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "idle", image: "example.com/idle:1", args: [marker] }] },
      },
    },
  },
});
process.stdout.write(`${JSON.stringify({ pid: sim.child.pid })}\n`);
// Stays up (the simulator's pipes keep the loop alive) until the test kills it.
setInterval(() => {}, 60_000);
