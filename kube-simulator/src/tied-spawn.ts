import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * util-linux's `setpriv` sets the parent-death signal (prctl PR_SET_PDEATHSIG)
 * and then execs the command, which Node cannot do for a child itself. It is
 * in Debian's essential util-linux, so CI has it.
 */
const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));

/** True when children spawned by {@link spawnTied} are killed with the spawning process. */
export const tiedSpawnWorks = setpriv !== undefined;

/**
 * Spawns `command` so that it is SIGKILLed when the spawning process dies
 * (a crashed or timed-out ava worker, a killed simulator), instead of
 * outliving it under PID 1 with its ports, files and CPU. The pid stays the
 * command's own (setpriv execs it). Node grandchildren (the managed agents,
 * tsx's esbuild) follow on their own: they exit at EOF of the stdin pipe it
 * held. Without setpriv it is a plain spawn. Always pass `args`. It lives in
 * the simulator package because the simulator ties its own children (pods
 * started by `--run-image`, the process `startSimulatorProcess`
 * starts); tests/support re-exports it for the test harness.
 */
export const spawnTied = ((
  command: string,
  args: readonly string[] = [],
  options: SpawnOptions = {},
): ChildProcess => {
  if (!setpriv) return spawn(command, args, options);
  return spawn(setpriv, ["--pdeathsig", "KILL", "--", command, ...args], options);
  // Typed as spawn is, so pipes given in `stdio` come back non-null.
}) as typeof spawn;
