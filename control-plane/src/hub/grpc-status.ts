import { status } from "@grpc/grpc-js";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";

const byCode: Record<ErrorCode, status> = {
  [ErrorCode.InvalidArgument]: status.INVALID_ARGUMENT,
  [ErrorCode.NotFound]: status.NOT_FOUND,
  [ErrorCode.AlreadyExists]: status.ALREADY_EXISTS,
  [ErrorCode.Conflict]: status.ABORTED,
  [ErrorCode.FailedPrecondition]: status.FAILED_PRECONDITION,
  [ErrorCode.Unauthenticated]: status.UNAUTHENTICATED,
  [ErrorCode.PermissionDenied]: status.PERMISSION_DENIED,
  [ErrorCode.PayloadTooLarge]: status.RESOURCE_EXHAUSTED,
  [ErrorCode.Unsupported]: status.UNIMPLEMENTED,
  [ErrorCode.DeadlineExceeded]: status.DEADLINE_EXCEEDED,
  [ErrorCode.Unavailable]: status.UNAVAILABLE,
  [ErrorCode.Internal]: status.INTERNAL,
};

/** The gRPC status object a server stream ends with for an error. */
export function toGrpcError(err: unknown): { code: status; details: string } {
  const e = AppError.from(err);
  return {
    code: byCode[e.code],
    details: e.code === ErrorCode.Internal ? "internal error; see the hub log" : e.message,
  };
}
