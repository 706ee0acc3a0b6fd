// npm run demo: the control plane on the embedded store, three SIMULATED edge
// clusters each with its own real agent process joined over TLS (one of them
// an arm64 "Raspberry Pi"), and one cluster registered with credentials
// (a kubeconfig) that the control plane serves with an agent of its own, and
// a simulated cloud cluster (the placement fallback); then `auto: true`
// placement of a podinfo Deployment under each policy, with the explanation.
// Each simulated cluster is a `kube-simulator` process; its kubeconfig is
// written under the data folder and a kubectl line for it is printed.
// Honours the same SO_* variables as `npm start`. Ctrl-C stops everything, and
// every process the demo starts dies with it even when it is killed (kill -9).
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import {
  type SimulatorProcess,
  spawnTied,
  startSimulatorProcess,
} from "@smart-orchestrator/kube-simulator";
import { startPodinfoRepo } from "../control-plane/src/testing/helm-repo-server.js";
import { type RestAnswer, restClient } from "../tests/support/rest-client.js";

const port = Number(process.env.SO_PORT ?? 8080);
const grpcPort = Number(process.env.SO_GRPC_PORT ?? 8443);
const bindHost = process.env.SO_HOST ?? "0.0.0.0";
const token = process.env.SO_ADMIN_TOKEN ?? `demo-${randomBytes(12).toString("hex")}`;
const base = `http://localhost:${port}`;
const stateRoot = join(process.env.SO_DATA_DIR ?? "./data", "demo-agents");
const kubeconfigRoot = resolve(process.env.SO_DATA_DIR ?? "./data", "demo-clusters");
const kubectl = existsSync(".tools/bin/kubectl") ? ".tools/bin/kubectl" : "kubectl";
// The demo's agents repair drift every 5 s (the agent's default is 60 s), so a Deployment
// deleted by hand is back while you watch; SO_REPAIR_INTERVAL (5 to 86400 s) overrides it.
const repairInterval = process.env.SO_REPAIR_INTERVAL ?? "5";

const edges = [
  {
    name: "rooftop-pi",
    spec: "name=rooftop-pi,nodes=1,arch=arm64,cpu=4,memory=8Gi,distribution=k3s",
  },
  {
    name: "factory-edge",
    spec: "name=factory-edge,nodes=3,arch=amd64,cpu=8,memory=16Gi,distribution=k3s",
  },
  {
    name: "city-dc",
    spec: "name=city-dc,nodes=5,arch=amd64,cpu=32,memory=128Gi,distribution=kubeadm",
  },
  {
    name: "cloud",
    spec: "name=cloud,nodes=6,arch=amd64,cpu=64,memory=256Gi,distribution=kubeadm",
    cloud: true,
  },
];

const children: ChildProcess[] = [];
const simulators: { name: string; sim: SimulatorProcess }[] = [];

/** Keeps a child for stopping; one started while the demo is stopping is asked to stop at once. */
function track(child: ChildProcess): void {
  children.push(child);
  if (stopping) child.kill("SIGTERM");
}

/** Starts one simulated cluster as its own kube-simulator process, kubeconfig under the data folder. */
async function simulate(name: string, spec: string): Promise<SimulatorProcess> {
  mkdirSync(kubeconfigRoot, { recursive: true });
  const sim = await unlessStopping(
    startSimulatorProcess({ cluster: spec, kubeconfig: join(kubeconfigRoot, `${name}.yaml`) }),
  );
  track(sim.child);
  simulators.push({ name, sim });
  return sim;
}
const tsx = ["--import", "tsx"];

/** Starts a Node process under tsx, tied to the demo (it gets SIGKILL when the demo dies). */
function run(name: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawnTied(process.execPath, [...tsx, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  track(child);
  return child;
}

const rest = restClient(base, token);

/** Calls the control plane as admin; a refusal stops the demo, naming the call. */
async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RestAnswer> {
  // Once stopping, the control plane goes away under the demo's next request: wait for the exit.
  if (stopping) return stopping;
  const res = await unlessStopping(rest(method, path, body, headers));
  if (res.status < 200 || res.status > 299) {
    // Say what the control plane refused instead of failing later on its problem document.
    const why = res.body?.detail ?? (res.body === undefined ? "" : JSON.stringify(res.body));
    return fail(`${method} ${path} answered ${res.status}: ${why}`);
  }
  return res;
}

/** Prints one line and stops the demo with status 2 (the promise never settles). */
function fail(message: string): Promise<never> {
  if (stopping) return stopping;
  process.stderr.write(`demo: ${message}\n`);
  return stopAll(2);
}

/** Resolves with the error code when `port` cannot be bound on `host`, undefined when free. */
function portInUse(host: string, p: number): Promise<string | undefined> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? String(err)));
    probe.listen(p, host, () => probe.close(() => done(undefined)));
  });
}

async function waitReady(plane: ChildProcess): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (plane.exitCode !== null) {
      return fail(`the control plane exited with status ${plane.exitCode}`);
    }
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  return fail(`the control plane did not become ready on ${base} within 60 s`);
}

/** How long stopping waits for the children's own shutdown before it kills them. */
const stopGraceMs = 15_000;
/** Set once the demo is stopping; it settles never (the process exits). */
let stopping: Promise<never> | undefined;

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/**
 * Asks every child to stop (SIGTERM) and waits for them before exiting with
 * `code`: the children are tied to the demo, so exiting first would SIGKILL
 * the control plane in the middle of closing its store. It loops because the
 * demo's flow may start one more child (which {@link track} asks to stop)
 * before it reaches its next request.
 */
function stopAll(code: number): Promise<never> {
  stopping ??= (async () => {
    const deadline = Date.now() + stopGraceMs;
    let left = children.filter(running);
    while (left.length > 0 && Date.now() < deadline) {
      // A repeated SIGTERM is harmless: every child stops once.
      for (const c of left) c.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(left.map((c) => new Promise((r) => c.once("exit", r)))),
        new Promise((r) => {
          timer = setTimeout(r, deadline - Date.now());
        }),
      ]);
      clearTimeout(timer);
      left = children.filter(running);
    }
    for (const c of left) c.kill("SIGKILL");
    process.exit(code);
  })();
  return stopping;
}

/**
 * `promise`, except that a failure once the demo is stopping waits for the
 * exit instead: the children go away under the demo's flow then (Ctrl-C
 * reaches the whole process group, a simulator still starting included).
 */
function unlessStopping<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((err: unknown) => {
    if (stopping) return stopping;
    throw err;
  });
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

// Another control plane on these ports would answer our requests and refuse our token.
for (const [p, setting] of [
  [port, "SO_PORT"],
  [grpcPort, "SO_GRPC_PORT"],
] as const) {
  const code = await portInUse(bindHost, p);
  if (code === "EADDRINUSE") {
    await fail(
      `port ${p} (${setting}) is already in use, probably by another control plane; stop it, or set ${setting} to a free port`,
    );
  }
  if (code) await fail(`cannot bind port ${p} (${setting}) on ${bindHost}: ${code}`);
}

const planeEnv = {
  SO_ADMIN_TOKEN: token,
  // Real helm from `npm run tools` renders charts (else helm on PATH).
  ...(existsSync(".tools/bin/helm") && !process.env.HELM_BIN
    ? { HELM_BIN: resolve(".tools/bin/helm") }
    : {}),
  // The simulated "legacy-plant" API server speaks plain http.
  SO_ALLOW_HTTP_CLUSTERS: "true",
  SO_LOG_LEVEL: process.env.SO_LOG_LEVEL ?? "warn",
};
const plane = run("control-plane", ["control-plane/src/main.ts"], planeEnv);
await waitReady(plane);

const existing = new Map<string, string>(
  ((await api("GET", "/clusters")).body as { name: string; uid: string }[]).map((c) => [
    c.name,
    c.uid,
  ]),
);
for (const edge of edges) {
  const stateDir = join(stateRoot, edge.name);
  let uid = existing.get(edge.name);
  let joinCommand: string | undefined;
  let joinToken: string | undefined;
  if (!uid) {
    const created = await api("POST", "/clusters", {
      name: edge.name,
      description: `simulated ${edge.spec}`,
      cni: "",
      cloud: edge.cloud === true,
    });
    uid = created.body.uid;
    joinCommand = created.body.join.command;
    joinToken = created.body.join.token;
  } else if (!existsSync(join(stateDir, "credential.json"))) {
    const issued = (await api("POST", `/clusters/${uid}/token`)).body;
    joinCommand = issued.command;
    joinToken = issued.token;
  }
  const sim = await simulate(edge.name, edge.spec);
  const args = [
    "edge-agent/src/main.ts",
    "--hub",
    `localhost:${grpcPort}`,
    "--kubeconfig",
    sim.kubeconfig,
    // Simulated kubelets are not reachable at their node IPs; read stats via the API server.
    "--stats-source",
    "proxy",
    "--state-dir",
    stateDir,
  ];
  const caHash = (joinCommand ?? (await api("POST", `/clusters/${uid}/token`)).body.command).match(
    /--ca-hash (\S+)/,
  )?.[1];
  args.push(...(caHash ? ["--ca-hash", caHash] : ["--insecure"]));
  // In the environment, not argv: ps shows every user the command line.
  run(edge.name, args, {
    SO_LOG_LEVEL: "warn",
    SO_REPAIR_INTERVAL: repairInterval,
    ...(joinToken ? { SO_TOKEN: joinToken } : {}),
  });
}

// A cluster registered the original way, with a kubeconfig: the control plane runs its agent.
const factorySim = await simulate(
  "legacy-plant",
  "name=legacy-plant,nodes=2,arch=amd64,cpu=16,memory=32Gi,distribution=kubeadm",
);
const legacy = existing.get("legacy-plant");
// Its simulator is new on every run, so the old record goes, with the enablers placed on it
// last time (Force orphans them; their workloads went with the old simulator).
if (legacy) await api("DELETE", `/clusters/${legacy}`, undefined, { Force: "true" });
await api("POST", "/clusters", {
  name: "legacy-plant",
  description: "registered with credentials; served by a control-plane-managed agent",
  credentials: JSON.parse(readFileSync(factorySim.kubeconfig, "utf8")),
});

const deadline = Date.now() + 60_000;
let clusters: { name: string; uid: string; status: string }[] = [];
while (Date.now() < deadline) {
  clusters = (await api("GET", "/clusters")).body;
  if (clusters.length >= 5 && clusters.every((c) => c.status === "Enabled")) break;
  await new Promise((r) => setTimeout(r, 500));
}

// Podinfo from a local chart repository (the fixture under control-plane/test/fixtures/helm).
const repo = await startPodinfoRepo();
const repos = (await api("GET", "/repos")).body as { name: string; _id?: string; uid?: string }[];
for (const r of repos.filter((r) => r.name === "podinfo-local")) {
  await api("DELETE", `/repos/${r.uid ?? r._id}`);
}
await api("POST", "/repos/public", {
  name: "podinfo-local",
  description: "podinfo served by the demo from the repository fixture",
  url: repo.url,
});
const target = "factory-edge";
const old = (
  (await api("GET", `/enabler/cluster/${target}`)).body as { name: string; uid: string }[]
).find((e) => e.name === "podinfo");
if (old) await api("DELETE", `/enabler/${old.uid}`, undefined, { Force: "true" });
const podinfo = (
  await api("POST", "/enabler", {
    name: "podinfo",
    helmChart: "podinfo-local/podinfo",
    cluster: target,
    namespace: "podinfo",
    values: { replicaCount: 1 },
  })
).body.uid as string;
let deployed: { status: string; statusReason: string } = { status: "Pending", statusReason: "" };
const deployDeadline = Date.now() + 120_000;
while (Date.now() < deployDeadline) {
  deployed = (await api("GET", `/enabler/${podinfo}`)).body;
  if (deployed.status === "Enabled" || deployed.status === "Error") break;
  await new Promise((r) => setTimeout(r, 500));
}
const podinfoSim = simulators.find((s) => s.name === target)?.sim;

const line = (s = "") => process.stdout.write(`${s}\n`);
line();
line("Smart Orchestrator demo: control plane + SIMULATED clusters (Kubernetes API simulator)");
line();
for (const c of clusters) line(`  ${c.name.padEnd(14)} ${c.status.padEnd(12)} ${c.uid}`);
line();
line(`export SO_ADMIN_TOKEN=${token}`);
line(`curl -s ${base}/clusters -H "Authorization: Bearer $SO_ADMIN_TOKEN"`);
for (const c of clusters) {
  line(
    `curl -s ${base}/clusters/node/${c.uid} -H "Authorization: Bearer $SO_ADMIN_TOKEN"   # ${c.name}`,
  );
}
line(`curl -s ${base}/clusters/cloud/find -H "Authorization: Bearer $SO_ADMIN_TOKEN"`);
line();
line("Look inside the simulated clusters with kubectl:");
for (const { name, sim } of simulators) {
  line(`${kubectl} --kubeconfig ${sim.kubeconfig} get nodes   # ${name}, ${sim.url}`);
}
line();
line(
  `podinfo on ${target}: ${deployed.status}${deployed.statusReason ? ` (${deployed.statusReason})` : ""}`,
);
line(`curl -s ${base}/enabler/${podinfo} -H "Authorization: Bearer $SO_ADMIN_TOKEN"`);
line(
  `curl -s -X POST ${base}/enabler/upgrade/${podinfo} -H "Authorization: Bearer $SO_ADMIN_TOKEN" ` +
    `-H "Content-Type: application/json" -d '{"values":{"replicaCount":3}}'`,
);
line(`curl -s -X DELETE ${base}/enabler/${podinfo} -H "Authorization: Bearer $SO_ADMIN_TOKEN"`);
if (podinfoSim) {
  line(`${kubectl} --kubeconfig ${podinfoSim.kubeconfig} -n podinfo get deployments,services,pods`);
  line();
  showAutonomy(podinfoSim.kubeconfig, podinfo);
}
line();
await showPlacement(clusters);
showJoin();
line("Ctrl-C stops the demo.");

/**
 * Edge autonomy, step by step: stop the control plane, delete podinfo's
 * Deployment with kubectl, watch the agent bring it back within its repair
 * interval, then start the control plane again and see the repair reported.
 */
function showAutonomy(kubeconfig: string, enablerId: string): void {
  const podinfoKubectl = `${kubectl} --kubeconfig ${kubeconfig} -n podinfo`;
  // The settings the demo gave it, over the same data and ports; the token is the exported one.
  const where = ["SO_PORT", "SO_GRPC_PORT", "SO_HOST", "SO_DATA_DIR"].flatMap((k) =>
    process.env[k] ? [[k, process.env[k]] as const] : [],
  );
  const restart = [...Object.entries(planeEnv).filter(([k]) => k !== "SO_ADMIN_TOKEN"), ...where]
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  line(`Edge autonomy: the agents repair drift every ${repairInterval} s, control plane or not.`);
  line(`  kill ${plane.pid}   # 1. stop the control plane (the agents and clusters keep running)`);
  line(`  ${podinfoKubectl} delete deployment podinfo   # 2. delete podinfo by hand`);
  line(
    `  ${podinfoKubectl} get deployments -w   # 3. back within ${repairInterval} s (Ctrl-C to stop watching)`,
  );
  line(
    `  ${restart} node --import tsx control-plane/src/main.ts &   # 4. start the control plane again (kill %1 stops it)`,
  );
  line(
    `  curl -s ${base}/enabler/${enablerId} -H "Authorization: Bearer $SO_ADMIN_TOKEN"   # 5. lastRepair and clusterState`,
  );
}

/**
 * How to join one more cluster with the printed one-liner, as an operator
 * would: a fresh simulator whose agent pod runs this repository's agent
 * (`--run-image`), the real kubectl, and the join line from POST /clusters.
 */
function showJoin(): void {
  const agent = `${process.execPath} --import tsx ${resolve("edge-agent", "src", "main.ts")}`;
  const kubeconfig = join(kubeconfigRoot, "new-site.yaml");
  line("Join one more (simulated) cluster with the one-line installer:");
  line(
    `  npm run simulator -- --cluster name=new-site,nodes=2,distribution=k3s --kubeconfig ${kubeconfig} \\`,
  );
  line(`    --run-image 'ghcr.io/smart-orchestrator/edge-agent=${agent}' &`);
  line(
    `  curl -s -X POST ${base}/clusters -H "Authorization: Bearer $SO_ADMIN_TOKEN" -H 'content-type: application/json' -d '{"name":"new-site"}'`,
  );
  line(`  # then run the printed "command" with the simulator's kubeconfig and the real kubectl:`);
  line(`  export KUBECONFIG=${kubeconfig} PATH=${resolve(".tools/bin")}:$PATH`);
  line("  curl -sfLo so-agent.sh … && echo '…  so-agent.sh' | sha256sum -c - && sh so-agent.sh …");
  line();
}

/**
 * `auto: true` under each policy: preview first (nothing deployed), then the
 * real POST /enabler, whose decision GET /enabler/:id shows. The workload is
 * a podinfo Deployment that needs amd64, so the arm64 Pi is never a candidate.
 */
async function showPlacement(all: { uid: string }[]): Promise<void> {
  // Placement reads the latest report of every cluster; wait for one from each.
  const until = Date.now() + 60_000;
  for (const c of all) {
    while (Date.now() < until && !(await api("GET", `/clusters/${c.uid}`)).body.latest) {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const podinfo = (name: string) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: { "kubernetes.io/arch": "amd64" },
          containers: [
            {
              name: "podinfo",
              image: "ghcr.io/stefanprodan/podinfo:6.7.1",
              resources: { requests: { cpu: "500m", memory: "128Mi" } },
            },
          ],
        },
      },
    },
  });
  line("Automatic placement (auto: true) of a podinfo Deployment that needs amd64:");
  for (const policy of ["worst-fit", "best-fit", "traffic-most"]) {
    const name = `podinfo-${policy}`;
    const existingEnabler = (
      (await api("GET", "/enabler")).body as { name: string; uid: string }[]
    ).find((e) => e.name === name);
    const uid =
      existingEnabler?.uid ??
      (
        await api("POST", "/enabler", {
          name,
          manifests: [podinfo(name)],
          auto: true,
          placementPolicy: policy,
        })
      ).body.uid;
    const placement = (await api("GET", `/enabler/${uid}`)).body.placement;
    if (!placement) continue;
    line(
      `  ${policy.padEnd(13)} -> ${placement.chosen?.name ?? "none"}  (ranked by ${placement.scoreMeaning})`,
    );
    for (const c of placement.candidates as {
      name: string;
      rank?: number;
      maxReplicas?: number;
      score?: number;
      rejection?: { reason: string };
    }[]) {
      line(
        c.rejection
          ? `      ${c.name.padEnd(16)} rejected: ${c.rejection.reason}`
          : `      #${c.rank} ${c.name.padEnd(13)} maxReplicas ${c.maxReplicas}${c.score === undefined ? ", no traffic figure" : `, score ${c.score}`}`,
      );
    }
    line(`      curl -s ${base}/enabler/${uid} -H "Authorization: Bearer $SO_ADMIN_TOKEN"`);
  }
  line();
}
