import {
  AppError,
  invalidSetting as invalid,
  parseBytes,
  parseMillis,
  type RawSetting,
} from "@smart-orchestrator/shared";
import {
  defaultPlacementPolicy,
  type PlacementPolicy,
  parsePlacementPolicy,
} from "./placement/policies.js";
import { kubernetesDefaultRequests } from "./placement/workload-demand.js";

/**
 * Reads one optional setting: `fallback` when it is unset, else what `parse`
 * makes of the trimmed value. `parse` returns undefined to refuse it, and the
 * error then names the setting, what it `must` be and what was given, e.g.
 * `SO_PORT must be a port number 0-65535, got "x"`.
 */
function setting<T>(
  input: RawSetting,
  fallback: T,
  must: string,
  parse: (value: string) => T | undefined,
): T {
  if (input.value === undefined) return fallback;
  const value = parse(input.value.trim());
  if (value === undefined) throw invalid(input.source, `${must}, got "${input.value}"`);
  return value;
}

/** A TCP port, 0 (any free port) to 65535. */
export function parsePort(input: RawSetting, fallback: number): number {
  return setting(input, fallback, "must be a port number 0-65535", (v) => {
    const n = Number(v);
    return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
  });
}

/** A whole number of at least 1 (connection limits). */
export function parseCount(input: RawSetting, fallback: number): number {
  return setting(input, fallback, "must be a whole number of at least 1", (v) => {
    const n = Number(v);
    return /^\d+$/.test(v) && Number.isSafeInteger(n) && n >= 1 ? n : undefined;
  });
}

/** Plain milliseconds from 1 to 3600000 (the MongoDB limits). */
export function parseMilliseconds(input: RawSetting, fallback: number): number {
  // 1 h at most: a longer wait is the unbounded wait these limits exist to prevent.
  return setting(input, fallback, "must be milliseconds from 1 to 3600000", (v) => {
    const n = Number(v);
    return /^\d+$/.test(v) && n >= 1 && n <= 3_600_000 ? n : undefined;
  });
}

const sizeUnits: Record<string, number> = { "": 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** A size as `5mb`, `512kb` or plain bytes; must be positive. */
export function parseSize(input: RawSetting, fallback: number): number {
  return setting(input, fallback, "must be a size such as 5mb or 1048576", (v) => {
    const m = /^(\d+)\s*([kmg]?b?)$/i.exec(v);
    const unit = sizeUnits[(m?.[2] ?? "").toLowerCase()];
    return m && unit !== undefined && Number(m[1]) > 0 ? Number(m[1]) * unit : undefined;
  });
}

const timeoutUnits: Record<string, number> = { "": 1, ms: 1, s: 1000, m: 60_000 };

/** A timeout as `10s`, `500ms`, `2m` or plain milliseconds; must be positive. */
export function parseTimeout(input: RawSetting, fallback: number): number {
  return setting(input, fallback, "must be a duration such as 10s, 500ms or 2m", (v) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i.exec(v);
    const unit = timeoutUnits[(m?.[2] ?? "").toLowerCase()];
    const ms = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : Number.NaN;
    // Node's timers take at most a signed 32-bit number of milliseconds.
    return ms >= 1 && ms <= 2 ** 31 - 1 ? ms : undefined;
  });
}

const durationUnits: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A whole number of minutes or hours from 5 minutes to 23 hours (the forecaster uses the same time on previous days). */
export function parseDuration(input: RawSetting, fallback: number): number {
  return setting(input, fallback, "must be a duration from 5m to 23h such as 6h or 90m", (v) => {
    const m = /^(\d+)\s*([mhd])$/.exec(v);
    const ms = m ? Number(m[1]) * (durationUnits[m[2] as string] as number) : Number.NaN;
    return ms >= 5 * 60_000 && ms <= 23 * 3_600_000 ? ms : undefined;
  });
}

/** `<cpu>,<memory>` (e.g. `100m,200Mi`): the request assumed for a pod that asks for nothing. */
export function parseDefaultRequests(input: RawSetting): {
  readonly cpuMillis: number;
  readonly memoryBytes: number;
} {
  return setting(
    input,
    kubernetesDefaultRequests,
    'must be "<cpu>,<memory>" above zero such as 100m,200Mi',
    (v) => {
      const [cpu, mem, extra] = v.split(",").map((s) => s.trim());
      if (!cpu || !mem || extra !== undefined) return undefined;
      try {
        const out = { cpuMillis: Number(parseMillis(cpu)), memoryBytes: Number(parseBytes(mem)) };
        return out.cpuMillis > 0 && out.memoryBytes > 0 ? out : undefined;
      } catch {
        return undefined;
      }
    },
  );
}

/** A Kubernetes namespace name (a DNS-1123 label, at most 63 characters). */
export function parseNamespace(input: RawSetting, fallback: string): string {
  return setting(input, fallback, "must be a namespace name (a DNS-1123 label)", (v) =>
    v.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) ? v : undefined,
  );
}

/** A placement policy name (default traffic-most); the error keeps the policy module's reason. */
export function parsePolicy(input: RawSetting): PlacementPolicy {
  if (input.value === undefined) return defaultPlacementPolicy;
  try {
    return parsePlacementPolicy(input.value, input.source);
  } catch (err) {
    throw invalid(input.source, AppError.from(err).message.replace(`${input.source} `, ""));
  }
}
