import type { Labels } from "../../model/index.ts";
import { StorageError, ValueType, type Series, type SeriesIterator } from "../../storage/index.ts";
import { Encoding, XORChunk } from "../chunkenc/index.ts";
import { HeadIterator, type ChunkSource } from "../head/index.ts";
import { TombstoneIterator, type Interval } from "../tombstones/index.ts";
import type { RawChunk } from "./chunk-files.ts";

/** Samples per chunk when compaction re-encodes, Prometheus's default. */
export const SAMPLES_PER_CHUNK = 120;

/** Reads a chunk by ref: a block's chunk files (ChunkReader). */
export interface ChunkRefReader {
  /** Where the chunks are (for errors). */
  readonly dir: string;
  /** The chunk at ref; throws StorageError on a bad ref or corrupt chunk. */
  chunk(ref: number): RawChunk;
}

/**
 * The chunks of one series, time ordered, as a ChunkSource: chunk data
 * handed over in memory (push), or refs into a block's chunk files
 * (pushRef), read when an iterator reaches them. A select keeps only the
 * refs, so the chunks read during evaluation die young instead of living
 * as long as the query's selection.
 */
export class LoadedChunks implements ChunkSource {
  // A selection holds one of these per series and block for the whole
  // query, so it is kept small: two arrays, plus a reader per chunk only
  // when chunks of several blocks are concatenated.
  /** Per chunk: mint, maxt. */
  readonly #times: number[];
  /** Per chunk: its data (pushed in memory) or its ref (read on demand). */
  readonly #chunks: (Uint8Array | number)[];
  /** The reader of every by-ref chunk, while there is one. */
  #reader: ChunkRefReader | null;
  /** Per chunk reader (null for in-memory chunks), once chunks come from several readers. */
  #readers: (ChunkRefReader | null)[] | null;

  constructor() {
    this.#times = [];
    this.#chunks = [];
    this.#reader = null;
    this.#readers = null;
  }

  /** Adds chunk data (not copied; must not change) covering [mint, maxt]. */
  push(data: Uint8Array, mint: number, maxt: number): void {
    this.#times.push(mint, maxt);
    this.#chunks.push(data);
    this.#readers?.push(null);
  }

  /** Adds the chunk at ref of reader, covering [mint, maxt]; it is read (and checked) on every chunk(i). */
  pushRef(reader: ChunkRefReader, ref: number, mint: number, maxt: number): void {
    if (this.#readers === null && this.#reader !== null && this.#reader !== reader) {
      const one = this.#reader;
      this.#readers = this.#chunks.map((c) => (typeof c === "number" ? one : null));
    }
    this.#times.push(mint, maxt);
    this.#chunks.push(ref);
    if (this.#readers !== null) this.#readers.push(reader);
    else this.#reader = reader;
  }

  /** Appends the chunks of src, in order. */
  pushAll(src: LoadedChunks): void {
    for (let i = 0; i <= src.lastChunk; i++) {
      const c = src.#chunks[i]!;
      const mint = src.#times[2 * i]!;
      const maxt = src.#times[2 * i + 1]!;
      if (typeof c === "number") this.pushRef(src.#readerOf(i), c, mint, maxt);
      else this.push(c, mint, maxt);
    }
  }

  #readerOf(i: number): ChunkRefReader {
    const r = this.#readers === null ? this.#reader : this.#readers[i]!;
    if (r === null) throw new Error("BUG: a chunk by ref without its reader");
    return r;
  }

  get lastChunk(): number {
    return this.#chunks.length - 1;
  }

  /**
   * Chunk i, read from its chunk file when it was pushed by ref. Throws
   * StorageError when that fails or the chunk is not XOR (a native
   * histogram chunk).
   */
  chunk(i: number): XORChunk {
    const c = this.#chunks[i]!;
    if (typeof c !== "number") return XORChunk.fromBytes(c);
    const r = this.#readerOf(i);
    const raw = r.chunk(c);
    if (raw.encoding !== Encoding.XOR) {
      throw new StorageError(`${r.dir}: chunk encoding ${raw.encoding} (native histograms) is not supported`);
    }
    return XORChunk.fromBytes(raw.data);
  }

  chunkMinTime(i: number): number {
    return this.#times[2 * i]!;
  }

  chunkMaxTime(i: number): number {
    return this.#times[2 * i + 1]!;
  }
}

/** A series over loaded chunks within [mint, maxt], minus deleted intervals. */
export class ChunksSeries implements Series {
  readonly labels: Labels;
  readonly #src: LoadedChunks;
  readonly #mint: number;
  readonly #maxt: number;
  readonly #deleted: readonly Interval[] | null;

  constructor(labels: Labels, src: LoadedChunks, mint: number, maxt: number, deleted: readonly Interval[] | null) {
    this.labels = labels;
    this.#src = src;
    this.#mint = mint;
    this.#maxt = maxt;
    this.#deleted = deleted !== null && deleted.length > 0 ? deleted : null;
  }

  /**
   * One series over the chunks of `parts` in order, when they can be read
   * as one: all are ChunksSeries over the same [mint, maxt] without deleted
   * intervals, each part's chunks ending before the next part's begin
   * (blocks side by side). Else null. The chunks are shared, not copied.
   */
  static concat(labels: Labels, parts: readonly Series[]): ChunksSeries | null {
    const first = parts[0];
    if (!(first instanceof ChunksSeries)) return null;
    let prevMaxt = Number.NEGATIVE_INFINITY;
    for (const p of parts) {
      if (!(p instanceof ChunksSeries) || p.#deleted !== null || p.#mint !== first.#mint || p.#maxt !== first.#maxt) return null;
      const src = p.#src;
      if (src.lastChunk < 0) continue;
      if (src.chunkMinTime(0) <= prevMaxt) return null;
      for (let i = 1; i <= src.lastChunk; i++) if (src.chunkMinTime(i) <= src.chunkMaxTime(i - 1)) return null;
      prevMaxt = src.chunkMaxTime(src.lastChunk);
    }
    const all = new LoadedChunks();
    for (const p of parts) all.pushAll((p as ChunksSeries).#src);
    return new ChunksSeries(labels, all, first.#mint, first.#maxt, null);
  }

  iterator(reuse?: SeriesIterator | null): SeriesIterator {
    if (this.#deleted === null) {
      const it = reuse instanceof HeadIterator ? reuse : new HeadIterator();
      it.reset(this.#src, this.#mint, this.#maxt);
      return it;
    }
    const inner = new HeadIterator();
    inner.reset(this.#src, this.#mint, this.#maxt);
    return new TombstoneIterator(inner, this.#deleted);
  }
}

/**
 * Merges iterators of the same series from several sources in time order;
 * when several have a sample at the same time the first source's wins, as
 * Prometheus's chain sample iterator deduplicates overlapping blocks.
 *
 * Every source is kept positioned on its earliest sample not merged yet
 * (its head time cached in `heads`, +Inf once exhausted); the merged
 * sample is copied into fields. Only the source taken from advances, and
 * while its head stays before every other source's (`bound`) it is taken
 * again without looking at the others: non-overlapping sources (blocks
 * side by side) cost one comparison per sample, and readInto() lets the
 * source copy such a run itself.
 *
 *   heads:  [ 120  +Inf  300 ]   last = 0, bound = 300
 *   next(): source 0 while heads[0] < 300, then a scan picks the earliest
 *           (the first source on equal times, the others' equal samples dropped)
 */
export class MergeIterator implements SeriesIterator {
  readonly #its: SeriesIterator[];
  /** Per source: the time of the sample it is positioned on, not merged yet; +Inf when exhausted. */
  readonly #heads: Float64Array;
  #started: boolean;
  #done: boolean;
  /** The source taken from last (-1: scan), and the earliest head of the others when it was chosen. */
  #last = -1;
  // Initialised here, so doubles stored per sample are not boxed (see XORChunk).
  #bound = Number.POSITIVE_INFINITY;
  /** Consecutive samples taken from #last without a scan (readInto copies longer runs in bulk). */
  #run = 0;
  #t = 0;
  #v = 0;
  #stale: boolean;
  #err: Error | null;

  constructor(its: SeriesIterator[]) {
    this.#its = its;
    this.#heads = new Float64Array(its.length).fill(Number.POSITIVE_INFINITY);
    this.#started = false;
    this.#done = false;
    this.#stale = false;
    this.#err = null;
  }

  /** Moves source i to its next sample; returns its time, +Inf when it has none. */
  #advance(i: number): number {
    const it = this.#its[i]!;
    return it.next() === ValueType.None ? Number.POSITIVE_INFINITY : it.atT();
  }

  #start(): void {
    this.#started = true;
    for (let i = 0; i < this.#its.length; i++) this.#heads[i] = this.#advance(i);
  }

  /** The source with the earliest head (the first on equal times), or -1 when all are exhausted (then done). */
  #choose(): number {
    const heads = this.#heads;
    const last = this.#last;
    if (last >= 0 && heads[last]! < this.#bound) {
      this.#run++;
      return last;
    }
    let best = -1;
    let bt = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (h < bt) {
        second = bt;
        bt = h;
        best = i;
      } else if (h < second) {
        second = h;
      }
    }
    this.#last = best;
    this.#bound = second;
    this.#run = 0;
    if (best < 0) {
      this.#done = true;
      for (const it of this.#its) if (this.#err === null) this.#err = it.err();
    }
    return best;
  }

  /** Makes the head of source i the current sample and moves i on; sources with a sample at the same time skip it. */
  #take(i: number): void {
    const heads = this.#heads;
    const it = this.#its[i]!;
    const t = heads[i]!;
    this.#t = t;
    this.#v = it.atF();
    this.#stale = it.isStale();
    if (this.#bound === t) {
      for (let j = 0; j < heads.length; j++) if (j !== i && heads[j] === t) heads[j] = this.#advance(j);
      this.#last = -1;
    }
    heads[i] = this.#advance(i);
  }

  next(): ValueType {
    if (!this.#started) this.#start();
    else if (this.#done) return ValueType.None;
    const i = this.#choose();
    if (i < 0) return ValueType.None;
    this.#take(i);
    return ValueType.Float;
  }

  seek(t: number): ValueType {
    if (this.#done) return ValueType.None;
    if (this.#started && this.#t >= t) return ValueType.Float;
    const heads = this.#heads;
    if (!this.#started) {
      this.#started = true;
      for (let i = 0; i < this.#its.length; i++) heads[i] = this.#its[i]!.seek(t) === ValueType.None ? Number.POSITIVE_INFINITY : this.#its[i]!.atT();
    } else {
      for (let i = 0; i < this.#its.length; i++) {
        if (heads[i]! < t) heads[i] = this.#its[i]!.seek(t) === ValueType.None ? Number.POSITIVE_INFINITY : this.#its[i]!.atT();
      }
    }
    this.#last = -1;
    const i = this.#choose();
    if (i < 0) return ValueType.None;
    this.#take(i);
    return ValueType.Float;
  }

  atT(): number {
    return this.#t;
  }

  atF(): number {
    return this.#v;
  }

  isStale(): boolean {
    return this.#stale;
  }

  readInto(ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, maxt: number): number {
    if (!this.#started) this.#start();
    else if (this.#done) return 0;
    const heads = this.#heads;
    let n = 0;
    while (n < ts.length) {
      const i = this.#choose();
      if (i < 0 || heads[i]! > maxt) break;
      this.#take(i);
      if (!this.#stale || stale !== null) {
        ts[n] = this.#t;
        vs[n] = this.#v;
        if (stale !== null) stale[n] = this.#stale ? 1 : 0;
        n++;
      }
      // A run of one source ahead of the others: let it copy the rest of the run (up to the
      // others' earliest sample) itself. Only after a few samples, so that interleaved sources
      // do not pay for the views.
      if (this.#run >= BULK_AFTER && this.#last === i && heads[i]! < this.#bound && heads[i]! <= maxt && n < ts.length) {
        n += this.#bulk(i, ts, vs, stale, n, Math.min(maxt, this.#bound - 1));
      }
    }
    return n;
  }

  /**
   * Copies source i's samples from its head through limit into ts/vs/stale
   * from index n, by the source's own readInto; the last one copied becomes
   * the current sample. Returns how many were copied.
   */
  #bulk(i: number, ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, n: number, limit: number): number {
    const it = this.#its[i]!;
    const heads = this.#heads;
    // The head itself first: the source's readInto copies what comes after its position.
    let k = 0;
    const headStale = it.isStale();
    if (!headStale || stale !== null) {
      ts[n] = heads[i]!;
      vs[n] = it.atF();
      if (stale !== null) stale[n] = headStale ? 1 : 0;
      k = 1;
    }
    if (n + k < ts.length) {
      k += it.readInto(ts.subarray(n + k), vs.subarray(n + k), stale === null ? null : stale.subarray(n + k), limit);
    }
    this.#t = it.atT();
    this.#v = it.atF();
    this.#stale = it.isStale();
    heads[i] = this.#advance(i);
    return k;
  }

  err(): Error | null {
    return this.#err;
  }
}

/** Samples taken from one source in a row before readInto lets it copy the rest of its run in bulk. */
const BULK_AFTER = 4;

/**
 * A series whose samples come from several sources (blocks, head), merged
 * by MergeIterator. When the sources are blocks side by side (see
 * ChunksSeries.concat) their chunks are read in a row instead, by one
 * reusable iterator: the same samples without the merge.
 */
export class MergedSeries implements Series {
  readonly labels: Labels;
  /** The sources to merge; empty when they were concatenated. */
  readonly #parts: Series[];
  readonly #concat: ChunksSeries | null;

  constructor(labels: Labels, parts: Series[]) {
    this.labels = labels;
    this.#concat = ChunksSeries.concat(labels, parts);
    this.#parts = this.#concat === null ? parts : [];
  }

  iterator(reuse?: SeriesIterator | null): SeriesIterator {
    if (this.#concat !== null) return this.#concat.iterator(reuse);
    return new MergeIterator(this.#parts.map((p) => p.iterator()));
  }
}

/**
 * Re-encodes samples into XOR chunks of at most SAMPLES_PER_CHUNK samples:
 * feed samples in time order with add(), then finish(). For compaction of
 * overlapping or partly deleted chunks.
 */
export class Rechunker {
  readonly out: { data: Uint8Array; mint: number; maxt: number; samples: number }[];
  #chunk: XORChunk | null;
  #app: ReturnType<XORChunk["appender"]> | null;
  #mint: number;
  #maxt: number;
  #n: number;

  constructor() {
    this.out = [];
    this.#chunk = null;
    this.#app = null;
    this.#mint = 0;
    this.#maxt = 0;
    this.#n = 0;
  }

  /** Adds the current sample of it (t increasing). */
  addFrom(it: SeriesIterator): void {
    if (this.#chunk === null) {
      this.#chunk = XORChunk.create();
      this.#app = this.#chunk.appender();
      this.#mint = it.atT();
      this.#n = 0;
    }
    this.#app!.append(it.atT(), it.atF(), it.isStale());
    this.#maxt = it.atT();
    this.#n++;
    if (this.#n >= SAMPLES_PER_CHUNK) this.#flush();
  }

  #flush(): void {
    if (this.#chunk === null) return;
    this.out.push({ data: this.#chunk.bytes().slice(), mint: this.#mint, maxt: this.#maxt, samples: this.#n });
    this.#chunk = null;
    this.#app = null;
  }

  /** Closes the last chunk; returns all chunks. */
  finish(): { data: Uint8Array; mint: number; maxt: number; samples: number }[] {
    this.#flush();
    return this.out;
  }
}
