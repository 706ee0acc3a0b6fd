import test from "ava";
import { strategicMergePatch } from "./strategic-merge.js";

const pod = () => ({
  metadata: { name: "p", finalizers: ["a", "b"], labels: { x: "1", y: "2" } },
  spec: {
    containers: [
      {
        name: "web",
        image: "nginx",
        ports: [{ containerPort: 80 }, { containerPort: 9090 }],
        env: [{ name: "A", value: "1" }],
      },
      { name: "side", image: "busybox" },
    ],
    tolerations: [{ key: "k1" }, { key: "k2" }],
    volumes: [{ name: "data", emptyDir: {} }],
  },
});

test("lists with a merge key merge item by item; $patch delete removes one by its key", (t) => {
  const out = strategicMergePatch(
    pod(),
    {
      spec: {
        containers: [
          {
            name: "web",
            ports: [{ $patch: "delete", containerPort: 9090 }],
            env: [{ name: "B", value: "2" }],
          },
          { name: "new", image: "redis" },
          { $patch: "delete", name: "side" },
        ],
      },
    },
    "V1Pod",
  ) as ReturnType<typeof pod>;
  t.deepEqual(out.spec.containers, [
    {
      name: "web",
      image: "nginx",
      ports: [{ containerPort: 80 }],
      env: [
        { name: "A", value: "1" },
        { name: "B", value: "2" },
      ],
    },
    { name: "new", image: "redis" },
  ] as never);
});

test("atomic lists are replaced, scalar merge lists are sets, and the directives of kubectl apply work", (t) => {
  const out = strategicMergePatch(
    pod(),
    {
      metadata: {
        finalizers: ["c"],
        "$deleteFromPrimitiveList/finalizers": ["a"],
        labels: { y: null },
      },
      spec: {
        tolerations: [{ key: "k3" }],
        "$setElementOrder/containers": [{ name: "side" }, { name: "web" }],
        containers: [{ name: "side", image: "busybox:2" }],
        volumes: [{ name: "data", $retainKeys: ["name", "configMap"], configMap: { name: "cm" } }],
      },
    },
    "V1Pod",
  ) as ReturnType<typeof pod>;
  t.deepEqual(out.metadata.finalizers, ["b", "c"]);
  t.deepEqual(out.metadata.labels, { x: "1" } as never);
  t.deepEqual(out.spec.tolerations, [{ key: "k3" }]);
  t.deepEqual(
    out.spec.containers.map((c) => [c.name, c.image]),
    [
      ["side", "busybox:2"],
      ["web", "nginx"],
    ],
  );
  t.deepEqual(out.spec.volumes, [{ name: "data", configMap: { name: "cm" } }] as never);
});

test("$patch replace on a list or a map replaces it whole", (t) => {
  const out = strategicMergePatch(
    pod(),
    {
      metadata: { labels: { $patch: "replace", z: "3" } },
      spec: { containers: [{ $patch: "replace" }, { name: "only", image: "x" }] },
    },
    "V1Pod",
  ) as ReturnType<typeof pod>;
  t.deepEqual(out.metadata.labels, { z: "3" } as never);
  t.deepEqual(out.spec.containers, [{ name: "only", image: "x" }] as never);
});

test("$setElementOrder keeps items only the server has where they stood", (t) => {
  const live = {
    spec: {
      containers: [
        { name: "a", image: "1" },
        { name: "injected", image: "proxy" },
        { name: "b", image: "1" },
      ],
    },
  };
  const out = strategicMergePatch(
    live,
    {
      spec: {
        "$setElementOrder/containers": [{ name: "a" }, { name: "b" }, { name: "c" }],
        containers: [
          { name: "b", image: "2" },
          { name: "c", image: "1" },
        ],
      },
    },
    "V1Pod",
  ) as typeof live;
  t.deepEqual(
    out.spec.containers.map((c) => `${c.name}:${c.image}`),
    ["a:1", "injected:proxy", "b:2", "c:1"],
  );
});
