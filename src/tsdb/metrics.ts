import { type Collector, type Emit, MetricType, newDesc } from "../exposition/index.ts";
import type { DB } from "./db.ts";
import { ChunkDiskMapper } from "./head/index.ts";

const C = MetricType.Counter;
// NOTE: matches Prometheus, which reports MaxInt64 / MinInt64 for an empty head (as float64).
const MAX_INT64 = 9223372036854775807;
const MIN_INT64 = -9223372036854775808;
const G = MetricType.Gauge;
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
  walFsyncs: newDesc("prometheus_tsdb_wal_fsync_duration_seconds_count", "Number of WAL fsyncs.", C),
  cleanStart: newDesc("prometheus_tsdb_clean_start", "-1: lockfile is disabled. 0: a lockfile from a previous execution was replaced. 1: lockfile creation was clean", G),
  reloads: newDesc("prometheus_tsdb_reloads_total", "Number of times the database reloaded block data from disk.", C),
  reloadsFailed: newDesc("prometheus_tsdb_reloads_failures_total", "Number of times the database failed to reloadBlocks block data from disk.", C),
  walWritesFailed: newDesc("prometheus_tsdb_wal_writes_failed_total", "Total number of write log writes that failed.", C),
};

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
      emit(d.blocksLoaded, x.blocks.length);
      const s = x.dbStats;
      emit(d.compactions, s.compactions + s.headCompactions);
      emit(d.compactionsFailed, s.compactionsFailed);
      emit(d.timeRetentions, s.timeRetentionDeletions);
      emit(d.sizeRetentions, s.sizeRetentionDeletions);
      emit(d.retentionLimit, x.retentionMs / 1000);
      emit(d.retentionBytes, x.retentionSizeBytes);
      emit(d.checkpoints, s.checkpoints);
      emit(d.walCorruptions, h.walCorruptions);
      emit(d.walFsyncs, x.walStats.fsyncs);
      emit(d.walWritesFailed, x.walStats.writesFailed);
      emit(d.cleanStart, x.cleanStart);
      emit(d.reloads, s.reloads);
      emit(d.reloadsFailed, s.reloadsFailed);
    },
  };
}
