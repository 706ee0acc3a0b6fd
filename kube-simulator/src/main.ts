/**
 * `kube-simulator --cluster <spec> [--port N] [--kubeconfig <file>]`: one
 * simulated cluster's API server in its own process. Prints its URL as the
 * first line on stdout once it listens; writes a kubeconfig for itself when
 * asked; stops cleanly (exit 0) on SIGTERM or SIGINT.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AppError } from "@smart-orchestrator/shared";
import { loadClusterSpec } from "./cluster-spec.js";
import { commandHelp, parseCommandLine, type SimulatorCommand } from "./command-line.js";
import { simulatorKubeConfigObject } from "./kubeconfig.js";
import { PodRunner } from "./pod-runner.js";
import { startSimulator } from "./simulator.js";

let command: SimulatorCommand;
try {
  command = parseCommandLine(process.argv.slice(2));
  if (command.help) {
    process.stdout.write(commandHelp());
    process.exit(0);
  }
} catch (err) {
  fail(err);
}

// The spec is checked before listening, so a bad one exits 2 with nothing bound.
let spec: ReturnType<typeof loadClusterSpec>;
try {
  spec = loadClusterSpec(command.cluster, (p) => readFileSync(p, "utf8"));
} catch (err) {
  fail(err);
}

let runner: PodRunner | undefined;
const sim = await startSimulator({
  cluster: spec,
  port: command.port,
  forbid: command.forbid,
  podLogs: (namespace, name, tail) => runner?.logs(namespace, name, tail),
});
const kubeconfigText = `${JSON.stringify(simulatorKubeConfigObject(sim.url, sim.spec.name), null, 2)}\n`;
if (command.kubeconfig) {
  // JSON is YAML; kubectl, helm and client-node read it. 0600: it holds a (dummy) token.
  writeFileSync(resolve(command.kubeconfig), kubeconfigText, { mode: 0o600 });
}
if (command.runImages.length > 0) {
  // The processes reach this simulator through a kubeconfig, as a pod would
  // through its service-account mount.
  const kubeconfigPath = join(mkdtempSync(join(tmpdir(), "kube-simulator-")), "kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfigText, { mode: 0o600 });
  runner = new PodRunner({ pods: sim, rules: command.runImages, kubeconfigPath });
  runner.start();
}
process.stdout.write(`${sim.url}\n`);
process.stderr.write(
  `kube-simulator: cluster ${sim.spec.name} (${sim.spec.nodes} nodes) at ${sim.url}` +
    `${command.kubeconfig ? `; kubeconfig ${resolve(command.kubeconfig)}` : ""}\n`,
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    Promise.resolve(runner?.close())
      .then(() => sim.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`kube-simulator: stop failed: ${String(err)}\n`);
          process.exit(1);
        },
      );
  });
}

function fail(err: unknown): never {
  const message = err instanceof AppError ? err.message : String(err);
  process.stderr.write(`kube-simulator: ${message}\n${commandHelp()}`);
  process.exit(2);
}
