import { inlineKubeconfigIssues } from "@smart-orchestrator/shared";
import { z } from "zod";

const named = <T extends z.ZodType>(key: string, inner: T) =>
  z.looseObject({ name: z.string().min(1, "must not be empty"), [key]: inner });

/**
 * A kubeconfig object (`POST /clusters` `credentials`): its structure, and
 * inline data only (shared `inlineKubeconfigIssues`): no `exec`, no
 * `auth-provider`, no file references, no link-local or metadata servers.
 * A kubeconfig is code for client libraries, so anything that could run a
 * command or read the control plane's disk is refused with its field named.
 * Whether `http://` servers are accepted is a setting, checked by
 * {@link kubeconfigServerIssues} where the configuration is known.
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
    for (const issue of inlineKubeconfigIssues(cfg, { allowHttp: true })) {
      ctx.addIssue({ code: "custom", path: [...issue.path], message: issue.reason });
    }
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
    description:
      "A kubeconfig object (as `kubectl config view --raw -o json` prints) with inline data only: server (https; http only with SO_ALLOW_HTTP_CLUSTERS=true), certificate-authority-data, client-certificate-data, client-key-data, token, username, password, insecure-skip-tls-verify, tls-server-name. exec, auth-provider and file paths are refused.",
  });

/** A validated kubeconfig. */
export type Kubeconfig = z.output<typeof KubeconfigSchema>;

/**
 * The kubeconfig's `http://` servers when the control plane does not allow
 * them (`SO_ALLOW_HTTP_CLUSTERS`), as field errors under `credentials`.
 */
export function kubeconfigServerIssues(
  cfg: Kubeconfig,
  allowHttp: boolean,
): { field: string; reason: string }[] {
  return inlineKubeconfigIssues(cfg, { allowHttp }).map((i) => ({
    field: ["credentials", ...i.path].join("."),
    reason: i.reason,
  }));
}
