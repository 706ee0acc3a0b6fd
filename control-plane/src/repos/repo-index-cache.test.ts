import { randomBytes } from "node:crypto";
import test from "ava";
import { SqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import type { ChartIndex } from "./chart-index.js";
import { type RepoIndexDoc, type RepoIndexPartDoc, repoCollections } from "./repo-doc.js";
import { RepoIndexCache, type RepoIndexCacheDeps } from "./repo-index-cache.js";

/** An index that gzip cannot shrink much: random descriptions. */
function bulkyIndex(charts: number, descriptionBytes: number): ChartIndex {
  return {
    apiVersion: "v1",
    skipped: 0,
    charts: Array.from({ length: charts }, (_, i) => ({
      name: `chart-${String(i).padStart(4, "0")}`,
      versions: [
        {
          version: "1.0.0",
          description: randomBytes(descriptionBytes).toString("base64"),
          urls: [`charts/chart-${i}-1.0.0.tgz`],
        },
      ],
    })),
  };
}

async function open(store: Store, partChars?: number) {
  const deps: RepoIndexCacheDeps = {
    docs: await store.collection<RepoIndexDoc>(repoCollections.indexes.name),
    parts: await store.collection<RepoIndexPartDoc>(repoCollections.indexParts.name),
    now: () => new Date("2026-01-01T00:00:00Z"),
    ...(partChars ? { partChars } : {}),
  };
  return { ...deps, cache: new RepoIndexCache(deps) };
}

test("a small index stays one document, as before", async (t) => {
  const store = SqliteStore.open(":memory:");
  const { cache, docs, parts } = await open(store);
  await cache.put("r1", bulkyIndex(3, 100));
  const doc = await docs.get("r1");
  t.is(doc?.parts, undefined);
  t.is(await parts.count(), 0);
  await store.close();
});

test("a large index is split into pieces no larger than partChars and reads back whole", async (t) => {
  const store = SqliteStore.open(":memory:");
  const { cache, docs, parts } = await open(store, 4096);
  const index = bulkyIndex(40, 600);
  await cache.put("r1", index);

  const doc = await docs.get("r1");
  const n = doc?.parts ?? 0;
  t.true(n > 3, `split into ${n}`);
  t.true((doc?.data.length ?? 0) <= 4096);
  const pieces = await parts.find({ repoId: "r1" });
  t.is(pieces.length, n - 1);
  for (const p of pieces) t.true(p.data.length <= 4096);

  // A fresh cache (a restart, or another replica) assembles it from the store.
  const again = await open(store, 4096);
  t.deepEqual((await again.cache.get("r1"))?.index, index);
  await store.close();
});

test("a new index replaces the old pieces; remove deletes every piece", async (t) => {
  const store = SqliteStore.open(":memory:");
  const { cache, docs, parts } = await open(store, 2048);
  await cache.put("r1", bulkyIndex(30, 500));
  await cache.put("r2", bulkyIndex(10, 500));
  const r2Pieces = await parts.count({ repoId: "r2" });
  const first = (await docs.get("r1"))?.generation;

  const next = bulkyIndex(20, 500);
  await cache.put("r1", next);
  const doc = await docs.get("r1");
  t.not(doc?.generation, first);
  t.is(await parts.count({ repoId: "r1", generation: first ?? "" }), 0, "old pieces deleted");
  t.is(await parts.count({ repoId: "r1" }), (doc?.parts ?? 0) - 1);
  t.deepEqual((await (await open(store, 2048)).cache.get("r1"))?.index, next);

  // Shrinking back to one document leaves no pieces behind.
  await cache.put("r1", bulkyIndex(1, 10));
  t.is((await docs.get("r1"))?.parts, undefined);
  t.is(await parts.count({ repoId: "r1" }), 0);

  await cache.put("r1", bulkyIndex(30, 500));
  await cache.remove("r1");
  t.is(await docs.get("r1"), undefined);
  t.is(await parts.count({ repoId: "r1" }), 0);
  t.is(await parts.count({ repoId: "r2" }), r2Pieces, "other repositories untouched");
  await store.close();
});
