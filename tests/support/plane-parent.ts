// A stand-in for an ava worker, for the orphan test (tests/integration/
// orphaned-children.test.ts): starts a control plane through the test support
// named by argv[2] ("spawn-plane" or "plane-process"), prints the plane's pid
// as one JSON line once it listens, then idles until it is killed.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlaneProcess } from "./plane-process.js";
import { spawnPlane } from "./spawn-plane.js";

const how = process.argv[2];
const dataDir = mkdtempSync(join(tmpdir(), "so-orphan-"));
let pid: number | undefined;
if (how === "spawn-plane") {
  const plane = spawnPlane({
    SO_DATA_DIR: dataDir,
    SO_ADMIN_TOKEN: "orphan-test-admin-token-0123",
  });
  await plane.logLine("REST API listening");
  pid = plane.child.pid;
} else if (how === "plane-process") {
  pid = (await startPlaneProcess(dataDir)).child.pid;
} else {
  throw new Error(`usage: plane-parent.ts spawn-plane|plane-process (got ${how})`);
}
process.stdout.write(`${JSON.stringify({ pid })}\n`);
// Stays up (the plane's pipes keep the loop alive) until the test kills it.
setInterval(() => {}, 60_000);
