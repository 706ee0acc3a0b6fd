import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import type { Context } from "koa";

/**
 * Reads a JSON request body, refusing more than `limit` bytes before
 * buffering it all, and anything that is not `application/json`.
 * Returns undefined for an empty body.
 */
export async function readJsonBody(ctx: Context, limit: number): Promise<unknown> {
  const declared = Number(ctx.get("content-length") || "0");
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      ctx.req.resume();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const type = ctx.get("content-type");
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new AppError(
      ErrorCode.Unsupported,
      `content-type must be application/json, got "${type || "none"}"`,
      {
        fields: [{ field: "content-type", reason: "must be application/json" }],
      },
    );
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err) {
    const reason = err instanceof Error ? err.message : "malformed JSON";
    throw new AppError(ErrorCode.InvalidArgument, `body is not valid JSON: ${reason}`, {
      fields: [{ field: "", reason: `malformed JSON: ${reason}` }],
    });
  }
}

function tooLarge(limit: number): AppError {
  return new AppError(ErrorCode.PayloadTooLarge, `body exceeds the limit of ${limit} bytes`, {
    fields: [{ field: "", reason: `larger than ${limit} bytes` }],
  });
}
