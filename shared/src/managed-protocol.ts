/**
 * The pipe protocol between the control plane and the one child process
 * that hosts an agent for every cluster registered with credentials. Both
 * directions are JSON lines: commands on the child's stdin (so kubeconfigs
 * and credentials never appear on a command line or in the environment, and
 * EOF tells the child its parent is gone), events on file descriptor 3.
 */

/** Control plane → host: run an agent for a cluster. The kubeconfig is checked again by the host. */
export interface ManagedStart {
  readonly type: "start";
  readonly clusterId: string;
  readonly credential: string;
  readonly kubeconfig: unknown;
  /** Accept `http://` servers (`SO_ALLOW_HTTP_CLUSTERS`). */
  readonly allowHttp: boolean;
}

/**
 * Control plane → host: stop a cluster's agent (the cluster was deleted); the
 * host then removes the desired state that agent kept in the cluster.
 */
export interface ManagedStop {
  readonly type: "stop";
  readonly clusterId: string;
}

/** A line on the host's stdin. */
export type ManagedCommand = ManagedStart | ManagedStop;

/**
 * How a hosted agent is doing:
 * - `connected`: its link is up (the hub shows the cluster Enabled);
 * - `failing`: it keeps trying; `reason` is its last error;
 * - `refused`: its start command was refused (e.g. the kubeconfig is not inline-only); it is not running;
 * - `revoked`: the hub refused its credential; it stopped instead of retrying.
 */
export type ManagedState = "connected" | "failing" | "refused" | "revoked";

/** Host → control plane, a line on fd 3. */
export interface ManagedEvent {
  readonly type: "status";
  readonly clusterId: string;
  readonly state: ManagedState;
  readonly reason?: string;
}

/** The file descriptor the host writes events to. */
export const managedEventFd = 3;

/** Longest accepted line in either direction (a kubeconfig with certificates fits easily). */
export const maxManagedLineBytes = 1024 * 1024;

const states: readonly string[] = ["connected", "failing", "refused", "revoked"];

/** Parses one event line; undefined for anything malformed (the child is trusted, but not blindly). */
export function parseManagedEvent(line: string): ManagedEvent | undefined {
  let v: Partial<Record<keyof ManagedEvent, unknown>>;
  try {
    v = JSON.parse(line) as typeof v;
  } catch {
    return undefined;
  }
  if (v?.type !== "status" || typeof v.clusterId !== "string") return undefined;
  if (typeof v.state !== "string" || !states.includes(v.state)) return undefined;
  const reason = typeof v.reason === "string" ? v.reason.slice(0, 1024) : undefined;
  return {
    type: "status",
    clusterId: v.clusterId,
    state: v.state as ManagedState,
    ...(reason ? { reason } : {}),
  };
}

/**
 * Splits a byte stream into lines, each at most `limit` bytes; a longer line
 * goes to `onOverflow` and is dropped. Returns a function to call with each chunk.
 */
export function lineSplitter(
  onLine: (line: string) => void,
  onOverflow: () => void,
  limit = maxManagedLineBytes,
): (chunk: Buffer | string) => void {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  return (chunk) => {
    let buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10)) {
      const head = buf.subarray(0, nl);
      if (!skipping && size + head.length > limit) onOverflow();
      else if (!skipping) {
        const line = Buffer.concat([...parts, head])
          .toString("utf8")
          .trim();
        if (line) onLine(line);
      }
      parts = [];
      size = 0;
      skipping = false;
      buf = buf.subarray(nl + 1);
    }
    if (skipping || buf.length === 0) return;
    size += buf.length;
    if (size > limit) {
      skipping = true;
      parts = [];
      onOverflow();
      return;
    }
    parts.push(buf);
  };
}
