import test from "ava";
import {
  parseCount,
  parseDefaultRequests,
  parseDuration,
  parseMilliseconds,
  parseNamespace,
  parsePort,
  parseSize,
  parseTimeout,
} from "./config-values.js";

const unset = { value: undefined, source: "SO_X" };
const given = (value: string) => ({ value, source: "SO_X" });

test("unset settings take the fallback; given ones are trimmed and read", (t) => {
  t.is(parsePort(unset, 8080), 8080);
  t.is(parsePort(given(" 0 "), 8080), 0);
  t.is(parseCount(given("1024"), 1), 1024);
  t.is(parseMilliseconds(given("3600000"), 1), 3_600_000);
  t.is(parseSize(given("5mb"), 1), 5 * 1024 * 1024);
  t.is(parseTimeout(given("1.5s"), 1), 1500);
  t.is(parseDuration(given("90m"), 1), 90 * 60_000);
  t.is(parseNamespace(unset, "smart-orchestrator"), "smart-orchestrator");
  t.is(parseNamespace(given(" so-state "), "x"), "so-state");
  t.deepEqual(parseDefaultRequests(given("250m, 1Gi")), {
    cpuMillis: 250,
    memoryBytes: 1024 ** 3,
  });
  t.deepEqual(parseDefaultRequests(unset), { cpuMillis: 100, memoryBytes: 200 * 1024 ** 2 });
});

test("a refused value names the setting, what it must be, and the value as given", (t) => {
  const cases: Array<[() => unknown, string]> = [
    [() => parsePort(given("65536"), 1), 'SO_X must be a port number 0-65535, got "65536"'],
    [() => parseCount(given(" 0"), 1), 'SO_X must be a whole number of at least 1, got " 0"'],
    [
      () => parseMilliseconds(given("1e3"), 1),
      'SO_X must be milliseconds from 1 to 3600000, got "1e3"',
    ],
    [() => parseSize(given("0mb"), 1), 'SO_X must be a size such as 5mb or 1048576, got "0mb"'],
    [
      () => parseTimeout(given("2h"), 1),
      'SO_X must be a duration such as 10s, 500ms or 2m, got "2h"',
    ],
    [
      () => parseDuration(given("4m"), 1),
      'SO_X must be a duration from 5m to 23h such as 6h or 90m, got "4m"',
    ],
    [
      () => parseNamespace(given("Smart_Orchestrator"), "x"),
      'SO_X must be a namespace name (a DNS-1123 label), got "Smart_Orchestrator"',
    ],
    [
      () => parseNamespace(given("a".repeat(64)), "x"),
      `SO_X must be a namespace name (a DNS-1123 label), got "${"a".repeat(64)}"`,
    ],
    [
      () => parseDefaultRequests(given("1,2,3")),
      'SO_X must be "<cpu>,<memory>" above zero such as 100m,200Mi, got "1,2,3"',
    ],
  ];
  for (const [parse, message] of cases) {
    t.throws(parse, { code: "invalid_argument", message }, message);
  }
});
