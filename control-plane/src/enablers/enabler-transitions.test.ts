import { isAppError } from "@smart-orchestrator/shared";
import test from "ava";
import { type EnablerDoc, maxStatusMoves, newCommand } from "./enabler-doc.js";
import { moved, reconciled, started, withoutCommand } from "./enabler-transitions.js";

const at = new Date("2026-03-01T10:00:00Z");

function enabled(extra: Partial<EnablerDoc> = {}): EnablerDoc {
  return {
    _id: "e1",
    _v: 3,
    name: "web",
    cluster: "c1",
    namespace: "default",
    releaseKey: "c1/default/web",
    values: {},
    timeout: "5m",
    timeoutMs: 300_000,
    auto: false,
    status: "Enabled",
    statusReason: "revision 1 applied and ready",
    currentRevision: 1,
    appliedRevision: 1,
    revisions: [],
    objects: [],
    moves: [{ status: "Enabled", reason: "revision 1 applied and ready", at: at.toISOString() }],
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    ...extra,
  };
}

test("moved drops the store version and keeps only the last moves", (t) => {
  let doc = enabled();
  for (let i = 0; i < maxStatusMoves + 5; i++) {
    doc = { ...moved(doc, "Error", `try ${i}`, at), _v: 1 } as EnablerDoc;
  }
  t.is(doc.moves.length, maxStatusMoves);
  t.is(doc.moves.at(-1)?.reason, `try ${maxStatusMoves + 4}`);
  t.false("_v" in moved(enabled(), "Error", "x", at));
});

test("started: an upgrade moves to Upgrading with the new revision; waiting for the cluster is Pending", (t) => {
  const command = newCommand("upgrade", 1000, at, { revision: 2 });
  const revision = { revision: 2, valuesDigest: "d", objectCount: 1, createdAt: "" };
  const live = started(enabled(), command, { waitingReason: undefined, revision }, at);
  t.like(live, { status: "Upgrading", currentRevision: 2, pendingCommandId: command.id });
  t.is(live.revisions.length, 1);
  const waiting = started(enabled(), command, { waitingReason: "waiting for cluster c1" }, at);
  t.like(waiting, { status: "Pending", statusReason: "waiting for cluster c1" });
  t.true(waiting.pending?.waitingForCluster);
});

test("started: a delete shows Deleting even while it waits; a volume delete leaves the status", (t) => {
  const del = newCommand("delete", 1000, at);
  t.like(started(enabled(), del, { waitingReason: "waiting" }, at), { status: "Deleting" });
  const volumes = newCommand("volumes", 1000, at);
  const doc = started(enabled(), volumes, { waitingReason: undefined }, at);
  t.like(doc, { status: "Enabled", pendingCommandId: volumes.id });
  t.is(doc.moves.length, 1, "no status move recorded");
});

test("started refuses an enabler with a command in flight, naming it", (t) => {
  const busy = enabled({ pending: newCommand("upgrade", 1000, at, { revision: 2 }) });
  const err = t.throws(() =>
    started(busy, newCommand("delete", 1000, at), { waitingReason: undefined }, at),
  );
  t.true(isAppError(err) && err.code === "conflict");
  t.regex(err?.message ?? "", /busy: an upgrade of revision 2 is in flight \(status Enabled\)/);
});

test("withoutCommand ends the command: pending, its id and progress go", (t) => {
  const command = newCommand("deploy", 1000, at, { revision: 1 });
  const doc = withoutCommand({
    ...enabled(),
    pending: command,
    pendingCommandId: command.id,
    progress: { message: "m", waitingFor: [], at: "" },
  });
  t.false("pending" in doc || "pendingCommandId" in doc || "progress" in doc);
});

test("reconciled: a re-apply queues the command; otherwise only the confirmation is kept", (t) => {
  const confirmed = { at: at.toISOString(), health: "absent", message: "", repairs: 0 };
  const reapply = newCommand("upgrade", 1000, at, { revision: 1 });
  const queued = reconciled(
    enabled(),
    { confirmed, reapply: "the cluster holds no desired state" },
    reapply,
    at,
  );
  t.like(queued, { status: "Upgrading", pendingCommandId: reapply.id, confirmed });
  const kept = reconciled(enabled(), { confirmed }, undefined, at);
  t.like(kept, { status: "Enabled", confirmed });
  t.is(kept.moves.length, 1);
});
