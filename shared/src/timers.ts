/** A scheduled callback; clearing it twice, or after it ran, is harmless. */
export interface Timer {
  clear(): void;
}

/**
 * The clock and timers a component reads, injected as `Backoff` injects its
 * randomness, so tests drive deadlines with {@link FakeTimers} instead of
 * waiting for real ones.
 */
export interface Timers {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Runs `fn` every `ms` until cleared. */
  setInterval(fn: () => void, ms: number): Timer;
}

/** Options for {@link systemTimers}. */
export interface SystemTimersOptions {
  /** Timers that do not keep the process alive (background deadlines and pings). */
  readonly unref?: boolean;
}

/** The real clock and Node's timers. */
export function systemTimers(options: SystemTimersOptions = {}): Timers {
  const unref = options.unref === true;
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const handle = setTimeout(fn, ms);
      if (unref) handle.unref();
      return { clear: () => clearTimeout(handle) };
    },
    setInterval(fn, ms) {
      const handle = setInterval(fn, ms);
      if (unref) handle.unref();
      return { clear: () => clearInterval(handle) };
    },
  };
}

interface Scheduled {
  readonly id: number;
  at: number;
  readonly every: number | undefined;
  readonly fn: () => void;
}

/**
 * A manual clock for tests: nothing runs until {@link advance} moves time,
 * and then every due callback runs in time order, each seeing `now()` at its
 * own due time.
 */
export class FakeTimers implements Timers {
  #now: number;
  #nextId = 0;
  readonly #pending = new Map<number, Scheduled>();

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.#add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): Timer {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  /** How many callbacks are scheduled. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Moves the clock forward by `ms`, running what falls due on the way. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: Scheduled | undefined;
      for (const s of this.#pending.values()) {
        if (s.at <= target && (!next || s.at < next.at || (s.at === next.at && s.id < next.id)))
          next = s;
      }
      if (!next) break;
      this.#now = next.at;
      if (next.every === undefined) this.#pending.delete(next.id);
      else next.at += next.every;
      next.fn();
    }
    this.#now = target;
  }

  #add(fn: () => void, ms: number, every: number | undefined): Timer {
    const id = this.#nextId++;
    this.#pending.set(id, { id, at: this.#now + Math.max(0, ms), every, fn });
    return { clear: () => this.#pending.delete(id) };
  }
}
