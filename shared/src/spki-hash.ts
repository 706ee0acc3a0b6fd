import { createHash, X509Certificate } from "node:crypto";

/**
 * `sha256:<hex>` of a certificate's SubjectPublicKeyInfo, the form kubeadm's
 * `--discovery-token-ca-cert-hash` uses. It pins a CA without trusting any
 * name, and survives the CA being re-issued with the same key.
 */
export function spkiHash(certPemOrDer: string | Buffer): string {
  const spki = new X509Certificate(certPemOrDer).publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}
