import type { Labels } from "../../model/index.ts";
import { ValueType, type Series, type SeriesIterator } from "../../storage/index.ts";
import { XORChunk } from "../chunkenc/index.ts";
import { HeadIterator, type ChunkSource } from "../head/index.ts";
import { TombstoneIterator, type Interval } from "../tombstones/index.ts";

/** Samples per chunk when compaction re-encodes, Prometheus's default. */
export const SAMPLES_PER_CHUNK = 120;

/** Chunks loaded in memory for one series, time ordered, as a ChunkSource. */
export class LoadedChunks implements ChunkSource {
  readonly chunks: XORChunk[];
  readonly mints: number[];
  readonly maxts: number[];

  constructor() {
    this.chunks = [];
    this.mints = [];
    this.maxts = [];
  }

  /** Adds chunk data (not copied; must not change) covering [mint, maxt]. */
  push(data: Uint8Array, mint: number, maxt: number): void {
    this.chunks.push(XORChunk.fromBytes(data));
    this.mints.push(mint);
    this.maxts.push(maxt);
  }

  get lastChunk(): number {
    return this.chunks.length - 1;
  }

  chunk(i: number): XORChunk {
    return this.chunks[i]!;
  }

  chunkMinTime(i: number): number {
    return this.mints[i]!;
  }

  chunkMaxTime(i: number): number {
    return this.maxts[i]!;
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

/** MergeIterator state: sources advanced past the current sample, which lives in the fields. */
const ADVANCED = -2;
/** MergeIterator state: exhausted. */
const EXHAUSTED = -1;

/**
 * Merges iterators of the same series from several sources in time order;
 * when several have a sample at the same time the first source's wins, as
 * Prometheus's chain sample iterator deduplicates overlapping blocks.
 */
export class MergeIterator implements SeriesIterator {
  readonly #its: SeriesIterator[];
  /** Per source: positioned on a sample not merged yet. */
  readonly #has: boolean[];
  #started: boolean;
  /** Source of the current sample (not advanced yet), or ADVANCED, or EXHAUSTED. */
  #cur: number;
  #t: number;
  #v: number;
  #stale: boolean;
  #err: Error | null;

  constructor(its: SeriesIterator[]) {
    this.#its = its;
    this.#has = its.map(() => false);
    this.#started = false;
    this.#cur = ADVANCED;
    this.#t = 0;
    this.#v = 0;
    this.#stale = false;
    this.#err = null;
  }

  #pick(): ValueType {
    let best = -1;
    for (let i = 0; i < this.#its.length; i++) {
      if (this.#has[i] && (best < 0 || this.#its[i]!.atT() < this.#its[best]!.atT())) best = i;
    }
    if (best < 0) {
      this.#cur = EXHAUSTED;
      for (const it of this.#its) if (this.#err === null) this.#err = it.err();
      return ValueType.None;
    }
    this.#cur = best;
    const it = this.#its[best]!;
    this.#t = it.atT();
    this.#v = it.atF();
    this.#stale = it.isStale();
    // Drop the same timestamp from the other sources.
    for (let i = 0; i < this.#its.length; i++) {
      if (i !== best && this.#has[i] && this.#its[i]!.atT() === this.#t) this.#has[i] = this.#its[i]!.next() !== ValueType.None;
    }
    return ValueType.Float;
  }

  /** Moves the sources past the current sample; false when exhausted. */
  #advance(): boolean {
    if (!this.#started) {
      this.#started = true;
      for (let i = 0; i < this.#its.length; i++) this.#has[i] = this.#its[i]!.next() !== ValueType.None;
    } else if (this.#cur >= 0) {
      this.#has[this.#cur] = this.#its[this.#cur]!.next() !== ValueType.None;
      this.#cur = ADVANCED;
    } else if (this.#cur === EXHAUSTED) return false;
    return true;
  }

  next(): ValueType {
    if (!this.#advance()) return ValueType.None;
    return this.#pick();
  }

  seek(t: number): ValueType {
    if (this.#cur === EXHAUSTED) return ValueType.None;
    if (this.#started && this.#t >= t) {
      if (this.#cur >= 0) return ValueType.Float;
      // ADVANCED: the current sample is still the position.
      return ValueType.Float;
    }
    const fresh = !this.#started;
    this.#started = true;
    if (this.#cur >= 0) {
      this.#has[this.#cur] = this.#its[this.#cur]!.next() !== ValueType.None;
    }
    for (let i = 0; i < this.#its.length; i++) {
      if (fresh || this.#has[i]) this.#has[i] = this.#its[i]!.seek(t) !== ValueType.None;
    }
    return this.#pick();
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
    let n = 0;
    while (n < ts.length) {
      if (!this.#advance()) break;
      let next = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.#its.length; i++) if (this.#has[i] && this.#its[i]!.atT() < next) next = this.#its[i]!.atT();
      if (next === Number.POSITIVE_INFINITY) {
        this.#pick();
        break;
      }
      if (next > maxt) break;
      this.#pick();
      if (this.#stale && stale === null) continue;
      ts[n] = this.#t;
      vs[n] = this.#v;
      if (stale !== null) stale[n] = this.#stale ? 1 : 0;
      n++;
    }
    return n;
  }

  err(): Error | null {
    return this.#err;
  }
}

/** A series whose samples come from several sources (blocks, head), merged by MergeIterator. */
export class MergedSeries implements Series {
  readonly labels: Labels;
  readonly #parts: Series[];

  constructor(labels: Labels, parts: Series[]) {
    this.labels = labels;
    this.#parts = parts;
  }

  iterator(): SeriesIterator {
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
