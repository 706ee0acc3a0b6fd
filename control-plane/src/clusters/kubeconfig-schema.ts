import { z } from "zod";

const named = <T extends z.ZodType>(key: string, inner: T) =>
  z.looseObject({ name: z.string().min(1, "must not be empty"), [key]: inner });

/**
 * The structure of a kubeconfig object (`POST /clusters` `credentials`). The
 * parts we rely on are checked; unknown fields inside are kept as given,
 * since kubeconfigs carry exec plugins, extensions and provider fields.
 */
export const KubeconfigSchema = z
  .looseObject({
    apiVersion: z.literal("v1").optional(),
    kind: z.literal("Config").optional(),
    clusters: z
      .array(
        named(
          "cluster",
          z.looseObject({
            server: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
            "certificate-authority-data": z.string().optional(),
            "insecure-skip-tls-verify": z.boolean().optional(),
          }),
        ),
      )
      .min(1, "needs at least one cluster"),
    users: z.array(named("user", z.looseObject({}))).min(1, "needs at least one user"),
    contexts: z
      .array(
        named(
          "context",
          z.looseObject({
            cluster: z.string().min(1),
            user: z.string().min(1),
            namespace: z.string().optional(),
          }),
        ),
      )
      .min(1, "needs at least one context"),
    "current-context": z.string().min(1, "must name a context"),
  })
  .superRefine((cfg, ctx) => {
    const clusters = new Set(cfg.clusters.map((c) => c.name));
    const users = new Set(cfg.users.map((u) => u.name));
    const current = cfg.contexts.find((c) => c.name === cfg["current-context"]);
    if (!current) {
      ctx.addIssue({
        code: "custom",
        path: ["current-context"],
        message: "names no context in contexts",
      });
      return;
    }
    const index = cfg.contexts.indexOf(current);
    const context = current.context as { cluster: string; user: string };
    if (!clusters.has(context.cluster)) {
      ctx.addIssue({
        code: "custom",
        path: ["contexts", index, "context", "cluster"],
        message: "names no cluster in clusters",
      });
    }
    if (!users.has(context.user)) {
      ctx.addIssue({
        code: "custom",
        path: ["contexts", index, "context", "user"],
        message: "names no user in users",
      });
    }
  })
  .meta({
    id: "Kubeconfig",
    description: "A kubeconfig object (as `kubectl config view --raw -o json` prints)",
  });

/** A validated kubeconfig. */
export type Kubeconfig = z.output<typeof KubeconfigSchema>;
