import { CoreV1Api } from "@kubernetes/client-node";
import { simulatorKubeConfig } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import type { KubeObject } from "../apply/release-labels.js";
import {
  applyInput,
  configMap,
  deployment,
  type EngineKit,
  quietLog,
  service,
  startEngineKit,
} from "../apply/testing/engine-kit.js";
import { DriftRepairer, type Every } from "./drift-repairer.js";
import { ReleaseKeeper } from "./release-keeper.js";
import { SecretDesiredStore } from "./secret-desired-store.js";

const none = () => {};
let kit: EngineKit;
test.beforeEach(async () => {
  kit = await startEngineKit();
});
test.afterEach.always(async () => {
  await kit.close();
});

/** A keeper and repairer as the agent builds them, on Secrets in so-agent; `tick` runs one interval. */
async function agentParts(onChanged?: () => void) {
  const core = simulatorKubeConfig(kit.sim.url, kit.sim.spec.name).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: "so-agent" } } }).catch(() => undefined);
  const keeper = new ReleaseKeeper({
    engine: kit.engine(),
    store: new SecretDesiredStore(core, "so-agent"),
    log: quietLog,
  });
  let fire: (() => void) | undefined;
  const every: Every = (ms, fn) => {
    if (ms !== 60_000) throw new Error(`interval ${ms}, want the 60 s default`);
    fire = fn;
    return () => {
      fire = undefined;
    };
  };
  const calls = { gets: 0, lists: 0, applies: 0 };
  const client = {
    resourceInfo: (v: string, k: string) => kit.client.resourceInfo(v, k),
    apply: (o: KubeObject, force: boolean) => {
      calls.applies++;
      return kit.client.apply(o, force);
    },
    get: (r: Parameters<EngineKit["client"]["get"]>[0]) => {
      calls.gets++;
      return kit.client.get(r);
    },
    listSelected: (v: string, k: string, selector: string) => {
      calls.lists++;
      return kit.client.listSelected(v, k, selector);
    },
  };
  const repairer = new DriftRepairer({
    releases: keeper,
    client,
    log: quietLog,
    every,
    ...(onChanged ? { onChanged } : {}),
  });
  repairer.start();
  const tick = async () => {
    if (!fire) throw new Error("repairer not started");
    fire();
    await repairer.sweep();
  };
  return { keeper, repairer, tick, calls };
}

const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web" };

/** Changes an object the way `kubectl scale`/`kubectl edit` does: an update by another manager. */
async function patchAs(
  manager: string,
  path: string,
  patch: object,
  type = "application/merge-patch+json",
) {
  const res = await fetch(`${kit.sim.url}${path}?fieldManager=${manager}`, {
    method: "PATCH",
    headers: { "content-type": type },
    body: JSON.stringify(patch),
  });
  if (res.status !== 200) throw new Error(`patch: HTTP ${res.status} ${await res.text()}`);
}

const replicasOf = async () =>
  ((await kit.client.get(web))?.spec as { replicas?: number } | undefined)?.replicas;

test.serial(
  "a Deployment deleted or scaled by hand comes back at the next interval, and each repair is counted",
  async (t) => {
    let changes = 0;
    const { keeper, repairer, tick } = await agentParts(() => changes++);
    await keeper.apply(applyInput([deployment("web", 2), service("web"), configMap("cfg")]), none);

    await tick();
    t.is(repairer.repairs, 0, "nothing drifted: nothing re-applied");
    t.is(repairer.stateOf(applyInput([]).enablerId).health, "healthy");
    t.is(changes, 1, "the first check's health is news");
    await tick();
    t.is(changes, 1, "nothing new: nothing to report");

    await kit.client.remove(web);
    t.is(await kit.client.get(web), undefined);
    await tick();
    t.is(changes, 2, "a repair is reported");
    t.is(await replicasOf(), 2);
    let state = repairer.stateOf(applyInput([]).enablerId);
    t.deepEqual(state.lastRepaired, ["Deployment shop/web (recreated)"]);
    t.is(state.repairs, 1);

    await patchAs("kubectl-scale", "/apis/apps/v1/namespaces/shop/deployments/web", {
      spec: { replicas: 5 },
    });
    t.is(await replicasOf(), 5);
    await tick();
    t.is(await replicasOf(), 2);
    state = repairer.stateOf(applyInput([]).enablerId);
    t.deepEqual(state.lastRepaired, ["Deployment shop/web (reverted)"]);
    t.is(state.repairs, 2);
    t.is(repairer.repairs, 2);
  },
);

test.serial(
  "replicas an HPA owns are left alone while the fields the release sets are repaired",
  async (t) => {
    const { keeper, repairer, tick } = await agentParts();
    // As charts render with autoscaling on: no replicas in the Deployment.
    const scaled = deployment("web") as KubeObject & { spec: Record<string, unknown> };
    delete scaled.spec.replicas;
    await keeper.apply(applyInput([scaled]), none);
    await patchAs("horizontal-pod-autoscaler", "/apis/apps/v1/namespaces/shop/deployments/web", {
      spec: { replicas: 4 },
    });
    // And a person changes a label the release sets, so the Deployment is re-applied.
    await patchAs("kubectl-edit", "/apis/apps/v1/namespaces/shop/deployments/web", {
      metadata: { labels: { "app.kubernetes.io/instance": "hijacked" } },
    });
    await tick();
    const live = await kit.client.get(web);
    t.is(live?.metadata.labels?.["app.kubernetes.io/instance"], "shop");
    t.is(await replicasOf(), 4);
    t.is(repairer.repairs, 1);
  },
);

test.serial(
  "after an agent restart with no hub, the desired state is loaded and repairs go on",
  async (t) => {
    const first = await agentParts();
    await first.keeper.apply(applyInput([deployment("web", 3)], { revision: 4 }), none);
    await first.repairer.stop();

    await kit.client.remove(web);
    const restarted = await agentParts();
    t.is(await restarted.keeper.load(), 1);
    t.deepEqual(
      restarted.keeper.held().map((r) => r.revision),
      [4],
    );
    await restarted.tick();
    const live = await kit.client.get(web);
    t.is((live?.spec as { replicas?: number } | undefined)?.replicas, 3);
    t.is(live?.metadata.annotations?.["smart-orchestrator.io/revision"], "4");
    t.is(restarted.repairer.repairs, 1);
  },
);

test.serial(
  "list items other managers add are left alone, not re-applied every interval; a desired env var changed by hand is repaired",
  async (t) => {
    const { keeper, repairer, tick, calls } = await agentParts();
    const app = { name: "app", image: "nginx:1.27", env: [{ name: "MODE", value: "prod" }] };
    await keeper.apply(applyInput([deployment("web", 1, { containers: [app] })]), none);
    const path = "/apis/apps/v1/namespaces/shop/deployments/web";
    const smp = "application/strategic-merge-patch+json";
    const podSpec = (spec: object) => ({ spec: { template: { spec } } });
    // `kubectl edit` adds an env var; a mutating webhook (Istio's) injects a sidecar.
    await patchAs(
      "kubectl-edit",
      path,
      podSpec({ containers: [{ name: "app", env: [{ name: "DEBUG", value: "1" }] }] }),
      smp,
    );
    await patchAs(
      "istio-sidecar-injector",
      path,
      podSpec({ containers: [{ name: "istio-proxy", image: "istio/proxyv2:1.24.0" }] }),
      smp,
    );
    const containers = async () => {
      const live = (await kit.client.get(web)) as unknown as {
        spec: { template: { spec: { containers: { name: string; env?: unknown[] }[] } } };
      };
      return live.spec.template.spec.containers;
    };
    const theirs = await containers();
    t.deepEqual(
      theirs.map((c) => c.name),
      ["app", "istio-proxy"],
    );
    t.deepEqual(theirs[0]?.env, [
      { name: "MODE", value: "prod" },
      { name: "DEBUG", value: "1" },
    ]);

    const before = calls.applies;
    await tick();
    await tick();
    t.is(calls.applies, before, "two intervals: the object holds desired, nothing re-applied");
    t.is(repairer.repairs, 0);
    t.deepEqual(await containers(), theirs, "their items are untouched");

    await patchAs(
      "kubectl-edit",
      path,
      podSpec({ containers: [{ name: "app", env: [{ name: "MODE", value: "debug" }] }] }),
      smp,
    );
    await tick();
    t.is(calls.applies, before + 1, "the hand-changed env var is drift");
    t.is(repairer.repairs, 1);
    t.deepEqual(repairer.stateOf(applyInput([]).enablerId).lastRepaired, [
      "Deployment shop/web (reverted)",
    ]);
    t.deepEqual(await containers(), theirs, "MODE is prod again; DEBUG and the sidecar stay");
    await tick();
    t.is(calls.applies, before + 1, "repaired for good: the next interval applies nothing");
  },
);

test.serial("a deleted release is forgotten, so nothing brings its objects back", async (t) => {
  const { keeper, repairer, tick } = await agentParts();
  const input = applyInput([deployment("web")]);
  await keeper.apply(input, none);
  await keeper.delete({ ...input, timeoutMs: 10_000 }, none);
  await tick();
  t.is(await kit.client.get(web), undefined);
  t.is(repairer.repairs, 0);
  t.deepEqual(keeper.held(), []);
});
