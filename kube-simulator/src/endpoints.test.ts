import test from "ava";
import type { KubeObject } from "./kube-object.js";
import { type SimulatorHandle, startSimulator } from "./simulator.js";
import { apiCall, waitFor } from "./test-support.js";

const sims: SimulatorHandle[] = [];
test.after.always(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function call(
  s: SimulatorHandle,
  method: string,
  path: string,
  body?: unknown,
  type?: string,
) {
  const answer = await apiCall(s.url, method, path, body, type);
  if (answer.status >= 300)
    throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as KubeObject;
}

const deployment = (name: string, replicas: number, annotations: Record<string, string> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name, tier: "web" }, annotations },
      spec: {
        containers: [{ name: "c", image: "nginx", ports: [{ name: "http", containerPort: 8080 }] }],
      },
    },
  },
});

interface Subset {
  addresses?: { ip: string; nodeName: string; targetRef: { kind: string; name: string } }[];
  notReadyAddresses?: { ip: string }[];
  ports: { name?: string; port: number; protocol: string }[];
}
interface Slice {
  metadata: {
    name: string;
    labels: Record<string, string>;
    ownerReferences: { kind: string; name: string }[];
  };
  addressType: string;
  endpoints: { addresses: string[]; conditions: { ready: boolean }; targetRef: { name: string } }[];
  ports: { name: string; port: number }[];
}

const subsetsOf = (s: SimulatorHandle, name: string) =>
  s.get("Endpoints", "default", name)?.subsets as Subset[] | undefined;
const slicesOf = (s: SimulatorHandle, name: string) =>
  s
    .list("EndpointSlice", "default")
    .filter(
      (e) => e.metadata.labels?.["kubernetes.io/service-name"] === name,
    ) as unknown as Slice[];

test("a Service's Endpoints and EndpointSlice follow its ready pods, their readiness, and its deletion", async (t) => {
  const s = await startSimulator({ cluster: "name=ep,nodes=2", readyDelayMs: 0 });
  sims.push(s);
  await call(s, "POST", "/apis/apps/v1/namespaces/default/deployments", deployment("web", 2));
  await call(
    s,
    "POST",
    "/apis/apps/v1/namespaces/default/deployments",
    deployment("slow", 1, { "simulator.smart-orchestrator.io/never-ready": "true" }),
  );
  await call(s, "POST", "/api/v1/namespaces/default/services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", labels: { team: "a" } },
    spec: { selector: { tier: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  });
  const subsets = await waitFor("two ready and one not-ready address", () => {
    const got = subsetsOf(s, "web");
    return got?.[0]?.addresses?.length === 2 && got[0].notReadyAddresses?.length === 1
      ? got
      : undefined;
  });
  t.deepEqual(subsets[0]!.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  const pods = s.list("Pod", "default");
  const webIps = pods
    .filter((p) => p.metadata.labels?.app === "web")
    .map((p) => (p.status as { podIP: string }).podIP)
    .sort();
  t.deepEqual(
    subsets[0]!.addresses!.map((a) => a.ip),
    webIps,
  );
  t.is(subsets[0]!.addresses![0]!.targetRef.kind, "Pod");
  t.truthy(subsets[0]!.addresses![0]!.nodeName);
  t.is(s.get("Endpoints", "default", "web")?.metadata.labels?.team, "a");

  const [slice, ...more] = slicesOf(s, "web");
  t.is(more.length, 0);
  t.regex(slice!.metadata.name, /^web-[a-z0-9]{5}$/);
  t.is(
    slice!.metadata.labels["endpointslice.kubernetes.io/managed-by"],
    "endpointslice-controller.k8s.io",
  );
  t.deepEqual(
    slice!.metadata.ownerReferences.map((o) => [o.kind, o.name]),
    [["Service", "web"]],
  );
  t.is(slice!.addressType, "IPv4");
  t.deepEqual(slice!.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  t.deepEqual(slice!.endpoints.map((e) => e.conditions.ready).sort(), [false, true, true]);

  // Scaling down drops the address; the slice is updated in place, not replaced.
  await call(
    s,
    "PATCH",
    "/apis/apps/v1/namespaces/default/deployments/web",
    { spec: { replicas: 1 } },
    "application/merge-patch+json",
  );
  await waitFor("one ready address", () => subsetsOf(s, "web")?.[0]?.addresses?.length === 1);
  await waitFor("the slice to follow", () => slicesOf(s, "web")[0]?.endpoints.length === 2);
  t.is(slicesOf(s, "web")[0]!.metadata.name, slice!.metadata.name);

  await call(s, "DELETE", "/api/v1/namespaces/default/services/web");
  await waitFor(
    "Endpoints and slice to go",
    () => !s.get("Endpoints", "default", "web") && slicesOf(s, "web").length === 0,
  );
  t.pass();
});

test("a Service without a selector is left alone; one selecting nothing has empty Endpoints", async (t) => {
  const s = await startSimulator({ cluster: "name=ep2,nodes=1", readyDelayMs: 0 });
  sims.push(s);
  await call(s, "POST", "/api/v1/namespaces/default/services", {
    metadata: { name: "manual" },
    spec: { ports: [{ port: 5432 }] },
  });
  await call(s, "POST", "/api/v1/namespaces/default/services", {
    metadata: { name: "nobody" },
    spec: { selector: { app: "none" }, ports: [{ port: 80 }] },
  });
  const empty = await waitFor("Endpoints for nobody", () =>
    s.get("Endpoints", "default", "nobody"),
  );
  t.is(empty.subsets, undefined);
  t.is(s.get("Endpoints", "default", "manual"), undefined);
  t.deepEqual(slicesOf(s, "nobody")[0]?.endpoints, []);
});

test("a v1.33+ cluster warns on v1 Endpoints as the real API server does", async (t) => {
  const s = await startSimulator({ cluster: "name=ep3,nodes=1,version=v1.33.1", readyDelayMs: 0 });
  sims.push(s);
  const old = await startSimulator({ cluster: "name=ep4,nodes=1", readyDelayMs: 0 });
  sims.push(old);
  const warning =
    '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"';
  t.is((await apiCall(s.url, "GET", "/api/v1/namespaces/default/endpoints")).warning, warning);
  t.is(
    (await apiCall(s.url, "GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"))
      .warning,
    null,
  );
  t.is((await apiCall(old.url, "GET", "/api/v1/namespaces/default/endpoints")).warning, null);
});
