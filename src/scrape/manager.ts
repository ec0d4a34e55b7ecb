/**
 * The scrape manager (upstream's scrape.Manager): one scrape pool per
 * scrape config, fed with target groups by service discovery, reloaded in
 * place on config changes, and the data behind /api/v1/targets and the
 * metadata endpoints.
 */
import { hostname } from "node:os";
import { getScrapeConfigs } from "../config/index.ts";
import type { Config, ScrapeConfig } from "../config/index.ts";
import type { Registry } from "../exposition/index.ts";
import { LabelInterner } from "../model/index.ts";
import type { Labels } from "../model/index.ts";
import type { Appendable } from "../storage/index.ts";
import { nopLogger, systemClock } from "../util/index.ts";
import type { Clock, Logger } from "../util/index.ts";
import { deepEqual } from "./equal.ts";
import { DEFAULT_WORKER_PARSE_MIN_BYTES } from "./loop.ts";
import { ScrapeMetrics } from "./metrics.ts";
import { ParsePool, defaultParseWorkers } from "./parse-pool.ts";
import { ScrapePool, httpScraperFactory } from "./pool.ts";
import type { ScraperFactory } from "./pool.ts";
import { ScrapeIntervalLabel, ScrapeTimeoutLabel, fnv64a, formatRFC3339 } from "./target.ts";
import type { MetricMetadata, Target, TargetHealth } from "./target.ts";
import type { TargetGroup } from "../discovery/index.ts";

/** The User-Agent sent with scrapes unless the options give one. */
export const DEFAULT_USER_AGENT = "Prometheus/promstack";

/** Options of a ScrapeManager. */
export interface ScrapeManagerOptions {
  /** Where samples go (the TSDB, or MemoryStorage in tests). */
  appendable: Appendable;
  clock?: Clock;
  logger?: Logger;
  /** The scrape self-metrics are registered here. */
  registry?: Registry;
  userAgent?: string;
  /** The host name mixed into the offset seed (default: os.hostname()). */
  hostname?: string;
  /** Scrape at once instead of after each target's offset (tests). */
  skipOffsetting?: boolean;
  /** Builds each target's scraper (default: HTTP). */
  newScraper?: ScraperFactory;
  /** The `globalUrl` of a target from its scrape URL (default: the scrape URL). */
  globalURL?: (scrapeUrl: string) => string;
  /**
   * Worker threads that parse big scrape bodies, shared by all targets
   * (default: defaultParseWorkers(), i.e. min(2, CPUs - 1), at least 1, CPUs
   * bounded by the cgroup CPU quota;
   * 0 parses everything on the main thread). Started on first use,
   * terminated by stop().
   */
  parseWorkers?: number;
  /**
   * Bodies of at least this many bytes are parsed on a worker, smaller
   * ones inline (default DEFAULT_WORKER_PARSE_MIN_BYTES, 512 KiB): below it
   * the hand-off costs the main thread more than the parse it saves.
   */
  workerParseMinBytes?: number;
}

/** One active target as /api/v1/targets shows it. */
export interface ActiveTargetInfo {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl: string;
  lastError: string;
  /** RFC 3339; "0001-01-01T00:00:00Z" before the first scrape. */
  lastScrape: string;
  /** Seconds. */
  lastScrapeDuration: number;
  health: TargetHealth;
  scrapeInterval: string;
  scrapeTimeout: string;
}

/** One target dropped by relabeling as /api/v1/targets shows it. */
export interface DroppedTargetInfo {
  discoveredLabels: Record<string, string>;
  scrapePool: string;
}

/** The data of /api/v1/targets: pools by name, targets by URL within a pool. */
export interface TargetsInfo {
  activeTargets: ActiveTargetInfo[];
  droppedTargets: DroppedTargetInfo[];
  droppedTargetCounts: Record<string, number>;
}

/** The metadata one active target exposed (for /api/v1/targets/metadata and /api/v1/metadata). */
export interface TargetMetadata {
  scrapePool: string;
  /** The target's public labels. */
  labels: Labels;
  metadata: MetricMetadata[];
}

/** The manager failed to apply a config to some pools (their errors were logged). */
export class ApplyConfigError extends Error {
  constructor() {
    super("failed to apply the new configuration");
    this.name = "ApplyConfigError";
  }
}

function byName<T>(m: ReadonlyMap<string, T>): [string, T][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function byURL(ts: Target[]): Target[] {
  return ts.map((t) => [t.url(), t] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((x) => x[1]);
}

/**
 * Runs the scrape pools. applyConfig() first, then sync() with every
 * discovery update; stop() on shutdown. Operations are serialized.
 */
export class ScrapeManager {
  readonly metrics: ScrapeMetrics;
  readonly #appendable: Appendable;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #userAgent: string;
  readonly #hostname: string;
  readonly #skipOffsetting: boolean;
  readonly #newScraper: ScraperFactory;
  readonly #globalURL: (u: string) => string;
  #offsetSeed: bigint;
  #configs: Map<string, ScrapeConfig>;
  readonly #pools: Map<string, ScrapePool>;
  #targetSets: Record<string, readonly TargetGroup[]>;
  #queue: Promise<unknown>;
  #stopped: boolean;
  readonly #parsePool: ParsePool | null;
  /** Shares label strings between the series of all targets (the same job, names and common values). */
  readonly #interner: LabelInterner;
  readonly #workerParseMinBytes: number;

  constructor(o: ScrapeManagerOptions) {
    this.#appendable = o.appendable;
    this.#clock = o.clock ?? systemClock;
    this.#logger = o.logger ?? nopLogger;
    this.#userAgent = o.userAgent ?? DEFAULT_USER_AGENT;
    this.#hostname = o.hostname ?? hostname();
    this.#skipOffsetting = o.skipOffsetting ?? false;
    this.#newScraper = o.newScraper ?? httpScraperFactory;
    this.#globalURL = o.globalURL ?? ((u) => u);
    this.#offsetSeed = 0n;
    this.#configs = new Map();
    this.#pools = new Map();
    this.#targetSets = {};
    this.#queue = Promise.resolve();
    this.#stopped = false;
    const workers = o.parseWorkers ?? defaultParseWorkers();
    this.#parsePool = workers > 0 ? new ParsePool({ size: workers }) : null;
    this.#interner = new LabelInterner();
    this.#workerParseMinBytes = o.workerParseMinBytes ?? DEFAULT_WORKER_PARSE_MIN_BYTES;
    this.metrics = new ScrapeMetrics(this.#clock);
    this.metrics.setMetadataSizer(this);
    o.registry?.register(this.metrics);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Takes the scrape configs of cfg (including scrape_config_files): pools
   * whose job is gone stop, pools whose config changed reload, unchanged
   * pools keep running untouched. New jobs get a pool with the next sync().
   * Throws the config's error (scrape_config_files), or ApplyConfigError
   * when a pool could not reload.
   */
  applyConfig(cfg: Config): Promise<void> {
    return this.#serial(async () => {
      const scfgs = getScrapeConfigs(cfg);
      this.#configs = new Map(scfgs.map((c) => [c.jobName, c]));
      this.#offsetSeed = fnv64a(this.#hostname + cfg.global.externalLabels.toString());
      let failed = false;
      await Promise.all(
        [...this.#pools].map(async ([name, sp]) => {
          const c = this.#configs.get(name);
          if (c === undefined) {
            this.#pools.delete(name);
            await sp.stop();
          } else if (!deepEqual(sp.config, c)) {
            try {
              await sp.reload(c);
            } catch (e) {
              this.#logger.error("error reloading scrape pool", "err", e, "scrape_pool", name);
              failed = true;
            }
          }
        }),
      );
      if (failed) throw new ApplyConfigError();
    });
  }

  /**
   * Replaces the target groups of every job (as the discovery manager
   * sends them) and syncs the pools, creating those not running yet.
   * Resolves when the pools are synced.
   */
  sync(targetSets: Readonly<Record<string, readonly TargetGroup[]>>): Promise<void> {
    return this.#serial(async () => {
      if (this.#stopped) return;
      this.#targetSets = { ...targetSets };
      const syncs: Promise<void>[] = [];
      for (const [name, groups] of Object.entries(this.#targetSets)) {
        let sp = this.#pools.get(name);
        if (sp === undefined) {
          const cfg = this.#configs.get(name);
          if (cfg === undefined) {
            this.#logger.error("error reloading target set", "err", "invalid config id:" + name);
            continue;
          }
          this.metrics.scrapePools.with().inc();
          try {
            sp = new ScrapePool(cfg, {
              appendable: this.#appendable,
              clock: this.#clock,
              logger: this.#logger,
              metrics: this.metrics,
              offsetSeed: this.#offsetSeed,
              userAgent: this.#userAgent,
              skipOffsetting: this.#skipOffsetting,
              newScraper: this.#newScraper,
              parsePool: this.#parsePool,
              workerParseMinBytes: this.#workerParseMinBytes,
              interner: this.#interner,
            });
          } catch (e) {
            this.metrics.scrapePoolsFailed.with().inc();
            this.#logger.error("error creating new scrape pool", "err", e, "scrape_pool", name);
            continue;
          }
          this.#pools.set(name, sp);
        }
        syncs.push(sp.sync(groups));
      }
      await Promise.all(syncs);
    });
  }

  /**
   * Stops every pool, then terminates the parse workers; resolves when no
   * scrape is in flight. No end-of-run stale markers are written.
   */
  stop(): Promise<void> {
    return this.#serial(async () => {
      this.#stopped = true;
      const pools = [...this.#pools.values()];
      this.#pools.clear();
      await Promise.all(pools.map((p) => p.stop()));
      await this.#parsePool?.close();
    });
  }

  /** Names of the running pools, sorted. */
  scrapePools(): string[] {
    return [...this.#pools.keys()].sort();
  }

  /** Active targets by pool. */
  targetsActive(): Map<string, Target[]> {
    return new Map([...this.#pools].map(([n, p]) => [n, p.activeTargets()]));
  }

  /** Targets dropped by relabeling by pool (subject to keep_dropped_targets). */
  targetsDropped(): Map<string, Target[]> {
    return new Map([...this.#pools].map(([n, p]) => [n, p.droppedTargets()]));
  }

  /** How many targets relabeling dropped, by pool. */
  targetsDroppedCounts(): Map<string, number> {
    return new Map([...this.#pools].map(([n, p]) => [n, p.droppedTargetsCount]));
  }

  /** The data of /api/v1/targets (state=any). */
  targets(): TargetsInfo {
    const out: TargetsInfo = { activeTargets: [], droppedTargets: [], droppedTargetCounts: {} };
    for (const [pool, sp] of byName(this.#pools)) {
      for (const t of byURL(sp.activeTargets())) {
        const url = t.url();
        out.activeTargets.push({
          discoveredLabels: t.discoveredLabels().toObject(),
          labels: t.publicLabels().toObject(),
          scrapePool: pool,
          scrapeUrl: url,
          globalUrl: this.#globalURL(url),
          lastError: t.lastError === null ? "" : t.lastError.message,
          lastScrape: formatRFC3339(t.lastScrape),
          lastScrapeDuration: t.lastScrapeDurationMs / 1000,
          health: t.health,
          scrapeInterval: t.labels.get(ScrapeIntervalLabel),
          scrapeTimeout: t.labels.get(ScrapeTimeoutLabel),
        });
      }
      for (const t of sp.droppedTargets()) out.droppedTargets.push({ discoveredLabels: t.discoveredLabels().toObject(), scrapePool: pool });
      out.droppedTargetCounts[pool] = sp.droppedTargetsCount;
    }
    return out;
  }

  /** The metadata of every active target, pools by name, targets by URL. */
  targetsMetadata(): TargetMetadata[] {
    const out: TargetMetadata[] = [];
    for (const [pool, sp] of byName(this.#pools)) {
      for (const t of byURL(sp.activeTargets())) {
        out.push({ scrapePool: pool, labels: t.publicLabels(), metadata: t.metadata === null ? [] : t.metadata.listMetadata() });
      }
    }
    return out;
  }

  /** Metadata cache entries and bytes per pool (prometheus_target_metadata_cache_*). */
  metadataSizes(): Map<string, { entries: number; bytes: number }> {
    const out = new Map<string, { entries: number; bytes: number }>();
    for (const [pool, sp] of this.#pools) {
      let entries = 0;
      let bytes = 0;
      for (const t of sp.activeTargets()) {
        if (t.metadata === null) continue;
        entries += t.metadata.lengthMetadata();
        bytes += t.metadata.sizeMetadata();
      }
      out.set(pool, { entries, bytes });
    }
    return out;
  }
}
