// `npm run demo` while another control plane holds the ports: one clear line
// and a non-zero exit, instead of `TypeError: body.map is not a function`
// from reading the other plane's 401 as a cluster list.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { startTestPlane } from "../../control-plane/src/testing/test-plane.js";

const root = join(import.meta.dirname, "..", "..");

test("npm run demo names the busy port when another control plane holds it", async (t) => {
  const other = await startTestPlane();
  t.teardown(() => other.close());
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", join(root, "scripts", "demo.ts")],
      {
        cwd: root,
        env: {
          ...process.env,
          SO_PORT: String(other.plane.httpPort),
          SO_GRPC_PORT: String(other.plane.grpcPort),
          SO_DATA_DIR: mkdtempSync(join(tmpdir(), "so-demo-")),
          SO_ADMIN_TOKEN: "a-different-admin-token-0123",
        },
        timeout: 60_000,
      },
      (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
  t.is(result.code, 2, result.stderr);
  t.regex(
    result.stderr,
    new RegExp(`port ${other.plane.httpPort} \\(SO_PORT\\) is already in use`),
  );
  t.notRegex(result.stderr, /TypeError|body\.map/);
  // The other plane is untouched: nothing was registered on it.
  t.deepEqual((await other.api("GET", "/clusters")).body, []);
});
