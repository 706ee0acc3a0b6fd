import { CoreV1Api, type KubeConfig, type V1Node, VersionApi } from "@kubernetes/client-node";
import type { AgentMessage, Backoff, Logger } from "@smart-orchestrator/shared";
import { ApplyEngine } from "./apply/apply-engine.js";
import { CommandRunner } from "./apply/command-runner.js";
import { ObjectClient } from "./apply/object-client.js";
import { keptAliveClient, SharedAgents } from "./apply/shared-agent.js";
import type { AgentConfig } from "./config.js";
import type { DesiredStateStore } from "./desired-state/desired-release.js";
import { DriftRepairer, type Every } from "./desired-state/drift-repairer.js";
import { FileDesiredStore } from "./desired-state/file-desired-store.js";
import { HookRunner } from "./desired-state/hook-runner.js";
import { ReleaseKeeper } from "./desired-state/release-keeper.js";
import { buildReleaseStatus } from "./desired-state/release-status.js";
import { SecretDesiredStore } from "./desired-state/secret-desired-store.js";
import { VolumeRemover } from "./desired-state/volume-remover.js";
import { type AgentHealth, startHealthServer } from "./health/health-server.js";
import { buildHello } from "./inventory/cluster-facts.js";
import { HostSampler, type HostScope } from "./inventory/host-stats.js";
import { NodeInventory } from "./inventory/node-inventory.js";
import { UsageCollector } from "./inventory/usage-collector.js";
import { HubLink, type HubLinkOptions, type ReportSource } from "./link/hub-link.js";
import type { CredentialStore } from "./state/credential-store.js";
import { FileCredentialStore } from "./state/file-credential-store.js";
import { SecretCredentialStore } from "./state/secret-credential-store.js";

/** What an agent is built from; main.ts (or a test) makes these. */
export interface AgentDeps {
  readonly config: Readonly<AgentConfig>;
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  /** Overrides where the credential is kept (tests). */
  readonly credentials?: CredentialStore;
  /** Link tuning for tests and benchmarks. */
  readonly link?: Partial<
    Pick<HubLinkOptions, "backoff" | "channelOptions" | "readDeadlineMs" | "onState">
  > & {
    backoff?: Backoff;
  };
  /** Inventory debounce (tests shorten it). */
  readonly debounceMs?: number;
  /** Where each node's kubelet answers, when not at InternalIP:10250 (the simulator). */
  readonly kubeletUrl?: (node: V1Node) => string;
  /**
   * `host` when the agent runs on the node itself (host mode), `agent-pod` in a
   * pod, `none` when it runs away from the cluster (managed by the control plane).
   */
  readonly hostScope: HostScope | "none";
  /** How often usage and host figures are sampled (default 10 s). */
  readonly sampleEveryMs?: number;
  /** Overrides where desired states are kept (tests). */
  readonly desiredState?: DesiredStateStore;
  /**
   * Set by the managed host: the cluster this agent serves for the control
   * plane, from outside it. Its desired state is kept in the target cluster,
   * in Secrets in `config.namespace` labelled with this id, so that a restart
   * of the control plane (and of the host with it) re-applies nothing.
   */
  readonly managedClusterId?: string;
  /** The drift repair timer (tests fire it by hand). */
  readonly repairEvery?: Every;
  /** Each Kubernetes list or watch failure (the managed host reports the last one). */
  readonly onInventoryError?: (message: string) => void;
}

/** A running agent. */
export interface Agent {
  readonly link: HubLink;
  readonly inventory: NodeInventory;
  /** The releases held and their desired states. */
  readonly releases: ReleaseKeeper;
  /** Re-applies drifted release objects every interval, hub or no hub. */
  readonly repairer: DriftRepairer;
  /** What `/healthz` and `/readyz` report. */
  health(): AgentHealth;
  /** Where `/healthz` and `/readyz` are served (`host:port`), when enabled. */
  readonly healthAddress: string | undefined;
  /** Stops the link and the watches. */
  stop(): Promise<void>;
}

/**
 * Builds and starts an agent: inventory informers first (so the first report
 * is ready when the hub says Welcome), then the link's connect loop.
 */
export async function createAgent(deps: AgentDeps): Promise<Agent> {
  const { config, kubeConfig, log } = deps;
  // One set of kept-alive pools for the API client and the usage collector's raw GETs.
  const agents = new SharedAgents();
  const core = keptAliveClient(kubeConfig, CoreV1Api, agents);
  const versionApi = kubeConfig.makeApiClient(VersionApi);
  const credentials =
    deps.credentials ??
    (config.stateDir
      ? new FileCredentialStore(config.stateDir)
      : new SecretCredentialStore(core, config.namespace));
  if (config.insecure)
    log.warn("--insecure: the link to the hub is plaintext and the hub is not authenticated");

  const usage = new UsageCollector({
    kubeConfig,
    summaryAccess: config.statsSource,
    kubeletInsecureTls: config.kubeletInsecureTls,
    agents,
    ...(deps.kubeletUrl ? { kubeletUrl: deps.kubeletUrl } : {}),
  });
  const inventory = new NodeInventory({
    kubeConfig,
    core,
    log,
    debounceMs: deps.debounceMs,
    usage,
    ...(deps.hostScope === "none" ? {} : { host: new HostSampler({ scope: deps.hostScope }) }),
    sampleEveryMs: deps.sampleEveryMs,
    ...(deps.onInventoryError ? { onError: deps.onInventoryError } : {}),
  });
  await inventory.start();
  const objects = ObjectClient.forConfig(kubeConfig);
  const desiredState =
    deps.desiredState ??
    (deps.managedClusterId
      ? new SecretDesiredStore(core, config.namespace, { clusterId: deps.managedClusterId })
      : config.stateDir
        ? new FileDesiredStore(config.stateDir)
        : new SecretDesiredStore(core, config.namespace));
  const releases = new ReleaseKeeper({
    engine: new ApplyEngine({ client: objects, log: log.child({ part: "apply" }) }),
    store: desiredState,
    hooks: new HookRunner({ client: objects, log: log.child({ part: "hooks" }) }),
    volumes: new VolumeRemover(objects),
    log: log.child({ part: "releases" }),
  });
  // Before the link starts: the releases are kept right from the first interval, hub or no hub.
  if (config.deploy)
    await releases
      .load()
      .catch((err: unknown) =>
        log.error({ err }, "desired state not loaded; the repairer retries every interval"),
      );
  // The link is made below; a repair while connected is reported on it at once.
  let link: HubLink | undefined;
  const releaseStatus = (): AgentMessage => ({
    body: {
      $case: "releaseStatus",
      value: buildReleaseStatus(releases.held(), (id) => repairer.stateOf(id), Date.now()),
    },
  });
  const repairer: DriftRepairer = new DriftRepairer({
    releases,
    client: objects,
    log: log.child({ part: "repair" }),
    intervalMs: config.repairIntervalSeconds * 1000,
    ...(deps.repairEvery ? { every: deps.repairEvery } : {}),
    onChanged: () => void link?.send(releaseStatus()),
  });
  if (config.deploy) repairer.start();
  const commands = new CommandRunner({
    engine: releases,
    deployEnabled: config.deploy,
    log: log.child({ part: "commands" }),
  });
  if (!config.deploy) log.warn("--no-deploy: deploy commands from the hub will be refused");
  let reported = false;
  // The link asks for the latest report exactly when it sends one.
  const reports: ReportSource = {
    latest: () => {
      const report = inventory.latest();
      if (report) reported = true;
      return report;
    },
    onChange: (listener) => inventory.onChange(listener),
  };
  link = new HubLink({
    onCommand: (command, progress) => commands.handle(command, progress),
    // Every session starts with what the cluster holds, so the control plane can reconcile.
    greetings: async () => (config.deploy ? [releaseStatus()] : []),
    hub: config.hub,
    token: config.token,
    caHash: config.caHash,
    insecure: config.insecure,
    credentials,
    reports,
    hello: () =>
      buildHello({ core, version: versionApi }, inventory.nodeObjects(), inventory.architectures()),
    log,
    ...deps.link,
  });
  const running = link.run();
  const health = (): AgentHealth => ({
    link: link.state,
    lastError: link.lastError,
    clusterId: link.clusterId,
    reported,
  });
  const healthServer = config.healthListen
    ? await startHealthServer({ listen: config.healthListen, health, log })
    : undefined;
  log.info({ hub: config.hub, credentials: credentials.location }, "agent started");
  return {
    link,
    inventory,
    releases,
    repairer,
    health,
    healthAddress: healthServer?.address,
    async stop() {
      link.stop();
      await Promise.all([running, repairer.stop()]);
      await Promise.all([inventory.stop(), healthServer?.close()]);
      agents.close();
    },
  };
}
