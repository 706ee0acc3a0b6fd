import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnTied } from "./tied-spawn.js";

/** A control plane run as `npm start` runs it, in its own process. */
export interface SpawnedPlane {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the exit status. */
  readonly exited: Promise<number | null>;
  readonly dataDir: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line (pino JSON) whose `msg` is `msg`. */
  logLine(msg: string): Promise<Record<string, unknown>>;
}

/**
 * Spawns `control-plane/src/main.ts` with `env` on top of loopback defaults,
 * without waiting for it to be ready (it may be meant to fail). `wrapper`
 * runs it under another command (e.g. `prlimit --nofile=256:256`). It dies
 * with the test worker ({@link spawnTied}).
 */
export function spawnPlane(
  env: Record<string, string>,
  wrapper: readonly string[] = [],
): SpawnedPlane {
  const dataDir = env.SO_DATA_DIR ?? mkdtempSync(join(tmpdir(), "so-proc-"));
  const argv = [process.execPath, "--import", "tsx", "control-plane/src/main.ts"];
  const [command, ...args] = [...wrapper, ...argv];
  const child = spawnTied(command ?? process.execPath, args, {
    env: {
      ...process.env,
      SO_HOST: "127.0.0.1",
      SO_PORT: "0",
      SO_GRPC_PORT: "0",
      SO_LOG_LEVEL: "info",
      SO_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters: Array<{ msg: string; resolve: (line: Record<string, unknown>) => void }> = [];
  const seen: Record<string, unknown>[] = [];
  let partial = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d;
    partial += d;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const text of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      seen.push(line);
      for (const w of waiters.splice(0)) {
        if (line.msg === w.msg) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    dataDir,
    stdout: () => out,
    stderr: () => err,
    logLine(msg) {
      const found = seen.find((l) => l.msg === msg);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ msg, resolve });
        exited.then((code) =>
          reject(new Error(`exited (${code}) before logging "${msg}":\n${out}\n${err}`)),
        );
      });
    },
  };
}
