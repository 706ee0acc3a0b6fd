// Endpoints and EndpointSlices kept for Services, read with the real kubectl
// (v1.35) from a `kube-simulator` process.
import { deploymentYaml } from "./deployment-yaml.js";
import { conformance, ok, startClient } from "./real-client.js";

const c = await startClient("name=eps,nodes=2");
const kubectlTest = conformance("kubectl");

const deployment = deploymentYaml(
  `      - name: api
        image: nginx:1.27
        ports: [{name: http, containerPort: 8080}]`,
  { name: "api", replicas: 2 },
);
const manifest = `${deployment}---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}]
`;

kubectlTest("get endpoints and get endpointslices list a Service's ready pods", async (t) => {
  ok(t, await c.kubectl(["apply", "-f", "-"], manifest), "apply");
  ok(
    t,
    await c.kubectl(["rollout", "status", "deployment/api", "-n", "default", "--timeout=60s"]),
    "rollout status",
  );
  // The controller follows the pods on its next turn; kubectl wait sees it happen.
  ok(
    t,
    await c.kubectl([
      "wait",
      "--for=jsonpath={.subsets[0].addresses[1].ip}",
      "endpoints/api",
      "-n",
      "default",
      "--timeout=60s",
    ]),
    "wait endpoints",
  );
  const eps = ok(t, await c.kubectl(["get", "endpoints", "api", "-n", "default"]), "get endpoints");
  t.regex(
    eps,
    /^NAME\s+ENDPOINTS\s+AGE\napi\s+10\.42\.\d+\.\d+:8080,10\.42\.\d+\.\d+:8080\s+\d+s\n$/,
  );
  const slices = ok(
    t,
    await c.kubectl([
      "get",
      "endpointslices",
      "-n",
      "default",
      "-l",
      "kubernetes.io/service-name=api",
    ]),
    "get endpointslices",
  );
  t.regex(
    slices,
    /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\napi-[a-z0-9]{5}\s+IPv4\s+8080\s+10\.42\.\d+\.\d+,10\.42\.\d+\.\d+\s+\d+s\n$/,
  );
  ok(t, await c.kubectl(["delete", "service", "api", "-n", "default"]), "delete service");
  ok(
    t,
    await c.kubectl(["wait", "--for=delete", "endpoints/api", "-n", "default", "--timeout=60s"]),
    "wait delete",
  );
  const none = ok(
    t,
    await c.kubectl([
      "get",
      "endpointslices",
      "-n",
      "default",
      "-l",
      "kubernetes.io/service-name=api",
      "-o",
      "name",
    ]),
    "get slices",
  );
  t.is(none.trim(), "");
});
