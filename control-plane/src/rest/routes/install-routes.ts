import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import type { InstallScript } from "../../install/install-script.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** What the install routes need. */
export interface InstallRoutesDeps {
  /** The installer as served now (it carries the public URL, settled once listening). */
  readonly script: () => InstallScript;
}

/**
 * `GET /install/agent.sh`, without auth: the one-liner runs on an edge node
 * that has no API token. The script holds no secret (the join token is an
 * argument), and the one-liner checks its sha256 before running it.
 */
export function installRoutes({ script: current }: InstallRoutesDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/install/agent.sh",
      operationId: "installScript",
      summary: "The edge agent installer (POSIX sh); the join command checks its sha256",
      tag: "install",
      public: true,
      responses: {
        200: { description: "The installer script", mediaType: "text/x-shellscript" },
      },
      async handle(ctx) {
        const script = current();
        ctx.type = "text/x-shellscript; charset=utf-8";
        ctx.set("x-content-sha256", script.sha256);
        ctx.set("cache-control", "no-cache");
        ctx.body = script.body;
      },
    }),
    defineRoute({
      method: "get",
      path: "/install/edge-agent.mjs",
      operationId: "installAgentBundle",
      summary: "The agent bundle host mode installs; the served installer pins its sha256",
      tag: "install",
      public: true,
      responses: {
        200: { description: "The bundled agent (one ES module)", mediaType: "text/javascript" },
        404: { description: "This control plane has no agent bundle (npm run build:agent)" },
      },
      async handle(ctx) {
        const script = current();
        if (!script.bundle) {
          throw new AppError(
            ErrorCode.NotFound,
            "this control plane has no agent bundle; run npm run build:agent beside it",
          );
        }
        ctx.type = "text/javascript; charset=utf-8";
        ctx.set("cache-control", "no-cache");
        ctx.body = script.bundle;
      },
    }),
  ];
}
