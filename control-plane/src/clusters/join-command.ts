/** What an install one-liner needs to know about this control plane. */
export interface JoinEndpoint {
  /** Base URL of the REST API, where `/install/agent.sh` is served. */
  readonly publicUrl: string;
  /** `host:port` agents dial. */
  readonly hubAddress: string;
  /** `sha256:<hex>` of the hub CA's SPKI; undefined while the hub runs without TLS. */
  caHash(): string | undefined;
  /** Hex sha256 of the installer served at `/install/agent.sh`. */
  scriptSha256(): string;
}

/**
 * The operator's one-liner: download the installer, check its sha256, and
 * only then run it. A script changed in transit (even over plain HTTP) fails
 * the check and never runs; `--ca-hash` then pins the hub's CA inside the agent.
 */
export function joinCommand(endpoint: JoinEndpoint, token: string): string {
  const hash = endpoint.caHash();
  const trust = hash ? `--ca-hash ${hash}` : "--insecure";
  const url = `${endpoint.publicUrl.replace(/\/+$/, "")}/install/agent.sh`;
  return [
    `curl -sfLo so-agent.sh ${url}`,
    `echo '${endpoint.scriptSha256()}  so-agent.sh' | sha256sum -c -`,
    `sh so-agent.sh --hub ${endpoint.hubAddress} --token ${token} ${trust}`,
  ].join(" && ");
}

/** The hub address implied by a public URL and the gRPC port. */
export function hubAddressFrom(publicUrl: string, grpcPort: number): string {
  return `${new URL(publicUrl).hostname}:${grpcPort}`;
}
