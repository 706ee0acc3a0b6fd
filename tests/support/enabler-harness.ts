import type { SimulatorHandle } from "@smart-orchestrator/kube-simulator";
import type { ExecutionContext } from "ava";
import { type SimulatedAgent, startSimulatedAgent } from "./agent-harness.js";
import { eventually, type HubHarness, startHub } from "./hub-harness.js";

/** Deploys in tests take a real agent, a simulator and a loaded machine: allow for it. */
export const deployDeadlineMs = 120_000;

/** Five objects of every common sort, ready at once on a simulated cluster. */
export function webManifests(
  options: { replicas?: number; withConfig?: boolean; cpu?: string } = {},
) {
  const labels = { app: "web" };
  return [
    ...(options.withConfig === false
      ? []
      : [
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "web-config" },
            data: { greeting: "hi" },
          },
        ]),
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "web-secret" },
      stringData: { token: "t" },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "web" } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: options.replicas ?? 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: "web",
            containers: [
              {
                name: "web",
                image: "nginx:1.27",
                resources: { requests: { cpu: options.cpu ?? "50m", memory: "32Mi" } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ];
}

/** Waits until the enabler reaches `status` and returns its detail view. */
export async function waitForStatus(
  hub: Pick<HubHarness, "api">,
  id: string,
  status: string,
  timeoutMs = deployDeadlineMs,
): Promise<any> {
  let last: any;
  try {
    return await eventually(
      async () => {
        last = (await hub.api("GET", `/enabler/${id}`)).body;
        return last?.status === status ? last : undefined;
      },
      `enabler ${id} ${status}`,
      timeoutMs,
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}; last seen: ${JSON.stringify(last)?.slice(0, 1500)}`,
    );
  }
}

/** Objects in the simulated cluster that carry the enabler's id label. */
export function releaseObjects(sim: SimulatorHandle, enablerId: string, kinds: readonly string[]) {
  return kinds.flatMap((kind) =>
    sim
      .list(kind)
      .filter((o) => o.metadata.labels?.["smart-orchestrator.io/enabler-id"] === enablerId)
      .map((o) => `${kind}/${o.metadata.name}`),
  );
}

/** The kinds {@link webManifests} makes. */
export const webKinds = ["ConfigMap", "Secret", "ServiceAccount", "Deployment", "Service"] as const;

/**
 * A plaintext control plane with cluster `cluster` registered, and a real
 * agent on a simulated cluster of that name joined and connected to it.
 * `simulator` adds to the cluster spec (default one node, e.g. "nodes=2,cpu=2").
 * Both are torn down with the test.
 */
export async function startPlaneWithAgent(
  t: ExecutionContext,
  o: { cluster: string; simulator?: string },
): Promise<{ hub: HubHarness; agent: SimulatedAgent }> {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { token } = await hub.createCluster(o.cluster);
  const agent = await startSimulatedAgent({
    hub: hub.hubAddress,
    token,
    simulator: { cluster: `name=${o.cluster},${o.simulator ?? "nodes=1"}` },
  });
  t.teardown(() => agent.stop());
  await eventually(() => hub.plane.sessions.size === 1, "agent connected");
  return { hub, agent };
}

/** Adds a public chart repository by URL; throws with the answer when it is not a 201. */
export async function addChartRepo(
  hub: Pick<HubHarness, "api">,
  name: string,
  url: string,
): Promise<void> {
  const res = await hub.api("POST", "/repos/public", { name, description: "", url });
  if (res.status !== 201)
    throw new Error(`add repo ${name}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** What {@link webManifests} leaves in the cluster, as {@link releaseObjects} sorted lists it. */
export const webObjectNames = [
  "ConfigMap/web-config",
  "Deployment/web",
  "Secret/web-secret",
  "Service/web",
  "ServiceAccount/web",
] as const;
