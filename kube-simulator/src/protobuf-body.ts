/**
 * Kubernetes protobuf request bodies, for the clients that send them: kubectl
 * (SelfSubjectAccessReview) and Helm (its release Secrets, and DeleteOptions)
 * use client-go typed clients, which post protobuf and take JSON back. A body
 * is the 4-byte magic `k8s\0`, then a runtime.Unknown {typeMeta=1
 * {apiVersion=1, kind=2}, raw=2}; raw is the object in the field numbers of
 * k8s.io/api's generated.proto. Only the kinds below are read, into their
 * JSON form; any other is a 415, as a server without that encoding answers.
 * Wire decoding is @bufbuild/protobuf's BinaryReader.
 */
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { ApiStatusError } from "./api-status.js";
import type { JsonObject } from "./kube-object.js";

type Field =
  | "string"
  | "bytes"
  | "int"
  | "bool"
  | "strings"
  | { readonly map: "string" | "bytes" }
  | { readonly message: Message; readonly repeated?: boolean };
type Message = Readonly<Record<number, readonly [string, Field]>>;

const ownerReference: Message = {
  1: ["kind", "string"],
  3: ["name", "string"],
  4: ["uid", "string"],
  5: ["apiVersion", "string"],
  6: ["controller", "bool"],
  7: ["blockOwnerDeletion", "bool"],
};
const objectMeta: Message = {
  1: ["name", "string"],
  2: ["generateName", "string"],
  3: ["namespace", "string"],
  5: ["uid", "string"],
  6: ["resourceVersion", "string"],
  7: ["generation", "int"],
  11: ["labels", { map: "string" }],
  12: ["annotations", { map: "string" }],
  13: ["ownerReferences", { message: ownerReference, repeated: true }],
  14: ["finalizers", "strings"],
};
const metadata = ["metadata", { message: objectMeta }] as const;

/** The kinds read from protobuf, by the `kind` in the envelope. */
const kinds: Readonly<Record<string, Message>> = {
  Secret: {
    1: metadata,
    2: ["data", { map: "bytes" }],
    3: ["type", "string"],
    4: ["stringData", { map: "string" }],
    5: ["immutable", "bool"],
  },
  ConfigMap: {
    1: metadata,
    2: ["data", { map: "string" }],
    3: ["binaryData", { map: "bytes" }],
    4: ["immutable", "bool"],
  },
  DeleteOptions: {
    1: ["gracePeriodSeconds", "int"],
    2: ["preconditions", { message: { 1: ["uid", "string"], 2: ["resourceVersion", "string"] } }],
    3: ["orphanDependents", "bool"],
    4: ["propagationPolicy", "string"],
    5: ["dryRun", "strings"],
  },
  SelfSubjectAccessReview: {
    1: metadata,
    2: [
      "spec",
      {
        message: {
          1: [
            "resourceAttributes",
            {
              message: {
                1: ["namespace", "string"],
                2: ["verb", "string"],
                3: ["group", "string"],
                4: ["version", "string"],
                5: ["resource", "string"],
                6: ["subresource", "string"],
                7: ["name", "string"],
              },
            },
          ],
          2: [
            "nonResourceAttributes",
            { message: { 1: ["path", "string"], 2: ["verb", "string"] } },
          ],
        },
      },
    ],
  },
};

const magic = [0x6b, 0x38, 0x73, 0x00];
const utf8 = new TextDecoder();

function decode(bytes: Uint8Array, message: Message): JsonObject {
  const out: JsonObject = {};
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wire] = r.tag();
    const spec = message[no];
    if (!spec) {
      r.skip(wire, no);
      continue;
    }
    const [name, field] = spec;
    if (field === "int") out[name] = Number(r.int64());
    else if (field === "bool") out[name] = r.bool();
    else if (wire !== WireType.LengthDelimited) r.skip(wire, no);
    else if (field === "string") out[name] = r.string();
    else if (field === "bytes") out[name] = Buffer.from(r.bytes()).toString("base64");
    else if (field === "strings") out[name] = [...((out[name] as string[]) ?? []), r.string()];
    else if ("map" in field) {
      const entry = new BinaryReader(r.bytes());
      let key = "";
      let value = "";
      while (entry.pos < entry.len) {
        const [eno, ewire] = entry.tag();
        if (eno === 1) key = entry.string();
        else if (eno === 2)
          value =
            field.map === "bytes"
              ? Buffer.from(entry.bytes()).toString("base64")
              : utf8.decode(entry.bytes());
        else entry.skip(ewire, eno);
      }
      out[name] = { ...((out[name] as JsonObject) ?? {}), [key]: value };
    } else {
      const inner = decode(r.bytes(), field.message);
      out[name] = field.repeated ? [...((out[name] as JsonObject[]) ?? []), inner] : inner;
    }
  }
  return out;
}

/** True for a protobuf Content-Type. */
export function isProtobuf(contentType: string): boolean {
  return contentType.includes("application/vnd.kubernetes.protobuf");
}

/** Decodes a protobuf body into its JSON shape; 415 for a kind not read here, 400 if malformed. */
export function decodeProtobufBody(body: Buffer): JsonObject {
  if (body.length < 4 || magic.some((b, i) => body[i] !== b)) {
    throw new ApiStatusError("BadRequest", "the body of the request is not Kubernetes protobuf");
  }
  let envelope: JsonObject;
  try {
    envelope = decode(body.subarray(4), {
      1: ["typeMeta", { message: { 1: ["apiVersion", "string"], 2: ["kind", "string"] } }],
      2: ["raw", "bytes"],
    });
  } catch (err) {
    throw new ApiStatusError("BadRequest", `malformed protobuf body: ${(err as Error).message}`);
  }
  const typeMeta = (envelope.typeMeta as JsonObject | undefined) ?? {};
  const kind = String(typeMeta.kind ?? "");
  const message = kinds[kind];
  if (!message) {
    throw new ApiStatusError(
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  try {
    const raw = Buffer.from(String(envelope.raw ?? ""), "base64");
    return { ...typeMeta, ...decode(raw, message) };
  } catch (err) {
    throw new ApiStatusError("BadRequest", `malformed protobuf body: ${(err as Error).message}`);
  }
}
