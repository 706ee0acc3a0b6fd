import http from "node:http";
import https from "node:https";
import {
  type Configuration,
  createConfiguration,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
} from "@kubernetes/client-node";

type Agent = http.Agent | https.Agent;

// The connection-relevant options client-node copies from the kubeconfig onto each agent.
const keys = [
  "ca",
  "cert",
  "key",
  "pfx",
  "passphrase",
  "rejectUnauthorized",
  "servername",
  "ciphers",
  "secureProtocol",
] as const;

function fingerprint(agent: Agent): string {
  const options = (agent as { options?: Record<string, unknown> }).options ?? {};
  return JSON.stringify(
    keys.map((k) => {
      const v = options[k];
      return Buffer.isBuffer(v) ? v.toString("base64") : (v ?? null);
    }),
  );
}

/**
 * Keeps one keep-alive connection pool per distinct TLS identity, in place
 * of the fresh agent client-node builds for every request (it does, in
 * `applySecurityAuthentication`): on a real cluster that is a TCP connect
 * and a full TLS handshake per API call, several per applied object. A
 * kubeconfig whose credentials change (a rotated client certificate) gets a
 * new pool; the old one's requests finish, and its idle connections close
 * when the server drops them. Proxy agents are left alone.
 */
export class SharedAgents {
  readonly #maxSockets: number;
  #current: { key: string; agent: Agent } | undefined;

  /** `maxSockets`: connections per pool (requests beyond wait their turn). */
  constructor(maxSockets = 16) {
    this.#maxSockets = maxSockets;
  }

  /** The pooled agent to use instead of `given` (the same options, kept alive). */
  for(given: Agent): Agent {
    const plain = given.constructor === http.Agent || given.constructor === https.Agent;
    if (!plain) return given;
    const key = `${given instanceof https.Agent ? "https" : "http"}|${fingerprint(given)}`;
    if (this.#current?.key === key) return this.#current.agent;
    const options = {
      ...(given as { options?: object }).options,
      keepAlive: true,
      maxSockets: this.#maxSockets,
    };
    const agent = given instanceof https.Agent ? new https.Agent(options) : new http.Agent(options);
    this.#current = { key, agent };
    return agent;
  }

  /** Closes every pooled connection (at agent stop). */
  close(): void {
    this.#current?.agent.destroy();
    this.#current = undefined;
  }
}

/**
 * An API client for `kc`'s current cluster, built as `kc.makeApiClient(api)`
 * builds it, whose requests share kept-alive connections (see
 * {@link SharedAgents}): the agent's Secrets, node reads and Hello go over
 * a few long-lived connections instead of one per call. Pass `agents` to
 * share the pools with other callers (the usage collector).
 */
export function keptAliveClient<T>(
  kc: KubeConfig,
  api: new (config: Configuration) => T,
  agents: SharedAgents = new SharedAgents(),
): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  return new api(
    createConfiguration({
      baseServer: new ServerConfiguration<Record<string, string>>(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [
        {
          // Runs after the kubeconfig's auth has put its fresh agent on the request.
          pre: async (ctx: RequestContext) => {
            const agent = ctx.getAgent();
            if (agent) ctx.setAgent(agents.for(agent));
            return ctx;
          },
          post: async (response: ResponseContext) => response,
        },
      ],
    }),
  );
}
