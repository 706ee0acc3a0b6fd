/** Options for {@link Backoff}. */
export interface BackoffOptions {
  /** First ceiling, in ms (default 1000). */
  readonly initialMs?: number;
  /** Largest ceiling, in ms (default 30000). */
  readonly maxMs?: number;
  /** Source of randomness in [0, 1); injected by tests. */
  readonly random?: () => number;
}

/**
 * Exponential backoff with full jitter: the n-th wait is uniform in
 * [0, min(max, initial * 2^n)). Full jitter spreads a fleet's reconnects
 * evenly over the window, so thousands of agents do not stampede a hub that
 * has just restarted (AWS Architecture Blog, "Exponential Backoff And Jitter").
 */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initialMs ?? 1000;
    this.#max = options.maxMs ?? 30_000;
    this.#random = options.random ?? Math.random;
  }

  /** The next wait in ms; each call widens the window until the cap. */
  next(): number {
    const ceiling = Math.min(this.#max, this.#initial * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.floor(this.#random() * ceiling);
  }

  /** Back to the first window, after a success. */
  reset(): void {
    this.#attempt = 0;
  }

  /** How many waits since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }
}
