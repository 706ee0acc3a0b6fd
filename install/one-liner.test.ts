import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { startTestPlane } from "../control-plane/src/testing/test-plane.js";

const scriptPath = join(import.meta.dirname, "agent.sh");

/** Runs a shell line in `cwd`; resolves with the exit code and output, never rejects. */
function sh(line: string, cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile("sh", ["-c", line], { cwd, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("GET /install/agent.sh needs no token and serves the bytes the join command pins", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const res = await fetch(`${p.url}/install/agent.sh`);
  t.is(res.status, 200);
  t.regex(res.headers.get("content-type") ?? "", /text\/x-shellscript/);
  const body = Buffer.from(await res.arrayBuffer());
  // The file, with this control plane's URL and bundle digest written in for host mode.
  const blank = (text: string) =>
    text
      .replace(/^so_public_url=".*"$/m, 'so_public_url=""')
      .replace(/^so_bundle_sha256=".*"$/m, 'so_bundle_sha256=""');
  const served = body.toString("utf8");
  t.is(blank(served), readFileSync(scriptPath, "utf8"));
  t.true(served.includes(`\nso_public_url="${p.plane.publicUrl.replace(/\/+$/, "")}"\n`));
  const digest = createHash("sha256").update(body).digest("hex");

  const created = await p.api("POST", "/clusters", { body: { name: "pi", cloud: false } });
  const command: string = created.body.join.command;
  t.true(command.startsWith(`curl -sfLo so-agent.sh ${p.plane.publicUrl}/install/agent.sh && `));
  t.true(command.includes(`echo '${digest}  so-agent.sh' | sha256sum -c - && sh so-agent.sh `));
  t.true(command.includes(`--token ${created.body.join.token}`));
  t.regex(command, /--ca-hash sha256:[0-9a-f]{64}$/);
});

test("the printed one-liner runs the served script, and refuses a tampered one", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const created = await p.api("POST", "/clusters", { body: { name: "edge", cloud: false } });
  const served = `${p.plane.publicUrl.replace(/\/+$/, "")}/install/agent.sh`;
  // The plane's public URL is not where the test reaches it; point the line at the real port.
  const line = (created.body.join.command as string).replace(served, `${p.url}/install/agent.sh`);

  const good = mkdtempSync(join(tmpdir(), "so-oneliner-"));
  const ok = await sh(`${line} --dry-run`, good);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /so-agent\.sh: OK/);
  t.regex(ok.stdout, /kind: Deployment/);

  // A man in the middle swaps the script for one that would leave a mark.
  const marker = join(mkdtempSync(join(tmpdir(), "so-marker-")), "ran");
  const evil = `#!/bin/sh\ntouch ${marker}\n`;
  const proxy = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/x-shellscript" });
    res.end(evil);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  t.teardown(() => proxy.close());
  const port = (proxy.address() as AddressInfo).port;
  const tampered = line.replace(
    `${p.url}/install/agent.sh`,
    `http://127.0.0.1:${port}/install/agent.sh`,
  );
  const bad = await sh(tampered, mkdtempSync(join(tmpdir(), "so-oneliner-")));
  t.not(bad.code, 0);
  t.regex(bad.stdout + bad.stderr, /FAILED/);
  t.false(existsSync(marker), "the tampered script ran");
});

const validArgs = [
  "--hub",
  "hub.example.com:8443",
  "--token",
  "abcdef.0123456789abcdef",
  "--ca-hash",
  `sha256:${"ab".repeat(32)}`,
].join(" ");

test("--dry-run prints the namespace and the chart's manifests with the values filled in", async (t) => {
  const r = await sh(`sh ${scriptPath} ${validArgs} --namespace edge-ns --dry-run`, tmpdir());
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /kind: Namespace\nmetadata:\n {2}name: edge-ns/);
  for (const kind of [
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "Secret",
    "Deployment",
  ]) {
    t.regex(r.stdout, new RegExp(`kind: ${kind}\\n`), kind);
  }
  t.regex(r.stdout, /--hub=hub\.example\.com:8443/);
  t.regex(r.stdout, /--ca-hash=sha256:(ab){32}/);
  t.regex(r.stdout, /token: "abcdef\.0123456789abcdef"/);
  t.notRegex(r.stdout, /@@|so-installer-namespace/);
});

test("--insecure replaces the CA pin, and bad values are refused before anything runs", async (t) => {
  const insecure = await sh(
    `sh ${scriptPath} --hub h:1 --token abcdef.0123456789abcdef --insecure --dry-run`,
    tmpdir(),
  );
  t.is(insecure.code, 0, insecure.stderr);
  t.regex(insecure.stdout, /- --insecure\n/);
  t.notRegex(insecure.stdout, /ca-hash/);

  const cases: [string, RegExp][] = [
    ["--hub 'h:1;rm -rf /' --token abcdef.0123456789abcdef --insecure", /--hub must be host:port/],
    [`--hub h:1 --token 'x|y' --ca-hash sha256:${"0".repeat(64)}`, /--token must be a join token/],
    ["--hub h:1 --token abcdef.0123456789abcdef", /--ca-hash is required/],
    ["--hub h:1 --token abcdef.0123456789abcdef --insecure --namespace Bad_NS", /DNS-1123/],
    ["--token abcdef.0123456789abcdef --insecure", /--hub is required/],
  ];
  for (const [args, message] of cases) {
    const r = await sh(`sh ${scriptPath} ${args} --dry-run`, tmpdir());
    t.is(r.code, 1, args);
    t.regex(r.stderr, message, args);
  }
});

test("32-bit ARM is refused with a clear message; arm64 is accepted", async (t) => {
  const bin = mkdtempSync(join(tmpdir(), "so-uname-"));
  const fakeUname = (machine: string) => {
    writeFileSync(join(bin, "uname"), `#!/bin/sh\necho ${machine}\n`);
    chmodSync(join(bin, "uname"), 0o755);
  };
  const env = { PATH: `${bin}:${process.env.PATH}` };
  fakeUname("armv7l");
  const arm = await sh(`sh ${scriptPath} ${validArgs} --dry-run`, tmpdir(), env);
  t.is(arm.code, 1);
  t.regex(arm.stderr, /32-bit ARM \(armv7l, arm\/v7\).*64-bit OS/);
  fakeUname("aarch64");
  const arm64 = await sh(`sh ${scriptPath} ${validArgs} --dry-run`, tmpdir(), env);
  t.is(arm64.code, 0, arm64.stderr);
});
