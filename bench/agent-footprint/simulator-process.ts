// A Kubernetes API simulator in its own process, so that the agent measured
// by the footprint benchmark carries only its own memory. Usage:
//   node --import tsx bench/agent-footprint/simulator-process.ts '<spec>'
// Prints one JSON line {"url": "..."} once it listens; stops on SIGTERM.
import { startSimulator } from "@smart-orchestrator/edge-agent/simulator";

const sim = await startSimulator({ cluster: process.argv[2] ?? "name=bench,nodes=3" });
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
process.on("SIGTERM", () => {
  void sim.close().then(() => process.exit(0));
});
