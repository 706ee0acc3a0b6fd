// Client-side `kubectl apply` merging lists by their keys, as it does against
// a real API server: a second apply that changes one container of two, drops
// a third, drops an env var and a port keeps what another writer added.
import { deploymentYaml } from "./deployment-yaml.js";
import { conformance, ok, startClient } from "./real-client.js";

const c = await startClient("name=merge,nodes=1");
const kubectlTest = conformance("kubectl");

const deployment = (containers: string) => deploymentYaml(containers, { replicas: 1 });

const first = deployment(`
      - name: web
        image: nginx:1.26
        env: [{name: MODE, value: fast}, {name: DEBUG, value: "1"}]
        ports: [{containerPort: 80}, {containerPort: 9090, name: metrics}]
      - name: sidecar
        image: busybox:1.36
      - name: extra
        image: busybox:1.36`);

const second = deployment(`
      - name: web
        image: nginx:1.26
        env: [{name: MODE, value: fast}]
        ports: [{containerPort: 80}]
      - name: sidecar
        image: busybox:1.37`);

interface Container {
  name: string;
  image: string;
  env?: { name: string; value: string }[];
  ports?: { containerPort: number }[];
}

kubectlTest("a second apply merges containers, env and ports by their keys", async (t) => {
  t.is(
    ok(t, await c.kubectl(["apply", "-f", "-"], first), "apply 1").trim(),
    "deployment.apps/app created",
  );
  // Another writer adds an env var to web; apply must keep it, since it never applied it.
  ok(
    t,
    await c.kubectl([
      "patch",
      "deployment",
      "app",
      "-n",
      "default",
      "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"ADDED","value":"yes"}]}]}}}}',
    ]),
    "patch",
  );
  t.is(
    ok(t, await c.kubectl(["apply", "-f", "-"], second), "apply 2").trim(),
    "deployment.apps/app configured",
  );
  const json = ok(
    t,
    await c.kubectl(["get", "deployment", "app", "-n", "default", "-o", "json"]),
    "get",
  );
  const containers = JSON.parse(json).spec.template.spec.containers as Container[];
  t.deepEqual(
    containers.map((x) => [x.name, x.image]),
    [
      ["web", "nginx:1.26"],
      ["sidecar", "busybox:1.37"],
    ],
  );
  const web = containers[0]!;
  t.deepEqual(web.env?.map((e) => e.name).sort(), ["ADDED", "MODE"]);
  t.deepEqual(
    web.ports?.map((p) => p.containerPort),
    [80],
  );
});
