import { ValueType, type SeriesIterator } from "../../storage/index.ts";
import { isDeleted, type Interval } from "./tombstones.ts";

/**
 * Wraps an iterator, hiding samples in deleted intervals (sorted, ms,
 * inclusive). Keeps the current sample in its own fields so readInto can
 * look one sample ahead.
 */
export class TombstoneIterator implements SeriesIterator {
  readonly #it: SeriesIterator;
  readonly #ivs: readonly Interval[];
  // Initialised here, so doubles stored per sample are not boxed (see XORChunk).
  #t = 0;
  #v = 0;
  #stale: boolean;
  /** The inner iterator holds a sample not handed out yet. */
  #peeked: boolean;
  #done: boolean;

  constructor(it: SeriesIterator, ivs: readonly Interval[]) {
    this.#it = it;
    this.#ivs = ivs;
    this.#stale = false;
    this.#peeked = false;
    this.#done = false;
  }

  #take(): ValueType {
    this.#t = this.#it.atT();
    this.#v = this.#it.atF();
    this.#stale = this.#it.isStale();
    return ValueType.Float;
  }

  /** Advances the inner iterator to the next non-deleted sample. */
  #advance(first: ValueType): ValueType {
    let vt = first;
    while (vt !== ValueType.None && isDeleted(this.#ivs, this.#it.atT())) vt = this.#it.next();
    if (vt === ValueType.None) this.#done = true;
    return vt;
  }

  next(): ValueType {
    if (this.#done) return ValueType.None;
    if (this.#peeked) {
      this.#peeked = false;
      return this.#take();
    }
    if (this.#advance(this.#it.next()) === ValueType.None) return ValueType.None;
    return this.#take();
  }

  seek(t: number): ValueType {
    if (this.#done) return ValueType.None;
    if (this.#peeked) {
      this.#peeked = false;
      if (this.#it.atT() >= t) return this.#take();
    }
    if (this.#advance(this.#it.seek(t)) === ValueType.None) return ValueType.None;
    return this.#take();
  }

  atT(): number {
    return this.#t;
  }

  atF(): number {
    return this.#v;
  }

  isStale(): boolean {
    return this.#stale;
  }

  readInto(ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, maxt: number): number {
    let n = 0;
    while (n < ts.length && !this.#done) {
      if (!this.#peeked) {
        if (this.#advance(this.#it.next()) === ValueType.None) break;
        this.#peeked = true;
      }
      if (this.#it.atT() > maxt) break;
      this.#peeked = false;
      this.#take();
      if (this.#stale && stale === null) continue;
      ts[n] = this.#t;
      vs[n] = this.#v;
      if (stale !== null) stale[n] = this.#stale ? 1 : 0;
      n++;
    }
    return n;
  }

  err(): Error | null {
    return this.#it.err();
  }
}

