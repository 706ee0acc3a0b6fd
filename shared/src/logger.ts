import { type LevelWithSilent, type LogFn, type Logger, pino } from "pino";

/** The log levels accepted by configuration. */
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** A configured log level. */
export type LogLevel = (typeof logLevels)[number] & LevelWithSilent;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  readonly name: string;
  readonly level: LogLevel;
  /** Where JSON lines go; stdout by default. Tests pass a sink. */
  readonly destination?: NodeJS.WritableStream;
  /**
   * Print an identical line (same level, bindings, message and fields) at
   * most once per this many ms; the next one after the window carries
   * `repeated: <n suppressed>`. Off (0) by default.
   */
  readonly repeatWindowMs?: number;
  /** Clock for the repeat window (tests). */
  readonly now?: () => number;
}

/** Creates the process logger: pino JSON lines, one per event. */
export function createLogger(options: LoggerOptions): Logger {
  const opts = {
    name: options.name,
    level: options.level,
    base: { pid: process.pid },
    ...(options.repeatWindowMs
      ? { hooks: { logMethod: repeatLimiter(options.repeatWindowMs, options.now ?? Date.now) } }
      : {}),
  };
  return options.destination
    ? pino(opts, options.destination as unknown as pino.DestinationStream)
    : pino(opts);
}

type LogMethodHook = (this: Logger, args: Parameters<LogFn>, method: LogFn, level: number) => void;

// An agent that cannot reach its cluster would otherwise print the same
// failure every few seconds for as long as it runs.
function repeatLimiter(windowMs: number, now: () => number): LogMethodHook {
  const seen = new Map<string, { until: number; suppressed: number }>();
  return function (this: Logger, args, method, level) {
    const key =
      `${level}|${JSON.stringify(this.bindings())}|${JSON.stringify(args, errorText)}`.slice(
        0,
        4096,
      );
    const t = now();
    const entry = seen.get(key);
    if (entry && t < entry.until) {
      entry.suppressed++;
      return;
    }
    if (seen.size > 500) for (const [k, e] of seen) if (e.until <= t) seen.delete(k);
    seen.set(key, { until: t + windowMs, suppressed: 0 });
    const repeated = entry?.suppressed ?? 0;
    if (repeated === 0) return method.apply(this, args);
    const [first, ...rest] = args as unknown[];
    const withCount =
      first instanceof Error
        ? [{ err: first, repeated }, ...rest]
        : typeof first === "object" && first !== null
          ? [{ ...first, repeated }, ...rest]
          : [{ repeated }, first, ...rest];
    return method.apply(this, withCount as Parameters<LogFn>);
  };
}

function errorText(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

export type { Logger };
