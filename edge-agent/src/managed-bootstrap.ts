import {
  AppError,
  ErrorCode,
  type InlineKubeconfig,
  type ManagedStop,
  toInlineKubeconfig,
} from "@smart-orchestrator/shared";

/**
 * A checked `start` command from the control plane: what a managed agent
 * (one the control plane runs for a cluster registered with credentials)
 * needs, delivered on stdin so the kubeconfig and credential never appear on
 * a command line or in the environment.
 */
export interface ManagedBootstrap {
  readonly type: "start";
  readonly clusterId: string;
  readonly credential: string;
  /**
   * The kubeconfig, checked again here to be inline data only: a document
   * stored before the control plane checked it must not run anything either.
   */
  readonly kubeconfig: InlineKubeconfig;
}

/** A command line the host understands, checked. */
export type ManagedInput = ManagedBootstrap | ManagedStop;

const clusterIdPattern = /^[0-9a-f-]{36}$/;

/**
 * Parses and checks one command line from the control plane. Throws an
 * AppError naming what is wrong; for a refused kubeconfig the message names
 * every refused field (e.g. `users.0.user.exec runs a command`). The
 * cluster id is parsed first, so the caller can report a refusal against it.
 */
export function parseManagedInput(line: string): ManagedInput {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(line) as Record<string, unknown>;
  } catch (err) {
    throw new AppError(ErrorCode.InvalidArgument, "command is not JSON", { cause: err });
  }
  if (typeof doc !== "object" || doc === null)
    throw new AppError(ErrorCode.InvalidArgument, "command is not an object");
  if (typeof doc.clusterId !== "string" || !clusterIdPattern.test(doc.clusterId))
    throw new AppError(ErrorCode.InvalidArgument, "command needs a clusterId");
  const clusterId = doc.clusterId;
  if (doc.type === "stop") return { type: "stop", clusterId };
  if (doc.type !== "start")
    throw new AppError(ErrorCode.InvalidArgument, `unknown command type ${String(doc.type)}`);
  if (typeof doc.credential !== "string" || !doc.credential.startsWith(`${clusterId}.`))
    throw new AppError(ErrorCode.InvalidArgument, "start needs the cluster's credential");
  let kubeconfig: InlineKubeconfig;
  try {
    kubeconfig = toInlineKubeconfig(doc.kubeconfig, { allowHttp: doc.allowHttp === true });
  } catch (err) {
    throw new AppError(ErrorCode.InvalidArgument, (err as Error).message, { cause: err });
  }
  return { type: "start", clusterId, credential: doc.credential, kubeconfig };
}

/** The cluster id of a command line, when it can be read (for reporting a refusal). */
export function commandClusterId(line: string): string | undefined {
  try {
    const id = (JSON.parse(line) as { clusterId?: unknown }).clusterId;
    return typeof id === "string" && clusterIdPattern.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
