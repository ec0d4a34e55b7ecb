/** Value comparison and time parsing shared by the script parser and the runner. */

/** Relative error allowed between expected and actual sample values, as Prometheus's promqltest. */
export const DEFAULT_EPSILON = 0.000001;

/** The smallest normal float64 (Go's 0x0010000000000000). */
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * Whether a and b are equal within the relative error epsilon, as
 * Prometheus's util/almost.Equal: NaN equals NaN, and values near zero are
 * compared against epsilon*MIN_NORMAL. (Stale markers never reach results,
 * so the stale-NaN special case has nothing to compare here.)
 */
export function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/**
 * Parses a number line of an eval block as Go's strconv.ParseInt(s, 0, 64)
 * then ParseFloat(s, 64) would; null when it is not a number.
 */
export function parseNumberLine(s: string): number | null {
  if (/^[+-]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+)$/.test(s)) {
    const neg = s.startsWith("-");
    const body = s.replace(/^[+-]/, "");
    const v = /^0[0-7]+$/.test(body) ? parseInt(body, 8) : Number(body.replace(/^0[oO]/, "0o"));
    return neg ? -v : v;
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  const l = s.toLowerCase().replace(/^\+/, "");
  if (l === "inf" || l === "infinity") return Number.POSITIVE_INFINITY;
  if (l === "-inf" || l === "-infinity") return Number.NEGATIVE_INFINITY;
  if (l === "nan" || l === "+nan" || l === "-nan") return Number.NaN;
  return null;
}
