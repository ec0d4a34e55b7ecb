// Formatting helpers of the web UI: label sets, durations, times.

/** A label set as PromQL writes it: name{a="b", ...}. */
export function formatSeries(m: Record<string, string>): string {
  const name = m.__name__ ?? "";
  const rest = Object.entries(m)
    .filter(([k]) => k !== "__name__")
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return rest.length === 0 && name !== "" ? name : `${name}{${rest.join(", ")}}`;
}

const units: Array<[string, number]> = [
  ["y", 365 * 24 * 3600_000],
  ["w", 7 * 24 * 3600_000],
  ["d", 24 * 3600_000],
  ["h", 3600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/** Parses a Prometheus duration ("1h30m", "5m"); null when it is not one. */
export function parseDuration(s: string): number | null {
  const text = s.trim();
  if (text === "") return null;
  const re = /(\d+)(ms|y|w|d|h|m|s)/y;
  let ms = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) return null;
    ms += Number(m[1]) * units.find((u) => u[0] === m[2])![1];
    pos = re.lastIndex;
  }
  return ms;
}

/** A duration in ms as Prometheus writes it ("1h30m"; "0s" for 0). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = Math.round(ms);
  let out = "";
  for (const [u, n] of units) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return out;
}

/** How long ago an RFC 3339 time was, rounded ("12.3s ago"); "never" for Go's zero time. */
export function ago(rfc3339: string, nowMs: number = Date.now()): string {
  const t = Date.parse(rfc3339);
  if (!Number.isFinite(t) || t <= 0) return "never";
  const d = Math.max(0, nowMs - t);
  if (d < 60_000) return `${(d / 1000).toFixed(1)}s ago`;
  return `${formatDuration(Math.floor(d / 1000) * 1000)} ago`;
}

/** Seconds as a short duration ("12.345ms", "1.2s"). */
export function seconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(3)}ms`;
  return `${s.toFixed(3)}s`;
}

/** An epoch-ms time as local "YYYY-MM-DDTHH:MM" for datetime-local inputs. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** A datetime-local input's value as epoch ms; null when empty or invalid. */
export function fromLocalInput(s: string): number | null {
  if (s === "") return null;
  const t = new Date(s).getTime();
  return Number.isFinite(t) ? t : null;
}
