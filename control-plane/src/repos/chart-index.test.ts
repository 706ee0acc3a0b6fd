import test from "ava";
import { type IndexedChart, pickVersion, sortNewestFirst } from "./chart-index.js";

const v = (version: string, created?: string) => ({
  version,
  urls: [`c-${version}.tgz`],
  ...(created ? { created } : {}),
});

test("versions sort newest first by semver, pre-releases below their release, junk last", (t) => {
  const sorted = sortNewestFirst([
    v("1.2.0"),
    v("1.10.0"),
    v("2.0.0-rc.1"),
    v("2.0.0"),
    v("2.0.0-beta.2"),
    v("not-a-version", "2020-01-02"),
    v("v1.9.0"),
    v("latest", "2021-01-01"),
  ]).map((x) => x.version);
  t.deepEqual(sorted, [
    "2.0.0",
    "2.0.0-rc.1",
    "2.0.0-beta.2",
    "1.10.0",
    "v1.9.0",
    "1.2.0",
    "latest",
    "not-a-version",
  ]);
});

test("pickVersion: exact, range, newest stable by default, undefined when nothing fits", (t) => {
  const chart: IndexedChart = {
    name: "c",
    versions: sortNewestFirst([v("2.0.0-rc.1"), v("1.5.0"), v("1.4.2"), v("0.9.0")]),
  };
  t.is(pickVersion(chart, undefined)?.version, "1.5.0");
  t.is(pickVersion(chart, "")?.version, "1.5.0");
  t.is(pickVersion(chart, "1.4.2")?.version, "1.4.2");
  t.is(pickVersion(chart, "2.0.0-rc.1")?.version, "2.0.0-rc.1");
  t.is(pickVersion(chart, "~1.4.0")?.version, "1.4.2");
  t.is(pickVersion(chart, "^1.0.0")?.version, "1.5.0");
  t.is(pickVersion(chart, ">=2.0.0-0")?.version, "2.0.0-rc.1");
  t.is(pickVersion(chart, "^3"), undefined);
  t.is(pickVersion(chart, "no such"), undefined);
});
