import test from "ava";
import { eventually, startHub } from "../support/hub-harness.js";
import { StaticReports, sampleReport, startLink } from "../support/link-harness.js";

const adminHeaders = { authorization: "Bearer harness-admin-token-0123456789" };

function reportWithRx(rx: number) {
  const r = sampleReport();
  const [node] = r.nodes;
  if (node) node.usage = { networkRxBytesPerSecond: rx, unavailable: {} };
  return r;
}

test("usage history over HTTP: latest figures on the cluster, 5-minute points that survive a hub restart", async (t) => {
  let now = Date.parse("2026-03-02T08:00:30Z");
  const clock = () => new Date(now);
  const hub = await startHub({ env: { SO_INSECURE: "true" }, now: clock });
  const { uid, token } = await hub.createCluster("edge-h");
  const reports = new StaticReports(reportWithRx(2048));
  const agent = startLink({ hub: hub.hubAddress, token, insecure: true, reports });
  t.teardown(() => agent.stop());

  const cluster = await eventually(
    async () => (await hub.api("GET", `/clusters/${uid}`)).body.latest,
    "latest figures on GET /clusters/:id",
  );
  t.deepEqual(cluster, {
    at: "2026-03-02T08:00:30.000Z",
    cpuFreeMillis: 3750,
    memoryFreeBytes: 7 * 2 ** 30 - 2 ** 28,
    rxBytesPerSecond: 2048,
    readyNodes: 1,
    cpuUsedMillis: null,
    memoryUsedBytes: null,
  });

  // Five minutes pass: the next report opens a new bucket and the first one is written.
  now += 5 * 60_000;
  const history = await eventually(async () => {
    const res = await hub.api(
      "GET",
      `/clusters/${uid}/history?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z`,
    );
    return res.body.points?.length === 1 ? res.body : undefined;
  }, "one closed point");
  t.like(history, { clusterId: uid, stepSeconds: 300 });
  t.like(history.points[0], {
    at: "2026-03-02T08:00:00.000Z",
    cpuFreeMillis: 3750,
    rxBytesPerSecond: 2048,
    rxMaxBytesPerSecond: 2048,
  });
  t.true(history.points[0].samples >= 1);

  const metrics = await (await fetch(`${hub.url}/metrics`, { headers: adminHeaders })).text();
  t.regex(metrics, /^so_hub_sessions 1$/m);
  t.regex(metrics, /^so_hub_report_handle_seconds_count [1-9]\d*$/m);

  // Bad queries are problem+json 400s; an unknown cluster is a 404.
  for (const q of [
    "from=yesterday",
    "from=2026-03-02T09:00:00Z&to=2026-03-02T08:00:00Z",
    "step=5",
  ]) {
    const res = await fetch(`${hub.url}/clusters/${uid}/history?${q}`, { headers: adminHeaders });
    t.is(res.status, 400, q);
    t.is(res.headers.get("content-type"), "application/problem+json", q);
  }
  t.is(
    (await hub.api("GET", "/clusters/00000000-0000-0000-0000-000000000000/history")).status,
    404,
  );

  await agent.stop();
  await hub.close();
  const again = await startHub({ dataDir: hub.dataDir, env: { SO_INSECURE: "true" }, now: clock });
  t.teardown(() => again.close());
  const after = await again.api("GET", `/clusters/${uid}/history`);
  t.is(after.status, 200);
  t.deepEqual(
    after.body.points.map((p: { at: string }) => p.at),
    ["2026-03-02T08:00:00.000Z"],
    "written points persist across a restart",
  );
});
