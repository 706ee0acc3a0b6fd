/**
 * The Kubernetes API simulator: a small in-process API server over HTTP for
 * tests, benchmarks and `edge-agent --simulate`. See simulator.ts for the
 * routes and README.md in this folder for what it does and does not do.
 */
export type { ApiStatus, StatusCause, StatusDetails } from "./api-status.js";
export { ApiStatusError } from "./api-status.js";
export type { ClusterSpec, ClusterSpecInput, Distribution, Taint } from "./cluster-spec.js";
export {
  defaultVersion,
  loadClusterSpec,
  parseClusterSpec,
  resolveClusterSpec,
} from "./cluster-spec.js";
export type { KubeObject } from "./kube-object.js";
export { simulatorKubeConfig, simulatorKubeConfigObject } from "./kubeconfig.js";
export type { AddNodeOptions, SimulatorHandle, SimulatorOptions } from "./simulator.js";
export { startSimulator } from "./simulator.js";
