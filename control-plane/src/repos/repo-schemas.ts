import { z } from "zod";
import { optionalText } from "../rest/compat-fields.js";
import { repoStatuses } from "./repo-doc.js";

/** A repository name: usable as the `<repo>` in `<repo>/<chart>`. */
export const RepoName = z
  .string()
  .min(1, "must not be empty")
  .max(63, "must be at most 63 characters")
  .regex(
    /^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$/,
    "must be letters, digits, '.', '_' or '-' (no '/'), starting and ending alphanumeric",
  );

/** A repository root URL: http(s), no embedded credentials. */
export const RepoUrl = z
  .string()
  .max(2048, "must be at most 2048 characters")
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an absolute http(s) URL" });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      ctx.addIssue({ code: "custom", message: "must use http or https (oci:// is not supported)" });
    } else if (url.username || url.password) {
      ctx.addIssue({
        code: "custom",
        message: "must not contain credentials; use POST /repos/private with auth",
      });
    } else if (url.hash || url.search) {
      ctx.addIssue({ code: "custom", message: "must not have a query or fragment" });
    }
  });

/** `POST /repos/public` body, as in the original enabler. */
export const PublicRepoBody = z
  .strictObject({
    name: RepoName,
    description: optionalText(1024),
    url: RepoUrl,
  })
  .meta({ id: "PublicRepo" });

/** `POST /repos/private` body: the public fields plus basic-auth credentials. */
export const PrivateRepoBody = z
  .strictObject({
    name: RepoName,
    description: optionalText(1024),
    url: RepoUrl,
    auth: z.strictObject({
      username: z.string().min(1, "must not be empty").max(256),
      password: z.string().min(1, "must not be empty").max(4096),
    }),
  })
  .meta({ id: "PrivateRepo" });

/** A validated add-repository request; `auth` only for private ones. */
export type AddRepoInput = z.output<typeof PublicRepoBody> & {
  readonly auth?: { readonly username: string; readonly password: string };
};

/** `POST /repos/*` response. */
export const CreatedRepo = z.object({ uid: z.string() }).meta({ id: "CreatedRepo" });

/** A repository as GETs show it; never the password. */
export const RepoView = z
  .object({
    uid: z.string(),
    _id: z.string().describe("same as uid, for clients of the original API"),
    name: z.string(),
    description: z.string(),
    url: z.string(),
    private: z.boolean(),
    username: z.string().optional(),
    status: z.enum(repoStatuses),
    statusReason: z.string().optional().describe("why the last refresh failed"),
    charts: z.number().int(),
    versions: z.number().int(),
    refreshedAt: z.string().describe("last time the index was fetched or confirmed unchanged"),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Repo" });

/** A repository as GETs show it. */
export type RepoView = z.output<typeof RepoView>;

/** `GET /repos/charts/:id` item: a chart and its versions, newest first. */
export const ChartView = z
  .object({
    name: z.string(),
    description: z.string(),
    versions: z.array(z.string()).describe("newest first, semver order"),
  })
  .meta({ id: "Chart" });

/** One repository's outcome in `POST /repos/update`. */
export const RepoRefreshView = z
  .object({
    uid: z.string(),
    name: z.string(),
    status: z.enum(repoStatuses),
    statusReason: z.string().optional(),
    changed: z.boolean().describe("false when the server answered 304 or the refresh failed"),
  })
  .meta({ id: "RepoRefresh" });

/** One repository's outcome in `POST /repos/update`. */
export type RepoRefreshView = z.output<typeof RepoRefreshView>;
