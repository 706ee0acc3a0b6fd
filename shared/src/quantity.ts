/**
 * Kubernetes resource quantities ("250m", "1Gi", "1e3", "0.5"), parsed exactly.
 *
 * A quantity is kept as `unscaled × 10^scale` with a bigint `unscaled`, so no
 * value ever passes through a float. The rules follow apimachinery's
 * `resource.ParseQuantity`: values finer than 1n are rounded up (away from
 * zero) to 1n at parse time, and conversions to integers (`toMillis`,
 * `toInteger`) round up as `MilliValue()` / `Value()`-for-requests do, so a
 * pod that asks for "0.1m" CPU still counts as asking for something.
 */
import { AppError, ErrorCode } from "./app-error.js";

/** How a quantity was written; the formatter keeps the family, as Kubernetes does. */
export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

/** An exact quantity: `unscaled × 10^scale`. */
export interface Quantity {
  readonly unscaled: bigint;
  /** Power of ten; never below -9 after parsing (nano is the finest unit). */
  readonly scale: number;
  readonly format: QuantityFormat;
}

const decimalSuffixes: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const binarySuffixes: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};

// A bound well past anything a real cluster uses; it keeps "1e999999999"
// from making the formatter build a billion-digit bigint.
const maxExponent = 1000;

const nano = -9;

// sign, integer digits, optional fraction, then the suffix (checked below).
const quantityPattern = /^([+-]?)(\d*)(?:\.(\d*))?([a-zA-Z]*(?:[+-]?\d+)?)$/;

/**
 * Parses a quantity string exactly. Throws `AppError(invalid_argument)` naming
 * the input when it is not a Kubernetes quantity.
 */
export function parseQuantity(input: string): Quantity {
  const match = quantityPattern.exec(input);
  const intDigits = match?.[2] ?? "";
  const fracDigits = match?.[3] ?? "";
  if (!match || (intDigits === "" && fracDigits === "")) throw invalid(input);
  const negative = match[1] === "-";
  const suffix = match[4] ?? "";

  let scale = -fracDigits.length;
  let unscaled = BigInt(intDigits + fracDigits || "0");
  let format: QuantityFormat;
  const decimal = decimalSuffixes[suffix];
  const binary = binarySuffixes[suffix];
  if (decimal !== undefined) {
    format = "DecimalSI";
    scale += decimal;
  } else if (binary !== undefined) {
    format = "BinarySI";
    unscaled <<= BigInt(binary);
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    const exponent = Number(suffix.slice(1));
    if (Math.abs(exponent) > maxExponent) throw invalid(input, "exponent out of range");
    format = "DecimalExponent";
    scale += exponent;
  } else {
    throw invalid(input, `unknown suffix "${suffix}"`);
  }

  if (scale < nano) {
    unscaled = divideRoundingUp(unscaled, 10n ** BigInt(nano - scale));
    scale = nano;
  }
  // A binary value under 1 cannot be written in Ki/Mi/..., so Kubernetes
  // switches it to DecimalSI; we do the same so formatting agrees.
  if (format === "BinarySI" && unscaled > 0n && compareToOne(unscaled, scale) < 0) {
    format = "DecimalSI";
  }
  return normalise({ unscaled: negative ? -unscaled : unscaled, scale, format });
}

/** True when `input` parses as a quantity. */
export function isQuantity(input: string): boolean {
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}

/** `ceil(q × 10^targetScale)` rounding away from zero, as apimachinery's `ScaledValue`. */
export function toScaled(q: Quantity, targetScale: number): bigint {
  const shift = q.scale - targetScale;
  if (shift >= 0) return q.unscaled * 10n ** BigInt(shift);
  return divideRoundingUp(q.unscaled, 10n ** BigInt(-shift));
}

/** Thousandths, rounded up: CPU millicores ("250m" → 250n, "0.5" → 500n, "1" → 1000n). */
export function toMillis(q: Quantity): bigint {
  return toScaled(q, -3);
}

/** The whole value, rounded up ("1Gi" → 1073741824n, "1.5" → 2n). */
export function toInteger(q: Quantity): bigint {
  return toScaled(q, 0);
}

/** Bytes, rounded up; the same as {@link toInteger}, named for memory and storage. */
export const toBytes = toInteger;

/** Parses and returns millicores in one step (see {@link toMillis}). */
export function parseMillis(input: string): bigint {
  return toMillis(parseQuantity(input));
}

/** Parses and returns the whole value in one step (see {@link toInteger}). */
export function parseBytes(input: string): bigint {
  return toInteger(parseQuantity(input));
}

/**
 * A bigint as a JS number, for wire fields that are numbers. Throws
 * `invalid_argument` instead of silently losing precision.
 */
export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new AppError(ErrorCode.InvalidArgument, `quantity ${value} is beyond 2^53`);
  }
  return Number(value);
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const scale = Math.min(a.scale, b.scale);
  const x = a.unscaled * 10n ** BigInt(a.scale - scale);
  const y = b.unscaled * 10n ** BigInt(b.scale - scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The exact sum; the result takes the first non-zero operand's format, as `Quantity.Add`. */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const scale = Math.min(a.scale, b.scale);
  const unscaled =
    a.unscaled * 10n ** BigInt(a.scale - scale) + b.unscaled * 10n ** BigInt(b.scale - scale);
  return normalise({ unscaled, scale, format: a.unscaled === 0n ? b.format : a.format });
}

/**
 * The canonical string Kubernetes would serialise: no fractional digits, the
 * largest suffix that loses nothing ("1.5" → "1500m", "1.5Gi" → "1536Mi",
 * "1e3" → "1e3", "1000" → "1k").
 */
export function formatQuantity(q: Quantity): string {
  if (q.unscaled === 0n) return "0";
  const sign = q.unscaled < 0n ? "-" : "";
  const abs = q.unscaled < 0n ? -q.unscaled : q.unscaled;
  if (q.format === "BinarySI" && q.scale >= 0) {
    const whole = abs * 10n ** BigInt(q.scale);
    if (whole >= 1024n) {
      let mantissa = whole;
      let exponent = 0;
      while (exponent < 60 && mantissa % 1024n === 0n) {
        mantissa /= 1024n;
        exponent += 10;
      }
      const suffix = Object.keys(binarySuffixes).find((k) => binarySuffixes[k] === exponent) ?? "";
      return `${sign}${mantissa}${suffix}`;
    }
  }
  // Decimal: lower the exponent to a multiple of three, then cap at E (10^18).
  let mantissa = abs;
  let exponent = q.scale;
  const down = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(down);
  exponent -= down;
  if (q.format === "DecimalExponent") {
    return `${sign}${mantissa}${exponent === 0 ? "" : `e${exponent}`}`;
  }
  if (exponent > 18) {
    mantissa *= 10n ** BigInt(exponent - 18);
    exponent = 18;
  }
  const suffix = Object.keys(decimalSuffixes).find((k) => decimalSuffixes[k] === exponent) ?? "";
  return `${sign}${mantissa}${suffix}`;
}

/** Re-parses and formats: `canonicalQuantity("0.5Gi")` is `"512Mi"`. */
export function canonicalQuantity(input: string): string {
  return formatQuantity(parseQuantity(input));
}

/** Strips trailing zeros into the scale so equal values share one representation. */
function normalise(q: Quantity): Quantity {
  if (q.unscaled === 0n) return { unscaled: 0n, scale: 0, format: q.format };
  let { unscaled, scale } = q;
  while (unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale += 1;
  }
  return { unscaled, scale, format: q.format };
}

/** `n / d` for d > 0, rounded away from zero when inexact. */
function divideRoundingUp(n: bigint, d: bigint): bigint {
  const quotient = n / d;
  if (quotient * d === n) return quotient;
  return n > 0n ? quotient + 1n : quotient - 1n;
}

/** Compares `unscaled × 10^scale` (positive) with 1. */
function compareToOne(unscaled: bigint, scale: number): number {
  if (scale >= 0) return unscaled === 1n && scale === 0 ? 0 : 1;
  const one = 10n ** BigInt(-scale);
  return unscaled < one ? -1 : unscaled > one ? 1 : 0;
}

function invalid(input: string, why = "not a Kubernetes quantity"): AppError {
  return new AppError(
    ErrorCode.InvalidArgument,
    `invalid quantity ${JSON.stringify(input)}: ${why}`,
    { fields: [{ field: "", reason: why }] },
  );
}
