import type { TestFn } from "ava";
import type { Store, StoredDoc } from "./store.js";

interface Thing extends StoredDoc {
  readonly name: string;
  readonly kind: string;
  readonly flag?: boolean;
  readonly slot?: string;
  readonly n: number;
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
