import type { InstallScript } from "../../install/install-script.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** What the install routes need. */
export interface InstallRoutesDeps {
  readonly script: InstallScript;
}

/**
 * `GET /install/agent.sh`, without auth: the one-liner runs on an edge node
 * that has no API token. The script holds no secret (the join token is an
 * argument), and the one-liner checks its sha256 before running it.
 */
export function installRoutes({ script }: InstallRoutesDeps): AnyRoute[] {
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
        ctx.type = "text/x-shellscript; charset=utf-8";
        ctx.set("x-content-sha256", script.sha256);
        ctx.set("cache-control", "no-cache");
        ctx.body = script.body;
      },
    }),
  ];
}
