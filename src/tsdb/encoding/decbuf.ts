import { crc32cUpdate } from "./crc32c.ts";
import { DecodeError, DecodeErrorReason } from "./errors.ts";
import { floatFromBits } from "./float-bits.ts";

const TWO_32 = 0x1_0000_0000;
const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Reads TSDB structures from bytes, the counterpart of Go's
 * encoding.Decbuf: bounds-checked, advancing, with a sticky error. After the
 * first failure every read returns 0 (or "", or an empty view) and err()
 * reports the first failure, so a run of reads can be checked once.
 *
 * Integers come back as numbers: exact within 2^53, the nearest double
 * beyond (a uint64 series ref or an int64 time that large is not expected;
 * Go's math.MinInt64 / MaxInt64 sentinels survive as -2^63 / 2^63, which
 * Encbuf writes back as the same sentinels). For exact 64-bit patterns use
 * be64Bits()/uvarint64(), which leave the halves in `hi` and `lo`.
 */
export class Decbuf {
  #b: Uint8Array;
  #off: number;
  #end: number;
  #err: DecodeError | null;
  /** High 32 bits (unsigned) left by be64Bits() and uvarint64(). */
  hi: number;
  /** Low 32 bits (unsigned) left by be64Bits() and uvarint64(). */
  lo: number;

  /** Decodes b[start, end); the bytes are not copied and must not change while read. */
  constructor(b: Uint8Array, start = 0, end = b.length) {
    this.#b = b;
    this.#off = start;
    this.#end = end;
    this.#err = null;
    this.hi = 0;
    this.lo = 0;
  }

  /** A buffer already in the error state, for factories that fail up front. */
  static failed(err: DecodeError): Decbuf {
    const d = new Decbuf(new Uint8Array(0));
    d.#err = err;
    return d;
  }

  /**
   * Go's NewDecbufAt: at b[off] a 4-byte big-endian length l, then l bytes
   * of content, then their big-endian CRC-32C. The result reads the content;
   * with checkCRC the checksum is verified first.
   */
  static at(b: Uint8Array, off: number, checkCRC: boolean): Decbuf {
    if (off < 0 || b.length < off + 4) return Decbuf.failed(new DecodeError(DecodeErrorReason.InvalidSize));
    const l = ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
    const start = off + 4;
    if (b.length < start + l + 4) return Decbuf.failed(new DecodeError(DecodeErrorReason.InvalidSize));
    if (checkCRC && crc32cUpdate(0, b, start, start + l) !== readBE32(b, start + l)) {
      return Decbuf.failed(new DecodeError(DecodeErrorReason.InvalidChecksum));
    }
    return new Decbuf(b, start, start + l);
  }

  /**
   * Go's NewDecbufUvarintAt: like at() but the length is a uvarint of at
   * most 5 bytes, and the checksum is always verified.
   */
  static uvarintAt(b: Uint8Array, off: number): Decbuf {
    // NOTE: matches Prometheus, which demands 5 readable bytes even for a short uvarint.
    if (off < 0 || b.length < off + 5) return Decbuf.failed(new DecodeError(DecodeErrorReason.InvalidSize));
    const d = new Decbuf(b, off, off + 5);
    const l = d.uvarint();
    const n = d.#off - off;
    if (d.#err !== null) return Decbuf.failed(new DecodeError(DecodeErrorReason.InvalidVarint, `invalid uvarint ${n}`));
    const start = off + n;
    if (b.length < start + l + 4) return Decbuf.failed(new DecodeError(DecodeErrorReason.InvalidSize));
    if (crc32cUpdate(0, b, start, start + l) !== readBE32(b, start + l)) {
      return Decbuf.failed(new DecodeError(DecodeErrorReason.InvalidChecksum));
    }
    return new Decbuf(b, start, start + l);
  }

  /** The first error, or null. */
  err(): DecodeError | null {
    return this.#err;
  }

  /** Bytes left to read (0 after an error). */
  get length(): number {
    return this.#err === null ? this.#end - this.#off : 0;
  }

  /** Absolute offset of the next byte in the underlying array. */
  get offset(): number {
    return this.#off;
  }

  #fail(reason: DecodeErrorReason): void {
    if (this.#err === null) this.#err = new DecodeError(reason);
  }

  #need(n: number): boolean {
    if (this.#err !== null) return false;
    if (this.#end - this.#off < n) {
      this.#fail(DecodeErrorReason.InvalidSize);
      return false;
    }
    return true;
  }

  /** Skips n bytes. */
  skip(n: number): void {
    if (this.#need(n)) this.#off += n;
  }

  /** Reads one byte. */
  byte(): number {
    if (!this.#need(1)) return 0;
    return this.#b[this.#off++]!;
  }

  /** Reads a big-endian uint16. */
  be16(): number {
    if (!this.#need(2)) return 0;
    const b = this.#b;
    const i = this.#off;
    this.#off += 2;
    return (b[i]! << 8) | b[i + 1]!;
  }

  /** Reads a big-endian uint32 (unsigned). */
  be32(): number {
    if (!this.#need(4)) return 0;
    const v = readBE32(this.#b, this.#off);
    this.#off += 4;
    return v;
  }

  /** Reads 8 big-endian bytes into `hi` and `lo`. */
  be64Bits(): void {
    if (!this.#need(8)) {
      this.hi = 0;
      this.lo = 0;
      return;
    }
    this.hi = readBE32(this.#b, this.#off);
    this.lo = readBE32(this.#b, this.#off + 4);
    this.#off += 8;
  }

  /** Reads a big-endian int64 (two's complement) as a number. */
  be64Int(): number {
    this.be64Bits();
    return (this.hi | 0) * TWO_32 + this.lo;
  }

  /** Reads a big-endian uint64 as a number (exact below 2^53). */
  be64Uint(): number {
    this.be64Bits();
    return this.hi * TWO_32 + this.lo;
  }

  /** Reads 8 big-endian bytes as a float64; the bits stay in `hi`/`lo` for exact NaN checks. */
  be64Float(): number {
    this.be64Bits();
    return floatFromBits(this.hi, this.lo);
  }

  /**
   * Reads a Go uvarint into `hi` and `lo`. Fails with InvalidSize when the
   * bytes end mid-varint and InvalidVarint past 64 bits.
   */
  uvarint64(): void {
    this.hi = 0;
    this.lo = 0;
    if (this.#err !== null) return;
    const b = this.#b;
    let i = this.#off;
    let hi = 0;
    let lo = 0;
    for (let shift = 0; ; shift += 7) {
      if (i >= this.#end) {
        this.#fail(DecodeErrorReason.InvalidSize);
        return;
      }
      const c = b[i++]!;
      const g = c & 0x7f;
      if (shift === 63 && c > 1) {
        this.#fail(DecodeErrorReason.InvalidVarint);
        return;
      }
      if (shift < 25) lo |= g << shift;
      else if (shift < 32) {
        lo |= g << shift;
        hi |= g >>> (32 - shift);
      } else hi |= g << (shift - 32);
      if (c < 0x80) break;
    }
    this.#off = i;
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
  }

  /** Reads a Go uvarint as a number (exact below 2^53). */
  uvarint(): number {
    if (this.#err !== null) return 0;
    // Fast path: up to 4 bytes (28 bits) fit a small integer.
    const b = this.#b;
    const i = this.#off;
    if (this.#end - i >= 4) {
      const c0 = b[i]!;
      if (c0 < 0x80) {
        this.#off = i + 1;
        return c0;
      }
      const c1 = b[i + 1]!;
      if (c1 < 0x80) {
        this.#off = i + 2;
        return (c0 & 0x7f) | (c1 << 7);
      }
      const c2 = b[i + 2]!;
      if (c2 < 0x80) {
        this.#off = i + 3;
        return (c0 & 0x7f) | ((c1 & 0x7f) << 7) | (c2 << 14);
      }
    }
    this.uvarint64();
    return this.hi * TWO_32 + this.lo;
  }

  /** Reads a Go varint (zigzag) as a number (exact within ±2^53). */
  varint(): number {
    if (this.#err !== null) return 0;
    const b = this.#b;
    const i = this.#off;
    if (this.#end - i >= 4) {
      const c0 = b[i]!;
      if (c0 < 0x80) {
        this.#off = i + 1;
        return c0 & 1 ? -((c0 + 1) >>> 1) : c0 >>> 1;
      }
      const c1 = b[i + 1]!;
      if (c1 < 0x80) {
        this.#off = i + 2;
        const u = (c0 & 0x7f) | (c1 << 7);
        return u & 1 ? -((u + 1) >>> 1) : u >>> 1;
      }
    }
    this.uvarint64();
    const hi = this.hi;
    const lo = this.lo;
    // x = ux >> 1, negated (^x) when the low bit is set.
    const mh = hi >>> 1;
    const ml = ((lo >>> 1) | (hi << 31)) >>> 0;
    const mag = mh * TWO_32 + ml;
    return lo & 1 ? -mag - 1 : mag;
  }

  /** Reads a uvarint length, then that many bytes as a view into the underlying array. */
  uvarintBytes(): Uint8Array {
    const l = this.uvarint();
    if (!this.#need(l)) return new Uint8Array(0);
    const s = this.#b.subarray(this.#off, this.#off + l);
    this.#off += l;
    return s;
  }

  /** Reads a uvarint length, then that many bytes as a UTF-8 string. */
  uvarintStr(): string {
    const l = this.uvarint();
    if (!this.#need(l)) return "";
    const s = decodeUTF8(this.#b, this.#off, this.#off + l);
    this.#off += l;
    return s;
  }

  /** CRC-32C of the remaining bytes (not consumed). */
  crc32c(): number {
    return crc32cUpdate(0, this.#b, this.#off, this.#end);
  }
}

/** Big-endian uint32 at b[i]; the caller checks bounds. */
export function readBE32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** UTF-8 text of b[start, end); short ASCII strings skip the TextDecoder. */
export function decodeUTF8(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 16) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) return utf8.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(b.subarray(start, end));
}
