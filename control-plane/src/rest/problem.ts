import { AppError, ErrorCode, type FieldError } from "@smart-orchestrator/shared";

const statusByCode: Record<ErrorCode, number> = {
  [ErrorCode.InvalidArgument]: 400,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.PermissionDenied]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.AlreadyExists]: 409,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.FailedPrecondition]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.Unsupported]: 415,
  [ErrorCode.Internal]: 500,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.DeadlineExceeded]: 504,
};

const titleByCode: Record<ErrorCode, string> = {
  [ErrorCode.InvalidArgument]: "Invalid request",
  [ErrorCode.Unauthenticated]: "Authentication required",
  [ErrorCode.PermissionDenied]: "Permission denied",
  [ErrorCode.NotFound]: "Not found",
  [ErrorCode.AlreadyExists]: "Already exists",
  [ErrorCode.Conflict]: "Conflict",
  [ErrorCode.FailedPrecondition]: "Precondition failed",
  [ErrorCode.PayloadTooLarge]: "Payload too large",
  [ErrorCode.Unsupported]: "Unsupported media type",
  [ErrorCode.Internal]: "Internal error",
  [ErrorCode.Unavailable]: "Unavailable",
  [ErrorCode.DeadlineExceeded]: "Timed out",
};

/**
 * An RFC 9457 problem document that also keeps the original enabler's
 * `{code, message}` fields, so old clients and new ones both find what they read.
 */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** The HTTP status again, as the original API's `code`. */
  readonly code: number;
  /** The detail again, as the original API's `message`. */
  readonly message: string;
  readonly errors?: readonly FieldError[];
  readonly instance?: string;
  readonly requestId?: string;
}

/** The problem `type` URI for an error code, e.g. `urn:smart-orchestrator:problem:not-found`. */
export function problemType(code: ErrorCode): string {
  return `urn:smart-orchestrator:problem:${code.replaceAll("_", "-")}`;
}

/** Turns any error into a problem document. Internal errors hide their detail. */
export function toProblem(
  err: unknown,
  context: { path?: string; requestId?: string } = {},
): Problem {
  const e = AppError.from(err);
  const status = statusByCode[e.code];
  const detail = e.code === ErrorCode.Internal ? "internal error; see the server log" : e.message;
  return {
    type: problemType(e.code),
    title: titleByCode[e.code],
    status,
    detail,
    code: status,
    message: detail,
    ...(e.fields.length ? { errors: e.fields } : {}),
    ...(context.path ? { instance: context.path } : {}),
    ...(context.requestId ? { requestId: context.requestId } : {}),
  };
}

/**
 * The problem for a method a path does not take (405) or the server does not
 * implement at all (501). A client error either way: logged as a request,
 * never as a failure.
 */
export function methodProblem(
  status: number,
  method: string,
  allow: string,
  context: { path?: string; requestId?: string } = {},
): Problem {
  const notImplemented = status === 501;
  const detail = notImplemented
    ? `method ${method} is not implemented by this server`
    : `method ${method} is not allowed on this path${allow ? `; allowed: ${allow}` : ""}`;
  return {
    type: `urn:smart-orchestrator:problem:${notImplemented ? "not-implemented" : "method-not-allowed"}`,
    title: notImplemented ? "Not implemented" : "Method not allowed",
    status,
    detail,
    code: status,
    message: detail,
    ...(context.path ? { instance: context.path } : {}),
    ...(context.requestId ? { requestId: context.requestId } : {}),
  };
}
