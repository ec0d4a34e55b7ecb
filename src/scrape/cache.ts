/**
 * The per-target scrape cache (upstream's scrapeCache): raw series text to
 * final labels and storage ref, so labels are built and relabeled only for
 * series not seen before; the series of the current and previous scrape,
 * for staleness; and the metric metadata the target exposed.
 *
 * Looked up once per sample, so a hit allocates nothing: the key is a range
 * of the body string (the parser's own text, or the columns' string table),
 * hashed in place and compared against the stored key with indexOf (native,
 * and several times faster than startsWith or a charCodeAt loop; reached
 * only on equal hashes, so it scans past the range only on a true 32-bit
 * collision); only a new series copies its text (into a string of its
 * own, see ownString). The hash is seeded per cache, as Go seeds its maps,
 * so texts that collide (long probe chains, indexOf scans) cannot be
 * prepared in advance by a target; the hash is not keyed-secure, only
 * unpredictable. Series and the texts metric relabeling dropped share one
 * open-addressing table:
 *
 *   slots (Int32Array, power of 2)     entries (dense)
 *   ┌───┬───┬───┬───┬───┬───┐          0: {key, hash, ref, lset, lastIter, staleIter}
 *   │ 0 │ 3 │ 1 │ 0 │ 2 │ 0 │  ──►     1: ...
 *   └───┴───┴───┴───┴───┴───┘          2: ...
 *   entry index + 1; 0 = empty; linear probing from hash & mask
 *
 * Staleness keeps, per scrape, the list of entries the scrape appended
 * (each entry once, through its staleIter); the previous scrape's list
 * minus what the current one tracked is what went stale.
 */
import { Labels, ownString } from "../model/index.ts";
import { MetadataType } from "../exposition/index.ts";
import type { SeriesRef } from "../storage/index.ts";
import type { MetricMetadata, MetricMetadataStore } from "./target.ts";

/** A cached series text: its storage ref and final labels, or a text metric relabeling dropped. */
export class CacheEntry {
  /** The series text. */
  readonly key: string;
  /** hashRange of key with the cache's seed. */
  readonly hash: number;
  /** The storage ref; 0 for a dropped text. */
  readonly ref: SeriesRef;
  /** The final labels; empty for a dropped text. */
  readonly lset: Labels;
  /** Whether metric relabeling dropped the text (no labels, no ref). */
  readonly dropped: boolean;
  /** The last scrape iteration that exposed the text. */
  lastIter: number;
  /** The last iteration whose staleness tracking holds the entry; -1 never. */
  staleIter: number;
  constructor(key: string, hash: number, ref: SeriesRef, lset: Labels, dropped: boolean, lastIter: number) {
    this.key = key;
    this.hash = hash;
    this.ref = ref;
    this.lset = lset;
    this.dropped = dropped;
    this.lastIter = lastIter;
    this.staleIter = -1;
  }
}

/**
 * A 32-bit hash of the UTF-16 code units of s[a:b] starting from seed:
 * FNV-1a's multiply over pairs of code units (half the dependent
 * multiplications of one per unit), then a final mix.
 */
function hashRange(s: string, a: number, b: number, seed: number): number {
  let h = (0x811c9dc5 ^ seed) | 0;
  let i = a;
  for (; i + 1 < b; i += 2) h = Math.imul(h ^ (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)), 0x01000193);
  if (i < b) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 12);
}

/** Slots a table starts with; grows by doubling at half full. */
const INITIAL_SLOTS = 64;

class MetaEntry {
  type: MetadataType;
  help: string;
  unit: string;
  lastIter: number;
  constructor(iter: number) {
    this.type = MetadataType.Unknown;
    this.help = "";
    this.unit = "";
    this.lastIter = iter;
  }
}

/** Counts forced cache flushes (prometheus_target_scrapes_cache_flush_forced_total). */
export interface CacheFlushCounter {
  cacheFlushForced(): void;
}

/**
 * Maps exposed series text to label sets and refs, and tracks staleness
 * between scrapes. One per target; owned by its scrape loop (a reloaded
 * loop may take over its predecessor's cache).
 */
export class ScrapeCache implements MetricMetadataStore {
  /** The current scrape iteration. */
  iter: number;
  /** Cache size (series + dropped + metadata) after the last successful scrape. */
  #successfulCount: number;
  /** Entries, dense in [0, #n); their index + 1 is in #slots. */
  #entries: CacheEntry[];
  #n: number;
  /** Dropped entries among them. */
  #nDropped: number;
  #slots: Int32Array;
  /** Entries tracked for staleness by the current scrape, in [0, #curN), and by the previous one. */
  #cur: CacheEntry[];
  #curN: number;
  #prev: CacheEntry[];
  #prevN: number;
  readonly #metadata: Map<string, MetaEntry>;
  readonly #counter: CacheFlushCounter | null;
  /** The seed of hashRange for this cache. */
  readonly #seed: number;
  /** Set by lookup(): whether the entry returned was already seen in this iteration. */
  alreadyScraped: boolean;

  constructor(counter: CacheFlushCounter | null = null) {
    this.iter = 0;
    this.#successfulCount = 0;
    this.#entries = [];
    this.#n = 0;
    this.#nDropped = 0;
    this.#slots = new Int32Array(INITIAL_SLOTS);
    this.#cur = [];
    this.#curN = 0;
    this.#prev = [];
    this.#prevN = 0;
    this.#metadata = new Map();
    this.#counter = counter;
    this.#seed = (Math.random() * 0x1_0000_0000) | 0;
    this.alreadyScraped = false;
  }

  /**
   * Ends a scrape iteration. After a successful (non-empty) scrape,
   * flushCache drops entries not seen in it (metadata after 10 scrapes);
   * after failures the cache is flushed anyway once it has more than
   * doubled (plus 1000) since the last success. Swaps current and previous
   * series for staleness.
   */
  iterDone(flushCache: boolean): void {
    const count = this.#n + this.#metadata.size;
    if (flushCache) {
      this.#successfulCount = count;
    } else if (count > this.#successfulCount * 2 + 1000) {
      flushCache = true;
      this.#counter?.cacheFlushForced();
    }
    if (flushCache) {
      this.#flush();
      for (const [m, e] of this.#metadata) if (this.iter - e.lastIter > 10) this.#metadata.delete(m);
    }
    const prev = this.#prev;
    this.#prev = this.#cur;
    this.#prevN = this.#curN;
    this.#cur = prev;
    this.#curN = 0;
    // The old entries stay in the array's tail until overwritten; they are entries the cache held anyway.
    this.iter++;
  }

  /** Drops the entries not seen in this iteration; rebuilds the table when any went. */
  #flush(): void {
    const es = this.#entries;
    let w = 0;
    for (let r = 0; r < this.#n; r++) {
      const e = es[r]!;
      if (e.lastIter !== this.iter) {
        if (e.dropped) this.#nDropped--;
        continue;
      }
      es[w++] = e;
    }
    if (w === this.#n) return;
    es.length = w;
    this.#n = w;
    let size = INITIAL_SLOTS;
    while (size < w * 2) size *= 2;
    this.#rehash(size);
  }

  #rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    const es = this.#entries;
    for (let k = 0; k < this.#n; k++) {
      let i = es[k]!.hash & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = k + 1;
    }
    this.#slots = slots;
  }

  /**
   * The entry for the series text s[a:b] (a cached series or a dropped
   * text), marked as seen in this iteration (alreadyScraped tells whether
   * it was before), or null. Allocates nothing.
   */
  lookup(s: string, a: number, b: number): CacheEntry | null {
    const len = b - a;
    const x = this.expected();
    if (x !== null && x.key.length === len && s.startsWith(x.key, a)) return this.seen(x);
    const h = hashRange(s, a, b, this.#seed);
    const slots = this.#slots;
    const mask = slots.length - 1;
    const es = this.#entries;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = slots[i]!;
      if (k === 0) {
        this.alreadyScraped = false;
        return null;
      }
      const e = es[k - 1]!;
      if (e.hash === h && e.key.length === len && s.startsWith(e.key, a)) return this.seen(e);
    }
  }

  /**
   * The entry the scrape likely exposes next, or null: a target exposes its
   * series in the same order each time, so the one after the last tracked,
   * in the previous scrape's order.
   */
  expected(): CacheEntry | null {
    return this.#curN < this.#prevN ? this.#prev[this.#curN]! : null;
  }

  /** e, whose text the scrape exposes (found by lookup, or the expected() entry found by the parser), marked as seen in this iteration. */
  seen(e: CacheEntry): CacheEntry {
    this.alreadyScraped = e.lastIter === this.iter;
    e.lastIter = this.iter;
    return e;
  }

  /** The entry for the whole string key (see lookup). */
  get(key: string): CacheEntry | null {
    return this.lookup(key, 0, key.length);
  }

  #insert(e: CacheEntry): void {
    if ((this.#n + 1) * 2 > this.#slots.length) this.#rehash(this.#slots.length * 2);
    this.#entries[this.#n++] = e;
    const slots = this.#slots;
    const mask = slots.length - 1;
    let i = e.hash & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = this.#n;
  }

  /** Caches series text met (not cached yet) appended under ref; nothing for ref 0. */
  addRef(met: string, ref: SeriesRef, lset: Labels): CacheEntry | null {
    if (ref === 0) return null;
    const e = this.#newEntry(met, ref, lset, false);
    this.#insert(e);
    return e;
  }

  /** Remembers that metric relabeling dropped series text met (not cached yet). */
  addDropped(met: string): void {
    this.#insert(this.#newEntry(met, 0, Labels.EMPTY, true));
    this.#nDropped++;
  }

  /** An entry for series text met, keyed by a copy of its own (see ownString), seen in this iteration. */
  #newEntry(met: string, ref: SeriesRef, lset: Labels, dropped: boolean): CacheEntry {
    const key = ownString(met);
    return new CacheEntry(key, hashRange(key, 0, key.length, this.#seed), ref, lset, dropped, this.iter);
  }

  /** Records that the series of e (not a dropped text) was scraped in this iteration. */
  trackStaleness(e: CacheEntry): void {
    if (e.staleIter === this.iter) return;
    e.staleIter = this.iter;
    this.#cur[this.#curN++] = e;
  }

  /**
   * Calls f for every series of the previous scrape not in the current one
   * (by ref, each once, in the previous scrape's order), until f returns false.
   */
  forEachStale(f: (ref: SeriesRef, lset: Labels) => boolean): void {
    // Refs tracked now and refs already reported; built only once something went stale.
    let live: Set<SeriesRef> | null = null;
    let done: Set<SeriesRef> | null = null;
    const prev = this.#prev;
    for (let k = 0; k < this.#prevN; k++) {
      const e = prev[k]!;
      if (e.staleIter === this.iter) continue;
      // Two series texts can share a ref (the same labels written differently): the ref is live if either is.
      if (live === null) {
        live = new Set();
        done = new Set();
        for (let j = 0; j < this.#curN; j++) live.add(this.#cur[j]!.ref);
      }
      if (live.has(e.ref) || done!.has(e.ref)) continue;
      done!.add(e.ref);
      if (!f(e.ref, e.lset)) break;
    }
  }

  #meta(mfName: string): MetaEntry {
    let e = this.#metadata.get(mfName);
    if (e === undefined) {
      e = new MetaEntry(this.iter);
      this.#metadata.set(ownString(mfName), e);
    }
    e.lastIter = this.iter;
    return e;
  }

  /** Records a `# TYPE` line. */
  setType(mfName: string, t: MetadataType): void {
    this.#meta(mfName).type = t;
  }

  /** Records a `# HELP` line. */
  setHelp(mfName: string, help: string): void {
    const e = this.#meta(mfName);
    if (e.help !== help) e.help = ownString(help);
  }

  /** Records a `# UNIT` line. */
  setUnit(mfName: string, unit: string): void {
    const e = this.#meta(mfName);
    if (e.unit !== unit) e.unit = ownString(unit);
  }

  getMetadata(mfName: string): MetricMetadata | null {
    const e = this.#metadata.get(mfName);
    return e === undefined ? null : { metricFamily: mfName, type: e.type, help: e.help, unit: e.unit };
  }

  listMetadata(): MetricMetadata[] {
    const out: MetricMetadata[] = [];
    for (const [m, e] of this.#metadata) out.push({ metricFamily: m, type: e.type, help: e.help, unit: e.unit });
    return out;
  }

  sizeMetadata(): number {
    let s = 0;
    for (const e of this.#metadata.values()) s += Buffer.byteLength(e.help) + Buffer.byteLength(e.unit) + e.type.length;
    return s;
  }

  lengthMetadata(): number {
    return this.#metadata.size;
  }

  /** Number of cached series, dropped texts not counted (for tests and debugging). */
  get seriesCount(): number {
    return this.#n - this.#nDropped;
  }
}
