import { readFileSync } from "node:fs";
import type { V1Node, V1NodeList } from "@kubernetes/client-node";
import { noRequests } from "@smart-orchestrator/shared";
import test from "ava";
import { toReportNode } from "./node-snapshot.js";

// Real node objects from public test fixtures; see edge-agent/test/fixtures/k8s/SOURCE.md.
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/k8s/${name}`, import.meta.url), "utf8"));

test("arm64 EKS nodes: allocatable 7910m / 31127824Ki, custom NoSchedule taint, Ready", (t) => {
  const list = fixture("nodelist-eks-arm64-honeycomb.json") as V1NodeList;
  const node = list.items[0] as V1Node;
  const r = toReportNode(node, noRequests(), 0);
  t.is(r.name, "duckboat-01");
  t.is(r.architecture, "arm64");
  t.is(r.kubeletVersion, node.status?.nodeInfo?.kubeletVersion ?? "missing");
  t.regex(r.kubeletVersion, /^v1\.21\.2/);
  t.true(r.ready);
  t.deepEqual(r.allocatable, {
    cpuMillis: 7910,
    memoryBytes: 31127824 * 1024,
    pods: 58,
    ephemeralStorageBytes: 122601479578,
  });
  t.is(r.capacity?.cpuMillis, 8000);
  t.is(r.labels["kubernetes.io/arch"], "arm64");
  t.deepEqual(
    r.taints.map((x) => x.effect),
    (node.spec?.taints ?? []).map((x) => x.effect),
  );
  t.true(r.taints.some((x) => x.effect === "NoSchedule"));
});

test("kind nodes: the NotReady worker is reported not ready, the control plane keeps its taint", (t) => {
  const list = fixture("nodelist-kind-3nodes-sonobuoy.json") as V1NodeList;
  const byName = new Map(
    list.items.map((n) => [n.metadata?.name, toReportNode(n, noRequests(), 0)]),
  );
  t.false(byName.get("kind-worker")?.ready);
  t.true(byName.get("kind-control-plane")?.ready);
  t.true(
    byName
      .get("kind-control-plane")
      ?.taints.some((x) => x.key === "node-role.kubernetes.io/master"),
  );
  t.is(byName.get("kind-control-plane")?.architecture, "amd64");
});

test("minikube node: capacity in Ki and requests carried through", (t) => {
  const node = fixture("node-minikube-k9s.json") as V1Node;
  const r = toReportNode(
    node,
    { cpuMillis: 750n, memoryBytes: 170n * 2n ** 20n, ephemeralStorageBytes: 0n },
    9,
  );
  t.is(r.capacity?.cpuMillis, 4000);
  t.is(r.capacity?.memoryBytes, 8163684 * 1024);
  t.deepEqual(r.requested, {
    cpuMillis: 750,
    memoryBytes: 170 * 2 ** 20,
    pods: 9,
    ephemeralStorageBytes: 0,
  });
});
