import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import type { CredentialStore, SavedCredential } from "./credential-store.js";

/** Name of the Secret holding the agent's credential. */
export const credentialSecretName = "smart-orchestrator-agent-credential";

/**
 * Keeps the credential in a Kubernetes Secret in the agent's namespace, so a
 * rescheduled agent pod keeps its identity without host mounts.
 */
export class SecretCredentialStore implements CredentialStore {
  readonly location: string;
  readonly #api: CoreV1Api;
  readonly #namespace: string;

  constructor(api: CoreV1Api, namespace: string) {
    this.#api = api;
    this.#namespace = namespace;
    this.location = `secret ${namespace}/${credentialSecretName}`;
  }

  async load(): Promise<SavedCredential | undefined> {
    let secret: V1Secret;
    try {
      secret = await this.#api.readNamespacedSecret({
        name: credentialSecretName,
        namespace: this.#namespace,
      });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
    const clusterId = decode(secret.data?.clusterId);
    const credential = decode(secret.data?.credential);
    return clusterId && credential ? { clusterId, credential } : undefined;
  }

  async save(credential: SavedCredential): Promise<void> {
    const body: V1Secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: credentialSecretName,
        namespace: this.#namespace,
        labels: { "app.kubernetes.io/managed-by": "smart-orchestrator" },
      },
      type: "Opaque",
      data: {
        clusterId: Buffer.from(credential.clusterId).toString("base64"),
        credential: Buffer.from(credential.credential).toString("base64"),
      },
    };
    try {
      await this.#api.createNamespacedSecret({ namespace: this.#namespace, body });
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      await this.#api.replaceNamespacedSecret({
        name: credentialSecretName,
        namespace: this.#namespace,
        body,
      });
    }
  }
}

function decode(value: string | undefined): string | undefined {
  return value ? Buffer.from(value, "base64").toString("utf8") : undefined;
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}
