import * as fs from "node:fs";
import * as path from "node:path";
import { compareLabels, type Labels, type Matcher } from "../model/index.ts";
import type { Appendable, Appender, AppendOptions, Querier, Queryable, SelectHints, Series, SeriesRef, SeriesSet } from "../storage/index.ts";
import { ArraySeriesSet, StorageError } from "../storage/index.ts";
import {
  Block,
  MergedSeries,
  TMP_FOR_CREATION_SUFFIX,
  TMP_FOR_DELETION_SUFFIX,
  deleteBlockDir,
  listBlockDirs,
  writeBlock,
  writeMeta,
  type BlockMeta,
  type SeriesChunks,
  type WriteBlockOptions,
} from "./block/index.ts";
import { DEFAULT_BUCKETS, HistogramChild } from "../exposition/index.ts";
import { blocksSeriesChunks, compactBlocks, compactionRanges, headSeriesChunks, planCompaction } from "./compact/index.ts";
import { PageCache, dirSize, syncDir } from "./fileutil/index.ts";
import { ChunkDiskMapper, HEAD_CHUNKS_DIR, Head, rangeForTimestamp, type HeadAppender, type HeadStats } from "./head/index.ts";
import { oooSeriesChunks } from "./ooo.ts";
import { checkpointInWorker } from "./checkpoint-thread.ts";
import { DirLock } from "./lock.ts";
import { TimeSlice, nopLogger, systemClock, type Clock, type Logger, type Timer } from "../util/index.ts";
import { WalCompression, Wlog, deleteCheckpoints, listSegments, type WlogStats } from "./wal/index.ts";

/** Name of the WAL directory inside a data directory, as Prometheus. */
export const WAL_DIR = "wal";
/** Name of the out-of-order write-behind log directory, as Prometheus. */
export const WBL_DIR = "wbl";
/** Prometheus's defaults. */
export const DEFAULT_MIN_BLOCK_DURATION_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_RETENTION_MS = 15 * 24 * 60 * 60 * 1000;
const MAX_BLOCK_DURATION_CAP_MS = 31 * 24 * 60 * 60 * 1000;
/** How often the background loop looks for compaction work, as Prometheus's 1m. */
const COMPACTION_INTERVAL_MS = 60_000;
/** Default bound of the block page cache. */
const DEFAULT_BLOCK_CACHE_BYTES = 64 * 1024 * 1024;

/** Longest wait of a head truncation for open queriers: the default query timeout. */
const PENDING_READERS_WAIT_MS = 120_000;

/** Options of openDB. */
export interface DBOptions {
  logger?: Logger;
  /** Snappy-compress WAL records (--storage.tsdb.wal-compression); true if absent, as Prometheus 3. */
  walCompression?: boolean;
  /** WAL segment size in bytes, a multiple of 32 KiB (--storage.tsdb.wal-segment-size); 128 MiB if absent. */
  walSegmentSizeBytes?: number;
  /** Block duration and head chunk range in ms (--storage.tsdb.min-block-duration); 2h if absent. */
  minBlockDurationMs?: number;
  /** Out-of-order window in ms (storage.tsdb.out_of_order_time_window in prometheus.yml); 0 if absent (rejected). */
  outOfOrderTimeWindowMs?: number;
  /** Bound of the cache of head chunks read back from chunks_head/; 16 MiB if absent. */
  headChunksCacheBytes?: number;
  /** Deprecated alias of minBlockDurationMs. */
  chunkRangeMs?: number;
  /** Largest compacted block (--storage.tsdb.max-block-duration); min(retention / 10, 31d) if absent. */
  maxBlockDurationMs?: number;
  /** Time retention (--storage.tsdb.retention.time); 15d if absent, 0 disables it. */
  retentionMs?: number;
  /** Size retention in bytes (--storage.tsdb.retention.size): blocks + WAL; 0 or absent disables it. */
  retentionSizeBytes?: number;
  /** Skip the lock file (--storage.tsdb.no-lockfile). */
  noLockfile?: boolean;
  /** Lock file staleness (see DirLock); 60s if absent. */
  lockStaleMs?: number;
  /** Bound of the cache of block file pages; 64 MiB if absent. */
  blockCacheBytes?: number;
  /** Run compaction from a timer and after commits (true if absent); tests call compact() themselves. */
  backgroundCompaction?: boolean;
  clock?: Clock;
}

/** Prometheus's ExponentialBuckets: count upper bounds from start, each factor times the previous. */
function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0, b = start; i < count; i++, b *= factor) out.push(b);
  return out;
}

/** Counters of a DB, after Prometheus's prometheus_tsdb_* metrics. */
export class DBStats {
  /** Compaction runs started by the background loop (compactions_triggered_total). */
  compactionsTriggered = 0;
  /**
   * Blocks written by the compactor (compactions_total), as upstream's
   * LeveledCompactor.write: from the head, from out-of-order samples, by
   * block compaction, by tombstone cleaning and for a snapshot of the head;
   * failed ones included.
   */
  compactions = 0;
  /** Block writes that threw (compactions_failed_total). */
  compactionsFailed = 0;
  /** Block compactions of overlapping blocks (vertical_compactions_total). */
  verticalCompactions = 0;
  /** 1 while a block is being written (compaction_populating_block), else 0. */
  populatingBlock = 0;
  /** Seconds per block write (compaction_duration_seconds). */
  readonly compactionDuration = new HistogramChild(exponentialBuckets(1, 2, 14));
  /** Chunks of blocks written from the head (and by tombstone cleaning): bytes, samples and time range (compaction_chunk_*). */
  readonly chunkSize = new HistogramChild(exponentialBuckets(32, 1.5, 12));
  readonly chunkSamples = new HistogramChild(exponentialBuckets(4, 1.5, 12));
  /** NOTE: matches Prometheus: observed in milliseconds despite the name (compaction_chunk_range_seconds). */
  readonly chunkRange = new HistogramChild(exponentialBuckets(100, 4, 10));
  /** Seconds per cleanTombstones() call (tombstone_cleanup_seconds). */
  readonly tombstoneCleanup = new HistogramChild(DEFAULT_BUCKETS);
  /** Blocks deleted by time retention (time_retentions_total counts runs that deleted). */
  timeRetentionDeletions = 0;
  /** Blocks deleted by size retention. */
  sizeRetentionDeletions = 0;
  /** WAL checkpoints attempted on head truncation (checkpoint_creations_total). */
  checkpoints = 0;
  /** Of which failed (checkpoint_creations_failed_total). */
  checkpointsFailed = 0;
  /** Deletions of checkpoints older than a new one, attempted and failed (checkpoint_deletions_*). */
  checkpointDeletions = 0;
  checkpointDeletionsFailed = 0;
  /** WAL truncations after a head truncation: their number and total seconds (wal_truncate_duration_seconds). */
  walTruncations = 0;
  walTruncateSeconds = 0;
  /** Seconds openDB took to load chunks_head and replay the WAL and WBL (data_replay_duration_seconds). */
  dataReplaySeconds = 0;
  /** Bytes of the loaded blocks' directories, as of the last reload (storage_blocks_bytes). */
  blocksBytes = 0;
  /** Block reloads (reloads_total), failed ones included. */
  reloads = 0;
  /** Block reloads that threw (reloads_failures_total). */
  reloadsFailed = 0;
}

/**
 * A TSDB over a data directory in Prometheus's layout: persisted blocks
 * (<ulid>/ with meta.json, index, chunks/, tombstones), the head made
 * durable by <dir>/wal, and a `lock` file. Appendable and Queryable;
 * queries merge blocks and head. The head is cut into blocks of
 * minBlockDuration once it spans 1.5 of them, blocks are compacted into
 * larger ranges and deleted by retention, all in compact(). close() when done.
 */
export class DB implements Appendable, Queryable {
  readonly dir: string;
  readonly head: Head;
  readonly wal: Wlog;
  /** Compaction and retention counters. */
  readonly dbStats: DBStats;
  readonly cache: PageCache;
  readonly minBlockDurationMs: number;
  readonly retentionMs: number;
  readonly retentionSizeBytes: number;
  readonly ranges: number[];
  #blocks: Block[];
  readonly #lock: DirLock | null;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #walCompression: WalCompression;
  #compacting: Promise<void>;
  #compactPending: boolean;
  #timer: Timer | null;
  #closed: boolean;
  /** Open queriers, for head truncation to wait for. */
  readonly #readers: Set<PendingReader>;

  constructor(dir: string, head: Head, wal: Wlog, blocks: Block[], lock: DirLock | null, opts: ResolvedOptions) {
    this.dir = dir;
    this.head = head;
    this.wal = wal;
    this.dbStats = opts.stats;
    this.cache = opts.cache;
    this.minBlockDurationMs = opts.minBlockDurationMs;
    this.retentionMs = opts.retentionMs;
    this.retentionSizeBytes = opts.retentionSizeBytes;
    this.ranges = opts.ranges;
    this.#blocks = blocks;
    this.#lock = lock;
    this.#logger = opts.logger;
    this.#clock = opts.clock;
    this.#walCompression = opts.walCompression;
    this.#compacting = Promise.resolve();
    this.#compactPending = false;
    this.#timer = null;
    this.#closed = false;
    this.#readers = new Set();
    if (opts.background) this.#schedule(COMPACTION_INTERVAL_MS);
  }

  /** Head counters (appends, rejections, replay, corruptions). */
  get stats(): HeadStats {
    return this.head.stats;
  }

  /** WAL counters. */
  get walStats(): WlogStats {
    return this.wal.stats;
  }

  /**
   * Prometheus's prometheus_tsdb_clean_start: -1 without a lock file, 0 when
   * a lock file left by an earlier process was replaced, 1 otherwise.
   */
  get cleanStart(): number {
    return this.#lock === null ? -1 : this.#lock.replaced ? 0 : 1;
  }

  /** The persisted blocks, oldest first. Do not close them. */
  get blocks(): readonly Block[] {
    return this.#blocks;
  }

  #schedule(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      if (this.#closed) return;
      this.dbStats.compactionsTriggered++;
      this.compact()
        .catch((e: unknown) => this.#logger.error("compaction failed", "err", e instanceof Error ? e.message : String(e)))
        .finally(() => {
          if (!this.#closed) this.#schedule(COMPACTION_INTERVAL_MS);
        });
    }, ms);
  }

  /**
   * An appender; commit() writes the WAL, then applies to the head, and
   * schedules a compaction when the head became compactable. Throws
   * StorageError after close().
   */
  appender(): Appender {
    if (this.#closed) throw new StorageError("DB is closed");
    return new DBAppender(this, this.head.appender());
  }

  /**
   * Changes the out-of-order window (a configuration reload), as
   * Prometheus's ApplyConfig: enabling it starts the WBL if there is none.
   * Throws StorageError when the WBL cannot be created.
   */
  setOutOfOrderTimeWindow(ms: number): void {
    if (ms > 0 && !this.head.hasWbl) this.head.setWbl(Wlog.open(path.join(this.dir, WBL_DIR), { compression: this.#walCompression, logger: this.#logger }));
    this.head.oooTimeWindow = ms;
  }

  /** Called after each commit. */
  afterCommit(): void {
    if (this.#timer !== null && this.headCompactable()) this.#schedule(0);
  }

  /** Whether the head spans more than 1.5 block durations (Prometheus's compactable()). */
  headCompactable(): boolean {
    return this.head.maxTime - this.head.minTime > (this.head.chunkRange / 2) * 3;
  }

  /**
   * A querier over [mint, maxt] (ms, inclusive) merging the overlapping
   * blocks and the head. Close it when done: until then, truncating the
   * head below maxt waits for it (queries yield to the event loop, so a
   * compaction may run in the middle of one).
   */
  async querier(mint: number, maxt: number): Promise<Querier> {
    if (this.#closed) throw new StorageError("DB is closed");
    const qs: Querier[] = [];
    for (const b of this.#blocks) if (b.overlaps(mint, maxt)) qs.push(b.querier(mint, maxt));
    qs.push(await this.head.querier(mint, maxt));
    return new PendingReader(qs.length === 1 ? qs[0]! : new MergedQuerier(qs), mint, this.#readers);
  }

  /**
   * Waits until the queriers open now that read below maxt are closed, as
   * Prometheus's WaitForPendingReadersInTimeRange before truncating the
   * head (they hold head series whose chunks are about to go), at most
   * PENDING_READERS_WAIT_MS; then logs and goes on.
   */
  async #waitForPendingReaders(maxt: number): Promise<void> {
    const pending = [...this.#readers].filter((r) => r.mint < maxt).map((r) => r.closed);
    if (pending.length === 0) return;
    let timer: Timer | null = null;
    const timedOut = await Promise.race([
      Promise.all(pending).then(() => false),
      new Promise<boolean>((resolve) => (timer = this.#clock.setTimeout(() => resolve(true), PENDING_READERS_WAIT_MS))),
    ]);
    (timer as Timer | null)?.cancel();
    if (timedOut) this.#logger.warn("Truncating the head while queriers are still open", "queriers", pending.length);
  }

  /**
   * Runs the compaction work that is due, one run at a time: cuts the head
   * into blocks while it is compactable (then truncates it and
   * checkpoints the WAL), compacts blocks as planned, and applies
   * retention. Rejects with StorageError on I/O errors.
   */
  compact(): Promise<void> {
    if (this.#compactPending) return this.#compacting;
    this.#compactPending = true;
    const run = this.#compacting.then(async () => {
      this.#compactPending = false;
      if (this.#closed) return;
      await this.#compactOnce();
    });
    this.#compacting = run.catch(() => {});
    return run;
  }

  async #compactOnce(): Promise<void> {
    while (this.headCompactable() && !this.#closed) {
      const mint = this.head.minTime;
      const maxt = rangeForTimestamp(mint, this.head.chunkRange);
      await this.#persistHead(mint, maxt);
      await new Promise<void>((r) => setImmediate(r));
    }
    if (!this.#closed) await this.#compactOOO();
    for (;;) {
      if (this.#closed) return;
      const plan = planCompaction(
        this.#blocks.map((b) => ({ dir: b.dir, meta: b.meta })),
        this.ranges,
      );
      if (plan.length === 0) break;
      const blocks = this.#blocks.filter((b) => plan.includes(b.dir));
      if (overlapping(blocks)) this.dbStats.verticalCompactions++;
      const meta = await this.#instrumentWrite(() => compactBlocks(this.dir, blocks, this.#clock.now()));
      if (meta === null) {
        for (const b of blocks) this.#markDeletable(b);
      }
      this.#logger.info("compact blocks", "count", blocks.length, "ulid", meta?.ulid ?? "(empty)");
      this.reloadBlocks();
      await new Promise<void>((r) => setImmediate(r));
    }
    this.reloadBlocks();
  }

  /**
   * Writes the out-of-order samples behind the persisted blocks (before
   * the head's minValidTime) into blocks of their own, one per block range
   * (they may overlap other blocks: block compaction merges them), then
   * drops them from the head and rewrites the WBL, as Prometheus's
   * compactOOOHead. Later ones stay in the head (queries merge them).
   */
  async #compactOOO(): Promise<void> {
    const head = this.head;
    const upto = head.minValidTime;
    if (!(head.oooMinTime < upto)) return;
    const snap = head.snapshotOOO(upto);
    const range = head.chunkRange;
    let t = Math.floor(head.oooMinTime / range) * range;
    for (; t < upto; t += range) {
      const hi = Math.min(t + range, upto);
      const meta = await this.#writeBlock(
        this.dir,
        oooSeriesChunks(snap, t, hi - 1, (ref) => head.tombstones.get(ref)),
        t,
        hi,
        { level: 1, sources: null, parents: [], deletable: false, failed: false },
        { now: this.#clock.now() },
      );
      if (meta !== null) this.#logger.info("write out-of-order block", "mint", t, "maxt", hi, "ulid", meta.ulid);
    }
    head.dropOOO(snap);
    this.reloadBlocks();
  }

  /**
   * Runs one block write of the compactor, counted as upstream's
   * LeveledCompactor.write: compactions_total and its duration (failed
   * ones too), compactions_failed_total, and the populating-block gauge.
   */
  async #instrumentWrite(write: () => Promise<BlockMeta | null>): Promise<BlockMeta | null> {
    const s = this.dbStats;
    const started = performance.now();
    s.populatingBlock = 1;
    try {
      return await write();
    } catch (e) {
      s.compactionsFailed++;
      throw e;
    } finally {
      s.populatingBlock = 0;
      s.compactions++;
      s.compactionDuration.observe((performance.now() - started) / 1000);
    }
  }

  /**
   * writeBlock through #instrumentWrite, for the writes upstream does with
   * LeveledCompactor.Write (head, out-of-order samples, tombstone cleaning,
   * snapshot): their chunks go to the chunk histograms, which upstream
   * keeps for the level-1 blocks Write makes.
   */
  #writeBlock(
    parentDir: string,
    series: Iterable<SeriesChunks>,
    minTime: number,
    maxTime: number,
    compaction: Parameters<typeof writeBlock>[4],
    opts: WriteBlockOptions,
  ): Promise<BlockMeta | null> {
    return this.#instrumentWrite(() => writeBlock(parentDir, observeChunks(series, this.dbStats), minTime, maxTime, compaction, opts));
  }

  #markDeletable(b: Block): void {
    b.meta = { ...b.meta, compaction: { ...b.meta.compaction, deletable: true } };
    writeMeta(b.dir, b.meta);
  }

  /**
   * Writes the head's [mint, maxt) as a block, then truncates the head and
   * the WAL at maxt. Writing yields to the event loop between series;
   * appends go on meanwhile (they land after maxt: the head is compactable).
   */
  async #persistHead(mint: number, maxt: number): Promise<void> {
    const started = Date.now();
    const slice = new TimeSlice();
    const meta = await this.#writeBlock(
      this.dir,
      await headSeriesChunks(this.head, mint, maxt - 1, slice),
      mint,
      maxt,
      { level: 1, sources: null, parents: [], deletable: false, failed: false },
      { now: this.#clock.now(), slice },
    );
    this.#logger.info("write block", "mint", mint, "maxt", maxt, "ulid", meta?.ulid ?? "(empty)", "duration", `${Date.now() - started}ms`);
    this.reloadBlocks();
    // Queriers opened from now on read the new block; older ones may still read these head chunks.
    await this.#waitForPendingReaders(maxt);
    await this.head.truncateMemory(maxt, slice);
    await this.#truncateWal(maxt);
  }

  /**
   * Checkpoints and truncates the WAL after the head was truncated at
   * mint, as Prometheus's truncateWAL: start a new segment, then
   * checkpoint the first two thirds of the older segments (keeping series
   * still in the head and samples from mint on) and delete them. The
   * checkpoint runs on a worker thread (it reads and rewrites most of the
   * WAL); the series kept are those in the head when it starts.
   */
  async #truncateWal(mint: number): Promise<void> {
    const started = performance.now();
    const walDir = this.wal.dir;
    const segs = listSegments(walDir);
    if (segs.length === 0) return;
    const first = segs[0]!.index;
    let last = segs[segs.length - 1]!.index;
    this.wal.nextSegment();
    last--; // never the segment being written
    if (last < 0) return;
    last = first + Math.trunc(((last - first) * 2) / 3);
    if (last <= first) return;
    const liveRefs = Float64Array.from(this.head.postings.all());
    const s = this.dbStats;
    s.checkpoints++;
    try {
      await checkpointInWorker({ walDir, from: first, to: last, liveRefs, mint, compression: this.#walCompression }, this.#logger);
    } catch (e) {
      s.checkpointsFailed++;
      throw e;
    }
    // As upstream: segments or checkpoints left behind are superseded by the new checkpoint; the next truncation retries.
    try {
      this.wal.truncate(last + 1);
    } catch (e) {
      this.#logger.error("truncating segments failed", "err", e instanceof Error ? e.message : String(e));
    }
    s.checkpointDeletions++;
    try {
      deleteCheckpoints(walDir, last);
    } catch (e) {
      s.checkpointDeletionsFailed++;
      this.#logger.error("delete old checkpoints", "err", e instanceof Error ? e.message : String(e));
    }
    s.walTruncations++;
    s.walTruncateSeconds += (performance.now() - started) / 1000;
  }

  /**
   * Opens block directories not loaded yet and deletes the blocks that are
   * no longer needed, as Prometheus's reloadBlocks: parents of other blocks
   * (compacted), blocks marked deletable, and those beyond the time and
   * size retention. Then the head rejects samples older than the newest block.
   */
  reloadBlocks(): void {
    this.dbStats.reloads++;
    try {
      this.#reloadBlocks();
    } catch (e) {
      this.dbStats.reloadsFailed++;
      throw e;
    }
  }

  #reloadBlocks(): void {
    const loaded = new Map(this.#blocks.map((b) => [b.dir, b]));
    const blocks: Block[] = [];
    for (const d of listBlockDirs(this.dir)) {
      const b = loaded.get(d) ?? Block.open(d, this.cache);
      loaded.delete(d);
      blocks.push(b);
    }
    for (const b of loaded.values()) b.close(); // removed from disk by someone else
    // NOTE: matches Prometheus: the head's size is its WAL, WBL and chunks_head files.
    const headBytes = dirSize(this.wal.dir) + dirSize(path.join(this.dir, WBL_DIR)) + dirSize(path.join(this.dir, HEAD_CHUNKS_DIR));
    const deletable = deletableBlocks(blocks, this.retentionMs, this.retentionSizeBytes, headBytes, this.dbStats);
    const keep: Block[] = [];
    for (const b of blocks) {
      if (!deletable.has(b.ulid)) {
        keep.push(b);
        continue;
      }
      b.close();
      deleteBlockDir(b.dir);
      this.#logger.info("Deleting obsolete block", "block", b.ulid);
    }
    keep.sort((a, b) => a.minTime - b.minTime);
    this.#blocks = keep;
    let bytes = 0;
    for (const b of keep) bytes += b.size;
    this.dbStats.blocksBytes = bytes;
    if (keep.length > 0) {
      const maxt = Math.max(...keep.map((b) => b.maxTime));
      if (maxt > this.head.minValidTime) this.head.minValidTime = maxt;
    }
  }

  /**
   * Deletes the samples of series matching the matchers in [mint, maxt]
   * (ms, inclusive) with tombstones, in the blocks and the head. Cleaned
   * from disk by cleanTombstones() or compaction.
   */
  async deleteSeries(matchers: readonly Matcher[], mint: number, maxt: number): Promise<void> {
    if (this.#closed) throw new StorageError("DB is closed");
    await this.#compacting;
    for (const b of this.#blocks) if (b.overlaps(mint, maxt)) b.delete(matchers, mint, maxt);
    this.head.deleteSeries(matchers, mint, maxt);
  }

  /** Rewrites every block that has tombstones without the deleted data, then deletes the old block. */
  async cleanTombstones(): Promise<void> {
    if (this.#closed) throw new StorageError("DB is closed");
    const started = performance.now();
    try {
      await this.#cleanTombstones();
    } finally {
      this.dbStats.tombstoneCleanup.observe((performance.now() - started) / 1000);
    }
  }

  async #cleanTombstones(): Promise<void> {
    await this.#compacting;
    for (const b of this.#blocks) {
      if (b.tombstones.size === 0) continue;
      const meta = await this.#writeBlock(
        this.dir,
        await blocksSeriesChunks([b]),
        b.minTime,
        b.maxTime,
        {
          level: b.meta.compaction.level,
          sources: b.meta.compaction.sources.slice(),
          parents: [{ ulid: b.ulid, minTime: b.minTime, maxTime: b.maxTime }],
          deletable: false,
          failed: false,
        },
        { now: this.#clock.now() },
      );
      if (meta === null) this.#markDeletable(b);
    }
    this.reloadBlocks();
  }

  /**
   * Writes a snapshot into dir: hard links of every block's files and,
   * with withHead, the head persisted as a block. Throws StorageError.
   */
  async snapshot(dir: string, withHead: boolean): Promise<void> {
    if (this.#closed) throw new StorageError("DB is closed");
    await this.#compacting;
    try {
      fs.mkdirSync(dir, { recursive: true });
      for (const b of this.#blocks) linkTree(b.dir, path.join(dir, path.basename(b.dir)));
      syncDir(dir);
    } catch (e) {
      throw new StorageError(`snapshot into ${dir}`, { cause: e });
    }
    if (withHead && this.head.numSeries > 0 && this.head.maxTime >= this.head.minTime) {
      await this.#writeBlock(
        dir,
        await headSeriesChunks(this.head, this.head.minTime, this.head.maxTime),
        this.head.minTime,
        this.head.maxTime + 1,
        { level: 1, sources: null, parents: [], deletable: false, failed: false },
        { now: this.#clock.now() },
      );
    }
  }

  /** Waits for a running compaction, flushes and fsyncs the WAL, closes blocks, releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#compacting;
    this.head.setWal(null);
    this.head.close();
    this.wal.close();
    for (const b of this.#blocks) b.close();
    this.#lock?.release();
  }
}

interface ResolvedOptions {
  stats: DBStats;
  cache: PageCache;
  minBlockDurationMs: number;
  retentionMs: number;
  retentionSizeBytes: number;
  ranges: number[];
  logger: Logger;
  clock: Clock;
  walCompression: WalCompression;
  background: boolean;
}

/**
 * The ULIDs of blocks to delete, as Prometheus's deletableBlocks: parents
 * of loaded blocks, blocks marked deletable, then (newest first) blocks
 * whose maxTime is more than retentionMs behind the newest block's, and
 * blocks past the size budget (headBytes counted first).
 */
export function deletableBlocks(blocks: readonly Block[], retentionMs: number, retentionSizeBytes: number, headBytes: number, stats?: DBStats): Set<string> {
  const out = new Set<string>();
  for (const b of blocks) {
    if (b.meta.compaction.deletable) out.add(b.ulid);
    for (const p of b.meta.compaction.parents) out.add(p.ulid);
  }
  const live = blocks.filter((b) => !out.has(b.ulid)).sort((a, b) => b.maxTime - a.maxTime);
  if (retentionMs > 0 && live.length > 0) {
    for (let i = 1; i < live.length; i++) {
      if (live[0]!.maxTime - live[i]!.maxTime > retentionMs) {
        for (const b of live.slice(i)) {
          out.add(b.ulid);
          if (stats !== undefined) stats.timeRetentionDeletions++;
        }
        break;
      }
    }
  }
  if (retentionSizeBytes > 0) {
    let size = headBytes;
    const rest = live.filter((b) => !out.has(b.ulid));
    for (let i = 0; i < rest.length; i++) {
      size += rest[i]!.size;
      if (size > retentionSizeBytes) {
        for (const b of rest.slice(i)) {
          out.add(b.ulid);
          if (stats !== undefined) stats.sizeRetentionDeletions++;
        }
        break;
      }
    }
  }
  return out;
}

/** Whether any of the blocks overlap in time (a vertical compaction), as upstream's populateBlock checks. */
function overlapping(blocks: readonly Block[]): boolean {
  const sorted = [...blocks].sort((a, b) => a.minTime - b.minTime);
  let maxt = Number.NEGATIVE_INFINITY;
  for (const b of sorted) {
    if (b.minTime < maxt) return true;
    if (b.maxTime > maxt) maxt = b.maxTime;
  }
  return false;
}

/** Passes series through, observing each chunk's bytes, samples and time range (ms) in stats' chunk histograms. */
function* observeChunks(series: Iterable<SeriesChunks>, stats: DBStats): Generator<SeriesChunks> {
  for (const s of series) {
    for (const c of s.chunks) {
      stats.chunkSize.observe(c.data.length);
      stats.chunkSamples.observe(c.samples);
      stats.chunkRange.observe(c.maxt - c.mint);
    }
    yield s;
  }
}

/** Hard-links every file of src into dst (directories recreated). */
function linkTree(src: string, dst: string): void {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) linkTree(s, d);
    else fs.linkSync(s, d);
  }
}

/** Appender of a DB: the head's, plus a compaction check after commit. */
class DBAppender implements Appender {
  readonly #db: DB;
  readonly #app: Appender;

  constructor(db: DB, app: Appender) {
    this.#db = db;
    this.#app = app;
  }

  append(ref: SeriesRef, lset: Labels, t: number, v: number, opts?: AppendOptions): SeriesRef {
    return this.#app.append(ref, lset, t, v, opts);
  }

  appendSample(ref: SeriesRef, lset: Labels, sample: Float64Array, opts?: AppendOptions): SeriesRef {
    return this.#app.appendSample(ref, lset, sample, opts);
  }

  /** Why the last append() returned 0 (the head appender's RejectReason; "" after an accepted sample). */
  get lastReject(): string {
    return (this.#app as HeadAppender).lastReject;
  }

  async commit(): Promise<void> {
    await this.#app.commit();
    this.#db.afterCommit();
  }

  rollback(): void {
    this.#app.rollback();
  }
}

/** A querier of DB.querier, in the DB's set of open readers until closed. */
class PendingReader implements Querier {
  /** Lowest time (ms) it reads. */
  readonly mint: number;
  /** Resolves when it is closed. */
  readonly closed: Promise<void>;
  readonly #inner: Querier;
  readonly #readers: Set<PendingReader>;
  #resolve: () => void;

  constructor(inner: Querier, mint: number, readers: Set<PendingReader>) {
    this.mint = mint;
    this.#inner = inner;
    this.#readers = readers;
    this.#resolve = () => {};
    this.closed = new Promise((resolve) => (this.#resolve = resolve));
    readers.add(this);
  }

  select(sorted: boolean, hints: SelectHints | null, ...matchers: Matcher[]): Promise<SeriesSet> {
    return this.#inner.select(sorted, hints, ...matchers);
  }

  labelValues(name: string, ...matchers: Matcher[]): Promise<string[]> {
    return this.#inner.labelValues(name, ...matchers);
  }

  labelNames(...matchers: Matcher[]): Promise<string[]> {
    return this.#inner.labelNames(...matchers);
  }

  close(): void {
    this.#readers.delete(this);
    this.#resolve();
    this.#inner.close();
  }
}

/**
 * Merges queriers (blocks oldest first, then the head): series with the
 * same labels are merged sample by sample, the earlier querier winning on
 * equal timestamps.
 */
export class MergedQuerier implements Querier {
  readonly #qs: Querier[];

  constructor(qs: Querier[]) {
    this.#qs = qs;
  }

  async select(sorted: boolean, hints: SelectHints | null, ...matchers: Matcher[]): Promise<SeriesSet> {
    const sets = await Promise.all(this.#qs.map((q) => q.select(false, hints, ...matchers)));
    const byKey = new Map<string, Series[]>();
    const warnings: string[] = [];
    for (const ss of sets) {
      while (ss.next()) {
        const s = ss.at();
        const list = byKey.get(s.labels.key);
        if (list === undefined) byKey.set(s.labels.key, [s]);
        else list.push(s);
      }
      const err = ss.err();
      if (err !== null) throw err;
      warnings.push(...ss.warnings());
    }
    const out: Series[] = [];
    for (const list of byKey.values()) out.push(list.length === 1 ? list[0]! : new MergedSeries(list[0]!.labels, list));
    if (sorted) out.sort((a, b) => compareLabels(a.labels, b.labels));
    return new ArraySeriesSet(out, warnings);
  }

  async labelValues(name: string, ...matchers: Matcher[]): Promise<string[]> {
    const all = await Promise.all(this.#qs.map((q) => q.labelValues(name, ...matchers)));
    return [...new Set(all.flat())].sort();
  }

  async labelNames(...matchers: Matcher[]): Promise<string[]> {
    const all = await Promise.all(this.#qs.map((q) => q.labelNames(...matchers)));
    return [...new Set(all.flat())].sort();
  }

  close(): void {
    for (const q of this.#qs) q.close();
  }
}

/** Removes leftovers of interrupted block writes and deletions (and WAL checkpoint temp dirs). */
function removeTmpDirs(dir: string, logger: Logger): void {
  for (const n of fs.readdirSync(dir)) {
    if (n.endsWith(TMP_FOR_CREATION_SUFFIX) || n.endsWith(TMP_FOR_DELETION_SUFFIX) || n.endsWith(".tmp")) {
      fs.rmSync(path.join(dir, n), { recursive: true, force: true });
      logger.info("Removed temporary directory", "dir", n);
    }
  }
}

/**
 * Opens (creating if needed) the TSDB in dir: takes the lock, removes
 * temporary directories of interrupted writes, opens the blocks (and
 * deletes compacted or expired ones), replays <dir>/wal (last checkpoint,
 * then segments; samples older than the newest block are dropped) into the
 * head. A corrupt or torn WAL tail is repaired (cut at the last intact
 * record, later segments deleted), logged and counted in
 * stats.walCorruptions; then a new WAL segment is started. Throws
 * LockError when another process holds the directory, StorageError on I/O
 * errors or a corrupt block or checkpoint, and WalUnsupportedError on a
 * zstd-compressed WAL this runtime cannot read.
 */
export async function openDB(dir: string, opts: DBOptions = {}): Promise<DB> {
  const logger = opts.logger ?? nopLogger;
  const clock = opts.clock ?? systemClock;
  const walDir = path.join(dir, WAL_DIR);
  try {
    fs.mkdirSync(walDir, { recursive: true });
  } catch (e) {
    throw new StorageError(`create ${walDir}`, { cause: e });
  }
  const lock = opts.noLockfile === true ? null : DirLock.acquire(dir, { clock, staleMs: opts.lockStaleMs });
  let mapper: ChunkDiskMapper | null = null;
  try {
    removeTmpDirs(dir, logger);
    const minBlock = opts.minBlockDurationMs ?? opts.chunkRangeMs ?? DEFAULT_MIN_BLOCK_DURATION_MS;
    const retentionMs = opts.retentionMs ?? DEFAULT_RETENTION_MS;
    let maxBlock = opts.maxBlockDurationMs ?? MAX_BLOCK_DURATION_CAP_MS;
    if (opts.maxBlockDurationMs === undefined && retentionMs !== 0 && retentionMs / 10 < maxBlock) maxBlock = retentionMs / 10;
    const cache = new PageCache(opts.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES);
    mapper = ChunkDiskMapper.open(path.join(dir, HEAD_CHUNKS_DIR), { logger, cacheBytes: opts.headChunksCacheBytes });
    const oooWindow = opts.outOfOrderTimeWindowMs ?? 0;
    const head = new Head({ chunkRangeMs: minBlock, logger, chunkStore: mapper, outOfOrderTimeWindowMs: oooWindow });
    const walCompression = opts.walCompression === false ? WalCompression.None : WalCompression.Snappy;
    const resolved: ResolvedOptions = {
      stats: new DBStats(),
      cache,
      minBlockDurationMs: minBlock,
      retentionMs,
      retentionSizeBytes: opts.retentionSizeBytes ?? 0,
      ranges: compactionRanges(minBlock, maxBlock),
      logger,
      clock,
      walCompression,
      background: opts.backgroundCompaction !== false,
    };
    // Blocks first: they bound which WAL samples replay.
    const blocks: Block[] = [];
    for (const d of listBlockDirs(dir)) blocks.push(Block.open(d, cache));
    for (const b of blocks) if (b.maxTime > head.minValidTime) head.minValidTime = b.maxTime;
    // chunks_head first: the WAL replay then skips the samples they hold.
    const replayStarted = performance.now();
    await head.loadStoredChunks(mapper);
    const wblDir = path.join(dir, WBL_DIR);
    const useWbl = oooWindow > 0 || listSegments(wblDir).length > 0;
    const bad = await head.replayWal(walDir, useWbl ? wblDir : null);
    resolved.stats.dataReplaySeconds = (performance.now() - replayStarted) / 1000;
    if (bad !== null) {
      head.stats.walCorruptions++;
      logger.warn("Encountered WAL read error, attempting repair", "err", bad.error.message);
      Wlog.repair(walDir, bad.error, bad.goodOffset, logger);
    }
    const wal = Wlog.open(walDir, { compression: walCompression, segmentSizeBytes: opts.walSegmentSizeBytes, logger });
    head.setWal(wal);
    if (useWbl) head.setWbl(Wlog.open(wblDir, { compression: walCompression, segmentSizeBytes: opts.walSegmentSizeBytes, logger }));
    const db = new DB(dir, head, wal, blocks, lock, resolved);
    db.reloadBlocks();
    return db;
  } catch (e) {
    mapper?.close();
    lock?.release();
    throw e;
  }
}

export type { BlockMeta };
