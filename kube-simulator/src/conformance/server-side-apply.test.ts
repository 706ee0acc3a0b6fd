// `kubectl apply --server-side` by two field managers on one Deployment, as
// against a real API server: containers is a map list keyed by name, so each
// manager owns its own container and both survive each other's applies; the
// same container's image applied differently is a conflict naming the other
// manager, until --force-conflicts takes it over. managedFields record
// `k:{"name":...}` items.
import { deploymentYaml as deployment } from "./deployment-yaml.js";
import { conformance, ok, startClient } from "./real-client.js";

const c = await startClient("name=ssa,nodes=1");
const kubectlTest = conformance("kubectl");

/** b's manifest once it sets web's image too: its own sidecar, then web at `image`. */
const withWeb = (image: string) =>
  deployment(`
      - name: sidecar
        image: busybox:1.36
      - name: web
        image: ${image}`);

const applyAs = (manager: string, manifest: string, ...extra: string[]) =>
  c.kubectl(["apply", "--server-side", "--field-manager", manager, ...extra, "-f", "-"], manifest);

interface Live {
  spec: {
    template: {
      spec: { containers: { name: string; image: string; env?: { name: string }[] }[] };
    };
  };
  metadata: { managedFields: { manager: string; fieldsV1: Record<string, unknown> }[] };
}

async function live(): Promise<Live> {
  const run = await c.kubectl([
    "get",
    "deployment",
    "app",
    "-n",
    "default",
    "--show-managed-fields",
    "-o",
    "json",
  ]);
  if (run.code !== 0) throw new Error(`get: ${run.stderr}`);
  return JSON.parse(run.stdout) as Live;
}

const images = (l: Live) => l.spec.template.spec.containers.map((x) => `${x.name}=${x.image}`);

const containersPath = ["f:spec", "f:template", "f:spec", "f:containers"];

/** The keys of a manager's `fieldsV1` at `path` (sorted; none when it owns nothing there). */
function ownedAt(l: Live, manager: string, path: readonly string[]): string[] {
  let node: unknown = l.metadata.managedFields.find((m) => m.manager === manager)?.fieldsV1;
  for (const el of path) node = (node as Record<string, unknown> | undefined)?.[el];
  return Object.keys((node as Record<string, unknown> | undefined) ?? {}).sort();
}

const ownedContainers = (l: Live, manager: string) => ownedAt(l, manager, containersPath);

kubectlTest(
  "two field managers each own one container of a Deployment; both survive, and a conflict names the other",
  async (t) => {
    ok(
      t,
      await applyAs(
        "a",
        deployment(`
      - name: web
        image: nginx:1.26
        env: [{name: MODE, value: fast}]`),
      ),
      "apply as a",
    );
    ok(
      t,
      await applyAs(
        "b",
        deployment(`
      - name: sidecar
        image: busybox:1.36`),
      ),
      "apply as b",
    );
    let l = await live();
    t.deepEqual(images(l), ["web=nginx:1.26", "sidecar=busybox:1.36"]);
    t.deepEqual(ownedContainers(l, "a"), ['k:{"name":"web"}']);
    t.deepEqual(ownedContainers(l, "b"), ['k:{"name":"sidecar"}']);
    const web = [...containersPath, 'k:{"name":"web"}'];
    t.deepEqual(ownedAt(l, "a", web), [".", "f:env", "f:image", "f:name"]);
    t.deepEqual(ownedAt(l, "a", [...web, "f:env"]), ['k:{"name":"MODE"}']);

    // a applies again, changing its own container: b's container stays.
    ok(
      t,
      await applyAs(
        "a",
        deployment(`
      - name: web
        image: nginx:1.27
        env: [{name: MODE, value: fast}]`),
      ),
      "apply as a again",
    );
    l = await live();
    t.deepEqual(images(l), ["web=nginx:1.27", "sidecar=busybox:1.36"]);

    // b sets web's image differently: a owns it, so the server refuses, naming a.
    const clash = await applyAs("b", withWeb("nginx:1.25"));
    t.not(clash.code, 0);
    t.regex(
      clash.stderr,
      /Apply failed with 1 conflict: conflict with "a" using apps\/v1: \.spec\.template\.spec\.containers\[name="web"\]\.image/,
    );
    t.deepEqual(images(await live()), ["web=nginx:1.27", "sidecar=busybox:1.36"]);

    // The same value is no conflict: b now co-owns web's image.
    ok(t, await applyAs("b", withWeb("nginx:1.27")), "apply as b, agreeing");
    t.deepEqual(ownedContainers(await live(), "b"), ['k:{"name":"sidecar"}', 'k:{"name":"web"}']);

    // b forces a new image: it takes the field over; a keeps the rest of its container.
    ok(t, await applyAs("b", withWeb("nginx:1.28"), "--force-conflicts"), "apply as b, forced");
    l = await live();
    t.deepEqual(images(l), ["web=nginx:1.28", "sidecar=busybox:1.36"]);
    t.deepEqual(l.spec.template.spec.containers[0]?.env, [{ name: "MODE", value: "fast" }]);

    // b stops applying its sidecar: it goes; web stays, since a still owns it.
    ok(
      t,
      await applyAs(
        "b",
        deployment(`
      - name: web
        image: nginx:1.28`),
      ),
      "apply as b without its sidecar",
    );
    t.deepEqual(images(await live()), ["web=nginx:1.28"]);
  },
);
