/**
 * Scrape targets: the label set of a target built from a discovered target
 * group and its scrape config (Prometheus 3's PopulateLabels), the target's
 * URL, identity and scrape offset, and the state the targets API reports.
 */
import { DurationParseError, Labels, LabelsBuilder, formatDuration, parseDuration, quoteString, relabelBuilder } from "../model/index.ts";
import type { ScrapeConfig } from "../config/index.ts";
import type { MetadataType } from "../exposition/index.ts";
import type { TargetGroup } from "../discovery/index.ts";

/** `__address__`: host and port the target is scraped at. */
export const AddressLabel = "__address__";
/** `__scheme__`: http or https. */
export const SchemeLabel = "__scheme__";
/** `__metrics_path__`: the HTTP path scraped. */
export const MetricsPathLabel = "__metrics_path__";
/** `__scrape_interval__`: the target's scrape interval as a duration string. */
export const ScrapeIntervalLabel = "__scrape_interval__";
/** `__scrape_timeout__`: the target's scrape timeout as a duration string. */
export const ScrapeTimeoutLabel = "__scrape_timeout__";
/** Prefix of the labels that become URL parameters (`__param_<name>`). */
export const ParamLabelPrefix = "__param_";
/** Prefix of the discovery meta labels, dropped after relabeling. */
export const MetaLabelPrefix = "__meta_";
/** Prefix of labels internal to Prometheus, never attached to series. */
export const ReservedLabelPrefix = "__";
/** Scrape phases are multiples of this (see Target.offset). */
export const SCRAPE_PHASE_GRID_MS = 500;
/** The `job` label. */
export const JobLabel = "job";
/** The `instance` label. */
export const InstanceLabel = "instance";

/** The health of a target after its last scrape, as the targets API spells it. */
export const TargetHealth = { Unknown: "unknown", Good: "up", Bad: "down" } as const;
/** One of the TargetHealth values. */
export type TargetHealth = (typeof TargetHealth)[keyof typeof TargetHealth];

/** Why a discovered target cannot be scraped; the message is Prometheus's. */
export class TargetLabelsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TargetLabelsError";
  }
}

/** Metadata of one metric family as exposed by a target (TYPE, HELP, UNIT). */
export interface MetricMetadata {
  readonly metricFamily: string;
  readonly type: MetadataType;
  readonly help: string;
  readonly unit: string;
}

/** Where a target's metadata lives (its scrape loop's cache). */
export interface MetricMetadataStore {
  listMetadata(): MetricMetadata[];
  getMetadata(metricFamily: string): MetricMetadata | null;
  /** Bytes of HELP, UNIT and TYPE text held. */
  sizeMetadata(): number;
  /** Number of families held. */
  lengthMetadata(): number;
}

/**
 * The labels of a target before relabeling: the target's labels, then the
 * group's labels it does not have, then job, `__scrape_interval__`,
 * `__scrape_timeout__`, `__metrics_path__`, `__scheme__` and the first value
 * of each config param as `__param_<name>`, each only when not already set.
 */
export function populateDiscoveredLabels(lb: LabelsBuilder, cfg: ScrapeConfig, tLabels: Labels, tgLabels: Labels): void {
  lb.reset(tLabels);
  tgLabels.forEach((n, v) => {
    if (!tLabels.has(n)) lb.set(n, v);
  });
  const defaults: [string, string][] = [
    [JobLabel, cfg.jobName],
    [ScrapeIntervalLabel, formatDuration(cfg.scrapeIntervalMs)],
    [ScrapeTimeoutLabel, formatDuration(cfg.scrapeTimeoutMs)],
    [MetricsPathLabel, cfg.metricsPath],
    [SchemeLabel, cfg.scheme],
  ];
  for (const [n, v] of defaults) if (lb.get(n) === "") lb.set(n, v);
  if (cfg.params !== null) {
    for (const [k, vs] of cfg.params) {
      const name = ParamLabelPrefix + k;
      if (vs.length > 0 && lb.get(name) === "") lb.set(name, vs[0]!);
    }
  }
}

/**
 * The final labels of a target: the discovered labels relabeled with the
 * config's relabel_configs, checked, stripped of `__meta_*` labels and with
 * `instance` defaulting to `__address__`. Returns null when relabeling
 * dropped the target. No default port is added (Prometheus 3).
 * Throws TargetLabelsError with Prometheus's messages.
 */
export function populateLabels(cfg: ScrapeConfig, tLabels: Labels, tgLabels: Labels): Labels | null {
  const lb = new LabelsBuilder();
  populateDiscoveredLabels(lb, cfg, tLabels, tgLabels);
  if (!relabelBuilder(lb, cfg.relabelConfigs)) return null;
  const addr = lb.get(AddressLabel);
  if (addr === "") throw new TargetLabelsError("no address");
  if (addr.includes("/")) throw new TargetLabelsError(`${quoteString(addr)} is not a valid hostname`);

  const interval = lb.get(ScrapeIntervalLabel);
  const intervalMs = parseDurationOrThrow(interval, "error parsing scrape interval");
  if (intervalMs === 0) throw new TargetLabelsError("scrape interval cannot be 0");
  const timeout = lb.get(ScrapeTimeoutLabel);
  const timeoutMs = parseDurationOrThrow(timeout, "error parsing scrape timeout");
  if (timeoutMs === 0) throw new TargetLabelsError("scrape timeout cannot be 0");
  if (timeoutMs > intervalMs) {
    throw new TargetLabelsError(`scrape timeout cannot be greater than scrape interval (${quoteString(timeout)} > ${quoteString(interval)})`);
  }

  const res0 = lb.labels();
  res0.forEach((n) => {
    if (n.startsWith(MetaLabelPrefix)) lb.del(n);
  });
  if (lb.get(InstanceLabel) === "") lb.set(InstanceLabel, addr);
  const res = lb.labels();
  for (let i = 0; i < res.length; i++) {
    const v = res.values[i]!;
    if (!v.isWellFormed()) throw new TargetLabelsError(`invalid label value for ${quoteString(res.names[i]!)}: ${quoteString(v)}`);
  }
  return res;
}

function parseDurationOrThrow(s: string, what: string): number {
  try {
    return parseDuration(s);
  } catch (e) {
    if (e instanceof DurationParseError) throw new TargetLabelsError(`${what}: ${e.message}`);
    throw e;
  }
}

/**
 * The targets of a group: one Target per entry, with EMPTY labels for
 * those dropped by relabeling, and the errors of the invalid ones
 * (`instance <i> in group <source>: <reason>`), which get no Target.
 */
export function targetsFromGroup(tg: TargetGroup, cfg: ScrapeConfig): { targets: Target[]; failures: TargetLabelsError[] } {
  const targets: Target[] = [];
  const failures: TargetLabelsError[] = [];
  for (let i = 0; i < tg.targets.length; i++) {
    const tLabels = tg.targets[i]!;
    try {
      const lset = populateLabels(cfg, tLabels, tg.labels);
      targets.push(new Target(lset ?? Labels.EMPTY, cfg, tLabels, tg.labels));
    } catch (e) {
      if (!(e instanceof TargetLabelsError)) throw e;
      failures.push(new TargetLabelsError(`instance ${i} in group ${tg.source}: ${e.message}`));
    }
  }
  return { targets, failures };
}

// url.QueryEscape keeps only [A-Za-z0-9-_.~] and turns spaces into '+'.
function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, "+");
}

// Go's path escaping (encodePath): unreserved characters and $&+,/:;=@ stay, the rest is %XX of its UTF-8 bytes.
function pathEscape(s: string): string {
  if (/^[A-Za-z0-9\-_.~$&+,/:;=@]*$/.test(s)) return s;
  let out = "";
  for (const ch of s) {
    if (/^[A-Za-z0-9\-_.~$&+,/:;=@]$/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, "utf8")) out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Go's url.Values.Encode: keys sorted, values in order, `k=v&...`. */
export function encodeQuery(params: ReadonlyMap<string, readonly string[]>): string {
  const keys = [...params.keys()].sort();
  const parts: string[] = [];
  for (const k of keys) for (const v of params.get(k)!) parts.push(`${queryEscape(k)}=${queryEscape(v)}`);
  return parts.join("&");
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** 64-bit FNV-1a of the UTF-8 bytes of s, as a bigint. Not for hot paths. */
export function fnv64a(s: string): bigint {
  let h = FNV64_OFFSET;
  for (const b of Buffer.from(s, "utf8")) {
    h ^= BigInt(b);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h;
}

/** Milliseconds since the epoch as Go's time.Time JSON (RFC 3339 with trimmed fraction, UTC); null is the zero time. */
export function formatRFC3339(ms: number | null): string {
  if (ms === null) return "0001-01-01T00:00:00Z";
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const frac = iso.slice(20, 23).replace(/0+$/, "");
  return iso.slice(0, 19) + (frac === "" ? "" : "." + frac) + "Z";
}

/**
 * One scrape target: its final labels (with the `__` labels that shape the
 * scrape), how it was discovered, and the outcome of its last scrape.
 * A target with EMPTY labels was dropped by relabeling.
 */
export class Target {
  /** Final labels, including `__address__`, `__scheme__`, ... (not `__meta_*`). */
  readonly labels: Labels;
  #cfg: ScrapeConfig;
  #tLabels: Labels;
  #tgLabels: Labels;
  #url: string | null;
  #key: string | null;
  health: TargetHealth;
  lastError: Error | null;
  /** Start of the last scrape in ms, null before the first. */
  lastScrape: number | null;
  lastScrapeDurationMs: number;
  metadata: MetricMetadataStore | null;

  constructor(labels: Labels, cfg: ScrapeConfig, tLabels: Labels, tgLabels: Labels) {
    this.labels = labels;
    this.#cfg = cfg;
    this.#tLabels = tLabels;
    this.#tgLabels = tgLabels;
    this.#url = null;
    this.#key = null;
    this.health = TargetHealth.Unknown;
    this.lastError = null;
    this.lastScrape = null;
    this.lastScrapeDurationMs = 0;
    this.metadata = null;
  }

  /** The scrape config the target was last built or refreshed with. */
  get scrapeConfig(): ScrapeConfig {
    return this.#cfg;
  }

  /** The target's own discovered labels. */
  get targetLabels(): Labels {
    return this.#tLabels;
  }

  /** The labels of the group the target was discovered in. */
  get groupLabels(): Labels {
    return this.#tgLabels;
  }

  /** Replaces the config and discovered labels shown for this target (a rediscovered duplicate). */
  setScrapeConfig(cfg: ScrapeConfig, tLabels: Labels, tgLabels: Labels): void {
    this.#cfg = cfg;
    this.#tLabels = tLabels;
    this.#tgLabels = tgLabels;
    this.#url = null;
  }

  /** The labels before relabeling, as the targets API shows them. */
  discoveredLabels(): Labels {
    const lb = new LabelsBuilder();
    populateDiscoveredLabels(lb, this.#cfg, this.#tLabels, this.#tgLabels);
    return lb.labels();
  }

  /** The labels without the reserved `__` ones: what every scraped series gets. */
  publicLabels(): Labels {
    return this.labels.filter((n) => !n.startsWith(ReservedLabelPrefix));
  }

  /**
   * The URL scraped: `__scheme__://__address____metrics_path__?params`,
   * where params are the config's with `__param_*` labels replacing the
   * first value of (or adding) their parameter.
   */
  url(): string {
    if (this.#url !== null) return this.#url;
    const params = new Map<string, string[]>();
    if (this.#cfg.params !== null) for (const [k, vs] of this.#cfg.params) params.set(k, [...vs]);
    this.labels.forEach((n, v) => {
      if (!n.startsWith(ParamLabelPrefix)) return;
      const k = n.slice(ParamLabelPrefix.length);
      const vs = params.get(k);
      if (vs !== undefined && vs.length > 0) vs[0] = v;
      else params.set(k, [v]);
    });
    let path = this.labels.get(MetricsPathLabel);
    const host = this.labels.get(AddressLabel);
    if (host !== "" && path !== "" && !path.startsWith("/")) path = "/" + path;
    const q = encodeQuery(params);
    this.#url = `${this.labels.get(SchemeLabel)}://${host}${pathEscape(path)}${q === "" ? "" : "?" + q}`;
    return this.#url;
  }

  /** A string identifying the target within its pool: equal labels and URL are the same target. */
  key(): string {
    if (this.#key === null) this.#key = this.labels.key + "\u0000" + this.url();
    return this.#key;
  }

  /** The target's 64-bit hash (FNV-1a of the zero-padded label hash and the URL), as upstream's Target.hash. */
  hash(): bigint {
    return fnv64a(String(this.labels.hash).padStart(16, "0") + this.url());
  }

  /**
   * Time in ms from `now` until the target's first scrape: a phase within
   * the interval fixed by the target's hash and the server's offset seed,
   * so scrapes spread over the interval and stay put across restarts.
   *
   * NOTE: upstream uses the hash's phase to the millisecond; promstack
   * rounds it down to a grid of SCRAPE_PHASE_GRID_MS (at most a quarter of
   * the interval), so targets whose phases fall in the same step scrape in
   * the same wake-up of the event loop. Each wake-up costs Node a fixed
   * amount of CPU besides the work (with 50 targets of 1,000 series every
   * 2 s, the server used 2.0-2.2 CPU-s per 40 s with millisecond phases and
   * 1.2-1.4 with the 500 ms grid). Scrapes still spread over the interval,
   * in steps.
   */
  offset(intervalMs: number, offsetSeed: bigint, now: number): number {
    const iv = Math.max(1, Math.trunc(intervalMs));
    const base = iv - (((Math.trunc(now) % iv) + iv) % iv);
    const grid = Math.max(1, Math.min(SCRAPE_PHASE_GRID_MS, Math.floor(iv / 4)));
    const phase = Number((this.hash() ^ offsetSeed) % BigInt(iv));
    const off = phase - (phase % grid);
    let next = base + off;
    if (next > iv) next -= iv;
    return next;
  }

  /** The interval and timeout from the target's labels (already validated by populateLabels). */
  intervalAndTimeout(): { intervalMs: number; timeoutMs: number } {
    return { intervalMs: parseDuration(this.labels.get(ScrapeIntervalLabel)), timeoutMs: parseDuration(this.labels.get(ScrapeTimeoutLabel)) };
  }

  /** Records the outcome of a scrape that started at `start` (ms). */
  report(start: number, durationMs: number, err: Error | null): void {
    this.health = err === null ? TargetHealth.Good : TargetHealth.Bad;
    this.lastError = err;
    this.lastScrape = start;
    this.lastScrapeDurationMs = durationMs;
  }
}
