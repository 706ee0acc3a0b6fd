import { z } from "zod";
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
      responses: { 200: { description: "All clusters", schema: z.array(ClusterView) } },
      async handle(ctx) {
        ctx.body = await clusters.list();
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
