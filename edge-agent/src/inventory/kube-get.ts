import { type Agent, request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

/** An HTTP error from the Kubernetes API or a kubelet, with its status code. */
export class KubeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "KubeHttpError";
  }
}

/** Options for {@link getJson}. */
export interface GetJsonOptions {
  /** Skip server certificate verification (kubelets with self-signed serving certs). */
  readonly insecureTls?: boolean;
  readonly timeoutMs?: number;
  /** Refuse bodies larger than this (default 8 MiB). */
  readonly maxBytes?: number;
  /** Kept-alive pools to use in place of the fresh agent the kubeconfig makes per call. */
  readonly agents?: AgentPool;
}

/** Swaps a per-call agent for a pooled one with the same TLS options (SharedAgents does). */
export interface AgentPool {
  for(given: Agent): Agent;
}

/**
 * GETs JSON with the kubeconfig's credentials: a path is resolved against the
 * API server, a full URL (a kubelet) is used as is, with the same bearer token.
 */
export async function getJson(
  kc: KubeConfig,
  pathOrUrl: string,
  options: GetJsonOptions = {},
): Promise<unknown> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("kubeconfig has no current cluster");
  const url = new URL(pathOrUrl, server);
  const opts: RequestOptions = { method: "GET", headers: { accept: "application/json" } };
  await kc.applyToHTTPSOptions(opts);
  if (options.insecureTls) opts.rejectUnauthorized = false;
  const plain = url.protocol === "http:";
  // applyToHTTPSOptions sets a fresh https Agent: a TCP connect and TLS handshake per call
  // unless pooled. A plain-http endpoint (the simulator) takes Node's kept-alive global agent.
  if (plain) delete opts.agent;
  else if (typeof opts.agent === "object" && options.agents)
    opts.agent = options.agents.for(opts.agent);
  const send = plain ? httpRequest : httpsRequest;
  const max = options.maxBytes ?? 8 * 2 ** 20;
  return new Promise((resolve, reject) => {
    const req = send(url, { ...opts, timeout: options.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > max)
          req.destroy(new Error(`response from ${url.pathname} exceeds ${max} bytes`));
        else chunks.push(c);
      });
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          let message = text.slice(0, 200);
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? message;
          } catch {}
          return reject(new KubeHttpError(status, `${url.pathname}: HTTP ${status} ${message}`));
        }
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(err);
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url.pathname} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
