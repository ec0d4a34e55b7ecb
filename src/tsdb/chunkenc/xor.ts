import type { SeriesIterator } from "../../storage/index.ts";
import { ValueType } from "../../storage/index.ts";
import {
  DecodeError,
  DecodeErrorReason,
  GO_NAN_HI,
  GO_NAN_LO,
  STALE_NAN_HI,
  STALE_NAN_LO,
  floatBitsHi,
  floatBitsLo,
  floatFromBits,
} from "../encoding/index.ts";
import { BitWriter, peekBits32 } from "./bstream.ts";
import type { ChunkArena } from "./chunk-arena.ts";

/** Chunk encodings, with Prometheus's numeric values (tsdb/chunkenc/chunk.go). */
export const Encoding = {
  None: 0,
  XOR: 1,
  Histogram: 2,
  FloatHistogram: 3,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

const TWO_32 = 0x1_0000_0000;
const TWO_31 = 0x8000_0000;
/** Initial capacity, as Go's NewXORChunk (make([]byte, 2, 128)). */
const INITIAL_CAPACITY = 128;
/** Initial capacity of a chunk in an arena: small, since growing there leaves no garbage behind. */
const INITIAL_ARENA_CAPACITY = 32;
/** Most samples a chunk can count in its 2-byte header. */
export const MAX_XOR_SAMPLES = 0xffff;
/** Leading-zero count meaning "no window yet" (Go's 0xff). */
const NO_WINDOW = 0xff;

/**
 * A Gorilla-style XOR chunk of float samples, byte for byte the chunk
 * Prometheus writes (docs/format/chunks.md):
 *
 *   num_samples <uint16> | t0 <varint> | v0 <64 bits> | t1-t0 <uvarint> | v1 xor |
 *   (dod <varbit_ts> | v xor)... | padding
 *
 * The chunk owns a growable byte buffer (its own, or a region of a
 * ChunkArena) and the encoder state of its last sample, so appending
 * (appendBits(), or through an XORAppender) needs no other object.
 * Timestamps are integer ms in increasing order (the caller checks order;
 * Prometheus cuts a new chunk instead of appending out of order). Values
 * keep their exact bits, -0 and ±Inf included; a NaN is written as Go's
 * math.NaN(), and a stale marker as Prometheus's stale NaN
 * 0x7ff0000000000002. Appending is allocation-free per sample unless the
 * buffer grows.
 */
export class XORChunk extends BitWriter {
  // The encoder state starts as an empty chunk's. Fields that take doubles
  // are initialised where declared: a private field declared bare starts
  // as undefined, and V8 then boxes every double stored into it into a
  // new heap number (here: one per sample appended).
  /**
   * Time of the last sample as tHi * 2^31 + tLo, tLo in [0, 2^31): two small
   * integers to V8, where a millisecond time in one field would be a heap
   * number of its own per chunk (the head has a chunk open per series).
   */
  #tHi = 0;
  #tLo = 0;
  #tDelta = 0;
  /**
   * Bits of the last sample's value, as signed 32-bit integers: they stay
   * small integers in the object instead of boxed doubles.
   */
  #vHi = 0;
  #vLo = 0;
  #leading = NO_WINDOW;
  #trailing = 0;

  /** A chunk over buf[0, len) (see BitWriter), in the empty-chunk encoder state. */
  private constructor(buf: Uint8Array | null, len: number) {
    super(buf, len, 0);
  }

  /**
   * A new, empty chunk; with an arena, its bytes start in a small region
   * of it (grown there, up to the arena's largest region) and must be given
   * back with release().
   */
  static create(arena: ChunkArena | null = null): XORChunk {
    if (arena === null) return new XORChunk(new Uint8Array(INITIAL_CAPACITY), 2);
    const c = new XORChunk(null, 0);
    c.startInArena(arena, INITIAL_ARENA_CAPACITY, 2);
    return c;
  }

  /**
   * Wraps chunk data read from disk (Go's chunkenc.FromData). The chunk
   * takes ownership of `data` (appending may write into it). Throws
   * DecodeError when the 2-byte header is missing.
   */
  static fromBytes(data: Uint8Array): XORChunk {
    if (data.length < 2) throw new DecodeError(DecodeErrorReason.InvalidSize, "XOR chunk shorter than its header");
    return new XORChunk(data, data.length);
  }

  /** Always Encoding.XOR. */
  get encoding(): Encoding {
    return Encoding.XOR;
  }

  /**
   * The chunk data (header included), valid until the next append: a view
   * of the chunk's own buffer, or a copy for a chunk in an arena (whose
   * region is reused once released, while a reader may still hold it).
   */
  bytes(): Uint8Array {
    return this.streamInArena ? this.streamCopy() : this.streamView();
  }

  /**
   * The chunk data as a view of its buffer, also for a chunk in an arena:
   * valid only until the next append or release(), for a caller that
   * copies it right away (writing a cut chunk to a store).
   */
  view(): Uint8Array {
    return this.streamView();
  }

  /** Length of the chunk data in bytes (header included): bytes().length without making a view. */
  get byteLength(): number {
    return this.len;
  }

  /** Number of samples, from the header. */
  numSamples(): number {
    return this.len < 2 ? 0 : (this.buf[this.off]! << 8) | this.buf[this.off + 1]!;
  }

  /** Time of the last sample appended through this chunk's encoder state (0 while none). */
  get lastT(): number {
    return this.#tHi * TWO_31 + this.#tLo;
  }

  #setLastT(t: number): void {
    const hi = Math.floor(t / TWO_31);
    // `| 0`: V8 keeps an arithmetic result on a double as a heap number even when it is integral.
    this.#tHi = hi | 0;
    this.#tLo = (t - hi * TWO_31) | 0;
  }

  /** High half of the bits of the last sample's value appended through the encoder state. */
  get lastHi(): number {
    return this.#vHi >>> 0;
  }

  /** Low half of the bits of the last sample's value appended through the encoder state. */
  get lastLo(): number {
    return this.#vLo >>> 0;
  }

  /**
   * Gives the bytes of a chunk in an arena back to it (a chunk with its
   * own buffer just drops it). The chunk is empty afterwards and must not
   * be appended to; readers keep the copies bytes() gave them.
   */
  release(): void {
    this.releaseStream();
  }

  /**
   * An appender continuing after the last sample. For a chunk that already
   * has samples this decodes them all to recover the encoder state, like
   * Go's XORChunk.Appender(). Throws the decode error of corrupt data.
   *
   * Appending resumes at the exact bit after the last sample, also for a
   * chunk from fromBytes. (Go's FromData forgets the bit position and would
   * resume at the next whole byte, leaving padding the iterator then reads
   * as data; Prometheus never appends to such chunks.)
   */
  appender(): XORAppender {
    const it = new XORIterator(this.streamView());
    while (it.next() !== ValueType.None) {
      // Decode to the end: the appender continues from the iterator's state.
    }
    const err = it.err();
    if (err !== null) throw err;
    this.resumeAt(it.bitOffset);
    this.#restore(it);
    return new XORAppender(this);
  }

  /** Takes over the encoder state an iterator reached at the end of this chunk. */
  #restore(it: XORIterator): void {
    const n = this.numSamples();
    this.#setLastT(it.atT());
    this.#tDelta = it.tDelta === (it.tDelta | 0) ? it.tDelta | 0 : it.tDelta;
    this.#vHi = it.vHi | 0;
    this.#vLo = it.vLo | 0;
    // NOTE: matches Prometheus: a reopened chunk reuses the iterator's
    // window (0, 0 if none was read); only an empty chunk starts without one.
    this.#leading = n === 0 ? NO_WINDOW : it.leading;
    this.#trailing = it.trailing;
  }

  /** An iterator over the samples; `reuse` (an XORIterator) is reset and returned when given. */
  iterator(reuse?: SeriesIterator | null): XORIterator {
    if (reuse instanceof XORIterator) {
      reuse.reset(this.bytes());
      return reuse;
    }
    return new XORIterator(this.bytes());
  }

  /**
   * Appends a sample at time ts[i] whose value is given as its exact IEEE
   * 754 bits hi:lo (signed or unsigned halves), continuing the encoder
   * state: that of an empty chunk from create(), else the one appender()
   * recovered. Throws when the chunk already has 65535 samples.
   *
   * Allocation-free per sample: the time is read from ts here and the
   * halves travel as 32-bit integers (callers pass `hi | 0`), where a
   * millisecond time or an unsigned half of 2^31 or more passed as an
   * argument would be boxed into a new heap number at every call.
   */
  appendBits(ts: Float64Array, i: number, hi: number, lo: number): void {
    const t = ts[i]!;
    const num = this.numSamples();
    if (num >= MAX_XOR_SAMPLES) throw new Error("BUG: XOR chunk is full (65535 samples)");
    let tDelta = 0;
    if (num === 0) {
      this.#writeVarintBytes(t);
      this.writeBits64(hi, lo, 64);
    } else if (num === 1) {
      tDelta = t - this.lastT;
      this.#writeUvarintBytes(tDelta);
      this.#writeVDelta(hi, lo);
    } else {
      tDelta = t - this.lastT;
      const dod = tDelta - this.#tDelta;
      // Buckets: dod in (-2^(n-1), 2^(n-1)] takes n bits after the prefix.
      if (dod === 0) {
        this.writeBit(0);
      } else if (dod >= -8191 && dod <= 8192) {
        this.writeBits(0b10, 2);
        this.writeBits(dod & 0x3fff, 14);
      } else if (dod >= -65535 && dod <= 65536) {
        this.writeBits(0b110, 3);
        this.writeBits(dod & 0x1ffff, 17);
      } else if (dod >= -524287 && dod <= 524288) {
        this.writeBits(0b1110, 4);
        this.writeBits(dod & 0xfffff, 20);
      } else {
        this.writeBits(0b1111, 4);
        const dh = Math.floor(dod / TWO_32);
        this.writeBits64(dh >>> 0, (dod - dh * TWO_32) >>> 0, 64);
      }
      this.#writeVDelta(hi, lo);
    }
    this.#setLastT(t);
    this.#vHi = hi | 0;
    this.#vLo = lo | 0;
    const n1 = num + 1;
    // The buffer may have moved while writing.
    this.buf[this.off] = n1 >>> 8;
    this.buf[this.off + 1] = n1 & 0xff;
    // As a small integer when it is one (almost always), so the field is not a boxed double.
    this.#tDelta = tDelta === (tDelta | 0) ? tDelta | 0 : tDelta;
  }

  #writeVDelta(hi: number, lo: number): void {
    // Signed: passed on as small integers, not boxed.
    const dh = hi ^ this.#vHi;
    const dl = lo ^ this.#vLo;
    if (dh === 0 && dl === 0) {
      this.writeBit(0);
      return;
    }
    this.writeBit(1);
    let leading = dh !== 0 ? Math.clz32(dh) : 32 + Math.clz32(dl);
    const trailing = dl !== 0 ? ctz32(dl) : 32 + ctz32(dh);
    // The 5-bit field caps leading zeros at 31.
    if (leading >= 32) leading = 31;
    if (this.#leading !== NO_WINDOW && leading >= this.#leading && trailing >= this.#trailing) {
      this.writeBit(0);
      this.#writeShifted(dh, dl, this.#trailing, 64 - this.#leading - this.#trailing);
      return;
    }
    this.#leading = leading;
    this.#trailing = trailing;
    this.writeBit(1);
    this.writeBits(leading, 5);
    const sigbits = 64 - leading - trailing;
    // 64 significant bits do not fit 6 bits; 0 stands for 64 (0 never occurs otherwise).
    this.writeBits(sigbits & 0x3f, 6);
    this.#writeShifted(dh, dl, trailing, sigbits);
  }

  /** Writes the n low bits of (hi:lo >>> shift); the halves are 32-bit integers, signed or not, and stay signed. */
  #writeShifted(hi: number, lo: number, shift: number, n: number): void {
    let sh: number;
    let sl: number;
    if (shift === 0) {
      sh = hi | 0;
      sl = lo | 0;
    } else if (shift < 32) {
      sl = (lo >>> shift) | (hi << (32 - shift));
      sh = hi >>> shift;
    } else {
      sl = (hi >>> (shift - 32)) | 0;
      sh = 0;
    }
    this.writeBits64(sh, sl, n);
  }

  /** Writes x as a Go varint, byte by byte through writeByte (x within ±2^52). */
  #writeVarintBytes(x: number): void {
    this.#writeUvarintBytes(x >= 0 ? 2 * x : -2 * x - 1);
  }

  /**
   * Writes x as a Go uvarint through writeByte. A negative x (a delta that
   * went backwards) is written as its 64-bit two's complement, as Go's
   * uint64(t - a.t) does.
   */
  #writeUvarintBytes(x: number): void {
    if (x >= 0) {
      let v = x;
      while (v >= 0x80) {
        this.writeByte((v % 128) | 0x80);
        v = Math.floor(v / 128);
      }
      this.writeByte(v);
      return;
    }
    const hS = Math.floor(x / TWO_32);
    let h = hS >>> 0;
    let l = (x - hS * TWO_32) >>> 0;
    while (h !== 0 || l >= 0x80) {
      this.writeByte((l & 0x7f) | 0x80);
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    this.writeByte(l);
  }
}

/**
 * Appends samples to an XORChunk (see XORChunk for the encoding rules);
 * the encoder state lives in the chunk. Get one from XORChunk.appender().
 */
export class XORAppender {
  readonly #c: XORChunk;

  /** An appender continuing the chunk's encoder state. */
  constructor(c: XORChunk) {
    this.#c = c;
  }

  /**
   * Appends a sample at t (ms) with value v, or a stale marker when `stale`
   * (v is then ignored). Throws when the chunk already has 65535 samples.
   */
  append(t: number, v: number, stale = false): void {
    let hi: number;
    let lo: number;
    if (stale) {
      hi = STALE_NAN_HI;
      lo = STALE_NAN_LO;
    } else if (v !== v) {
      hi = GO_NAN_HI;
      lo = GO_NAN_LO;
    } else {
      hi = floatBitsHi(v);
      lo = floatBitsLo(v);
    }
    T[0] = t;
    this.#c.appendBits(T, 0, hi | 0, lo | 0);
  }

  /** Appends a sample whose value is given as its exact IEEE 754 bits hi:lo (unsigned halves). */
  appendBits(t: number, hi: number, lo: number): void {
    T[0] = t;
    this.#c.appendBits(T, 0, hi | 0, lo | 0);
  }
}

/** The time XORAppender passes to XORChunk.appendBits. */
const T = new Float64Array(1);

/** Count of trailing zero bits of a non-zero 32-bit integer. */
function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Most samples an XORIterator keeps decoded at once (a longer chunk is decoded in windows). */
const WINDOW = 256;
/** Index of the high and low halves of sample k's value bits in a window's Uint32Array view: 2k + HI, 2k + LO. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;
const EMPTY_F64 = new Float64Array(0);
const EMPTY_U32 = new Uint32Array(0);
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));
/** Positions in XORIterator's decoder state. */
const ST_T = 0;
const ST_TDELTA = 1;
const ST_VHI = 2;
const ST_VLO = 3;
const ST_LEADING = 4;
const ST_TRAILING = 5;
const ST_POS = 6;
/** Where #readVarint leaves its result. */
const ST_VARINT = 7;

/**
 * Iterates an XOR chunk's samples; implements the storage SeriesIterator
 * contract. Samples are decoded in runs into a window of typed arrays
 * (times, and values as exact bits, so the stale marker is recognised by
 * its bit pattern and NaN payloads survive re-encoding): the decoder keeps
 * its state in locals while it runs and in a Float64Array between runs, so
 * nothing is boxed per sample, and next()/atT()/atF() read the window.
 * A run stops at the end of the chunk, when the window is full, or after
 * the first sample at or past what the caller asked for (seek()'s time,
 * readInto()'s maxt); next() decodes the rest of the chunk (of the
 * window). The window is allocated on the first sample, as large as the
 * chunk up to WINDOW samples, and kept across reset(). Allocation-free per
 * sample.
 */
export class XORIterator implements SeriesIterator {
  /** The chunk's bytes (header included). */
  #b: Uint8Array;
  /** A view of #b's whole buffer (kept while chunks come from the same buffer), and #b's offset in it. */
  #dv: DataView;
  #dvOff: number;
  #numTotal: number;
  /** Samples of the chunk decoded so far. */
  #numDecoded: number;
  /** The decoder's state after the last decoded sample (ST_* positions); vHi/vLo unsigned. */
  readonly #st: Float64Array;
  /** The window: times of samples [0, #n), and their value bits in #vu (a view of #vf). */
  #ts: Float64Array;
  #vf: Float64Array;
  #vu: Uint32Array;
  #n: number;
  /** The current sample's index in the window, -1 before the first. */
  #i: number;
  #err: DecodeError | null;
  /** The error decoding stopped at, reported once the samples decoded before it are consumed. */
  #pendingErr: DecodeError | null;

  /** Iterates chunk bytes (header included); the bytes are not copied and must not change while iterated. */
  constructor(data: Uint8Array) {
    this.#b = data;
    this.#dv = EMPTY_VIEW;
    this.#dvOff = 0;
    this.#numTotal = 0;
    this.#numDecoded = 0;
    this.#st = new Float64Array(8);
    this.#ts = EMPTY_F64;
    this.#vf = EMPTY_F64;
    this.#vu = EMPTY_U32;
    this.#n = 0;
    this.#i = -1;
    this.#err = null;
    this.#pendingErr = null;
    this.reset(data);
  }

  /** Restarts on new chunk bytes. */
  reset(data: Uint8Array): void {
    if (this.#dv.buffer !== data.buffer) this.#dv = new DataView(data.buffer);
    this.#dvOff = data.byteOffset;
    this.#b = data;
    this.#numDecoded = 0;
    this.#st.fill(0);
    this.#st[ST_POS] = 16;
    this.#n = 0;
    this.#i = -1;
    this.#err = null;
    this.#pendingErr = null;
    if (data.length < 2) {
      this.#numTotal = 0;
      this.#err = new DecodeError(DecodeErrorReason.InvalidSize, "XOR chunk shorter than its header");
      return;
    }
    this.#numTotal = (data[0]! << 8) | data[1]!;
  }

  /** Bits of the chunk (header included) decoded so far. */
  get bitOffset(): number {
    return this.#st[ST_POS]!;
  }

  /** Delta between the last two decoded timestamps (ms). */
  get tDelta(): number {
    return this.#st[ST_TDELTA]!;
  }

  /** Leading zeros of the XOR window of the last decoded sample. */
  get leading(): number {
    return this.#st[ST_LEADING]!;
  }

  /** Trailing zeros of the XOR window of the last decoded sample. */
  get trailing(): number {
    return this.#st[ST_TRAILING]!;
  }

  /** High half of the current sample's value bits (unsigned; 0 before the first). */
  get vHi(): number {
    return this.#i < 0 ? 0 : this.#vu[2 * this.#i + HI]!;
  }

  /** Low half of the current sample's value bits (unsigned; 0 before the first). */
  get vLo(): number {
    return this.#i < 0 ? 0 : this.#vu[2 * this.#i + LO]!;
  }

  next(): ValueType {
    if (this.#i + 1 < this.#n || this.#more(Number.POSITIVE_INFINITY)) {
      this.#i++;
      return ValueType.Float;
    }
    return ValueType.None;
  }

  seek(t: number): ValueType {
    if (this.#err !== null) return ValueType.None;
    let i = this.#i < 0 ? 0 : this.#i;
    for (;;) {
      const ts = this.#ts;
      const n = this.#n;
      while (i < n) {
        if (ts[i]! >= t) {
          this.#i = i;
          return ValueType.Float;
        }
        i++;
      }
      if (n > 0) this.#i = n - 1;
      if (!this.#more(t)) return ValueType.None;
      i = this.#i + 1;
    }
  }

  atT(): number {
    return this.#i < 0 ? 0 : this.#ts[this.#i]!;
  }

  atF(): number {
    return this.#i < 0 ? 0 : this.#vf[this.#i]!;
  }

  isStale(): boolean {
    const k = 2 * this.#i;
    return k >= 0 && this.#vu[k + HI] === STALE_NAN_HI && this.#vu[k + LO] === STALE_NAN_LO;
  }

  readInto(ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, maxt: number): number {
    return this.readIntoAt(ts, vs, stale, maxt, 0);
  }

  /**
   * readInto() writing from index `at` of the arrays (up to their end);
   * returns how many samples were copied. For callers that fill one buffer
   * from several chunks.
   */
  readIntoAt(ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, maxt: number, at: number): number {
    const cap = ts.length;
    let n = at;
    // Decoding stops after the first sample past maxt (timestamps are integers).
    const limit = Math.floor(maxt) + 1;
    while (n < cap) {
      const wts = this.#ts;
      const wvf = this.#vf;
      const wvu = this.#vu;
      const wn = this.#n;
      let i = this.#i + 1;
      for (; i < wn && n < cap; i++) {
        const t = wts[i]!;
        if (t > maxt) {
          this.#i = i - 1;
          return n - at;
        }
        if (wvu[2 * i + HI] === STALE_NAN_HI && wvu[2 * i + LO] === STALE_NAN_LO) {
          if (stale === null) continue;
          stale[n] = 1;
        } else if (stale !== null) {
          stale[n] = 0;
        }
        ts[n] = t;
        vs[n] = wvf[i]!;
        n++;
      }
      this.#i = i - 1;
      if (i < wn || !this.#more(limit)) break;
    }
    return n - at;
  }

  err(): Error | null {
    return this.#err;
  }

  /**
   * Decodes more samples into the window, after the current one (which
   * must be its last). Returns false at the end of the chunk, or when
   * decoding failed (then err() is set).
   */
  #more(limit: number): boolean {
    if (this.#err !== null) return false;
    if (this.#numDecoded < this.#numTotal) {
      this.#makeRoom();
      const n = this.#n;
      this.#decode(limit);
      if (this.#n > n) return true;
    }
    if (this.#pendingErr !== null) this.#err = this.#pendingErr;
    return false;
  }

  /**
   * Makes room in the window for at least one more sample, keeping the
   * current one: allocates it for a new chunk when it is smaller than the
   * chunk and WINDOW, else, when full (only a chunk longer than WINDOW
   * fills it), moves the current sample to its start.
   */
  #makeRoom(): void {
    const cap = this.#ts.length;
    if (this.#n === 0) {
      if (cap < WINDOW && cap < this.#numTotal) this.#alloc(Math.max(2, Math.min(WINDOW, this.#numTotal)));
      return;
    }
    if (this.#n < cap) return;
    const i = this.#i;
    const t = this.#ts[i]!;
    const hi = this.#vu[2 * i + HI]!;
    const lo = this.#vu[2 * i + LO]!;
    this.#ts[0] = t;
    this.#vu[HI] = hi;
    this.#vu[LO] = lo;
    this.#i = 0;
    this.#n = 1;
  }

  #alloc(size: number): void {
    const ab = new ArrayBuffer(size * 16);
    this.#ts = new Float64Array(ab, 0, size);
    this.#vf = new Float64Array(ab, size * 8, size);
    this.#vu = new Uint32Array(ab, size * 8, size * 2);
  }

  /**
   * Decodes samples into the window from #n on until the chunk or the
   * window ends, or after the first sample with t >= limit. On corrupt
   * data, records the error in #pendingErr and stops the chunk there.
   * Bits past the end of the data read as zeros; a sample that ends past
   * it is an EOF error.
   */
  #decode(limit: number): void {
    const b = this.#b;
    const dv = this.#dv;
    const off = this.#dvOff;
    const endBit = b.length * 8;
    const st = this.#st;
    const ts = this.#ts;
    const vu = this.#vu;
    const cap = ts.length;
    const total = this.#numTotal;
    let t = st[ST_T]!;
    let tDelta = st[ST_TDELTA]!;
    let vHi = st[ST_VHI]! | 0;
    let vLo = st[ST_VLO]! | 0;
    let leading = st[ST_LEADING]!;
    let trailing = st[ST_TRAILING]!;
    let p = st[ST_POS]!;
    let num = this.#numDecoded;
    let n = this.#n;
    let err: DecodeError | null = null;
    // The state after the last complete sample, restored when the next one fails.
    let t0 = t;
    let tDelta0 = tDelta;
    let vHi0 = vHi;
    let vLo0 = vLo;
    let leading0 = leading;
    let trailing0 = trailing;
    let p0 = p;
    while (num < total && n < cap) {
      t0 = t;
      tDelta0 = tDelta;
      vHi0 = vHi;
      vLo0 = vLo;
      leading0 = leading;
      trailing0 = trailing;
      p0 = p;
      // The bits at the start of the value: 31 of them are the stream's
      // (the last one may be a shifted-in 0). The first sample's are read apart.
      let vw = 0;
      if (num >= 2) {
        // Delta-of-delta: prefix 0, 10, 110, 1110 or 1111, then 0, 14, 17, 20 or 64 bits.
        const w = peekBits32(dv, off, b, p);
        if (w >= 0) {
          p += 1;
          // A regular interval (the common case): the value follows in the same peek.
          vw = w << 1;
        } else {
          let dod: number;
          if ((w & 0x40000000) === 0) {
            const v = (w >>> 16) & 0x3fff;
            dod = v > 0x2000 ? v - 0x4000 : v;
            p += 16;
          } else if ((w & 0x20000000) === 0) {
            const v = (w >>> 12) & 0x1ffff;
            dod = v > 0x10000 ? v - 0x20000 : v;
            p += 20;
          } else if ((w & 0x10000000) === 0) {
            const v = (w >>> 8) & 0xfffff;
            dod = v > 0x80000 ? v - 0x100000 : v;
            p += 24;
          } else {
            dod = peekBits32(dv, off, b, p + 4) * TWO_32 + (peekBits32(dv, off, b, p + 36) >>> 0);
            p += 68;
          }
          tDelta += dod;
          vw = peekBits32(dv, off, b, p);
        }
        t += tDelta;
      } else if (num === 0) {
        st[ST_POS] = p;
        if (!this.#readVarint(true)) {
          err = this.#pendingErr;
          break;
        }
        p = st[ST_POS]!;
        t = st[ST_VARINT]!;
        vHi = peekBits32(dv, off, b, p);
        vLo = peekBits32(dv, off, b, p + 32);
        p += 64;
      } else {
        st[ST_POS] = p;
        if (!this.#readVarint(false)) {
          err = this.#pendingErr;
          break;
        }
        p = st[ST_POS]!;
        tDelta = st[ST_VARINT]!;
        t += tDelta;
        vw = peekBits32(dv, off, b, p);
      }
      if (num !== 0) {
        // Value: 0 (unchanged), 10 (xor in the previous window), 11 + 5 bits leading + 6 bits width (a new window).
        const w = vw;
        if (w >= 0) {
          p += 1;
        } else {
          // Control bits: 2, or 13 with a new window.
          let c = 2;
          if ((w & 0x40000000) !== 0) {
            const lz = (w >>> 25) & 0x1f;
            let mb = (w >>> 19) & 0x3f;
            if (mb === 0) mb = 64;
            if (lz + mb > 64) {
              err = p + 13 > endBit ? eof() : new DecodeError(DecodeErrorReason.InvalidData, "XOR window wider than 64 bits");
              break;
            }
            leading = lz;
            trailing = 64 - lz - mb;
            c = 13;
          }
          p += c;
          const mbits = 64 - leading - trailing;
          let xh = 0;
          let xl: number;
          if (c + mbits < 32) {
            // The significant bits are still in w (whose last bit may not be the stream's: see vw).
            xl = (w << c) >>> (32 - mbits);
          } else if (mbits > 32) {
            xh = peekBits32(dv, off, b, p) >>> (64 - mbits);
            xl = peekBits32(dv, off, b, p + mbits - 32);
          } else {
            xl = peekBits32(dv, off, b, p) >>> (32 - mbits);
          }
          p += mbits;
          // Shift the significant bits back into place, then xor.
          const s = trailing;
          if (s >= 32) {
            xh = xl << (s - 32);
            xl = 0;
          } else if (s > 0) {
            xh = (xh << s) | (xl >>> (32 - s));
            xl = xl << s;
          }
          vHi ^= xh;
          vLo ^= xl;
        }
      }
      if (p > endBit) {
        err = eof();
        break;
      }
      ts[n] = t;
      vu[2 * n + HI] = vHi;
      vu[2 * n + LO] = vLo;
      n++;
      num++;
      if (t >= limit) break;
    }
    if (err !== null) {
      t = t0;
      tDelta = tDelta0;
      vHi = vHi0;
      vLo = vLo0;
      leading = leading0;
      trailing = trailing0;
      p = p0;
    }
    st[ST_T] = t;
    st[ST_TDELTA] = tDelta;
    st[ST_VHI] = vHi >>> 0;
    st[ST_VLO] = vLo >>> 0;
    st[ST_LEADING] = leading;
    st[ST_TRAILING] = trailing;
    st[ST_POS] = p;
    this.#n = n;
    this.#numDecoded = num;
    if (err !== null) {
      this.#pendingErr = err;
      // No more decoding: the samples before the error are still read.
      this.#numTotal = num;
    }
  }

  /**
   * Reads a Go varint (signed) or uvarint reinterpreted as int64 (as Go's
   * int64(uint64) conversion of tDelta) from bit #st[ST_POS], byte by byte
   * (8 bits each, not necessarily aligned), into #st[ST_VARINT], advancing
   * the position. False on error (then in #pendingErr). The result goes
   * through #st so the decoder's locals stay unboxed doubles.
   */
  #readVarint(signed: boolean): boolean {
    const b = this.#b;
    const dv = this.#dv;
    const off = this.#dvOff;
    const endBit = b.length * 8;
    let p = this.#st[ST_POS]!;
    let hi = 0;
    let lo = 0;
    for (let shift = 0; ; shift += 7) {
      const c = peekBits32(dv, off, b, p) >>> 24;
      p += 8;
      if (p > endBit) {
        this.#pendingErr = eof();
        return false;
      }
      if (shift === 63 && c > 1) {
        this.#pendingErr = new DecodeError(DecodeErrorReason.InvalidVarint);
        return false;
      }
      const g = c & 0x7f;
      if (shift < 25) lo |= g << shift;
      else if (shift < 32) {
        lo |= g << shift;
        hi |= g >>> (32 - shift);
      } else if (shift < 64) hi |= g << (shift - 32);
      if (c < 0x80) break;
    }
    this.#st[ST_POS] = p;
    if (signed) {
      const uh = hi >>> 0;
      const ul = lo >>> 0;
      const mag = (uh >>> 1) * TWO_32 + (((ul >>> 1) | (uh << 31)) >>> 0);
      this.#st[ST_VARINT] = ul & 1 ? -mag - 1 : mag;
    } else {
      this.#st[ST_VARINT] = (hi | 0) * TWO_32 + (lo >>> 0);
    }
    return true;
  }
}

function eof(): DecodeError {
  return new DecodeError(DecodeErrorReason.InvalidSize, "EOF");
}
