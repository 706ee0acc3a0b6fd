import type { KubeObject } from "./release-labels.js";

/** One kind in one namespace (or cluster-wide), narrowed by a label selector. */
export interface KindQuery {
  readonly apiVersion: string;
  readonly kind: string;
  /** Undefined: cluster-scoped kinds, or every namespace. */
  readonly namespace?: string | undefined;
  readonly selector: string;
}

/** A list, with the resourceVersion it was read at. */
export interface VersionedList {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

/** Watch event types as the API server sends them. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** List and watch; ObjectClient is the real one. */
export interface WatchReader {
  /** Lists `query`, saying the resourceVersion the list was read at. */
  listAt(query: KindQuery): Promise<VersionedList>;
  /**
   * Watches `query` from `resourceVersion`: `onEvent` for each event, then
   * `onEnd` exactly once when the stream ends for any reason (also when the
   * request fails). Resolves with a function that stops the watch.
   */
  watch(
    query: KindQuery,
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    onEnd: (err?: Error) => void,
  ): Promise<() => void>;
}

/** The watcher's view of time: when a broken watch may be tried again. */
export interface KindWatchTiming {
  /** Least time between two (re)starts when a watch keeps ending (ms). */
  readonly retryMs: number;
  /** A watch older than this is restarted from a fresh list (a silent half-open stream, ms). */
  readonly maxAgeMs: number;
}

/**
 * The objects of one kind that a wait follows, kept current by list then
 * watch from the list's resourceVersion, so no change between the two is
 * missed ({@link follow} opens the watch only once the wait has to wait). Whenever the watch ends (an error, 410 Gone, the server's
 * timeout) the next `ensure` lists again and watches from there; a watch
 * that keeps failing turns into a re-list every `retryMs`, i.e. polling.
 */
export class KindWatch {
  readonly #reader: WatchReader;
  readonly #query: KindQuery;
  readonly #names: ReadonlySet<string>;
  readonly #wake: () => void;
  readonly #timing: KindWatchTiming;
  readonly #objects = new Map<string, KubeObject>();
  #generation = 0;
  #watching = false;
  #startedAt = Number.NEGATIVE_INFINITY;
  #stop: (() => void) | undefined;
  /** The list a watch should start from, until {@link follow} starts it. */
  #from: { generation: number; resourceVersion: string } | undefined;
  #closed = false;
  /** Why the last list failed; undefined once a list succeeds. */
  error: string | undefined = "not listed yet";

  /** Follows the objects named `names` of `query`; `wake` is called on every change. */
  constructor(
    reader: WatchReader,
    query: KindQuery,
    names: Iterable<string>,
    wake: () => void,
    timing: KindWatchTiming,
  ) {
    this.#reader = reader;
    this.#query = query;
    this.#names = new Set(names);
    this.#wake = wake;
    this.#timing = timing;
  }

  /** The live object, as last listed or watched; undefined when it is not there. */
  get(name: string): KubeObject | undefined {
    return this.#objects.get(name);
  }

  /** Clock time at which `ensure` will act next, or undefined while the watch runs. */
  nextStartAt(): number | undefined {
    if (this.#watching) return this.#startedAt + this.#timing.maxAgeMs;
    return this.#startedAt + this.#timing.retryMs;
  }

  /** Lists and watches again when the watch has ended (and `retryMs` has passed) or grown old; never throws. */
  async ensure(now: number): Promise<void> {
    if (this.#closed) return;
    if (this.#watching && now - this.#startedAt < this.#timing.maxAgeMs) return;
    if (!this.#watching && now - this.#startedAt < this.#timing.retryMs) return;
    this.#stop?.();
    this.#stop = undefined;
    this.#watching = false;
    this.#startedAt = now;
    const generation = ++this.#generation;
    let listed: VersionedList;
    try {
      listed = await this.#reader.listAt(this.#query);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 404) {
        this.error = (err as Error).message;
        return;
      }
      // The kind is not served (its CRD was deleted): none of its objects exist. Listed again later.
      if (generation !== this.#generation) return;
      this.error = undefined;
      this.#objects.clear();
      return;
    }
    if (this.#closed || generation !== this.#generation) return;
    this.error = undefined;
    this.#objects.clear();
    for (const o of listed.items) this.#keep(o);
    this.#watching = true;
    this.#from = { generation, resourceVersion: listed.resourceVersion };
  }

  /**
   * Starts the watch from the last list's resourceVersion, if it is not
   * running yet. Separate from {@link ensure} so a wait that is over after
   * the list never opens one; starting late misses nothing, since the watch
   * replays every change after that version.
   */
  follow(): void {
    const from = this.#from;
    this.#from = undefined;
    if (!from || this.#closed || from.generation !== this.#generation) return;
    const generation = from.generation;
    let over = false;
    const live = () => !over && generation === this.#generation;
    const ended = () => {
      if (!live()) return;
      over = true;
      this.#watching = false;
      this.#wake();
    };
    // Not awaited: a watch whose response never starts must not hold the wait past its deadline.
    this.#reader
      .watch(
        this.#query,
        from.resourceVersion,
        (type, object) => {
          if (!live()) return;
          // 410 Gone and its kin end the stream: list again.
          if (type === "ERROR") return ended();
          if (type === "BOOKMARK") return;
          if (type === "DELETED") this.#objects.delete(object.metadata?.name);
          else this.#keep(object);
          this.#wake();
        },
        ended,
      )
      .then(
        (stop) => {
          if (live() && !this.#closed) this.#stop = stop;
          else stop();
        },
        () => ended(),
      );
  }

  /** Stops the watch for good (one still starting stops as soon as it has). */
  close(): void {
    this.#closed = true;
    this.#generation++;
    this.#stop?.();
    this.#stop = undefined;
  }

  #keep(o: KubeObject): void {
    const name = o.metadata?.name;
    // Only the objects waited for are kept: a namespace may hold many others of the release's kind.
    if (typeof name !== "string" || !this.#names.has(name)) return;
    this.#objects.set(name, { ...o, apiVersion: this.#query.apiVersion, kind: this.#query.kind });
  }
}
