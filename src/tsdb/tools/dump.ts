import type { Labels, Matcher } from "../../model/index.ts";
import { MetricName, compareLabels, quoteString } from "../../model/index.ts";
import type { Series, SeriesSet } from "../../storage/index.ts";
import { ArraySeriesSet, ValueType } from "../../storage/index.ts";
import { formatFloatG } from "../../util/index.ts";
import { MergedQuerier } from "../db.ts";
import { ReadOnlyDB } from "./read-only.ts";

/** Output formats of dump(). */
export const DumpFormat = {
  /** `{labels} value timestamp` per sample (`promtool tsdb dump`, --format=prom). */
  Prom: "prom",
  /** The labels of each series as a JSON object per line (--format=seriesjson). */
  SeriesJSON: "seriesjson",
  /** OpenMetrics text ending in `# EOF` (`promtool tsdb dump-openmetrics`). */
  OpenMetrics: "openmetrics",
} as const;
export type DumpFormat = (typeof DumpFormat)[keyof typeof DumpFormat];

/** Options of dump(). */
export interface DumpOptions {
  /** Matcher sets (--match, each a selector); a series matching any set is dumped. At least one set. */
  matchers: Matcher[][];
  /** Time range in ms, inclusive. */
  minTime: number;
  maxTime: number;
  format: DumpFormat;
}

/** Receives the output in pieces of about 64 KiB; a returned promise is awaited (backpressure). */
export type DumpSink = (text: string) => void | Promise<void>;

/** Flush threshold of the output buffer. */
const FLUSH_CHARS = 64 * 1024;

/** Go's encoding/json string escaping (HTML-safe, as json.Marshal). */
function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** json.Marshal of a labels.Labels: an object with the names in order. */
function labelsJSON(l: Labels): string {
  const parts: string[] = [];
  l.forEach((n, v) => parts.push(`${jsonString(n)}:${jsonString(v)}`));
  return `{${parts.join(",")}}`;
}

/** upstream's CondensedString: labels.String() without the spaces after commas. */
function condensed(l: Labels): string {
  const parts: string[] = [];
  l.forEach((n, v) => parts.push(`${n}=${quoteString(v)}`));
  return `{${parts.join(",")}}`;
}

/** Go's %.3f of t / 1000 for an integer ms t, exactly (no float rounding). */
function secondsFixed3(t: number): string {
  const neg = t < 0;
  const a = Math.abs(t);
  const s = `${Math.floor(a / 1000)}.${String(a % 1000).padStart(3, "0")}`;
  return neg ? `-${s}` : s;
}

/** Merges the series sets of several selectors: label order, each series once. */
function unionSeries(sets: SeriesSet[]): SeriesSet {
  const byKey = new Map<string, Series>();
  for (const ss of sets) {
    while (ss.next()) {
      const s = ss.at();
      if (!byKey.has(s.labels.key)) byKey.set(s.labels.key, s);
    }
    const err = ss.err();
    if (err !== null) throw err;
  }
  const all = [...byKey.values()];
  all.sort((a, b) => compareLabels(a.labels, b.labels));
  return new ArraySeriesSet(all);
}

/**
 * `promtool tsdb dump` and `dump-openmetrics`: the samples of the series
 * matching any of the matcher sets in [minTime, maxTime], from the blocks
 * and the WAL of dir, written to sink. Prom format prints each sample as
 * `{labels} %g t` (stale markers as NaN, as upstream); OpenMetrics prints
 * `name{labels} %g seconds.mmm`, skips stale markers and ends with
 * `# EOF`. Series come in label order when blocks and head are merged or
 * several selectors are given, else in the single source's order (series
 * ref order for a head without blocks), as upstream. Throws StorageError.
 */
export async function dump(dir: string, opts: DumpOptions, sink: DumpSink): Promise<void> {
  const db = new ReadOnlyDB(dir);
  try {
    const q = await db.querier(opts.minTime, opts.maxTime);
    try {
      let ss: SeriesSet;
      if (opts.matchers.length > 1) {
        const sets: SeriesSet[] = [];
        for (const ms of opts.matchers) sets.push(await q.select(true, null, ...ms));
        ss = unionSeries(sets);
      } else {
        // NOTE: matches Prometheus, which selects unsorted here; only its merge of blocks and head sorts.
        ss = await q.select(q instanceof MergedQuerier, null, ...(opts.matchers[0] ?? []));
      }
      await writeSeriesSet(ss, opts.format, sink);
      const err = ss.err();
      if (err !== null) throw err;
      const ws = ss.warnings();
      if (ws.length > 0) throw new Error(ws.join("; "));
    } finally {
      q.close();
    }
  } finally {
    db.close();
  }
}

async function writeSeriesSet(ss: SeriesSet, format: DumpFormat, sink: DumpSink): Promise<void> {
  let buf = "";
  const flush = async (force: boolean): Promise<void> => {
    if (buf.length === 0 || (!force && buf.length < FLUSH_CHARS)) return;
    const s = buf;
    buf = "";
    await sink(s);
  };
  while (ss.next()) {
    const series = ss.at();
    if (format === DumpFormat.SeriesJSON) {
      buf += labelsJSON(series.labels) + "\n";
      await flush(false);
      continue;
    }
    let prefix: string;
    if (format === DumpFormat.OpenMetrics) prefix = series.labels.get(MetricName) + condensed(series.labels.dropMetricName()) + " ";
    else prefix = series.labels.toString() + " ";
    const it = series.iterator();
    while (it.next() === ValueType.Float) {
      const t = it.atT();
      if (format === DumpFormat.OpenMetrics) {
        if (it.isStale()) continue;
        buf += `${prefix}${formatFloatG(it.atF())} ${secondsFixed3(t)}\n`;
      } else {
        buf += `${prefix}${formatFloatG(it.atF())} ${t}\n`;
      }
      if (buf.length >= FLUSH_CHARS) await flush(false);
    }
    const err = it.err();
    if (err !== null) throw err;
  }
  if (format === DumpFormat.OpenMetrics) buf += "# EOF\n";
  await flush(true);
}
