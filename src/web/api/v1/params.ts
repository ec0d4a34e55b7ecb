import { DurationParseError, type Matcher, parseDuration } from "../../../model/index.ts";
import { parseMetricSelector } from "../../../promql/parser/index.ts";
import { ApiError, ErrorType, invalidParam } from "../../errors.ts";

/**
 * The earliest and latest times the API accepts, in ms. Prometheus uses
 * Go's extreme representable times; a JavaScript number holds ms exactly
 * only up to 2^53, so these are the safe-integer bounds.
 * NOTE: Prometheus's own bounds (year -292277022657 and 292277026596) are
 * accepted as text and map to these.
 */
export const MIN_TIME_MS = Number.MIN_SAFE_INTEGER;
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;
const MIN_TIME_FORMATTED = "-292273086-05-16T16:47:06Z";
const MAX_TIME_FORMATTED = "292277026596-12-04T15:30:07.999999999Z";

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an API time: Unix seconds as a float (rounded to ms) or RFC 3339
 * with optional fraction, as Prometheus's parseTime. Returns ms.
 */
export function parseTime(s: string): number {
  const f = parseGoFloat(s);
  if (f !== null) {
    const sec = Math.trunc(f);
    const ms = Math.round((f - sec) * 1000);
    return sec * 1000 + ms;
  }
  const m = rfc3339.exec(s);
  if (m !== null) {
    const t = Date.parse(s.replace(/(\.\d{3})\d+/, "$1"));
    if (!Number.isNaN(t)) return t;
  }
  if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  throw new Error(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

/** parseTime of an optional form value, `def` when absent or empty. */
export function parseTimeParam(form: URLSearchParams, name: string, def: number): number {
  const v = form.get(name);
  if (v === null || v === "") return def;
  try {
    return parseTime(v);
  } catch (e) {
    throw invalidParam(name, e);
  }
}

/**
 * Parses an API duration: seconds as a float, or a Prometheus duration
 * (`5m`), as Prometheus's parseDuration. Returns ms.
 */
export function parseDurationValue(s: string): number {
  const f = parseGoFloat(s);
  if (f !== null) {
    const ns = f * 1e9;
    if (ns > 9223372036854775807 || ns < -9223372036854775808) {
      throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration. It overflows int64`);
    }
    return Math.trunc(f * 1000);
  }
  try {
    return parseDuration(s);
  } catch (e) {
    if (!(e instanceof DurationParseError)) throw e;
    throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration`);
  }
}

/** Go's strconv.ParseFloat accepts these forms; null when s is not a float. */
function parseGoFloat(s: string): number | null {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  return null;
}

/**
 * Parses every `match[]` value into matcher sets, as Prometheus's
 * parseMatchersParam: each set needs a matcher that does not match the
 * empty string.
 */
export function parseMatchersParam(values: readonly string[]): Matcher[][] {
  const sets: Matcher[][] = [];
  for (const v of values) {
    let ms: Matcher[];
    try {
      ms = parseMetricSelector(v);
    } catch (e) {
      throw invalidParam("match[]", e);
    }
    sets.push(ms);
  }
  for (const ms of sets) {
    if (!ms.some((m) => !m.matchesEmpty())) {
      throw new ApiError(ErrorType.BadData, "match[] must contain at least one non-empty matcher");
    }
  }
  return sets;
}

/** The `limit` parameter: 0 (no limit) when absent; a negative or non-integer value is bad data. */
export function parseLimitParam(form: URLSearchParams): number {
  const v = form.get("limit");
  if (v === null || v === "") return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || !/^[+-]?\d+$/.test(v)) {
    throw invalidParam("limit", new Error(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`));
  }
  if (n < 0) throw invalidParam("limit", new Error("limit must be non-negative"));
  return n;
}
