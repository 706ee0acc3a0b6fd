/**
 * The columns `kubectl get` shows per kind, as the real API server's printers
 * (pkg/printers/internalversion) define them: the same names, types, wide
 * (priority 1) columns and cell texts. Kinds without a printer here get NAME
 * and AGE, as custom resources without printer columns do.
 */
import { arrayAt, isObject, type JsonObject, type KubeObject, objectAt } from "./kube-object.js";

/** One column, as in a meta.k8s.io Table. */
export interface ColumnDefinition {
  readonly name: string;
  readonly type: "string" | "integer" | "number" | "boolean" | "date";
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

/** A column and how to fill its cell from an object at time `now`. */
export interface Column {
  readonly def: ColumnDefinition;
  readonly cell: (obj: KubeObject, now: number) => string | number;
}

const col = (
  name: string,
  cell: Column["cell"],
  opts: {
    type?: ColumnDefinition["type"];
    wide?: boolean;
    format?: string;
    description?: string;
  } = {},
): Column => ({
  def: {
    name,
    type: opts.type ?? "string",
    format: opts.format ?? "",
    description: opts.description ?? name,
    priority: opts.wide ? 1 : 0,
  },
  cell,
});

/** Go's duration.HumanDuration, which kubectl and the API server print ages with. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return "0s";
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  const d = Math.floor(h / 24);
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (y < 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

const spec = (o: KubeObject): JsonObject => objectAt(o, "spec");
const status = (o: KubeObject): JsonObject => objectAt(o, "status");
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const str = (v: unknown, none = "<none>"): string => (typeof v === "string" && v !== "" ? v : none);
const name = col("Name", (o) => o.metadata.name ?? "", {
  format: "name",
  description: "Name must be unique within a namespace.",
});
const age = col(
  "Age",
  (o, now) => {
    const created = Date.parse(o.metadata.creationTimestamp ?? "");
    return Number.isNaN(created) ? "<unknown>" : humanDuration(now - created);
  },
  {
    description:
      "CreationTimestamp is a timestamp representing the server time when this object was created.",
  },
);

function templateContainers(o: KubeObject): JsonObject[] {
  const tpl = objectAt(spec(o), "template");
  return arrayAt(objectAt(tpl, "spec"), "containers").filter(isObject);
}
const containers = col(
  "Containers",
  (o) =>
    templateContainers(o)
      .map((c) => str(c.name, ""))
      .join(","),
  { wide: true },
);
const images = col(
  "Images",
  (o) =>
    templateContainers(o)
      .map((c) => str(c.image, ""))
      .join(","),
  { wide: true },
);
const selector = col(
  "Selector",
  (o) => {
    const sel = objectAt(spec(o), "selector");
    const labels = isObject(sel.matchLabels) ? sel.matchLabels : sel;
    const parts = Object.entries(labels)
      .filter(([, v]) => typeof v === "string")
      .map(([k, v]) => `${k}=${v}`);
    return parts.length ? parts.join(",") : "<none>";
  },
  { wide: true },
);

function condition(o: KubeObject, type: string): JsonObject | undefined {
  return arrayAt(status(o), "conditions")
    .filter(isObject)
    .find((c) => c.type === type);
}

function nodeStatus(o: KubeObject): string {
  const ready = condition(o, "Ready");
  const parts = [ready?.status === "True" ? "Ready" : ready ? "NotReady" : "Unknown"];
  if (spec(o).unschedulable === true) parts.push("SchedulingDisabled");
  return parts.join(",");
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice("node-role.kubernetes.io/".length))
    .filter(Boolean)
    .sort();
  return roles.length ? roles.join(",") : "<none>";
}

function address(o: KubeObject, type: string): string {
  const a = arrayAt(status(o), "addresses")
    .filter(isObject)
    .find((x) => x.type === type);
  return str(a?.address);
}

/** Pod STATUS as kubectl prints it: a waiting/terminated reason wins over the phase. */
export function podStatus(o: KubeObject): string {
  if (o.metadata.deletionTimestamp) return "Terminating";
  const st = status(o);
  let reason = str(st.reason, "") || str(st.phase, "Unknown");
  for (const cs of arrayAt(st, "containerStatuses").filter(isObject)) {
    const state = objectAt(cs, "state");
    const waiting = objectAt(state, "waiting");
    const terminated = objectAt(state, "terminated");
    if (typeof waiting.reason === "string" && waiting.reason) reason = waiting.reason;
    else if (typeof terminated.reason === "string" && terminated.reason) reason = terminated.reason;
  }
  return reason;
}

function podReady(o: KubeObject): string {
  const total = arrayAt(spec(o), "containers").length;
  const ready = arrayAt(status(o), "containerStatuses").filter(
    (c) => isObject(c) && c.ready === true,
  ).length;
  return `${ready}/${total}`;
}

function podRestarts(o: KubeObject): string {
  return String(
    arrayAt(status(o), "containerStatuses")
      .filter(isObject)
      .reduce((n, c) => n + num(c.restartCount), 0),
  );
}

function servicePorts(o: KubeObject): string {
  const ports = arrayAt(spec(o), "ports").filter(isObject);
  if (!ports.length) return "<none>";
  return ports
    .map(
      (p) => `${num(p.port)}${p.nodePort ? `:${num(p.nodePort)}` : ""}/${str(p.protocol, "TCP")}`,
    )
    .join(",");
}

function externalIp(o: KubeObject): string {
  const s = spec(o);
  const type = str(s.type, "ClusterIP");
  const ingress = arrayAt(objectAt(status(o), "loadBalancer"), "ingress").filter(isObject);
  if (type === "LoadBalancer")
    return ingress.length
      ? ingress.map((i) => str(i.ip, "") || str(i.hostname, "")).join(",")
      : "<pending>";
  if (type === "ExternalName") return str(s.externalName);
  const ext = arrayAt(s, "externalIPs").filter((x) => typeof x === "string");
  return ext.length ? ext.join(",") : "<none>";
}

function jobStatus(o: KubeObject): string {
  if (condition(o, "Complete")?.status === "True") return "Complete";
  if (condition(o, "Failed")?.status === "True") return "Failed";
  if (condition(o, "Suspended")?.status === "True") return "Suspended";
  return "Running";
}

function jobDuration(o: KubeObject, now: number): string {
  const st = status(o);
  const start = Date.parse(str(st.startTime, ""));
  if (Number.isNaN(start)) return "";
  const end = Date.parse(str(st.completionTime, ""));
  return humanDuration((Number.isNaN(end) ? now : end) - start);
}

const modeShort: Record<string, string> = {
  ReadWriteOnce: "RWO",
  ReadOnlyMany: "ROX",
  ReadWriteMany: "RWX",
  ReadWriteOncePod: "RWOP",
};
const accessModes = (from: JsonObject): string =>
  arrayAt(from, "accessModes")
    .map((m) => modeShort[String(m)] ?? String(m))
    .join(",");

const printers: Record<string, readonly Column[]> = {
  Node: [
    name,
    col("Status", nodeStatus, { description: "The status of the node" }),
    col("Roles", nodeRoles, { description: "The roles of the node" }),
    age,
    col("Version", (o) => str(objectAt(status(o), "nodeInfo").kubeletVersion, ""), {
      description: "Kubelet Version reported by the node.",
    }),
    col("Internal-IP", (o) => address(o, "InternalIP"), { wide: true }),
    col("External-IP", (o) => address(o, "ExternalIP"), { wide: true }),
    col("OS-Image", (o) => str(objectAt(status(o), "nodeInfo").osImage, "<unknown>"), {
      wide: true,
    }),
    col("Kernel-Version", (o) => str(objectAt(status(o), "nodeInfo").kernelVersion, "<unknown>"), {
      wide: true,
    }),
    col(
      "Container-Runtime",
      (o) => str(objectAt(status(o), "nodeInfo").containerRuntimeVersion, "<unknown>"),
      { wide: true },
    ),
  ],
  Pod: [
    name,
    col("Ready", podReady, {
      description: "The aggregate readiness state of this pod for accepting traffic.",
    }),
    col("Status", podStatus, {
      description: "The aggregate status of the containers in this pod.",
    }),
    col("Restarts", podRestarts, {
      description:
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    }),
    age,
    col("IP", (o) => str(status(o).podIP), { wide: true }),
    col("Node", (o) => str(spec(o).nodeName), { wide: true }),
    col("Nominated Node", (o) => str(status(o).nominatedNodeName), { wide: true }),
    col("Readiness Gates", (o) => (arrayAt(spec(o), "readinessGates").length ? "" : "<none>"), {
      wide: true,
    }),
  ],
  Namespace: [name, col("Status", (o) => str(status(o).phase, "Active")), age],
  ConfigMap: [
    name,
    col(
      "Data",
      (o) =>
        Object.keys(objectAt(o, "data")).length + Object.keys(objectAt(o, "binaryData")).length,
      { type: "integer" },
    ),
    age,
  ],
  Secret: [
    name,
    col("Type", (o) => str(o.type, "Opaque")),
    col("Data", (o) => Object.keys(objectAt(o, "data")).length, { type: "integer" }),
    age,
  ],
  ServiceAccount: [
    name,
    col("Secrets", (o) => arrayAt(o, "secrets").length, { type: "integer" }),
    age,
  ],
  // The real server prints CRDs with the default table: name and creation time.
  CustomResourceDefinition: [
    name,
    col("Created At", (o) => str(o.metadata.creationTimestamp, "<unknown>"), {
      type: "date",
      description:
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
    }),
  ],
  Endpoints: [
    name,
    col(
      "Endpoints",
      (o) => {
        const shown: string[] = [];
        for (const subset of arrayAt(o, "subsets").filter(isObject))
          for (const port of arrayAt(subset, "ports").filter(isObject))
            for (const a of arrayAt(subset, "addresses").filter(isObject))
              shown.push(`${String(a.ip)}:${String(port.port)}`);
        return firstThree(shown, "<none>");
      },
      { description: "Endpoints of the service" },
    ),
    age,
  ],
  EndpointSlice: [
    name,
    col("AddressType", (o) => str(o.addressType)),
    col("Ports", (o) => {
      const ports = arrayAt(o, "ports")
        .filter(isObject)
        .map((p) => String(p.port));
      return ports.length ? ports.join(",") : "<unset>";
    }),
    col("Endpoints", (o) =>
      firstThree(
        arrayAt(o, "endpoints")
          .filter(isObject)
          .flatMap((e) => arrayAt(e, "addresses").map(String)),
        "<unset>",
      ),
    ),
    age,
  ],
  Service: [
    name,
    col("Type", (o) => str(spec(o).type, "ClusterIP")),
    col("Cluster-IP", (o) => str(spec(o).clusterIP)),
    col("External-IP", externalIp),
    col("Port(s)", servicePorts),
    age,
    selector,
  ],
  Deployment: [
    name,
    col("Ready", (o) => `${num(status(o).readyReplicas)}/${num(spec(o).replicas ?? 1)}`),
    col("Up-to-date", (o) => num(status(o).updatedReplicas), { type: "integer" }),
    col("Available", (o) => num(status(o).availableReplicas), { type: "integer" }),
    age,
    containers,
    images,
    selector,
  ],
  StatefulSet: [
    name,
    col("Ready", (o) => `${num(status(o).readyReplicas)}/${num(spec(o).replicas ?? 1)}`),
    age,
    containers,
    images,
  ],
  DaemonSet: [
    name,
    col("Desired", (o) => num(status(o).desiredNumberScheduled), { type: "integer" }),
    col("Current", (o) => num(status(o).currentNumberScheduled), { type: "integer" }),
    col("Ready", (o) => num(status(o).numberReady), { type: "integer" }),
    col("Up-to-date", (o) => num(status(o).updatedNumberScheduled), { type: "integer" }),
    col("Available", (o) => num(status(o).numberAvailable), { type: "integer" }),
    col("Node Selector", (o) => {
      const ns = objectAt(objectAt(objectAt(spec(o), "template"), "spec"), "nodeSelector");
      const parts = Object.entries(ns).map(([k, v]) => `${k}=${String(v)}`);
      return parts.length ? parts.join(",") : "<none>";
    }),
    age,
    containers,
    images,
    selector,
  ],
  Job: [
    name,
    col("Status", jobStatus),
    col("Completions", (o) => `${num(status(o).succeeded)}/${num(spec(o).completions ?? 1)}`),
    col("Duration", jobDuration),
    age,
    containers,
    images,
    selector,
  ],
  PersistentVolumeClaim: [
    name,
    col("Status", (o) => str(status(o).phase, "Pending")),
    col("Volume", (o) => str(spec(o).volumeName, "")),
    col("Capacity", (o) => str(objectAt(status(o), "capacity").storage, "")),
    col("Access Modes", (o) => accessModes(status(o))),
    col("StorageClass", (o) => str(spec(o).storageClassName, "<unset>")),
    col("VolumeAttributesClass", (o) => str(spec(o).volumeAttributesClassName, "<unset>")),
    age,
    col("VolumeMode", (o) => str(spec(o).volumeMode, "Filesystem"), { wide: true }),
  ],
  StorageClass: [
    col(
      "Name",
      (o) =>
        o.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true"
          ? `${o.metadata.name} (default)`
          : (o.metadata.name ?? ""),
      { format: "name" },
    ),
    col("Provisioner", (o) => str(o.provisioner, "")),
    col("ReclaimPolicy", (o) => str(o.reclaimPolicy, "Delete")),
    col("VolumeBindingMode", (o) => str(o.volumeBindingMode, "Immediate")),
    col("AllowVolumeExpansion", (o) => (o.allowVolumeExpansion === true ? "true" : "false")),
    age,
  ],
  PersistentVolume: [
    name,
    col("Capacity", (o) => str(objectAt(spec(o), "capacity").storage, "")),
    col("Access Modes", (o) => accessModes(spec(o))),
    col("Reclaim Policy", (o) => str(spec(o).persistentVolumeReclaimPolicy, "Delete")),
    col("Status", (o) => str(status(o).phase, "Pending")),
    col("Claim", (o) => {
      const ref = objectAt(spec(o), "claimRef");
      return ref.name ? `${str(ref.namespace, "")}/${str(ref.name, "")}` : "";
    }),
    col("StorageClass", (o) => str(spec(o).storageClassName, "")),
    col("VolumeAttributesClass", (o) => str(spec(o).volumeAttributesClassName, "<unset>")),
    col("Reason", (o) => str(status(o).reason, "")),
    age,
    col("VolumeMode", (o) => str(spec(o).volumeMode, "Filesystem"), { wide: true }),
  ],
};

const defaultColumns: readonly Column[] = [name, age];

/** How the endpoint printers shorten a list: three, then ` + N more...`. */
function firstThree(items: readonly string[], none: string): string {
  if (items.length === 0) return none;
  const more = items.length > 3 ? ` + ${items.length - 3} more...` : "";
  return items.slice(0, 3).join(",") + more;
}

/** The columns for a kind (NAME and AGE when it has no printer). */
export function columnsFor(kind: string): readonly Column[] {
  return printers[kind] ?? defaultColumns;
}

/** Adds a printer for a kind (new kinds register theirs beside their definition). */
export function registerPrinter(kind: string, columns: readonly Column[]): void {
  printers[kind] = columns;
}

export { age as ageColumn, col as column, name as nameColumn };
