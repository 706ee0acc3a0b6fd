import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";

/** An encrypted value as stored: AES-256-GCM, all parts base64. */
export interface Sealed {
  readonly alg: "A256GCM";
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

/**
 * Encrypts secrets at rest with the master key (AES-256-GCM, random 96-bit
 * IV per value). `context` is bound as additional data so a sealed value
 * copied onto another record (say, another cluster's credentials) fails to open.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new AppError(ErrorCode.Internal, "master key must be 32 bytes");
    this.#key = key;
  }

  /** Encrypts a JSON-serialisable value. */
  seal(value: unknown, context: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
    return {
      alg: "A256GCM",
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      data: data.toString("base64"),
    };
  }

  /** Decrypts; throws `internal` when the key or context is wrong or the data was altered. */
  open<T = unknown>(sealed: Sealed, context: string): T {
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(sealed.iv, "base64"));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(sealed.data, "base64")),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString("utf8")) as T;
    } catch (err) {
      throw new AppError(ErrorCode.Internal, "cannot decrypt a stored secret (wrong master key?)", {
        cause: err,
      });
    }
  }
}
