import { FailureKind, ObjectAction } from "@smart-orchestrator/shared";
import test from "ava";
import { CommandFailure } from "./command-failure.js";
import { releaseKeys } from "./release-labels.js";
import {
  applyInput,
  brief,
  configMap,
  deployment,
  type EngineKit,
  enablerId,
  service,
  startEngineKit,
} from "./testing/engine-kit.js";

const { CREATED, CONFIGURED, UNCHANGED, PRUNED, DELETED } = {
  CREATED: ObjectAction.OBJECT_ACTION_CREATED,
  CONFIGURED: ObjectAction.OBJECT_ACTION_CONFIGURED,
  UNCHANGED: ObjectAction.OBJECT_ACTION_UNCHANGED,
  PRUNED: ObjectAction.OBJECT_ACTION_PRUNED,
  DELETED: ObjectAction.OBJECT_ACTION_DELETED,
};

async function failureOf(p: Promise<unknown>): Promise<CommandFailure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CommandFailure) return err;
    throw err;
  }
  throw new Error("expected the command to fail");
}

const none = () => {};
let kit: EngineKit;
test.beforeEach(async () => {
  kit = await startEngineKit();
});
test.afterEach.always(async () => {
  await kit.close();
});

const rbac = [
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "rb" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" },
    subjects: [{ kind: "ServiceAccount", name: "sa" }],
  },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r" }, rules: [] },
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa" } },
];

test.serial(
  "applies in dependency order into a namespace it creates, labels everything, and reports each object",
  async (t) => {
    const objects = [
      service("web"),
      deployment("web"),
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
      configMap("settings"),
      ...rbac,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "creds" },
        stringData: { password: "x" },
      },
    ];
    const out = await kit.engine().apply(applyInput(objects), none);
    t.deepEqual(kit.applied, [
      "RoleBinding/rb",
      "Role/r",
      "ServiceAccount/sa",
      "ConfigMap/settings",
      "Secret/creds",
      "PersistentVolumeClaim/data",
      "Deployment/web",
      "Service/web",
    ]);
    t.truthy(kit.sim.get("Namespace", undefined, "shop"), "the release namespace was created");
    t.is(out.appliedRevision, 1);
    t.true(
      out.objects.every((o) => o.action === CREATED && o.ready && o.namespace === "shop"),
      JSON.stringify(brief(out.objects)),
    );
    for (const o of out.objects) {
      const live = kit.sim.get(o.kind, "shop", o.name);
      t.like(live?.metadata.labels, {
        [releaseKeys.instance]: "shop",
        [releaseKeys.managedBy]: "smart-orchestrator",
        [releaseKeys.enablerId]: enablerId,
      });
      t.is(live?.metadata.annotations?.[releaseKeys.revision], "1");
    }
    const dep = kit.sim.get("Deployment", "shop", "web");
    t.is(
      (dep?.status as { availableReplicas?: number } | undefined)?.availableReplicas,
      1,
      "readiness was waited for",
    );
  },
);

test.serial(
  "the same revision again changes nothing; an upgrade configures, keeps and prunes",
  async (t) => {
    const engine = kit.engine();
    await engine.apply(applyInput([configMap("a"), configMap("b"), service("web")]), none);
    const again = await engine.apply(
      applyInput([configMap("a"), configMap("b"), service("web")]),
      none,
    );
    t.deepEqual(brief(again.objects), [
      `ConfigMap/a ${UNCHANGED} true`,
      `ConfigMap/b ${UNCHANGED} true`,
      `Service/web ${UNCHANGED} true`,
    ]);
    const up = await engine.apply(
      applyInput([configMap("a", { a: "2" }), configMap("b")], { revision: 2 }),
      none,
    );
    t.deepEqual(brief(up.objects), [
      `ConfigMap/a ${CONFIGURED} true`,
      `ConfigMap/b ${UNCHANGED} true`,
      `Service/web ${PRUNED} true`,
    ]);
    t.is(kit.sim.get("Service", "shop", "web"), undefined);
    t.deepEqual(kit.sim.get("ConfigMap", "shop", "a")?.data, { a: "2" });
  },
);

test.serial(
  "prune never deletes an object the agent did not create, even one wearing the release's labels",
  async (t) => {
    await kit.engine().apply(applyInput([configMap("a")]), none);
    // Someone copies the release's labels onto their own ConfigMap with kubectl.
    const labels = kit.sim.get("ConfigMap", "shop", "a")?.metadata.labels;
    await kit.createAs("kubectl-create", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "theirs", namespace: "shop", labels },
    });
    const fresh = kit.engine(); // restarted agent: prune must find candidates in the cluster
    const up = await fresh.apply(applyInput([configMap("b")], { revision: 2 }), none);
    t.deepEqual(brief(up.objects), [`ConfigMap/a ${PRUNED} true`, `ConfigMap/b ${CREATED} true`]);
    t.truthy(kit.sim.get("ConfigMap", "shop", "theirs"), "the foreign object is still there");
  },
);

test.serial("an existing object the release did not create is not taken over", async (t) => {
  await kit.createAs("kubectl-create", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "shop" },
  });
  await kit.createAs("kubectl-create", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "a", namespace: "shop" },
    data: { mine: "yes" },
  });
  const f = await failureOf(kit.engine().apply(applyInput([configMap("a")]), none));
  t.is(f.kind, FailureKind.FAILURE_KIND_CONFLICT);
  t.regex(
    f.message,
    /ConfigMap shop\/a: it exists and was not created by smart-orchestrator \(managers: kubectl-create\)/,
  );
  t.deepEqual(kit.sim.get("ConfigMap", "shop", "a")?.data, { mine: "yes" });
  t.is(kit.sim.get("ConfigMap", "shop", "a")?.metadata.labels, undefined);
});

test.serial(
  "a conflict with another field manager names it; force_conflicts takes the field over",
  async (t) => {
    const engine = kit.engine();
    await engine.apply(applyInput([deployment("web", 1)]), none);
    // A person scales it by hand with kubectl (a merge patch by field manager "kubectl-scale").
    const res = await fetch(
      `${kit.sim.url}/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl-scale`,
      {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: JSON.stringify({ spec: { replicas: 3 } }),
      },
    );
    t.is(res.status, 200);
    const f = await failureOf(
      engine.apply(applyInput([deployment("web", 2)], { revision: 2 }), none),
    );
    t.is(f.kind, FailureKind.FAILURE_KIND_CONFLICT);
    t.regex(f.message, /conflict with "kubectl-scale".*\.spec\.replicas/);
    const failed = f.objects.find((o) => o.name === "web");
    t.regex(failed?.message ?? "", /kubectl-scale/);
    t.is(
      (kit.sim.get("Deployment", "shop", "web")?.spec as { replicas: number } | undefined)
        ?.replicas,
      3,
      "left as the person set it",
    );
    const forced = await engine.apply(
      applyInput([deployment("web", 2)], { revision: 2, forceConflicts: true }),
      none,
    );
    t.true(forced.objects.every((o) => o.ready));
    t.is(
      (kit.sim.get("Deployment", "shop", "web")?.spec as { replicas: number } | undefined)
        ?.replicas,
      2,
    );
  },
);

test.serial("a revision older than the applied one is refused, also after a restart", async (t) => {
  await kit.engine().apply(applyInput([configMap("a")], { revision: 3 }), none);
  const f = await failureOf(
    kit.engine().apply(applyInput([configMap("old")], { revision: 2 }), none),
  );
  t.is(f.kind, FailureKind.FAILURE_KIND_STALE_REVISION);
  t.is(f.appliedRevision, 3);
  t.is(kit.sim.get("ConfigMap", "shop", "old"), undefined);
  // A restarted agent handed revision 1 skips the scan (nothing to prune yet), and the
  // objects' revision annotation still stops it before it writes anything.
  const engine = kit.engine();
  const first = await failureOf(
    engine.apply(applyInput([configMap("a", { a: "old" })], { revision: 1 }), none),
  );
  t.is(first.kind, FailureKind.FAILURE_KIND_STALE_REVISION);
  t.is(first.appliedRevision, 3);
  t.deepEqual(kit.sim.get("ConfigMap", "shop", "a")?.data, { a: "1" });
  const again = await failureOf(engine.apply(applyInput([configMap("b")], { revision: 2 }), none));
  t.is(
    again.kind,
    FailureKind.FAILURE_KIND_STALE_REVISION,
    "and it remembers revision 3 from then on",
  );
  t.is(kit.sim.get("ConfigMap", "shop", "b"), undefined);
});

test.serial("delete removes every object of the release and nothing else", async (t) => {
  const engine = kit.engine();
  await engine.apply(
    applyInput([configMap("a"), service("web"), deployment("web"), ...rbac]),
    none,
  );
  await kit.client.createRaw({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "keep", namespace: "shop" },
  });
  const other = applyInput([configMap("b")], { enablerId: "other-enabler", release: "shop" });
  await engine.apply({ ...other, namespace: "default" }, none);
  kit.deleted.length = 0;
  const out = await kit
    .engine()
    .delete({ release: "shop", enablerId, namespace: "shop", timeoutMs: 10_000 }, none);
  t.deepEqual(brief(out.objects), [
    `ConfigMap/a ${DELETED} true`,
    `Deployment/web ${DELETED} true`,
    `Role/r ${DELETED} true`,
    `RoleBinding/rb ${DELETED} true`,
    `Service/web ${DELETED} true`,
    `ServiceAccount/sa ${DELETED} true`,
  ]);
  t.deepEqual(kit.deleted.slice(0, 2), ["Service/web", "Deployment/web"], "dependents first");
  for (const [kind, name] of [
    ["ConfigMap", "a"],
    ["Service", "web"],
    ["Deployment", "web"],
    ["Role", "r"],
  ] as const)
    t.is(kit.sim.get(kind, "shop", name), undefined, `${kind}/${name} is gone`);
  t.truthy(kit.sim.get("ConfigMap", "shop", "keep"), "a ConfigMap the release never made stays");
  t.truthy(kit.sim.get("ConfigMap", "default", "b"), "another enabler's object stays");
  t.truthy(kit.sim.get("Namespace", undefined, "shop"), "the namespace stays");
});

test.serial("after a delete, a late apply of the same revision is refused", async (t) => {
  const engine = kit.engine();
  await engine.apply(applyInput([configMap("a")], { revision: 2 }), none);
  await engine.delete({ release: "shop", enablerId, namespace: "shop", timeoutMs: 10_000 }, none);
  const f = await failureOf(engine.apply(applyInput([configMap("a")], { revision: 1 }), none));
  t.is(f.kind, FailureKind.FAILURE_KIND_STALE_REVISION);
});
