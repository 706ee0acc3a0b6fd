import { readFileSync } from "node:fs";
import test from "ava";
import { parse } from "yaml";
import { helmFixture } from "../testing/helm-repo-server.js";
import { type RawIndex, toChartIndex } from "./chart-index.js";
import { parseIndexBuffer, parseIndexFile } from "./index-parser.js";
import { IndexScanner } from "./index-scanner.js";

/** The reference: the full YAML parser, mapped the obvious way. */
function reference(text: string) {
  const doc = parse(text, { schema: "failsafe" }) as {
    apiVersion: string;
    generated?: string;
    entries: Record<string, Array<Record<string, unknown>>>;
  };
  const raw: RawIndex = {
    apiVersion: doc.apiVersion,
    ...(doc.generated ? { generated: doc.generated } : {}),
    hasEntries: true,
    entries: Object.entries(doc.entries).map(([name, versions]) => ({
      name,
      versions: versions.map((v) => {
        const out: Record<string, unknown> = {};
        for (const k of [
          "version",
          "appVersion",
          "description",
          "created",
          "digest",
          "kubeVersion",
        ]) {
          if (typeof v[k] === "string" && v[k] !== "") out[k] = v[k];
        }
        if (Array.isArray(v.urls)) out.urls = v.urls;
        if (v.deprecated === "true") out.deprecated = true;
        return out;
      }),
    })),
  };
  return toChartIndex(raw);
}

for (const file of ["index-small.yaml", "repo-podinfo/index.yaml"]) {
  test(`the fast scanner reads ${file} exactly as the full YAML parser does`, async (t) => {
    const path = helmFixture(...file.split("/"));
    const parsed = await parseIndexFile(path);
    t.is(parsed.path, "scanner");
    t.deepEqual(parsed.index, reference(readFileSync(path, "utf8")));
    t.true(parsed.index.charts.length > 0);
  });
}

test("chunk boundaries anywhere give the same result", (t) => {
  const data = readFileSync(helmFixture("repo-podinfo", "index.yaml"));
  const whole = parseIndexBuffer(data).index;
  for (const size of [1, 7, 64, 4093]) {
    const s = new IndexScanner();
    for (let i = 0; i < data.length; i += size) s.push(data.subarray(i, i + size));
    t.deepEqual(toChartIndex(s.end()), whole, `chunk size ${size}`);
  }
});

test("irregular but valid YAML falls back to the full parser", (t) => {
  const text = [
    "apiVersion: v1",
    "entries:",
    "  flow: [{name: flow, version: 1.0.0, urls: [flow-1.0.0.tgz]}]",
    "  block:",
    "    - version: '2.0.0'",
    "      description: >-",
    "        folded",
    "        text",
    "      urls: [block-2.0.0.tgz]",
    "generated: 2020-01-01T00:00:00Z",
    "",
  ].join("\n");
  const parsed = parseIndexBuffer(Buffer.from(text));
  t.is(parsed.path, "yaml");
  t.deepEqual(
    parsed.index.charts.map((c) => [c.name, c.versions[0]?.version, c.versions[0]?.urls[0]]),
    [
      ["block", "2.0.0", "block-2.0.0.tgz"],
      ["flow", "1.0.0", "flow-1.0.0.tgz"],
    ],
  );
  t.is(parsed.index.charts[0]?.versions[0]?.description, "folded text");
});

test("the scanner handles indented sequences, quoted keys, block scalars and a BOM", (t) => {
  const text = [
    "\uFEFFapiVersion: v1",
    "entries:",
    '  "quoted":',
    "    - name: quoted",
    "      version: 1.10",
    "      description: |",
    "        line one",
    "        line two",
    "      urls:",
    "        - 'https://example.org/q-1.10.tgz'",
    "      deprecated: true",
    "  empty: []",
    "serverInfo: {}",
    'generated: "2020-01-01T00:00:00Z"',
    "",
  ].join("\n");
  const parsed = parseIndexBuffer(Buffer.from(text));
  t.is(parsed.path, "scanner");
  t.deepEqual(parsed.index.charts, [
    {
      name: "quoted",
      versions: [
        {
          version: "1.10",
          description: "line one\nline two\n",
          urls: ["https://example.org/q-1.10.tgz"],
          deprecated: true,
        },
      ],
    },
  ]);
});

test("entries without a version or urls are skipped and counted, as Helm does", (t) => {
  const text =
    "apiVersion: v1\nentries:\n  a:\n  - version: 1.0.0\n  - version: 2.0.0\n    urls:\n    - a-2.0.0.tgz\ngenerated: x\n";
  const parsed = parseIndexBuffer(Buffer.from(text));
  t.is(parsed.index.skipped, 1);
  t.deepEqual(
    parsed.index.charts[0]?.versions.map((v) => v.version),
    ["2.0.0"],
  );
});

test("HTML, a YAML bomb, truncation and non-index YAML are refused with a reason", (t) => {
  const cases: Array<[string, RegExp]> = [
    ["<html><body>hi</body></html>\n", /HTML page/],
    ["  \n<!doctype html>\n", /HTML page/],
    ["apiVersion: v1\nentries:\n  a:\n  - version: 1.0.0\n    urls:\n    - a.tgz", /truncated/],
    ["apiVersion: v1\nentries:\n  a:\n  - version: 1.0.0\n    digest: abc\n", /truncated/],
    ["kind: Pod\n", /not a Helm repository index/],
    ["apiVersion: v1\nentries: [\n", /not valid YAML/],
    [`a: &a [x,x,x,x,x,x,x,x,x,x]\n${bomb()}entries: {}\napiVersion: v1\n`, /aliases/],
  ];
  for (const [text, reason] of cases) {
    const err = t.throws(() => parseIndexBuffer(Buffer.from(text)), undefined, text);
    t.regex(err?.message ?? "", reason, text);
    t.is((err as { code?: string }).code, "invalid_argument");
  }
});

function bomb(): string {
  let out = "";
  let prev = "a";
  for (const n of ["b", "c", "d", "e", "f", "g", "h"]) {
    out += `${n}: &${n} [${Array(10).fill(`*${prev}`).join(",")}]\n`;
    prev = n;
  }
  return out;
}
