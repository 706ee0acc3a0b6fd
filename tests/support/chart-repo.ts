import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type HelmRepoServer,
  helmFixture,
} from "../../control-plane/src/testing/helm-repo-server.js";

/**
 * Packages the alertmanager chart fixture (a StatefulSet with a
 * volumeClaimTemplate and a values schema) with the real `helm` at
 * `helmPath`, and adds it to the podinfo repository's index on `server`.
 */
export function addAlertmanager(server: HelmRepoServer, helmPath: string): void {
  const out = mkdtempSync(join(tmpdir(), "so-chart-"));
  execFileSync(helmPath, ["package", helmFixture("charts", "alertmanager"), "-d", out]);
  const file = readdirSync(out).find((f) => f.endsWith(".tgz")) ?? "";
  const archive = readFileSync(join(out, file));
  const version = /alertmanager-(.+)\.tgz/.exec(file)?.[1] ?? "";
  const digest = createHash("sha256").update(archive).digest("hex");
  server.file(`/${file}`, archive);
  const index = readFileSync(helmFixture("repo-podinfo", "index.yaml"), "utf8")
    .replaceAll("https://stefanprodan.github.io/podinfo/", `${server.url}/`)
    .replace(
      /^entries:\n/m,
      `entries:\n  alertmanager:\n  - apiVersion: v2\n    name: alertmanager\n    version: ${version}\n    digest: ${digest}\n    urls:\n    - ${server.url}/${file}\n`,
    );
  server.file("/index.yaml", index);
}
