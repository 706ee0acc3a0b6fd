/**
 * The protobuf form of `/openapi/v2` (gnostic's `openapi.v2.Document`),
 * which client-go asks for first (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`)
 * and is the only form it decodes. Written by hand for the messages the
 * definitions need: Document (swagger, info, definitions), Schema and its
 * parts; vendor extensions and defaults travel as YAML (JSON is YAML).
 * Paths are left out of this form: clients read kinds from the definitions'
 * `x-kubernetes-group-version-kind`.
 */
import { isObject, type JsonObject } from "./kube-object.js";

/** The media type client-go sends in Accept for the protobuf document. */
export const openApiV2Protobuf = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

class Writer {
  readonly #parts: Buffer[] = [];

  #varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.#parts.push(Buffer.from(bytes));
  }

  bytes(field: number, data: Buffer): this {
    this.#varint((field << 3) | 2);
    this.#varint(data.length);
    this.#parts.push(data);
    return this;
  }

  string(field: number, value: unknown): this {
    return typeof value === "string" && value !== ""
      ? this.bytes(field, Buffer.from(value, "utf8"))
      : this;
  }

  bool(field: number, value: boolean): this {
    this.#varint(field << 3);
    this.#varint(value ? 1 : 0);
    return this;
  }

  message(field: number, inner: Writer): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/** gnostic's Any: the value as YAML text. */
const anyOf = (value: unknown) => new Writer().string(2, JSON.stringify(value));

const namedSchema = (name: string, schema: unknown) =>
  new Writer().string(1, name).message(2, schemaMessage(schema));

function schemaMessage(schema: unknown): Writer {
  const w = new Writer();
  if (!isObject(schema)) return w;
  w.string(1, schema.$ref).string(2, schema.format).string(4, schema.description);
  if (schema.default !== undefined) w.message(5, anyOf(schema.default));
  for (const r of Array.isArray(schema.required) ? schema.required : []) w.string(19, r);
  for (const e of Array.isArray(schema.enum) ? schema.enum : []) w.message(20, anyOf(e));
  const extra = schema.additionalProperties;
  if (isObject(extra)) w.message(21, new Writer().message(1, schemaMessage(extra)));
  else if (typeof extra === "boolean") w.message(21, new Writer().bool(2, extra));
  if (typeof schema.type === "string") w.message(22, new Writer().string(1, schema.type));
  if (isObject(schema.items)) w.message(23, new Writer().message(1, schemaMessage(schema.items)));
  for (const s of Array.isArray(schema.allOf) ? schema.allOf : []) w.message(24, schemaMessage(s));
  if (isObject(schema.properties)) {
    const props = new Writer();
    for (const [name, s] of Object.entries(schema.properties))
      props.message(1, namedSchema(name, s));
    w.message(25, props);
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith("x-")) w.message(31, new Writer().string(1, key).message(2, anyOf(value)));
  }
  return w;
}

/** Encodes a Swagger 2.0 document (from openapi-v2.ts) as gnostic's protobuf Document. */
export function encodeSwaggerProtobuf(doc: JsonObject): Buffer {
  const info = isObject(doc.info) ? doc.info : {};
  const definitions = new Writer();
  for (const [name, schema] of Object.entries(isObject(doc.definitions) ? doc.definitions : {}))
    definitions.message(1, namedSchema(name, schema));
  return new Writer()
    .string(1, doc.swagger)
    .message(2, new Writer().string(1, info.title).string(2, info.version))
    .message(9, definitions)
    .finish();
}
