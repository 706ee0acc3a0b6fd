import type { TestFn } from "ava";
import type { Store, StoredDoc } from "./store.js";

interface Thing extends StoredDoc {
  readonly name: string;
  readonly kind: string;
  readonly flag?: boolean;
  readonly slot?: string;
  readonly n: number;
  readonly labels?: Record<string, unknown>;
  readonly note?: string | null;
}

/** Options for {@link storeContract}. */
export interface StoreContractOptions {
  /** Prefix for test titles, e.g. "sqlite". */
  readonly label: string;
  /** A fresh, empty store per call. */
  readonly open: () => Promise<Store>;
  /** Re-opens the same data after close (restart check); omitted where not possible. */
  readonly reopen?: (previous: Store) => Promise<Store>;
}

let counter = 0;

/**
 * The behaviour every store backend must have. Each backend's test file
 * calls this once with its own factory, so both are held to one contract.
 */
export function storeContract(test: TestFn, options: StoreContractOptions): void {
  const { label, open } = options;
  const things = async (store: Store) =>
    store.collection<Thing>(`things_${++counter}`, {
      unique: [{ field: "name" }, { field: "slot", sparse: true }],
    });

  test(`${label}: insert then get returns the document with version 1`, async (t) => {
    const store = await open();
    const c = await things(store);
    const doc = await c.insert({ _id: "a", name: "alpha", kind: "x", n: 1 });
    t.is(doc._v, 1);
    t.deepEqual(await c.get("a"), { _id: "a", _v: 1, name: "alpha", kind: "x", n: 1 });
    t.is(await c.get("missing"), undefined);
    await store.close();
  });

  test(`${label}: duplicate id and duplicate unique field are already_exists`, async (t) => {
    const store = await open();
    const c = await things(store);
    await c.insert({ _id: "a", name: "alpha", kind: "x", n: 1 });
    await t.throwsAsync(c.insert({ _id: "a", name: "other", kind: "x", n: 1 }), {
      message: /already exists/,
    });
    const err = await t.throwsAsync(c.insert({ _id: "b", name: "alpha", kind: "x", n: 1 }));
    t.is((err as { code?: string }).code, "already_exists");
    t.regex(err?.message ?? "", /name/);
    t.is(await c.count(), 1, "nothing partial left behind");
    await store.close();
  });

  test(`${label}: sparse unique index ignores documents without the field`, async (t) => {
    const store = await open();
    const c = await things(store);
    await c.insert({ _id: "a", name: "a", kind: "x", n: 1 });
    await c.insert({ _id: "b", name: "b", kind: "x", n: 1 });
    await c.insert({ _id: "c", name: "c", kind: "x", n: 1, slot: "s1" });
    const err = await t.throwsAsync(c.insert({ _id: "d", name: "d", kind: "x", n: 1, slot: "s1" }));
    t.is((err as { code?: string }).code, "already_exists");
    t.is(await c.count(), 3);
    await store.close();
  });

  test(`${label}: find matches by fields, including booleans and null, sorted`, async (t) => {
    const store = await open();
    const c = await things(store);
    await c.insert({ _id: "3", name: "charlie", kind: "x", n: 3, flag: true });
    await c.insert({ _id: "1", name: "alpha", kind: "y", n: 1 });
    await c.insert({ _id: "2", name: "bravo", kind: "x", n: 2, flag: false });
    t.deepEqual(
      (await c.find({ kind: "x" })).map((d) => d._id),
      ["2", "3"],
    );
    t.deepEqual(
      (await c.find({ flag: true })).map((d) => d._id),
      ["3"],
    );
    t.deepEqual(
      (await c.find({ flag: false })).map((d) => d._id),
      ["2"],
    );
    t.deepEqual(
      (await c.find({ flag: null })).map((d) => d._id),
      ["1"],
    );
    t.deepEqual(
      (await c.find({ kind: "x", n: 3 })).map((d) => d._id),
      ["3"],
    );
    t.deepEqual(
      (await c.find({}, { sortBy: "name" })).map((d) => d.name),
      ["alpha", "bravo", "charlie"],
    );
    t.deepEqual(
      (await c.find({}, { sortBy: "n", limit: 2 })).map((d) => d.n),
      [1, 2],
    );
    t.is(await c.count({ kind: "x" }), 2);
    await store.close();
  });

  test(`${label}: update checks the version and bumps it`, async (t) => {
    const store = await open();
    const c = await things(store);
    const v1 = await c.insert({ _id: "a", name: "alpha", kind: "x", n: 1 });
    const v2 = await c.update("a", v1._v, { ...v1, n: 2 });
    t.is(v2._v, 2);
    t.is((await c.get("a"))?.n, 2);
    const stale = await t.throwsAsync(c.update("a", v1._v, { ...v1, n: 3 }));
    t.is((stale as { code?: string }).code, "conflict");
    t.is((await c.get("a"))?.n, 2, "a stale write changes nothing");
    const gone = await t.throwsAsync(c.update("zzz", 1, { ...v1, _id: "zzz" }));
    t.is((gone as { code?: string }).code, "not_found");
    await store.close();
  });

  test(`${label}: update onto a taken unique value is already_exists and changes nothing`, async (t) => {
    const store = await open();
    const c = await things(store);
    await c.insert({ _id: "a", name: "alpha", kind: "x", n: 1 });
    const b = await c.insert({ _id: "b", name: "bravo", kind: "x", n: 1 });
    const err = await t.throwsAsync(c.update("b", b._v, { ...b, name: "alpha" }));
    t.is((err as { code?: string }).code, "already_exists");
    t.is((await c.get("b"))?.name, "bravo");
    await store.close();
  });

  test(`${label}: delete and deleteMany`, async (t) => {
    const store = await open();
    const c = await things(store);
    await c.insert({ _id: "a", name: "a", kind: "x", n: 1 });
    await c.insert({ _id: "b", name: "b", kind: "x", n: 1 });
    await c.insert({ _id: "c", name: "c", kind: "y", n: 1 });
    t.true(await c.delete("a"));
    t.false(await c.delete("a"));
    t.is(await c.deleteMany({ kind: "x" }), 1);
    t.deepEqual(
      (await c.find()).map((d) => d._id),
      ["c"],
    );
    await store.close();
  });

  test(`${label}: ping answers while open`, async (t) => {
    const store = await open();
    await t.notThrowsAsync(store.ping());
    await store.close();
  });

  test(`${label}: a top-level null reads back as a missing field and matches a null filter`, async (t) => {
    const store = await open();
    const c = await things(store);
    const inserted = await c.insert({ _id: "a", name: "a", kind: "x", n: 1, note: null });
    t.false("note" in inserted);
    t.deepEqual(await c.get("a"), { _id: "a", _v: 1, name: "a", kind: "x", n: 1 });
    const updated = await c.update("a", 1, { _id: "a", name: "a", kind: "x", n: 2, note: null });
    t.false("note" in updated);
    t.false("note" in ((await c.get("a")) ?? {}));
    t.deepEqual(
      (await c.find({ note: null })).map((d) => d._id),
      ["a"],
    );
    await store.close();
  });

  test(`${label}: nested dotted, $ and undefined keys survive update as JSON would`, async (t) => {
    const store = await open();
    const c = await things(store);
    const v1 = await c.insert({ _id: "a", name: "a", kind: "x", n: 1 });
    const labels = {
      "kubernetes.io/arch": "amd64",
      $weird: "dollar",
      "a.b": { "c.d": 1, $e: [1, undefined, null] },
      gone: undefined,
      kept: null,
    };
    await c.update("a", v1._v, { ...v1, labels });
    t.deepEqual((await c.get("a"))?.labels, {
      "kubernetes.io/arch": "amd64",
      $weird: "dollar",
      "a.b": { "c.d": 1, $e: [1, null, null] },
      kept: null,
    });
    await store.close();
  });

  test(`${label}: limit 0 and negative limits return no rows`, async (t) => {
    const store = await open();
    const c = await things(store);
    await c.insert({ _id: "a", name: "a", kind: "x", n: 1 });
    await c.insert({ _id: "b", name: "b", kind: "x", n: 1 });
    t.deepEqual(await c.find({}, { limit: 0 }), []);
    t.deepEqual(await c.find({}, { limit: -1 }), []);
    t.deepEqual(await c.find({ kind: "x" }, { limit: -5, sortBy: "n" }), []);
    t.is((await c.find({}, { limit: 1 })).length, 1);
    await store.close();
  });

  test(`${label}: ties in sort order are broken by _id`, async (t) => {
    const store = await open();
    const c = await things(store);
    for (const id of ["d", "b", "e", "a", "c"]) {
      await c.insert({ _id: id, name: `n${id}`, kind: "x", n: id < "c" ? 2 : 1 });
    }
    t.deepEqual(
      (await c.find({}, { sortBy: "n" })).map((d) => d._id),
      ["c", "d", "e", "a", "b"],
    );
    t.deepEqual(
      (await c.find({}, { sortBy: "kind", limit: 3 })).map((d) => d._id),
      ["a", "b", "c"],
    );
    await store.close();
  });

  test(`${label}: several documents may lack a non-sparse unique field`, async (t) => {
    const store = await open();
    const c = await store.collection<Thing>(`things_${++counter}`, {
      unique: [{ field: "slot" }],
    });
    await c.insert({ _id: "a", name: "a", kind: "x", n: 1 });
    await c.insert({ _id: "b", name: "b", kind: "x", n: 1, slot: undefined });
    await c.insert({ _id: "c", name: "c", kind: "x", n: 1, slot: "s1" });
    const err = await t.throwsAsync(c.insert({ _id: "d", name: "d", kind: "x", n: 1, slot: "s1" }));
    t.is((err as { code?: string }).code, "already_exists");
    t.regex(err?.message ?? "", /slot/);
    t.is(await c.count(), 3);
    await store.close();
  });

  test(`${label}: object and array filters, odd field names and bad collection names are refused`, async (t) => {
    const store = await open();
    const c = await things(store);
    await c.insert({ _id: "a", name: "a", kind: "x", n: 1 });
    const refused = { code: "invalid_argument" };
    const injected = [
      { _id: { $ne: null } },
      { name: { $gt: "" } },
      { kind: ["x"] },
      { $where: "true" },
      { "labels.x": "y" },
    ] as unknown as Parameters<typeof c.find>[0][];
    for (const filter of injected) {
      await t.throwsAsync(c.find(filter), refused);
      await t.throwsAsync(c.count(filter), refused);
      await t.throwsAsync(c.deleteMany(filter ?? {}), refused);
    }
    await t.throwsAsync(c.find({}, { sortBy: "a.b" as "name" }), refused);
    await t.throwsAsync(store.collection("Bad.Name"), refused);
    await t.throwsAsync(store.collection("things", { unique: [{ field: "$x" }] }), refused);
    t.is(await c.count(), 1, "nothing was deleted");
    await store.close();
  });

  test(`${label}: a document near 16 MiB is stored and read back`, async (t) => {
    const store = await open();
    const c = await things(store);
    const big = "x".repeat(16 * 1024 * 1024 - 64 * 1024);
    await c.insert({ _id: "big", name: "big", kind: big, n: 1 });
    t.is((await c.get("big"))?.kind.length, big.length);
    await store.close();
  });

  const reopen = options.reopen;
  if (reopen) {
    test(`${label}: data survives close and reopen`, async (t) => {
      const store = await open();
      const name = `things_${++counter}`;
      const c = await store.collection<Thing>(name, { unique: [{ field: "name" }] });
      await c.insert({ _id: "a", name: "alpha", kind: "x", n: 1 });
      await store.close();
      const again = await reopen(store);
      const c2 = await again.collection<Thing>(name, { unique: [{ field: "name" }] });
      t.is((await c2.get("a"))?.name, "alpha");
      await t.throwsAsync(c2.insert({ _id: "b", name: "alpha", kind: "x", n: 1 }), {
        message: /already exists/,
      });
      await again.close();
    });
  }
}
