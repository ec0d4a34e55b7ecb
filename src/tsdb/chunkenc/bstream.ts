import type { ChunkArena, Slab } from "./chunk-arena.ts";

/** The bytes of a writer whose buffer went back to its arena. */
const RELEASED = new Uint8Array(0);

/**
 * A bit stream written most significant bit first, with the exact byte
 * layout of Prometheus's Go bstream, including one quirk that is visible on
 * disk: writing a whole byte (writeByte) always appends a fresh zero byte
 * after it, so a stream whose last write was a byte-aligned writeByte ends
 * with an extra 0x00 (count === 8). XOR chunks keep that byte in their data.
 *
 * The stream is buf[off, off + len): a buffer of its own (off 0), or a
 * region of a ChunkArena slab, which it moves to a region twice as large
 * when full and gives back on releaseStream(). A base class (XORChunk
 * extends it, so a chunk is one object): everything is protected.
 *
 *   count: bits still free in the last byte of the stream
 *     0  the last byte is full (or there is none)
 *     8  the last byte is the extra, still empty byte
 */
export class BitWriter {
  /** Backing bytes; only [off, off + len) are meaningful. Replaced when growing. */
  protected buf: Uint8Array;
  /** Offset of the stream in buf. */
  protected off: number;
  /** Bytes available from off. */
  protected cap: number;
  /** Bytes in use. */
  protected len: number;
  /** Free bits in the last used byte (0..8), as in Go's bstream.count. */
  protected count: number;
  /** The arena slab holding buf (its arena takes the stream when it grows), null for a buffer of its own. */
  #slab: Slab | null;

  /**
   * Wraps buf[0, len) with `count` free bits in its last byte; the writer
   * owns buf from now on. Null: no bytes yet (see startInArena).
   */
  protected constructor(buf: Uint8Array | null, len: number, count: number) {
    this.buf = buf ?? RELEASED;
    this.off = 0;
    this.cap = this.buf.length;
    this.len = len;
    this.count = count;
    this.#slab = null;
  }

  /**
   * Restarts the stream as `len` zero bytes (a header) in a region of
   * arena holding at least `capacity` bytes; it grows within the arena as
   * long as a region is large enough. For a new, empty stream.
   */
  protected startInArena(arena: ChunkArena, capacity: number, len: number): void {
    this.len = 0;
    this.#moveTo(arena, Math.max(capacity, len));
    this.buf.fill(0, this.off, this.off + len);
    this.len = len;
    this.count = 0;
  }

  /** The stream as a view of buf, valid until the next write. */
  protected streamView(): Uint8Array {
    return this.buf.subarray(this.off, this.off + this.len);
  }

  /** A copy of the stream. */
  protected streamCopy(): Uint8Array {
    return this.buf.slice(this.off, this.off + this.len);
  }

  /** Whether the stream lives in an arena region (which releaseStream() gives back). */
  protected get streamInArena(): boolean {
    return this.#slab !== null;
  }

  /**
   * Gives an arena region back (a buffer of its own is left to the GC);
   * the writer is empty and must not be written afterwards.
   */
  protected releaseStream(): void {
    if (this.#slab !== null) this.#slab.arena.free(this.#slab, this.off);
    this.#slab = null;
    this.buf = RELEASED;
    this.off = 0;
    this.cap = 0;
    this.len = 0;
    this.count = 0;
  }

  /** Moves the stream to a buffer of at least `size` bytes: a region of arena when given and size fits one. */
  #moveTo(arena: ChunkArena | null, size: number): void {
    const slab = arena === null ? null : arena.alloc(size);
    let nb: Uint8Array;
    let off = 0;
    let cap: number;
    if (slab !== null) {
      nb = slab.buf;
      off = arena!.offset;
      cap = slab.regionBytes;
    } else {
      nb = new Uint8Array(size);
      cap = size;
    }
    // A byte loop: the stream is small (a view to copy from would be garbage).
    const ob = this.buf;
    const oo = this.off;
    for (let i = 0; i < this.len; i++) nb[off + i] = ob[oo + i]!;
    if (this.#slab !== null) this.#slab.arena.free(this.#slab, this.off);
    this.#slab = slab;
    this.buf = nb;
    this.off = off;
    this.cap = cap;
  }

  /**
   * Continues writing at bit `pos` (counted from the stream's first bit):
   * drops bytes past it, clears the unused low bits of its byte, and keeps
   * an existing all-zero byte right after an aligned pos as the extra byte.
   */
  protected resumeAt(pos: number): void {
    const used = (pos + 7) >>> 3;
    if (this.len > used + 1 || (this.len === used + 1 && ((pos & 7) !== 0 || this.buf[this.off + used] !== 0))) {
      this.len = used;
    }
    this.count = this.len * 8 - pos;
    if (this.count > 0 && this.count < 8) this.buf[this.off + this.len - 1]! &= (0xff << this.count) & 0xff;
  }

  #push(): void {
    if (this.len === this.cap) this.#moveTo(this.#slab === null ? null : this.#slab.arena, Math.max(2 * this.cap, 1));
    this.buf[this.off + this.len++] = 0;
  }

  /** Writes one bit (0 or 1). */
  protected writeBit(bit: number): void {
    if (this.count === 0) {
      this.#push();
      this.count = 8;
    }
    if (bit !== 0) this.buf[this.off + this.len - 1]! |= 1 << (this.count - 1);
    this.count--;
  }

  /** Writes 8 bits, then appends the next byte as Go's writeByte does. */
  protected writeByte(byt: number): void {
    if (this.count === 0) {
      this.#push();
      this.count = 8;
    }
    this.buf[this.off + this.len - 1]! |= byt >>> (8 - this.count);
    this.#push();
    this.buf[this.off + this.len - 1] = (byt << this.count) & 0xff;
  }

  /** Writes the n (0..7) low bits of u, as n writeBit calls would. */
  #writeSmall(u: number, n: number): void {
    if (n === 0) return;
    if (this.count === 0) {
      this.#push();
      this.count = 8;
    }
    if (n <= this.count) {
      this.buf[this.off + this.len - 1]! |= u << (this.count - n);
      this.count -= n;
      return;
    }
    const r = n - this.count;
    this.buf[this.off + this.len - 1]! |= u >>> r;
    this.#push();
    this.buf[this.off + this.len - 1] = (u << (8 - r)) & 0xff;
    this.count = 8 - r;
  }

  /**
   * Writes the n (0..32) low bits of u, most significant first: whole bytes
   * through writeByte, the n % 8 rest bit by bit, exactly like Go's
   * writeBits, so the extra-byte state matches too.
   */
  protected writeBits(u: number, n: number): void {
    while (n >= 8) {
      n -= 8;
      this.writeByte((u >>> n) & 0xff);
    }
    this.#writeSmall(u & ((1 << n) - 1), n);
  }

  /** Writes the n (0..64) low bits of the 64-bit value hi:lo, like Go's writeBits(u, n). */
  protected writeBits64(hi: number, lo: number, n: number): void {
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
 * The 32 bits of the stream b (written by BitWriter or Go's bstream)
 * starting at bit p (bit 0 = the most significant bit of b[0]), as a
 * signed 32-bit integer; bits past the end of b read as 0. dv is a view of
 * b's whole buffer (b starts at byte dvOff of it), for reading four bytes
 * at once. Readers take what they need from the top (`>>> (32 - n)` for n
 * bits) and advance p themselves, so one call serves several short fields.
 */
export function peekBits32(dv: DataView, dvOff: number, b: Uint8Array, p: number): number {
  const i = p >>> 3;
  const s = p & 7;
  // The fifth byte supplies the s bits shifted in at the bottom (none when s is 0).
  if (i + 4 < b.length) return (dv.getInt32(dvOff + i) << s) | (b[i + 4]! >>> (8 - s));
  let w = 0;
  for (let k = 0; k < 5; k++) {
    const byte = i + k < b.length ? b[i + k]! : 0;
    if (k < 4) w = (w << 8) | byte;
    else if (s !== 0) w = (w << s) | (byte >>> (8 - s));
  }
  return w;
}
