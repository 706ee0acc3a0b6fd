import { simulatorKubeConfig, startSimulator } from "@smart-orchestrator/kube-simulator";
import { FailureKind, ObjectAction } from "@smart-orchestrator/shared";
import test from "ava";
import { ApplyEngine, type EngineClient } from "./apply-engine.js";
import { CommandFailure } from "./command-failure.js";
import { ObjectClient, type ObjectRef, type ResourceInfo } from "./object-client.js";
import type { KubeObject } from "./release-labels.js";
import {
  applyInput,
  brief,
  configMap,
  enablerId,
  quietLog,
  virtualClock,
} from "./testing/engine-kit.js";

/**
 * An in-memory API server for the paths the simulator does not take: a CRD
 * that is Established only after a given number of reads (or never), and no
 * watch at all (every watch fails at once), so the waiter must fall back to
 * listing again. The last test runs the same path against the simulator.
 */
class CrdCluster implements EngineClient {
  readonly calls: string[] = [];
  readonly objects = new Map<string, KubeObject>();
  reads = 0;
  establishAfterReads: number;
  #discoveredWidgets = false;
  constructor(establishAfterReads: number) {
    this.establishAfterReads = establishAfterReads;
  }
  #key = (r: ObjectRef) => `${r.kind}/${r.namespace ?? ""}/${r.name}`;
  get established(): boolean {
    return this.reads >= this.establishAfterReads;
  }
  async resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    if (kind === "CustomResourceDefinition")
      return { plural: "customresourcedefinitions", namespaced: false, verbs: [] };
    if (kind === "ConfigMap") return { plural: "configmaps", namespaced: true, verbs: [] };
    if (kind === "Widget" && apiVersion === "example.com/v1" && this.#discoveredWidgets)
      return { plural: "widgets", namespaced: true, verbs: [] };
    return undefined;
  }
  forgetDiscovery(): void {
    this.calls.push("forget discovery");
    this.#discoveredWidgets = this.established;
  }
  async servedKinds() {
    return [];
  }
  async listSelected(): Promise<KubeObject[]> {
    return [];
  }
  async listAt(q: { apiVersion: string; kind: string }) {
    this.calls.push(`list ${q.kind}`);
    const items: KubeObject[] = [];
    for (const o of this.objects.values()) {
      if (o.kind !== q.kind) continue;
      const read = await this.get({ ...o.metadata, apiVersion: o.apiVersion, kind: o.kind });
      if (read) items.push(read);
    }
    return { items, resourceVersion: String(this.reads) };
  }
  async watch(_q: unknown, _rv: string, _onEvent: unknown, onEnd: (err?: Error) => void) {
    this.calls.push("watch (refused)");
    onEnd(new Error("watch is not served here"));
    return () => {};
  }
  async createRaw(obj: KubeObject): Promise<KubeObject> {
    this.objects.set(
      this.#key({ ...obj.metadata, apiVersion: obj.apiVersion, kind: obj.kind }),
      obj,
    );
    return obj;
  }
  async remove(): Promise<boolean> {
    return false;
  }
  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const o = this.objects.get(this.#key(ref));
    if (o?.kind !== "CustomResourceDefinition") return o;
    this.reads++;
    const status = this.established ? "True" : "False";
    return { ...o, status: { conditions: [{ type: "Established", status }] } };
  }
  async apply(obj: KubeObject): Promise<KubeObject> {
    this.calls.push(`apply ${obj.kind}/${obj.metadata.name}`);
    const stored = {
      ...obj,
      metadata: { ...obj.metadata, managedFields: [{ manager: "smart-orchestrator" }] },
    };
    this.objects.set(
      this.#key({ ...obj.metadata, apiVersion: obj.apiVersion, kind: obj.kind }),
      stored,
    );
    return stored;
  }
}

const writeOrDiscovery = (call: string) => !/^(list|watch) /.test(call);

const crd: KubeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: { group: "example.com", names: { kind: "Widget", plural: "widgets" }, scope: "Namespaced" },
};
const widget: KubeObject = {
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name: "w1" },
};
/** `crd` as a chart ships it: with a served, stored version and its schema. */
const servedCrd: KubeObject = {
  ...crd,
  spec: {
    ...(crd.spec as object),
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { size: { type: "integer" } } },
            },
          },
        },
      },
    ],
  },
};
const sizedWidget = (name: string, size: number): KubeObject => ({
  ...widget,
  metadata: { name },
  spec: { size },
});

test("CRDs go first and are established before anything else is applied; their kinds are then discovered", async (t) => {
  const cluster = new CrdCluster(3);
  const engine = new ApplyEngine({
    client: cluster,
    log: quietLog,
    clock: virtualClock(),
    progressEveryMs: 0,
  });
  const out = await engine.apply(applyInput([widget, configMap("a"), crd]), () => {});
  t.deepEqual(cluster.calls.filter(writeOrDiscovery), [
    "apply CustomResourceDefinition/widgets.example.com",
    "forget discovery",
    "apply ConfigMap/a",
    "apply Widget/w1",
  ]);
  t.true(cluster.reads >= 3, "the CRD was read until Established");
  t.true(
    cluster.calls.filter((c) => c === "list CustomResourceDefinition").length >= 3,
    `each refused watch was followed by a fresh list: ${cluster.calls.join("; ")}`,
  );
  t.true(out.objects.every((o) => o.ready));
  t.is(
    out.objects.find((o) => o.kind === "CustomResourceDefinition")?.namespace,
    "",
    "cluster-scoped",
  );
  t.is(out.objects.find((o) => o.kind === "Widget")?.namespace, "shop");
});

test("a CRD that never becomes established fails the apply before the rest, naming it", async (t) => {
  const cluster = new CrdCluster(Number.POSITIVE_INFINITY);
  const engine = new ApplyEngine({
    client: cluster,
    log: quietLog,
    clock: virtualClock(),
    progressEveryMs: 0,
  });
  let failure: CommandFailure | undefined;
  try {
    await engine.apply(applyInput([widget, crd], { timeoutMs: 20_000 }), () => {});
  } catch (err) {
    if (err instanceof CommandFailure) failure = err;
    else throw err;
  }
  t.is(failure?.kind, FailureKind.FAILURE_KIND_TIMEOUT);
  t.regex(
    failure?.message ?? "",
    /^not established within 20s: CustomResourceDefinition widgets\.example\.com \(not established yet\)/,
  );
  t.deepEqual(cluster.calls.filter(writeOrDiscovery), [
    "apply CustomResourceDefinition/widgets.example.com",
  ]);
});

test("a custom resource whose kind is not served is refused, naming it", async (t) => {
  const cluster = new CrdCluster(0);
  const engine = new ApplyEngine({
    client: cluster,
    log: quietLog,
    clock: virtualClock(),
    progressEveryMs: 0,
  });
  const err = await t.throwsAsync(engine.apply(applyInput([widget]), () => {}));
  t.true(err instanceof CommandFailure);
  t.is((err as CommandFailure).kind, FailureKind.FAILURE_KIND_INVALID);
  t.regex(err?.message ?? "", /Widget w1: example\.com\/v1 Widget is not served by this cluster/);
});

test("against the simulator: the CRD is applied and Established before its custom resource, which is then pruned and deleted like any object", async (t) => {
  // The CRD stays `Established=False` (Installing) for 300 ms, as a real API server's can: an
  // engine that applied the custom resource without waiting would be refused (kind not served).
  const sim = await startSimulator({ cluster: "name=t,nodes=1", establishDelayMs: 300 });
  t.teardown(() => sim.close());
  const name = "widgets.example.com";
  type Conditions = { conditions?: { type: string; status: string }[] };
  const established = () =>
    (
      (sim.get("CustomResourceDefinition", undefined, name)?.status as Conditions)?.conditions ?? []
    ).some((c) => c.type === "Established" && c.status === "True");
  /** Whether Widget `name` is stored; the kind is unknown to the simulator until served. */
  const widgetStored = (name: string): boolean => {
    try {
      return sim.get("Widget", "shop", name) !== undefined;
    } catch {
      return false;
    }
  };
  // What the server stored, in order, and whether the CRD was Established at that moment.
  const firstSeen: string[] = [];
  let installingSeen = false;
  const stop = sim.onChange(() => {
    const crdStored = sim.get("CustomResourceDefinition", undefined, name);
    if (crdStored && !established()) installingSeen = true;
    const found: [string, boolean][] = [
      ["CustomResourceDefinition", crdStored !== undefined],
      ["ConfigMap", sim.get("ConfigMap", "shop", "a") !== undefined],
      [`Widget (CRD established: ${established()})`, widgetStored("w1")],
    ];
    for (const [what, present] of found)
      if (present && !firstSeen.some((f) => f.split(" ")[0] === what.split(" ")[0]))
        firstSeen.push(what);
  });
  t.teardown(stop);
  const client = () => ObjectClient.forConfig(simulatorKubeConfig(sim.url, sim.spec.name));
  const engine = () => new ApplyEngine({ client: client(), log: quietLog, progressEveryMs: 0 });
  const { CREATED, UNCHANGED, PRUNED, DELETED } = {
    CREATED: ObjectAction.OBJECT_ACTION_CREATED,
    UNCHANGED: ObjectAction.OBJECT_ACTION_UNCHANGED,
    PRUNED: ObjectAction.OBJECT_ACTION_PRUNED,
    DELETED: ObjectAction.OBJECT_ACTION_DELETED,
  };

  const first = await engine().apply(
    applyInput([sizedWidget("w1", 1), configMap("a"), servedCrd]),
    () => {},
  );
  t.deepEqual(brief(first.objects), [
    `ConfigMap/a ${CREATED} true`,
    `CustomResourceDefinition/${name} ${CREATED} true`,
    `Widget/w1 ${CREATED} true`,
  ]);
  t.true(installingSeen, "the CRD was stored before it was Established");
  t.deepEqual(firstSeen, [
    "CustomResourceDefinition",
    "ConfigMap",
    "Widget (CRD established: true)",
  ]);
  t.is((sim.get("Widget", "shop", "w1")?.spec as { size?: number })?.size, 1);
  t.is(sim.get("Widget", "shop", "w1")?.metadata.labels?.["app.kubernetes.io/instance"], "shop");

  // Revision 2 from a restarted agent (nothing remembered): the release's custom resources
  // are found in the cluster through the CRD's discovered kind, and w1 is pruned.
  const second = await engine().apply(
    applyInput([configMap("a"), servedCrd, sizedWidget("w2", 2)], { revision: 2 }),
    () => {},
  );
  t.deepEqual(brief(second.objects), [
    `ConfigMap/a ${UNCHANGED} true`,
    `CustomResourceDefinition/${name} ${UNCHANGED} true`,
    `Widget/w1 ${PRUNED} true`,
    `Widget/w2 ${CREATED} true`,
  ]);
  t.is(sim.get("Widget", "shop", "w1"), undefined);

  const gone = await engine().delete(
    { release: "shop", enablerId, namespace: "shop", timeoutMs: 10_000 },
    () => {},
  );
  t.deepEqual(brief(gone.objects), [
    `ConfigMap/a ${DELETED} true`,
    `CustomResourceDefinition/${name} ${DELETED} true`,
    `Widget/w2 ${DELETED} true`,
  ]);
  t.is(sim.get("CustomResourceDefinition", undefined, name), undefined);
  t.is(sim.get("ConfigMap", "shop", "a"), undefined);
});
