import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { eventually } from "./hub-harness.js";
import { restClient } from "./rest-client.js";
import { spawnTied } from "./tied-spawn.js";

const root = join(import.meta.dirname, "..", "..");

/** The admin token control planes started by {@link startPlaneProcess} use. */
export const planeAdminToken = "plane-process-admin-token-0123";

/** A control plane running as its own process (`control-plane/src/main.ts`). */
export interface PlaneProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `npm start`'s entry point on a free REST port (hub on port 0) over
 * `dataDir`, and waits until `/readyz` answers. It dies with the test
 * worker ({@link spawnTied}).
 */
export async function startPlaneProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<PlaneProcess> {
  const port = await freePort();
  const child = spawnTied(process.execPath, ["--import", "tsx", "control-plane/src/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      SO_HOST: "127.0.0.1",
      SO_PORT: String(port),
      SO_GRPC_PORT: "0",
      SO_DATA_DIR: dataDir,
      SO_ADMIN_TOKEN: planeAdminToken,
      SO_LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d;
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const api = restClient(url, planeAdminToken);
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`control plane exited: ${out}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok;
    },
    "control plane ready",
    60_000,
  );
  return { child, url, exited, output: () => out, api };
}
