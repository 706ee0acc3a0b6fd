import test from "ava";
import { AppError, ErrorCode } from "./app-error.js";
import {
  addQuantities,
  canonicalQuantity,
  compareQuantities,
  isQuantity,
  parseBytes,
  parseMillis,
  parseQuantity,
  toInteger,
  toMillis,
  toSafeNumber,
} from "./quantity.js";

// [input, millis, integer (rounded up)] for every form on the Kubernetes
// resource.Quantity reference, plus the formats found in the real node objects.
const cases: ReadonlyArray<readonly [string, bigint, bigint]> = [
  ["250m", 250n, 1n],
  ["1Gi", 1073741824000n, 1073741824n],
  ["1e3", 1000000n, 1000n],
  ["1E3", 1000000n, 1000n],
  ["12e-3", 12n, 1n],
  ["5e-3", 5n, 1n],
  ["512Ki", 524288000n, 524288n],
  ["0.5", 500n, 1n],
  [".5", 500n, 1n],
  ["1.", 1000n, 1n],
  ["100M", 100000000000n, 100000000n],
  ["1.5", 1500n, 2n],
  ["1.5Gi", 1610612736000n, 1610612736n],
  ["1Ei", 1152921504606846976000n, 1152921504606846976n],
  ["1Pi", 1125899906842624000n, 1125899906842624n],
  ["1Ti", 1099511627776000n, 1099511627776n],
  ["1Mi", 1048576000n, 1048576n],
  ["-1", -1000n, -1n],
  ["+2", 2000n, 2n],
  ["0", 0n, 0n],
  ["100n", 1n, 1n],
  ["100u", 1n, 1n],
  ["1500u", 2n, 1n],
  ["2k", 2000000n, 2000n],
  ["3G", 3000000000000n, 3000000000n],
  ["4T", 4000000000000000n, 4000000000000n],
  ["5P", 5000000000000000000n, 5000000000000000n],
  ["1E", 1000000000000000000000n, 1000000000000000000n],
  ["7910m", 7910n, 8n],
  ["31127824Ki", 31874891776000n, 31874891776n],
  ["8163684Ki", 8359612416000n, 8359612416n],
  ["122601479578", 122601479578000n, 122601479578n],
  ["1.5e3", 1500000n, 1500n],
  ["-0.5", -500n, -1n],
];

for (const [input, millis, integer] of cases) {
  test(`parses ${input} exactly`, (t) => {
    const q = parseQuantity(input);
    t.is(toMillis(q), millis);
    t.is(toInteger(q), integer);
  });
}

test("a float-unsafe decimal stays exact: 0.1 + 0.2 is 300m, not 300.00000000000006m", (t) => {
  const sum = addQuantities(parseQuantity("0.1"), parseQuantity("0.2"));
  t.is(toMillis(sum), 300n);
  t.is(compareQuantities(sum, parseQuantity("300m")), 0);
});

test("precision below 1n is rounded up at parse, as apimachinery does (0.30000000000000004 → 301m)", (t) => {
  t.is(parseMillis("0.30000000000000004"), 301n);
  t.is(canonicalQuantity("0.30000000000000004"), "300000001n");
  t.is(canonicalQuantity("1e-1000"), "1e-9");
  t.is(canonicalQuantity("0.0000000001"), "1n");
  t.is(canonicalQuantity("-0.1n"), "-1n");
});

test("milli values round up like MilliValue (0.1m → 1m, -1.5m → -2m)", (t) => {
  t.is(parseMillis("0.1m"), 1n);
  t.is(parseMillis("-1.5m"), -2n);
  t.is(parseBytes("0.9"), 1n);
});

test("formats canonically as the API server serialises", (t) => {
  t.is(canonicalQuantity("1.5"), "1500m");
  t.is(canonicalQuantity("1.5Gi"), "1536Mi");
  t.is(canonicalQuantity("0.9Gi"), "966367641600m");
  t.is(canonicalQuantity("1000"), "1k");
  t.is(canonicalQuantity("1e3"), "1e3");
  t.is(canonicalQuantity("12e-3"), "12e-3");
  t.is(canonicalQuantity("1024Ki"), "1Mi");
  t.is(canonicalQuantity("1536"), "1536");
  t.is(canonicalQuantity("0.5Ki"), "512");
  t.is(canonicalQuantity("250m"), "250m");
  t.is(canonicalQuantity("-1"), "-1");
  t.is(canonicalQuantity("0Gi"), "0");
  t.is(canonicalQuantity("1Ei"), "1Ei");
  t.is(canonicalQuantity("2048Ei"), "2048Ei");
});

test("compares across formats", (t) => {
  t.is(compareQuantities(parseQuantity("1Ki"), parseQuantity("1k")), 1);
  t.is(compareQuantities(parseQuantity("1000m"), parseQuantity("1")), 0);
  t.is(compareQuantities(parseQuantity("-1"), parseQuantity("0")), -1);
});

for (const bad of [
  "",
  " 1",
  "1 ",
  ".",
  "-",
  "+",
  "1K",
  "1KiB",
  "1e",
  "1e1.5",
  "1Mi3",
  "0x10",
  "1,5",
  "abc",
  "1..2",
  "--1",
  "1e9999",
  "Gi",
]) {
  test(`rejects ${JSON.stringify(bad)} with invalid_argument naming it`, (t) => {
    const err = t.throws(() => parseQuantity(bad), { instanceOf: AppError });
    t.is(err?.code, ErrorCode.InvalidArgument);
    t.true(err?.message.includes(JSON.stringify(bad)));
    t.false(isQuantity(bad));
  });
}

test("toSafeNumber refuses to lose precision", (t) => {
  t.is(toSafeNumber(parseBytes("1Ti")), 1099511627776);
  t.throws(() => toSafeNumber(parseBytes("1Ei")), { instanceOf: AppError });
});
