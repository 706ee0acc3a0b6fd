/** What an install one-liner needs to know about this control plane. */
export interface JoinEndpoint {
  /** Base URL of the REST API, where `/install/agent.sh` is served. */
  readonly publicUrl: string;
  /** `host:port` agents dial. */
  readonly hubAddress: string;
  /** `sha256:<hex>` of the hub CA's SPKI; undefined while the hub runs without TLS. */
  caHash(): string | undefined;
}

/** The operator's one-liner that installs and joins an agent. */
export function joinCommand(endpoint: JoinEndpoint, token: string): string {
  const hash = endpoint.caHash();
  const trust = hash ? `--ca-hash ${hash}` : "--insecure";
  return `curl -sfL ${endpoint.publicUrl}/install/agent.sh | sh -s - --hub ${endpoint.hubAddress} --token ${token} ${trust}`;
}

/** The hub address implied by a public URL and the gRPC port. */
export function hubAddressFrom(publicUrl: string, grpcPort: number): string {
  return `${new URL(publicUrl).hostname}:${grpcPort}`;
}
