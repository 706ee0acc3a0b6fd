import { FailureKind } from "@smart-orchestrator/shared";
import test from "ava";
import { ApplyEngine, type EngineClient } from "./apply-engine.js";
import { CommandFailure } from "./command-failure.js";
import type { ObjectRef, ResourceInfo } from "./object-client.js";
import type { KubeObject } from "./release-labels.js";
import { applyInput, configMap, quietLog, virtualClock } from "./testing/engine-kit.js";

/**
 * An in-memory API server for the CRD path: a CRD becomes Established after
 * a few reads, and its kind is discoverable only once established and the
 * client's discovery cache is dropped, as on a real cluster. It serves no
 * watch (every watch fails at once), so the waiter must fall back to
 * listing again.
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
