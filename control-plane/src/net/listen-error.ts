import { AppError, ErrorCode } from "@smart-orchestrator/shared";

/**
 * A listener could not bind its port. Its message is one line naming the
 * setting to change; `main.ts` prints it alone and exits with status 2, as
 * for an invalid setting, instead of a stack trace.
 */
export class ListenError extends AppError {
  constructor(message: string, cause: unknown) {
    super(ErrorCode.FailedPrecondition, message, { cause });
    this.name = "ListenError";
  }
}

const reasons: Record<string, string> = {
  EADDRINUSE: "is already in use",
  EACCES: "needs privileges this process does not have",
  EADDRNOTAVAIL: "is not an address of this machine",
};

/**
 * Turns a bind failure into a {@link ListenError} naming `setting` (e.g.
 * `SO_PORT (--port)`); any other error passes through unchanged.
 */
export function explainListenError(
  err: unknown,
  where: { setting: string; host: string; port: number },
): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const reason = typeof code === "string" ? reasons[code] : undefined;
  if (!reason) return err;
  return new ListenError(
    `${where.setting}: ${where.host}:${where.port} ${reason} (${code}); choose another port with ${where.setting}`,
    err,
  );
}
