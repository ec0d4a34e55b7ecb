import type { Labels } from "../../model/index.ts";
import type { Series, SeriesIterator } from "../../storage/index.ts";
import { ValueType } from "../../storage/index.ts";
import { XORChunk, XORIterator, type XORAppender } from "../chunkenc/index.ts";
import { TombstoneIterator, type Interval } from "../tombstones/index.ts";
import { GO_NAN_HI, GO_NAN_LO, STALE_NAN_HI, STALE_NAN_LO, floatBitsHi, floatBitsLo } from "../encoding/index.ts";

/**
 * Most bytes an XOR head chunk may have before the next append cuts a new
 * one: Prometheus's MaxBytesPerXORChunk (1024) minus the largest sample (19
 * bytes), so a chunk never grows past 1 KiB.
 */
const MAX_BYTES_PER_XOR_CHUNK = 1024 - 19;

/** Scratch for valueBits(), to return two numbers without allocating. */
export const bits = { hi: 0, lo: 0 };

/**
 * Sets `bits` to the bit pattern a sample is stored with: the stale NaN for
 * a stale marker, Go's math.NaN() for any other NaN, else the value's own
 * bits. Duplicate detection compares these, as Prometheus compares
 * math.Float64bits.
 */
export function valueBits(v: number, stale: boolean): void {
  if (stale) {
    bits.hi = STALE_NAN_HI;
    bits.lo = STALE_NAN_LO;
  } else if (v !== v) {
    bits.hi = GO_NAN_HI;
    bits.lo = GO_NAN_LO;
  } else {
    bits.hi = floatBitsHi(v);
    bits.lo = floatBitsLo(v);
  }
}

/** Prometheus's rangeForTimestamp: the end of the chunk range holding t (Go integer division). */
export function rangeForTimestamp(t: number, width: number): number {
  return Math.trunc(t / width) * width + width;
}

/**
 * Prometheus's computeChunkEndTime: assuming the chunk is 1/ratioToFull
 * full at cur, the end time that splits [start, maxT) into equal chunks at
 * the current sample rate.
 */
export function computeChunkEndTime(start: number, cur: number, maxT: number, ratioToFull: number): number {
  const n = (maxT - start) / ((cur - start + 1) * ratioToFull);
  if (n <= 1) return maxT;
  return Math.trunc(start + (maxT - start) / Math.floor(n));
}

/**
 * One series of the head: its labels, ref, and float samples in XOR chunks.
 * Chunks before the last are complete and never change; the last (the head
 * chunk) takes appends. Chunks are cut as Prometheus's appendPreprocessor
 * does (see append()).
 */
export class MemSeries {
  readonly ref: number;
  readonly labels: Labels;
  /** Complete chunks, oldest first, with their time ranges (ms, inclusive). */
  readonly chunks: XORChunk[];
  readonly chunkMint: number[];
  readonly chunkMaxt: number[];
  headChunk: XORChunk | null;
  headApp: XORAppender | null;
  headMint: number;
  /** Time of the newest sample, -Infinity while the series has none. */
  headMaxt: number;
  /** Time at or after which the next sample starts a new chunk. */
  nextAt: number;
  /** Bits of the newest sample's value. */
  lastHi: number;
  lastLo: number;
  /** Whether a series record for this series is in the WAL. */
  logged: boolean;
  /** The last appender that took on logging this series' record. */
  logOwner: object | null;
  /** The appender holding uncommitted samples of this series, and the newest of them. */
  pendingOwner: object | null;
  pendingT: number;
  pendingHi: number;
  pendingLo: number;

  constructor(ref: number, labels: Labels) {
    this.ref = ref;
    this.labels = labels;
    this.chunks = [];
    this.chunkMint = [];
    this.chunkMaxt = [];
    this.headChunk = null;
    this.headApp = null;
    this.headMint = Number.POSITIVE_INFINITY;
    this.headMaxt = Number.NEGATIVE_INFINITY;
    this.nextAt = Number.NEGATIVE_INFINITY;
    this.lastHi = 0;
    this.lastLo = 0;
    this.logged = false;
    this.logOwner = null;
    this.pendingOwner = null;
    this.pendingT = 0;
    this.pendingHi = 0;
    this.pendingLo = 0;
  }

  /** Time of the oldest sample (Infinity if none). */
  get minTime(): number {
    return this.chunks.length > 0 ? this.chunkMint[0]! : this.headMint;
  }

  /** Time of the newest sample (-Infinity if none). */
  get maxTime(): number {
    return this.headMaxt;
  }

  /** Index of the last chunk (the head chunk), -1 if none. */
  get lastChunk(): number {
    return this.headChunk === null ? this.chunks.length - 1 : this.chunks.length;
  }

  /** Chunk i (0 = oldest; lastChunk = the head chunk). */
  chunk(i: number): XORChunk {
    return i < this.chunks.length ? this.chunks[i]! : this.headChunk!;
  }

  chunkMinTime(i: number): number {
    return i < this.chunks.length ? this.chunkMint[i]! : this.headMint;
  }

  chunkMaxTime(i: number): number {
    return i < this.chunks.length ? this.chunkMaxt[i]! : this.headMaxt;
  }

  /**
   * Drops the chunks that end before mint. Returns true when nothing is
   * left (the series can be garbage collected).
   */
  truncateChunksBefore(mint: number): boolean {
    let k = 0;
    while (k < this.chunks.length && this.chunkMaxt[k]! < mint) k++;
    if (k > 0) {
      this.chunks.splice(0, k);
      this.chunkMint.splice(0, k);
      this.chunkMaxt.splice(0, k);
    }
    if (this.headChunk !== null && this.headMaxt < mint) {
      if (this.chunks.length > 0) throw new Error("BUG: head chunk older than a complete chunk");
      this.headChunk = null;
      this.headApp = null;
      this.headMint = Number.POSITIVE_INFINITY;
    }
    return this.chunks.length === 0 && this.headChunk === null;
  }

  #cut(t: number, chunkRange: number): void {
    if (this.headChunk !== null) {
      // Freeze the full chunk into a right-sized copy of its bytes.
      this.chunks.push(XORChunk.fromBytes(this.headChunk.bytes().slice()));
      this.chunkMint.push(this.headMint);
      this.chunkMaxt.push(this.headMaxt);
    }
    this.headChunk = XORChunk.create();
    this.headApp = this.headChunk.appender();
    this.headMint = t;
    this.nextAt = rangeForTimestamp(t, chunkRange);
  }

  /**
   * Appends a sample whose value has the bits hi:lo; false if t is not
   * after the newest sample. Cuts a new chunk first, as Prometheus's
   * appendPreprocessor: when the chunk passed 1005 bytes, when t reaches
   * nextAt (the end of the chunk range, moved earlier once the chunk holds
   * samplesPerChunk/4 samples so the rest of the range splits evenly at the
   * observed rate), or when it holds 2 * samplesPerChunk samples.
   */
  append(t: number, hi: number, lo: number, chunkRange: number, samplesPerChunk: number): boolean {
    if (t <= this.headMaxt) return false;
    let created = false;
    if (this.headChunk === null) {
      this.#cut(t, chunkRange);
      created = true;
    }
    if (!created && this.headChunk!.bytes().length > MAX_BYTES_PER_XOR_CHUNK) {
      this.#cut(t, chunkRange);
      created = true;
    }
    const n = this.headChunk!.numSamples();
    if (n === samplesPerChunk / 4) this.nextAt = computeChunkEndTime(this.headMint, this.headMaxt, this.nextAt, 4);
    if (!created && (t >= this.nextAt || n >= samplesPerChunk * 2)) this.#cut(t, chunkRange);
    this.headApp!.appendBits(t, hi, lo);
    this.headMaxt = t;
    this.lastHi = hi;
    this.lastLo = lo;
    return true;
  }
}

/**
 * The samples of a MemSeries within [mint, maxt], as a Series. maxt is
 * fixed when the query selects the series, so samples committed later stay
 * invisible to it.
 */
export class HeadSeries implements Series {
  readonly labels: Labels;
  readonly #s: MemSeries;
  readonly #mint: number;
  readonly #maxt: number;
  readonly #deleted: readonly Interval[] | null;

  /** deleted: tombstoned intervals of the series (sorted), or null. */
  constructor(s: MemSeries, mint: number, maxt: number, deleted: readonly Interval[] | null = null) {
    this.labels = s.labels;
    this.#s = s;
    this.#mint = mint;
    this.#maxt = Math.min(maxt, s.maxTime);
    this.#deleted = deleted;
  }

  iterator(reuse?: SeriesIterator | null): SeriesIterator {
    if (this.#deleted !== null) {
      const inner = new HeadIterator();
      inner.reset(this.#s, this.#mint, this.#maxt);
      return new TombstoneIterator(inner, this.#deleted);
    }
    const it = reuse instanceof HeadIterator ? reuse : new HeadIterator();
    it.reset(this.#s, this.#mint, this.#maxt);
    return it;
  }
}

/**
 * A series' chunks in time order, without overlap, as HeadIterator reads
 * them: MemSeries is one, and so is a block series' loaded chunks.
 */
export interface ChunkSource {
  /** Index of the last chunk, -1 if none. */
  readonly lastChunk: number;
  chunk(i: number): { bytes(): Uint8Array };
  chunkMinTime(i: number): number;
  chunkMaxTime(i: number): number;
}

/**
 * Iterates a ChunkSource's chunks over [mint, maxt], one XOR iterator
 * reused across chunks. Allocation-free per sample.
 */
export class HeadIterator implements SeriesIterator {
  #s: ChunkSource | null;
  #mint: number;
  #maxt: number;
  /** Chunk loaded into #inner (-1 before the first). */
  #ci: number;
  readonly #inner: XORIterator;
  #started: boolean;
  /** Positioned on a sample the caller has not consumed yet (readInto looked ahead). */
  #peeked: boolean;
  #done: boolean;
  #err: Error | null;

  constructor() {
    this.#s = null;
    this.#mint = 0;
    this.#maxt = 0;
    this.#ci = -1;
    this.#inner = new XORIterator(new Uint8Array(2));
    this.#started = false;
    this.#peeked = false;
    this.#done = true;
    this.#err = null;
  }

  /** Restarts over the samples of s within [mint, maxt]. */
  reset(s: ChunkSource, mint: number, maxt: number): void {
    this.#s = s;
    this.#mint = mint;
    this.#maxt = maxt;
    this.#ci = -1;
    this.#started = false;
    this.#peeked = false;
    this.#done = mint > maxt;
    this.#err = null;
  }

  #load(i: number): void {
    this.#ci = i;
    this.#inner.reset(this.#s!.chunk(i).bytes());
  }

  #finish(): ValueType {
    this.#done = true;
    this.#peeked = false;
    return ValueType.None;
  }

  /** Positions on the first sample with time >= t from the current chunk on. */
  #seekFrom(t: number): ValueType {
    const s = this.#s!;
    const last = s.lastChunk;
    let i = this.#ci < 0 ? 0 : this.#ci;
    for (;;) {
      while (i <= last && s.chunkMaxTime(i) < t) i++;
      if (i > last || s.chunkMinTime(i) > this.#maxt) return this.#finish();
      if (i !== this.#ci) this.#load(i);
      if (this.#inner.seek(t) !== ValueType.None) {
        if (this.#inner.atT() > this.#maxt) return this.#finish();
        return ValueType.Float;
      }
      const err = this.#inner.err();
      if (err !== null) {
        this.#err = err;
        return this.#finish();
      }
      // The chunk ended before t (it grew after this query fixed maxt); go on.
      i++;
    }
  }

  next(): ValueType {
    if (this.#done) return ValueType.None;
    if (this.#peeked) {
      this.#peeked = false;
      return ValueType.Float;
    }
    if (!this.#started) {
      this.#started = true;
      return this.#seekFrom(this.#mint);
    }
    if (this.#inner.next() !== ValueType.None) {
      return this.#inner.atT() > this.#maxt ? this.#finish() : ValueType.Float;
    }
    const err = this.#inner.err();
    if (err !== null) {
      this.#err = err;
      return this.#finish();
    }
    if (this.#ci >= this.#s!.lastChunk) return this.#finish();
    return this.#seekFrom(this.#s!.chunkMinTime(this.#ci + 1));
  }

  seek(t: number): ValueType {
    if (this.#done) return ValueType.None;
    if (t < this.#mint) t = this.#mint;
    if (this.#started && this.#inner.atT() >= t) {
      this.#peeked = false;
      return ValueType.Float;
    }
    this.#started = true;
    this.#peeked = false;
    return this.#seekFrom(t);
  }

  atT(): number {
    return this.#inner.atT();
  }

  atF(): number {
    return this.#inner.atF();
  }

  isStale(): boolean {
    return this.#inner.isStale();
  }

  readInto(ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, maxt: number): number {
    if (this.#done) return 0;
    if (maxt > this.#maxt) maxt = this.#maxt;
    if (!this.#started) {
      if (this.next() === ValueType.None) return 0;
      this.#peeked = true;
    }
    let n = 0;
    if (this.#peeked) {
      if (this.#inner.atT() > maxt || ts.length === 0) return 0;
      this.#peeked = false;
      const st = this.#inner.isStale();
      if (!st || stale !== null) {
        ts[0] = this.#inner.atT();
        vs[0] = this.#inner.atF();
        if (stale !== null) stale[0] = st ? 1 : 0;
        n = 1;
      }
    }
    const s = this.#s!;
    while (n < ts.length) {
      n += this.#inner.readIntoAt(ts, vs, stale, maxt, n);
      if (n >= ts.length) break;
      const err = this.#inner.err();
      if (err !== null) {
        this.#err = err;
        this.#finish();
        break;
      }
      // Stopped short: either the next sample is past maxt or the chunk ended.
      const i = this.#ci;
      if (s.chunkMaxTime(i) > maxt || i >= s.lastChunk || s.chunkMinTime(i + 1) > maxt) break;
      this.#load(i + 1);
    }
    return n;
  }

  err(): Error | null {
    return this.#err;
  }
}
