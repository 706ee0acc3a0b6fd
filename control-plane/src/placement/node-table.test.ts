import type { Node } from "@smart-orchestrator/shared";
import test from "ava";
import { CPU, FleetTables, MEM, type NodeTable, nodeTable, PODS, STRIDE } from "./node-table.js";
import { node } from "./test-fleet.js";

/** Free CPU, memory (MiB) and pod slots per node, read back from a table's cells. */
function free(t: NodeTable): number[][] {
  return Array.from({ length: t.count }, (_, i) => {
    const at = t.at + i * STRIDE;
    return [
      t.cells[at + CPU] as number,
      (t.cells[at + MEM] as number) / 2 ** 20,
      t.cells[at + PODS] as number,
    ];
  });
}

const report = (tag: string, size: number, usedCpu = 0): Node[] =>
  Array.from({ length: size }, (_, i) =>
    node({ name: `${tag}-${i}`, cpu: 4000, usedCpu: usedCpu + i, memMi: 1024, usedPods: i }),
  );

test("a fleet's tables hold what each cluster's own table holds", (t) => {
  const tables = new FleetTables();
  const a = report("a", 3);
  const b = report("b", 2, 100);
  t.deepEqual(free(tables.of("a", a)), free(nodeTable(a)));
  t.deepEqual(free(tables.of("b", b)), free(nodeTable(b)));
  t.is(tables.of("a", a).cells, tables.of("b", b).cells, "one buffer for the fleet");
});

test("a new report of the same size is laid out in place; the same report is not laid out again", (t) => {
  const tables = new FleetTables();
  const first = tables.of("a", report("a", 4));
  const at = first.at;
  const again = tables.of("a", first.nodes);
  t.is(again, first);
  const next = tables.of("a", report("a", 4, 1000));
  t.is(next.at, at);
  t.deepEqual(free(next)[0], [3000, 1024, 110]);
});

test("reports that change size and fill the buffer keep every other cluster's cells", (t) => {
  const tables = new FleetTables();
  // 4096 cells hold 1024 nodes: many clusters growing one node at a time force compactions.
  const latest = new Map<string, Node[]>();
  for (let round = 1; round <= 40; round++) {
    for (let c = 0; c < 30; c++) {
      const nodes = report(`c${c}`, round, c * 10 + round);
      latest.set(`c${c}`, nodes);
      tables.of(`c${c}`, nodes);
    }
  }
  for (const [id, nodes] of latest) t.deepEqual(free(tables.of(id, nodes)), free(nodeTable(nodes)));
  const { capacity, live } = tables.usage;
  t.is(live, 30 * 40 * STRIDE);
  t.true(capacity <= 4 * live, `capacity ${capacity} for ${live} live cells`);
});

test("a forgotten cluster's room is given back at the next compaction", (t) => {
  const tables = new FleetTables();
  const kept = report("c99", 10, 777);
  for (let c = 0; c < 100; c++) tables.of(`c${c}`, c === 99 ? kept : report(`c${c}`, 10));
  for (let c = 0; c < 99; c++) tables.forget(`c${c}`);
  t.is(tables.usage.live, 10 * STRIDE);
  // Enough new clusters to fill the buffer: it is compacted, not grown without bound.
  for (let c = 0; c < 200; c++) tables.of(`n${c}`, report(`n${c}`, 1));
  t.is(tables.usage.live, (10 + 200) * STRIDE);
  t.true(tables.usage.capacity <= 8192);
  const moved = tables.of("c99", kept);
  t.deepEqual(free(moved), free(nodeTable(kept)), "the kept cluster's cells moved with it");
});
