/** A subscription to one enabler's "a command ended" signal. */
export interface SettleSubscription {
  /** Resolves at the next signal after the previous one was taken. */
  next(): Promise<void>;
  cancel(): void;
}

/**
 * Wakes requests that wait for an enabler's command to end (a DELETE that
 * waits up to its Timeout). Subscribe before the write that queues the
 * command, so a fast agent's answer is not missed; then re-read the store
 * on every wake (the signal carries nothing).
 */
export class SettleSignals {
  readonly #waiters = new Map<string, Set<() => void>>();

  /** The delivery side says a command of this enabler (or tombstone) has ended. */
  settled(id: string): void {
    for (const wake of this.#waiters.get(id) ?? []) wake();
  }

  /** Starts listening for `id`'s signals. */
  subscribe(id: string): SettleSubscription {
    let wake: () => void = () => undefined;
    let signal = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const listener = () => {
      wake();
      signal = new Promise<void>((resolve) => {
        wake = resolve;
      });
    };
    let set = this.#waiters.get(id);
    if (!set) {
      set = new Set();
      this.#waiters.set(id, set);
    }
    set.add(listener);
    return {
      next: () => signal,
      cancel: () => {
        set.delete(listener);
        if (set.size === 0) this.#waiters.delete(id);
      },
    };
  }
}

/** Waits for the next signal or until `ms` have passed, whichever is first. */
export async function nextOrTimeout(sub: SettleSubscription, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    sub.next(),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
