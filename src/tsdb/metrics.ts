import { type Collector, type Emit, MetricType, type SummaryValue, newDesc } from "../exposition/index.ts";
import type { DB } from "./db.ts";
import { ChunkDiskMapper } from "./head/index.ts";

const C = MetricType.Counter;
// NOTE: matches Prometheus, which reports MaxInt64 / MinInt64 for an empty head (as float64).
const MAX_INT64 = 9223372036854775807;
const MIN_INT64 = -9223372036854775808;
const G = MetricType.Gauge;
const S = MetricType.Summary;
const H = MetricType.Histogram;
/** Quantiles of prometheus_tsdb_wal_fsync_duration_seconds, upstream's objectives. */
const FSYNC_QUANTILES: readonly number[] = [0.5, 0.9, 0.99];
const d = {
  headSeries: newDesc("prometheus_tsdb_head_series", "Total number of series in the head block.", G),
  seriesCreated: newDesc("prometheus_tsdb_head_series_created_total", "Total number of series created in the head", C),
  seriesRemoved: newDesc("prometheus_tsdb_head_series_removed_total", "Total number of series removed in the head", C),
  samplesAppended: newDesc("prometheus_tsdb_head_samples_appended_total", "Total number of appended samples.", C, ["type"]),
  outOfOrder: newDesc("prometheus_tsdb_out_of_order_samples_total", "Total number of out of order samples ingestion failed attempts due to out of order being disabled.", C, ["type"]),
  outOfBound: newDesc("prometheus_tsdb_out_of_bound_samples_total", "Total number of out of bound samples ingestion failed attempts with out of order support disabled.", C, ["type"]),
  tooOld: newDesc("prometheus_tsdb_too_old_samples_total", "Total number of out of order samples ingestion failed attempts with out of order support enabled, but sample outside of time window.", C, ["type"]),
  oooAppended: newDesc("prometheus_tsdb_head_out_of_order_samples_appended_total", "Total number of appended out of order samples.", C, ["type"]),
  mmapCorruptions: newDesc("prometheus_tsdb_mmap_chunk_corruptions_total", "Total number of memory-mapped chunk corruptions.", C),
  headMin: newDesc("prometheus_tsdb_head_min_time", "Minimum time bound of the head block.", G),
  headMax: newDesc("prometheus_tsdb_head_max_time", "Maximum timestamp of the head block.", G),
  headMinSeconds: newDesc("prometheus_tsdb_head_min_time_seconds", "Minimum time bound of the head.", G),
  headMaxSeconds: newDesc("prometheus_tsdb_head_max_time_seconds", "Maximum timestamp of the head.", G),
  lowest: newDesc("prometheus_tsdb_lowest_timestamp", "Lowest timestamp value stored in the database. The unit is decided by the library consumer.", G),
  lowestSeconds: newDesc("prometheus_tsdb_lowest_timestamp_seconds", "Lowest timestamp value stored in the database.", G),
  truncations: newDesc("prometheus_tsdb_head_truncations_total", "Total number of head truncations attempted.", C),
  blocksLoaded: newDesc("prometheus_tsdb_blocks_loaded", "Number of currently loaded data blocks", G),
  compactions: newDesc("prometheus_tsdb_compactions_total", "Total number of compactions that were executed for the partition.", C),
  compactionsFailed: newDesc("prometheus_tsdb_compactions_failed_total", "Total number of compactions that failed for the partition.", C),
  timeRetentions: newDesc("prometheus_tsdb_time_retentions_total", "The number of times that blocks were deleted because the maximum time limit was exceeded.", C),
  sizeRetentions: newDesc("prometheus_tsdb_size_retentions_total", "The number of times that blocks were deleted because the maximum number of bytes was exceeded.", C),
  retentionLimit: newDesc("prometheus_tsdb_retention_limit_seconds", "Max age in seconds blocks should be kept in the TSDB. 0 means no limit.", G),
  retentionBytes: newDesc("prometheus_tsdb_retention_limit_bytes", "Max number of bytes to be retained in the tsdb blocks, configured 0 means disabled", G),
  checkpoints: newDesc("prometheus_tsdb_checkpoint_creations_total", "Total number of checkpoint creations attempted.", C),
  walCorruptions: newDesc("prometheus_tsdb_wal_corruptions_total", "Total number of WAL corruptions.", C),
  walFsync: newDesc("prometheus_tsdb_wal_fsync_duration_seconds", "Duration of write log fsync.", S),
  walPageFlushes: newDesc("prometheus_tsdb_wal_page_flushes_total", "Total number of page flushes.", C),
  walCompletedPages: newDesc("prometheus_tsdb_wal_completed_pages_total", "Total number of completed pages.", C),
  walSegment: newDesc("prometheus_tsdb_wal_segment_current", "Write log segment index that TSDB is currently writing to.", G),
  walTruncations: newDesc("prometheus_tsdb_wal_truncations_total", "Total number of write log truncations attempted.", C),
  walTruncationsFailed: newDesc("prometheus_tsdb_wal_truncations_failed_total", "Total number of write log truncations that failed.", C),
  walTruncateDuration: newDesc("prometheus_tsdb_wal_truncate_duration_seconds", "Duration of WAL truncation.", S),
  checkpointsFailed: newDesc("prometheus_tsdb_checkpoint_creations_failed_total", "Total number of checkpoint creations that failed.", C),
  checkpointDeletions: newDesc("prometheus_tsdb_checkpoint_deletions_total", "Total number of checkpoint deletions attempted.", C),
  checkpointDeletionsFailed: newDesc("prometheus_tsdb_checkpoint_deletions_failed_total", "Total number of checkpoint deletions that failed.", C),
  headChunks: newDesc("prometheus_tsdb_head_chunks", "Total number of chunks in the head block.", G),
  chunksCreated: newDesc("prometheus_tsdb_head_chunks_created_total", "Total number of chunks created in the head", C),
  chunksRemoved: newDesc("prometheus_tsdb_head_chunks_removed_total", "Total number of chunks removed in the head", C),
  activeAppenders: newDesc("prometheus_tsdb_head_active_appenders", "Number of currently active appender transactions", G),
  seriesNotFound: newDesc("prometheus_tsdb_head_series_not_found_total", "Total number of requests for series that were not found.", C),
  truncationsFailed: newDesc("prometheus_tsdb_head_truncations_failed_total", "Total number of head truncations that failed.", C),
  gcDuration: newDesc("prometheus_tsdb_head_gc_duration_seconds", "Runtime of garbage collection in the head block.", S),
  dataReplay: newDesc("prometheus_tsdb_data_replay_duration_seconds", "Time taken to replay the data on disk.", G),
  compactionsTriggered: newDesc("prometheus_tsdb_compactions_triggered_total", "Total number of triggered compactions for the partition.", C),
  compactionsSkipped: newDesc("prometheus_tsdb_compactions_skipped_total", "Total number of skipped compactions due to disabled auto compaction.", C),
  verticalCompactions: newDesc("prometheus_tsdb_vertical_compactions_total", "Total number of compactions done on overlapping blocks.", C),
  populatingBlock: newDesc("prometheus_tsdb_compaction_populating_block", "Set to 1 when a block is currently being written to the disk.", G),
  compactionDuration: newDesc("prometheus_tsdb_compaction_duration_seconds", "Duration of compaction runs", H),
  chunkSize: newDesc("prometheus_tsdb_compaction_chunk_size_bytes", "Final size of chunks on their first compaction", H),
  chunkSamples: newDesc("prometheus_tsdb_compaction_chunk_samples", "Final number of samples on their first compaction", H),
  chunkRange: newDesc("prometheus_tsdb_compaction_chunk_range_seconds", "Final time range of chunks on their first compaction", H),
  tombstoneCleanup: newDesc("prometheus_tsdb_tombstone_cleanup_seconds", "The time taken to recompact blocks to remove tombstones.", H),
  blocksBytes: newDesc("prometheus_tsdb_storage_blocks_bytes", "The number of bytes that are currently used for local storage by all blocks.", G),
  symbolTableSize: newDesc("prometheus_tsdb_symbol_table_size_bytes", "Size of symbol table in memory for loaded blocks", G),
  cleanStart: newDesc("prometheus_tsdb_clean_start", "-1: lockfile is disabled. 0: a lockfile from a previous execution was replaced. 1: lockfile creation was clean", G),
  reloads: newDesc("prometheus_tsdb_reloads_total", "Number of times the database reloaded block data from disk.", C),
  reloadsFailed: newDesc("prometheus_tsdb_reloads_failures_total", "Number of times the database failed to reloadBlocks block data from disk.", C),
  walWritesFailed: newDesc("prometheus_tsdb_wal_writes_failed_total", "Total number of write log writes that failed.", C),
};

/** A summary's sample without quantiles (upstream's summaries without objectives): count and sum only. */
function countSum(count: number, sum: number): SummaryValue {
  return { kind: "summary", quantiles: [], values: [], sum, count };
}

/**
 * The prometheus_tsdb_* self-metrics of a DB under Prometheus's names,
 * read from its counters when gathered. `db()` is null until the DB is open.
 */
export function tsdbCollector(db: () => DB | null): Collector {
  return {
    async collect(emit: Emit): Promise<void> {
      const x = db();
      if (x === null) return;
      const h = x.stats;
      emit(d.headSeries, x.head.numSeries);
      emit(d.seriesCreated, h.seriesCreated);
      emit(d.seriesRemoved, h.seriesRemoved);
      emit(d.seriesNotFound, h.seriesNotFound);
      emit(d.activeAppenders, h.activeAppenders);
      emit(d.headChunks, h.chunksCreated - h.chunksRemoved);
      emit(d.chunksCreated, h.chunksCreated);
      emit(d.chunksRemoved, h.chunksRemoved);
      emit(d.samplesAppended, h.samplesAppended, "float");
      emit(d.outOfOrder, h.outOfOrderSamples, "float");
      emit(d.outOfBound, h.outOfBoundSamples, "float");
      emit(d.tooOld, h.tooOldSamples, "float");
      emit(d.oooAppended, h.oooSamplesAppended, "float");
      const store = x.head.chunkStore;
      emit(d.mmapCorruptions, store instanceof ChunkDiskMapper ? store.stats.corruptions : 0);
      // NOTE: matches Prometheus, which reports MaxInt64 / MinInt64 for an empty head.
      const headMin = Number.isFinite(x.head.minTime) ? x.head.minTime : MAX_INT64;
      const headMax = Number.isFinite(x.head.maxTime) ? x.head.maxTime : MIN_INT64;
      emit(d.headMin, headMin);
      emit(d.headMax, headMax);
      emit(d.headMinSeconds, headMin / 1000);
      emit(d.headMaxSeconds, headMax / 1000);
      // The oldest block's start, else the head's (Go's integer division for the seconds).
      const lowest = x.blocks.length > 0 ? x.blocks[0]!.minTime : headMin;
      emit(d.lowest, lowest);
      emit(d.lowestSeconds, Math.trunc(lowest / 1000));
      emit(d.truncations, h.truncations);
      emit(d.truncationsFailed, h.truncationsFailed);
      emit(d.gcDuration, countSum(h.gcs, h.gcSeconds));
      emit(d.blocksLoaded, x.blocks.length);
      const s = x.dbStats;
      emit(d.compactions, s.compactions);
      emit(d.compactionsFailed, s.compactionsFailed);
      emit(d.compactionsTriggered, s.compactionsTriggered);
      // NOTE: matches Prometheus, where only a DB with auto compaction disabled skips; promstack's cannot be disabled.
      emit(d.compactionsSkipped, 0);
      emit(d.verticalCompactions, s.verticalCompactions);
      emit(d.populatingBlock, s.populatingBlock);
      emit(d.compactionDuration, s.compactionDuration.value());
      emit(d.chunkSize, s.chunkSize.value());
      emit(d.chunkSamples, s.chunkSamples.value());
      emit(d.chunkRange, s.chunkRange.value());
      emit(d.tombstoneCleanup, s.tombstoneCleanup.value());
      emit(d.blocksBytes, s.blocksBytes);
      let symbols = 0;
      for (const b of x.blocks) symbols += b.symbolTableSize;
      emit(d.symbolTableSize, symbols);
      emit(d.dataReplay, s.dataReplaySeconds);
      emit(d.timeRetentions, s.timeRetentionDeletions);
      emit(d.sizeRetentions, s.sizeRetentionDeletions);
      emit(d.retentionLimit, x.retentionMs / 1000);
      emit(d.retentionBytes, x.retentionSizeBytes);
      emit(d.checkpoints, s.checkpoints);
      emit(d.checkpointsFailed, s.checkpointsFailed);
      emit(d.checkpointDeletions, s.checkpointDeletions);
      emit(d.checkpointDeletionsFailed, s.checkpointDeletionsFailed);
      emit(d.walTruncateDuration, countSum(s.walTruncations, s.walTruncateSeconds));
      emit(d.walCorruptions, h.walCorruptions);
      const w = x.walStats;
      emit(d.walFsync, w.fsyncDuration.value(FSYNC_QUANTILES));
      emit(d.walPageFlushes, w.pageFlushes);
      emit(d.walCompletedPages, w.completedPages);
      emit(d.walSegment, x.wal.segment);
      emit(d.walTruncations, w.truncations);
      emit(d.walTruncationsFailed, w.truncationsFailed);
      emit(d.walWritesFailed, w.writesFailed);
      emit(d.cleanStart, x.cleanStart);
      emit(d.reloads, s.reloads);
      emit(d.reloadsFailed, s.reloadsFailed);
    },
  };
}
