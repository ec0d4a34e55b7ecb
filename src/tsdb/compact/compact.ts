import { compareLabels, type Labels } from "../../model/index.ts";
import { ValueType } from "../../storage/index.ts";
import {
  ChunksSeries,
  LoadedChunks,
  MergeIterator,
  Rechunker,
  writeBlock,
  type Block,
  type BlockMeta,
  type ChunkData,
  type SeriesChunks,
} from "../block/index.ts";
import type { Head } from "../head/index.ts";
import { HeadSeries, type MemSeries } from "../head/index.ts";
import type { ChunkMeta } from "../index/index.ts";
import type { Interval } from "../tombstones/index.ts";
import { TimeSlice, sortCooperative } from "../../util/index.ts";

/** Prometheus's ExponentialBlockRanges: minSize, minSize*stepSize, ... (steps values). */
export function exponentialBlockRanges(minSize: number, steps: number, stepSize: number): number[] {
  const out: number[] = [];
  let cur = minSize;
  for (let i = 0; i < steps; i++) {
    out.push(cur);
    cur *= stepSize;
  }
  return out;
}

/**
 * The compaction ranges a DB uses: exponentialBlockRanges(min, 10, 3) cut
 * at maxBlockDuration (at least min), as Prometheus's tsdb.Open; max = min
 * disables compaction of blocks.
 */
export function compactionRanges(minBlockDurationMs: number, maxBlockDurationMs: number): number[] {
  const max = Math.max(maxBlockDurationMs, minBlockDurationMs);
  const rngs = exponentialBlockRanges(minBlockDurationMs, 10, 3);
  const i = rngs.findIndex((r) => r > max);
  return i >= 0 ? rngs.slice(0, i) : rngs;
}

function overlapsIvs(ivs: readonly Interval[] | undefined, mint: number, maxt: number): boolean {
  if (ivs === undefined) return false;
  for (const iv of ivs) if (iv.mint <= maxt && mint <= iv.maxt) return true;
  return false;
}

/**
 * The head's series with their chunks in [mint, maxt] (inclusive), sorted
 * by labels, for writing a block. Chunks inside the range and untouched by
 * tombstones are copied as they are (as Prometheus copies head chunks);
 * otherwise the series' samples in range, minus deleted ones, are
 * re-encoded. Selecting and sorting the series yields to the event loop
 * through `slice`; the series are then read one at a time as the returned
 * iterable is consumed, so appends of newer samples may run in between
 * (they never touch [mint, maxt] of a compactable head).
 */
export async function headSeriesChunks(
  head: Head,
  mint: number,
  maxt: number,
  slice: TimeSlice = new TimeSlice(),
): Promise<Iterable<SeriesChunks>> {
  const all = head.select([]).filter((s) => s.minTime <= maxt && s.maxTime >= mint);
  if (slice.due()) await slice.yield();
  return headSeriesChunksOf(head, await sortCooperative(all, (a, b) => compareLabels(a.labels, b.labels), slice), mint, maxt);
}

function* headSeriesChunksOf(head: Head, all: readonly MemSeries[], mint: number, maxt: number): Generator<SeriesChunks> {
  for (const s of all) {
    const ivs = head.tombstones.get(s.ref);
    const chunks: ChunkData[] = [];
    let clean = true;
    for (let i = 0; i <= s.lastChunk; i++) {
      const cm = s.chunkMinTime(i);
      const cx = s.chunkMaxTime(i);
      if (cx < mint || cm > maxt) continue;
      if (cm < mint || cx > maxt || overlapsIvs(ivs, cm, cx)) {
        clean = false;
        break;
      }
      const c = s.chunk(i);
      chunks.push({ data: c.bytes().slice(), mint: cm, maxt: cx, samples: c.numSamples() });
    }
    if (clean) {
      yield { labels: s.labels, chunks };
      continue;
    }
    const it = new HeadSeries(s, mint, maxt, ivs ?? null).iterator();
    const rc = new Rechunker();
    while (it.next() !== ValueType.None) rc.addFrom(it);
    yield { labels: s.labels, chunks: rc.finish() };
  }
}

/** A series of one source block: block and series id. */
interface Part {
  block: Block;
  id: number;
}

/**
 * The union of the blocks' series, sorted by labels, with their chunks
 * merged: chunks are copied as they are when they do not overlap and no
 * tombstone touches them; otherwise the series' samples are merged
 * (duplicates dropped, the earlier block winning), deleted samples dropped,
 * and re-encoded. blocks must be sorted by minTime. Collecting and sorting
 * the series yields to the event loop through `slice`; the chunks are read
 * as the returned iterable is consumed.
 */
export async function blocksSeriesChunks(
  blocks: readonly Block[],
  slice: TimeSlice = new TimeSlice(),
): Promise<Iterable<SeriesChunks>> {
  const byKey = new Map<string, { labels: Labels; parts: Part[] }>();
  for (const block of blocks) {
    const ids = block.index.allPostings();
    for (let i = 0; i < ids.length; i++) {
      if ((i & 255) === 0 && slice.due()) await slice.yield();
      const id = ids[i]!;
      const labels = block.index.series(id, null);
      let e = byKey.get(labels.key);
      if (e === undefined) byKey.set(labels.key, (e = { labels, parts: [] }));
      e.parts.push({ block, id });
    }
  }
  const entries = await sortCooperative([...byKey.values()], (a, b) => compareLabels(a.labels, b.labels), slice);
  byKey.clear();
  return blocksSeriesChunksOf(entries);
}

function* blocksSeriesChunksOf(entries: readonly { labels: Labels; parts: Part[] }[]): Generator<SeriesChunks> {
  const metas: ChunkMeta[] = [];
  for (const e of entries) {
    const loaded: { part: Part; metas: ChunkMeta[]; ivs: readonly Interval[] | undefined }[] = [];
    let clean = true;
    let prevMaxt = Number.NEGATIVE_INFINITY;
    for (const part of e.parts) {
      part.block.index.series(part.id, metas);
      const ivs = part.block.tombstones.get(part.id);
      const ms = metas.slice();
      for (const m of ms) {
        if (m.mint <= prevMaxt || overlapsIvs(ivs, m.mint, m.maxt)) clean = false;
        prevMaxt = Math.max(prevMaxt, m.maxt);
      }
      loaded.push({ part, metas: ms, ivs });
    }
    if (clean) {
      const chunks: ChunkData[] = [];
      for (const l of loaded) {
        for (const m of l.metas) {
          const c = l.part.block.chunks.chunk(m.ref);
          chunks.push({ data: c.data, mint: m.mint, maxt: m.maxt, samples: (c.data[0]! << 8) | c.data[1]! });
        }
      }
      yield { labels: e.labels, chunks };
      continue;
    }
    const its = loaded.map((l) => {
      const src = new LoadedChunks();
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const m of l.metas) {
        src.push(l.part.block.chunks.chunk(m.ref).data, m.mint, m.maxt);
        lo = Math.min(lo, m.mint);
        hi = Math.max(hi, m.maxt);
      }
      return new ChunksSeries(e.labels, src, lo, hi, l.ivs ?? null).iterator();
    });
    const it = new MergeIterator(its);
    const rc = new Rechunker();
    while (it.next() !== ValueType.None) rc.addFrom(it);
    yield { labels: e.labels, chunks: rc.finish() };
  }
}

/** A block directory with its meta, for planning. */
export interface DirMeta {
  dir: string;
  meta: BlockMeta;
}

function splitByRange(ds: DirMeta[], tr: number): DirMeta[][] {
  const out: DirMeta[][] = [];
  for (let i = 0; i < ds.length; ) {
    const m = ds[i]!.meta;
    // Start of the aligned range of size tr holding the block's start (Go's integer division).
    const t0 = m.minTime >= 0 ? tr * Math.floor(m.minTime / tr) : tr * Math.trunc((m.minTime - tr + 1) / tr);
    if (m.maxTime > t0 + tr) {
      i++;
      continue;
    }
    const group: DirMeta[] = [];
    for (; i < ds.length; i++) {
      if (ds[i]!.meta.maxTime > t0 + tr) break;
      group.push(ds[i]!);
    }
    if (group.length > 0) out.push(group);
  }
  return out;
}

function selectDirs(ds: DirMeta[], ranges: readonly number[]): DirMeta[] {
  if (ranges.length < 2 || ds.length < 1) return [];
  const highTime = ds[ds.length - 1]!.meta.minTime;
  for (const iv of ranges.slice(1)) {
    for (const p of splitByRange(ds, iv)) {
      if (p.some((d) => d.meta.compaction.failed)) continue;
      const mint = p[0]!.meta.minTime;
      const maxt = p[p.length - 1]!.meta.maxTime;
      // The full range (possibly with gaps), or entirely before the newest block.
      if ((maxt - mint === iv || maxt <= highTime) && p.length > 1) return p;
    }
  }
  return [];
}

function selectOverlappingDirs(ds: DirMeta[]): string[] {
  if (ds.length < 2) return [];
  const out: string[] = [];
  let globalMaxt = ds[0]!.meta.maxTime;
  for (let i = 1; i < ds.length; i++) {
    const d = ds[i]!;
    if (d.meta.minTime < globalMaxt) {
      if (out.length === 0) out.push(ds[i - 1]!.dir);
      out.push(d.dir);
    } else if (out.length > 0) break;
    if (d.meta.maxTime > globalMaxt) globalMaxt = d.meta.maxTime;
  }
  return out;
}

/**
 * The block directories to compact next, as Prometheus's LeveledCompactor.Plan:
 * overlapping blocks first; otherwise, leaving out the newest block, the
 * first group filling a whole range of ranges[1..] (or lying before the
 * newest block); otherwise a large block with more than 5% tombstones.
 * Empty when nothing is due.
 */
export function planCompaction(dms: readonly DirMeta[], ranges: readonly number[]): string[] {
  const ds = [...dms].sort((a, b) => a.meta.minTime - b.meta.minTime);
  const overlapping = selectOverlappingDirs(ds);
  if (overlapping.length > 0) return overlapping;
  const rest = ds.slice(0, ds.length - 1);
  const sel = selectDirs(rest, ranges);
  if (sel.length > 0) return sel.map((d) => d.dir);
  for (let i = rest.length - 1; i >= 0; i--) {
    const m = rest[i]!.meta;
    if (m.maxTime - m.minTime < ranges[Math.floor(ranges.length / 2)]!) break;
    if (m.stats.numTombstones / (m.stats.numSeries + 1) > 0.05) return [rest[i]!.dir];
  }
  return [];
}

/**
 * Compacts blocks (sorted by minTime) into one new block in parentDir with
 * level max+1, the union of their sources and them as parents. Resolves to
 * its meta, or null when no sample is left (then nothing is written).
 * Yields to the event loop between series (see writeBlock).
 */
export async function compactBlocks(parentDir: string, blocks: readonly Block[], now: number): Promise<BlockMeta | null> {
  const slice = new TimeSlice();
  const sorted = [...blocks].sort((a, b) => a.minTime - b.minTime);
  const sources = new Set<string>();
  let level = 0;
  let minTime = Number.POSITIVE_INFINITY;
  let maxTime = Number.NEGATIVE_INFINITY;
  for (const b of sorted) {
    for (const s of b.meta.compaction.sources) sources.add(s);
    level = Math.max(level, b.meta.compaction.level);
    minTime = Math.min(minTime, b.minTime);
    maxTime = Math.max(maxTime, b.maxTime);
  }
  return writeBlock(
    parentDir,
    await blocksSeriesChunks(sorted, slice),
    minTime,
    maxTime,
    {
      level: level + 1,
      sources: [...sources].sort(),
      parents: sorted.map((b) => ({ ulid: b.ulid, minTime: b.minTime, maxTime: b.maxTime })),
      deletable: false,
      failed: false,
    },
    { now, slice },
  );
}
