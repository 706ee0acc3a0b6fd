/**
 * The Kubernetes API simulator: a small API server over HTTP for tests,
 * benchmarks and the demo, in-process ({@link startSimulator}) or as the
 * `kube-simulator` command ({@link startSimulatorProcess}). See simulator.ts
 * for the routes and the package README for what it does and does not do.
 * Never imported by agent code (scripts/check-boundaries.mjs).
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
export type { SimulatorCommand } from "./command-line.js";
export { commandHelp, parseCommandLine } from "./command-line.js";
export type { KubeObject } from "./kube-object.js";
export { simulatorKubeConfig, simulatorKubeConfigObject } from "./kubeconfig.js";
export type { RealTool } from "./real-tools.js";
export { realTool } from "./real-tools.js";
export type { AddNodeOptions, SimulatorHandle, SimulatorOptions } from "./simulator.js";
export { startSimulator } from "./simulator.js";
export type { SimulatorProcess, SimulatorProcessOptions } from "./simulator-process.js";
export { startSimulatorProcess } from "./simulator-process.js";
export { spawnTied, tiedSpawnWorks } from "./tied-spawn.js";
