/**
 * The scrape manager's self-metrics under Prometheus's names and HELP
 * texts (scrape/metrics.go): pool, sync and reload counters, the
 * per-scrape rejection counters, and the interval summaries.
 */
import { CounterVec, GaugeVec, MetricType, SummaryVec, newDesc } from "../exposition/index.ts";
import type { Collector, Emit } from "../exposition/index.ts";
import type { Clock } from "../util/index.ts";

// The objectives Prometheus gives its scrape summaries.
const OBJECTIVES: readonly number[] = [0.01, 0.05, 0.5, 0.9, 0.99];

/** Something that knows the active targets' metadata sizes per pool. */
export interface MetadataSizer {
  metadataSizes(): Map<string, { entries: number; bytes: number }>;
}

const metadataEntriesDesc = newDesc("prometheus_target_metadata_cache_entries", "Total number of metric metadata entries in the cache", MetricType.Gauge, ["scrape_job"]);
const metadataBytesDesc = newDesc(
  "prometheus_target_metadata_cache_bytes",
  "The number of bytes that are currently used for storing metric metadata in the cache",
  MetricType.Gauge,
  ["scrape_job"],
);

/**
 * Every scrape self-metric, as one Collector to register in the server's
 * registry. Fields are the instruments; plain counters have no labels.
 */
export class ScrapeMetrics implements Collector {
  readonly scrapePools = new CounterVec("prometheus_target_scrape_pools_total", "Total number of scrape pool creation attempts.");
  readonly scrapePoolsFailed = new CounterVec("prometheus_target_scrape_pools_failed_total", "Total number of scrape pool creations that failed.");
  readonly reloadLength: SummaryVec;
  readonly poolReloads = new CounterVec("prometheus_target_scrape_pool_reloads_total", "Total number of scrape pool reloads.");
  readonly poolReloadsFailed = new CounterVec("prometheus_target_scrape_pool_reloads_failed_total", "Total number of failed scrape pool reloads.");
  readonly poolSyncs = new CounterVec("prometheus_target_scrape_pool_sync_total", "Total number of syncs that were executed on a scrape pool.", ["scrape_job"]);
  readonly poolExceededTargetLimit = new CounterVec(
    "prometheus_target_scrape_pool_exceeded_target_limit_total",
    "Total number of times scrape pools hit the target limit, during sync or config reload.",
  );
  readonly poolTargetLimit = new GaugeVec("prometheus_target_scrape_pool_target_limit", "Maximum number of targets allowed in this scrape pool.", ["scrape_job"]);
  readonly poolTargets = new GaugeVec("prometheus_target_scrape_pool_targets", "Current number of targets in this scrape pool.", ["scrape_job"]);
  readonly syncLength: SummaryVec;
  readonly syncFailed = new CounterVec("prometheus_target_sync_failed_total", "Total number of target sync failures.", ["scrape_job"]);
  readonly exceededBodySizeLimit = new CounterVec("prometheus_target_scrapes_exceeded_body_size_limit_total", "Total number of scrapes that hit the body size limit");
  readonly cacheFlushForcedTotal = new CounterVec(
    "prometheus_target_scrapes_cache_flush_forced_total",
    "How many times a scrape cache was flushed due to getting big while scrapes are failing.",
  );
  readonly intervalLength: SummaryVec;
  readonly exceededSampleLimit = new CounterVec("prometheus_target_scrapes_exceeded_sample_limit_total", "Total number of scrapes that hit the sample limit and were rejected.");
  readonly sampleDuplicate = new CounterVec(
    "prometheus_target_scrapes_sample_duplicate_timestamp_total",
    "Total number of samples rejected due to duplicate timestamps but different values.",
  );
  readonly sampleOutOfOrder = new CounterVec("prometheus_target_scrapes_sample_out_of_order_total", "Total number of samples rejected due to not being out of the expected order.");
  readonly sampleOutOfBounds = new CounterVec(
    "prometheus_target_scrapes_sample_out_of_bounds_total",
    "Total number of samples rejected due to timestamp falling outside of the time bounds.",
  );
  readonly exemplarOutOfOrder = new CounterVec("prometheus_target_scrapes_exemplar_out_of_order_total", "Total number of exemplar rejected due to not being out of the expected order.");
  readonly poolExceededLabelLimits = new CounterVec(
    "prometheus_target_scrape_pool_exceeded_label_limits_total",
    "Total number of times scrape pools hit the label limits, during sync or config reload.",
  );
  readonly exceededBucketLimit = new CounterVec(
    "prometheus_target_scrapes_exceeded_native_histogram_bucket_limit_total",
    "Total number of scrapes that hit the native histogram bucket limit and were rejected.",
  );
  #sizer: MetadataSizer | null = null;

  constructor(clock: Clock) {
    const summary = (name: string, help: string, label: string): SummaryVec => new SummaryVec(name, help, [label], OBJECTIVES, () => clock.now());
    this.reloadLength = summary("prometheus_target_reload_length_seconds", "Actual interval to reload the scrape pool with a given configuration.", "interval");
    this.syncLength = summary("prometheus_target_sync_length_seconds", "Actual interval to sync the scrape pool.", "scrape_job");
    this.intervalLength = summary("prometheus_target_interval_length_seconds", "Actual intervals between scrapes.", "interval");
    // Unlabelled counters are exposed at 0 from the start, as client_golang does.
    for (const c of [
      this.scrapePools,
      this.scrapePoolsFailed,
      this.poolReloads,
      this.poolReloadsFailed,
      this.poolExceededTargetLimit,
      this.exceededBodySizeLimit,
      this.cacheFlushForcedTotal,
      this.exceededSampleLimit,
      this.sampleDuplicate,
      this.sampleOutOfOrder,
      this.sampleOutOfBounds,
      this.exemplarOutOfOrder,
      this.poolExceededLabelLimits,
      this.exceededBucketLimit,
    ]) {
      c.with();
    }
  }

  /** Sets where the metadata cache gauges read from (the manager). */
  setMetadataSizer(s: MetadataSizer): void {
    this.#sizer = s;
  }

  /** Counts a forced scrape cache flush. */
  cacheFlushForced(): void {
    this.cacheFlushForcedTotal.with().inc();
  }

  /** Removes the per-job children of a stopped pool. */
  deletePool(job: string): void {
    this.poolSyncs.remove(job);
    this.poolTargetLimit.remove(job);
    this.poolTargets.remove(job);
    this.syncLength.remove(job);
    this.syncFailed.remove(job);
  }

  async collect(emit: Emit): Promise<void> {
    const all: Collector[] = [
      this.scrapePools,
      this.scrapePoolsFailed,
      this.reloadLength,
      this.poolReloads,
      this.poolReloadsFailed,
      this.poolSyncs,
      this.poolExceededTargetLimit,
      this.poolTargetLimit,
      this.poolTargets,
      this.syncLength,
      this.syncFailed,
      this.exceededBodySizeLimit,
      this.cacheFlushForcedTotal,
      this.intervalLength,
      this.exceededSampleLimit,
      this.sampleDuplicate,
      this.sampleOutOfOrder,
      this.sampleOutOfBounds,
      this.exemplarOutOfOrder,
      this.poolExceededLabelLimits,
      this.exceededBucketLimit,
    ];
    for (const c of all) await c.collect(emit);
    if (this.#sizer !== null) {
      for (const [job, s] of this.#sizer.metadataSizes()) {
        emit(metadataEntriesDesc, s.entries, job);
        emit(metadataBytesDesc, s.bytes, job);
      }
    }
  }
}
