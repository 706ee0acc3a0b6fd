import { z } from "zod";
import {
  ChartView,
  CreatedRepo,
  PrivateRepoBody,
  PublicRepoBody,
  RepoRefreshView,
  RepoView,
} from "../../repos/repo-schemas.js";
import type { RepoService } from "../../repos/repo-service.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** What the repository routes need. */
export interface RepoRoutesDeps {
  readonly repos: RepoService;
}

const tag = "repos";

/** `/repos` routes: Helm chart repositories, as in the original enabler. */
export function repoRoutes({ repos }: RepoRoutesDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/repos",
      operationId: "listRepos",
      summary: "List Helm repositories (passwords are never returned)",
      tag,
      responses: { 200: { description: "All repositories", schema: z.array(RepoView) } },
      async handle(ctx) {
        ctx.body = await repos.list();
      },
    }),
    defineRoute({
      method: "get",
      path: "/repos/charts/:repositoryId",
      operationId: "listRepoCharts",
      summary: "Charts of a repository, versions newest first",
      tag,
      responses: { 200: { description: "Charts", schema: z.array(ChartView) } },
      async handle(ctx) {
        // Serialised once per index; large repositories list in a memory copy.
        const json = await repos.chartsJson(String(ctx.params.repositoryId));
        ctx.type = "application/json";
        ctx.body = json;
      },
    }),
    defineRoute({
      method: "post",
      path: "/repos/public",
      operationId: "addPublicRepo",
      summary: "Add a public repository; its index is fetched and checked at once",
      tag,
      body: PublicRepoBody,
      responses: { 201: { description: "Added", schema: CreatedRepo } },
      async handle(ctx, body) {
        ctx.status = 201;
        ctx.body = await repos.add(body);
      },
    }),
    defineRoute({
      method: "post",
      path: "/repos/private",
      operationId: "addPrivateRepo",
      summary: "Add a repository with basic-auth credentials (the password is sealed at rest)",
      tag,
      body: PrivateRepoBody,
      responses: { 201: { description: "Added", schema: CreatedRepo } },
      async handle(ctx, body) {
        ctx.status = 201;
        ctx.body = await repos.add(body);
      },
    }),
    defineRoute({
      method: "post",
      path: "/repos/update",
      operationId: "refreshRepos",
      summary: "Re-fetch every index (conditional GET); a failure marks that repo Degraded",
      tag,
      responses: {
        200: { description: "Outcome per repository", schema: z.array(RepoRefreshView) },
      },
      async handle(ctx) {
        ctx.body = await repos.refreshAll();
      },
    }),
    defineRoute({
      method: "delete",
      path: "/repos/:id",
      operationId: "deleteRepo",
      summary: "Delete a repository and its cached index",
      tag,
      responses: { 204: { description: "Deleted" } },
      async handle(ctx) {
        await repos.delete(String(ctx.params.id));
        ctx.status = 204;
      },
    }),
  ];
}
