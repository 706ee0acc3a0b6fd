import {
  AppError,
  ErrorCode,
  type InlineKubeconfig,
  toInlineKubeconfig,
} from "@smart-orchestrator/shared";

/**
 * What the control plane hands a managed agent (one it runs for a cluster
 * registered with credentials) on stdin, so the kubeconfig and credential
 * never appear on a command line or in the environment.
 */
export interface ManagedBootstrap {
  readonly clusterId: string;
  readonly credential: string;
  /**
   * The kubeconfig, checked again here to be inline data only: a document
   * stored before the control plane checked it must not run anything either.
   */
  readonly kubeconfig: InlineKubeconfig;
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
  let doc: Partial<Record<keyof ManagedBootstrap | "allowHttp", unknown>>;
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw new AppError(ErrorCode.InvalidArgument, "bootstrap input is not JSON", { cause: err });
  }
  if (typeof doc.clusterId !== "string" || typeof doc.credential !== "string") {
    throw new AppError(ErrorCode.InvalidArgument, "bootstrap input needs clusterId and credential");
  }
  if (typeof doc.kubeconfig !== "object" || doc.kubeconfig === null) {
    throw new AppError(ErrorCode.InvalidArgument, "bootstrap input needs a kubeconfig object");
  }
  let kubeconfig: InlineKubeconfig;
  try {
    kubeconfig = toInlineKubeconfig(doc.kubeconfig, { allowHttp: doc.allowHttp === true });
  } catch (err) {
    throw new AppError(ErrorCode.InvalidArgument, (err as Error).message, { cause: err });
  }
  return { clusterId: doc.clusterId, credential: doc.credential, kubeconfig };
}
