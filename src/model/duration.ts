/**
 * Prometheus durations ("1h30m", "5m", "90d"): the grammar of
 * prometheus/common model.ParseDuration and the output of Duration.String.
 * Values are integer milliseconds in a `number`.
 */

import { quoteString as goQuote } from "./labels.ts";

/** A string that is not a Prometheus duration. Message reads like prometheus/common's. */
export class DurationParseError extends Error {
  readonly input: string;
  constructor(message: string, input: string) {
    super(message);
    this.name = "DurationParseError";
    this.input = input;
  }
}

// Units in the only order they may appear (biggest first), with their size in
// nanoseconds. NOTE: matches Prometheus, which rejects "1m1d" (units out of
// order) so that "m" can never be mistaken for months.
const UNITS: ReadonlyMap<string, { pos: number; nanos: bigint }> = new Map([
  ["y", { pos: 1, nanos: 365n * 24n * 3600n * 1_000_000_000n }],
  ["w", { pos: 2, nanos: 7n * 24n * 3600n * 1_000_000_000n }],
  ["d", { pos: 3, nanos: 24n * 3600n * 1_000_000_000n }],
  ["h", { pos: 4, nanos: 3600n * 1_000_000_000n }],
  ["m", { pos: 5, nanos: 60n * 1_000_000_000n }],
  ["s", { pos: 6, nanos: 1_000_000_000n }],
  ["ms", { pos: 7, nanos: 1_000_000n }],
]);

// Go's time.Duration is an int64 of nanoseconds.
const MAX_NANOS = (1n << 63n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/**
 * Parses a duration such as "1h30m", "15s", "2w" or "0" into milliseconds.
 * A year is 365d, a week 7d, a day 24h; units must go from biggest to
 * smallest, each at most once. Throws DurationParseError with
 * prometheus/common's texts: `empty duration string`,
 * `not a valid duration string: "x"`, `unknown unit "x" in duration "y"`,
 * `duration out of range`.
 */
export function parseDuration(s: string): number {
  if (s === "0") return 0;
  if (s === "") throw new DurationParseError("empty duration string", s);
  const invalid = (): DurationParseError =>
    new DurationParseError(`not a valid duration string: ${goQuote(s)}`, s);
  let rest = s;
  let total = 0n;
  let lastPos = 0;
  while (rest !== "") {
    if (!isDigit(rest[0]!)) throw invalid();
    let i = 0;
    while (i < rest.length && isDigit(rest[i]!)) i++;
    const v = BigInt(rest.slice(0, i));
    if (v > MAX_UINT64) throw invalid(); // strconv.ParseUint overflow
    rest = rest.slice(i);
    i = 0;
    while (i < rest.length && !isDigit(rest[i]!)) i++;
    if (i === 0) throw invalid();
    const u = rest.slice(0, i);
    rest = rest.slice(i);
    const unit = UNITS.get(u);
    if (unit === undefined) {
      throw new DurationParseError(`unknown unit ${goQuote(u)} in duration ${goQuote(s)}`, s);
    }
    if (unit.pos <= lastPos) throw invalid();
    lastPos = unit.pos;
    if (v > (1n << 63n) / unit.nanos) throw new DurationParseError("duration out of range", s);
    total += v * unit.nanos;
    if (total > MAX_NANOS) throw new DurationParseError("duration out of range", s);
  }
  return Number(total / 1_000_000n);
}

const MS_UNITS: ReadonlyArray<readonly [string, number, boolean]> = [
  // [unit, milliseconds, only when it divides exactly]
  ["y", 365 * 24 * 3600 * 1000, true],
  ["w", 7 * 24 * 3600 * 1000, true],
  ["d", 24 * 3600 * 1000, false],
  ["h", 3600 * 1000, false],
  ["m", 60 * 1000, false],
  ["s", 1000, false],
  ["ms", 1, false],
];

/**
 * Formats milliseconds as Prometheus prints a duration: "0s", "1h30m",
 * "90d" (years and weeks only when they divide the value exactly, as in
 * prometheus/common), "-5m" for negative values. Fractions of a
 * millisecond are truncated.
 */
export function formatDuration(ms: number): string {
  let rem = Math.trunc(ms);
  if (rem === 0) return "0s";
  let out = "";
  if (rem < 0) {
    out = "-";
    rem = -rem;
  }
  for (const [unit, mult, exact] of MS_UNITS) {
    if (exact && rem % mult !== 0) continue;
    const v = Math.floor(rem / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rem -= v * mult;
    }
  }
  return out;
}
