/**
 * Prometheus durations (`1h30m`, `5m`, `1y`, `250ms`), after
 * prometheus/common's model.ParseDuration and model.Duration.String().
 * Used by the PromQL parser, the configuration and the test runner.
 */

/** A duration string Prometheus rejects. The message is Prometheus's. */
export class DurationError extends Error {
  /** The string that failed to parse. */
  readonly input: string;

  constructor(message: string, input: string) {
    super(message);
    this.name = "DurationError";
    this.input = input;
  }
}

/** Unit suffixes in the order they must appear, with their length in ms. */
const units: ReadonlyMap<string, { order: number; ms: number }> = new Map([
  ["y", { order: 1, ms: 365 * 24 * 3600 * 1000 }],
  ["w", { order: 2, ms: 7 * 24 * 3600 * 1000 }],
  ["d", { order: 3, ms: 24 * 3600 * 1000 }],
  ["h", { order: 4, ms: 3600 * 1000 }],
  ["m", { order: 5, ms: 60 * 1000 }],
  ["s", { order: 6, ms: 1000 }],
  ["ms", { order: 7, ms: 1 }],
]);

/** Largest duration Go's time.Duration holds, in ms (2^63-1 ns). */
export const MAX_DURATION_MS = 9223372036854.775807;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Parses a Prometheus duration into integer milliseconds. Units must be
 * given from largest to smallest, each at most once; "0" needs no unit.
 * Throws DurationError with Prometheus's messages ("not a valid duration
 * string: ...", "unknown unit ... in duration ...", "duration out of range").
 */
export function parseDuration(s: string): number {
  if (s === "0") return 0;
  if (s === "") throw new DurationError("empty duration string", s);
  const invalid = (): DurationError => new DurationError(`not a valid duration string: ${JSON.stringify(s)}`, s);
  let ms = 0;
  let lastOrder = 0;
  let i = 0;
  while (i < s.length) {
    if (!isDigit(s.charCodeAt(i))) throw invalid();
    const numStart = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    const v = Number(s.slice(numStart, i));
    // Go parses the digits as a uint64.
    if (v > 18446744073709551615) throw invalid();
    const unitStart = i;
    while (i < s.length && !isDigit(s.charCodeAt(i))) i++;
    if (i === unitStart) throw invalid();
    const u = s.slice(unitStart, i);
    const unit = units.get(u);
    if (unit === undefined) {
      throw new DurationError(`unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(s)}`, s);
    }
    if (unit.order <= lastOrder) throw invalid();
    lastOrder = unit.order;
    if (v * unit.ms > MAX_DURATION_MS) throw new DurationError("duration out of range", s);
    ms += v * unit.ms;
    if (ms > MAX_DURATION_MS) throw new DurationError("duration out of range", s);
  }
  return ms;
}

/**
 * Formats integer milliseconds like model.Duration.String(): `1h30m`,
 * `90d` (years and weeks only when exact), `0s` for zero. Negative values
 * are not supported by Prometheus's formatter; callers print the sign.
 */
export function formatDuration(ms: number): string {
  let rest = Math.trunc(ms);
  if (rest === 0) return "0s";
  let out = "";
  const part = (unit: string, mult: number, exact: boolean): void => {
    if (exact && rest % mult !== 0) return;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  };
  part("y", 365 * 24 * 3600 * 1000, true);
  part("w", 7 * 24 * 3600 * 1000, true);
  part("d", 24 * 3600 * 1000, false);
  part("h", 3600 * 1000, false);
  part("m", 60 * 1000, false);
  part("s", 1000, false);
  part("ms", 1, false);
  return out;
}
