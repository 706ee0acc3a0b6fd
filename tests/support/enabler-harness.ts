import type { SimulatorHandle } from "@smart-orchestrator/kube-simulator";
import { eventually, type HubHarness } from "./hub-harness.js";

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
