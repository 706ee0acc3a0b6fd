// Reads a process's memory and CPU time from /proc (Linux only), the way
// `ps` and cAdvisor see them: VmRSS, and utime+stime in clock ticks.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** One reading of a process. */
export interface ProcReading {
  /** Resident set size in bytes (VmRSS). */
  readonly rssBytes: number;
  /** utime + stime of the process itself, in seconds. */
  readonly cpuSeconds: number;
  /** cutime + cstime: CPU of its children that have exited and been waited for (`df` and the like). */
  readonly childCpuSeconds: number;
  /** Threads of the process. */
  readonly threads: number;
  /** RSS summed over the process's live descendants (tsx's esbuild service, for one). */
  readonly descendantsRssBytes: number;
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Reads /proc/<pid>; throws if the process is gone. */
export function readProc(pid: number): ProcReading {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name, which may itself contain spaces.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const at = (n: number) => Number(f[n - 3] ?? 0); // n is the 1-based field number of proc(5)
  return {
    rssBytes: kb("VmRSS") * 1024,
    cpuSeconds: (at(14) + at(15)) / ticksPerSecond,
    childCpuSeconds: (at(16) + at(17)) / ticksPerSecond,
    threads: kb("Threads"),
    descendantsRssBytes: descendants(pid).reduce((sum, p) => sum + rssOf(p), 0),
  };
}

function descendants(pid: number): number[] {
  // No /proc/<pid>/task/<tid>/children on every kernel: build the tree from each process's ppid.
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
