import { readFileSync } from "node:fs";
import { spkiHash } from "@smart-orchestrator/shared";
import type { SecretBox } from "../../security/secret-box.js";
import type { Collection } from "../../store/store.js";
import type { HubTls } from "../hub-listener.js";
import { type CaDoc, issueServerCert, loadOrCreateHubCa } from "./hub-ca.js";

/** Where the hub's TLS comes from. */
export interface HubTlsSource {
  readonly insecure: boolean;
  readonly tlsSans: readonly string[];
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly tlsCaFile: string | undefined;
}

/** The hub's TLS material and the CA hash agents pin; both undefined in insecure mode. */
export interface ResolvedHubTls {
  readonly tls: HubTls | undefined;
  readonly caHash: string | undefined;
  readonly caPem: string | undefined;
}

/**
 * Operator certificates when given, else the hub's own CA from the store
 * (created on first start) and a fresh server certificate for the SANs.
 */
export async function resolveHubTls(
  source: HubTlsSource,
  settings: Collection<CaDoc>,
  secrets: SecretBox,
): Promise<ResolvedHubTls> {
  if (source.insecure) return { tls: undefined, caHash: undefined, caPem: undefined };
  if (source.tlsCertFile && source.tlsKeyFile && source.tlsCaFile) {
    const caPem = readFileSync(source.tlsCaFile, "utf8");
    const chain = `${readFileSync(source.tlsCertFile, "utf8").trim()}\n${caPem.trim()}\n`;
    return {
      tls: { keyPem: readFileSync(source.tlsKeyFile, "utf8"), chainPem: chain },
      caHash: spkiHash(caPem),
      caPem,
    };
  }
  const ca = await loadOrCreateHubCa(settings, secrets);
  const leaf = await issueServerCert(ca, source.tlsSans);
  // The chain carries the CA so an agent can find the certificate matching its pin.
  return {
    tls: { keyPem: leaf.keyPem, chainPem: `${leaf.certPem.trim()}\n${ca.certPem.trim()}\n` },
    caHash: ca.hash,
    caPem: ca.certPem,
  };
}
