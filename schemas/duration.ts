// Durations as Sentinel writes them: Go's time.ParseDuration syntax ("45s", "1h30m", "1.5h"), plus a
// day unit ("3d", "1d12h") because Sentinel's delay label accepts it. Everyone parses through here so a
// duration means the same thing in a label, a manifest, a REST body and a status field.

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

// One number+unit pair; Go accepts them concatenated in any order ("1h30m", "30m1h").
const TERM = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h|d)/gy;

export interface ParseDurationOptions {
  /** Accept the day unit `d`. Default true; the Duration schema type (without days) is checked by its pattern. */
  days?: boolean;
}

/** Parses a duration into milliseconds (fractional for sub-millisecond input). Throws a clear Error when invalid. */
export function parseDuration(text: string, options: ParseDurationOptions = {}): number {
  const days = options.days ?? true;
  if (text === '0') return 0;
  if (text === '') throw new Error('invalid duration "": empty string');
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < text.length) {
    const start = TERM.lastIndex;
    const match = TERM.exec(text);
    if (match === null) {
      throw new Error(`invalid duration ${JSON.stringify(text)}: unexpected ${JSON.stringify(text.slice(start))}` +
        ` (expected e.g. "45s", "1h30m"${days ? ' or "3d"' : ''})`);
    }
    const [, amount = '', unit = ''] = match;
    if (unit === 'd' && !days) {
      throw new Error(`invalid duration ${JSON.stringify(text)}: the unit "d" is not accepted here (use h, e.g. "72h")`);
    }
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
  }
  if (!Number.isFinite(total)) throw new Error(`invalid duration ${JSON.stringify(text)}: too large`);
  return total;
}

/** Whether `text` parses as a duration (with the same options as parseDuration). */
export function isDuration(text: string, options: ParseDurationOptions = {}): boolean {
  try {
    parseDuration(text, options);
    return true;
  } catch {
    return false;
  }
}

/**
 * Formats milliseconds the way Go's time.Duration.String() does, which is what the Sentinel REST API echoes:
 * 4h0m0s, 1m30s, 45s, 1.5s, 500ms, 0s. Never uses days (Go has none).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format duration ${ms}`);
  // Whole nanoseconds as a bigint so that long durations keep exact digits.
  let ns = BigInt(Math.round(ms * 1e6));
  const negative = ns < 0n;
  if (negative) ns = -ns;
  const sign = negative ? '-' : '';
  if (ns === 0n) return '0s';
  if (ns < 1000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) return `${sign}${fraction(ns, 1000n)}µs`;
  if (ns < 1_000_000_000n) return `${sign}${fraction(ns, 1_000_000n)}ms`;
  const hours = ns / 3_600_000_000_000n;
  const minutes = (ns / 60_000_000_000n) % 60n;
  const seconds = fraction(ns % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** value/unit as a decimal without trailing zeros, like Go's fmtFrac. */
function fraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
