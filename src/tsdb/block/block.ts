import * as fs from "node:fs";
import * as path from "node:path";
import { compareLabels, type Labels, type Matcher } from "../../model/index.ts";
import { ArraySeriesSet, StorageError, type Querier, type SelectHints, type SeriesSet } from "../../storage/index.ts";
import { dirSize, type PageCache } from "../fileutil/index.ts";
import { merge, postingsForMatchers, type Postings, type PostingsIndex } from "../head/index.ts";
import { IndexReader, type ChunkMeta } from "../index/index.ts";
import { MemTombstones, readTombstones, writeTombstones, type Interval } from "../tombstones/index.ts";
import { ChunkReader } from "./chunk-files.ts";
import { META_FILENAME, readMeta, writeMeta, type BlockMeta } from "./meta.ts";
import { ChunksSeries, LoadedChunks } from "./series.ts";

/** Names inside a block directory. */
export const INDEX_FILENAME = "index";
export const CHUNKS_DIRNAME = "chunks";

/** postingsForMatchers over a block index: lists are read on demand. */
class IndexPostings implements PostingsIndex {
  readonly #ix: IndexReader;

  constructor(ix: IndexReader) {
    this.#ix = ix;
  }

  get(name: string, value: string): Postings {
    return this.#ix.postings(name, value);
  }

  all(): Postings {
    return this.#ix.allPostings();
  }

  matching(name: string, pred: (v: string) => boolean): Postings {
    const m = this.#ix.postingsEntries(name);
    if (m === undefined) return [];
    const lists: Postings[] = [];
    for (const [v, off] of m) if (pred(v)) lists.push(this.#ix.postingsAt(off));
    return merge(lists);
  }

  withLabel(name: string): Postings {
    return this.matching(name, () => true);
  }
}

/**
 * A persisted block (docs/format/): meta.json, index, chunks/ and
 * tombstones, read with positional reads through the DB's page cache.
 * Immutable except for its tombstones. close() waits for open queriers.
 */
export class Block {
  readonly dir: string;
  meta: BlockMeta;
  readonly index: IndexReader;
  readonly chunks: ChunkReader;
  tombstones: MemTombstones;
  #pending: number;
  #closing: boolean;
  #closed: boolean;

  private constructor(dir: string, meta: BlockMeta, index: IndexReader, chunks: ChunkReader, tombstones: MemTombstones) {
    this.dir = dir;
    this.meta = meta;
    this.index = index;
    this.chunks = chunks;
    this.tombstones = tombstones;
    this.#pending = 0;
    this.#closing = false;
    this.#closed = false;
  }

  /** Opens the block in dir. Throws StorageError when a file is missing or corrupt. */
  static open(dir: string, cache: PageCache): Block {
    const meta = readMeta(dir);
    const tombstones = readTombstones(dir);
    const index = new IndexReader(path.join(dir, INDEX_FILENAME), cache);
    let chunks: ChunkReader;
    try {
      chunks = new ChunkReader(path.join(dir, CHUNKS_DIRNAME), cache);
    } catch (e) {
      index.close();
      throw e;
    }
    return new Block(dir, meta, index, chunks, tombstones);
  }

  get ulid(): string {
    return this.meta.ulid;
  }

  get minTime(): number {
    return this.meta.minTime;
  }

  /** Exclusive, as in meta.json. */
  get maxTime(): number {
    return this.meta.maxTime;
  }

  /** Bytes on disk (all files of the block directory). */
  get size(): number {
    return dirSize(this.dir);
  }

  /**
   * Bytes of the symbol table kept in memory, as upstream's
   * GetSymbolTableSize: 8 per symbol offset the index reader keeps (every
   * 32nd symbol's).
   */
  get symbolTableSize(): number {
    return Math.ceil(this.index.numSymbols / 32) * 8;
  }

  /** Whether [mint, maxt] (inclusive) overlaps the block's [minTime, maxTime). */
  overlaps(mint: number, maxt: number): boolean {
    return this.meta.minTime <= maxt && mint < this.meta.maxTime;
  }

  /** A querier over [mint, maxt] (ms, inclusive). Throws StorageError when the block is closed. */
  querier(mint: number, maxt: number): Querier {
    if (this.#closing) throw new StorageError(`block ${this.ulid} is closed`);
    this.#pending++;
    return new BlockQuerier(this, mint, maxt);
  }

  /** Called by BlockQuerier.close(). */
  release(): void {
    this.#pending--;
    if (this.#closing && this.#pending === 0) this.#closeFiles();
  }

  /** Series ids matching the matchers. */
  postings(matchers: readonly Matcher[]): Postings {
    return postingsForMatchers(new IndexPostings(this.index), matchers);
  }

  /**
   * Marks samples of the matching series in [mint, maxt] deleted: adds
   * tombstones, rewrites the tombstones file and meta.json. Returns the
   * number of series affected.
   */
  delete(matchers: readonly Matcher[], mint: number, maxt: number): number {
    const ids = this.postings(matchers);
    const chunks: ChunkMeta[] = [];
    const ts = new MemTombstones();
    for (const [ref, ivs] of this.tombstones.entries()) for (const iv of ivs) ts.add(ref, iv);
    let n = 0;
    for (const id of ids) {
      this.index.series(id, chunks);
      if (chunks.length === 0) continue;
      const lo = Math.max(mint, chunks[0]!.mint);
      const hi = Math.min(maxt, chunks[chunks.length - 1]!.maxt);
      if (lo > hi) continue;
      ts.add(id, { mint: lo, maxt: hi });
      n++;
    }
    if (n === 0) return 0;
    writeTombstones(this.dir, ts);
    this.tombstones = ts;
    this.meta = { ...this.meta, stats: { ...this.meta.stats, numTombstones: ts.total } };
    writeMeta(this.dir, this.meta);
    return n;
  }

  /** Closes the files once no querier uses them. Idempotent. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#pending === 0) this.#closeFiles();
  }

  #closeFiles(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.index.close();
    this.chunks.close();
  }
}

/** Whether one interval covers [mint, maxt] entirely. */
function covered(ivs: readonly Interval[] | undefined, mint: number, maxt: number): boolean {
  if (ivs === undefined) return false;
  for (const iv of ivs) if (iv.mint <= mint && maxt <= iv.maxt) return true;
  return false;
}

/**
 * Reads a block over [mint, maxt]. select() reads postings and series (labels
 * and chunk refs) before it resolves; iterators read the chunks they reach,
 * synchronously through the page cache, while the querier is open.
 */
export class BlockQuerier implements Querier {
  readonly #b: Block;
  readonly #mint: number;
  readonly #maxt: number;
  #closed: boolean;

  constructor(b: Block, mint: number, maxt: number) {
    this.#b = b;
    this.#mint = mint;
    this.#maxt = maxt;
    this.#closed = false;
  }

  async select(sorted: boolean, hints: SelectHints | null, ...matchers: Matcher[]): Promise<SeriesSet> {
    const mint = hints === null ? this.#mint : Math.max(this.#mint, hints.start);
    const maxt = hints === null ? this.#maxt : Math.min(this.#maxt, hints.end);
    const b = this.#b;
    const out: ChunksSeries[] = [];
    if (mint <= maxt) {
      const metas: ChunkMeta[] = [];
      for (const id of b.postings(matchers)) {
        const lset = b.index.series(id, metas);
        const ivs = b.tombstones.get(id);
        const src = new LoadedChunks();
        for (const m of metas) {
          if (m.maxt < mint || m.mint > maxt || covered(ivs, m.mint, m.maxt)) continue;
          src.pushRef(b.chunks, m.ref, m.mint, m.maxt);
        }
        if (src.lastChunk < 0) continue;
        out.push(new ChunksSeries(lset, src, mint, maxt, ivs ?? null));
      }
    }
    // Series ids are in label order already.
    if (sorted && out.length > 1 && compareLabels(out[0]!.labels, out[1]!.labels) > 0) out.sort((x, y) => compareLabels(x.labels, y.labels));
    return new ArraySeriesSet(out);
  }

  async labelValues(name: string, ...matchers: Matcher[]): Promise<string[]> {
    const b = this.#b;
    if (matchers.length === 0) return b.index.labelValues(name).filter((v) => v !== "");
    const vals = new Set<string>();
    for (const id of b.postings(matchers)) {
      const v = b.index.series(id, null).get(name);
      if (v !== "") vals.add(v);
    }
    return [...vals].sort();
  }

  async labelNames(...matchers: Matcher[]): Promise<string[]> {
    const b = this.#b;
    if (matchers.length === 0) return b.index.labelNames();
    const names = new Set<string>();
    for (const id of b.postings(matchers)) b.index.series(id, null).forEach((n) => names.add(n));
    return [...names].sort();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#b.release();
  }
}

/** Block directories (ULID names with a meta.json) in dir, sorted by name. */
export function listBlockDirs(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new StorageError(`list blocks in ${dir}`, { cause: e });
  }
  return names
    .filter((n) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(n) && fs.existsSync(path.join(dir, n, META_FILENAME)))
    .sort()
    .map((n) => path.join(dir, n));
}

/** Sorted labels helper for writers: compares by Prometheus's label order. */
export function sortSeries<T extends { labels: Labels }>(xs: T[]): T[] {
  return xs.sort((a, b) => compareLabels(a.labels, b.labels));
}
