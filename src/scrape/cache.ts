/**
 * The per-target scrape cache (upstream's scrapeCache): raw series text to
 * final labels and storage ref, so labels are built and relabeled only for
 * series not seen before; the series of the current and previous scrape,
 * for staleness; and the metric metadata the target exposed.
 */
import type { Labels } from "../model/index.ts";
import { MetadataType } from "../exposition/index.ts";
import type { SeriesRef } from "../storage/index.ts";
import type { MetricMetadata, MetricMetadataStore } from "./target.ts";

/** A cached series: its storage ref and final labels. */
export class CacheEntry {
  ref: SeriesRef;
  lastIter: number;
  readonly lset: Labels;
  constructor(ref: SeriesRef, lastIter: number, lset: Labels) {
    this.ref = ref;
    this.lastIter = lastIter;
    this.lset = lset;
  }
}

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
  readonly #series: Map<string, CacheEntry>;
  readonly #dropped: Map<string, number>;
  #seriesCur: Map<SeriesRef, CacheEntry>;
  #seriesPrev: Map<SeriesRef, CacheEntry>;
  readonly #metadata: Map<string, MetaEntry>;
  readonly #counter: CacheFlushCounter | null;
  /** Set by get(): whether the entry returned was already seen in this iteration. */
  alreadyScraped: boolean;

  constructor(counter: CacheFlushCounter | null = null) {
    this.iter = 0;
    this.#successfulCount = 0;
    this.#series = new Map();
    this.#dropped = new Map();
    this.#seriesCur = new Map();
    this.#seriesPrev = new Map();
    this.#metadata = new Map();
    this.#counter = counter;
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
    const count = this.#series.size + this.#dropped.size + this.#metadata.size;
    if (flushCache) {
      this.#successfulCount = count;
    } else if (count > this.#successfulCount * 2 + 1000) {
      flushCache = true;
      this.#counter?.cacheFlushForced();
    }
    if (flushCache) {
      for (const [s, e] of this.#series) if (e.lastIter !== this.iter) this.#series.delete(s);
      for (const [s, it] of this.#dropped) if (it !== this.iter) this.#dropped.delete(s);
      for (const [m, e] of this.#metadata) if (this.iter - e.lastIter > 10) this.#metadata.delete(m);
    }
    const prev = this.#seriesPrev;
    this.#seriesPrev = this.#seriesCur;
    this.#seriesCur = prev;
    prev.clear();
    this.iter++;
  }

  /** The entry for series text met, marked as seen in this iteration (alreadyScraped tells whether it was before), or null. */
  get(met: string): CacheEntry | null {
    const e = this.#series.get(met);
    if (e === undefined) {
      this.alreadyScraped = false;
      return null;
    }
    this.alreadyScraped = e.lastIter === this.iter;
    e.lastIter = this.iter;
    return e;
  }

  /** Caches a series appended under ref (nothing for ref 0). */
  addRef(met: string, ref: SeriesRef, lset: Labels): CacheEntry | null {
    if (ref === 0) return null;
    const e = new CacheEntry(ref, this.iter, lset);
    this.#series.set(met, e);
    return e;
  }

  /** Remembers that metric relabeling dropped series text met. */
  addDropped(met: string): void {
    this.#dropped.set(met, this.iter);
  }

  /** Whether met was dropped by metric relabeling (and marks it seen). */
  getDropped(met: string): boolean {
    if (!this.#dropped.has(met)) return false;
    this.#dropped.set(met, this.iter);
    return true;
  }

  /** Records that the series of e was scraped in this iteration. */
  trackStaleness(ref: SeriesRef, e: CacheEntry): void {
    this.#seriesCur.set(ref, e);
  }

  /** Calls f for every series of the previous scrape not in the current one, until f returns false. */
  forEachStale(f: (ref: SeriesRef, lset: Labels) => boolean): void {
    for (const [ref, e] of this.#seriesPrev) {
      if (this.#seriesCur.has(ref)) continue;
      if (!f(e.ref, e.lset)) break;
    }
  }

  #meta(mfName: string): MetaEntry {
    let e = this.#metadata.get(mfName);
    if (e === undefined) {
      e = new MetaEntry(this.iter);
      this.#metadata.set(mfName, e);
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
    this.#meta(mfName).help = help;
  }

  /** Records a `# UNIT` line. */
  setUnit(mfName: string, unit: string): void {
    this.#meta(mfName).unit = unit;
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

  /** Number of cached series (for tests and debugging). */
  get seriesCount(): number {
    return this.#series.size;
  }
}
