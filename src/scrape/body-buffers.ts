/**
 * Reusable buffers for scrape bodies, as upstream's scrape buffer pool
 * (pool.New(1e3, 100e6, 3, ...)): a response is copied out of the socket's
 * read buffers into one of these as it arrives, and the buffer comes back
 * when the scrape loop is done with the body.
 *
 * Why not keep the read buffers: every socket read is a new ArrayBuffer,
 * and one kept past two young-generation collections (a body waiting for
 * its parse under load) is promoted and then freed only by a full
 * collection; V8 starts a full collection whenever such memory grows by
 * 64 MiB. At 960 targets x 1,000 series that was one full mark of the
 * whole heap every ~1.2 s.
 */

/** Smallest buffer handed out: 64 KiB (the bench's 1,000-series body is ~53 KiB). */
const MIN_BITS = 16;
/** Largest pooled buffer: 64 MiB; bigger bodies get a buffer of their own. */
const MAX_BITS = 26;
/** Free buffers kept per size. */
const MAX_FREE = 16;

/** A pool of body buffers of power-of-two sizes. */
export class BodyBuffers {
  /** Free buffers per size (index: log2(size) - MIN_BITS). */
  readonly #free: Uint8Array[][];

  constructor() {
    this.#free = [];
    for (let b = MIN_BITS; b <= MAX_BITS; b++) this.#free.push([]);
  }

  /** A buffer of at least size bytes (not zeroed): a free one when there is one. */
  take(size: number): Uint8Array {
    const bits = Math.max(MIN_BITS, size <= 1 ? 0 : 32 - Math.clz32(size - 1));
    if (bits > MAX_BITS) return new Uint8Array(size);
    return this.#free[bits - MIN_BITS]!.pop() ?? new Uint8Array(1 << bits);
  }

  /**
   * Takes b (from take()) back. Its user must not touch it afterwards. A
   * buffer transferred to a worker (detached), of a size take() does not
   * pool, or beyond MAX_FREE of its size is left to the GC.
   */
  give(b: Uint8Array): void {
    const n = b.byteLength;
    if (n === 0 || (n & (n - 1)) !== 0) return;
    const bits = 31 - Math.clz32(n);
    if (bits < MIN_BITS || bits > MAX_BITS) return;
    const free = this.#free[bits - MIN_BITS]!;
    if (free.length < MAX_FREE) free.push(b);
  }
}
