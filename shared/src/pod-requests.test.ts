import test from "ava";
import { AppError } from "./app-error.js";
import { holdsResources, podSpecRequests } from "./pod-requests.js";

const mi = 1024n * 1024n;

test("app containers add up; a limit without a request counts as the request", (t) => {
  const r = podSpecRequests({
    containers: [
      { resources: { requests: { cpu: "100m", memory: "64Mi" } } },
      { resources: { limits: { cpu: "250m", memory: "128Mi", "ephemeral-storage": "1Gi" } } },
    ],
  });
  t.is(r.cpuMillis, 350n);
  t.is(r.memoryBytes, 192n * mi);
  t.is(r.ephemeralStorageBytes, 1024n * mi);
});

test("a plain init container larger than the app containers sets the request", (t) => {
  const r = podSpecRequests({
    containers: [{ resources: { requests: { cpu: "100m", memory: "64Mi" } } }],
    initContainers: [{ resources: { requests: { cpu: "1", memory: "32Mi" } } }],
  });
  t.is(r.cpuMillis, 1000n);
  t.is(r.memoryBytes, 64n * mi);
});

test("sidecars add to the app containers and run beside later init containers", (t) => {
  const r = podSpecRequests({
    containers: [{ resources: { requests: { cpu: "100m" } } }],
    initContainers: [
      { restartPolicy: "Always", resources: { requests: { cpu: "200m" } } },
      { resources: { requests: { cpu: "250m" } } },
    ],
  });
  // max(100 + 200, 250 + 200) = 450: the init container runs while the sidecar does.
  t.is(r.cpuMillis, 450n);
});

test("pod overhead is added on top", (t) => {
  const r = podSpecRequests({
    containers: [{ resources: { requests: { cpu: "100m", memory: "64Mi" } } }],
    overhead: { cpu: "50m", memory: "16Mi" },
  });
  t.is(r.cpuMillis, 150n);
  t.is(r.memoryBytes, 80n * mi);
});

test("rendered JSON with numeric quantities and junk fields is read as Kubernetes reads it", (t) => {
  const spec = JSON.parse(
    '{"containers":[{"resources":{"requests":{"cpu":2,"memory":"1Gi"}}},null,"x"],"initContainers":"nope"}',
  );
  const r = podSpecRequests(spec);
  t.is(r.cpuMillis, 2000n);
  t.is(r.memoryBytes, 1024n * mi);
  t.deepEqual(podSpecRequests(undefined), {
    cpuMillis: 0n,
    memoryBytes: 0n,
    ephemeralStorageBytes: 0n,
  });
});

test("an invalid quantity throws naming it", (t) => {
  const err = t.throws(() =>
    podSpecRequests({ containers: [{ resources: { requests: { cpu: "lots" } } }] }),
  );
  t.true(err instanceof AppError);
  t.regex(err.message, /lots/);
});

test("only bound pods that have not terminated hold resources", (t) => {
  t.true(holdsResources({ spec: { nodeName: "n1" }, status: { phase: "Running" } }));
  t.true(holdsResources({ spec: { nodeName: "n1" }, status: { phase: "Pending" } }));
  t.false(holdsResources({ spec: { nodeName: "n1" }, status: { phase: "Succeeded" } }));
  t.false(holdsResources({ spec: { nodeName: "n1" }, status: { phase: "Failed" } }));
  t.false(holdsResources({ spec: {}, status: { phase: "Pending" } }));
});
