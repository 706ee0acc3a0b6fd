import test from "ava";
import { candidateOrder, type FitColumns, type Named } from "./candidate-order.js";
import { type PlacementPolicy, rankingFor } from "./policies.js";

interface Row extends Named {
  readonly fits: boolean;
  readonly maxReplicas: number;
  readonly traffic: number | null;
}

/** The order spelled out with a comparison sort: what the radix sort must reproduce. */
function reference(rows: readonly Row[], policy: PlacementPolicy): string[] {
  const fitting = rows.filter((r) => r.fits);
  const edge = fitting.filter((r) => !r.cloud);
  const ranked = edge.length ? edge : fitting;
  const traffic = policy === "traffic-most" && ranked.some((r) => r.traffic !== null);
  const byName = (a: Row, b: Row) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  const worst = (a: Row, b: Row) => b.maxReplicas - a.maxReplicas || byName(a, b);
  const compare = (a: Row, b: Row): number => {
    if (policy === "best-fit") return a.maxReplicas - b.maxReplicas || byName(a, b);
    if (!traffic) return worst(a, b);
    if (a.traffic !== null && b.traffic !== null)
      return Math.round(b.traffic) - Math.round(a.traffic) || byName(a, b);
    if (a.traffic !== null) return -1;
    if (b.traffic !== null) return 1;
    return worst(a, b);
  };
  return [
    ...edge.sort(compare),
    ...fitting.filter((r) => r.cloud).sort(compare),
    ...rows.filter((r) => !r.fits).sort(byName),
  ].map((r) => r.id);
}

function ordered(rows: readonly Row[], policy: PlacementPolicy): string[] {
  const n = rows.length;
  const cols: FitColumns = {
    fits: Uint8Array.from(rows, (r) => (r.fits ? 1 : 0)),
    maxReplicas: Float64Array.from(rows, (r) => r.maxReplicas),
    traffic: Float64Array.from(rows, (r) => r.traffic ?? Number.NaN),
  };
  const edge = rows.some((r) => r.fits && !r.cloud);
  const ranked = rows.filter((r) => r.fits && r.cloud === !edge);
  const ranking = rankingFor(
    policy,
    ranked.some((r) => r.traffic !== null),
  );
  const { order, fitting } = candidateOrder(rows, cols, ranking);
  t0(order.length === n && fitting === rows.filter((r) => r.fits).length);
  return Array.from(order, (i) => (rows[i] as Row).id);
}

function t0(ok: boolean): void {
  if (!ok) throw new Error("order length or fitting count is wrong");
}

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function fleet(seed: number, n: number): Row[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  // Few distinct figures and names, so ties (and equal names) are common; some huge rates.
  const rates = [null, 0, 1, 1.4, 1.6, 250, 100_000, 5e11, 2 ** 53];
  return Array.from({ length: n }, (_, k) => ({
    id: `id-${Math.floor(rnd() * 1e6)}-${k}`,
    name: `c-${pick(["a", "b", "c", "d", "e", "f"])}${Math.floor(rnd() * 5)}`,
    cloud: rnd() < 0.1,
    fits: rnd() < 0.8,
    maxReplicas: pick([0, 1, 2, 3, 40, 255, 256, 257, 65_536, 1e9]),
    traffic: pick(rates),
  }));
}

for (const policy of ["worst-fit", "best-fit", "traffic-most"] as const) {
  test(`${policy}: the radix order equals a comparison sort, in any input order`, (t) => {
    for (let seed = 1; seed <= 200; seed++) {
      const rows = fleet(seed, 1 + (seed % 60));
      const want = reference(rows, policy);
      t.deepEqual(ordered(rows, policy), want, `seed ${seed}`);
      const byName = [...rows].sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1,
      );
      t.deepEqual(ordered(byName, policy), want, `seed ${seed}, input in name order`);
    }
  });
}

test("an empty fleet orders to nothing", (t) => {
  t.deepEqual(ordered([], "worst-fit"), []);
});
