import { randomInt } from "node:crypto";

const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomChars(n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Default join-token lifetime, as kubeadm's. */
export const defaultJoinTokenTtlMs = 24 * 60 * 60 * 1000;

/** A kubeadm-format bootstrap token: `<6-char id>.<16-char secret>` (about 83 bits of secret). */
export interface JoinToken {
  readonly id: string;
  readonly secret: string;
  readonly token: string;
}

/** A fresh join token. */
export function newJoinToken(): JoinToken {
  const id = randomChars(6);
  const secret = randomChars(16);
  return { id, secret, token: `${id}.${secret}` };
}

/** Splits a presented join token; undefined when it is not in the join-token format. */
export function parseJoinToken(token: string): { id: string; secret: string } | undefined {
  const m = /^([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(token);
  return m?.[1] && m[2] ? { id: m[1], secret: m[2] } : undefined;
}
