/**
 * A scrape pool (upstream's scrapePool): the targets of one scrape config
 * and a scrape loop for each, synced with discovered target groups and
 * reloaded in place when the config changes.
 */
import { setMaxListeners } from "node:events";
import type { ScrapeConfig } from "../config/index.ts";
import { EscapingScheme, acceptHeader, isScrapeProtocol, DEFAULT_SCRAPE_PROTOCOLS } from "../exposition/index.ts";
import type { ScrapeProtocol } from "../exposition/index.ts";
import { NameValidationScheme, formatDuration } from "../model/index.ts";
import type { LabelInterner } from "../model/index.ts";
import type { Appendable } from "../storage/index.ts";
import type { Clock, Logger } from "../util/index.ts";
import { ScrapeCache } from "./cache.ts";
import { reusableCache } from "./equal.ts";
import { ScrapeHttpClient } from "./http-client.ts";
import { HttpScraper, ScrapeLoop } from "./loop.ts";
import type { HttpScraperOptions, Scraper } from "./loop.ts";
import type { ScrapeMetrics } from "./metrics.ts";
import type { ParsePool } from "./parse-pool.ts";
import { targetsFromGroup } from "./target.ts";
import type { Target } from "./target.ts";
import type { TargetGroup } from "../discovery/index.ts";

/** Builds the scraper of a target; the default scrapes over HTTP with the pool's client. */
export type ScraperFactory = (target: Target, client: ScrapeHttpClient, opts: HttpScraperOptions) => Scraper;

/** Collaborators and settings shared by the pools of a manager. */
export interface ScrapePoolOptions {
  appendable: Appendable;
  clock: Clock;
  logger: Logger;
  metrics: ScrapeMetrics;
  offsetSeed: bigint;
  userAgent: string;
  skipOffsetting: boolean;
  newScraper: ScraperFactory;
  /** The manager's parse workers, shared by every loop; null: parse inline. */
  parsePool: ParsePool | null;
  /** Bodies of at least this many bytes are parsed on parsePool. */
  workerParseMinBytes: number;
  /** The manager's label interner, shared by every loop. */
  interner: LabelInterner;
}

/** The scrape target_limit was exceeded; every loop of the pool fails with it. */
export class TargetLimitError extends Error {
  constructor(n: number, limit: number) {
    super(`target_limit exceeded (number of targets: ${n}, limit: ${limit})`);
    this.name = "TargetLimitError";
  }
}

function escapingScheme(cfg: ScrapeConfig): EscapingScheme {
  switch (cfg.metricNameEscapingScheme) {
    case EscapingScheme.AllowUTF8:
    case EscapingScheme.Underscores:
    case EscapingScheme.Dots:
    case EscapingScheme.Values:
      return cfg.metricNameEscapingScheme;
  }
  return cfg.metricNameValidationScheme === NameValidationScheme.Legacy ? EscapingScheme.Underscores : EscapingScheme.AllowUTF8;
}

/** The Accept header for the config's scrape_protocols. */
export function scrapeAcceptHeader(cfg: ScrapeConfig): string {
  const protocols: ScrapeProtocol[] = (cfg.scrapeProtocols ?? DEFAULT_SCRAPE_PROTOCOLS).filter(isScrapeProtocol);
  return acceptHeader(protocols, escapingScheme(cfg));
}

/** Scrapes the targets of one scrape config. */
export class ScrapePool {
  config: ScrapeConfig;
  readonly #o: ScrapePoolOptions;
  readonly #logger: Logger;
  #client: ScrapeHttpClient;
  readonly #abort: AbortController;
  /** Active targets and their loops, by Target.key(); always the same keys. */
  readonly #active: Map<string, Target>;
  readonly #loops: Map<string, ScrapeLoop>;
  #dropped: Target[];
  #droppedCount: number;

  /** Throws when the HTTP client cannot be built (unreadable TLS files). */
  constructor(cfg: ScrapeConfig, o: ScrapePoolOptions) {
    this.config = cfg;
    this.#o = o;
    this.#logger = o.logger.with("scrape_pool", cfg.jobName);
    this.#client = new ScrapeHttpClient(cfg.httpClientConfig);
    this.#abort = new AbortController();
    // Every loop of the pool listens on the signal (while it fetches and while it waits): a pool of
    // more than 10 targets is not a listener leak, and Node would print its warning for one.
    setMaxListeners(0, this.#abort.signal);
    this.#active = new Map();
    this.#loops = new Map();
    this.#dropped = [];
    this.#droppedCount = 0;
    o.metrics.poolTargetLimit.with(cfg.jobName).set(cfg.targetLimit);
  }

  /** The targets being scraped. */
  activeTargets(): Target[] {
    return [...this.#active.values()];
  }

  /** Targets dropped by relabeling at the last sync, at most keep_dropped_targets of them (0: all). */
  droppedTargets(): Target[] {
    return this.#dropped;
  }

  /** How many targets relabeling dropped at the last sync. */
  get droppedTargetsCount(): number {
    return this.#droppedCount;
  }

  #newLoop(t: Target, cache: ScrapeCache): ScrapeLoop {
    const cfg = this.config;
    const { intervalMs, timeoutMs } = t.intervalAndTimeout();
    const metrics = this.#o.metrics;
    const scraper = this.#o.newScraper(t, this.#client, {
      timeoutMs,
      bodySizeLimit: cfg.bodySizeLimitBytes,
      acceptHeader: scrapeAcceptHeader(cfg),
      acceptEncoding: cfg.enableCompression ? "gzip" : "identity",
      userAgent: this.#o.userAgent,
      onBodySizeLimit: () => metrics.exceededBodySizeLimit.with().inc(),
    });
    return new ScrapeLoop({
      target: t,
      scraper,
      cache,
      appendable: this.#o.appendable,
      config: cfg,
      intervalMs,
      timeoutMs,
      offsetSeed: this.#o.offsetSeed,
      clock: this.#o.clock,
      logger: this.#logger,
      metrics,
      parentSignal: this.#abort.signal,
      skipOffsetting: this.#o.skipOffsetting,
      parsePool: this.#o.parsePool,
      workerParseMinBytes: this.#o.workerParseMinBytes,
      interner: this.#o.interner,
    });
  }

  #targetLimitErr(): TargetLimitError | null {
    const limit = this.config.targetLimit;
    if (limit === 0 || this.#active.size <= limit) return null;
    this.#o.metrics.poolExceededTargetLimit.with().inc();
    return new TargetLimitError(this.#active.size, limit);
  }

  /**
   * Turns target groups into targets and converges the running loops to
   * them: new targets start scraping, vanished ones stop (and get stale
   * markers after two intervals), unchanged ones keep running. Resolves
   * when the stopped loops have finished their last scrape.
   */
  async sync(groups: readonly TargetGroup[]): Promise<void> {
    const cfg = this.config;
    const job = cfg.jobName;
    const start = this.#o.clock.now();
    const all: Target[] = [];
    this.#dropped = [];
    this.#droppedCount = 0;
    for (const tg of groups) {
      const { targets, failures } = targetsFromGroup(tg, cfg);
      for (const err of failures) this.#logger.error("Creating target failed", "err", err);
      // Every sync touches the job's child, as upstream: it shows 0 before any failure.
      this.#o.metrics.syncFailed.with(job).inc(failures.length);
      for (const t of targets) {
        if (t.publicLabels().length > 0) {
          all.push(t);
        } else {
          if (cfg.keepDroppedTargets === 0 || this.#dropped.length < cfg.keepDroppedTargets) this.#dropped.push(t);
          this.#droppedCount++;
        }
      }
    }
    await this.#sync(all);
    this.#o.metrics.syncLength.with(job).observe((this.#o.clock.now() - start) / 1000);
    this.#o.metrics.poolSyncs.with(job).inc();
  }

  async #sync(targets: Target[]): Promise<void> {
    const unique = new Map<string, ScrapeLoop | null>();
    for (const t of targets) {
      const key = t.key();
      const existing = this.#active.get(key);
      if (existing === undefined) {
        const l = this.#newLoop(t, new ScrapeCache(this.#o.metrics));
        this.#active.set(key, t);
        this.#loops.set(key, l);
        unique.set(key, l);
      } else {
        // A duplicate or a rediscovered target: keep its loop, show the latest discovered labels.
        if (!unique.has(key)) unique.set(key, null);
        existing.setScrapeConfig(this.config, t.targetLabels, t.groupLabels);
      }
    }
    const stopping: Promise<void>[] = [];
    for (const key of [...this.#active.keys()]) {
      if (unique.has(key)) continue;
      stopping.push(this.#loops.get(key)!.stop());
      this.#loops.delete(key);
      this.#active.delete(key);
    }
    this.#o.metrics.poolTargets.with(this.config.jobName).set(unique.size);
    const forced = this.#targetLimitErr();
    for (const l of this.#loops.values()) l.setForcedError(forced);
    for (const l of unique.values()) l?.start();
    // Wait for stopped loops, so a flapping target's old loop is done writing before the next sync.
    await Promise.all(stopping);
  }

  /**
   * Applies a changed config: every loop is replaced by one built from the
   * new config, keeping its target and (when the change cannot alter the
   * series) its scrape cache. Throws when the new HTTP client cannot be built.
   */
  async reload(cfg: ScrapeConfig): Promise<void> {
    const metrics = this.#o.metrics;
    metrics.poolReloads.with().inc();
    const start = this.#o.clock.now();
    let client: ScrapeHttpClient;
    try {
      client = new ScrapeHttpClient(cfg.httpClientConfig);
    } catch (e) {
      metrics.poolReloadsFailed.with().inc();
      throw e;
    }
    const reuse = reusableCache(this.config, cfg);
    this.config = cfg;
    const old = this.#client;
    this.#client = client;
    metrics.poolTargetLimit.with(cfg.jobName).set(cfg.targetLimit);
    await this.#restartLoops(reuse);
    await old.close();
    metrics.reloadLength.with(formatDuration(cfg.scrapeIntervalMs)).observe((this.#o.clock.now() - start) / 1000);
  }

  async #restartLoops(reuseCache: boolean): Promise<void> {
    const forced = this.#targetLimitErr();
    const restarts: Promise<void>[] = [];
    for (const [key, oldLoop] of this.#loops) {
      let cache: ScrapeCache;
      if (reuseCache) {
        oldLoop.disableEndOfRunStalenessMarkers();
        cache = oldLoop.cache;
      } else {
        cache = new ScrapeCache(this.#o.metrics);
      }
      const l = this.#newLoop(this.#active.get(key)!, cache);
      this.#loops.set(key, l);
      restarts.push(
        oldLoop.stop().then(() => {
          l.setForcedError(forced);
          l.start();
        }),
      );
    }
    await Promise.all(restarts);
  }

  /** Stops every loop (no end-of-run stale markers: the server is going away or the job was removed). */
  async stop(): Promise<void> {
    this.#abort.abort();
    const stopping = [...this.#loops.values()].map((l) => l.stop());
    this.#loops.clear();
    this.#active.clear();
    await Promise.all(stopping);
    await this.#client.close();
    this.#o.metrics.deletePool(this.config.jobName);
  }
}

/** The default ScraperFactory: HTTP with the pool's client. */
export const httpScraperFactory: ScraperFactory = (target, client, opts) => new HttpScraper(client, target, opts);
