import type { Labels } from "../../model/index.ts";
import type { Series, SeriesIterator } from "../../storage/index.ts";
import { ValueType } from "../../storage/index.ts";
import { XORChunk, XORIterator, type ChunkArena } from "../chunkenc/index.ts";
import { TombstoneIterator, type Interval } from "../tombstones/index.ts";
import { GO_NAN_HI, GO_NAN_LO, STALE_NAN_HI, STALE_NAN_LO, floatBitsHi, floatBitsLo, floatFromBits, isStaleNaNBits } from "../encoding/index.ts";
import type { HeadChunkStore } from "./chunk-disk-mapper.ts";

/**
 * Most bytes an XOR head chunk may have before the next append cuts a new
 * one: Prometheus's MaxBytesPerXORChunk (1024) minus the largest sample (19
 * bytes), so a chunk never grows past 1 KiB.
 */
const MAX_BYTES_PER_XOR_CHUNK = 1024 - 19;

/** The chunk list of every series without complete chunks (most of a fresh head's): frozen, replaced on the first cut. */
const NO_CHUNKS: number[] = Object.freeze([]) as unknown as number[];
/** Numbers per complete chunk in MemSeries's list: store ref, mint, maxt. */
const STRIDE = 3;

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

/** Series per page of SeriesTimes. */
const TIMES_PAGE_SERIES = 4096;
/** Times per series: headMint, headMaxt, nextAt, pendingT. */
const TIMES_STRIDE = 4;
const T_HEAD_MINT = 0;
const T_HEAD_MAXT = 1;
const T_NEXT_AT = 2;
const T_PENDING_T = 3;

/**
 * The millisecond times of the head's series, TIMES_STRIDE per series, in
 * shared Float64Array pages. A time is rarely a small integer to V8, and a
 * double kept in an object field of its own is a separate 16-byte heap
 * number (one more object for every major GC to mark) per field and
 * series: four per series, when the times lived in MemSeries.
 */
export class SeriesTimes {
  readonly #pages: Float64Array[];
  /** Released slots, reused first. */
  readonly #free: number[];
  #next: number;

  constructor() {
    this.#pages = [];
    this.#free = [];
    this.#next = 0;
  }

  /** A slot for a new series. */
  alloc(): number {
    if (this.#free.length > 0) return this.#free.pop()!;
    const slot = this.#next++;
    if (slot % TIMES_PAGE_SERIES === 0) this.#pages.push(new Float64Array(TIMES_PAGE_SERIES * TIMES_STRIDE));
    return slot;
  }

  /** The page holding slot's times. */
  page(slot: number): Float64Array {
    return this.#pages[Math.floor(slot / TIMES_PAGE_SERIES)]!;
  }

  /** Offset of slot's first time in its page. */
  offset(slot: number): number {
    return (slot % TIMES_PAGE_SERIES) * TIMES_STRIDE;
  }

  /** Gives slot back once its series is gone from the head. */
  release(slot: number): void {
    this.#free.push(slot);
  }

  /** Slots handed out and not released. */
  get live(): number {
    return this.#next - this.#free.length;
  }
}

/**
 * One series of the head: its labels, ref, and float samples in XOR chunks.
 * Complete chunks live in the head's HeadChunkStore (on disk in
 * chunks_head/ for a DB): the series keeps only their refs and time
 * ranges. The last chunk (the head chunk) is in memory and takes appends.
 * Chunks are cut as Prometheus's appendPreprocessor does (see append()).
 */
export class MemSeries {
  readonly ref: number;
  readonly labels: Labels;
  /** labels.hash as a signed 32-bit integer: the head's key for it, kept so removal need not rebuild the labels' key string. */
  readonly labelsHash: number;
  readonly store: HeadChunkStore;
  /** Where the head chunk's bytes live. */
  readonly arena: ChunkArena;
  /**
   * The complete chunks, oldest first, STRIDE numbers each: store ref,
   * then the time range (ms, inclusive). One array of doubles: no boxed
   * number per chunk.
   */
  #chunks: number[];
  /** The open chunk, in the arena; it keeps the newest sample's time and value bits. */
  headChunk: XORChunk | null;
  /** Where the series' times are: its slot of the head's SeriesTimes, that slot's page and offset (see the accessors below). */
  readonly #slot: number;
  #tp: Float64Array;
  #to: number;
  /** Whether a series record for this series is in the WAL. */
  logged: boolean;
  /** The last appender that took on logging this series' record. */
  logOwner: object | null;
  /** The appender holding uncommitted samples of this series, and the newest of them. */
  pendingOwner: object | null;
  /** Value bits of the newest uncommitted sample as signed 32-bit integers (small integers, not boxed doubles). */
  pendingHi: number;
  pendingLo: number;
  /** Out-of-order samples not yet compacted into a block (null while none). */
  ooo: OOOSamples | null;

  constructor(ref: number, labels: Labels, labelsHash: number, store: HeadChunkStore, arena: ChunkArena, times: SeriesTimes) {
    this.ref = ref;
    this.labels = labels;
    this.labelsHash = labelsHash;
    this.store = store;
    this.arena = arena;
    this.#chunks = NO_CHUNKS;
    this.headChunk = null;
    this.#slot = times.alloc();
    this.#tp = times.page(this.#slot);
    this.#to = times.offset(this.#slot);
    this.headMint = Number.POSITIVE_INFINITY;
    this.headMaxt = Number.NEGATIVE_INFINITY;
    this.nextAt = Number.NEGATIVE_INFINITY;
    this.pendingT = 0;
    this.logged = false;
    this.logOwner = null;
    this.pendingOwner = null;
    this.pendingHi = 0;
    this.pendingLo = 0;
    this.ooo = null;
  }

  /** Time of the head chunk's first sample, Infinity without a head chunk. */
  get headMint(): number {
    return this.#tp[this.#to + T_HEAD_MINT]!;
  }

  set headMint(t: number) {
    this.#tp[this.#to + T_HEAD_MINT] = t;
  }

  /** Time of the newest sample, -Infinity while the series has none. */
  get headMaxt(): number {
    return this.#tp[this.#to + T_HEAD_MAXT]!;
  }

  set headMaxt(t: number) {
    this.#tp[this.#to + T_HEAD_MAXT] = t;
  }

  /** Time at or after which the next sample starts a new chunk. */
  get nextAt(): number {
    return this.#tp[this.#to + T_NEXT_AT]!;
  }

  set nextAt(t: number) {
    this.#tp[this.#to + T_NEXT_AT] = t;
  }

  /** Time of the newest uncommitted sample (see pendingOwner). */
  get pendingT(): number {
    return this.#tp[this.#to + T_PENDING_T]!;
  }

  set pendingT(t: number) {
    this.#tp[this.#to + T_PENDING_T] = t;
  }

  /**
   * Called once the head has dropped the series: its slot goes back to
   * times (the SeriesTimes it came from), and the series keeps its times in
   * an array of its own, so a reader still holding it never sees another
   * series' times.
   */
  release(times: SeriesTimes): void {
    const own = new Float64Array(TIMES_STRIDE);
    own.set(this.#tp.subarray(this.#to, this.#to + TIMES_STRIDE));
    this.#tp = own;
    this.#to = 0;
    times.release(this.#slot);
  }

  /** High half of the bits of the newest sample's value (0 without a head chunk). */
  get lastHi(): number {
    return this.headChunk === null ? 0 : this.headChunk.lastHi;
  }

  /** Low half of the bits of the newest sample's value (0 without a head chunk). */
  get lastLo(): number {
    return this.headChunk === null ? 0 : this.headChunk.lastLo;
  }

  /** Number of complete chunks (in the store). */
  get numCompleteChunks(): number {
    return this.#chunks.length / STRIDE;
  }

  /** Store ref of complete chunk i (0 = oldest). */
  chunkRef(i: number): number {
    return this.#chunks[i * STRIDE]!;
  }

  #pushChunk(ref: number, mint: number, maxt: number): void {
    if (this.#chunks === NO_CHUNKS) this.#chunks = [ref, mint, maxt];
    else this.#chunks.push(ref, mint, maxt);
  }

  /** Time of the oldest in-order sample (Infinity if none). */
  get minTime(): number {
    return this.numCompleteChunks > 0 ? this.#chunks[1]! : this.headMint;
  }

  /** Time of the newest in-order sample (-Infinity if none). */
  get maxTime(): number {
    return this.headMaxt;
  }

  /** Number of chunks, complete and open. */
  get numChunks(): number {
    return this.numCompleteChunks + (this.headChunk === null ? 0 : 1);
  }

  /** Index of the last chunk (the head chunk), -1 if none. */
  get lastChunk(): number {
    return this.headChunk === null ? this.numCompleteChunks - 1 : this.numCompleteChunks;
  }

  /** Chunk i (0 = oldest; lastChunk = the head chunk); complete chunks are read from the store. */
  chunk(i: number): XORChunk {
    const j = i * STRIDE;
    return j < this.#chunks.length ? XORChunk.fromBytes(this.store.read(this.#chunks[j]!)) : this.headChunk!;
  }

  chunkMinTime(i: number): number {
    const j = i * STRIDE;
    return j < this.#chunks.length ? this.#chunks[j + 1]! : this.headMint;
  }

  chunkMaxTime(i: number): number {
    const j = i * STRIDE;
    return j < this.#chunks.length ? this.#chunks[j + 2]! : this.headMaxt;
  }

  /**
   * Takes complete chunks found in the store on open (oldest first, after
   * any this series has): appends older than their end are then dropped
   * silently, as Prometheus does with m-mapped chunks on WAL replay.
   */
  addStoredChunk(ref: number, mint: number, maxt: number): void {
    if (this.headChunk !== null) throw new Error("BUG: stored chunk added after the head chunk");
    this.#pushChunk(ref, mint, maxt);
    this.headMaxt = maxt;
  }

  /**
   * Drops the chunks that end before mint. Returns true when nothing is
   * left, out-of-order samples included (the series can be garbage
   * collected).
   */
  truncateChunksBefore(mint: number): boolean {
    let k = 0;
    const n = this.numCompleteChunks;
    while (k < n && this.#chunks[k * STRIDE + 2]! < mint) k++;
    if (k > 0) {
      for (let i = 0; i < k; i++) this.store.release(this.#chunks[i * STRIDE]!);
      if (k === n) this.#chunks = NO_CHUNKS;
      else this.#chunks.splice(0, k * STRIDE);
    }
    if (this.headChunk !== null && this.headMaxt < mint) {
      if (this.numCompleteChunks > 0) throw new Error("BUG: head chunk older than a complete chunk");
      this.headChunk.release();
      this.headChunk = null;
      this.headMint = Number.POSITIVE_INFINITY;
    }
    return this.numCompleteChunks === 0 && this.headChunk === null && this.ooo === null;
  }

  #cut(t: number, chunkRange: number): void {
    if (this.headChunk !== null) {
      // The full chunk goes to the store (which copies it); only its ref stays.
      this.#pushChunk(this.store.write(this.ref, this.headMint, this.headMaxt, this.headChunk.view()), this.headMint, this.headMaxt);
      this.headChunk.release();
    }
    this.headChunk = XORChunk.create(this.arena);
    this.headMint = t;
    this.nextAt = rangeForTimestamp(t, chunkRange);
  }

  /**
   * Appends a sample whose value has the bits hi:lo; false if t is not
   * after the newest sample. Cuts a new chunk first, as Prometheus's
   * appendPreprocessor: when the chunk passed 1005 bytes, when t reaches
   * nextAt (the end of the chunk range, moved earlier once the chunk holds
   * samplesPerChunk/4 samples so the rest of the range splits evenly at the
   * observed rate), or when it holds 2 * samplesPerChunk samples. The
   * time is ts[i] and the halves are 32-bit integers (`hi | 0`): a
   * millisecond time or an unsigned half passed as an argument would be
   * boxed into a new heap number per call (see XORChunk.appendBits).
   */
  append(ts: Float64Array, i: number, hi: number, lo: number, chunkRange: number, samplesPerChunk: number): boolean {
    const t = ts[i]!;
    if (t <= this.headMaxt) return false;
    let created = false;
    if (this.headChunk === null) {
      this.#cut(t, chunkRange);
      created = true;
    }
    if (!created && this.headChunk!.byteLength > MAX_BYTES_PER_XOR_CHUNK) {
      this.#cut(t, chunkRange);
      created = true;
    }
    const n = this.headChunk!.numSamples();
    if (n === samplesPerChunk / 4) this.nextAt = computeChunkEndTime(this.headMint, this.headMaxt, this.nextAt, 4);
    if (!created && (t >= this.nextAt || n >= samplesPerChunk * 2)) this.#cut(t, chunkRange);
    this.headChunk!.appendBits(ts, i, hi, lo);
    this.headMaxt = t;
    return true;
  }
}

/**
 * The out-of-order samples of a series, sorted by time, one per
 * timestamp, as the value bits they are stored with (Prometheus keeps them
 * in out-of-order head chunks; here they stay uncompressed until they are
 * compacted into a block, which the out-of-order window bounds).
 */
export class OOOSamples {
  /** Times and value bits of samples [0, length); replaced when growing. */
  ts: Float64Array;
  hi: Uint32Array;
  lo: Uint32Array;
  length: number;

  constructor() {
    this.ts = new Float64Array(8);
    this.hi = new Uint32Array(8);
    this.lo = new Uint32Array(8);
    this.length = 0;
  }

  /** Time of the oldest sample (Infinity if none). */
  get minTime(): number {
    return this.length > 0 ? this.ts[0]! : Number.POSITIVE_INFINITY;
  }

  /** Time of the newest sample (-Infinity if none). */
  get maxTime(): number {
    return this.length > 0 ? this.ts[this.length - 1]! : Number.NEGATIVE_INFINITY;
  }

  /** Index of the first sample with time >= t. */
  search(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.ts[m]! < t) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** Inserts in time order; false (nothing changed) when a sample with time t exists, as Prometheus's OOOChunk.Insert. */
  insert(t: number, hi: number, lo: number): boolean {
    const i = this.search(t);
    if (i < this.length && this.ts[i] === t) return false;
    if (this.length === this.ts.length) {
      const c = this.length * 2;
      const ts = new Float64Array(c);
      ts.set(this.ts);
      const h = new Uint32Array(c);
      h.set(this.hi);
      const l = new Uint32Array(c);
      l.set(this.lo);
      this.ts = ts;
      this.hi = h;
      this.lo = l;
    }
    this.ts.copyWithin(i + 1, i, this.length);
    this.hi.copyWithin(i + 1, i, this.length);
    this.lo.copyWithin(i + 1, i, this.length);
    this.ts[i] = t;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.length++;
    return true;
  }

  /** A copy of the first k samples. */
  prefix(k: number): OOOSamples {
    return this.#copy(0, k);
  }

  /** A copy of the samples within [mint, maxt]. */
  range(mint: number, maxt: number): OOOSamples {
    const from = this.search(mint);
    return this.#copy(from, Math.max(from, this.search(maxt + 1)));
  }

  #copy(from: number, to: number): OOOSamples {
    const o = new OOOSamples();
    const n = Math.max(to - from, 1);
    o.ts = this.ts.slice(from, from + n);
    o.hi = this.hi.slice(from, from + n);
    o.lo = this.lo.slice(from, from + n);
    o.length = to - from;
    return o;
  }

  /** Removes the samples at the times of `other` (same bits); returns how many are left. */
  removeSamples(other: OOOSamples): number {
    let j = 0;
    let w = 0;
    for (let i = 0; i < this.length; i++) {
      const t = this.ts[i]!;
      while (j < other.length && other.ts[j]! < t) j++;
      if (j < other.length && other.ts[j] === t && other.hi[j] === this.hi[i] && other.lo[j] === this.lo[i]) continue;
      this.ts[w] = t;
      this.hi[w] = this.hi[i]!;
      this.lo[w] = this.lo[i]!;
      w++;
    }
    this.length = w;
    return w;
  }

  /** Drops the samples before mint; returns how many are left. */
  dropBefore(mint: number): number {
    const k = this.search(mint);
    if (k > 0) {
      this.ts.copyWithin(0, k, this.length);
      this.hi.copyWithin(0, k, this.length);
      this.lo.copyWithin(0, k, this.length);
      this.length -= k;
    }
    return this.length;
  }
}

/** Iterates OOOSamples over [mint, maxt]. */
class OOOIterator implements SeriesIterator {
  readonly #o: OOOSamples;
  readonly #maxt: number;
  #i: number;
  #started: boolean;

  constructor(o: OOOSamples, mint: number, maxt: number) {
    this.#o = o;
    this.#maxt = maxt;
    this.#i = o.search(mint);
    this.#started = false;
  }

  #at(): ValueType {
    return this.#i < this.#o.length && this.#o.ts[this.#i]! <= this.#maxt ? ValueType.Float : ValueType.None;
  }

  next(): ValueType {
    if (this.#started) this.#i++;
    this.#started = true;
    return this.#at();
  }

  seek(t: number): ValueType {
    if (this.#i >= this.#o.length) return ValueType.None;
    if (this.#o.ts[this.#i]! < t) this.#i = Math.max(this.#o.search(t), this.#i);
    this.#started = true;
    return this.#at();
  }

  atT(): number {
    return this.#o.ts[this.#i]!;
  }

  atF(): number {
    return floatFromBits(this.#o.hi[this.#i]!, this.#o.lo[this.#i]!);
  }

  isStale(): boolean {
    return isStaleNaNBits(this.#o.hi[this.#i]!, this.#o.lo[this.#i]!);
  }

  readInto(ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, maxt: number): number {
    const o = this.#o;
    if (maxt > this.#maxt) maxt = this.#maxt;
    let i = this.#started ? this.#i + 1 : this.#i;
    let n = 0;
    while (n < ts.length && i < o.length && o.ts[i]! <= maxt) {
      const st = isStaleNaNBits(o.hi[i]!, o.lo[i]!);
      if (!st || stale !== null) {
        ts[n] = o.ts[i]!;
        vs[n] = floatFromBits(o.hi[i]!, o.lo[i]!);
        if (stale !== null) stale[n] = st ? 1 : 0;
        n++;
      }
      this.#i = i;
      this.#started = true;
      i++;
    }
    return n;
  }

  err(): Error | null {
    return null;
  }
}

/** Iterates out-of-order samples within [mint, maxt]. */
export function oooIterator(o: OOOSamples, mint: number, maxt: number): SeriesIterator {
  return new OOOIterator(o, mint, maxt);
}

/**
 * Merges a series' in-order samples with its out-of-order ones, by time;
 * on equal times the in-order sample wins.
 */
class OOOMergeIterator implements SeriesIterator {
  readonly #a: SeriesIterator;
  readonly #b: SeriesIterator;
  #aOk: boolean;
  #bOk: boolean;
  /** The iterator positioned on the current sample. */
  #cur: SeriesIterator | null;
  #started: boolean;
  /** A sample was looked at by readInto but not consumed. */
  #held: boolean;

  constructor(a: SeriesIterator, b: SeriesIterator) {
    this.#a = a;
    this.#b = b;
    this.#aOk = false;
    this.#bOk = false;
    this.#cur = null;
    this.#started = false;
    this.#held = false;
  }

  #pick(): ValueType {
    if (!this.#aOk && !this.#bOk) {
      this.#cur = null;
      return ValueType.None;
    }
    if (!this.#bOk || (this.#aOk && this.#a.atT() <= this.#b.atT())) {
      if (this.#bOk && this.#a.atT() === this.#b.atT()) this.#bOk = this.#b.next() !== ValueType.None;
      this.#cur = this.#a;
    } else {
      this.#cur = this.#b;
    }
    return ValueType.Float;
  }

  next(): ValueType {
    if (this.#held) {
      this.#held = false;
      return this.#cur === null ? ValueType.None : ValueType.Float;
    }
    if (!this.#started) {
      this.#started = true;
      this.#aOk = this.#a.next() !== ValueType.None;
      this.#bOk = this.#b.next() !== ValueType.None;
      return this.#pick();
    }
    if (this.#cur === null) return ValueType.None;
    if (this.#cur === this.#a) this.#aOk = this.#a.next() !== ValueType.None;
    else this.#bOk = this.#b.next() !== ValueType.None;
    return this.#pick();
  }

  seek(t: number): ValueType {
    this.#held = false;
    if (this.#started && this.#cur !== null && this.#cur.atT() >= t) return ValueType.Float;
    if (this.#started && this.#cur === null) return ValueType.None;
    this.#started = true;
    this.#aOk = this.#a.seek(t) !== ValueType.None;
    this.#bOk = this.#b.seek(t) !== ValueType.None;
    return this.#pick();
  }

  atT(): number {
    return this.#cur!.atT();
  }

  atF(): number {
    return this.#cur!.atF();
  }

  isStale(): boolean {
    return this.#cur!.isStale();
  }

  readInto(ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, maxt: number): number {
    let n = 0;
    while (n < ts.length) {
      if (this.next() === ValueType.None) break;
      const t = this.atT();
      if (t > maxt) {
        this.#held = true;
        break;
      }
      const st = this.isStale();
      if (st && stale === null) continue;
      ts[n] = t;
      vs[n] = this.atF();
      if (stale !== null) stale[n] = st ? 1 : 0;
      n++;
    }
    return n;
  }

  err(): Error | null {
    return this.#a.err() ?? this.#b.err();
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
  /** Out-of-order samples are read up to here (the query's end). */
  readonly #oooMaxt: number;
  readonly #deleted: readonly Interval[] | null;

  /**
   * deleted: tombstoned intervals of the series (sorted), or null.
   * Out-of-order samples are merged in only withOOO (queries); a block cut
   * from the head holds the in-order samples, out-of-order ones are
   * compacted into blocks of their own.
   */
  constructor(s: MemSeries, mint: number, maxt: number, deleted: readonly Interval[] | null = null, withOOO = false) {
    this.labels = s.labels;
    this.#s = s;
    this.#mint = mint;
    this.#maxt = Math.min(maxt, s.maxTime);
    this.#oooMaxt = withOOO ? maxt : Number.NEGATIVE_INFINITY;
    this.#deleted = deleted;
  }

  iterator(reuse?: SeriesIterator | null): SeriesIterator {
    const ooo = this.#s.ooo;
    if (ooo !== null && ooo.length > 0 && ooo.minTime <= this.#oooMaxt && ooo.maxTime >= this.#mint) {
      const inner = new HeadIterator();
      inner.reset(this.#s, this.#mint, this.#maxt);
      // A copy: samples inserted later stay invisible to this query, as committed in-order ones do.
      const mine = ooo.range(this.#mint, this.#oooMaxt);
      const merged = new OOOMergeIterator(inner, new OOOIterator(mine, this.#mint, this.#oooMaxt));
      return this.#deleted === null ? merged : new TombstoneIterator(merged, this.#deleted);
    }
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
