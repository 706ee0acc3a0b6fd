import type { Logger } from "@smart-orchestrator/shared";

/**
 * A warning that is logged at most once per interval, with the number of
 * times it happened since the last line: a connection flood that hits a cap
 * must be visible in the log without becoming a log flood itself.
 */
export class ThrottledWarning {
  readonly #log: Logger;
  readonly #message: string;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #lastAt = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  constructor(options: {
    log: Logger;
    message: string;
    intervalMs?: number;
    now?: () => number;
  }) {
    this.#log = options.log;
    this.#message = options.message;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Records one occurrence; logs it unless a line went out within the interval. */
  hit(fields: Record<string, unknown>): void {
    const now = this.#now();
    if (now - this.#lastAt < this.#intervalMs) {
      this.#suppressed++;
      return;
    }
    this.#log.warn({ ...fields, alsoSinceLastWarning: this.#suppressed }, this.#message);
    this.#lastAt = now;
    this.#suppressed = 0;
  }
}
