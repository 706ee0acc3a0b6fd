import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import test from "ava";
import { simulatorKubeConfig } from "./kubeconfig.js";
import { PodRunner, parseRunImage } from "./pod-runner.js";
import { startSimulator } from "./simulator.js";
import { waitFor } from "./test-support.js";

test("--run-image values parse, and malformed ones name the flag", (t) => {
  t.deepEqual(parseRunImage("ghcr.io/x/agent=node /srv/main.js --flag"), {
    prefix: "ghcr.io/x/agent",
    command: ["node", "/srv/main.js", "--flag"],
  });
  for (const bad of ["=node", "image=", "no-equals"]) {
    t.throws(() => parseRunImage(bad), { message: /--run-image must be <image-prefix>=<command>/ });
  }
});

test("a matching pod runs as a process with its args, env and secretKeyRef; logs are served; it stops with the pod", async (t) => {
  let runner: PodRunner | undefined;
  const sim = await startSimulator({
    cluster: "name=runner,nodes=1",
    podLogs: (ns, name, tail) => runner?.logs(ns, name, tail),
  });
  t.teardown(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), "pod-runner-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  writeFileSync(kubeconfigPath, "{}");
  // The "container" prints what it was given, then waits to be stopped.
  const program = join(dir, "container.mjs");
  writeFileSync(
    program,
    `console.log(JSON.stringify({ args: process.argv.slice(2), token: process.env.TOKEN, plain: process.env.PLAIN, kubeconfig: process.env.KUBECONFIG }));
     process.on("SIGTERM", () => { console.log("stopping"); process.exit(0); });
     setInterval(() => {}, 1000);`,
  );
  runner = new PodRunner({
    pods: sim,
    rules: [parseRunImage(`example.com/agent=${process.execPath} ${program}`)],
    kubeconfigPath,
  });
  runner.start();
  t.teardown(() => runner?.close());

  const kc: KubeConfig = simulatorKubeConfig(sim.url, "runner");
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  await core.createNamespacedSecret({
    namespace: "default",
    body: {
      metadata: { name: "join" },
      data: { token: Buffer.from("abc.123").toString("base64") },
    },
  });
  const labels = { app: "agent" };
  await apps.createNamespacedDeployment({
    namespace: "default",
    body: {
      metadata: { name: "agent" },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: "agent",
                image: "example.com/agent:1.0",
                args: ["--hub=h:1", "--listen=:8081"],
                ports: [{ containerPort: 8081 }],
                env: [
                  { name: "PLAIN", value: "p" },
                  { name: "TOKEN", valueFrom: { secretKeyRef: { name: "join", key: "token" } } },
                ],
              },
            ],
          },
        },
      },
    },
  });
  // A pod with another image is left alone.
  await core.createNamespacedPod({
    namespace: "default",
    body: { metadata: { name: "other" }, spec: { containers: [{ name: "c", image: "nginx" }] } },
  });

  const key = await waitFor("the agent pod's process", () => runner?.runningPods()[0], 30_000);
  t.is(runner.runningPods().length, 1);
  const [namespace, pod] = key.split("/") as [string, string];
  const printed = await waitFor(
    "the process output",
    () => {
      const line = runner?.logs(namespace, pod)?.split("\n")[0];
      return line ? JSON.parse(line) : undefined;
    },
    30_000,
  );
  // The declared containerPort is mapped to a free host port (pods share the host's network here).
  const listen = printed.args[1] as string;
  t.regex(listen, /^--listen=:\d+$/);
  t.not(listen, "--listen=:8081");
  t.deepEqual(printed, {
    args: ["--hub=h:1", listen],
    token: "abc.123",
    plain: "p",
    kubeconfig: kubeconfigPath,
  });
  const served = await (
    await fetch(`${sim.url}/api/v1/namespaces/${namespace}/pods/${pod}/log?tailLines=1`)
  ).text();
  t.is(served.trim(), JSON.stringify(printed));
  t.is(await (await fetch(`${sim.url}/api/v1/namespaces/default/pods/other/log`)).text(), "");

  await apps.deleteNamespacedDeployment({ namespace: "default", name: "agent" });
  await waitFor("the process stopped", () => runner?.runningPods().length === 0, 30_000);
});
