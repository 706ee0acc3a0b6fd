import test from "ava";
import { holdsDesired } from "./live-match.js";

/** A Deployment whose one container has `env` and `ports`, as a chart renders it. */
function deployment(container: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const containers: Record<string, unknown>[] = [
    { name: "web", image: "nginx:1.27", ...container },
  ];
  const metadata: Record<string, unknown> = { name: "web", namespace: "shop", ...extra };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: { template: { spec: { containers } } },
  };
}

const desired = deployment(
  { env: [{ name: "MODE", value: "prod" }], ports: [{ containerPort: 80 }], args: ["-v"] },
  { finalizers: ["so/keep"] },
);

test("an identical live object holds the desired one", (t) => {
  t.true(holdsDesired(desired, structuredClone(desired)));
});

test("map-list items other managers added (an env var, a sidecar, a port) are not drift", (t) => {
  const live = deployment(
    {
      env: [
        { name: "DEBUG", value: "1" },
        { name: "MODE", value: "prod" },
      ],
      ports: [
        { containerPort: 15090, protocol: "TCP" },
        { containerPort: 80, protocol: "TCP" },
      ],
      args: ["-v"],
    },
    { finalizers: ["other/first", "so/keep"] },
  );
  live.spec.template.spec.containers.unshift({
    name: "istio-proxy",
    image: "proxyv2",
  });
  t.true(holdsDesired(desired, live));
});

test("a desired map-list item changed or removed by hand is drift", (t) => {
  const changed = deployment(
    { env: [{ name: "MODE", value: "debug" }], ports: [{ containerPort: 80 }], args: ["-v"] },
    { finalizers: ["so/keep"] },
  );
  t.false(holdsDesired(desired, changed));
  const removed = deployment(
    { env: [{ name: "OTHER", value: "prod" }], ports: [{ containerPort: 80 }], args: ["-v"] },
    { finalizers: ["so/keep"] },
  );
  t.false(holdsDesired(desired, removed));
  const renamedContainer = deployment({});
  renamedContainer.spec.template.spec.containers = [
    { name: "sidecar", image: "nginx:1.27", env: [{ name: "MODE", value: "prod" }] },
  ];
  t.false(holdsDesired(desired, renamedContainer), "the container is keyed by name");
});

test("a set list holds when every desired value is in it", (t) => {
  const live = structuredClone(desired);
  live.metadata.finalizers = ["other/first"];
  t.false(holdsDesired(desired, live));
});

test("atomic lists (args) are compared whole and in order", (t) => {
  const longer = structuredClone(desired);
  longer.spec.template.spec.containers[0]!.args = ["-v", "--extra"];
  t.false(holdsDesired(desired, longer));
  const d = deployment({ args: ["a", "b"] });
  t.false(holdsDesired(d, deployment({ args: ["b", "a"] })));
  t.true(holdsDesired(d, deployment({ args: ["a", "b"] })));
});

test("custom resources have atomic lists, even one named like a built-in kind", (t) => {
  const cr = (env: unknown[]) => ({
    apiVersion: "example.com/v1",
    kind: "Deployment",
    spec: { template: { spec: { containers: [{ name: "web", env }] } } },
  });
  const want = cr([{ name: "MODE", value: "prod" }]);
  t.true(holdsDesired(want, cr([{ name: "MODE", value: "prod" }])));
  t.false(
    holdsDesired(
      want,
      cr([
        { name: "DEBUG", value: "1" },
        { name: "MODE", value: "prod" },
      ]),
    ),
  );
});

test("map-valued fields (labels, ConfigMap data) hold extra keys; values compare as spelled", (t) => {
  const cm = {
    apiVersion: "v1",
    kind: "ConfigMap",
    data: { a: "1" },
    metadata: { labels: { x: "y" } },
  };
  t.true(
    holdsDesired(cm, { ...cm, data: { a: "1", b: "2" }, metadata: { labels: { x: "y", z: "w" } } }),
  );
  t.false(holdsDesired(cm, { ...cm, data: { a: "2" } }));
  const svc = (port: unknown) => ({
    apiVersion: "v1",
    kind: "Service",
    spec: { ports: [{ port }] },
  });
  t.true(holdsDesired(svc(80), svc("80")));
});
