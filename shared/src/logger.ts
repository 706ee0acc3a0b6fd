import { type LevelWithSilent, type Logger, pino } from "pino";

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
}

/** Creates the process logger: pino JSON lines, one per event. */
export function createLogger(options: LoggerOptions): Logger {
  const opts = { name: options.name, level: options.level, base: { pid: process.pid } };
  return options.destination
    ? pino(opts, options.destination as unknown as pino.DestinationStream)
    : pino(opts);
}

export type { Logger };
