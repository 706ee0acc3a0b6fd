/**
 * KubeConfig for a simulator: a plain-HTTP cluster on loopback with a
 * dummy bearer token (the simulator does not authenticate; the token keeps
 * client code paths the same as against a real cluster).
 */
import { KubeConfig } from "@kubernetes/client-node";

/** The kubeconfig document (as `kubectl config view` would print it) for a simulator URL. */
export function simulatorKubeConfigObject(
  url: string,
  name = "simulator",
): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: `${name}-user`, user: { token: "simulator-token" } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-user`, namespace: "default" } }],
    "current-context": name,
  };
}

/** A client-node KubeConfig pointing at a simulator URL. */
export function simulatorKubeConfig(url: string, name = "simulator"): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node refuses plain http unless skipTLSVerify is set; there is no TLS to verify here.
    clusters: [{ name, server: url, skipTLSVerify: true }],
    users: [{ name: `${name}-user`, token: "simulator-token" }],
    contexts: [{ name, cluster: name, user: `${name}-user`, namespace: "default" }],
    currentContext: name,
  });
  return kc;
}
