import { crc32cUpdate } from "./crc32c.ts";
import { floatBitsHi, floatBitsLo } from "./float-bits.ts";

const TWO_32 = 0x1_0000_0000;
/** Largest |n| whose zigzag form 2|n| (+1) is still an exact double below 2^53. */
const ZIGZAG_FAST_MAX = 2 ** 52 - 1;
/** int64 bounds as doubles; -2^63 is exact, 2^63 - 1 rounds to 2^63 (out of range). */
const INT64_MIN = -(2 ** 63);
const INT64_LIMIT = 2 ** 63;

const utf8 = new TextEncoder();

/**
 * A growable byte buffer for building TSDB structures, the counterpart of
 * Go's encoding.Encbuf. Integers are JavaScript numbers: exact up to 2^53;
 * larger integer-valued doubles are written as that exact double's integer
 * value and signed ones are clamped to the int64 range. No method allocates
 * except when the buffer grows.
 */
export class Encbuf {
  #b: Uint8Array;
  #len: number;

  /** capacityBytes is the initial capacity; the buffer doubles as needed. */
  constructor(capacityBytes = 256) {
    this.#b = new Uint8Array(Math.max(16, capacityBytes));
    this.#len = 0;
  }

  /** Number of bytes written. */
  get length(): number {
    return this.#len;
  }

  /** Forgets the content, keeping the capacity. */
  reset(): void {
    this.#len = 0;
  }

  /** The bytes written so far, as a view valid until the next write or reset. */
  get(): Uint8Array {
    return this.#b.subarray(0, this.#len);
  }

  /** A copy of the bytes written so far, owned by the caller. */
  copy(): Uint8Array {
    return this.#b.slice(0, this.#len);
  }

  #grow(extra: number): void {
    const need = this.#len + extra;
    if (need <= this.#b.length) return;
    let cap = this.#b.length * 2;
    while (cap < need) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.#b.subarray(0, this.#len));
    this.#b = nb;
  }

  /** Appends one byte (0..255). */
  putByte(c: number): void {
    this.#grow(1);
    this.#b[this.#len++] = c;
  }

  /** Appends raw bytes. */
  putBytes(src: Uint8Array): void {
    this.#grow(src.length);
    this.#b.set(src, this.#len);
    this.#len += src.length;
  }

  /** Appends s as UTF-8, without a length. */
  putString(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    this.#grow(s.length * 3);
    this.#len += utf8.encodeInto(s, this.#b.subarray(this.#len)).written;
  }

  /** Appends x (0..2^16-1) big-endian in 2 bytes. */
  putBE16(x: number): void {
    this.#grow(2);
    const b = this.#b;
    b[this.#len] = x >>> 8;
    b[this.#len + 1] = x;
    this.#len += 2;
  }

  /** Appends x (uint32; negative int32 values are written as two's complement) big-endian in 4 bytes. */
  putBE32(x: number): void {
    this.#grow(4);
    const b = this.#b;
    const i = this.#len;
    b[i] = x >>> 24;
    b[i + 1] = x >>> 16;
    b[i + 2] = x >>> 8;
    b[i + 3] = x;
    this.#len += 4;
  }

  /** Appends the 64-bit value hi:lo (two unsigned 32-bit halves) big-endian in 8 bytes. */
  putBE64Bits(hi: number, lo: number): void {
    this.putBE32(hi);
    this.putBE32(lo);
  }

  /**
   * Appends an integer as int64 big-endian (two's complement), like Go's
   * PutBE64int64, and PutBE64(uint64(x)) for 0 <= x < 2^63. Values at or
   * beyond 2^63 (math.MaxInt64 read back as a double) write math.MaxInt64.
   */
  putBE64Int(x: number): void {
    if (x >= 0 && x < TWO_32) {
      this.putBE64Bits(0, x);
      return;
    }
    int64Halves(x);
    this.putBE64Bits(halves.hi, halves.lo);
  }

  /** Appends the IEEE 754 bits of v big-endian in 8 bytes (NaN payloads are whatever the engine keeps). */
  putBEFloat64(v: number): void {
    this.putBE64Bits(floatBitsHi(v), floatBitsLo(v));
  }

  /** Appends a non-negative integer as a Go uvarint (1 to 10 bytes). */
  putUvarint(x: number): void {
    this.#grow(10);
    const b = this.#b;
    let i = this.#len;
    if (x < TWO_32) {
      let v = x >>> 0;
      while (v >= 0x80) {
        b[i++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[i++] = v;
    } else {
      // Division by 128 is exact on doubles, so this is exact for any integer value.
      let v = x;
      while (v >= 0x80) {
        b[i++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      b[i++] = v;
    }
    this.#len = i;
  }

  /** Appends the 64-bit unsigned value hi:lo as a Go uvarint. */
  putUvarint64(hi: number, lo: number): void {
    this.#grow(10);
    const b = this.#b;
    let i = this.#len;
    let h = hi >>> 0;
    let l = lo >>> 0;
    while (h !== 0 || l >= 0x80) {
      b[i++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    b[i++] = l;
    this.#len = i;
  }

  /** Appends an integer as a Go varint (zigzag, then uvarint); clamps to the int64 range like putBE64Int. */
  putVarint(x: number): void {
    if (x >= -ZIGZAG_FAST_MAX && x <= ZIGZAG_FAST_MAX) {
      this.putUvarint(x >= 0 ? 2 * x : -2 * x - 1);
      return;
    }
    // Two's complement halves of x, then zigzag: (x << 1) ^ (x >> 63).
    int64Halves(x);
    const hi = halves.hi;
    const lo = halves.lo;
    const sign = x < 0 ? 0xffffffff : 0;
    const zh = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
    const zl = ((lo << 1) ^ sign) >>> 0;
    this.putUvarint64(zh, zl);
  }

  /** Appends the UTF-8 byte length of s as a uvarint, then s (Go's PutUvarintStr). */
  putUvarintStr(s: string): void {
    const n = s.length;
    if (n < 0x80) {
      // Short ASCII (label names and values, mostly) char by char: cheaper than a call into the encoder.
      this.#grow(n + 1);
      const b = this.#b;
      let p = this.#len;
      b[p++] = n;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        this.#len = p;
        return;
      }
      // Not ASCII: what was copied is overwritten below.
    }
    const bytes = utf8.encode(s);
    this.putUvarint(bytes.length);
    this.putBytes(bytes);
  }

  /** Appends src's length as a uvarint, then src (Go's PutUvarintBytes). */
  putUvarintBytes(src: Uint8Array): void {
    this.putUvarint(src.length);
    this.putBytes(src);
  }

  /** Appends the big-endian CRC-32C of bytes [start, current length) (Go's PutHash over a sub-range). */
  putCRC32C(start = 0): void {
    this.putBE32(crc32cUpdate(0, this.#b, start, this.#len));
  }

  /** Overwrites 4 bytes at offset with x big-endian (for lengths patched after the fact). */
  patchBE32(offset: number, x: number): void {
    if (offset < 0 || offset + 4 > this.#len) throw new Error("BUG: Encbuf.patchBE32 out of range");
    const b = this.#b;
    b[offset] = x >>> 24;
    b[offset + 1] = x >>> 16;
    b[offset + 2] = x >>> 8;
    b[offset + 3] = x;
  }
}

/** Scratch output of int64Halves, to avoid allocating a pair. */
const halves = { hi: 0, lo: 0 };

/**
 * Sets halves to the two's complement int64 of the integer part of x,
 * clamped to [math.MinInt64, math.MaxInt64]. -2^63 is an exact double;
 * anything >= 2^63 (where math.MaxInt64 rounds to) maps to math.MaxInt64.
 */
function int64Halves(x: number): void {
  if (x >= INT64_LIMIT) {
    halves.hi = 0x7fffffff;
    halves.lo = 0xffffffff;
    return;
  }
  const c = x < INT64_MIN ? INT64_MIN : Math.trunc(x);
  const hi = Math.floor(c / TWO_32);
  halves.hi = hi >>> 0;
  halves.lo = (c - hi * TWO_32) >>> 0;
}
