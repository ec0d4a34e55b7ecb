import type { Labels } from "../../../model/index.ts";
import type { QueryStats, Value } from "../../../promql/engine/index.ts";
import { formatFloatE, formatFloatF } from "../../../util/index.ts";

/**
 * JSON encoding of query results exactly as Prometheus writes them:
 * timestamps as seconds with millisecond precision (`1435781451.781`),
 * values as strings (`"1"`, `"+Inf"`, `"NaN"`), label sets as objects.
 * Large results are produced in chunks so they can be streamed.
 */

/** Prometheus's jsonutil.MarshalTimestamp: ms as seconds, fraction as three digits, not trimmed. */
export function formatTimestamp(t: number): string {
  const neg = t < 0;
  const a = Math.abs(t);
  const sec = Math.trunc(a / 1000);
  const frac = a % 1000;
  let s = (neg ? "-" : "") + sec;
  if (frac !== 0) s += "." + String(frac).padStart(3, "0");
  return s;
}

/** Prometheus's jsonutil.MarshalValue: 'f' format, 'e' when |v| < 1e-6 or >= 1e21. */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  // Fast path: in [1e-6, 1e21) JavaScript's own number to string is the
  // shortest round-trip digits without an exponent, i.e. Go's 'f' with
  // precision -1 (formatFloatF builds it from the same digits).
  if (a >= 1e-6 && a < 1e21) return String(v);
  if (a !== 0 && (a < 1e-6 || a >= 1e21) && Number.isFinite(v)) return formatFloatE(v);
  return formatFloatF(v);
}

/** Distinct timestamps a matrix encoding remembers the text of (the steps of a range query repeat in every series). */
const TIMESTAMP_CACHE_MAX = 16_384;

/** A label set as a JSON object, names in order. */
export function labelsJSON(l: Labels): string {
  let s = "{";
  for (let i = 0; i < l.names.length; i++) {
    if (i > 0) s += ",";
    s += JSON.stringify(l.names[i]) + ":" + JSON.stringify(l.values[i]);
  }
  return s + "}";
}

/** Target size of a chunk handed to the response stream. */
const CHUNK_CHARS = 64 * 1024;

/** The `result` of a query, in chunks. */
export function* resultJSON(v: Value): Generator<string> {
  switch (v.type) {
    case "scalar":
      yield `[${formatTimestamp(v.t)},"${formatValue(v.v)}"]`;
      return;
    case "string":
      yield `[${formatTimestamp(v.t)},${JSON.stringify(v.v)}]`;
      return;
    case "vector": {
      let buf = "[";
      for (let i = 0; i < v.vector.length; i++) {
        const s = v.vector[i]!;
        if (i > 0) buf += ",";
        buf += `{"metric":${labelsJSON(s.metric)},"value":[${formatTimestamp(s.t)},"${formatValue(s.f)}"]}`;
        if (buf.length >= CHUNK_CHARS) {
          yield buf;
          buf = "";
        }
      }
      yield buf + "]";
      return;
    }
    case "matrix": {
      const tsText = new Map<number, string>();
      let buf = "[";
      for (let i = 0; i < v.matrix.length; i++) {
        const s = v.matrix[i]!;
        if (i > 0) buf += ",";
        buf += `{"metric":${labelsJSON(s.metric)},"values":[`;
        for (let j = 0; j < s.ts.length; j++) {
          if (j > 0) buf += ",";
          const t = s.ts[j]!;
          let ts = tsText.get(t);
          if (ts === undefined) {
            ts = formatTimestamp(t);
            if (tsText.size < TIMESTAMP_CACHE_MAX) tsText.set(t, ts);
          }
          buf += `[${ts},"${formatValue(s.fs[j]!)}"]`;
          if (buf.length >= CHUNK_CHARS) {
            yield buf;
            buf = "";
          }
        }
        buf += "]}";
      }
      yield buf + "]";
    }
  }
}

/** The `stats` object of a query response (stats=all), as Prometheus's stats.QueryStats. */
export function statsJSON(s: QueryStats): string {
  return JSON.stringify({
    timings: s.timings,
    samples: { totalQueryableSamples: s.totalQueryableSamples, peakSamples: s.peakSamples },
  });
}

/** The success envelope around `data` chunks, with warnings and infos when there are any. */
export function* successJSON(data: Iterable<string>, warnings: readonly string[] = [], infos: readonly string[] = []): Generator<string> {
  yield '{"status":"success","data":';
  yield* data;
  let tail = "";
  if (warnings.length > 0) tail += ',"warnings":' + JSON.stringify(warnings);
  if (infos.length > 0) tail += ',"infos":' + JSON.stringify(infos);
  yield tail + "}";
}
