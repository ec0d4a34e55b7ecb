/**
 * Scraping: the manager that runs one pool per scrape config, target label
 * population, the scrape loop with its cache, limits and staleness, and the
 * scrape self-metrics.
 */
export { ScrapeManager, ApplyConfigError, DEFAULT_USER_AGENT } from "./manager.ts";
export type { ScrapeManagerOptions, ActiveTargetInfo, DroppedTargetInfo, TargetsInfo, TargetMetadata } from "./manager.ts";
export { ScrapePool, TargetLimitError, httpScraperFactory, scrapeAcceptHeader } from "./pool.ts";
export type { ScrapePoolOptions, ScraperFactory } from "./pool.ts";
export { ScrapeLoop, HttpScraper, DEFAULT_WORKER_PARSE_MIN_BYTES, SampleLimitError, LabelLimitError, InvalidSeriesError, mutateSampleLabels, mutateReportSampleLabels, verifyLabelLimits } from "./loop.ts";
export type { Scraper, ScrapeLoopOptions, HttpScraperOptions } from "./loop.ts";
export { ScrapeCache } from "./cache.ts";
export { ParsePool, ParseWorkerError, defaultParseWorkers } from "./parse-pool.ts";
export type { ParsePoolOptions } from "./parse-pool.ts";
export { ScrapeHttpClient, BodySizeLimitError, HttpStatusError, ScrapeRequestError } from "./http-client.ts";
export type { ScrapeResponse } from "./http-client.ts";
export { ScrapeMetrics } from "./metrics.ts";
export {
  Target,
  TargetHealth,
  TargetLabelsError,
  populateLabels,
  populateDiscoveredLabels,
  targetsFromGroup,
  formatRFC3339,
  AddressLabel,
  SchemeLabel,
  MetricsPathLabel,
  ScrapeIntervalLabel,
  ScrapeTimeoutLabel,
  ParamLabelPrefix,
} from "./target.ts";
export type { MetricMetadata, MetricMetadataStore } from "./target.ts";
