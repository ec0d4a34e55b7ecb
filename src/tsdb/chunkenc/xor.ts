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
import { BitReader, BitWriter } from "./bstream.ts";
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
  /** Time of the last sample. */
  #t: number;
  #tDelta: number;
  /**
   * Bits of the last sample's value, as signed 32-bit integers: they stay
   * small integers in the object instead of boxed doubles.
   */
  #vHi: number;
  #vLo: number;
  #leading: number;
  #trailing: number;

  /** A chunk over buf[0, len) (see BitWriter), in the empty-chunk encoder state. */
  private constructor(buf: Uint8Array | null, len: number) {
    super(buf, len, 0);
    this.#t = 0;
    this.#tDelta = 0;
    this.#vHi = 0;
    this.#vLo = 0;
    this.#leading = NO_WINDOW;
    this.#trailing = 0;
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
    return this.#t;
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
    this.#t = it.atT();
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
   * Appends a sample whose value is given as its exact IEEE 754 bits hi:lo
   * (unsigned halves), continuing the encoder state: that of an empty chunk
   * from create(), else the one appender() recovered. Throws when the
   * chunk already has 65535 samples.
   */
  appendBits(t: number, hi: number, lo: number): void {
    const num = this.numSamples();
    if (num >= MAX_XOR_SAMPLES) throw new Error("BUG: XOR chunk is full (65535 samples)");
    let tDelta = 0;
    if (num === 0) {
      this.#writeVarintBytes(t);
      this.writeBits64(hi, lo, 64);
    } else if (num === 1) {
      tDelta = t - this.#t;
      this.#writeUvarintBytes(tDelta);
      this.#writeVDelta(hi, lo);
    } else {
      tDelta = t - this.#t;
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
    this.#t = t;
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
    const dh = (hi ^ this.#vHi) >>> 0;
    const dl = (lo ^ this.#vLo) >>> 0;
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

  /** Writes the n low bits of (hi:lo >>> shift). */
  #writeShifted(hi: number, lo: number, shift: number, n: number): void {
    let sh: number;
    let sl: number;
    if (shift === 0) {
      sh = hi;
      sl = lo;
    } else if (shift < 32) {
      sl = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
      sh = hi >>> shift;
    } else {
      sl = hi >>> (shift - 32);
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
    this.#c.appendBits(t, hi, lo);
  }

  /** Appends a sample whose value is given as its exact IEEE 754 bits hi:lo (unsigned halves). */
  appendBits(t: number, hi: number, lo: number): void {
    this.#c.appendBits(t, hi, lo);
  }
}

/** Count of trailing zero bits of a non-zero uint32. */
function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Iterates an XOR chunk's samples; implements the storage SeriesIterator
 * contract. Values are decoded as exact bits (vHi/vLo), so the stale marker
 * is recognised by its bit pattern and NaN payloads survive re-encoding.
 * Allocation-free per sample.
 */
export class XORIterator implements SeriesIterator {
  readonly #br: BitReader;
  #numTotal: number;
  #numRead: number;
  #t: number;
  /** Current delta between the last two timestamps (ms). */
  tDelta: number;
  /** High half of the current value's bits. */
  vHi: number;
  /** Low half of the current value's bits. */
  vLo: number;
  /** Leading zeros of the current XOR window. */
  leading: number;
  /** Trailing zeros of the current XOR window. */
  trailing: number;
  #err: DecodeError | null;

  /** Iterates chunk bytes (header included); the bytes are not copied. */
  constructor(data: Uint8Array) {
    this.#br = new BitReader(data, 0, 0);
    this.#numTotal = 0;
    this.#numRead = 0;
    this.#t = 0;
    this.tDelta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = 0;
    this.trailing = 0;
    this.#err = null;
    this.reset(data);
  }

  /** Bits of the chunk (header included) decoded so far. */
  get bitOffset(): number {
    return this.#br.pos;
  }

  /** Restarts on new chunk bytes. */
  reset(data: Uint8Array): void {
    this.#numRead = 0;
    this.#t = 0;
    this.tDelta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = 0;
    this.trailing = 0;
    this.#err = null;
    if (data.length < 2) {
      this.#br.reset(data, 0, 0);
      this.#numTotal = 0;
      this.#err = new DecodeError(DecodeErrorReason.InvalidSize, "XOR chunk shorter than its header");
      return;
    }
    this.#numTotal = (data[0]! << 8) | data[1]!;
    this.#br.reset(data, 2, data.length);
  }

  next(): ValueType {
    return this.#advance() ? ValueType.Float : ValueType.None;
  }

  seek(t: number): ValueType {
    if (this.#err !== null) return ValueType.None;
    while (this.#numRead === 0 || t > this.#t) {
      if (!this.#advance()) return ValueType.None;
    }
    return ValueType.Float;
  }

  atT(): number {
    return this.#t;
  }

  atF(): number {
    return floatFromBits(this.vHi, this.vLo);
  }

  isStale(): boolean {
    return this.vHi === STALE_NAN_HI && this.vLo === STALE_NAN_LO;
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
    const br = this.#br;
    let n = at;
    while (n < ts.length && this.#numRead < this.#numTotal && this.#err === null) {
      // Keep the state to step back when the next sample is past maxt.
      const pos = br.pos;
      const t = this.#t;
      const tDelta = this.tDelta;
      const vHi = this.vHi;
      const vLo = this.vLo;
      const leading = this.leading;
      const trailing = this.trailing;
      if (!this.#advance()) break;
      if (this.#t > maxt) {
        br.pos = pos;
        this.#t = t;
        this.tDelta = tDelta;
        this.vHi = vHi;
        this.vLo = vLo;
        this.leading = leading;
        this.trailing = trailing;
        this.#numRead--;
        break;
      }
      if (this.vHi === STALE_NAN_HI && this.vLo === STALE_NAN_LO) {
        if (stale === null) continue;
        stale[n] = 1;
      } else if (stale !== null) {
        stale[n] = 0;
      }
      ts[n] = this.#t;
      vs[n] = floatFromBits(this.vHi, this.vLo);
      n++;
    }
    return n - at;
  }

  err(): Error | null {
    return this.#err;
  }

  /** Records the reader's error (or keeps an earlier one) and stops iteration. */
  #fail(): boolean {
    if (this.#err === null) this.#err = this.#br.err() ?? new DecodeError(DecodeErrorReason.InvalidData, "corrupt XOR chunk");
    return false;
  }

  /** Decodes the next sample; false at the end or on error. */
  #advance(): boolean {
    if (this.#err !== null || this.#numRead === this.#numTotal) return false;
    const br = this.#br;
    if (this.#numRead === 0) {
      const t = this.#readVarint();
      const hi = br.readBits(32);
      const lo = br.readBits(32);
      if (br.err() !== null || this.#err !== null) return this.#fail();
      this.#t = t;
      this.vHi = hi;
      this.vLo = lo;
      this.#numRead++;
      return true;
    }
    if (this.#numRead === 1) {
      const d = this.#readUvarintAsInt64();
      if (br.err() !== null || this.#err !== null) return this.#fail();
      this.tDelta = d;
      this.#t += d;
      return this.#readValue();
    }
    // Delta-of-delta prefix: up to four bits, stopping at the first 0.
    let dod = 0;
    if (br.readBit() !== 0) {
      let sz: number;
      if (br.readBit() === 0) sz = 14;
      else if (br.readBit() === 0) sz = 17;
      else if (br.readBit() === 0) sz = 20;
      else sz = 64;
      if (sz === 64) {
        const hi = br.readBits(32);
        const lo = br.readBits(32);
        dod = (hi | 0) * TWO_32 + lo;
      } else {
        const bits = br.readBits(sz);
        // Values above 2^(sz-1) are negative numbers in sz-bit two's complement.
        dod = bits > 2 ** (sz - 1) ? bits - 2 ** sz : bits;
      }
    }
    if (br.err() !== null) return this.#fail();
    this.tDelta += dod;
    this.#t += this.tDelta;
    return this.#readValue();
  }

  #readValue(): boolean {
    const br = this.#br;
    if (br.readBit() !== 0) {
      if (br.readBit() !== 0) {
        const leading = br.readBits(5);
        let mbits = br.readBits(6);
        if (mbits === 0) mbits = 64;
        if (leading + mbits > 64) {
          if (br.err() !== null) return this.#fail();
          this.#err = new DecodeError(DecodeErrorReason.InvalidData, "XOR window wider than 64 bits");
          return false;
        }
        this.leading = leading;
        this.trailing = 64 - leading - mbits;
      }
      const mbits = 64 - this.leading - this.trailing;
      let xh = 0;
      let xl: number;
      if (mbits > 32) {
        xh = br.readBits(mbits - 32);
        xl = br.readBits(32);
      } else {
        xl = br.readBits(mbits);
      }
      if (br.err() !== null) return this.#fail();
      // Shift the significant bits back into place, then xor.
      const s = this.trailing;
      if (s >= 32) {
        xh = xl << (s - 32);
        xl = 0;
      } else if (s > 0) {
        xh = (xh << s) | (xl >>> (32 - s));
        xl = xl << s;
      }
      this.vHi = (this.vHi ^ xh) >>> 0;
      this.vLo = (this.vLo ^ xl) >>> 0;
    } else if (br.err() !== null) {
      return this.#fail();
    }
    this.#numRead++;
    return true;
  }

  #readVarint(): number {
    this.#readUvarint64();
    const hi = scratch.hi;
    const lo = scratch.lo;
    const mag = (hi >>> 1) * TWO_32 + (((lo >>> 1) | (hi << 31)) >>> 0);
    return lo & 1 ? -mag - 1 : mag;
  }

  /** A uvarint reinterpreted as int64, as Go's int64(uint64) conversion of tDelta. */
  #readUvarintAsInt64(): number {
    this.#readUvarint64();
    return (scratch.hi | 0) * TWO_32 + scratch.lo;
  }

  /** Reads a uvarint byte by byte (8 bits each, not necessarily aligned) into scratch. */
  #readUvarint64(): void {
    const br = this.#br;
    let hi = 0;
    let lo = 0;
    for (let shift = 0; ; shift += 7) {
      const c = br.readBits(8);
      if (br.err() !== null) break;
      if (shift === 63 && c > 1) {
        this.#err = new DecodeError(DecodeErrorReason.InvalidVarint);
        break;
      }
      const g = c & 0x7f;
      if (shift < 25) lo |= g << shift;
      else if (shift < 32) {
        lo |= g << shift;
        hi |= g >>> (32 - shift);
      } else hi |= g << (shift - 32);
      if (c < 0x80) break;
    }
    scratch.hi = hi >>> 0;
    scratch.lo = lo >>> 0;
  }
}

/** Scratch halves for varint decoding, to avoid allocating a pair. */
const scratch = { hi: 0, lo: 0 };
