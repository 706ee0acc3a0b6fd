import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "@smart-orchestrator/shared";

/** What the pid file holds: the host's pid and its start time, so a reused pid is never mistaken for it. */
interface PidRecord {
  readonly pid: number;
  /** `/proc/<pid>/stat` start time in clock ticks; undefined where /proc is missing. */
  readonly start: string | undefined;
}

/** The process's start time from /proc (Linux), or undefined. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return undefined; // a zombie is already gone
    return fields[19];
  } catch {
    return undefined;
  }
}

/**
 * The pid file of the managed agent host, `<data dir>/managed-agents.pid`.
 * A control plane killed with SIGKILL cannot stop its child; the child exits
 * by itself when its stdin closes, and the next start of a control plane on
 * the same data directory ends it anyway if it is still there.
 */
export class AgentPidFile {
  readonly #file: string;
  readonly #log: Logger;

  constructor(file: string, log: Logger) {
    this.#file = file;
    this.#log = log;
  }

  /** Records a freshly started host. */
  record(pid: number): void {
    const record: PidRecord = { pid, start: startTime(pid) };
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      writeFileSync(this.#file, JSON.stringify(record), { mode: 0o600 });
    } catch (err) {
      this.#log.warn({ err, file: this.#file }, "could not record the managed agent host's pid");
    }
  }

  /** Forgets the host (it exited or was stopped). */
  clear(): void {
    rmSync(this.#file, { force: true });
  }

  /**
   * Ends the host a previous control plane on this data directory left
   * running: SIGTERM, then SIGKILL after `graceMs`. Only a process whose pid
   * and start time both match the record is touched.
   */
  async endStray(graceMs = 5_000): Promise<number | undefined> {
    let record: PidRecord;
    try {
      record = JSON.parse(readFileSync(this.#file, "utf8")) as PidRecord;
    } catch {
      return undefined;
    }
    this.clear();
    if (!Number.isInteger(record.pid) || record.pid <= 1) return undefined;
    if (record.start === undefined || startTime(record.pid) !== record.start) return undefined;
    this.#log.warn(
      { pid: record.pid },
      "ending the managed agent host a previous control plane left running",
    );
    try {
      process.kill(record.pid, "SIGTERM");
    } catch {
      return undefined;
    }
    const deadline = Date.now() + graceMs;
    while (startTime(record.pid) === record.start) {
      if (Date.now() > deadline) {
        process.kill(record.pid, "SIGKILL");
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return record.pid;
  }
}
