import { z } from "zod";
import { LatestFiguresView } from "../history/history-schemas.js";
import { absentWhenNull, optionalText } from "../rest/compat-fields.js";
import { clusterStatuses } from "./cluster-doc.js";
import { KubeconfigSchema } from "./kubeconfig-schema.js";

/** DNS-1123 label: what Kubernetes accepts as a name, so a cluster name is usable everywhere. */
export const Dns1123Label = z
  .string()
  .min(1, "must not be empty")
  .max(63, "must be at most 63 characters")
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    "must be a DNS-1123 label (lowercase letters, digits, '-')",
  );

/**
 * `cloud` as the original API took it: a boolean, or the strings `"true"` and
 * `"false"` (its README documents the field as a string, and mongoose cast it).
 */
const CloudFlag = z
  .union([z.boolean(), z.enum(["true", "false"])], {
    error: 'must be a boolean, or the string "true" or "false"',
  })
  .nullish()
  .transform((v) => v === true || v === "true");

/**
 * `POST /clusters` body, as in the original enabler. `null` on an optional
 * field counts as absent.
 */
export const CreateClusterBody = z
  .strictObject({
    name: Dns1123Label,
    description: optionalText(1024),
    credentials: absentWhenNull(KubeconfigSchema),
    cloud: CloudFlag,
    // Any CNI name (Cilium, flannel, Calico, kube-router, ...), stored as
    // given: it is a label for people, nothing here acts on it.
    cni: z
      .string()
      .max(63, "must be at most 63 characters")
      .regex(/^[^\p{Cc}]*$/u, "must not contain control characters")
      .nullish()
      .transform((v) => v ?? ""),
  })
  .meta({ id: "CreateCluster" });

/** A validated create request. */
export type CreateClusterInput = z.output<typeof CreateClusterBody>;

/** A join token and the one-liner that uses it. */
export const JoinInfo = z
  .object({
    token: z.string(),
    expiresAt: z.string(),
    command: z.string().describe("run on a node of the cluster to install the agent"),
  })
  .meta({ id: "JoinInfo" });

/** `POST /clusters` response: the original `{uid}` plus the join token. */
export const CreatedCluster = z
  .object({ uid: z.string(), join: JoinInfo.optional() })
  .meta({ id: "CreatedCluster" });

/** A cluster as GETs show it; never credentials or token hashes. */
export const ClusterView = z
  .object({
    uid: z.string(),
    _id: z.string().describe("same as uid, for clients of the original API"),
    name: z.string(),
    description: z.string(),
    cloud: z.boolean(),
    cni: z.string(),
    status: z.enum(clusterStatuses),
    statusReason: z.string().optional(),
    mode: z
      .enum(["agent", "credentials"])
      .describe("joined by an agent, or served from stored credentials"),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastSeenAt: z.string().optional(),
    lastReportAt: z.string().optional(),
    latest: LatestFiguresView.optional().describe(
      "free CPU/memory and receive traffic from the newest report; absent before one",
    ),
    host: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        "the machine the agent runs on (host mode) or the agent's own health (in a pod): CPU, memory, filesystems, interfaces, temperature",
      ),
    agentVersion: z.string().optional(),
    kubernetesVersion: z.string().optional(),
    distribution: z.string().optional(),
    architectures: z.array(z.string()).optional(),
    joinTokenExpiresAt: z.string().optional(),
  })
  .meta({ id: "Cluster" });

/** A cluster as GETs show it. */
export type ClusterView = z.output<typeof ClusterView>;

/**
 * The `Force` header, read without regard to case (`True`, `true`, `1`, as
 * clients of the original API send it). The output is lowercased.
 */
export const ForceHeader = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(
    z.enum(["true", "false", "1", "0", "yes", "no"], {
      error: 'must be "true" or "false" (any case), "1" or "0"',
    }),
  )
  .optional();

/** Whether a parsed {@link ForceHeader} value asks for force. */
export function isForced(value: z.output<typeof ForceHeader>): boolean {
  return value === "true" || value === "1" || value === "yes";
}
