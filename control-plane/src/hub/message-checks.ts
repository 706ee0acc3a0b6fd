import {
  AppError,
  type CommandProgress,
  type CommandResult,
  ErrorCode,
  FailureKind,
  type FieldError,
  type Hello,
  type NodeReport,
  type ObjectStatus,
  type ReleaseStatus,
} from "@smart-orchestrator/shared";

/** Limits on what one agent may send; generous for real clusters, tight enough to stop abuse. */
export const agentMessageLimits = {
  maxNodes: 5000,
  maxLabels: 256,
  maxTaints: 64,
  maxArchitectures: 8,
  /** Per-object statuses in one CommandResult (Apply refuses more objects than this). */
  maxResultObjects: 10_000,
  /** Per-object statuses in one CommandProgress (only the ones not ready are sent). */
  maxProgressObjects: 1_000,
  maxCommandIdLength: 128,
  maxResultMessageLength: 4096,
  maxObjectMessageLength: 1024,
  /** Releases in one ReleaseStatus, and repaired objects named per release. */
  maxReleases: 10_000,
  maxLastRepaired: 100,
} as const;

const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const token = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const distributions = new Set(["k3s", "kubeadm", "other", ""]);
const effects = new Set(["NoSchedule", "PreferNoSchedule", "NoExecute"]);

class Checker {
  readonly errors: FieldError[] = [];
  check(ok: boolean, field: string, reason: string): void {
    if (!ok && this.errors.length < 20) this.errors.push({ field, reason });
  }
  maxLen(value: string, max: number, field: string): void {
    this.check(value.length <= max, field, `longer than ${max} characters`);
  }
  done(what: string): void {
    const first = this.errors[0];
    if (first) {
      throw new AppError(
        ErrorCode.InvalidArgument,
        `invalid ${what}: ${first.field}: ${first.reason}`,
        {
          fields: this.errors,
        },
      );
    }
  }
}

/** Validates a Hello; throws `invalid_argument` naming the field. */
export function checkHello(hello: Hello): void {
  const c = new Checker();
  c.check(hello.agentVersion.length > 0, "hello.agent_version", "required");
  c.maxLen(hello.agentVersion, 64, "hello.agent_version");
  c.maxLen(hello.kubernetesVersion, 64, "hello.kubernetes_version");
  c.check(
    distributions.has(hello.distribution),
    "hello.distribution",
    "must be k3s, kubeadm or other",
  );
  c.maxLen(hello.cni, 63, "hello.cni");
  c.check(
    hello.architectures.length <= agentMessageLimits.maxArchitectures,
    "hello.architectures",
    "too many",
  );
  hello.architectures.forEach((a, i) => {
    c.check(
      token.test(a) && a.length <= 32,
      `hello.architectures[${i}]`,
      "not an architecture name",
    );
  });
  c.done("Hello");
}

/** Validates a NodeReport; throws `invalid_argument` naming the field. */
export function checkNodeReport(report: NodeReport): void {
  const c = new Checker();
  c.check(
    report.nodes.length <= agentMessageLimits.maxNodes,
    "node_report.nodes",
    `more than ${agentMessageLimits.maxNodes} nodes`,
  );
  const seen = new Set<string>();
  report.nodes.forEach((node, i) => {
    const at = `node_report.nodes[${i}]`;
    c.check(
      dnsSubdomain.test(node.name) && node.name.length <= 253,
      `${at}.name`,
      "not a valid node name",
    );
    c.check(!seen.has(node.name), `${at}.name`, `duplicate node "${node.name}"`);
    seen.add(node.name);
    const labels = Object.entries(node.labels);
    c.check(labels.length <= agentMessageLimits.maxLabels, `${at}.labels`, "too many labels");
    for (const [k, v] of labels) {
      c.check(
        k.length > 0 && k.length <= 317 && v.length <= 63,
        `${at}.labels.${k.slice(0, 64)}`,
        "label key or value too long",
      );
    }
    c.check(node.taints.length <= agentMessageLimits.maxTaints, `${at}.taints`, "too many taints");
    node.taints.forEach((t, j) => {
      c.check(
        t.key.length > 0 && t.key.length <= 317,
        `${at}.taints[${j}].key`,
        "required, at most 317 characters",
      );
      c.check(
        effects.has(t.effect),
        `${at}.taints[${j}].effect`,
        "must be NoSchedule, PreferNoSchedule or NoExecute",
      );
    });
    c.check(
      node.architecture === "" || token.test(node.architecture),
      `${at}.architecture`,
      "not an architecture name",
    );
    c.maxLen(node.kubeletVersion, 64, `${at}.kubelet_version`);
    c.check(node.allocatable !== undefined, `${at}.allocatable`, "required");
    const u = node.usage;
    if (u) {
      for (const [field, v] of [
        ["network_rx_bytes_per_second", u.networkRxBytesPerSecond],
        ["network_tx_bytes_per_second", u.networkTxBytesPerSecond],
      ] as const) {
        c.check(
          v === undefined || (Number.isFinite(v) && v >= 0),
          `${at}.usage.${field}`,
          "must be a finite rate >= 0",
        );
      }
      const reasons = Object.entries(u.unavailable);
      c.check(reasons.length <= 16, `${at}.usage.unavailable`, "too many entries");
      for (const [k, v] of reasons)
        c.check(
          k.length <= 64 && v.length <= 512,
          `${at}.usage.unavailable.${k.slice(0, 64)}`,
          "too long",
        );
    }
  });
  const host = report.host;
  if (host) {
    c.check(host.filesystems.length <= 64, "node_report.host.filesystems", "too many");
    c.check(host.interfaces.length <= 64, "node_report.host.interfaces", "too many");
    c.check(
      Number.isFinite(host.cpuPercent) && host.cpuPercent >= 0,
      "node_report.host.cpu_percent",
      "must be a finite number >= 0",
    );
    c.maxLen(host.hostname, 253, "node_report.host.hostname");
  }
  c.done("NodeReport");
}

const commandId = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

function checkCommandId(c: Checker, id: string, field: string): void {
  c.check(id.length > 0, field, "required");
  c.check(
    id.length <= agentMessageLimits.maxCommandIdLength && (id === "" || commandId.test(id)),
    field,
    `not a command id (at most ${agentMessageLimits.maxCommandIdLength} of [A-Za-z0-9._:/-])`,
  );
}

function checkRevision(c: Checker, n: number, field: string): void {
  c.check(Number.isSafeInteger(n) && n >= 0, field, "must be an integer >= 0");
}

// Enum fields accept values this hub does not know yet: a newer agent may send them.
function checkEnum(c: Checker, n: number, field: string): void {
  c.check(Number.isInteger(n) && n >= 0, field, "must be a known enum value");
}

function checkObjects(c: Checker, objects: readonly ObjectStatus[], max: number, at: string): void {
  c.check(objects.length <= max, at, `more than ${max} objects`);
  objects.slice(0, max).forEach((o, i) => {
    const f = `${at}[${i}]`;
    c.maxLen(o.group, 253, `${f}.group`);
    c.check(
      o.kind.length > 0 && o.kind.length <= 63,
      `${f}.kind`,
      "required, at most 63 characters",
    );
    c.maxLen(o.namespace, 63, `${f}.namespace`);
    c.check(
      o.name.length > 0 && o.name.length <= 253,
      `${f}.name`,
      "required, at most 253 characters",
    );
    checkEnum(c, o.action, `${f}.action`);
    c.maxLen(o.message, agentMessageLimits.maxObjectMessageLength, `${f}.message`);
  });
}

/** Validates a CommandResult; throws `invalid_argument` naming the field. */
export function checkCommandResult(result: CommandResult): void {
  const c = new Checker();
  checkCommandId(c, result.commandId, "command_result.command_id");
  c.maxLen(result.message, agentMessageLimits.maxResultMessageLength, "command_result.message");
  checkRevision(c, result.revision, "command_result.revision");
  checkRevision(c, result.appliedRevision, "command_result.applied_revision");
  checkEnum(c, result.failure, "command_result.failure");
  c.check(
    !result.ok || result.failure === FailureKind.FAILURE_KIND_UNSPECIFIED,
    "command_result.failure",
    "must be unspecified when ok is true",
  );
  checkObjects(c, result.objects, agentMessageLimits.maxResultObjects, "command_result.objects");
  c.done("CommandResult");
}

/** Validates a CommandProgress; throws `invalid_argument` naming the field. */
export function checkCommandProgress(progress: CommandProgress): void {
  const c = new Checker();
  checkCommandId(c, progress.commandId, "command_progress.command_id");
  checkRevision(c, progress.revision, "command_progress.revision");
  c.maxLen(progress.message, agentMessageLimits.maxObjectMessageLength, "command_progress.message");
  checkObjects(
    c,
    progress.objects,
    agentMessageLimits.maxProgressObjects,
    "command_progress.objects",
  );
  c.done("CommandProgress");
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const enablerIdPattern = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Validates a ReleaseStatus; throws `invalid_argument` naming the field. */
export function checkReleaseStatus(status: ReleaseStatus): void {
  const c = new Checker();
  const max = agentMessageLimits.maxReleases;
  c.check(status.releases.length <= max, "release_status.releases", `more than ${max} releases`);
  status.releases.slice(0, max).forEach((r, i) => {
    const f = `release_status.releases[${i}]`;
    c.check(
      dnsLabel.test(r.release) && r.release.length <= 53,
      `${f}.release`,
      "must be a DNS-1123 label of at most 53 characters",
    );
    c.check(
      enablerIdPattern.test(r.enablerId) && r.enablerId.length <= 63,
      `${f}.enabler_id`,
      "must be 1-63 characters of [A-Za-z0-9._-]",
    );
    c.check(
      dnsLabel.test(r.namespace) && r.namespace.length <= 63,
      `${f}.namespace`,
      "must be a DNS-1123 label",
    );
    c.check(
      Number.isSafeInteger(r.revision) && r.revision >= 1,
      `${f}.revision`,
      "must be an integer >= 1",
    );
    checkEnum(c, r.health, `${f}.health`);
    c.maxLen(r.message, agentMessageLimits.maxObjectMessageLength, `${f}.message`);
    c.check(
      r.lastRepaired.length <= agentMessageLimits.maxLastRepaired,
      `${f}.last_repaired`,
      `more than ${agentMessageLimits.maxLastRepaired} entries`,
    );
    r.lastRepaired.slice(0, agentMessageLimits.maxLastRepaired).forEach((what, j) => {
      c.maxLen(what, 512, `${f}.last_repaired[${j}]`);
    });
  });
  c.done("ReleaseStatus");
}
