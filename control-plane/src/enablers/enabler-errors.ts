import { AppError, ErrorCode } from "@smart-orchestrator/shared";

/** A 400 naming one request field and why it was refused. */
export function fieldError(field: string, reason: string): AppError {
  return new AppError(ErrorCode.InvalidArgument, `${field}: ${reason}`, {
    fields: [{ field, reason }],
  });
}

/**
 * The 409 for a second enabler with the same name in one cluster and
 * namespace. Raised both by the early check and by the store's unique
 * release key (a race between two creates), so both answer alike.
 */
export function nameTaken(name: string, namespace: string, cause?: unknown): AppError {
  return new AppError(
    ErrorCode.AlreadyExists,
    `an enabler named "${name}" already exists in namespace ${namespace} of this cluster`,
    {
      fields: [{ field: "name", reason: "already in use in this cluster and namespace" }],
      cause,
    },
  );
}

/** The 404 for an enabler id that is not (or no longer) stored. */
export function enablerNotFound(id: string): AppError {
  return new AppError(ErrorCode.NotFound, `enabler ${id} not found`);
}
