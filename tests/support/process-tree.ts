// Linux /proc readings for the tests that check which processes run and
// which are gone (orphans, managed agent hosts, no exec from a kubeconfig).
import { readdirSync, readFileSync } from "node:fs";

/**
 * The direct children of `pid`. Throws when `pid` itself is gone, so that a
 * dead parent never reads as "no children"; a thread that ends mid-read is skipped.
 */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    } catch {}
    if (text) out.push(...text.split(/\s+/).map(Number));
  }
  return out;
}

/** Every descendant of `pid`, each before its own children. */
export function descendants(pid: number): number[] {
  return childPids(pid).flatMap((c) => [c, ...descendants(c)]);
}

/** The command line of `pid`, arguments joined by spaces; "" once it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

/** True while a process exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/**
 * Direct child processes of a process, as pid and command line, leaving out
 * tsx's esbuild service (the TypeScript loader runs it).
 */
export function childProcesses(pid: number): { pid: number; cmdline: string }[] {
  return childPids(pid)
    .map((p) => ({ pid: p, cmdline: commandLine(p) }))
    .filter((c) => !/esbuild\b.*--service/.test(c.cmdline));
}
