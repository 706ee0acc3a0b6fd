import { gzipSync } from "node:zlib";
import { Apply, Delete, FailureKind } from "@smart-orchestrator/shared";
import test from "ava";
import { CommandFailure } from "./command-failure.js";
import { applyLimits, defaultTimeoutMs, readApply, readDelete } from "./command-input.js";

const cm = (name: string, extra: object = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...extra },
  data: { a: "1" },
});

const apply = (objects: unknown, extra: Partial<Apply> = {}) =>
  Apply.fromPartial({
    release: "web",
    enablerId: "0b6c7c3e-52a8-4f0e-9d1c-3f5d5a3f2b11",
    namespace: "default",
    revision: 1,
    objects: gzipSync(Buffer.from(JSON.stringify(objects))),
    ...extra,
  });

function failure(fn: () => unknown): CommandFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof CommandFailure) return err;
    throw err;
  }
  throw new Error("expected a CommandFailure");
}

test("a good Apply is inflated, checked and given the default timeout", (t) => {
  const input = readApply(apply([cm("a"), cm("b")]));
  t.is(input.objects.length, 2);
  t.is(input.timeoutMs, defaultTimeoutMs);
  t.is(input.revision, 1);
  t.false(input.forceConflicts);
});

test("server-set metadata is dropped before applying", (t) => {
  const input = readApply(
    apply([cm("a", { resourceVersion: "7", uid: "u", creationTimestamp: null })]),
  );
  t.deepEqual(input.objects[0]?.metadata, { name: "a" });
});

test("bad Apply fields are refused as invalid, naming the field", (t) => {
  const cases: [Apply, string][] = [
    [apply([], { release: "Web" }), "apply.release"],
    [apply([], { release: "a".repeat(54) }), "apply.release"],
    [apply([], { enablerId: "" }), "apply.enabler_id"],
    [apply([], { namespace: "no_underscores" }), "apply.namespace"],
    [apply([], { revision: 0 }), "apply.revision"],
    [
      Apply.fromPartial({ ...apply([]), objects: Buffer.from("not gzip") }),
      "apply.objects: not gzip",
    ],
    [Apply.fromPartial({ ...apply([]), objects: gzipSync("{") }), "apply.objects: not JSON"],
    [apply({ kind: "ConfigMap" }), "apply.objects: must be a JSON array"],
    [apply([cm("a"), 3]), "apply.objects[1]: not a JSON object"],
    [apply([{ kind: "ConfigMap", metadata: { name: "a" } }]), "apply.objects[0].apiVersion"],
    [
      apply([{ apiVersion: "v1", kind: "configmap", metadata: { name: "a" } }]),
      "apply.objects[0].kind",
    ],
    [apply([cm("A_b")]), "apply.objects[0].metadata.name"],
    [apply([cm("a", { labels: { x: 1 } })]), "apply.objects[0].metadata.labels"],
    [apply([cm("a"), cm("a")]), 'apply.objects[1]: duplicate ConfigMap "a"'],
  ];
  for (const [cmd, field] of cases) {
    const f = failure(() => readApply(cmd));
    t.is(f.kind, FailureKind.FAILURE_KIND_INVALID, field);
    t.true(f.message.startsWith(field), `${f.message} should start with ${field}`);
  }
});

test("objects that inflate past the limit are refused without inflating them all", (t) => {
  const big = gzipSync(Buffer.alloc(applyLimits.maxInflatedBytes + 1, 32));
  const f = failure(() => readApply(Apply.fromPartial({ ...apply([]), objects: big })));
  t.regex(f.message, /inflates to more than/);
});

test("more objects than the limit are refused", (t) => {
  const many = Array.from({ length: applyLimits.maxObjects + 1 }, (_, i) => cm(`c${i}`));
  t.regex(failure(() => readApply(apply(many))).message, /more than 10000 objects/);
});

test("Delete is checked the same way and gets the default timeout", (t) => {
  const d = readDelete(
    Delete.fromPartial({ release: "web", enablerId: "e1", namespace: "default" }),
  );
  t.is(d.timeoutMs, defaultTimeoutMs);
  t.is(
    failure(() =>
      readDelete(Delete.fromPartial({ release: "", enablerId: "e1", namespace: "default" })),
    ).kind,
    FailureKind.FAILURE_KIND_INVALID,
  );
});
