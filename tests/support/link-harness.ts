import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FileCredentialStore,
  HubLink,
  type HubLinkOptions,
  type ReportSource,
} from "@smart-orchestrator/edge-agent";
import { Backoff, type NodeReport } from "@smart-orchestrator/shared";
import { testLogger } from "./hub-harness.js";

/** A one-node report, as an agent on a small arm64 cluster would send. */
export function sampleReport(nodeName = "pi-1"): NodeReport {
  return {
    observedAtMs: Date.now(),
    nodes: [
      {
        name: nodeName,
        labels: { "kubernetes.io/arch": "arm64", "kubernetes.io/hostname": nodeName },
        taints: [],
        ready: true,
        architecture: "arm64",
        kubeletVersion: "v1.31.4+k3s1",
        capacity: {
          cpuMillis: 4000,
          memoryBytes: 8 * 2 ** 30,
          pods: 110,
          ephemeralStorageBytes: 64 * 2 ** 30,
        },
        allocatable: {
          cpuMillis: 4000,
          memoryBytes: 7 * 2 ** 30,
          pods: 110,
          ephemeralStorageBytes: 60 * 2 ** 30,
        },
        requested: { cpuMillis: 250, memoryBytes: 2 ** 28, pods: 3, ephemeralStorageBytes: 0 },
      },
    ],
  };
}

/** A ReportSource that serves whatever the test sets. */
export class StaticReports implements ReportSource {
  #report: NodeReport | undefined;
  readonly #listeners = new Set<() => void>();
  constructor(report?: NodeReport) {
    this.#report = report;
  }
  latest() {
    return this.#report;
  }
  onChange(listener: () => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(report: NodeReport) {
    this.#report = report;
    for (const l of this.#listeners) l();
  }
}

/** Starts a HubLink with fast backoff and a file credential store in a temp dir. */
export function startLink(options: Partial<HubLinkOptions> & Pick<HubLinkOptions, "hub">) {
  const stateDir = mkdtempSync(join(tmpdir(), "so-agent-"));
  const states: string[] = [];
  const link = new HubLink({
    token: undefined,
    caHash: undefined,
    insecure: false,
    credentials: new FileCredentialStore(stateDir),
    hello: async () => ({
      agentVersion: "0.1.0",
      kubernetesVersion: "v1.31.4+k3s1",
      distribution: "k3s",
      cni: "flannel",
      architectures: ["arm64"],
    }),
    reports: new StaticReports(sampleReport()),
    log: testLogger("agent"),
    backoff: new Backoff({ initialMs: 50, maxMs: 300 }),
    // Until Welcome tells the hub's; past the stalls of a busy machine (TLS join included).
    readDeadlineMs: 10_000,
    onState: (s) => states.push(s),
    ...options,
  });
  const done = link.run();
  return {
    link,
    stateDir,
    states,
    async stop() {
      link.stop();
      await done;
    },
  };
}
