import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { SqliteStore } from "./sqlite-store.js";
import { storeContract } from "./store-contract.js";

const files = new WeakMap<object, string>();

storeContract(test, {
  label: "sqlite",
  async open() {
    const file = join(mkdtempSync(join(tmpdir(), "so-store-")), "test.db");
    const store = SqliteStore.open(file);
    files.set(store, file);
    return store;
  },
  async reopen(previous) {
    return SqliteStore.open(files.get(previous) ?? ":memory:");
  },
});

test("sqlite: the file is in WAL mode with synchronous=FULL", async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), "so-store-")), "test.db");
  const store = SqliteStore.open(file);
  t.deepEqual(store.pragmas(), { journalMode: "wal", synchronous: 2 });
  await store.close();
});
