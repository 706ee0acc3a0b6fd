import { realTool, startSimulator } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { startPodinfoRepo } from "../../control-plane/src/testing/helm-repo-server.js";
import { addAlertmanager } from "../support/chart-repo.js";
import { addChartRepo, waitForStatus } from "../support/enabler-harness.js";
import { eventually, startHub } from "../support/hub-harness.js";
import { kubectlOn, startRepairableAgent } from "../support/repairable-agent.js";

// DELETE /enabler/volumes/:id end to end: real Helm renders the alertmanager
// chart (a StatefulSet with a volumeClaimTemplate), a real agent applies it,
// the simulator provisions a Retain volume for the claim; the real kubectl
// makes the Retain StorageClass, as an operator would.
const helm = realTool("helm");
const kubectl = realTool("kubectl");
const missing = [helm, kubectl].find((tool) => !tool.ok);

const retainClass = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: retain
provisioner: simulator.smart-orchestrator.io/hostpath
reclaimPolicy: Retain
volumeBindingMode: Immediate
`;

test("alertmanager's volumes, a Retain one included: 409 while it runs, deleted after the enabler was", async (t) => {
  if (missing && !missing.ok) {
    t.log(`skipped: ${missing.reason}`);
    t.pass();
    return;
  }
  const repo = await startPodinfoRepo();
  t.teardown(() => repo.close());
  addAlertmanager(repo, helm.ok ? helm.path : "");
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  await addChartRepo(hub, "charts", repo.url);
  const { token } = await hub.createCluster("edge");
  const sim = await startSimulator({ cluster: "name=edge,nodes=1" });
  t.teardown(() => sim.close());
  const a = await startRepairableAgent({ hub: hub.hubAddress, token, sim });
  t.teardown(() => a.stop());
  t.regex(
    await kubectlOn(kubectl.ok ? kubectl.path : "", sim, ["apply", "-f", "-"], retainClass),
    /storageclass.storage.k8s.io\/retain created/,
  );

  const res = await hub.api("POST", "/enabler", {
    name: "alertmanager",
    helmChart: "charts/alertmanager",
    cluster: "edge",
    namespace: "mon",
    values: { persistence: { storageClass: "retain" } },
  });
  t.is(res.status, 201, JSON.stringify(res.body));
  const id = res.body.uid;
  await waitForStatus(hub, id, "Enabled");
  const claim = sim.get("PersistentVolumeClaim", "mon", "storage-alertmanager-0");
  const volumeName = (claim?.spec as { volumeName?: string } | undefined)?.volumeName ?? "";
  const volume = sim.get("PersistentVolume", undefined, volumeName);
  t.is(
    (volume?.spec as { persistentVolumeReclaimPolicy?: string } | undefined)
      ?.persistentVolumeReclaimPolicy,
    "Retain",
  );

  const refused = await hub.api("DELETE", `/enabler/volumes/${id}`, undefined, {
    Timeout: "110s",
  });
  t.is(refused.status, 409, JSON.stringify(refused.body));
  t.regex(refused.body.message, /StatefulSet/);
  t.regex(refused.body.message, /Force: true/);
  t.truthy(sim.get("PersistentVolumeClaim", "mon", "storage-alertmanager-0"), "nothing deleted");

  const deleted = await hub.api("DELETE", `/enabler/${id}`, undefined, { Timeout: "110s" });
  t.is(deleted.status, 200, JSON.stringify(deleted.body));
  t.falsy(sim.get("StatefulSet", "mon", "alertmanager"));
  t.truthy(
    sim.get("PersistentVolumeClaim", "mon", "storage-alertmanager-0"),
    "a StatefulSet's claims outlive it, as in Kubernetes",
  );

  const volumes = await hub.api("DELETE", `/enabler/volumes/${id}`, undefined, {
    Timeout: "110s",
  });
  t.is(volumes.status, 200, JSON.stringify(volumes.body));
  t.deepEqual([...volumes.body.deleted].sort(), [
    `PersistentVolume ${volumeName}`,
    "PersistentVolumeClaim mon/storage-alertmanager-0",
  ]);
  t.falsy(sim.get("PersistentVolumeClaim", "mon", "storage-alertmanager-0"));
  t.falsy(sim.get("PersistentVolume", undefined, volumeName), "the Retain volume is gone too");
  const grave = await eventually(
    async () => (await hub.api("GET", `/enabler/${id}`)).body,
    "the tombstone",
  );
  t.like(grave, { status: "Deleted", volumes: { ok: true } });
  t.is(grave.volumes.deleted.length, 2);
});
