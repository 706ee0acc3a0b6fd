import { z } from "zod";
import { ContinueToken, maxClusterPage, PageLimit } from "../../clusters/cluster-page.js";
import {
  ClusterView,
  CreateClusterBody,
  CreatedCluster,
  ForceHeader,
  isForced,
  JoinInfo,
} from "../../clusters/cluster-schemas.js";
import type { ClusterService } from "../../clusters/cluster-service.js";
import type { LiveNodes } from "../../clusters/live-nodes.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { parseWith } from "../validate.js";

/** What the cluster routes need. */
export interface ClusterRoutesDeps {
  readonly clusters: ClusterService;
  readonly liveNodes: LiveNodes;
}

const tag = "clusters";
const ListClustersQuery = z.object({
  limit: PageLimit.optional(),
  continue: ContinueToken.optional(),
});
const NodeList = z.array(z.looseObject({ name: z.string() })).meta({ id: "NodeList" });

/** `/clusters` routes, as in the original enabler plus join tokens. */
export function clusterRoutes({ clusters, liveNodes }: ClusterRoutesDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/clusters",
      operationId: "listClusters",
      summary: "List clusters",
      tag,
      query: [
        {
          name: "limit",
          description: `page size (1-${maxClusterPage}); without it every cluster comes at once, as in the original API`,
          schema: PageLimit,
        },
        {
          name: "continue",
          description: "opaque token from the previous page's `x-continue` header",
          schema: ContinueToken,
        },
      ],
      responses: {
        200: {
          description:
            "Clusters by name: all of them, or one page with `limit`; when more follow, the `x-continue` header holds the token for the next page and `Link` its URL (rel=next)",
          schema: z.array(ClusterView),
        },
      },
      async handle(ctx) {
        const query = parseWith(ListClustersQuery, { ...ctx.query }, "query");
        if (query.limit === undefined && query.continue === undefined) {
          ctx.body = await clusters.list();
          return;
        }
        const page = await clusters.listPage(query);
        if (page.continue) {
          ctx.set("x-continue", page.continue);
          const limit = query.limit === undefined ? "" : `limit=${query.limit}&`;
          ctx.set("link", `</clusters?${limit}continue=${page.continue}>; rel="next"`);
        }
        ctx.body = page.items;
      },
    }),
    defineRoute({
      method: "get",
      path: "/clusters/cloud/find",
      operationId: "findCloudCluster",
      summary: "The cloud cluster (404 if none)",
      tag,
      responses: { 200: { description: "The cloud cluster", schema: ClusterView } },
      async handle(ctx) {
        ctx.body = await clusters.findCloud();
      },
    }),
    defineRoute({
      method: "get",
      path: "/clusters/node/:clusterid",
      operationId: "listClusterNodes",
      summary: "Live nodes of a cluster from its latest report",
      tag,
      responses: { 200: { description: "Nodes", schema: NodeList } },
      async handle(ctx) {
        const id = String(ctx.params.clusterid);
        await clusters.get(id);
        ctx.body = liveNodes.nodes(id);
      },
    }),
    defineRoute({
      method: "get",
      path: "/clusters/:id",
      operationId: "getCluster",
      summary: "One cluster",
      tag,
      responses: { 200: { description: "The cluster", schema: ClusterView } },
      async handle(ctx) {
        ctx.body = await clusters.get(String(ctx.params.id));
      },
    }),
    defineRoute({
      method: "post",
      path: "/clusters",
      operationId: "createCluster",
      summary: "Register a cluster; returns its uid and a join token",
      tag,
      body: CreateClusterBody,
      responses: { 201: { description: "Created", schema: CreatedCluster } },
      async handle(ctx, body) {
        const created = await clusters.create(body);
        ctx.status = 201;
        ctx.set("location", `/clusters/${created.uid}`);
        ctx.body = created;
      },
    }),
    defineRoute({
      method: "post",
      path: "/clusters/:id/token",
      operationId: "issueJoinToken",
      summary: "Issue a fresh join token (the previous one stops working)",
      tag,
      responses: { 201: { description: "Issued", schema: JoinInfo } },
      async handle(ctx) {
        ctx.status = 201;
        ctx.body = await clusters.issueToken(String(ctx.params.id));
      },
    }),
    defineRoute({
      method: "delete",
      path: "/clusters/:id",
      operationId: "deleteCluster",
      summary: "Delete a cluster (409 while it has enablers, unless Force)",
      tag,
      headers: [
        {
          name: "Force",
          description:
            "true: delete even with enablers; their records go, workloads stay (orphaned)",
          schema: ForceHeader,
        },
      ],
      responses: { 204: { description: "Deleted" } },
      async handle(ctx) {
        const force = parseWith(ForceHeader, ctx.get("force") || undefined, "header Force");
        await clusters.delete(String(ctx.params.id), { force: isForced(force) });
        ctx.status = 204;
      },
    }),
  ];
}
