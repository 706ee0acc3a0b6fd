/**
 * Test helpers for the apply engine: a simulator with a real ObjectClient,
 * a client wrapper that records writes, and object builders. Test-only
 * (scripts/check-boundaries.mjs lets `testing/` use the simulator).
 */

import {
  type SimulatorHandle,
  simulatorKubeConfig,
  startSimulator,
} from "@smart-orchestrator/kube-simulator";
import { createLogger, type ObjectStatus } from "@smart-orchestrator/shared";
import { ApplyEngine, type EngineClient } from "../apply-engine.js";
import type { ApplyInput } from "../command-input.js";
import { ObjectClient, type ObjectRef } from "../object-client.js";
import type { WaitClock } from "../readiness-waiter.js";
import type { KubeObject } from "../release-labels.js";

/**
 * A clock whose time moves only when the engine sleeps: a timeout of a
 * minute passes in a few real milliseconds per poll, however busy the
 * machine is, while the simulator's controllers still get real time.
 */
export function virtualClock(): WaitClock {
  let now = 0;
  return {
    now: () => now,
    async sleep(ms) {
      now += ms;
      await new Promise((resolve) => setTimeout(resolve, 2));
    },
  };
}

export const quietLog = createLogger({ name: "apply-test", level: "silent" });

/** A simulator, a real client to it, and the list of objects applied in order. */
export interface EngineKit {
  readonly sim: SimulatorHandle;
  readonly client: ObjectClient;
  readonly recording: EngineClient;
  readonly applied: string[];
  readonly deleted: string[];
  /** Creates an object as another field manager would (kubectl, a person). */
  createAs(manager: string, obj: KubeObject): Promise<void>;
  /** A fresh engine (a fresh memory, as after an agent restart) on the recording client. */
  engine(progressEveryMs?: number, clock?: WaitClock): ApplyEngine;
  close(): Promise<void>;
}

export async function startEngineKit(
  readyDelayMs = 0,
  cluster = "name=t,nodes=1,cpu=4,memory=8Gi",
): Promise<EngineKit> {
  const sim = await startSimulator({ cluster, readyDelayMs });
  const client = ObjectClient.forConfig(simulatorKubeConfig(sim.url, sim.spec.name));
  const applied: string[] = [];
  const deleted: string[] = [];
  const recording: EngineClient = {
    resourceInfo: (v, k) => client.resourceInfo(v, k),
    forgetDiscovery: () => client.forgetDiscovery(),
    servedKinds: () => client.servedKinds(),
    get: (r) => client.get(r),
    listSelected: (v, k, s, n) => client.listSelected(v, k, s, n),
    listAt: (q) => client.listAt(q),
    watch: (q, rv, onEvent, onEnd) => client.watch(q, rv, onEvent, onEnd),
    createRaw: (o) => client.createRaw(o),
    apply: (o, force) => {
      applied.push(`${o.kind}/${o.metadata.name}`);
      return client.apply(o, force);
    },
    remove: (r: ObjectRef) => {
      deleted.push(`${r.kind}/${r.name}`);
      return client.remove(r);
    },
  };
  return {
    sim,
    client,
    recording,
    applied,
    deleted,
    engine: (progressEveryMs = 0, clock?: WaitClock) =>
      new ApplyEngine({
        client: recording,
        log: quietLog,
        progressEveryMs,
        ...(clock ? { clock } : {}),
      }),
    close: () => sim.close(),
    async createAs(manager, obj) {
      const ref = {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: "",
      };
      const info = await client.resourceInfo(ref.apiVersion, ref.kind);
      const base = obj.apiVersion === "v1" ? "/api/v1" : `/apis/${obj.apiVersion}`;
      const ns = info?.namespaced ? `/namespaces/${obj.metadata.namespace}` : "";
      const res = await fetch(`${sim.url}${base}${ns}/${info?.plural}?fieldManager=${manager}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(obj),
      });
      if (res.status !== 201)
        throw new Error(`create as ${manager}: HTTP ${res.status} ${await res.text()}`);
    },
  };
}

export const enablerId = "5e0f1c2a-8b7d-4c1e-9f00-0a1b2c3d4e5f";

export function applyInput(objects: KubeObject[], extra: Partial<ApplyInput> = {}): ApplyInput {
  return {
    release: "shop",
    enablerId,
    namespace: "shop",
    revision: 1,
    objects,
    timeoutMs: 10_000,
    forceConflicts: false,
    ...extra,
  };
}

export const configMap = (name: string, data: Record<string, string> = { a: "1" }): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data,
});

export const service = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80 }] },
});

export function deployment(name: string, replicas = 1, podSpec: object = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: "app",
              image: "nginx:1.27",
              resources: { requests: { cpu: "10m", memory: "16Mi" } },
            },
          ],
          ...podSpec,
        },
      },
    },
  };
}

/** "Kind/name action ready" lines, sorted, for compact assertions. */
export function brief(objects: readonly ObjectStatus[]): string[] {
  return objects.map((o) => `${o.kind}/${o.name} ${o.action} ${o.ready}`).sort();
}
