/**
 * Helpers for the simulator's own tests (and for other tests that drive
 * client-node against it): polling with a deadline instead of sleeping, and
 * reading the Status out of a client-node ApiException.
 */
import type { ApiStatus } from "./api-status.js";

/**
 * Polls `probe` until it returns a value other than undefined/false, or
 * throws after `timeoutMs` with the last value seen, so a failing wait says
 * what it was waiting for.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${String(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The Status body of a client-node ApiException (its body is the raw response text). */
export function statusOf(err: unknown): ApiStatus {
  const body = (err as { body?: unknown }).body;
  const parsed = typeof body === "string" ? JSON.parse(body) : body;
  if (!parsed || (parsed as { kind?: unknown }).kind !== "Status") {
    throw new Error(`expected a Status body, got ${String(body)} from ${String(err)}`);
  }
  return parsed as ApiStatus;
}

/** Runs `fn` and returns the Status it was rejected with; fails when it resolves. */
export async function rejectedStatus(fn: () => Promise<unknown>): Promise<ApiStatus> {
  try {
    await fn();
  } catch (err) {
    return statusOf(err);
  }
  throw new Error("expected the call to fail with a Status, but it succeeded");
}

/** What {@link apiCall} got back. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** The `Warning` header, if any. */
  readonly warning: string | null;
}

/** One JSON request to a simulator (or any API server) at `base`, for tests that check raw answers. */
export async function apiCall(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": contentType, Accept: "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    warning: res.headers.get("warning"),
  };
}
