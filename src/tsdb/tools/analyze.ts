import type { Matcher } from "../../model/index.ts";
import { MetricName } from "../../model/index.ts";
import { StorageError } from "../../storage/index.ts";
import type { Block } from "../block/index.ts";
import { Encoding } from "../chunkenc/index.ts";
import { intersect, type Postings } from "../head/index.ts";
import type { ChunkMeta } from "../index/index.ts";
import { ReadOnlyDB } from "./read-only.ts";
import { formatGoDuration } from "../../util/index.ts";

/** Options of analyze(). */
export interface AnalyzeOptions {
  /** Block to analyze; the last created one (largest ULID time) when null. */
  blockId: string | null;
  /** Entries printed per list (--limit, 20 in promtool). */
  limit: number;
  /** Also print the chunk histograms (--extended). */
  extended: boolean;
  /** --match: the selector as typed (printed) and its parsed matchers; null for all series. */
  match: { text: string; matchers: Matcher[] } | null;
}

interface Info {
  key: string;
  metric: number;
}

/** Utf-8 length, as Go's len(string). */
function byteLen(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/**
 * `promtool tsdb analyze`: churn, label pair cardinality and (extended)
 * chunk statistics of one block, in the text Prometheus 3 prints.
 * NOTE: upstream sorts each list by count only (an unstable sort over
 * map order), so equal counts come in random order there; we break ties
 * by key so the output is deterministic. Throws StorageError (missing
 * directory or block, corrupt block).
 */
export function analyze(dir: string, opts: AnalyzeOptions): string {
  const db = new ReadOnlyDB(dir);
  try {
    const id = opts.blockId ?? db.lastBlockID();
    return analyzeBlock(db.block(id), opts);
  } finally {
    db.close();
  }
}

function analyzeBlock(block: Block, opts: AnalyzeOptions): string {
  const meta = block.meta;
  const ix = block.index;
  const matchers = opts.match?.matchers ?? [];
  const out: string[] = [];
  out.push(`Block ID: ${meta.ulid}\n`);
  out.push(`Duration: ${formatGoDuration(meta.maxTime - meta.minTime)}\n`);
  out.push(`Total Series: ${meta.stats.numSeries}\n`);
  if (opts.match !== null) out.push(`Matcher: ${opts.match.text}\n`);

  const refs: Postings | null = opts.match !== null ? block.postings(matchers) : null;
  const ids = refs ?? ix.allPostings();
  // Label names and values of the selected series (the whole index without --match).
  let names: string[];
  let valuesOf: (name: string) => string[];
  if (refs === null) {
    names = ix.labelNames();
    valuesOf = (n) => ix.labelValues(n).filter((v) => v !== "");
  } else {
    const byName = new Map<string, Set<string>>();
    for (const id of refs) {
      ix.series(id, null).forEach((n, v) => {
        let s = byName.get(n);
        if (s === undefined) byName.set(n, (s = new Set()));
        s.add(v);
      });
    }
    names = [...byName.keys()].sort();
    valuesOf = (n) => [...(byName.get(n) ?? [])].sort();
  }
  out.push(`Label names: ${names.length}\n`);

  const print = (infos: Info[]): void => {
    infos.sort((a, b) => b.metric - a.metric || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (let i = 0; i < infos.length && i < opts.limit; i++) out.push(`${infos[i]!.metric} ${infos[i]!.key}\n`);
  };

  const labelsUncovered = new Map<string, number>();
  const pairsUncovered = new Map<string, number>();
  const pairsCount = new Map<string, number>();
  let entries = 0;
  if (refs !== null) out.push(`Matched series: ${refs.length}\n`);
  const range = meta.maxTime - meta.minTime;
  const chunks: ChunkMeta[] = [];
  for (const id of ids) {
    const lset = ix.series(id, chunks);
    if (chunks.length === 0) continue;
    // Amount of the block time range not covered by this series.
    const uncovered = range - (chunks[chunks.length - 1]!.maxt - chunks[0]!.mint);
    lset.forEach((n, v) => {
      const key = `${n}=${v}`;
      labelsUncovered.set(n, (labelsUncovered.get(n) ?? 0) + uncovered);
      pairsUncovered.set(key, (pairsUncovered.get(key) ?? 0) + uncovered);
      pairsCount.set(key, (pairsCount.get(key) ?? 0) + 1);
      entries++;
    });
  }
  out.push(`Postings (unique label pairs): ${pairsUncovered.size}\n`);
  out.push(`Postings entries (total label pairs): ${entries}\n`);

  const churn = (m: Map<string, number>): Info[] => [...m].map(([key, v]) => ({ key, metric: Math.trunc(v / range) }));
  out.push("\nLabel pairs most involved in churning:\n");
  print(churn(pairsUncovered));
  out.push("\nLabel names most involved in churning:\n");
  print(churn(labelsUncovered));
  out.push("\nMost common label pairs:\n");
  print([...pairsCount].map(([key, metric]) => ({ key, metric })));

  out.push("\nLabel names with highest cumulative label value length:\n");
  print(names.map((n) => ({ key: n, metric: valuesOf(n).reduce((s, v) => s + byteLen(v), 0) })));
  out.push("\nHighest cardinality labels:\n");
  print(names.map((n) => ({ key: n, metric: valuesOf(n).length })));

  const metricInfos: Info[] = [];
  for (const n of valuesOf(MetricName)) {
    const p = ix.postings(MetricName, n);
    metricInfos.push({ key: n, metric: refs === null ? p.length : intersect(p, refs).length });
  }
  out.push("\nHighest cardinality metric names:\n");
  print(metricInfos);

  if (opts.extended) out.push(analyzeCompaction(block, ids));
  return out.join("");
}

/** The extended analysis: histograms of samples and bytes per chunk. */
function analyzeCompaction(block: Block, ids: Postings): string {
  const floatSamples: number[] = [];
  const floatBytes: number[] = [];
  const histSamples: number[] = [];
  const histBytes: number[] = [];
  let total = 0;
  const chunks: ChunkMeta[] = [];
  for (const id of ids) {
    block.index.series(id, chunks);
    for (const m of chunks) {
      const c = block.chunks.chunk(m.ref);
      // Every chunk encoding starts with its sample count, big-endian uint16.
      const n = c.data.length >= 2 ? (c.data[0]! << 8) | c.data[1]! : 0;
      if (c.encoding === Encoding.XOR) {
        floatSamples.push(n);
        floatBytes.push(c.data.length);
      } else if (c.encoding === 2 || c.encoding === 3) {
        // Native histogram chunks: counted, their buckets not decoded (no histogram support here).
        histSamples.push(n);
        histBytes.push(c.data.length);
      } else {
        throw new StorageError(`block ${block.ulid}: unknown chunk encoding ${c.encoding}`);
      }
      total++;
    }
  }
  let s = "\nCompaction analysis:\n\n";
  s += displayHistogram("samples per float chunk", floatSamples, total);
  s += displayHistogram("bytes per float chunk", floatBytes, total);
  s += displayHistogram("samples per histogram chunk", histSamples, total);
  s += displayHistogram("bytes per histogram chunk", histBytes, total);
  s += histSamples.length === 0 ? displayHistogram("buckets per histogram chunk", [], total) : "buckets per histogram chunk: not supported\n\n";
  return s;
}

/** Go's %<width>d. */
const pad = (n: number, w: number): string => String(n).padStart(w, " ");

/** promtool's displayHistogram: min/avg/max, then a bar per bucket of step 10^k. Integer arithmetic as Go's. */
function displayHistogram(dataType: string, datas: number[], total: number): string {
  if (datas.length === 0) return `${dataType}: N/A\n\n`;
  datas.sort((a, b) => a - b);
  const min = datas[0]!;
  const max = datas[datas.length - 1]!;
  const s10 = Math.trunc((max - min) / 10);
  let step = 10;
  while (step < s10 && step <= 10000) step *= 10;
  const start = min - (min % step);
  const end = max - (max % step) + step;
  const buckets = new Array<number>(Math.trunc((end - start) / step) + 1).fill(0);
  let sum = 0;
  let maxCount = 0;
  for (const c of datas) {
    sum += c;
    const b = Math.trunc((c - start) / step);
    buckets[b]!++;
    if (buckets[b]! > maxCount) maxCount = buckets[b]!;
  }
  let s = `${dataType} (min/avg/max): ${min}/${Math.trunc(sum / datas.length)}/${max}\n`;
  const lw = String(end).length;
  const rw = String(end + step).length;
  const cw = String(maxCount).length;
  buckets.forEach((count, b) => {
    const pct = Math.trunc((100 * count) / total);
    s += `[${pad(b * step + start + 1, lw)}, ${pad((b + 1) * step + start, rw)}]: ${pad(count, cw)} ${"#".repeat(pct)}\n`;
  });
  return s + "\n";
}
