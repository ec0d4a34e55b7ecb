/**
 * Go's time.Duration text: time.ParseDuration and Duration.String, with
 * durations held as milliseconds (fractions allowed down to nanoseconds).
 * Flags, web and Alertmanager configs, and promtool's output use them.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
const WHOLE = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/;
const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Go's time.ParseDuration in milliseconds, or null when `s` is not a Go duration ("5s", "1m30s", "250ms", "0"). */
export function parseGoDuration(s: string): number | null {
  const m = WHOLE.exec(s);
  if (m === null) return null;
  let total = 0;
  for (const p of m[2]!.matchAll(PART)) total += Number(p[1]) * UNIT_MS[p[2]!]!;
  return m[1] === "-" ? -total : total;
}

/** `n` as `digits` decimals with trailing zeros removed, "" for 0: (5, 3) -> ".005", (500, 3) -> ".5". */
function fraction(n: number, digits: number): string {
  return n === 0 ? "" : "." + String(n).padStart(digits, "0").replace(/0+$/, "");
}

/** Go's time.Duration.String for a duration in ms: "0s", "500ms", "1.5µs", "1m0s", "2h3m4.5s". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  const v = Math.abs(ms);
  if (v < 1000) {
    const ns = Math.round(v * 1e6);
    if (ns < 1000) return `${sign}${ns}ns`;
    if (ns < 1e6) return `${sign}${Math.floor(ns / 1000)}${fraction(ns % 1000, 3)}µs`;
    return `${sign}${Math.floor(ns / 1e6)}${fraction(ns % 1e6, 6)}ms`;
  }
  let whole = Math.floor(v);
  let subNs = Math.round((v - whole) * 1e6);
  if (subNs === 1e6) {
    whole++;
    subNs = 0;
  }
  const h = Math.floor(whole / 3.6e6);
  const m = Math.floor((whole % 3.6e6) / 6e4);
  const secMs = whole % 6e4;
  const s = `${Math.floor(secMs / 1000)}${fraction((secMs % 1000) * 1e6 + subNs, 9)}s`;
  return sign + (h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s);
}
