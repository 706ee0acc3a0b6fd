// Host mode's trust chain without systemd: the served installer pins the
// agent bundle's sha256, so a bundle changed in transit is refused; an old
// Node.js is refused with a way forward. `--dry-run` stops before systemd.
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { loadInstallScript } from "../control-plane/src/install/install-script.js";

const args = "--mode host --hub h:1 --token abcdef.0123456789abcdef --insecure --dry-run";

function run(script: string, env: Record<string, string>) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      "sh",
      [script, ...args.split(" ")],
      { env: { ...process.env, ...env } },
      (err, stdout, stderr) =>
        resolve({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          out: stdout + stderr,
        }),
    );
  });
}

/** A control plane's install endpoints in miniature: serves `bundle` at /install/edge-agent.mjs. */
async function served(bundle: string, servedBundle = bundle) {
  const dir = mkdtempSync(join(tmpdir(), "so-host-"));
  const server = createServer((req, res) => {
    if (req.url !== "/install/edge-agent.mjs") return void res.writeHead(404).end();
    res.writeHead(200).end(servedBundle);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(join(dir, "edge-agent.mjs"), bundle);
  const script = loadInstallScript({ publicUrl: url, bundlePath: join(dir, "edge-agent.mjs") });
  writeFileSync(join(dir, "so-agent.sh"), script.body);
  const kubeconfig = join(dir, "k3s.yaml");
  writeFileSync(kubeconfig, "{}");
  return { script: join(dir, "so-agent.sh"), kubeconfig, close: () => server.close() };
}

test("host mode downloads the bundle the served script pins, and refuses another", async (t) => {
  const good = await served("console.log('agent')\n");
  t.teardown(good.close);
  const ok = await run(good.script, { KUBECONFIG: good.kubeconfig });
  t.is(ok.code, 0, ok.out);
  t.regex(ok.out, /would install the verified bundle/);

  const swapped = await served("console.log('agent')\n", "require('child_process').exec('id')\n");
  t.teardown(swapped.close);
  const bad = await run(swapped.script, { KUBECONFIG: swapped.kubeconfig });
  t.is(bad.code, 1, bad.out);
  t.regex(bad.out, /does not have the sha256 this script expects; refusing to install it/);
});

test("host mode refuses Node.js older than 20.19 and says how to get a newer one", async (t) => {
  const bin = mkdtempSync(join(tmpdir(), "so-node-"));
  writeFileSync(join(bin, "node"), "#!/bin/sh\necho 20.11.1\n");
  chmodSync(join(bin, "node"), 0o755);
  const env = { PATH: `${bin}:${process.env.PATH}` };
  const s = await served("x");
  t.teardown(s.close);
  const old = await run(s.script, { ...env, KUBECONFIG: s.kubeconfig });
  t.is(old.code, 1);
  t.regex(
    old.out,
    /needs Node\.js 20\.19 or later, this node has 20\.11\.1: install Node\.js 22 LTS/,
  );
});

test("host mode's launcher runs the bundle with the V8 flags of the shipped launcher", (t) => {
  const flags = (text: string, what: string) => {
    const m = /exec "?(?:\$\{EDGE_AGENT_NODE:-node\}|node)"? ((?:--\S+ )+)"/.exec(text);
    if (!m?.[1]) throw new Error(`no exec line with flags in ${what}`);
    return m[1].trim();
  };
  const root = join(import.meta.dirname, "..");
  const shipped = flags(
    readFileSync(join(root, "edge-agent", "bin", "edge-agent"), "utf8"),
    "launcher",
  );
  t.is(flags(readFileSync(join(root, "install", "agent.sh"), "utf8"), "agent.sh"), shipped);
  t.regex(shipped, /--max-semi-space-size=1/);
});
