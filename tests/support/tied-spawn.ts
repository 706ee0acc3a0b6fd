// The test harness ties every process it starts to the test worker; the
// helper lives with the simulator, which ties its own children the same way.
export { spawnTied, tiedSpawnWorks } from "@smart-orchestrator/kube-simulator";
