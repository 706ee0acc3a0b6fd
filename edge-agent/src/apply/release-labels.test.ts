import test from "ava";
import {
  isReleaseObject,
  releaseKeys,
  releaseSelector,
  withReleaseLabels,
} from "./release-labels.js";

const id = { release: "web", enablerId: "e1" };

test("release labels override the chart's and keep its others", (t) => {
  const out = withReleaseLabels(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", labels: { [releaseKeys.managedBy]: "Helm", tier: "db" } },
    },
    id,
    4,
  );
  t.deepEqual(out.metadata.labels, {
    tier: "db",
    [releaseKeys.instance]: "web",
    [releaseKeys.managedBy]: "smart-orchestrator",
    [releaseKeys.enablerId]: "e1",
  });
  t.is(out.metadata.annotations?.[releaseKeys.revision], "4");
  t.is(
    releaseSelector(id),
    "app.kubernetes.io/managed-by=smart-orchestrator,smart-orchestrator.io/enabler-id=e1,app.kubernetes.io/instance=web",
  );
});

test("an object counts as the release's only with all labels and our field manager", (t) => {
  const labels = withReleaseLabels(
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } },
    id,
    1,
  ).metadata.labels;
  const ours = [{ manager: "smart-orchestrator" }];
  t.true(isReleaseObject({ labels, managedFields: ours }, id));
  t.false(
    isReleaseObject({ labels, managedFields: [{ manager: "kubectl" }] }, id),
    "labels copied by someone else",
  );
  t.false(
    isReleaseObject({ labels, managedFields: ours }, { ...id, enablerId: "e2" }),
    "another enabler",
  );
  t.false(
    isReleaseObject(
      { labels: { ...labels, [releaseKeys.instance]: "other" }, managedFields: ours },
      id,
    ),
  );
});
