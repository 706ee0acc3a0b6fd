/**
 * The closed set of error codes used across the control plane and the agent.
 * Only the edges (koa, grpc) map these to HTTP status or gRPC status codes.
 */
export const ErrorCode = {
  InvalidArgument: "invalid_argument",
  NotFound: "not_found",
  AlreadyExists: "already_exists",
  Conflict: "conflict",
  FailedPrecondition: "failed_precondition",
  Unauthenticated: "unauthenticated",
  PermissionDenied: "permission_denied",
  PayloadTooLarge: "payload_too_large",
  Unsupported: "unsupported_media_type",
  DeadlineExceeded: "deadline_exceeded",
  Unavailable: "unavailable",
  Internal: "internal",
} as const;

/** One of {@link ErrorCode}'s values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A field that failed validation, and why. */
export interface FieldError {
  /** Dotted path into the input, e.g. `credentials.clusters.0.name`; empty for the whole input. */
  readonly field: string;
  readonly reason: string;
}

/** Options for {@link AppError}. */
export interface AppErrorOptions {
  readonly cause?: unknown;
  readonly fields?: readonly FieldError[];
}

/**
 * The one error type domain code throws. It keeps its `cause` so logs show
 * the whole chain, and `fields` for validation failures.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: readonly FieldError[];

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.fields = options.fields ?? [];
  }

  /** Wraps anything thrown into an AppError; an AppError passes through unchanged. */
  static from(err: unknown): AppError {
    if (err instanceof AppError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new AppError(ErrorCode.Internal, message, { cause: err });
  }
}

/** True when `err` is an AppError with the given code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
