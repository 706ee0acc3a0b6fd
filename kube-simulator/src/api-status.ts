/**
 * Kubernetes `Status` objects, the body every real API server error has.
 * The simulator throws {@link ApiStatusError} (an AppError, so logs and the
 * agent's own code see the usual codes) and the HTTP edge writes its status.
 */
import { AppError, ErrorCode } from "@smart-orchestrator/shared";

/** One cause inside a Status, e.g. a field that failed validation or an apply conflict. */
export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

/** The `details` block of a Status: which object the error is about. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  /** The resource (plural) for NotFound/AlreadyExists/Conflict, the kind for Invalid, as the real API. */
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** A `v1` `Status` object as the API server sends it. */
export interface ApiStatus {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Failure" | "Success";
  readonly message: string;
  readonly reason: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** The reasons the simulator uses, with their HTTP status and our error code. */
export const statusReasons = {
  BadRequest: [400, ErrorCode.InvalidArgument],
  Forbidden: [403, ErrorCode.PermissionDenied],
  NotFound: [404, ErrorCode.NotFound],
  MethodNotAllowed: [405, ErrorCode.Unsupported],
  NotAcceptable: [406, ErrorCode.Unsupported],
  AlreadyExists: [409, ErrorCode.AlreadyExists],
  Conflict: [409, ErrorCode.Conflict],
  Expired: [410, ErrorCode.FailedPrecondition],
  RequestEntityTooLarge: [413, ErrorCode.PayloadTooLarge],
  UnsupportedMediaType: [415, ErrorCode.Unsupported],
  Invalid: [422, ErrorCode.InvalidArgument],
  InternalError: [500, ErrorCode.Internal],
} as const;

/** One of {@link statusReasons}' keys. */
export type StatusReason = keyof typeof statusReasons;

/** An AppError that carries the exact Kubernetes Status to answer with. */
export class ApiStatusError extends AppError {
  readonly status: ApiStatus;

  constructor(reason: StatusReason, message: string, details?: StatusDetails) {
    const [code, appCode] = statusReasons[reason];
    super(appCode, message);
    this.name = "ApiStatusError";
    this.status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    };
  }
}

/** A Status for any thrown value; unknown errors become 500 InternalError. */
export function toApiStatus(err: unknown): ApiStatus {
  if (err instanceof ApiStatusError) return err.status;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiStatusError("InternalError", message).status;
}

/** The Status a successful delete of a whole collection (or some legacy deletes) returns. */
export function successStatus(details?: StatusDetails): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}
