import test from "ava";
import { type SimulatorHandle, startSimulator } from "./simulator.js";
import { apiCall } from "./test-support.js";

let sim: SimulatorHandle;
test.before(async () => {
  sim = await startSimulator({ cluster: "name=v2,nodes=1", readyDelayMs: 0 });
});
test.after.always(() => sim?.close());

interface Swagger {
  swagger: string;
  definitions: Record<
    string,
    {
      properties?: Record<string, Record<string, unknown>>;
      "x-kubernetes-group-version-kind"?: unknown;
    }
  >;
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
}

test("/openapi/v2 is the v3 schemas as Swagger 2.0: v2 refs, body parameters, kinds by GVK", async (t) => {
  const doc = (await apiCall(sim.url, "GET", "/openapi/v2")).body as unknown as Swagger;
  t.is(doc.swagger, "2.0");
  const deployment = doc.definitions.V1Deployment!;
  t.deepEqual(deployment["x-kubernetes-group-version-kind"], [
    { group: "apps", version: "v1", kind: "Deployment" },
  ]);
  t.deepEqual(deployment.properties!.spec, { $ref: "#/definitions/V1DeploymentSpec" });
  t.truthy(doc.definitions.V1PodSpec, "models a kind reaches are defined too");
  const item = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!;
  t.deepEqual(item.put!.parameters![0] as unknown, {
    name: "body",
    in: "body",
    required: true,
    schema: { $ref: "#/definitions/V1Deployment" },
  });
  t.deepEqual((item.patch as unknown as { consumes: string[] }).consumes, [
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
  ]);
  t.true(item.patch!.parameters!.some((p) => p.name === "fieldValidation" && p.in === "query"));
  // The list strategies ride along for clients that merge lists themselves.
  const containers = doc.definitions.V1PodSpec!.properties!.containers!;
  t.is(containers["x-kubernetes-patch-merge-key"], "name");
  t.is(containers["x-kubernetes-patch-strategy"], "merge");
  t.false(JSON.stringify(doc).includes("#/components/"));
});

test("/openapi/v2 answers client-go's protobuf Accept with gnostic's Document", async (t) => {
  const res = await fetch(`${sim.url}/openapi/v2`, {
    headers: { Accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" },
  });
  t.is(
    res.headers.get("content-type"),
    "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
  );
  const body = Buffer.from(await res.arrayBuffer());
  // Field 1 (swagger, length-delimited) = "2.0".
  t.deepEqual([...body.subarray(0, 5)], [0x0a, 3, ...Buffer.from("2.0")]);
  t.true(body.includes(Buffer.from("V1Deployment")));
  t.true(body.includes(Buffer.from("x-kubernetes-group-version-kind")));
});
