import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import test from "ava";
import { SharedAgents } from "../apply/shared-agent.js";
import { getJson, KubeHttpError } from "./kube-get.js";

/** A throwaway self-signed certificate for 127.0.0.1, or why there is none. */
function selfSigned(): { cert: Buffer; key: Buffer } | string {
  const dir = mkdtempSync(join(tmpdir(), "kube-get-"));
  try {
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
        ...["-subj", "/CN=127.0.0.1", "-days", "1"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      ],
      { stdio: "ignore" },
    );
    return { cert: readFileSync(join(dir, "cert.pem")), key: readFileSync(join(dir, "key.pem")) };
  } catch (err) {
    return `openssl could not make a test certificate: ${(err as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tls = selfSigned();

(typeof tls === "string" ? test.skip : test)(
  "over TLS, GETs through a pool share one connection; without one, each GET opens its own",
  async (t) => {
    if (typeof tls === "string") return t.fail(tls);
    let connections = 0;
    const server = https.createServer(tls, (req, res) => {
      const found = req.url !== "/missing";
      res.writeHead(found ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(found ? { path: req.url } : { message: "no such thing" }));
    });
    server.on("secureConnection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    // As the usage collector calls it: metrics by path, the kubelet summary by full URL.
    const sample = async (agents?: SharedAgents) => {
      const before = connections;
      const extra = agents ? { agents } : {};
      t.like(await getJson(kc, "/apis/metrics.k8s.io/v1beta1/nodes", extra), {
        path: "/apis/metrics.k8s.io/v1beta1/nodes",
      });
      const kubelet = `https://127.0.0.1:${port}/stats/summary`;
      t.like(await getJson(kc, kubelet, { insecureTls: true, ...extra }), {
        path: "/stats/summary",
      });
      const missing = await t.throwsAsync(getJson(kc, "/missing", extra));
      t.true(missing instanceof KubeHttpError && missing.status === 404);
      t.like(await getJson(kc, "/again", extra), { path: "/again" });
      return connections - before;
    };
    t.is(await sample(), 4, "the kubeconfig's own agent: a TLS connection per GET");
    const agents = new SharedAgents();
    t.teardown(() => agents.close());
    t.is(await sample(agents), 1, "pooled: one kept-alive TLS connection");
  },
);
