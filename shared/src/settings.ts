import { AppError, ErrorCode } from "./app-error.js";
import { type LogLevel, logLevels } from "./logger.js";

/** One configuration setting: its environment variable, its flag and its help line. */
export interface SettingSpec {
  readonly env: string;
  readonly flag: string;
  readonly help: string;
  /** A switch: `--flag` alone means true. */
  readonly boolean?: boolean;
}

/** A setting's raw value and where it came from (the flag or variable name), for error messages. */
export interface RawSetting {
  readonly value: string | undefined;
  readonly source: string;
}

/**
 * Parses `argv` against the specs and returns a reader that gives each
 * setting's raw value, the flag winning over the environment; an empty
 * variable counts as unset. Unknown flags and flags missing a value throw.
 */
export function readSettings<K extends string>(
  specs: Readonly<Record<K, SettingSpec>>,
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[],
): (key: K) => RawSetting {
  const byFlag = new Map<string, SettingSpec>(
    Object.values<SettingSpec>(specs).map((s) => [s.flag, s]),
  );
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = byFlag.get(name);
    if (!spec) throw invalidSetting(arg, "is not a known flag (see --help)");
    const bare = spec.boolean && eq < 0 && (argv[i + 1] ?? "--").startsWith("--");
    const value = bare ? "true" : eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw invalidSetting(name, "needs a value");
    flags.set(name, value);
  }
  return (key) => {
    const spec: SettingSpec = specs[key];
    const fromFlag = flags.get(spec.flag);
    if (fromFlag !== undefined) return { value: fromFlag, source: spec.flag };
    const fromEnv = env[spec.env];
    return { value: fromEnv === "" ? undefined : fromEnv, source: spec.env };
  };
}

/** The `--help` lines for a set of specs. */
export function settingsHelp(specs: Readonly<Record<string, SettingSpec>>): string {
  return Object.values(specs)
    .map((s) => `  ${s.flag.padEnd(22)} ${s.env.padEnd(24)} ${s.help}`)
    .join("\n");
}

/** Reads a true/false setting (also 1/0); anything else throws naming the source. */
export function parseBoolSetting(input: RawSetting, fallback = false): boolean {
  if (input.value === undefined) return fallback;
  const v = input.value.toLowerCase();
  if (!["true", "1", "false", "0"].includes(v)) {
    throw invalidSetting(input.source, `must be true or false, got "${input.value}"`);
  }
  return v === "true" || v === "1";
}

/** Reads a pino log level (default `info`); anything else throws naming the source. */
export function parseLogLevelSetting(input: RawSetting): LogLevel {
  const level = input.value ?? "info";
  if (!(logLevels as readonly string[]).includes(level)) {
    throw invalidSetting(input.source, `must be one of ${logLevels.join(", ")}, got "${level}"`);
  }
  return level as LogLevel;
}

/** The error for a bad setting: "<source> <reason>", with the field named. */
export function invalidSetting(source: string, reason: string): AppError {
  return new AppError(ErrorCode.InvalidArgument, `${source} ${reason}`, {
    fields: [{ field: source, reason }],
  });
}
