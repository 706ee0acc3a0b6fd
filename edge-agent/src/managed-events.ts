import { fstatSync, writeSync } from "node:fs";
import { type Logger, type ManagedEvent, managedEventFd } from "@smart-orchestrator/shared";

/**
 * Writes managed-host events as JSON lines to fd 3, the pipe the control
 * plane opened for them; without that pipe (started by hand) they are logged.
 * Writes are synchronous: events are few and small, and a line must not be
 * torn or lost when the process exits right after.
 */
export function managedEventWriter(log: Logger): (event: ManagedEvent) => void {
  let open = true;
  try {
    fstatSync(managedEventFd);
  } catch {
    open = false;
  }
  return (event) => {
    log.info(event, "managed agent status");
    if (!open) return;
    try {
      writeSync(managedEventFd, `${JSON.stringify(event)}\n`);
    } catch (err) {
      open = false;
      log.warn({ err }, "the control plane's event pipe is closed");
    }
  };
}
