/** What {@link deploymentYaml} may vary besides the containers. */
export interface DeploymentYamlOptions {
  /** metadata.name and the `app` label of the selector and pods (default "app"). */
  readonly name?: string;
  /** spec.replicas; left out of the manifest when not given. */
  readonly replicas?: number;
}

/**
 * A Deployment in namespace `default` as YAML text, for the conformance tests
 * that feed it to the real kubectl: selector and pod labels `app: <name>`, and
 * `containers` as given, list items indented six spaces (under `containers:`),
 * so that each test writes only the part it is about.
 */
export function deploymentYaml(containers: string, options: DeploymentYamlOptions = {}): string {
  const name = options.name ?? "app";
  const replicas = options.replicas === undefined ? "" : `\n  replicas: ${options.replicas}`;
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
${containers}
`;
}
