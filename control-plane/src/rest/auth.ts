import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { hashSecret, randomSecret, secretMatches } from "../security/tokens.js";
import type { Collection, StoredDoc } from "../store/store.js";

/** Checks bearer tokens presented to the REST API. */
export interface TokenVerifier {
  /** Throws `unauthenticated` unless the Authorization header carries a valid token. */
  verify(authorization: string | undefined): void;
}

interface SettingDoc extends StoredDoc {
  readonly hash: string;
  readonly createdAt: string;
}

/** What {@link loadAdminAuth} returns: the verifier, plus a token created just now. */
export interface AdminAuth {
  readonly verifier: TokenVerifier;
  /** Set only on the start that generated a token; printed once, then forgotten. */
  readonly generatedToken: string | undefined;
}

/**
 * Resolves the admin token: the configured one, else the hash stored by an
 * earlier start, else a new random token whose hash is stored and which the
 * caller prints once. The store never holds the token itself.
 */
export async function loadAdminAuth(
  configured: string | undefined,
  settings: Collection<SettingDoc>,
): Promise<AdminAuth> {
  if (configured)
    return { verifier: bearerVerifier(hashSecret(configured)), generatedToken: undefined };
  const stored = await settings.get("admin-token");
  if (stored) return { verifier: bearerVerifier(stored.hash), generatedToken: undefined };
  const token = `so_${randomSecret(32)}`;
  await settings.insert({
    _id: "admin-token",
    hash: hashSecret(token),
    createdAt: new Date().toISOString(),
  });
  return { verifier: bearerVerifier(hashSecret(token)), generatedToken: token };
}

/** A verifier that accepts everything: `SO_AUTH=none`, for legacy clients only. */
export const noAuth: TokenVerifier = { verify() {} };

function bearerVerifier(hash: string): TokenVerifier {
  return {
    verify(authorization) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
      if (!m?.[1]) {
        throw new AppError(
          ErrorCode.Unauthenticated,
          "missing bearer token (Authorization: Bearer <token>)",
        );
      }
      if (!secretMatches(m[1], hash))
        throw new AppError(ErrorCode.Unauthenticated, "invalid bearer token");
    },
  };
}

export type { SettingDoc };
