// What the footprint benchmark runs: baselines (a Node process that only
// imports something) and agent runs (a launcher and V8 flags; the Kubernetes
// API simulator always runs in its own `kube-simulator` process).
import { join } from "node:path";

/** The repository root. */
export const root = join(import.meta.dirname, "..", "..");
/** The bundle `npm run build:agent` makes. */
export const bundle = join(root, "edge-agent", "dist", "edge-agent.mjs");
/** The launcher we ship: the bundle with the chosen V8 flags. */
export const launcher = join(root, "edge-agent", "bin", "edge-agent");

/**
 * The Node binary every run uses: FOOTPRINT_NODE (e.g. a binary from
 * `npm run runtimes`, .tools/node/x64-22/…/bin/node), else this one. The
 * launcher gets it as EDGE_AGENT_NODE.
 */
export const node = process.env.FOOTPRINT_NODE ?? process.execPath;
const tsxAgent = ["--import", "tsx", join(root, "edge-agent", "src", "main.ts")];

/** A process that loads something and then idles; no hub, no cluster. */
export interface Baseline {
  readonly label: string;
  readonly argv: readonly string[];
}

/** One agent configuration to measure. */
export interface AgentRun {
  readonly label: string;
  /** Program and arguments before the agent's own flags. */
  readonly argv: readonly string[];
  /** Part of the default set; the rest run with FOOTPRINT_RUNS=all. */
  readonly headline: boolean;
}

const idle = "setInterval(() => {}, 1 << 30);";
const importing = (spec: string) =>
  `await import(${JSON.stringify(spec)}); ${idle} process.stdout.write("ready\\n");`;

/** Reference points: what Node, tsx and @kubernetes/client-node cost on their own. */
export const baselines: readonly Baseline[] = [
  { label: "bare node (idle)", argv: [node, "-e", `${idle} process.stdout.write("ready\\n");`] },
  {
    label: "node --import tsx (idle, nothing imported)",
    argv: [node, "--import", "tsx", "--input-type=module", "-e", importing("node:os")],
  },
  {
    label: "node + import @kubernetes/client-node",
    argv: [node, "--input-type=module", "-e", importing("@kubernetes/client-node")],
  },
  {
    label: "node --lite-mode + import @kubernetes/client-node",
    argv: [node, "--lite-mode", "--input-type=module", "-e", importing("@kubernetes/client-node")],
  },
];

const bundled = (flags: string[], headline = false): AgentRun => ({
  label: `bundle, ${flags.length ? flags.join(" ") : "default flags"}`,
  argv: [node, ...flags, bundle],
  headline,
});

/** Every agent run; the headline ones first. */
export const agentRuns: readonly AgentRun[] = [
  {
    label: "tsx (npm run agent), default flags",
    argv: [node, ...tsxAgent],
    headline: true,
  },
  bundled([], true),
  {
    label: "shipped: edge-agent/bin/edge-agent (bundle + V8 flags)",
    argv: [launcher],
    headline: true,
  },
  {
    label: "tsx, --lite-mode",
    argv: [node, "--lite-mode", ...tsxAgent],
    headline: false,
  },
  bundled(["--lite-mode"]),
  bundled(["--max-semi-space-size=1"]),
  bundled(["--optimize-for-size"]),
  bundled(["--max-old-space-size=48"]),
  bundled(["--jitless"]),
  bundled(["--lite-mode", "--max-semi-space-size=1"]),
  bundled(["--lite-mode", "--max-semi-space-size=1", "--optimize-for-size"]),
  // Flags that keep WebAssembly (Node 22+ needs it: undici's HTTP parser).
  bundled(["--no-opt", "--no-maglev"]),
  bundled(["--single-threaded"]),
  bundled(["--max-semi-space-size=1", "--optimize-for-size"]),
  bundled(["--max-semi-space-size=1", "--single-threaded"]),
  // Node 24's young generation grows larger than Node 22's: capping it is the candidate fix.
  bundled(["--no-opt", "--no-maglev", "--max-semi-space-size=1"]),
  bundled(["--no-opt", "--no-maglev", "--max-semi-space-size=2"]),
  bundled(["--no-opt", "--no-maglev", "--max-semi-space-size=1", "--max-old-space-size=128"]),
  bundled(["--no-opt", "--no-maglev", "--max-semi-space-size=1", "--optimize-for-size"]),
  bundled(["--no-opt", "--no-maglev", "--max-semi-space-size=1", "--single-threaded-gc"]),
];
