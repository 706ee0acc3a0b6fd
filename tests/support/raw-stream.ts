import { type ClientDuplexStream, credentials, Metadata, status } from "@grpc/grpc-js";
import {
  AgentHubClient,
  type AgentMessage,
  type HubMessage,
  maxLinkMessageBytes,
} from "@smart-orchestrator/shared";
import { eventually } from "./hub-harness.js";

/** A valid Hello, as a kubeadm amd64 agent sends it. */
export const hello = {
  agentVersion: "0.1.0",
  kubernetesVersion: "v1.31.4",
  distribution: "kubeadm",
  cni: "calico",
  architectures: ["amd64"],
};

/** Opens a raw stream with the given bearer and claimed cluster id (it answers pings); resolves with its end status. */
export function rawStream(address: string, bearer: string, clusterId?: string, answerPings = true) {
  const client = new AgentHubClient(address, credentials.createInsecure(), {
    "grpc.max_send_message_length": 2 * maxLinkMessageBytes,
  });
  const md = new Metadata();
  md.set("authorization", `Bearer ${bearer}`);
  if (clusterId) md.set("x-so-cluster-id", clusterId);
  const stream: ClientDuplexStream<AgentMessage, HubMessage> = client.connect(md);
  const received: HubMessage[] = [];
  stream.on("data", (m: HubMessage) => {
    received.push(m);
    // Answer pings as an agent does, so that only the behaviour under test ends a stream,
    // not the 1.5 s read deadline on a busy machine.
    if (answerPings && m.body?.$case === "ping")
      stream.write({ body: { $case: "pong", value: { nonce: m.body.value.nonce } } });
  });
  const ended = new Promise<{ code: number; details: string }>((resolve) => {
    stream.on("error", (e: Error & { code: number; details: string }) =>
      resolve({ code: e.code, details: e.details }),
    );
    stream.on("end", () => resolve({ code: status.OK, details: "" }));
  });
  return { stream, received, ended, close: () => client.close() };
}

/** Joins with `token` over a raw stream and returns the Welcome (its credential); the stream is then cancelled. */
export async function joinedCredential(address: string, token: string) {
  const s = rawStream(address, token);
  s.stream.write({ body: { $case: "hello", value: hello } });
  const welcome = await eventually(
    () => s.received.find((m) => m.body?.$case === "welcome"),
    "welcome",
  );
  s.stream.cancel();
  s.close();
  if (welcome?.body?.$case !== "welcome") throw new Error("no welcome");
  return welcome.body.value;
}
