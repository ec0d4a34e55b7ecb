/**
 * The scrape loop of one target (upstream's scrapeLoop): scrapes on a
 * ticker phased by the target's offset, parses the body with the pull
 * parser (on a worker thread of the manager's ParsePool when the body is
 * big, inline otherwise), appends samples through the scrape cache (labels
 * built and relabeled only for new series text) on the main thread,
 * enforces the limits, writes stale markers for series that disappeared,
 * and appends the report series.
 *
 *   start ──offset──► scrape ──► append ──► report ──► commit ─┐
 *                       ▲                                    │ next tick
 *                       └────────────────────────────────────┘
 *   stop(): the current scrape finishes; two ticks and 10% later every
 *   series of the target gets a stale marker (unless the pool was stopped
 *   or a reloaded loop took the cache over).
 */
import { LabelInterner, Labels, LabelsBuilder, MetricName, formatDuration, isLegacyMetricName, isValidLabelNameIn, mergeDisjoint, relabelBuilder, NameValidationScheme } from "../model/index.ts";
import type { ScrapeConfig } from "../config/index.ts";
import { ContentTypeError, Entry, decodeExposition, extractMediaType, parserForMediaType, protocolMediaType, isScrapeProtocol } from "../exposition/index.ts";
import type { Appendable, Appender, SeriesRef } from "../storage/index.ts";
import { keepShape } from "../util/index.ts";
import type { Clock, Logger } from "../util/index.ts";
import type { CacheEntry, ScrapeCache } from "./cache.ts";
import { BodySizeLimitError, CONTEXT_CANCELED, DEADLINE_EXCEEDED } from "./http-client.ts";
import type { ScrapeHttpClient, ScrapeResponse } from "./http-client.ts";
import type { ScrapeMetrics } from "./metrics.ts";
import type { ParsePool } from "./parse-pool.ts";
import { ColumnsParser, isColumnsMediaType } from "./parsed-body.ts";
import type { EntrySource } from "./parsed-body.ts";
import type { Target } from "./target.ts";

/** Samples more than this far in the future are out of bounds (upstream's maxAheadTime). */
const MAX_AHEAD_MS = 10 * 60_000;
/** Scrape timestamps within this of the ideal tick are aligned to it, for better compression. */
const SCRAPE_TIMESTAMP_TOLERANCE_MS = 2;
/** Entries appended between yields to the event loop, so big scrapes do not stall others. */
const YIELD_EVERY = 4096;
/**
 * The default ScrapeLoopOptions.workerParseMinBytes: 512 KiB. The text
 * parser reads a plain series line in about a quarter of a microsecond, so
 * replaying a worker's columns on the main thread costs it as much as
 * parsing inline: with scrape.bench.js, bodies of 70 KiB cost the main
 * thread 7-12% more CPU per sample through a worker, 210 KiB 1-8% more,
 * 700 KiB the same. The inline parse is interleaved with the appends and
 * yields with them every few thousand entries, so it does not hold the
 * event loop longer than they do. Bigger bodies still go to a worker, so
 * that a huge one is decoded and parsed off the main thread.
 */
export const DEFAULT_WORKER_PARSE_MIN_BYTES = 512 * 1024;
/** Prefix given to scraped labels that conflict with target labels. */
const EXPORTED_PREFIX = "exported_";
// Report series are cached under their name plus a lone surrogate, which no
// decoded body contains (invalid bytes decode to U+DC80..U+DCFF).
const REPORT_SUFFIX = "\uDFFF";

const EMPTY = new Uint8Array(0);

/** Rejection reasons as the TSDB head reports them (HeadAppender.lastReject). */
const Reject = { OutOfOrder: "out of order sample", Duplicate: "duplicate sample for timestamp", OutOfBounds: "out of bounds" } as const;

/** The scrape exposed more samples than sample_limit. */
export class SampleLimitError extends Error {
  constructor() {
    super("sample limit exceeded");
    this.name = "SampleLimitError";
  }
}

/** A series broke label_limit, label_name_length_limit or label_value_length_limit. */
export class LabelLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LabelLimitError";
  }
}

/** A series without a metric name or with invalid names after relabeling. */
export class InvalidSeriesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidSeriesError";
  }
}

/** Fetches a target's metrics. */
export interface Scraper {
  /**
   * One scrape; rejects with the reason it failed. Must stop when signal
   * aborts. The response's body belongs to the loop from then on: it may be
   * transferred to a parse worker (its buffer detached), so a scraper must
   * not hand out the same body twice. The loop calls the response's
   * release() once it no longer reads the body.
   */
  scrape(signal: AbortSignal): Promise<ScrapeResponse>;
}

/** Options of HttpScraper. */
export interface HttpScraperOptions {
  timeoutMs: number;
  bodySizeLimit: number;
  acceptHeader: string;
  /** "gzip", or "identity" when enable_compression is false. */
  acceptEncoding: string;
  userAgent: string;
  /** Called when a scrape hits the body size limit. */
  onBodySizeLimit: () => void;
}

/** Scrapes a target over HTTP with the headers Prometheus sends. */
export class HttpScraper implements Scraper {
  readonly #client: ScrapeHttpClient;
  readonly #target: Target;
  readonly #opts: HttpScraperOptions;
  readonly #headers: Record<string, string>;

  constructor(client: ScrapeHttpClient, target: Target, opts: HttpScraperOptions) {
    this.#client = client;
    this.#target = target;
    this.#opts = opts;
    this.#headers = {
      accept: opts.acceptHeader,
      "accept-encoding": opts.acceptEncoding,
      "user-agent": opts.userAgent,
      "x-prometheus-scrape-timeout-seconds": String(opts.timeoutMs / 1000),
    };
  }

  async scrape(signal: AbortSignal): Promise<ScrapeResponse> {
    try {
      return await this.#client.get(this.#target.url(), this.#headers, signal, this.#opts.bodySizeLimit);
    } catch (e) {
      if (e instanceof BodySizeLimitError) this.#opts.onBodySizeLimit();
      throw e;
    }
  }
}

/** Options of a ScrapeLoop. */
export interface ScrapeLoopOptions {
  target: Target;
  scraper: Scraper;
  cache: ScrapeCache;
  appendable: Appendable;
  /** The pool's config: honor_labels, limits, metric relabeling, ... */
  config: ScrapeConfig;
  intervalMs: number;
  timeoutMs: number;
  offsetSeed: bigint;
  clock: Clock;
  logger: Logger;
  metrics: ScrapeMetrics;
  /** Aborted when the pool stops: in-flight scrapes are canceled and no end-of-run stale markers are written. */
  parentSignal: AbortSignal;
  /** Start scraping at once instead of after the target's offset (tests). */
  skipOffsetting?: boolean;
  /** Parses big bodies off the main thread; null or absent: always inline. */
  parsePool?: ParsePool | null;
  /** Bodies of at least this many bytes go to parsePool (default DEFAULT_WORKER_PARSE_MIN_BYTES). */
  workerParseMinBytes?: number;
  /** Shares the label strings of the series this loop creates (default: one of the loop's own). */
  interner?: LabelInterner;
}

interface AppendResult {
  total: number;
  added: number;
  seriesAdded: number;
  err: Error | null;
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

// Go's %.50s: at most 50 code points.
function trunc50(s: string): string {
  if (s.length <= 50) return s;
  return Array.from(s).slice(0, 50).join("");
}

// Go's %.50q: the first 50 code points, quoted.
function quote50(s: string): string {
  return JSON.stringify(trunc50(s));
}

/** Checks the label limits of a series; returns the error Prometheus reports, or null. */
export function verifyLabelLimits(lset: Labels, labelLimit: number, nameLengthLimit: number, valueLengthLimit: number): LabelLimitError | null {
  const met = lset.get(MetricName);
  if (labelLimit > 0 && lset.length > labelLimit) {
    return new LabelLimitError(`label_limit exceeded (metric: ${trunc50(met)}, number of labels: ${lset.length}, limit: ${labelLimit})`);
  }
  if (nameLengthLimit === 0 && valueLengthLimit === 0) return null;
  for (let i = 0; i < lset.length; i++) {
    const name = lset.names[i]!;
    const value = lset.values[i]!;
    const nl = Buffer.byteLength(name);
    if (nameLengthLimit > 0 && nl > nameLengthLimit) {
      return new LabelLimitError(`label_name_length_limit exceeded (metric: ${trunc50(met)}, label name: ${trunc50(name)}, length: ${nl}, limit: ${nameLengthLimit})`);
    }
    const vl = Buffer.byteLength(value);
    if (valueLengthLimit > 0 && vl > valueLengthLimit) {
      return new LabelLimitError(
        `label_value_length_limit exceeded (metric: ${trunc50(met)}, label name: ${trunc50(name)}, value: ${quote50(value)}, length: ${vl}, limit: ${valueLengthLimit})`,
      );
    }
  }
  return null;
}

/**
 * A scraped series' final labels: the target's public labels attached
 * (honor_labels keeps the scraped value on conflict; otherwise the scraped
 * value moves to `exported_<name>`, prefixed again until free, shortest
 * names first), then metric_relabel_configs. Null when dropped.
 */
export function mutateSampleLabels(lset: Labels, targetLabels: Labels, honorLabels: boolean, rc: ScrapeConfig["metricRelabelConfigs"]): Labels | null {
  // Usually no scraped name is also a target label: one merge, and without metric relabelling no builder.
  const merged = mergeDisjoint(lset, targetLabels);
  if (merged !== null && rc.length === 0) return merged.length === 0 ? null : merged;
  const lb = merged !== null ? new LabelsBuilder(merged) : withTargetLabels(lset, targetLabels, honorLabels);
  if (!relabelBuilder(lb, rc)) return null;
  const out = lb.labels();
  return out.length === 0 ? null : out;
}

/** A builder of lset with the target labels attached, some name being in both (see mutateSampleLabels). */
function withTargetLabels(lset: Labels, targetLabels: Labels, honorLabels: boolean): LabelsBuilder {
  const lb = new LabelsBuilder(lset);
  if (honorLabels) {
    targetLabels.forEach((n, v) => {
      if (!lset.has(n)) lb.set(n, v);
    });
    return lb;
  }
  const conflicts: [string, string][] = [];
  targetLabels.forEach((n, v) => {
    const existing = lset.get(n);
    if (existing !== "") conflicts.push([n, existing]);
    lb.set(n, v);
  });
  conflicts.sort((a, b) => a[0].length - b[0].length);
  for (const [n, v] of conflicts) {
    let name = n;
    for (;;) {
      name = EXPORTED_PREFIX + name;
      if (lb.get(name) === "") {
        lb.set(name, v);
        break;
      }
    }
  }
  return lb;
}

/** The labels of a report series: the target's labels win; a clash moves the report's own value to `exported_<name>`. */
export function mutateReportSampleLabels(lset: Labels, targetLabels: Labels): Labels {
  const lb = new LabelsBuilder(lset);
  targetLabels.forEach((n, v) => {
    lb.set(EXPORTED_PREFIX + n, lset.get(n));
    lb.set(n, v);
  });
  return lb.labels();
}

function isValidSeries(lset: Labels, scheme: NameValidationScheme): boolean {
  for (let i = 0; i < lset.length; i++) {
    const n = lset.names[i]!;
    const v = lset.values[i]!;
    if (n === MetricName) {
      const ok = scheme === NameValidationScheme.Legacy ? isLegacyMetricName(v) : v.length > 0 && v.isWellFormed();
      if (!ok) return false;
    }
    if (!isValidLabelNameIn(n, scheme) || !v.isWellFormed()) return false;
  }
  return true;
}

function rejectReason(app: Appender): string {
  const r = (app as { lastReject?: unknown }).lastReject;
  // NOTE: appenders that do not say why (MemoryStorage) reject out-of-order or duplicate samples; count them as out of order.
  return typeof r === "string" && r !== "" ? r : Reject.OutOfOrder;
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The report series: name, and whether only extra-scrape-metrics adds it. */
const REPORT_SERIES = [
  "up",
  "scrape_duration_seconds",
  "scrape_samples_scraped",
  "scrape_samples_post_metric_relabeling",
  "scrape_series_added",
  "scrape_timeout_seconds",
  "scrape_sample_limit",
  "scrape_body_size_bytes",
] as const;
const BASIC_REPORT_SERIES = 5;

/**
 * Scrapes one target until stopped. Single use: start() once, stop() once.
 */
export class ScrapeLoop {
  readonly target: Target;
  readonly cache: ScrapeCache;
  readonly #o: ScrapeLoopOptions;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #targetLabels: Labels;
  readonly #fallbackMediaType: string;
  /** The last scrape's Content-Type and what extractMediaType made of it: a target sends the same one every time. */
  #media: ({ contentType: string } & ReturnType<typeof extractMediaType>) | null;
  /**
   * The media type of the last body appended without error: the cache's
   * series texts in scrape order (its expected entries) were read by that
   * format's parser. Another format may read a text differently (the text
   * format allows blanks that OpenMetrics rejects), so its parser gets no
   * guesses until one of its bodies has been appended.
   */
  #guessMediaType: string | null;
  readonly #validationScheme: NameValidationScheme;
  readonly #lb: LabelsBuilder;
  readonly #interner: LabelInterner;
  /** The sample handed to Appender.appendSample: time, value. */
  readonly #sample: Float64Array;
  #forcedErr: Error | null;
  #timer: { cancel(): void } | null;
  #busy: boolean;
  #stopping: boolean;
  #finished: boolean;
  #resolveStopped: () => void;
  readonly #stopped: Promise<void>;
  #disabledEndOfRunStaleness: boolean;
  /** Start time of the last scrape, null before the first. */
  #last: number | null;
  /** The ticker's phase (its first tick) and the last tick consumed. */
  #tick0: number;
  #lastTick: number;
  #tickBeforeWait: number;
  #aligned: number;

  constructor(o: ScrapeLoopOptions) {
    this.target = o.target;
    this.cache = o.cache;
    this.#o = o;
    this.#logger = o.logger.with("target", o.target.url());
    this.#intervalMs = o.intervalMs;
    this.#timeoutMs = o.timeoutMs;
    this.#targetLabels = o.target.publicLabels();
    const fb = o.config.fallbackScrapeProtocol;
    this.#fallbackMediaType = fb !== "" && isScrapeProtocol(fb) ? protocolMediaType(fb) : "";
    this.#media = null;
    this.#guessMediaType = null;
    this.#validationScheme = o.config.metricNameValidationScheme === NameValidationScheme.Legacy ? NameValidationScheme.Legacy : NameValidationScheme.UTF8;
    this.#lb = new LabelsBuilder();
    this.#interner = o.interner ?? new LabelInterner();
    this.#sample = new Float64Array(2);
    this.#forcedErr = null;
    this.#timer = null;
    this.#busy = false;
    this.#stopping = false;
    this.#finished = false;
    this.#resolveStopped = () => {};
    this.#stopped = new Promise((r) => (this.#resolveStopped = r));
    this.#disabledEndOfRunStaleness = false;
    this.#last = null;
    this.#tick0 = 0;
    this.#lastTick = 0;
    this.#tickBeforeWait = 0;
    this.#aligned = 0;
    o.target.metadata = o.cache;
  }

  /** Makes every following scrape fail with err (target_limit) without scraping; null clears it. */
  setForcedError(err: Error | null): void {
    this.#forcedErr = err;
  }

  /** Keeps stop() from writing end-of-run stale markers (a reloaded loop continues the series). */
  disableEndOfRunStalenessMarkers(): void {
    this.#disabledEndOfRunStaleness = true;
  }

  /** Starts the loop: the first scrape comes after the target's offset. */
  start(): void {
    if (this.#o.parentSignal.aborted) {
      this.#finish();
      return;
    }
    const c = this.#o.clock;
    const offset = this.#o.skipOffsetting === true ? 0 : this.target.offset(this.#intervalMs, this.#o.offsetSeed, c.now());
    this.#timer = c.setTimeout(() => {
      this.#timer = null;
      this.#tick0 = c.now();
      this.#lastTick = this.#tick0;
      this.#aligned = this.#tick0;
      void this.#iterate();
    }, offset);
  }

  /**
   * Stops scraping. Resolves once no scrape is in flight; end-of-run stale
   * markers are written later, in the background (unless disabled or the
   * pool's signal aborts).
   */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopped;
    this.#stopping = true;
    if (!this.#busy) {
      if (this.#timer !== null) {
        this.#timer.cancel();
        this.#timer = null;
        // The tick waited for was not consumed: end-of-run staleness waits for it.
        this.#lastTick = this.#tickBeforeWait;
      }
      this.#finish();
      void this.#endOfRunStaleness();
    }
    return this.#stopped;
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#resolveStopped();
  }

  async #iterate(): Promise<void> {
    const parent = this.#o.parentSignal;
    if (this.#stopping || parent.aborted) {
      this.#finish();
      return;
    }
    const iv = this.#intervalMs;
    let scrapeTime = this.#o.clock.now();
    // Timers jitter; a scrape time within the tolerance of its tick uses the tick (upstream #7846).
    const tolerance = Math.min(iv / 100, SCRAPE_TIMESTAMP_TOLERANCE_MS);
    while (scrapeTime - this.#aligned >= iv) this.#aligned += iv;
    if (scrapeTime - this.#aligned <= tolerance) scrapeTime = this.#aligned;

    this.#busy = true;
    try {
      this.#last = await this.scrapeAndReport(this.#last, scrapeTime);
    } finally {
      this.#busy = false;
    }
    if (parent.aborted) {
      this.#finish();
      return;
    }
    if (this.#stopping) {
      this.#finish();
      void this.#endOfRunStaleness();
      return;
    }
    this.#tickBeforeWait = this.#lastTick;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = null;
      void this.#iterate();
    }, this.#untilNextTick());
  }

  /**
   * Delay until the next tick of a Go ticker (ticks at tick0 + k·interval,
   * one buffered): a tick missed while busy is delivered at once, the
   * others are dropped. Consumes the tick.
   */
  #untilNextTick(): number {
    const now = this.#o.clock.now();
    const iv = this.#intervalMs;
    const pending = this.#lastTick + iv;
    if (pending <= now) {
      this.#lastTick = this.#tick0 + Math.floor((now - this.#tick0) / iv) * iv;
      return 0;
    }
    this.#lastTick = pending;
    return pending - now;
  }

  /** Sleeps ms on the clock; false if the pool's signal aborted meanwhile. */
  #sleep(ms: number): Promise<boolean> {
    const parent = this.#o.parentSignal;
    return new Promise((resolve) => {
      if (parent.aborted) {
        resolve(false);
        return;
      }
      const onAbort = (): void => {
        t.cancel();
        resolve(false);
      };
      const t = this.#o.clock.setTimeout(() => {
        parent.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      parent.addEventListener("abort", onAbort, { once: true });
    });
  }

  async #endOfRunStaleness(): Promise<void> {
    // The target may come back (a flapping discovery): wait for when the
    // next scrape would have been, record its time, wait one more interval
    // and 10% for a recreated loop to have scraped, then mark everything
    // stale. Stale markers behind fresher samples are rejected as out of order.
    if (this.#last === null || this.#disabledEndOfRunStaleness) return;
    if (!(await this.#sleep(this.#untilNextTick()))) return;
    const staleTime = this.#o.clock.now();
    if (!(await this.#sleep(this.#untilNextTick()))) return;
    if (!(await this.#sleep(this.#intervalMs / 10))) return;
    if (this.#disabledEndOfRunStaleness) return;
    let app = this.#o.appendable.appender();
    const r = await this.#appendBody(app, EMPTY, "", staleTime);
    if (r.err !== null) {
      app.rollback();
      app = this.#o.appendable.appender();
      this.#logger.warn("Stale append failed", "err", r.err);
    }
    try {
      this.#report(app, staleTime, 0, 0, 0, 0, 0, null, true);
      await app.commit();
    } catch (e) {
      app.rollback();
      this.#logger.warn("Stale commit failed", "err", toError(e));
    }
  }

  async #fetch(): Promise<ScrapeResponse> {
    const parent = this.#o.parentSignal;
    const ctl = new AbortController();
    const timer = this.#o.clock.setTimeout(() => ctl.abort(DEADLINE_EXCEEDED), this.#timeoutMs);
    const onParent = (): void => ctl.abort(CONTEXT_CANCELED);
    if (parent.aborted) ctl.abort(CONTEXT_CANCELED);
    else parent.addEventListener("abort", onParent, { once: true });
    try {
      return await this.#o.scraper.scrape(ctl.signal);
    } finally {
      timer.cancel();
      parent.removeEventListener("abort", onParent);
    }
  }

  /**
   * One scrape: fetch, append, report, commit, with appendTime as the
   * samples' default timestamp. Returns the scrape's start time. Never rejects.
   */
  async scrapeAndReport(last: number | null, appendTime: number): Promise<number> {
    const o = this.#o;
    const start = o.clock.now();
    if (last !== null) o.metrics.intervalLength.with(formatDuration(this.#intervalMs)).observe((start - last) / 1000);

    let total = 0;
    let added = 0;
    let seriesAdded = 0;
    let bytesRead = 0;
    let scrapeErr: Error | null = null;
    let app = o.appendable.appender();

    if (this.#forcedErr !== null) {
      scrapeErr = this.#forcedErr;
      // Stale markers for everything the target exposed before.
      const r = await this.#appendBody(app, EMPTY, "", appendTime);
      if (r.err !== null) {
        app.rollback();
        app = o.appendable.appender();
        this.#logger.warn("Append failed", "err", r.err);
      }
    } else {
      let body: Uint8Array = EMPTY;
      let contentType = "";
      let release: (() => void) | undefined;
      try {
        const res = await this.#fetch();
        body = res.body;
        contentType = res.contentType;
        release = res.release;
        bytesRead = body.length;
      } catch (e) {
        scrapeErr = toError(e);
        this.#logger.debug("Scrape failed", "err", scrapeErr);
        if (scrapeErr instanceof BodySizeLimitError) bytesRead = -1;
      }
      // A failed scrape is an empty one: appending nothing writes the stale markers.
      const r = await this.#appendBody(app, scrapeErr === null ? body : EMPTY, contentType, appendTime);
      // The body is parsed (or was handed to a worker): its buffer can serve another scrape.
      release?.();
      total = r.total;
      added = r.added;
      seriesAdded = r.seriesAdded;
      if (r.err !== null) {
        app.rollback();
        app = o.appendable.appender();
        this.#logger.debug("Append failed", "err", r.err);
        const r2 = await this.#appendBody(app, EMPTY, "", appendTime);
        if (r2.err !== null) {
          app.rollback();
          app = o.appendable.appender();
          this.#logger.warn("Append failed", "err", r2.err);
        }
        if (scrapeErr === null) scrapeErr = r.err;
      }
    }

    const durationMs = o.clock.now() - start;
    this.target.report(start, durationMs, scrapeErr);
    try {
      this.#report(app, appendTime, durationMs, total, added, seriesAdded, bytesRead, scrapeErr, false);
    } catch (e) {
      this.#logger.warn("Appending scrape report failed", "err", toError(e));
      app.rollback();
      return start;
    }
    try {
      await app.commit();
    } catch (e) {
      this.#logger.error("Scrape commit failed", "err", toError(e));
    }
    return start;
  }

  /** Marks series of the previous scrape missing from this one stale at t; rejections are expected and ignored. */
  #updateStaleMarkers(app: Appender, t: number): void {
    this.cache.forEachStale((ref, lset) => {
      app.append(ref, lset, t, Number.NaN, { stale: true });
      return true;
    });
  }

  /**
   * Appends one scrape body (empty: only stale markers). Returns the counts
   * so far and the error that failed the scrape, if any; on error the
   * caller rolls the appender back.
   */
  async #appendBody(app: Appender, body: Uint8Array, contentType: string, ts: number): Promise<AppendResult> {
    const res: AppendResult = { total: 0, added: 0, seriesAdded: 0, err: null };
    const cache = this.cache;
    try {
      if (body.length === 0) {
        this.#updateStaleMarkers(app, ts);
        cache.iterDone(false);
        return res;
      }
      // The parser is chosen as parserFor does; the media type decides whether it runs here or on a worker.
      let media = this.#media;
      if (media === null || media.contentType !== contentType) {
        media = { contentType, ...extractMediaType(contentType, this.#fallbackMediaType) };
        this.#media = media;
      }
      const { mediaType, error } = media;
      if (mediaType === null) return this.#noParser(res, contentType, error);
      if (error !== null) {
        this.#logger.debug("Invalid content type on scrape, using fallback setting.", "content_type", contentType, "fallback_media_type", this.#fallbackMediaType, "err", error);
      }
      const pool = this.#o.parsePool ?? null;
      // A big body goes to a free worker; when every worker is busy it is
      // parsed here rather than queued, so the workers never cap the
      // scrape rate below what the main thread can do alone.
      if (pool !== null && isColumnsMediaType(mediaType) && body.length >= (this.#o.workerParseMinBytes ?? DEFAULT_WORKER_PARSE_MIN_BYTES) && pool.idle) {
        // Nothing is appended before the columns are back: no await between reading and writing head state.
        // The pool stopping cancels the parse (its worker is terminated).
        const columns = await pool.parse(body, mediaType, this.#o.parentSignal);
        await this.#appendParsed(app, new ColumnsParser(columns), ts, res, false);
      } else {
        const parser = parserForMediaType(decodeExposition(body), mediaType);
        if (parser instanceof ContentTypeError) return this.#noParser(res, contentType, parser);
        await this.#appendParsed(app, parser, ts, res, mediaType === this.#guessMediaType);
      }
      if (res.err === null) this.#guessMediaType = mediaType;
    } catch (e) {
      res.err = toError(e);
    }
    return res;
  }

  /** Fails the scrape: no parser for the body's Content-Type. */
  #noParser(res: AppendResult, contentType: string, error: Error | null): AppendResult {
    this.#logger.error("Failed to determine correct type of scrape target.", "content_type", contentType, "fallback_media_type", this.#fallbackMediaType, "err", error);
    res.err = error ?? new Error("no parser");
    return res;
  }

  /** guess: whether p may be given the cache's expected series texts (see #guessMediaType). */
  async #appendParsed(app: Appender, p: EntrySource, defTime: number, res: AppendResult, guess: boolean): Promise<void> {
    const o = this.#o;
    const cfg = o.config;
    const cache = this.cache;
    const metrics = o.metrics;
    const honorTimestamps = cfg.honorTimestamps;
    const trackTsStaleness = cfg.trackTimestampsStaleness;
    const sampleLimit = cfg.sampleLimit;
    const maxTime = o.clock.now() + MAX_AHEAD_MS;
    let limitCount = 0;
    let sampleLimitErr: SampleLimitError | null = null;
    let numOutOfOrder = 0;
    let numDuplicates = 0;
    let numOutOfBounds = 0;
    let err: Error | null = null;
    let entries = 0;

    loop: for (;;) {
      if (++entries % YIELD_EVERY === 0) await yieldToEventLoop();
      const expected = guess ? cache.expected() : null;
      p.expect(expected === null ? "" : expected.key);
      let et: Entry;
      try {
        et = p.next();
      } catch (e) {
        err = toError(e);
        break;
      }
      switch (et) {
        case Entry.EOF:
          break loop;
        case Entry.Type:
          cache.setType(p.familyName(), p.type());
          continue;
        case Entry.Help:
          cache.setHelp(p.familyName(), p.help());
          continue;
        case Entry.Unit:
          cache.setUnit(p.familyName(), p.unit());
          continue;
        case Entry.Comment:
          continue;
      }
      res.total++;
      const parsedTs = honorTimestamps ? p.timestamp() : null;
      const t = parsedTs ?? defTime;
      // The series text is a range of the parser's source: a cached series costs no string.
      const src = p.seriesSource();
      const from = p.seriesFrom();
      const to = p.seriesTo();
      let ce: CacheEntry | null = expected !== null && p.expectedMatched() ? cache.seen(expected) : cache.lookup(src, from, to);
      if (ce !== null && ce.dropped) continue;
      const cached = ce !== null;
      const alreadyScraped = cache.alreadyScraped;
      let ref: SeriesRef = 0;
      let lset: Labels;
      if (ce !== null) {
        ref = ce.ref;
        lset = ce.lset;
      } else {
        const mutated = mutateSampleLabels(p.labels(this.#lb), this.#targetLabels, cfg.honorLabels, cfg.metricRelabelConfigs);
        if (mutated === null) {
          cache.addDropped(src.slice(from, to));
          continue;
        }
        // A new series: its labels live as long as it does, so they share strings with the other series'.
        lset = this.#interner.labels(mutated);
        if (!lset.has(MetricName)) {
          err = new InvalidSeriesError(`missing metric name (${MetricName} label)`);
          break;
        }
        if (!isValidSeries(lset, this.#validationScheme)) {
          err = new InvalidSeriesError(`invalid metric name or label names: ${lset.toString()}`);
          break;
        }
        const limitErr = verifyLabelLimits(lset, cfg.labelLimit, cfg.labelNameLengthLimit, cfg.labelValueLengthLimit);
        if (limitErr !== null) {
          metrics.poolExceededLabelLimits.with().inc();
          err = limitErr;
          break;
        }
      }

      // Append through the limits, in upstream's order: sample limit, then time limit, then storage.
      let reject = "";
      let newRef: SeriesRef = 0;
      let overLimit = false;
      if (alreadyScraped && parsedTs === null) {
        reject = Reject.Duplicate;
      } else if (sampleLimit > 0 && ++limitCount > sampleLimit) {
        overLimit = true;
      } else if (t > maxTime) {
        reject = Reject.OutOfBounds;
      } else {
        const sample = this.#sample;
        sample[0] = t;
        sample[1] = p.value();
        newRef = app.appendSample(ref, lset, sample);
        if (newRef === 0) reject = rejectReason(app);
        else ref = newRef;
      }
      const ok = !overLimit && reject === "";
      if (ok && (parsedTs === null || trackTsStaleness) && ce !== null) cache.trackStaleness(ce);

      if (overLimit) {
        // Keep parsing, so the report counts every sample scraped.
        sampleLimitErr = new SampleLimitError();
      } else if (reject === Reject.OutOfOrder) {
        numOutOfOrder++;
        this.#logger.debug("Out of order sample", "series", src.slice(from, to));
        metrics.sampleOutOfOrder.with().inc();
      } else if (reject === Reject.Duplicate) {
        numDuplicates++;
        this.#logger.debug("Duplicate sample for timestamp", "series", src.slice(from, to));
        metrics.sampleDuplicate.with().inc();
      } else if (reject === Reject.OutOfBounds) {
        numOutOfBounds++;
        this.#logger.debug("Out of bounds metric", "series", src.slice(from, to));
        metrics.sampleOutOfBounds.with().inc();
      } else if (reject !== "") {
        err = new Error(reject);
        break;
      }

      // Only series the storage took are cached: a dropped one needs no stale marker when it goes away.
      if (!cached && ok) {
        ce = cache.addRef(src.slice(from, to), ref, lset);
        if (ce !== null && (parsedTs === null || trackTsStaleness)) cache.trackStaleness(ce);
        if (sampleLimitErr === null) res.seriesAdded++;
      }
      // Counted even when rejected: the number of series exposed after relabeling.
      res.added++;
    }

    if (sampleLimitErr !== null) {
      if (err === null) err = sampleLimitErr;
      metrics.exceededSampleLimit.with().inc();
    }
    if (numOutOfOrder > 0) this.#logger.warn("Error on ingesting out-of-order samples", "num_dropped", numOutOfOrder);
    if (numDuplicates > 0) this.#logger.warn("Error on ingesting samples with different value but same timestamp", "num_dropped", numDuplicates);
    if (numOutOfBounds > 0) this.#logger.warn("Error on ingesting samples that are too old or are too far into the future", "num_dropped", numOutOfBounds);
    if (err === null) {
      this.#updateStaleMarkers(app, defTime);
      cache.iterDone(true);
    }
    res.err = err;
    // The parser and the appender live for one scrape: keep their classes' maps (see keepShape).
    keepShape(p);
    keepShape(app);
  }

  /** Appends the report series (stale markers when stale); throws only if the storage throws. */
  #report(app: Appender, t: number, durationMs: number, scraped: number, added: number, seriesAdded: number, bytes: number, scrapeErr: Error | null, stale: boolean): void {
    const cfg = this.#o.config;
    const values = [scrapeErr === null ? 1 : 0, durationMs / 1000, scraped, added, seriesAdded, this.#timeoutMs / 1000, cfg.sampleLimit, bytes];
    const n = cfg.extraScrapeMetrics === true ? REPORT_SERIES.length : BASIC_REPORT_SERIES;
    for (let i = 0; i < n; i++) this.#addReportSample(app, REPORT_SERIES[i]!, t, values[i]!, stale);
  }

  #addReportSample(app: Appender, name: string, t: number, v: number, stale: boolean): void {
    const key = name + REPORT_SUFFIX;
    const ce = this.cache.get(key);
    let ref: SeriesRef = 0;
    let lset: Labels;
    if (ce !== null) {
      ref = ce.ref;
      lset = ce.lset;
    } else {
      this.#lb.reset(Labels.EMPTY).set(MetricName, name);
      lset = mutateReportSampleLabels(this.#lb.labels(), this.#targetLabels);
    }
    // Rejections (out of order, duplicate) are expected when a target comes back with a new loop.
    const got = stale ? app.append(ref, lset, t, Number.NaN, { stale: true }) : app.append(ref, lset, t, v);
    if (got !== 0 && ce === null) this.cache.addRef(key, got, lset);
  }
}
