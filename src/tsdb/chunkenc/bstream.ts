import { DecodeError, DecodeErrorReason } from "../encoding/index.ts";

/**
 * A bit stream written most significant bit first, with the exact byte
 * layout of Prometheus's Go bstream, including one quirk that is visible on
 * disk: writing a whole byte (writeByte) always appends a fresh zero byte
 * after it, so a stream whose last write was a byte-aligned writeByte ends
 * with an extra 0x00 (count === 8). XOR chunks keep that byte in their data.
 *
 *   count: bits still free in the last byte of buf[0, len)
 *     0  the last byte is full (or there is none)
 *     8  the last byte is the extra, still empty byte
 */
export class BitWriter {
  /** Backing bytes; only [0, len) are meaningful. Replaced when growing. */
  buf: Uint8Array;
  /** Bytes in use. */
  len: number;
  /** Free bits in the last used byte (0..8), as in Go's bstream.count. */
  count: number;

  /** Wraps buf[0, len) with `count` free bits in its last byte; the writer owns buf from now on. */
  constructor(buf: Uint8Array, len: number, count: number) {
    this.buf = buf;
    this.len = len;
    this.count = count;
  }

  /**
   * Continues writing at bit `pos` (counted from bit 0 of buf[0]): drops
   * bytes past it, clears the unused low bits of its byte, and keeps an
   * existing all-zero byte right after an aligned pos as the extra byte.
   */
  resumeAt(pos: number): void {
    const used = (pos + 7) >>> 3;
    if (this.len > used + 1 || (this.len === used + 1 && ((pos & 7) !== 0 || this.buf[used] !== 0))) {
      this.len = used;
    }
    this.count = this.len * 8 - pos;
    if (this.count > 0 && this.count < 8) this.buf[this.len - 1]! &= (0xff << this.count) & 0xff;
  }

  #push(): void {
    if (this.len === this.buf.length) {
      const nb = new Uint8Array(this.buf.length * 2);
      nb.set(this.buf);
      this.buf = nb;
    }
    this.buf[this.len++] = 0;
  }

  /** Writes one bit (0 or 1). */
  writeBit(bit: number): void {
    if (this.count === 0) {
      this.#push();
      this.count = 8;
    }
    if (bit !== 0) this.buf[this.len - 1]! |= 1 << (this.count - 1);
    this.count--;
  }

  /** Writes 8 bits, then appends the next byte as Go's writeByte does. */
  writeByte(byt: number): void {
    if (this.count === 0) {
      this.#push();
      this.count = 8;
    }
    this.buf[this.len - 1]! |= byt >>> (8 - this.count);
    this.#push();
    this.buf[this.len - 1] = (byt << this.count) & 0xff;
  }

  /** Writes the n (0..7) low bits of u, as n writeBit calls would. */
  #writeSmall(u: number, n: number): void {
    if (n === 0) return;
    if (this.count === 0) {
      this.#push();
      this.count = 8;
    }
    if (n <= this.count) {
      this.buf[this.len - 1]! |= u << (this.count - n);
      this.count -= n;
      return;
    }
    const r = n - this.count;
    this.buf[this.len - 1]! |= u >>> r;
    this.#push();
    this.buf[this.len - 1] = (u << (8 - r)) & 0xff;
    this.count = 8 - r;
  }

  /**
   * Writes the n (0..32) low bits of u, most significant first: whole bytes
   * through writeByte, the n % 8 rest bit by bit, exactly like Go's
   * writeBits, so the extra-byte state matches too.
   */
  writeBits(u: number, n: number): void {
    while (n >= 8) {
      n -= 8;
      this.writeByte((u >>> n) & 0xff);
    }
    this.#writeSmall(u & ((1 << n) - 1), n);
  }

  /** Writes the n (0..64) low bits of the 64-bit value hi:lo, like Go's writeBits(u, n). */
  writeBits64(hi: number, lo: number, n: number): void {
    if (n <= 32) {
      this.writeBits(lo, n);
      return;
    }
    while (n >= 8) {
      n -= 8;
      let byt: number;
      if (n >= 32) byt = hi >>> (n - 32);
      else if (n <= 24) byt = lo >>> n;
      else byt = (lo >>> n) | (hi << (32 - n));
      this.writeByte(byt & 0xff);
    }
    this.#writeSmall(lo & ((1 << n) - 1), n);
  }
}

/**
 * Reads a bit stream written by BitWriter (or Go's bstream) from
 * buf[start, end), most significant bit first. Reading past the end sets an
 * error (EOF) and returns 0.
 */
export class BitReader {
  #b: Uint8Array;
  /** Next bit to read, counted from bit 0 of buf[0]. */
  pos: number;
  #endBit: number;
  #err: DecodeError | null;

  /** Reads buf[start, end); the bytes are not copied. */
  constructor(buf: Uint8Array, start: number, end: number) {
    this.#b = buf;
    this.pos = start * 8;
    this.#endBit = end * 8;
    this.#err = null;
  }

  /** Points the reader at new bytes and clears the error. */
  reset(buf: Uint8Array, start: number, end: number): void {
    this.#b = buf;
    this.pos = start * 8;
    this.#endBit = end * 8;
    this.#err = null;
  }

  /** The error that stopped reading (reading past the end), or null. */
  err(): DecodeError | null {
    return this.#err;
  }

  #eof(): number {
    if (this.#err === null) this.#err = new DecodeError(DecodeErrorReason.InvalidSize, "EOF");
    return 0;
  }

  /** Reads one bit. */
  readBit(): number {
    const p = this.pos;
    if (p >= this.#endBit) return this.#eof();
    this.pos = p + 1;
    return (this.#b[p >>> 3]! >>> (7 - (p & 7))) & 1;
  }

  /** Reads n (1..32) bits as an unsigned number. */
  readBits(n: number): number {
    const p = this.pos;
    if (p + n > this.#endBit) return this.#eof();
    this.pos = p + n;
    const b = this.#b;
    let i = p >>> 3;
    const avail = 8 - (p & 7);
    let v = b[i]! & (0xff >>> (p & 7));
    if (n <= avail) return v >>> (avail - n);
    n -= avail;
    // Multiplication instead of shifts keeps up to 32 bits unsigned and exact.
    while (n >= 8) {
      v = v * 256 + b[++i]!;
      n -= 8;
    }
    if (n > 0) v = v * (1 << n) + (b[++i]! >>> (8 - n));
    return v;
  }
}
