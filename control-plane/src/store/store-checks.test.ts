import test from "ava";
import {
  checkCollectionName,
  checkFieldName,
  checkFilter,
  checkLimit,
  withoutTopLevelNulls,
} from "./store-checks.js";

const invalid = { code: "invalid_argument" } as const;

test("collection names: lower-case letter first, then a-z 0-9 _ -, at most 63", (t) => {
  for (const ok of ["repos", "repo_indexes", "a", "x-1", "a".repeat(63)]) {
    t.is(checkCollectionName(ok), ok);
  }
  for (const bad of ["", "Repos", "1abc", "a.b", "a$b", "system.users", "a b", "a".repeat(64)]) {
    t.throws(() => checkCollectionName(bad), { ...invalid, message: /collection name/ }, bad);
  }
});

test("field names: plain top-level identifiers only", (t) => {
  for (const ok of ["_id", "name", "clusterId", "x_1"]) t.is(checkFieldName(ok), ok);
  for (const bad of ["", "a.b", "$where", "a[0]", "1x", "a-b", "a'b"]) {
    t.throws(() => checkFieldName(bad), { ...invalid, message: /field name/ }, bad);
  }
});

test("filters keep scalar values and drop undefined ones", (t) => {
  t.deepEqual(checkFilter({ a: "x", b: 2, c: true, d: null, e: undefined }), [
    ["a", "x"],
    ["b", 2],
    ["c", true],
    ["d", null],
  ]);
});

test("filters refuse objects, arrays and non-finite numbers, so no operator gets in", (t) => {
  const bad: object[] = [
    { _id: { $ne: null } },
    { name: { $regex: "." } },
    { name: ["a", "b"] },
    { n: Number.NaN },
    { n: Number.POSITIVE_INFINITY },
    { n: 10n },
  ];
  for (const filter of bad) {
    t.throws(() => checkFilter(filter), { ...invalid, message: /filter on/ });
  }
  t.throws(() => checkFilter({ $where: "1" }), { ...invalid, message: /field name/ });
  t.throws(() => checkFilter({ "a.b": 1 }), { ...invalid, message: /field name/ });
});

test("limits: zero and negative mean no rows, fractions round down, NaN is refused", (t) => {
  t.is(checkLimit(undefined), undefined);
  t.is(checkLimit(0), 0);
  t.is(checkLimit(-5), 0);
  t.is(checkLimit(2.9), 2);
  t.is(checkLimit(Number.POSITIVE_INFINITY), undefined);
  t.throws(() => checkLimit(Number.NaN), invalid);
});

test("top-level null and undefined are dropped; nested ones are left to the codec", (t) => {
  const doc = { _id: "a", x: null, y: undefined, z: { n: null }, w: [null], v: 0, s: "" };
  t.deepEqual(withoutTopLevelNulls(doc), { _id: "a", z: { n: null }, w: [null], v: 0, s: "" });
});
