import { z } from "zod";
import { PlacementDecisionView } from "../placement/placement-schemas.js";
import { enablerStatuses } from "./enabler-doc.js";
import { parseGoDuration } from "./go-duration.js";

/** Marks a field or operation as ours (not in the original API) in the OpenAPI document. */
const ours = { "x-ours": true } as const;

/** An enabler name: a DNS-1123 label of at most 53 characters (Helm's release name limit). */
export const EnablerName = z
  .string()
  .min(1, "must not be empty")
  .max(53, "must be at most 53 characters")
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    "must be a DNS-1123 label (lowercase letters, digits, '-')",
  );

/** A Go duration such as `5m0s`, the original API's timeout format. */
export const GoDuration = z
  .string()
  .refine((s) => parseGoDuration(s) !== undefined, 'must be a Go duration such as "5m0s"')
  .refine((s) => (parseGoDuration(s) ?? 0) <= 24 * 3_600_000, "must be at most 24h")
  .refine((s) => (parseGoDuration(s) ?? 0) >= 1000, "must be at least 1s");

/** Placement policies of the original scheduler. */
export const placementPolicies = ["worst-fit", "best-fit", "traffic-most"] as const;

const Policy = z.enum(placementPolicies);

const Values = z
  .record(z.string(), z.unknown())
  .describe("Helm values; merged by Helm over the chart's defaults");

const Manifests = z
  .union([
    z.string().min(1, "must not be empty"),
    z.array(z.record(z.string(), z.unknown())).min(1, "must not be empty"),
  ])
  .meta({
    ...ours,
    description:
      "Ours: Kubernetes objects, as a list or as multi-document YAML, instead of helmChart",
  });

const Namespace = z
  .string()
  .max(63, "must be at most 63 characters")
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label")
  .meta({ ...ours, description: "Ours: the namespace (created when missing)" });

/** `POST /enabler`: the original body, with our `namespace` and `manifests`. */
export const CreateEnablerBody = z
  .strictObject({
    name: EnablerName,
    helmChart: z.string().min(1).optional().describe("<repository name>/<chart>"),
    manifests: Manifests.optional(),
    values: Values.nullish(),
    cluster: z.string().min(1).max(253).optional().describe("cluster id or name"),
    version: z
      .string()
      .max(128)
      .nullish()
      .describe("exact version or semver range; the newest stable when absent"),
    timeout: GoDuration.default("5m0s").describe("how long to wait for readiness"),
    auto: z
      .boolean()
      .default(false)
      .describe("place automatically (cluster is then ignored); see placementPolicy"),
    predictive: z
      .boolean()
      .optional()
      .meta({
        ...ours,
        description:
          "Ours: with auto, place on forecast p90 usage and mean forecast traffic over SO_FORECAST_HORIZON (default SO_PREDICTIVE)",
      }),
    placementPolicy: Policy.optional(),
    placement_policy: Policy.optional(),
    PlacementPolicy: Policy.optional(),
    namespace: Namespace.default("default"),
  })
  .superRefine((b, ctx) => {
    if (b.helmChart && b.manifests) {
      ctx.addIssue({
        code: "custom",
        path: ["manifests"],
        message: "give helmChart or manifests, not both",
      });
    } else if (!b.helmChart && !b.manifests) {
      ctx.addIssue({ code: "custom", path: ["helmChart"], message: "required (or manifests)" });
    }
    if (!b.cluster && !b.auto) {
      ctx.addIssue({ code: "custom", path: ["cluster"], message: "required unless auto is true" });
    }
  })
  .meta({ id: "CreateEnabler" });

/** A validated create request. */
export type CreateEnablerInput = z.output<typeof CreateEnablerBody>;

/** `POST /enabler/upgrade/:id`: given values replace the previous ones; omitted ones are kept. */
export const UpgradeEnablerBody = z
  .strictObject({
    values: Values.nullish().describe("replaces the previous values when given; kept when omitted"),
    version: z
      .string()
      .max(128)
      .nullish()
      .describe("exact or range; the previous range when omitted"),
    timeout: GoDuration.optional(),
    manifests: Manifests.optional(),
  })
  .meta({ id: "UpgradeEnabler" });

/** A validated upgrade request. */
export type UpgradeEnablerInput = z.output<typeof UpgradeEnablerBody>;

/** `POST /enabler` answer: the original `{uid}`. */
export const CreatedEnabler = z.object({ uid: z.string() }).meta({ id: "CreatedEnabler" });

/** The original API's `{code, message}` answer. */
export const CodeMessage = z
  .object({ code: z.number().int(), message: z.string() })
  .meta({ id: "CodeMessage" });

const ObjectStatusView = z
  .object({
    group: z.string(),
    kind: z.string(),
    namespace: z.string(),
    name: z.string(),
    action: z.string().describe("created, configured, unchanged, pruned, deleted, or none"),
    ready: z.boolean(),
    message: z.string(),
  })
  .meta({ id: "EnablerObjectStatus" });

const ClusterStateView = z
  .object({
    confirmedAt: z
      .string()
      .describe("when the cluster last confirmed the release (a session start)"),
    revision: z.number().int().optional().describe("the revision it holds; absent: none"),
    health: z.enum(["healthy", "progressing", "degraded", "unknown", "absent"]),
    message: z.string(),
    repairs: z.number().int().describe("objects re-applied since the agent started"),
  })
  .meta({
    ...ours,
    id: "EnablerClusterState",
    description:
      "Ours: what the cluster's agent reported about the release at its last session start",
  });

const LastRepairView = z
  .object({
    at: z.string().describe("agent clock"),
    objects: z.array(z.string()).describe('e.g. "Deployment shop/web (recreated)"'),
  })
  .meta({ ...ours, id: "EnablerLastRepair", description: "Ours: the agent's last drift repair" });

const VolumesOutcomeView = z
  .object({
    at: z.string(),
    ok: z.boolean(),
    message: z.string(),
    deleted: z.array(z.string()),
  })
  .meta({
    ...ours,
    id: "EnablerVolumes",
    description: "Ours: the last DELETE /enabler/volumes/:id",
  });

/** An enabler in the original list shape, plus `status`. */
export const EnablerView = z
  .object({
    uid: z.string(),
    _id: z.string().describe("same as uid, for clients of the original API"),
    name: z.string(),
    helmChart: z.string().optional(),
    version: z.string().optional(),
    values: z.record(z.string(), z.unknown()),
    cluster: z.string().describe("cluster id"),
    clusterName: z.string().optional().meta(ours),
    namespace: z.string().meta(ours),
    timeout: z.string(),
    auto: z.boolean(),
    placementPolicy: z.string().optional(),
    status: z.enum(enablerStatuses),
    statusReason: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Enabler" });

/** One enabler with its revisions, objects and status moves (ours). */
export const EnablerDetailView = EnablerView.extend({
  currentRevision: z.number().int(),
  appliedRevision: z.number().int().optional(),
  operation: z
    .object({
      name: z.enum(["deploy", "upgrade", "delete", "volumes"]),
      revision: z.number().int().optional(),
      since: z.string(),
    })
    .optional()
    .describe("the operation in flight"),
  revisions: z.array(
    z.object({
      revision: z.number().int(),
      chart: z.string().optional(),
      version: z.string().optional(),
      valuesDigest: z.string(),
      objectCount: z.number().int(),
      testHooks: z
        .number()
        .int()
        .optional()
        .meta({ ...ours, description: "Helm test hooks dropped at render time (never applied)" }),
      createdAt: z.string(),
    }),
  ),
  objects: z.array(ObjectStatusView),
  progress: z
    .object({ message: z.string(), waitingFor: z.array(ObjectStatusView), at: z.string() })
    .optional()
    .describe("what the agent still waits for"),
  moves: z.array(z.object({ status: z.enum(enablerStatuses), reason: z.string(), at: z.string() })),
  placement: PlacementDecisionView.optional().describe(
    "with auto: each candidate's maxReplicas, score and rank, or why it was rejected",
  ),
  clusterState: ClusterStateView.optional(),
  lastRepair: LastRepairView.optional(),
  volumes: VolumesOutcomeView.optional(),
}).meta({ id: "EnablerDetail", ...ours });

/** `GET /enabler/:id` on an enabler deleted in the last 7 days: its tombstone (ours). */
export const DeletedEnablerView = z
  .object({
    uid: z.string(),
    _id: z.string(),
    name: z.string(),
    cluster: z.string(),
    clusterName: z.string().optional(),
    namespace: z.string(),
    status: z.literal("Deleted"),
    statusReason: z.string(),
    deletedAt: z.string(),
    expiresAt: z
      .string()
      .describe("the tombstone goes then; DELETE /enabler/volumes/:id works until"),
    deleteQueued: z
      .boolean()
      .describe("a delete of its objects still waits for the cluster (a forced delete)"),
    volumes: VolumesOutcomeView.optional(),
  })
  .meta({ id: "DeletedEnabler", ...ours });

/** The tombstone view. */
export type DeletedEnablerView = z.output<typeof DeletedEnablerView>;

/** `DELETE /enabler/volumes/:id` answer: the original `{code, message}` plus what was deleted. */
export const DeletedVolumes = CodeMessage.extend({
  deleted: z.array(z.string()).meta({
    ...ours,
    description: 'e.g. "PersistentVolumeClaim shop/data-db-0", "PersistentVolume pv-1"',
  }),
}).meta({ id: "DeletedVolumes" });

/** A list item. */
export type EnablerView = z.output<typeof EnablerView>;
/** The detail view. */
export type EnablerDetailView = z.output<typeof EnablerDetailView>;
