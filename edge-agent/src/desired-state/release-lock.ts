/**
 * One holder per key at a time, in arrival order. The repairer and commands
 * share it per release, so a repair never re-applies an old revision while
 * a command is applying a new one.
 */
export class ReleaseLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `work` once every earlier holder of `key` is done. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const mine = before.then(work);
    const tail = mine.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return mine;
  }
}
