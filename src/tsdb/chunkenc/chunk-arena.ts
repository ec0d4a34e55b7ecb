/** Bytes per slab. */
export const SLAB_BYTES = 64 * 1024;
/** Smallest region: 32 bytes. */
const MIN_REGION_BITS = 5;
/** Largest region an arena hands out: 4 KiB (a head chunk stays under ~1 KiB). */
const MAX_REGION_BITS = 12;
/** End of a slab's free list. */
const NONE = -1;
/** Dropped slabs' buffers an arena keeps for reuse: this share of its slabs in use, and at least SPARE_MIN. */
const SPARE_SHARE = 1 / 8;
const SPARE_MIN = 8;

/**
 * One slab of an arena: SLAB_BYTES split into regions of one size. The
 * free regions form a list threaded through their first four bytes.
 */
export class Slab {
  /** The arena the slab belongs to. */
  readonly arena: ChunkArena;
  /** The slab's bytes; a region is buf[offset, offset + regionBytes). */
  readonly buf: Uint8Array;
  readonly #next: Int32Array;
  readonly regionBytes: number;
  /** Offset of the first free region, NONE when full. */
  #free: number;
  /** Regions handed out. */
  live: number;

  /** buf: SLAB_BYTES bytes of a dropped slab to reuse, or null for new ones. */
  constructor(arena: ChunkArena, regionBytes: number, buf: Uint8Array | null) {
    this.arena = arena;
    this.buf = buf ?? new Uint8Array(SLAB_BYTES);
    this.#next = new Int32Array(this.buf.buffer);
    this.regionBytes = regionBytes;
    for (let off = 0; off < SLAB_BYTES; off += regionBytes) {
      this.#next[off >>> 2] = off + regionBytes < SLAB_BYTES ? off + regionBytes : NONE;
    }
    this.#free = 0;
    this.live = 0;
  }

  /** Whether every region is handed out. */
  get full(): boolean {
    return this.#free === NONE;
  }

  /** Takes a free region; returns its offset. The slab must not be full. */
  take(): number {
    const off = this.#free;
    this.#free = this.#next[off >>> 2]!;
    this.live++;
    return off;
  }

  /** Gives back the region at off. */
  give(off: number): void {
    this.#next[off >>> 2] = this.#free;
    this.#free = off;
    this.live--;
  }
}

/**
 * An allocator of small byte regions (32 B to 4 KiB, powers of two) in
 * shared 64 KiB slabs, for the head's open chunks: one typed array per
 * slab instead of a Uint8Array, an ArrayBuffer and a native backing store
 * per chunk. A region is handed out by alloc() and must be given back
 * with free() by its only user; a slab whose regions are all free is
 * dropped (unless it is the only one of its size with room left).
 */
export class ChunkArena {
  /** Per region size (index: log2(size) - 5), the slabs with a free region; the last one is used first. */
  readonly #open: Slab[][];
  /** Offset within its slab of the region the last alloc() returned. */
  offset: number;
  /** Slabs allocated (for memory accounting). */
  slabs: number;
  /**
   * The bytes of dropped slabs, for new slabs of any region size: open
   * chunks grow through the sizes together (a scrape appends to all of a
   * target's series), so one size's slabs empty while the next size needs
   * new ones. Each new buffer is off-heap memory V8 counts towards a full
   * collection (one per 64 MiB allocated), so reusing them keeps that
   * churn from marking the whole heap over and over. At most SPARE_SHARE
   * of the slabs in use (and SPARE_MIN) are kept.
   */
  readonly #spare: Uint8Array[];

  constructor() {
    this.#open = [];
    for (let b = MIN_REGION_BITS; b <= MAX_REGION_BITS; b++) this.#open.push([]);
    this.offset = 0;
    this.slabs = 0;
    this.#spare = [];
  }

  /** Bytes held in slabs and in the dropped slabs' buffers kept for reuse. */
  get bytes(): number {
    return (this.slabs + this.#spare.length) * SLAB_BYTES;
  }

  /** The region size alloc(size) hands out: the next power of two from 32 (only meaningful up to 4 KiB). */
  static regionSize(size: number): number {
    if (size <= 1 << MIN_REGION_BITS) return 1 << MIN_REGION_BITS;
    return size > 1 << 30 ? 2 ** Math.ceil(Math.log2(size)) : 1 << (32 - Math.clz32(size - 1));
  }

  /**
   * A region of at least `size` bytes (not zeroed): returns its slab and
   * sets `offset`, or null when size is above 4 KiB (the caller then uses
   * a buffer of its own).
   */
  alloc(size: number): Slab | null {
    if (size > 1 << MAX_REGION_BITS) return null;
    const rs = ChunkArena.regionSize(size);
    const cls = 31 - Math.clz32(rs) - MIN_REGION_BITS;
    const open = this.#open[cls]!;
    let slab = open[open.length - 1];
    if (slab === undefined) {
      slab = new Slab(this, rs, this.#spare.pop() ?? null);
      open.push(slab);
      this.slabs++;
    }
    this.offset = slab.take();
    if (slab.full) open.pop();
    return slab;
  }

  /** Gives back the region at off of slab (from alloc() of this arena). */
  free(slab: Slab, off: number): void {
    const wasFull = slab.full;
    slab.give(off);
    const open = this.#open[31 - Math.clz32(slab.regionBytes) - MIN_REGION_BITS]!;
    if (wasFull) {
      open.push(slab);
      return;
    }
    if (slab.live === 0 && open.length > 1) {
      open.splice(open.indexOf(slab), 1);
      this.slabs--;
      if (this.#spare.length < Math.max(SPARE_MIN, this.slabs * SPARE_SHARE)) this.#spare.push(slab.buf);
    }
  }
}
