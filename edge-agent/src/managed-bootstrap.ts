import { AppError, ErrorCode } from "@smart-orchestrator/shared";

/**
 * What the control plane hands a managed agent (one it runs for a cluster
 * registered with credentials) on stdin, so the kubeconfig and credential
 * never appear on a command line or in the environment.
 */
export interface ManagedBootstrap {
  readonly clusterId: string;
  readonly credential: string;
  /** A kubeconfig object, as given to `POST /clusters`. */
  readonly kubeconfig: Record<string, unknown>;
}

/** Reads and checks the bootstrap document from a stream (stdin). */
export async function readManagedBootstrap(
  input: AsyncIterable<Buffer | string>,
  limit = 1024 * 1024,
): Promise<ManagedBootstrap> {
  let text = "";
  for await (const chunk of input) {
    text += chunk.toString();
    if (text.length > limit)
      throw new AppError(ErrorCode.InvalidArgument, "bootstrap input is too large");
  }
  let doc: Partial<ManagedBootstrap>;
  try {
    doc = JSON.parse(text) as Partial<ManagedBootstrap>;
  } catch (err) {
    throw new AppError(ErrorCode.InvalidArgument, "bootstrap input is not JSON", { cause: err });
  }
  if (typeof doc.clusterId !== "string" || typeof doc.credential !== "string") {
    throw new AppError(ErrorCode.InvalidArgument, "bootstrap input needs clusterId and credential");
  }
  if (typeof doc.kubeconfig !== "object" || doc.kubeconfig === null) {
    throw new AppError(ErrorCode.InvalidArgument, "bootstrap input needs a kubeconfig object");
  }
  return { clusterId: doc.clusterId, credential: doc.credential, kubeconfig: doc.kubeconfig };
}
