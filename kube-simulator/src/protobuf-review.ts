/**
 * kubectl (client-go typed clients) posts a SelfSubjectAccessReview as
 * Kubernetes protobuf: the 4-byte magic `k8s\0`, then a runtime.Unknown
 * {typeMeta=1 {apiVersion=1, kind=2}, raw=2} whose raw bytes are the review
 * (generated.proto of k8s.io/api/authorization/v1). This reads the few fields
 * the review needs into its JSON form; the answer goes back as JSON, which
 * kubectl accepts. Wire decoding is @bufbuild/protobuf's BinaryReader.
 */
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { ApiStatusError } from "./api-status.js";
import type { JsonObject } from "./kube-object.js";

const magic = [0x6b, 0x38, 0x73, 0x00];

/** Reads a message's length-delimited fields by number; other fields are skipped. */
function fields(bytes: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, type] = r.tag();
    if (type === WireType.LengthDelimited) out.set(no, r.bytes());
    else r.skip(type, no);
  }
  return out;
}

const text = (b: Uint8Array | undefined): string => (b ? new TextDecoder().decode(b) : "");

function strings(bytes: Uint8Array | undefined, names: Record<number, string>): JsonObject {
  const f = fields(bytes ?? new Uint8Array());
  const out: JsonObject = {};
  for (const [no, name] of Object.entries(names)) {
    const v = text(f.get(Number(no)));
    if (v) out[name] = v;
  }
  return out;
}

/** Decodes a protobuf SelfSubjectAccessReview into its JSON shape; 400 on anything else. */
export function decodeProtobufReview(body: Buffer): JsonObject {
  if (body.length < 4 || magic.some((b, i) => body[i] !== b)) {
    throw new ApiStatusError("BadRequest", "the body of the request is not Kubernetes protobuf");
  }
  try {
    const unknown = fields(body.subarray(4));
    const typeMeta = strings(unknown.get(1), { 1: "apiVersion", 2: "kind" });
    if (typeMeta.kind !== "SelfSubjectAccessReview") {
      throw new ApiStatusError(
        "BadRequest",
        `the body of the request must be a SelfSubjectAccessReview, got ${String(typeMeta.kind)}`,
      );
    }
    const review = fields(unknown.get(2) ?? new Uint8Array());
    const spec = fields(review.get(2) ?? new Uint8Array());
    const out: JsonObject = {};
    if (spec.has(1)) {
      out.resourceAttributes = strings(spec.get(1), {
        1: "namespace",
        2: "verb",
        3: "group",
        4: "version",
        5: "resource",
        6: "subresource",
        7: "name",
      });
    }
    if (spec.has(2)) out.nonResourceAttributes = strings(spec.get(2), { 1: "path", 2: "verb" });
    return { ...typeMeta, spec: out };
  } catch (err) {
    if (err instanceof ApiStatusError) throw err;
    throw new ApiStatusError("BadRequest", `malformed protobuf body: ${(err as Error).message}`);
  }
}
