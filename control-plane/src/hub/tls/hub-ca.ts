import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { isAppError, spkiHash } from "@smart-orchestrator/shared";
import type { Sealed, SecretBox } from "../../security/secret-box.js";
import type { Collection, StoredDoc } from "../../store/store.js";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const day = 24 * 60 * 60 * 1000;

/** The hub CA as stored: certificate in clear, private key sealed with the master key. */
export interface CaDoc extends StoredDoc {
  readonly certPem: string;
  readonly key: Sealed;
  readonly createdAt: string;
}

/** A CA able to sign server certificates. */
export interface HubCa {
  readonly certPem: string;
  /** `sha256:<hex>` of the CA's SPKI, as agents pin it with `--ca-hash`. */
  readonly hash: string;
  readonly privateKey: webcrypto.CryptoKey;
}

/** A server certificate and key, PEM. */
export interface ServerCert {
  readonly certPem: string;
  readonly keyPem: string;
}

const caId = "hub-ca";
const keyContext = "hub-ca:key";

/**
 * Loads the hub CA from the store, creating it on first start. It lives in
 * the store (key sealed) so every control-plane replica serves the same CA
 * and agents' pins survive restarts.
 */
export async function loadOrCreateHubCa(
  settings: Collection<CaDoc>,
  secrets: SecretBox,
): Promise<HubCa> {
  const existing = await settings.get(caId);
  if (existing) return openCa(existing, secrets);
  const created = await createCa(secrets);
  try {
    await settings.insert(created);
    return openCa({ ...created, _v: 1 }, secrets);
  } catch (err) {
    // Another replica created it first: use theirs.
    if (!isAppError(err, "already_exists")) throw err;
    const theirs = await settings.get(caId);
    if (!theirs) throw err;
    return openCa(theirs, secrets);
  }
}

/** Issues a server certificate for the given DNS names and IP addresses, valid one year. */
export async function issueServerCert(ca: HubCa, sans: readonly string[]): Promise<ServerCert> {
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const caCert = new x509.X509Certificate(ca.certPem);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(16)
      .toString("hex")
      .replace(/^[89a-f]/, "1"),
    subject: "CN=smart-orchestrator-hub",
    issuer: caCert.subject,
    notBefore: new Date(now - day),
    notAfter: new Date(now + 365 * day),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        sans.map((v) =>
          isIp(v) ? { type: "ip" as const, value: v } : { type: "dns" as const, value: v },
        ),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { certPem: cert.toString("pem"), keyPem: toPem(pkcs8, "PRIVATE KEY") };
}

async function createCa(secrets: SecretBox): Promise<Omit<CaDoc, "_v">> {
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16)
      .toString("hex")
      .replace(/^[89a-f]/, "1"),
    name: "CN=Smart Orchestrator hub CA",
    notBefore: new Date(now - day),
    notAfter: new Date(now + 10 * 365 * day),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString(
    "base64",
  );
  return {
    _id: caId,
    certPem: cert.toString("pem"),
    key: secrets.seal(pkcs8, keyContext),
    createdAt: new Date(now).toISOString(),
  };
}

async function openCa(doc: CaDoc, secrets: SecretBox): Promise<HubCa> {
  const pkcs8 = Buffer.from(secrets.open<string>(doc.key, keyContext), "base64");
  const privateKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, alg, false, ["sign"]);
  return { certPem: doc.certPem, hash: spkiHash(doc.certPem), privateKey };
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${b64.trim()}\n-----END ${label}-----\n`;
}

function isIp(value: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(value) || value.includes(":");
}
