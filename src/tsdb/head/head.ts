import { compareLabels, type Labels, type Matcher } from "../../model/index.ts";
import {
  ArraySeriesSet,
  StorageError,
  type AppendOptions,
  type Appendable,
  type Appender,
  type Querier,
  type Queryable,
  type SelectHints,
  type SeriesRef,
  type SeriesSet,
} from "../../storage/index.ts";
import { ChunkArena } from "../chunkenc/index.ts";
import { DecodeError, Decbuf, Encbuf, floatFromBits, isStaleNaNBits } from "../encoding/index.ts";
import { TimeSlice, nopLogger, sortCooperative, type Logger } from "../../util/index.ts";
import {
  RecordType,
  RefSamples,
  decodeLabels,
  decodeSamples,
  decodeTombstones,
  encodeSamples,
  encodeSeries,
  encodeTombstones,
  recordType,
  type RefSeries,
  type RefTombstone,
} from "../record/index.ts";
import { MemTombstones } from "../tombstones/index.ts";
import {
  WalCorruptionError,
  WalDirReader,
  lastCheckpoint,
  listSegments,
  type Wlog,
} from "../wal/index.ts";
import { MemChunkStore, type ChunkDiskMapper, type HeadChunkStore, type LoadedHeadChunk } from "./chunk-disk-mapper.ts";
import { MemPostings, postingsForMatchers } from "./postings.ts";
import { RefIndex } from "./ref-index.ts";
import { HeadSeries, MemSeries, OOOSamples, SeriesTimes, bits, valueBits } from "./series.ts";

/** Series created, samples applied or refs visited between two TimeSlice.due() checks. */
const CHECK_EVERY = 1024;
/**
 * Most series per WAL series record: a commit creating more writes
 * several, so that reading one back (a snappy block decompressed at once)
 * never holds the event loop for long during a replay.
 */
const SERIES_PER_RECORD = 10_000;

/**
 * The key of lset in the head's lookup by labels: its cached 32-bit hash
 * as a signed integer, a small integer as a Map key (no boxed number per
 * series). The head keeps labels of its own (see MemPostings.add), whose
 * key string it never builds.
 */
function hashLabels(lset: Labels): number {
  return lset.hash | 0;
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  const an = a.names;
  const bn = b.names;
  if (an.length !== bn.length) return false;
  const av = a.values;
  const bv = b.values;
  for (let i = 0; i < an.length; i++) if (an[i] !== bn[i] || av[i] !== bv[i]) return false;
  return true;
}

/**
 * Most sample capacity (summed over batches) a head keeps for reuse: 2^19
 * samples, about 17 MB. As many batches as appenders run at once (a
 * scrape loop each) are reused, up to that.
 */
const POOLED_SAMPLES = 1 << 19;

/**
 * The buffers of one appender's batch. A head hands them to its appenders
 * and takes them back on commit or rollback, so steady appending (a scrape
 * every interval, each through a new appender) allocates no arrays per
 * commit.
 */
export class AppendBatch {
  /** The samples, in append order. */
  readonly samples: RefSamples;
  /**
   * sampleSeries[i] is the series of samples[i], so commit applies them
   * without looking them up again. The array is never shrunk: entries
   * from samples.length on are null.
   */
  readonly sampleSeries: (MemSeries | null)[];
  /** Series whose series record this batch logs. */
  readonly newSeries: MemSeries[];

  constructor() {
    this.samples = new RefSamples(256);
    this.sampleSeries = [];
    this.newSeries = [];
  }

  /** Samples the buffers hold without growing. */
  get capacity(): number {
    return this.samples.refs.length;
  }

  /** Adds a sample of series s. */
  push(s: MemSeries, t: number, v: number, stale: boolean): void {
    const i = this.samples.length;
    this.samples.push(s.ref, t, v, stale);
    this.sampleSeries[i] = s;
  }

  /** Drops the samples, keeping the buffers (and no references to their series). */
  clearSamples(): void {
    const ss = this.sampleSeries;
    for (let i = 0; i < this.samples.length; i++) ss[i] = null;
    this.samples.clear();
  }

  /** Empties the batch, keeping its buffers. */
  clear(): void {
    this.clearSamples();
    this.newSeries.length = 0;
  }
}

/** Default chunk range: 2h, Prometheus's minimum block duration. */
export const DEFAULT_CHUNK_RANGE_MS = 2 * 60 * 60 * 1000;
/** Target samples per XOR chunk, Prometheus's default (Gorilla's near-optimal size). */
export const DEFAULT_SAMPLES_PER_CHUNK = 120;

/** Why the last append() returned 0. */
export const RejectReason = {
  None: "",
  /** Older than the newest sample of the series (Prometheus's ErrOutOfOrderSample). */
  OutOfOrder: "out of order sample",
  /** Same timestamp as the newest sample, other value (ErrDuplicateSampleForTimestamp). */
  Duplicate: "duplicate sample for timestamp",
  /** Older than the head accepts (ErrOutOfBounds). */
  OutOfBounds: "out of bounds",
  /** Out of order and older than the out-of-order window (ErrTooOldSample). */
  TooOld: "too old sample",
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Counters of a Head, after Prometheus's prometheus_tsdb_head_* and WAL replay metrics. */
export class HeadStats {
  /** Series created (head_series_created_total). */
  seriesCreated = 0;
  /** Samples committed to chunks (head_samples_appended_total). */
  samplesAppended = 0;
  /** Rejected as out of order, at append or commit (out_of_order_samples_total). */
  outOfOrderSamples = 0;
  /** Rejected as out of bounds (out_of_bound_samples_total). */
  outOfBoundSamples = 0;
  /** Rejected as duplicates with another value. */
  duplicateSamples = 0;
  /** Rejected as older than the out-of-order window (too_old_samples_total). */
  tooOldSamples = 0;
  /** Out-of-order samples accepted within the window (head_out_of_order_samples_appended_total). */
  oooSamplesAppended = 0;
  /** Complete chunks found in chunks_head on open and given to their series. */
  storedChunksLoaded = 0;
  /** Chunks of chunks_head whose series is not in the WAL (dropped). */
  storedChunksOrphaned = 0;
  /** Out-of-order samples replayed from the WBL. */
  replayedOOOSamples = 0;
  /** Commits done. */
  commits = 0;
  /** WAL records replayed on open. */
  replayedRecords = 0;
  /** Samples replayed on open. */
  replayedSamples = 0;
  /** Replayed samples dropped: unknown series ref. */
  replayUnknownRefs = 0;
  /** Replayed samples dropped: out of order. */
  replayOutOfOrder = 0;
  /** Replayed records of types the head does not apply (tombstones, exemplars, metadata, histograms). */
  replaySkippedRecords = 0;
  /** WAL corruptions found on open (wal_corruptions_total). */
  walCorruptions = 0;
  /** Replayed samples dropped: older than the newest block (minValidTime). */
  replayTooOld = 0;
  /** Series removed by truncation (head_series_removed_total). */
  seriesRemoved = 0;
  /** Chunks removed by truncation (head_chunks_removed_total). */
  chunksRemoved = 0;
  /**
   * Chunks created (head_chunks_created_total): cut by appends and WAL
   * replay, and complete ones loaded from chunks_head. Minus chunksRemoved,
   * the chunks held (head_chunks).
   */
  chunksCreated = 0;
  /** Head truncations (head_truncations_total). */
  truncations = 0;
  /** Head truncations that threw (head_truncations_failed_total). */
  truncationsFailed = 0;
  /** Series garbage collections of truncations: their number and total seconds (head_gc_duration_seconds). */
  gcs = 0;
  gcSeconds = 0;
  /** Appenders created and not yet committed or rolled back (head_active_appenders). */
  activeAppenders = 0;
  /** Series of a query's postings gone from the head when looked up (head_series_not_found_total). */
  seriesNotFound = 0;
}

/** Out-of-order samples of one series, copied for writing a block. */
export interface OOOSnapshot {
  series: MemSeries;
  samples: OOOSamples;
}

/** Options of a Head. */
export interface HeadOptions {
  /** Chunk range in ms (the block duration); chunks never cross its boundaries. 2h if absent. */
  chunkRangeMs?: number;
  /** Target samples per chunk; 120 if absent. */
  samplesPerChunk?: number;
  /**
   * Where complete chunks go: a ChunkDiskMapper over chunks_head/ keeps
   * memory bounded; in memory if absent. The head closes it.
   */
  chunkStore?: HeadChunkStore;
  /**
   * Out-of-order window in ms (storage.tsdb.out_of_order_time_window): a
   * sample older than its series' newest but not older than the head's
   * newest minus the window is kept as an out-of-order sample. 0 (absent)
   * rejects them, as Prometheus's default.
   */
  outOfOrderTimeWindowMs?: number;
  logger?: Logger;
}

/** Where replay stopped on a corrupt WAL, for repair. */
export interface ReplayCorruption {
  error: WalCorruptionError;
  /** Offset in error.segment after the last intact record. */
  goodOffset: number;
}

/**
 * The in-memory part of the TSDB, as Prometheus's Head: series by labels
 * and by ref, an inverted index, XOR chunks per series (complete ones in a
 * HeadChunkStore, on disk in chunks_head/ for a DB, only their refs in
 * memory), an Appender that writes the WAL before applying a commit, and a
 * Querier. Samples are appended in time order per series; with an
 * out-of-order window, older ones within it are kept apart (logged to the
 * WBL) and merged into queries.
 */
export class Head implements Appendable, Queryable {
  readonly stats: HeadStats;
  readonly chunkRange: number;
  readonly samplesPerChunk: number;
  readonly chunkStore: HeadChunkStore;
  /** Where the series' open chunks keep their bytes. */
  readonly chunkArena: ChunkArena;
  /** The series' times (see SeriesTimes). */
  readonly seriesTimes: SeriesTimes;
  /** Out-of-order window in ms; 0 disables out-of-order samples. */
  oooTimeWindow: number;
  /** Series holding out-of-order samples. */
  readonly #oooSeries: Set<MemSeries>;
  #wbl: Wlog | null;
  readonly #oooBatch: RefSamples;
  /** Chunks of chunks_head by series ref, while the WAL replays. */
  #stored: Map<number, LoadedHeadChunk[]> | null;
  readonly #logger: Logger;
  /** Series by hashLabels() of their labels; the rare collisions share an array. */
  readonly #byHash: Map<number, MemSeries | MemSeries[]>;
  /** Series by ref: refs are allocated sequentially, so a paged array, not a hash map. */
  readonly #byRef: RefIndex<MemSeries>;
  readonly postings: MemPostings;
  #lastRef: number;
  #wal: Wlog | null;
  /** Oldest and newest sample times (Infinity / -Infinity while empty). */
  minTime: number;
  maxTime: number;
  /** No sample older than this is accepted (set from persisted blocks; -Infinity without). */
  minValidTime: number;
  /** Oldest sample applied since truncateMemory() started (it recomputes minTime while commits go on). */
  #appliedMinTime: number;
  readonly #enc: Encbuf;
  readonly #refSeries: RefSeries[];
  /** Series refs of a WAL being replayed that duplicate another ref's labels. */
  readonly #replayRefs: Map<number, MemSeries>;
  /** Deleted intervals by series ref (deleteSeries), applied on read and when persisting. */
  readonly tombstones: MemTombstones;
  /** Empty appender batches for reuse. */
  readonly #batches: AppendBatch[];
  /** Sample capacity of #batches. */
  #pooledSamples: number;

  constructor(opts: HeadOptions = {}) {
    this.stats = new HeadStats();
    this.chunkRange = opts.chunkRangeMs ?? DEFAULT_CHUNK_RANGE_MS;
    this.samplesPerChunk = opts.samplesPerChunk ?? DEFAULT_SAMPLES_PER_CHUNK;
    this.chunkStore = opts.chunkStore ?? new MemChunkStore();
    this.chunkArena = new ChunkArena();
    this.seriesTimes = new SeriesTimes();
    this.oooTimeWindow = opts.outOfOrderTimeWindowMs ?? 0;
    this.#oooSeries = new Set();
    this.#wbl = null;
    this.#oooBatch = new RefSamples(64);
    this.#stored = null;
    this.#logger = opts.logger ?? nopLogger;
    this.#byHash = new Map();
    this.#byRef = new RefIndex();
    this.postings = new MemPostings();
    this.#lastRef = 0;
    this.#wal = null;
    this.minTime = Number.POSITIVE_INFINITY;
    this.maxTime = Number.NEGATIVE_INFINITY;
    this.minValidTime = Number.NEGATIVE_INFINITY;
    this.#appliedMinTime = Number.POSITIVE_INFINITY;
    this.#enc = new Encbuf(64 * 1024);
    this.#refSeries = [];
    this.#replayRefs = new Map();
    this.tombstones = new MemTombstones();
    this.#batches = [];
    this.#pooledSamples = 0;
  }

  /** An empty batch for an appender: a reused one when available. */
  takeBatch(): AppendBatch {
    const b = this.#batches.pop();
    if (b === undefined) return new AppendBatch();
    this.#pooledSamples -= b.capacity;
    return b;
  }

  /** Takes back a batch its appender is done with (committed or rolled back); b is cleared. */
  returnBatch(b: AppendBatch): void {
    b.clear();
    if (this.#pooledSamples + b.capacity > POOLED_SAMPLES) return;
    this.#batches.push(b);
    this.#pooledSamples += b.capacity;
  }

  /** Makes commits write to wal first (null: no WAL, commits are in memory only). */
  setWal(wal: Wlog | null): void {
    this.#wal = wal;
  }

  /** Whether out-of-order samples are logged to a WBL. */
  get hasWbl(): boolean {
    return this.#wbl !== null;
  }

  /** Makes commits log their out-of-order samples to wbl (Prometheus's write-behind log, wbl/); close() closes it. */
  setWbl(wbl: Wlog | null): void {
    this.#wbl = wbl;
  }

  /**
   * Reads the chunks of a ChunkDiskMapper (repairing a corrupt tail) to
   * give them to their series as the WAL replay creates them, as
   * Prometheus's loadMmappedChunks: chunks ending before minValidTime and
   * out-of-order chunks are skipped (the WBL holds those samples). Call
   * before replayWal(). Yields to the event loop between chunks.
   */
  async loadStoredChunks(mapper: ChunkDiskMapper): Promise<void> {
    const stored = new Map<number, LoadedHeadChunk[]>();
    await mapper.load((c) => {
      if (c.outOfOrder || c.maxt < this.minValidTime) return;
      const list = stored.get(c.seriesRef);
      if (list === undefined) stored.set(c.seriesRef, [c]);
      else list.push(c);
    });
    this.#stored = stored;
  }

  /** Gives a series created by the WAL replay its chunks from chunks_head. */
  #attachStored(s: MemSeries): void {
    const list = this.#stored?.get(s.ref);
    if (list === undefined) return;
    this.#stored!.delete(s.ref);
    if (s.numChunks > 0) return;
    for (const c of list) {
      s.addStoredChunk(c.ref, c.mint, c.maxt);
      this.stats.storedChunksLoaded++;
      this.stats.chunksCreated++;
    }
    if (s.minTime < this.minTime) this.minTime = s.minTime;
    if (s.maxTime > this.maxTime) this.maxTime = s.maxTime;
  }

  /** Series holding out-of-order samples not compacted yet. */
  get oooSeries(): ReadonlySet<MemSeries> {
    return this.#oooSeries;
  }

  /** Oldest out-of-order sample held (Infinity if none). */
  get oooMinTime(): number {
    let m = Number.POSITIVE_INFINITY;
    for (const s of this.#oooSeries) if (s.ooo!.minTime < m) m = s.ooo!.minTime;
    return m;
  }

  /** Keeps an out-of-order sample; false when one with this time is there already (dropped, as Prometheus). */
  #insertOOO(s: MemSeries, t: number, hi: number, lo: number): boolean {
    if (s.ooo === null) {
      s.ooo = new OOOSamples();
      this.#oooSeries.add(s);
    }
    return s.ooo.insert(t, hi, lo);
  }

  /**
   * Drops out-of-order samples that were written to a block (those of
   * `written`, taken with snapshotOOO(); samples inserted since stay), then
   * rewrites the WBL: a new segment gets the samples still held, and the
   * older segments are deleted. Throws StorageError on I/O errors.
   */
  dropOOO(written: readonly OOOSnapshot[]): void {
    for (const { series: s, samples } of written) {
      if (s.ooo === null || s.ooo.removeSamples(samples) > 0) continue;
      s.ooo = null;
      this.#oooSeries.delete(s);
    }
    const wbl = this.#wbl;
    if (wbl === null) return;
    wbl.nextSegment();
    const first = wbl.segment;
    const b = this.#oooBatch;
    b.clear();
    for (const s of this.#oooSeries) {
      const o = s.ooo!;
      for (let i = 0; i < o.length; i++) {
        b.push(s.ref, o.ts[i]!, floatFromBits(o.hi[i]!, o.lo[i]!), isStaleNaNBits(o.hi[i]!, o.lo[i]!));
        if (b.length >= 10_000) this.#logOOO(b);
      }
    }
    this.#logOOO(b);
    wbl.truncate(first);
  }

  /** Copies of the out-of-order samples before `before`, by series, sorted by labels. */
  snapshotOOO(before: number): OOOSnapshot[] {
    const out: OOOSnapshot[] = [];
    for (const s of this.#oooSeries) {
      const k = s.ooo!.search(before);
      if (k > 0) out.push({ series: s, samples: s.ooo!.prefix(k) });
    }
    out.sort((a, b) => compareLabels(a.series.labels, b.series.labels));
    return out;
  }

  #logOOO(b: RefSamples): void {
    if (b.length === 0 || this.#wbl === null) return;
    this.#enc.reset();
    encodeSamples(this.#enc, b);
    this.#wbl.log(this.#enc.get());
    b.clear();
  }

  /** Closes the WBL and the chunk store (the WAL belongs to its opener). Idempotent. */
  close(): void {
    try {
      this.#wbl?.close();
      this.#wbl = null;
    } finally {
      this.chunkStore.close();
    }
  }

  /** Number of series. */
  get numSeries(): number {
    return this.#byRef.size;
  }

  /** Number of chunks held, complete and open (head_chunks). Walks every series. */
  get numChunks(): number {
    let n = 0;
    this.#byRef.forEach((s) => {
      n += s.numChunks;
    });
    return n;
  }

  /** The series with this ref, or undefined. */
  seriesByRef(ref: number): MemSeries | undefined {
    return this.#byRef.get(ref);
  }

  /** The series with these labels, or undefined. */
  seriesByLabels(lset: Labels): MemSeries | undefined {
    return this.#find(lset, hashLabels(lset));
  }

  #find(lset: Labels, h: number): MemSeries | undefined {
    const e = this.#byHash.get(h);
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) return sameLabels(e.labels, lset) ? e : undefined;
    for (let i = 0; i < e.length; i++) if (sameLabels(e[i]!.labels, lset)) return e[i];
    return undefined;
  }

  /**
   * Finds or creates the series (one lookup by labels); a new one gets the
   * next ref and keeps lset (which its appender, a scrape or remote-write
   * cache, holds anyway), or with `ref` (WAL replay) that ref and labels
   * equal to lset made of the strings of the head's index.
   */
  getOrCreate(lset: Labels, ref = 0): MemSeries {
    const h = hashLabels(lset);
    const e = this.#byHash.get(h);
    if (e !== undefined) {
      if (!Array.isArray(e)) {
        if (sameLabels(e.labels, lset)) return e;
      } else {
        for (let i = 0; i < e.length; i++) if (sameLabels(e[i]!.labels, lset)) return e[i]!;
      }
    }
    const intern = ref !== 0;
    if (ref === 0) ref = ++this.#lastRef;
    else if (ref > this.#lastRef) this.#lastRef = ref;
    const s = new MemSeries(ref, this.postings.add(ref, lset, intern), h, this.chunkStore, this.chunkArena, this.seriesTimes);
    if (e === undefined) this.#byHash.set(h, s);
    else if (Array.isArray(e)) e.push(s);
    else this.#byHash.set(h, [e, s]);
    this.#byRef.set(ref, s);
    this.stats.seriesCreated++;
    return s;
  }

  /** Removes s from the lookup by labels. */
  #forget(s: MemSeries): void {
    const h = s.labelsHash;
    const e = this.#byHash.get(h);
    if (e === s) this.#byHash.delete(h);
    else if (Array.isArray(e)) {
      const i = e.indexOf(s);
      if (i >= 0) e.splice(i, 1);
      if (e.length === 1) this.#byHash.set(h, e[0]!);
    }
  }

  /** Lowest time an appender created now accepts: no sample more than half a chunk range behind the newest. */
  appendableMinValidTime(): number {
    return Math.max(this.maxTime - this.chunkRange / 2, this.minValidTime);
  }

  appender(): HeadAppender {
    return new HeadAppender(this);
  }

  /**
   * Logs the batch to the WAL (series records of series not logged yet, up
   * to SERIES_PER_RECORD each, then the samples), then applies it,
   * synchronously: the write and the apply of one commit never interleave
   * with another's, so commits are applied in the order they were called.
   * sampleSeries[i] is the series of sample i. A WAL write error throws
   * StorageError and nothing is applied.
   */
  commitBatch(newSeries: readonly MemSeries[], samples: RefSamples, sampleSeries: readonly (MemSeries | null)[]): void {
    const wal = this.#wal;
    if (wal !== null) {
      const recs: Uint8Array[] = [];
      const rs = this.#refSeries;
      rs.length = 0;
      for (let i = 0; i < newSeries.length; i++) {
        const s = newSeries[i]!;
        if (!s.logged) rs.push({ ref: s.ref, labels: s.labels });
        if (rs.length === SERIES_PER_RECORD || (i === newSeries.length - 1 && rs.length > 0)) {
          this.#enc.reset();
          encodeSeries(this.#enc, rs);
          recs.push(this.#enc.copy());
          rs.length = 0;
        }
      }
      if (samples.length > 0) {
        this.#enc.reset();
        encodeSamples(this.#enc, samples);
        recs.push(this.#enc.get());
      }
      if (recs.length > 0) wal.log(...recs);
      rs.length = 0;
    }
    for (const s of newSeries) s.logged = true;
    this.#applySamples(samples, sampleSeries, 0, samples.length);
  }

  /**
   * Appends samples [from, to) of b to their series: series[i] for
   * sample i on commit, looked up by ref on replay (series null). Out-of-
   * order ones are kept as such within the window (not on replay: the WBL
   * replays them), else counted and dropped; committed out-of-order
   * samples are then logged to the WBL.
   */
  #applySamples(b: RefSamples, series: readonly (MemSeries | null)[] | null, from: number, to: number): void {
    const { refs, ts, vs, stale } = b;
    const replay = series === null;
    const st = this.stats;
    const ooo = this.#oooBatch;
    ooo.clear();
    const oooOn = this.oooTimeWindow > 0 && !replay;
    const oooMin = oooOn ? this.maxTime - this.oooTimeWindow : Number.POSITIVE_INFINITY;
    // With the window on, samples before the in-order bound go out of order (Prometheus's appendable()).
    const inOrderMin = oooOn ? this.appendableMinValidTime() : Number.NEGATIVE_INFINITY;
    let minT = Number.POSITIVE_INFINITY;
    let maxT = Number.NEGATIVE_INFINITY;
    for (let i = from; i < to; i++) {
      const s = series !== null ? series[i]! : (this.#byRef.get(refs[i]!) ?? this.#replayRefs.get(refs[i]!));
      if (s === undefined) {
        st.replayUnknownRefs++;
        continue;
      }
      const t = ts[i]!;
      if (replay && t < this.minValidTime) {
        st.replayTooOld++;
        continue;
      }
      valueBits(vs[i]!, stale[i] === 1);
      if (t === s.headMaxt && bits.hi === s.lastHi && bits.lo === s.lastLo) continue; // exact duplicate: dropped silently
      // NOTE: matches Prometheus: samples up to the end of the chunks loaded from chunks_head are there already.
      if (s.headChunk === null && t <= s.headMaxt) continue;
      // A cut replaces the head chunk object: comparing it counts created chunks without a call per sample.
      const headChunk = s.headChunk;
      if (t < inOrderMin || !s.append(ts, i, bits.hi | 0, bits.lo | 0, this.chunkRange, this.samplesPerChunk)) {
        if (replay) st.replayOutOfOrder++;
        else if (t >= oooMin) {
          if (this.#insertOOO(s, t, bits.hi, bits.lo)) {
            st.oooSamplesAppended++;
            ooo.push(s.ref, t, vs[i]!, stale[i] === 1);
          }
        } else if (this.oooTimeWindow > 0) st.tooOldSamples++;
        else st.outOfOrderSamples++;
        continue;
      }
      if (s.headChunk !== headChunk) st.chunksCreated++;
      if (replay) st.replayedSamples++;
      else st.samplesAppended++;
      if (t < minT) minT = t;
      if (t > maxT) maxT = t;
    }
    if (minT < this.minTime) this.minTime = minT;
    if (minT < this.#appliedMinTime) this.#appliedMinTime = minT;
    if (maxT > this.maxTime) this.maxTime = maxT;
    if (ooo.length > 0 && this.#wbl !== null) {
      try {
        this.#logOOO(ooo);
      } catch (e) {
        // NOTE: matches Prometheus: the WBL is written behind the apply; a failure loses durability, not the samples.
        this.#logger.error("Writing out-of-order samples to the WBL failed", "err", e instanceof Error ? e.message : String(e));
      }
    }
  }

  /**
   * Rebuilds series and samples from walDir: the last checkpoint, then the
   * segments after it, as Prometheus's loadWAL. Logs progress per segment.
   * Returns where a corruption stopped it (the caller repairs) or null.
   * Throws StorageError when the checkpoint is corrupt or unreadable, and
   * WalUnsupportedError on zstd records without zstd support.
   */
  async replayWal(walDir: string, wblDir: string | null = null): Promise<ReplayCorruption | null> {
    const started = Date.now();
    // Replay runs on the main thread while /-/healthy must answer: it gives the event loop a turn every slice.
    const slice = new TimeSlice();
    const cp = lastCheckpoint(walDir);
    let from = 0;
    if (cp !== null) {
      for (const seg of listSegments(cp.dir)) {
        const bad = await this.#replay(new WalDirReader(cp.dir, [seg]), slice);
        if (bad !== null) throw new StorageError(`backfill checkpoint ${cp.dir}: ${bad.error.message}`, { cause: bad.error });
      }
      from = cp.index + 1;
      this.#logger.info("Replaying WAL checkpoint", "checkpoint", cp.dir, "duration", `${Date.now() - started}ms`);
    }
    const segs = listSegments(walDir).filter((s) => s.index >= from);
    if (segs.length > 0) this.#logger.info("Replaying WAL, this may take a while", "segments", segs.length);
    // One reader per segment: progress is logged per segment, and each is read ahead without blocking.
    let result: ReplayCorruption | null = null;
    for (const seg of segs) {
      const bad = await this.#replay(new WalDirReader(walDir, [seg]), slice);
      this.#logger.info("WAL segment loaded", "segment", seg.index, "maxSegment", segs[segs.length - 1]!.index);
      if (bad !== null) {
        result = bad;
        break;
      }
    }
    if (this.#stored !== null) {
      for (const list of this.#stored.values()) this.stats.storedChunksOrphaned += list.length;
      this.#stored = null;
    }
    if (wblDir !== null) await this.#replayWbl(wblDir, slice);
    this.#replayRefs.clear();
    this.#logger.info("WAL replay completed", "duration", `${Date.now() - started}ms`, "series", this.numSeries, "yields", slice.yields);
    return result;
  }

  /**
   * Replays the out-of-order samples of the WBL into their series (those
   * before minValidTime included: they are not in a block yet). Stops at
   * the first corrupt record, logged: the WAL is the source of truth for
   * in-order data, and what the WBL lost is only out-of-order samples.
   * Other record types (Prometheus's m-map markers) are skipped.
   */
  async #replayWbl(dir: string, slice: TimeSlice): Promise<void> {
    const segs = listSegments(dir);
    if (segs.length === 0) return;
    const r = new WalDirReader(dir, segs);
    const samples = new RefSamples(1024);
    try {
      while (r.next()) {
        const rec = r.record();
        if (recordType(rec) !== RecordType.Samples) continue;
        samples.clear();
        decodeSamples(rec, samples);
        const { refs, ts, vs, stale } = samples;
        for (let i = 0; i < samples.length; i++) {
          if (i % CHECK_EVERY === 0 && slice.due()) await slice.yield();
          const s = this.#byRef.get(refs[i]!) ?? this.#replayRefs.get(refs[i]!);
          if (s === undefined) continue;
          valueBits(vs[i]!, stale[i] === 1);
          if (this.#insertOOO(s, ts[i]!, bits.hi, bits.lo)) this.stats.replayedOOOSamples++;
        }
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.#logger.warn("WBL replay stopped at a corrupt record", "dir", dir, "err", e.message);
      return;
    }
    const err = r.err();
    if (err !== null) this.#logger.warn("WBL replay stopped at a corrupt record", "dir", dir, "err", err.message);
  }

  /**
   * Replays the records of r (its first segment read without blocking;
   * later ones synchronously), yielding through slice between records and
   * within large ones (a record may hold the series or samples of a whole
   * commit). Nothing else reads or writes the head during a replay.
   */
  async #replay(r: WalDirReader, slice: TimeSlice): Promise<ReplayCorruption | null> {
    const samples = new RefSamples(1024);
    await r.preload();
    for (;;) {
      if (slice.due()) await slice.yield();
      const prevSeg = r.goodSegment;
      const prevOff = r.goodOffset;
      if (!r.next()) break;
      // Valid until r.next(): the awaits below do not advance r.
      const rec = r.record();
      this.stats.replayedRecords++;
      try {
        switch (recordType(rec)) {
          case RecordType.Series:
            await this.#replaySeries(rec, slice);
            break;
          case RecordType.Samples:
            samples.clear();
            decodeSamples(rec, samples);
            for (let i = 0; i < samples.length; i += CHECK_EVERY) {
              if (i > 0 && slice.due()) await slice.yield();
              this.#applySamples(samples, null, i, Math.min(i + CHECK_EVERY, samples.length));
            }
            break;
          case RecordType.Tombstones:
            for (const ts of decodeTombstones(rec)) {
              const s = this.#byRef.get(ts.ref) ?? this.#replayRefs.get(ts.ref);
              if (s !== undefined) this.tombstones.add(s.ref, { mint: ts.mint, maxt: ts.maxt });
            }
            break;
          default:
            this.stats.replaySkippedRecords++;
        }
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        const seg = r.segment;
        const err = new WalCorruptionError(seg, r.goodOffset, `decode record: ${e.message}`);
        return { error: err, goodOffset: prevSeg === seg ? prevOff : 0 };
      }
    }
    const err = r.err();
    return err === null ? null : { error: err, goodOffset: r.repairOffset() };
  }

  /**
   * Creates the series of a series record (type 1: per series a BE64 ref,
   * then its labels), in slices: a record may hold a whole large commit.
   * All of it is decoded before any series is created, so a corrupt record
   * (DecodeError) leaves the head as it was: the repaired WAL ends before it.
   */
  async #replaySeries(rec: Uint8Array, slice: TimeSlice): Promise<void> {
    const d = new Decbuf(rec);
    d.byte();
    const series: RefSeries[] = [];
    while (d.length > 0) {
      const ref = d.be64Uint();
      const labels = decodeLabels(d);
      const err = d.err();
      if (err !== null) throw err;
      series.push({ ref, labels });
      if (series.length % CHECK_EVERY === 0 && slice.due()) await slice.yield();
    }
    const err = d.err();
    if (err !== null) throw err;
    for (let i = 0; i < series.length; i++) {
      if (i > 0 && i % CHECK_EVERY === 0 && slice.due()) await slice.yield();
      const { ref, labels } = series[i]!;
      const s = this.getOrCreate(labels, ref);
      // NOTE: matches Prometheus: a second ref for the same labels maps to the first series.
      if (s.ref !== ref) this.#replayRefs.set(ref, s);
      else if (this.#stored !== null) this.#attachStored(s);
      s.logged = true;
    }
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    return new HeadQuerier(this, mint, maxt);
  }

  /**
   * Marks the samples of matching series in [mint, maxt] deleted: logs a
   * tombstones record to the WAL, then records them in memory. Returns the
   * number of series affected. Throws StorageError when the WAL write fails.
   */
  deleteSeries(matchers: readonly Matcher[], mint: number, maxt: number): number {
    const stones: RefTombstone[] = [];
    for (const s of this.select(matchers)) {
      const lo = Math.max(mint, s.ooo === null ? s.minTime : Math.min(s.minTime, s.ooo.minTime));
      const hi = Math.min(maxt, s.ooo === null ? s.maxTime : Math.max(s.maxTime, s.ooo.maxTime));
      if (lo <= hi) stones.push({ ref: s.ref, mint: lo, maxt: hi });
    }
    if (stones.length === 0) return 0;
    if (this.#wal !== null) {
      this.#enc.reset();
      encodeTombstones(this.#enc, stones);
      this.#wal.log(this.#enc.get());
    }
    for (const st of stones) this.tombstones.add(st.ref, { mint: st.mint, maxt: st.maxt });
    return stones.length;
  }

  /**
   * Drops everything before mint, as Prometheus's truncateMemory after a
   * block is persisted: whole chunks ending before mint, then series left
   * without chunks (unless an appender holds samples or an unlogged record
   * for them), their postings and tombstones; then the chunk store drops
   * what holds only chunks before mint (chunks_head files). No in-order
   * sample older than mint is accepted afterwards. Out-of-order samples
   * stay until truncateOOO(). Yields through slice between groups of
   * series; each series is checked and removed within one synchronous
   * step, so appends and commits may go on meanwhile.
   */
  async truncateMemory(mint: number, slice: TimeSlice = new TimeSlice()): Promise<void> {
    this.stats.truncations++;
    try {
      await this.#truncateMemory(mint, slice);
    } catch (e) {
      this.stats.truncationsFailed++;
      throw e;
    }
  }

  async #truncateMemory(mint: number, slice: TimeSlice): Promise<void> {
    if (mint > this.minValidTime) this.minValidTime = mint;
    const gcStarted = performance.now();
    this.#appliedMinTime = Number.POSITIVE_INFINITY;
    let minTime = Number.POSITIVE_INFINITY;
    const dead = new Map<number, Labels>();
    const all = this.#byRef.values();
    for (let i = 0; i < all.length; i++) {
      if (i % CHECK_EVERY === 0 && slice.due()) await slice.yield();
      const s = all[i]!;
      const before = s.numChunks;
      const empty = s.truncateChunksBefore(mint);
      this.stats.chunksRemoved += before - s.numChunks;
      if (empty && s.pendingOwner === null && (s.logged || s.logOwner === null) && this.#byRef.get(s.ref) === s) {
        this.#byRef.delete(s.ref);
        this.#forget(s);
        s.release(this.seriesTimes);
        dead.set(s.ref, s.labels);
        this.tombstones.delete(s.ref);
        this.stats.seriesRemoved++;
        continue;
      }
      if (s.minTime < minTime) minTime = s.minTime;
    }
    // Then their postings, one pass per list (a pass per yield would cost O(series) each); meanwhile selects skip them.
    await this.postings.deleteMany(dead, slice);
    // Samples committed while this ran (into series visited before them, or created after the walk started).
    this.minTime = Math.min(minTime, this.#appliedMinTime);
    this.stats.gcs++;
    this.stats.gcSeconds += (performance.now() - gcStarted) / 1000;
    this.chunkStore.truncate(mint);
  }

  /** Series refs currently in the head (for the WAL checkpoint's keep function). */
  hasSeries(ref: number): boolean {
    return this.#byRef.has(ref);
  }

  /**
   * Series matching the matchers (all series without matchers), in ref
   * order; series a truncation in progress has removed are left out.
   */
  select(matchers: readonly Matcher[]): MemSeries[] {
    const refs = postingsForMatchers(this.postings, matchers);
    const out: MemSeries[] = [];
    for (let i = 0; i < refs.length; i++) {
      const s = this.#byRef.get(refs[i]!);
      if (s !== undefined) out.push(s);
    }
    return out;
  }
}

/** append()'s sample for appendSample(): appends are synchronous, so one array serves every appender. */
const SAMPLE_SCRATCH = new Float64Array(2);

/**
 * Batches appends to a Head. Samples are checked against the committed
 * head and this batch on append (so a rejected sample returns 0 right
 * away) and again on commit. Series are created on append, as Prometheus
 * does, and logged to the WAL on commit or rollback.
 */
export class HeadAppender implements Appender {
  readonly #head: Head;
  /**
   * The samples and series of this batch: the head's, taken at the first
   * append (a scrape creates its appender before its request, and
   * hundreds may be waiting for their targets at once) and returned on
   * commit or rollback; null until then.
   */
  #batch: AppendBatch | null;
  #minValidTime: number;
  #closed: boolean;
  /** Why the last append() returned 0 (RejectReason.None after an accepted sample). */
  lastReject: RejectReason;

  constructor(head: Head) {
    this.#head = head;
    this.#batch = null;
    head.stats.activeAppenders++;
    // NOTE: matches Prometheus's initAppender: an empty head takes the first sample's time as its start.
    this.#minValidTime = head.maxTime === Number.NEGATIVE_INFINITY ? Number.NaN : head.appendableMinValidTime();
    this.#closed = false;
    this.lastReject = RejectReason.None;
  }

  /** The batch, taken from the head at the first append. */
  #taken(): AppendBatch {
    return (this.#batch ??= this.#head.takeBatch());
  }

  /**
   * Adds a sample; returns the series ref, or 0 when rejected (reason in
   * lastReject, counted in the head's stats). `ref` must come from this
   * head; 0 looks the series up by labels. Allocation-free for known series.
   */
  append(ref: SeriesRef, lset: Labels, t: number, v: number, opts?: AppendOptions): SeriesRef {
    const sample = SAMPLE_SCRATCH;
    sample[0] = t;
    sample[1] = v;
    return this.appendSample(ref, lset, sample, opts);
  }

  /** append() of the time sample[0] and value sample[1] (see Appender.appendSample). */
  appendSample(ref: SeriesRef, lset: Labels, sample: Float64Array, opts?: AppendOptions): SeriesRef {
    const t = sample[0]!;
    const v = sample[1]!;
    if (this.#closed) throw new StorageError("append to a closed appender");
    const head = this.#head;
    if (this.#minValidTime !== this.#minValidTime) {
      this.#minValidTime = Math.max(t - head.chunkRange / 2, head.minValidTime);
    }
    const window = head.oooTimeWindow;
    if (t < this.#minValidTime && window === 0) {
      head.stats.outOfBoundSamples++;
      this.lastReject = RejectReason.OutOfBounds;
      return 0;
    }
    let s = ref !== 0 ? head.seriesByRef(ref) : undefined;
    if (s === undefined) s = head.getOrCreate(lset);
    if (!s.logged && s.logOwner !== this) {
      // Whichever appender commits (or rolls back) first logs the series record.
      s.logOwner = this;
      this.#taken().newSeries.push(s);
    }
    valueBits(v, opts?.stale === true);
    // The newest sample this series would have after this batch so far.
    const mine = s.pendingOwner === this;
    const lastT = mine ? s.pendingT : s.headMaxt;
    if (t < this.#minValidTime || (t < lastT && (window > 0 || (!mine && s.headChunk === null)))) {
      // Not appendable in order: Prometheus's appendable() with the out-of-order window.
      if (t >= this.#minValidTime && !mine && s.headChunk === null) {
        // NOTE: matches Prometheus: older than the chunks loaded from chunks_head only; dropped at commit.
        this.lastReject = RejectReason.None;
        return s.ref;
      }
      if (t >= head.maxTime - window) {
        // Out of order within the window: kept apart at commit; the newest pending sample stays.
        this.#taken().push(s, t, v, opts?.stale === true);
        this.lastReject = RejectReason.None;
        return s.ref;
      }
      head.stats.tooOldSamples++;
      this.lastReject = RejectReason.TooOld;
      return 0;
    }
    if (t <= lastT) {
      const hi = mine ? s.pendingHi : s.lastHi;
      const lo = mine ? s.pendingLo : s.lastLo;
      if (t < lastT) {
        head.stats.outOfOrderSamples++;
        this.lastReject = RejectReason.OutOfOrder;
        return 0;
      }
      // xor compares the bits whether stored signed (pending) or unsigned.
      if (((bits.hi ^ hi) | (bits.lo ^ lo)) !== 0) {
        head.stats.duplicateSamples++;
        this.lastReject = RejectReason.Duplicate;
        return 0;
      }
      // NOTE: matches Prometheus: the same sample again is accepted and dropped at commit.
      this.lastReject = RejectReason.None;
      return s.ref;
    }
    s.pendingOwner = this;
    s.pendingT = t;
    s.pendingHi = bits.hi | 0;
    s.pendingLo = bits.lo | 0;
    this.#taken().push(s, t, v, opts?.stale === true);
    this.lastReject = RejectReason.None;
    return s.ref;
  }

  /** Clears the pending marks this appender's samples put on their series. */
  #unpend(): void {
    const b = this.#batch;
    if (b === null) return;
    const ss = b.sampleSeries;
    for (let i = 0; i < b.samples.length; i++) {
      const s = ss[i]!;
      if (s.pendingOwner === this) s.pendingOwner = null;
    }
  }

  /** Closes the appender and gives its batch back to the head. */
  #release(): void {
    this.#unpend();
    this.#closed = true;
    this.#head.stats.activeAppenders--;
    if (this.#batch !== null) this.#head.returnBatch(this.#batch);
  }

  /**
   * Writes the WAL records, then applies the batch (see Head.commitBatch).
   * Rejects with StorageError when the WAL write fails; the batch is then
   * dropped. The appender cannot be used afterwards.
   */
  async commit(): Promise<void> {
    if (this.#closed) throw new StorageError("commit of a closed appender");
    try {
      const b = this.#batch;
      if (b !== null) this.#head.commitBatch(b.newSeries, b.samples, b.sampleSeries);
      this.#head.stats.commits++;
    } finally {
      this.#release();
    }
  }

  /**
   * Drops the samples. Series created by this appender stay in the head
   * and are still logged to the WAL, as Prometheus does, so later samples
   * for them replay.
   */
  rollback(): void {
    if (this.#closed) return;
    const b = this.#batch;
    this.#unpend();
    b?.clearSamples();
    try {
      if (b !== null && b.newSeries.length > 0) this.#head.commitBatch(b.newSeries, b.samples, b.sampleSeries);
    } finally {
      this.#release();
    }
  }
}

/** Reads the head over [mint, maxt]. */
class HeadQuerier implements Querier {
  readonly #head: Head;
  readonly #mint: number;
  readonly #maxt: number;

  constructor(head: Head, mint: number, maxt: number) {
    this.#head = head;
    this.#mint = mint;
    this.#maxt = maxt;
  }

  /** Yields to the event loop every slice while it looks up and sorts many series. */
  async select(sorted: boolean, hints: SelectHints | null, ...matchers: Matcher[]): Promise<SeriesSet> {
    const mint = hints === null ? this.#mint : Math.max(this.#mint, hints.start);
    const maxt = hints === null ? this.#maxt : Math.min(this.#maxt, hints.end);
    let out: HeadSeries[] = [];
    if (mint <= maxt) {
      const head = this.#head;
      const slice = new TimeSlice();
      let refs = postingsForMatchers(head.postings, matchers);
      // Postings lists are live: a copy stays put while series come and go during the yields.
      if (refs.length > CHECK_EVERY) refs = refs.slice();
      for (let i = 0; i < refs.length; i++) {
        if (i > 0 && i % CHECK_EVERY === 0 && slice.due()) await slice.yield();
        const s = head.seriesByRef(refs[i]!);
        // Removed by a truncation (in progress or during a yield): its samples are in a block now.
        if (s === undefined) {
          head.stats.seriesNotFound++;
          continue;
        }
        const smin = s.ooo === null ? s.minTime : Math.min(s.minTime, s.ooo.minTime);
        const smax = s.ooo === null ? s.maxTime : Math.max(s.maxTime, s.ooo.maxTime);
        if (smin <= maxt && smax >= mint) out.push(new HeadSeries(s, mint, maxt, head.tombstones.get(s.ref) ?? null, true));
      }
      if (sorted) out = await sortCooperative(out, (a, b) => compareLabels(a.labels, b.labels), slice);
    }
    return new ArraySeriesSet(out);
  }

  /** NOTE: matches Prometheus: without matchers the head's index answers for any overlapping range. */
  #overlaps(): boolean {
    return this.#head.minTime <= this.#maxt && this.#head.maxTime >= this.#mint;
  }

  async labelValues(name: string, ...matchers: Matcher[]): Promise<string[]> {
    if (!this.#overlaps()) return [];
    if (matchers.length === 0) return this.#head.postings.labelValues(name).filter((v) => v !== "");
    const vals = new Set<string>();
    for (const s of this.#head.select(matchers)) {
      const v = s.labels.get(name);
      if (v !== "") vals.add(v);
    }
    return [...vals].sort();
  }

  async labelNames(...matchers: Matcher[]): Promise<string[]> {
    if (!this.#overlaps()) return [];
    if (matchers.length === 0) return this.#head.postings.labelNames();
    const names = new Set<string>();
    for (const s of this.#head.select(matchers)) s.labels.forEach((n) => names.add(n));
    return [...names].sort();
  }

  close(): void {}
}
