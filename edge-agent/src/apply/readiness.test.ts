import test from "ava";
import { podProblem, readinessOf } from "./readiness.js";
import type { KubeObject } from "./release-labels.js";

const make = (kind: string, spec: object, status: object, generation = 2): KubeObject => ({
  apiVersion: "apps/v1",
  kind,
  metadata: { name: "x", namespace: "default", generation },
  spec,
  status,
});

test("a Deployment is ready only when its new generation is observed and rolled out", (t) => {
  const rolled = {
    observedGeneration: 2,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
  };
  t.true(readinessOf(make("Deployment", { replicas: 3 }, rolled)).ready);
  t.regex(
    readinessOf(make("Deployment", { replicas: 3 }, { ...rolled, observedGeneration: 1 })).message,
    /observe generation 2/,
  );
  t.regex(
    readinessOf(make("Deployment", { replicas: 3 }, { ...rolled, updatedReplicas: 1 })).message,
    /1 of 3 replicas updated/,
  );
  t.regex(
    readinessOf(make("Deployment", { replicas: 3 }, { ...rolled, replicas: 4 })).message,
    /old replicas pending/,
  );
  t.regex(
    readinessOf(make("Deployment", { replicas: 3 }, { ...rolled, availableReplicas: 2 })).message,
    /2 of 3 replicas available/,
  );
  t.regex(
    readinessOf(make("Deployment", { replicas: 3 }, { ...rolled, readyReplicas: 0 })).message,
    /0 of 3 replicas ready/,
  );
  const stuck = readinessOf(
    make(
      "Deployment",
      { replicas: 3 },
      {
        ...rolled,
        updatedReplicas: 1,
        conditions: [
          {
            type: "Progressing",
            status: "False",
            reason: "ProgressDeadlineExceeded",
            message: "too slow",
          },
        ],
      },
    ),
  );
  t.true(stuck.failed);
});

test("a Deployment without replicas in its spec wants one", (t) => {
  t.false(readinessOf(make("Deployment", {}, { observedGeneration: 2 })).ready);
  t.true(
    readinessOf(
      make(
        "Deployment",
        {},
        {
          observedGeneration: 2,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
        },
      ),
    ).ready,
  );
});

test("StatefulSets and DaemonSets use their own counts", (t) => {
  const sts = {
    observedGeneration: 2,
    readyReplicas: 2,
    updatedReplicas: 2,
    currentRevision: "a",
    updateRevision: "a",
  };
  t.true(readinessOf(make("StatefulSet", { replicas: 2 }, sts)).ready);
  t.false(readinessOf(make("StatefulSet", { replicas: 2 }, { ...sts, updateRevision: "b" })).ready);
  t.false(readinessOf(make("StatefulSet", { replicas: 2 }, { ...sts, readyReplicas: 1 })).ready);
  t.true(
    readinessOf(
      make(
        "StatefulSet",
        { replicas: 2, updateStrategy: { rollingUpdate: { partition: 1 } } },
        { ...sts, updatedReplicas: 1, updateRevision: "b" },
      ),
    ).ready,
  );
  const ds = {
    observedGeneration: 2,
    desiredNumberScheduled: 3,
    updatedNumberScheduled: 3,
    numberAvailable: 3,
  };
  t.true(readinessOf(make("DaemonSet", {}, ds)).ready);
  t.regex(
    readinessOf(make("DaemonSet", {}, { ...ds, numberAvailable: 1 })).message,
    /1 of 3 pods available/,
  );
});

test("Jobs complete or fail; CRDs establish; PVCs bind or wait for their first consumer", (t) => {
  const job = (conditions: object[]) => make("Job", { completions: 1 }, { conditions, active: 1 });
  t.true(readinessOf(job([{ type: "Complete", status: "True" }])).ready);
  const failed = readinessOf(
    job([{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }]),
  );
  t.true(failed.failed);
  t.regex(failed.message, /BackoffLimitExceeded/);
  t.regex(readinessOf(job([])).message, /0 of 1 completions, 1 active/);
  const crd = (conditions: object[]) => make("CustomResourceDefinition", {}, { conditions });
  t.true(readinessOf(crd([{ type: "Established", status: "True" }])).ready);
  t.false(readinessOf(crd([])).ready);
  t.true(readinessOf(crd([{ type: "NamesAccepted", status: "False", message: "taken" }])).failed);
  const pvc = (phase: string) => make("PersistentVolumeClaim", {}, { phase });
  t.true(readinessOf(pvc("Bound")).ready);
  t.false(readinessOf(pvc("Pending")).ready);
  t.true(readinessOf(pvc("Pending"), { bindingMode: "WaitForFirstConsumer" }).ready);
  t.true(readinessOf(make("ConfigMap", {}, {})).ready);
});

test("pod problems name the reason, the pod and the container", (t) => {
  const pod = (status: object): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1" },
    status,
  });
  t.is(
    podProblem([
      pod({
        containerStatuses: [{ name: "app", state: { waiting: { reason: "ContainerCreating" } } }],
      }),
    ]),
    undefined,
  );
  t.is(
    podProblem([
      pod({
        containerStatuses: [
          {
            name: "app",
            state: {
              waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "nope"' },
            },
          },
        ],
      }),
    ]),
    'ImagePullBackOff: pod web-1 container app: Back-off pulling image "nope"',
  );
  t.regex(
    podProblem([
      pod({
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "0/1 nodes are available",
          },
        ],
      }),
    ]) ?? "",
    /^Unschedulable: pod web-1: 0\/1 nodes/,
  );
  t.regex(
    podProblem([
      pod({
        containerStatuses: [
          {
            name: "app",
            ready: false,
            restartCount: 3,
            lastState: { terminated: { reason: "OOMKilled" } },
            state: { running: {} },
          },
        ],
      }),
    ]) ?? "",
    /^OOMKilled: pod web-1 container app restarted 3 times/,
  );
});
