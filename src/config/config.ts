/**
 * prometheus.yml: the typed configuration, its defaults and validation,
 * after Prometheus's config/config.go (3.x). Durations are milliseconds,
 * sizes bytes. Relative file paths are resolved against the config file's
 * directory by loadConfigFile (as Prometheus's LoadFile does).
 */

import { readFileSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  Labels,
  NameValidationScheme,
  RelabelConfigError,
  RelabelRegex,
  RegexError,
  isValidLabelNameIn,
  newRelabelConfig,
  parseRelabelAction,
  validateRelabelConfig,
} from "../model/index.ts";
import type { RelabelConfig } from "../model/index.ts";
import { goExpand } from "../util/index.ts";
import { OPAQUE_SD_MECHANISMS, checkStaticTargets, durationField, sdFields, sdSetDirectory } from "./discovery.ts";
import type { SDConfig } from "./discovery.ts";
import {
  decodeStringList,
  decodeStringMap,
  decodeURL,
  httpClientFields,
  httpClientSetDirectory,
  joinDir,
  newHTTPClientConfig,
  newTLSConfig,
  tlsSetDirectory,
  validateHTTPClientConfig,
} from "./http-client.ts";
import type { ConfigURL, HTTPClientConfig, TLSConfig } from "./http-client.ts";
import { ConfigError, Decoder, goQuote } from "./yaml-decode.ts";
import type { YNode } from "./yaml-decode.ts";

/** Scrape protocols, as spelt in `scrape_protocols`, with their Accept media types. */
export const ScrapeProtocolHeaders: ReadonlyMap<string, string> = new Map([
  ["PrometheusProto", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"],
  ["PrometheusText0.0.4", "text/plain;version=0.0.4"],
  ["PrometheusText1.0.0", "text/plain;version=1.0.0"],
  ["OpenMetricsText0.0.1", "application/openmetrics-text;version=0.0.1"],
  ["OpenMetricsText1.0.0", "application/openmetrics-text;version=1.0.0"],
]);

/** Proposed to targets by default, most wanted first. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly string[] = ["OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0", "PrometheusText0.0.4"];
/** The default when native histograms are scraped: protobuf first. */
export const DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS: readonly string[] = ["PrometheusProto", ...DEFAULT_SCRAPE_PROTOCOLS];

/** Metric name escaping schemes a scrape can request. */
export const EscapingScheme = { AllowUTF8: "allow-utf-8", Underscores: "underscores", Dots: "dots", Values: "values" } as const;

/** `global`. */
export interface GlobalConfig {
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
  scrapeProtocols: string[] | null;
  evaluationIntervalMs: number;
  ruleQueryOffsetMs: number;
  queryLogFile: string;
  scrapeFailureLogFile: string;
  externalLabels: Labels;
  bodySizeLimitBytes: number;
  sampleLimit: number;
  targetLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  keepDroppedTargets: number;
  metricNameValidationScheme: NameValidationScheme;
  metricNameEscapingScheme: string;
  scrapeNativeHistograms: boolean | null;
  convertClassicHistogramsToNHCB: boolean;
  alwaysScrapeClassicHistograms: boolean;
  extraScrapeMetrics: boolean;
}

/** `scrape_configs` entry. Unset per-job values are filled from `global`. */
export interface ScrapeConfig {
  jobName: string;
  honorLabels: boolean;
  honorTimestamps: boolean;
  trackTimestampsStaleness: boolean;
  params: Map<string, string[]> | null;
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
  scrapeProtocols: string[] | null;
  fallbackScrapeProtocol: string;
  scrapeNativeHistograms: boolean | null;
  alwaysScrapeClassicHistograms: boolean | null;
  convertClassicHistogramsToNHCB: boolean | null;
  scrapeFailureLogFile: string;
  metricsPath: string;
  scheme: string;
  enableCompression: boolean;
  bodySizeLimitBytes: number;
  sampleLimit: number;
  targetLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  nativeHistogramBucketLimit: number;
  nativeHistogramMinBucketFactor: number;
  keepDroppedTargets: number;
  metricNameValidationScheme: NameValidationScheme | "";
  metricNameEscapingScheme: string;
  extraScrapeMetrics: boolean | null;
  serviceDiscoveryConfigs: SDConfig[];
  httpClientConfig: HTTPClientConfig;
  relabelConfigs: RelabelConfig[];
  metricRelabelConfigs: RelabelConfig[];
}

/** `alerting.alertmanagers` entry. `sigv4` is kept as opaque data. */
export interface AlertmanagerConfig {
  serviceDiscoveryConfigs: SDConfig[];
  httpClientConfig: HTTPClientConfig;
  sigv4: unknown;
  scheme: string;
  pathPrefix: string;
  timeoutMs: number;
  apiVersion: string;
  relabelConfigs: RelabelConfig[];
  alertRelabelConfigs: RelabelConfig[];
}

/** `alerting`. */
export interface AlertingConfig {
  alertRelabelConfigs: RelabelConfig[];
  alertmanagers: AlertmanagerConfig[];
}

/** `remote_write[].queue_config`. */
export interface QueueConfig {
  capacity: number;
  maxShards: number;
  minShards: number;
  maxSamplesPerSend: number;
  batchSendDeadlineMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  retryOnRateLimit: boolean;
  sampleAgeLimitMs: number;
}

/** `remote_write[].metadata_config`. */
export interface MetadataConfig {
  send: boolean;
  sendIntervalMs: number;
  maxSamplesPerSend: number;
}

/** `remote_write` entry. sigv4/azuread/google_iam are kept as opaque data. */
export interface RemoteWriteConfig {
  url: ConfigURL;
  remoteTimeoutMs: number;
  headers: Map<string, string> | null;
  writeRelabelConfigs: RelabelConfig[];
  name: string;
  sendExemplars: boolean;
  sendNativeHistograms: boolean;
  roundRobinDNS: boolean;
  protobufMessage: string;
  httpClientConfig: HTTPClientConfig;
  queueConfig: QueueConfig;
  metadataConfig: MetadataConfig;
  sigv4: unknown;
  azuread: unknown;
  googleIAM: unknown;
}

/** `remote_read` entry. */
export interface RemoteReadConfig {
  url: ConfigURL;
  remoteTimeoutMs: number;
  chunkedReadLimit: number;
  headers: Map<string, string> | null;
  readRecent: boolean;
  name: string;
  httpClientConfig: HTTPClientConfig;
  requiredMatchers: Map<string, string> | null;
  filterExternalLabels: boolean;
}

/** `storage.tsdb`. */
export interface TSDBConfig {
  outOfOrderTimeWindowMs: number;
  staleSeriesCompactionThreshold: number;
  retention: { timeMs: number; sizeBytes: number; percentage: number } | null;
  chunkEncoding: { floats: string } | null;
}

/** `storage`. */
export interface StorageConfig {
  tsdb: TSDBConfig | null;
  exemplars: { maxExemplars: number } | null;
}

/** `tracing`. */
export interface TracingConfig {
  clientType: string;
  endpoint: string;
  samplingFraction: number;
  insecure: boolean;
  tlsConfig: TLSConfig;
  headers: Map<string, string> | null;
  compression: string;
  timeoutMs: number;
}

/** `otlp`. */
export interface OTLPConfig {
  promoteAllResourceAttributes: boolean;
  promoteResourceAttributes: string[] | null;
  ignoreResourceAttributes: string[] | null;
  translationStrategy: string;
  keepIdentifyingResourceAttributes: boolean;
  convertHistogramsToNHCB: boolean;
  promoteScopeMetadata: boolean;
  labelNameUnderscoreSanitization: boolean;
  labelNamePreserveMultipleUnderscores: boolean;
}

/** The whole prometheus.yml. */
export interface Config {
  global: GlobalConfig;
  runtime: { goGC: number };
  alerting: AlertingConfig;
  ruleFiles: string[] | null;
  scrapeConfigFiles: string[] | null;
  scrapeConfigs: ScrapeConfig[];
  storage: StorageConfig;
  tracing: TracingConfig | null;
  remoteWrite: RemoteWriteConfig[];
  remoteRead: RemoteReadConfig[];
  otlp: OTLPConfig;
}

/** Options of loadConfig/loadConfigFile. */
export interface LoadOptions {
  /** Agent mode rejects alerting, rule_files and remote_read, as `--agent` does. */
  agentMode?: boolean;
  /** The environment `${VAR}` in external label values expands from (process.env if absent). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Prometheus's default GOGC (the `runtime.gogc` default). */
export const DEFAULT_GOGC = 75;

/** The global config used when the file has no `global` block. */
export function defaultGlobalConfig(): GlobalConfig {
  return {
    scrapeIntervalMs: 60_000,
    scrapeTimeoutMs: 10_000,
    scrapeProtocols: null,
    evaluationIntervalMs: 60_000,
    ruleQueryOffsetMs: 0,
    queryLogFile: "",
    scrapeFailureLogFile: "",
    externalLabels: Labels.EMPTY,
    bodySizeLimitBytes: 0,
    sampleLimit: 0,
    targetLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
    keepDroppedTargets: 0,
    metricNameValidationScheme: NameValidationScheme.UTF8,
    metricNameEscapingScheme: EscapingScheme.AllowUTF8,
    scrapeNativeHistograms: false,
    convertClassicHistogramsToNHCB: false,
    alwaysScrapeClassicHistograms: false,
    extraScrapeMetrics: false,
  };
}

/** The default remote write queue settings. */
export function defaultQueueConfig(): QueueConfig {
  return {
    capacity: 10000,
    maxShards: 50,
    minShards: 1,
    maxSamplesPerSend: 2000,
    batchSendDeadlineMs: 5000,
    minBackoffMs: 30,
    maxBackoffMs: 5000,
    retryOnRateLimit: false,
    sampleAgeLimitMs: 0,
  };
}

/** The default remote write metadata settings. */
export function defaultMetadataConfig(): MetadataConfig {
  return { send: true, sendIntervalMs: 60_000, maxSamplesPerSend: 2000 };
}

function defaultOTLPConfig(): OTLPConfig {
  return {
    promoteAllResourceAttributes: false,
    promoteResourceAttributes: null,
    ignoreResourceAttributes: null,
    translationStrategy: "UnderscoreEscapingWithSuffixes",
    keepIdentifyingResourceAttributes: false,
    convertHistogramsToNHCB: false,
    promoteScopeMetadata: false,
    labelNameUnderscoreSanitization: true,
    labelNamePreserveMultipleUnderscores: true,
  };
}

/** The configuration of an empty file. */
export function defaultConfig(): Config {
  return {
    global: defaultGlobalConfig(),
    runtime: { goGC: DEFAULT_GOGC },
    alerting: { alertRelabelConfigs: [], alertmanagers: [] },
    ruleFiles: null,
    scrapeConfigFiles: null,
    scrapeConfigs: [],
    storage: { tsdb: null, exemplars: null },
    tracing: null,
    remoteWrite: [],
    remoteRead: [],
    otlp: defaultOTLPConfig(),
  };
}

// Rule and scrape config file globs: `*` only in the last path element.
const PAT_RULE_PATH = /^[^*]*(\*[^/]*)?$/;

const RESERVED_HEADERS = new Set([
  "host",
  "content-encoding",
  "content-length",
  "content-type",
  "user-agent",
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "www-authenticate",
  "accept-encoding",
  "x-prometheus-remote-write-version",
  "x-prometheus-remote-read-version",
  "x-amz-date",
  "x-amz-security-token",
  "x-amz-content-sha256",
]);

const REMOTE_WRITE_MESSAGES = ["prometheus.WriteRequest", "io.prometheus.write.v2.Request"];
const OTLP_STRATEGIES = ["UnderscoreEscapingWithSuffixes", "UnderscoreEscapingWithoutSuffixes", "NoUTF8EscapingWithSuffixes", "NoTranslation"];

/**
 * Parses and validates prometheus.yml text. `filename` only labels errors
 * (`parsing YAML file <filename>: ...`); relative paths are left as
 * written (use loadConfigFile to resolve them). Throws ConfigError.
 */
export function loadConfig(text: string, filename: string, opts: LoadOptions = {}): Config {
  try {
    return load(text, opts);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`parsing YAML file ${filename}: ${e.message}`);
    throw e;
  }
}

/**
 * Reads, parses and validates a prometheus.yml file and resolves relative
 * file paths (rule files, certificates, file SD, ...) against its
 * directory. Throws ConfigError, or the fs error when unreadable.
 */
export function loadConfigFile(path: string, opts: LoadOptions = {}): Config {
  const cfg = loadConfig(readFileSync(path, "utf8"), path, opts);
  setDirectory(cfg, dirname(path));
  return cfg;
}

function load(text: string, opts: LoadOptions): Config {
  const { d, root } = Decoder.parse(text);
  const cfg = decodeConfig(d, root);
  if (d.errors.length > 0) throw new ConfigError(`yaml: unmarshal errors:\n  ${d.errors.join("\n  ")}`);
  const env = opts.env ?? process.env;
  // As Prometheus 3 (formerly --enable-feature=expand-external-labels): `$$` is
  // a literal dollar, an unset or empty variable expands to "".
  cfg.global.externalLabels = Labels.fromObject(
    Object.fromEntries(cfg.global.externalLabels.toArray().map((l) => [l.name, goExpand(l.value, (n) => (n === "$" ? "$" : (env[n] ?? "")))])),
  );
  const ts = cfg.otlp.translationStrategy;
  if (ts === "NoTranslation" || ts === "NoUTF8EscapingWithSuffixes") {
    if (cfg.global.metricNameValidationScheme === NameValidationScheme.Legacy) {
      throw new ConfigError(`OTLP translation strategy ${goQuote(ts)} is not allowed when UTF8 is disabled`);
    }
  } else if (ts !== "" && !OTLP_STRATEGIES.includes(ts)) {
    throw new ConfigError(`unsupported OTLP translation strategy ${goQuote(ts)}`);
  }
  if (opts.agentMode === true) {
    if (cfg.alerting.alertmanagers.length > 0 || cfg.alerting.alertRelabelConfigs.length > 0) {
      throw new ConfigError("field alerting is not allowed in agent mode");
    }
    if ((cfg.ruleFiles ?? []).length > 0) throw new ConfigError("field rule_files is not allowed in agent mode");
    if (cfg.remoteRead.length > 0) throw new ConfigError("field remote_read is not allowed in agent mode");
  }
  return cfg;
}

function rethrowRelabel(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (e instanceof RelabelConfigError || e instanceof RegexError) throw new ConfigError(e.message);
    throw e;
  }
}

function decodeConfig(d: Decoder, root: YNode): Config {
  const c = defaultConfig();
  let scrapes: Array<ScrapeConfig | null> = [];
  let rws: Array<RemoteWriteConfig | null> = [];
  let rrs: Array<RemoteReadConfig | null> = [];
  return d.checked(
    () => {
      d.struct(root, "config.plain", {
        global: (v) => (c.global = decodeGlobal(d, v)),
        runtime: (v) => {
          c.runtime = { goGC: 0 };
          d.struct(v, "config.RuntimeConfig", { gogc: (x) => (c.runtime.goGC = d.int(x, "int") ?? 0) });
          if (c.runtime.goGC === 0) c.runtime = { goGC: DEFAULT_GOGC };
        },
        alerting: (v) => (c.alerting = decodeAlerting(d, v)),
        rule_files: (v) => (c.ruleFiles = decodeStringList(d, v)),
        scrape_config_files: (v) => (c.scrapeConfigFiles = decodeStringList(d, v)),
        scrape_configs: (v) => (scrapes = d.list(v, "[]*config.ScrapeConfig", (e) => decodeScrapeConfig(d, e)) ?? []),
        storage: (v) => (c.storage = decodeStorage(d, v)),
        tracing: (v) => (c.tracing = decodeTracing(d, v)),
        remote_write: (v) => (rws = d.list(v, "[]*config.RemoteWriteConfig", (e) => decodeRemoteWrite(d, e)) ?? []),
        remote_read: (v) => (rrs = d.list(v, "[]*config.RemoteReadConfig", (e) => decodeRemoteRead(d, e)) ?? []),
        otlp: (v) => (c.otlp = decodeOTLP(d, v)),
      });
      return c;
    },
    (c) => {
      for (const rf of c.ruleFiles ?? []) if (!PAT_RULE_PATH.test(rf)) throw new ConfigError(`invalid rule file path ${goQuote(rf)}`);
      for (const sf of c.scrapeConfigFiles ?? []) {
        if (!PAT_RULE_PATH.test(sf)) throw new ConfigError(`invalid scrape config file path ${goQuote(sf)}`);
      }
      const jobs = new Set<string>();
      for (const sc of scrapes) {
        if (sc === null) throw new ConfigError("empty or null scrape config section");
        validateScrapeConfig(sc, c.global);
        if (jobs.has(sc.jobName)) throw new ConfigError(`found multiple scrape configs with job name ${goQuote(sc.jobName)}`);
        jobs.add(sc.jobName);
        c.scrapeConfigs.push(sc);
      }
      const scheme = c.global.metricNameValidationScheme;
      rethrowRelabel(() => {
        for (const rc of c.alerting.alertRelabelConfigs) validateRelabelConfig(rc, scheme);
        for (const am of c.alerting.alertmanagers) {
          for (const rc of am.alertRelabelConfigs) validateRelabelConfig(rc, scheme);
          for (const rc of am.relabelConfigs) validateRelabelConfig(rc, scheme);
        }
      });
      const rwNames = new Set<string>();
      for (const rw of rws) {
        if (rw === null) throw new ConfigError("empty or null remote write config section");
        if (rw.name !== "" && rwNames.has(rw.name)) throw new ConfigError(`found multiple remote write configs with job name ${goQuote(rw.name)}`);
        rethrowRelabel(() => {
          for (const rc of rw.writeRelabelConfigs) validateRelabelConfig(rc, scheme);
        });
        rwNames.add(rw.name);
        c.remoteWrite.push(rw);
      }
      const rrNames = new Set<string>();
      for (const rr of rrs) {
        if (rr === null) throw new ConfigError("empty or null remote read config section");
        if (rr.name !== "" && rrNames.has(rr.name)) throw new ConfigError(`found multiple remote read configs with job name ${goQuote(rr.name)}`);
        rrNames.add(rr.name);
        c.remoteRead.push(rr);
      }
    },
  );
}

/** A `units.Base2Bytes` value ("15MB", "1GiB"): alecthomas/units ParseBase2Bytes. */
export function parseBase2Bytes(s: string): number {
  const unitMap = (suffix: string): Map<string, number> =>
    new Map([
      ["B", 1],
      ["K" + suffix, 1024],
      ["M" + suffix, 1024 ** 2],
      ["G" + suffix, 1024 ** 3],
      ["T" + suffix, 1024 ** 4],
      ["P" + suffix, 1024 ** 5],
      ["E" + suffix, 1024 ** 6],
    ]);
  try {
    return parseUnit(s, unitMap("iB"));
  } catch {
    return parseUnit(s, unitMap("B"));
  }
}

function parseUnit(orig: string, units: Map<string, number>): number {
  let s = orig;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw new ConfigError(`units: invalid ${orig}`);
  let f = 0;
  while (s !== "") {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    if (m[0] === "" || (m[1] === "" && (m[2] ?? "") === "")) throw new ConfigError(`units: invalid ${orig}`);
    let g = m[1] === "" ? 0 : Number(m[1]);
    if (m[2] !== undefined && m[2] !== "") g += Number(m[2]) / 10 ** m[2].length;
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    s = s.slice(u.length);
    const unit = units.get(u);
    if (unit === undefined) throw new ConfigError(`units: unknown unit ${u} in ${orig}`);
    f += g * unit;
  }
  if (neg) f = -f;
  return Math.trunc(f);
}

/** Base2Bytes.String: "15MiB", "1GiB", "1KiB512B", "0B". */
export function formatBase2Bytes(n: number): string {
  const si = ["", "K", "M", "G", "T", "P", "E"];
  const out: string[] = new Array<string>(si.length).fill("");
  let v = Math.trunc(n);
  for (let i = 0; i < si.length; i++) {
    if (v % 1024 !== 0 || (i === 0 && v === 0)) out[si.length - 1 - i] = `${v % 1024}${si[i]}${i === 0 ? "B" : "iB"}`;
    v = Math.trunc(v / 1024);
    if (v === 0) break;
  }
  return out.join("");
}

function sizeField(d: Decoder, v: YNode): number {
  const s = d.str(v, "units.Base2Bytes");
  return s === null ? 0 : parseBase2Bytes(s);
}

function schemeField(d: Decoder, v: YNode): NameValidationScheme | "" {
  const s = d.str(v, "model.ValidationScheme") ?? "";
  if (s === "") return "";
  if (s === NameValidationScheme.Legacy || s === NameValidationScheme.UTF8) return s;
  throw new ConfigError(`unrecognized ValidationScheme: ${goQuote(s)}`);
}

function validateScrapeProtocols(ps: readonly string[]): void {
  if (ps.length === 0) throw new ConfigError("scrape_protocols cannot be empty");
  const seen = new Set<string>();
  for (const p of ps) {
    if (seen.has(p.toLowerCase())) throw new ConfigError(`duplicated protocol in scrape_protocols, got [${ps.join(" ")}]`);
    try {
      checkScrapeProtocol(p);
    } catch (e) {
      throw new ConfigError(`scrape_protocols: ${(e as Error).message}`);
    }
    seen.add(p.toLowerCase());
  }
}

function checkScrapeProtocol(p: string): void {
  if (!ScrapeProtocolHeaders.has(p)) {
    throw new ConfigError(`unknown scrape protocol ${p}, supported: [${[...ScrapeProtocolHeaders.keys()].sort().join(" ")}]`);
  }
}

function decodeGlobal(d: Decoder, n: YNode): GlobalConfig {
  // NOTE: matches Prometheus, which decodes an explicit global block onto a
  // zero value (not the defaults), then fills in a few defaults.
  const g: GlobalConfig = {
    ...defaultGlobalConfig(),
    scrapeIntervalMs: 0,
    scrapeTimeoutMs: 0,
    evaluationIntervalMs: 0,
    metricNameValidationScheme: NameValidationScheme.UTF8,
    metricNameEscapingScheme: "",
    scrapeNativeHistograms: null,
  };
  // A null `global:` leaves the defaults (Config.UnmarshalYAML restores them).
  if (d.isNull(n)) return defaultGlobalConfig();
  let scheme: NameValidationScheme | "" = "";
  let labels: Map<string, string> | null = null;
  return d.checked(
    () => {
      d.struct(n, "config.plain", {
        scrape_interval: (v) => (g.scrapeIntervalMs = durationField(d, v)),
        scrape_timeout: (v) => (g.scrapeTimeoutMs = durationField(d, v)),
        scrape_protocols: (v) => (g.scrapeProtocols = decodeStringList(d, v, "[]config.ScrapeProtocol")),
        evaluation_interval: (v) => (g.evaluationIntervalMs = durationField(d, v)),
        rule_query_offset: (v) => (g.ruleQueryOffsetMs = durationField(d, v)),
        query_log_file: (v) => (g.queryLogFile = d.str(v) ?? ""),
        scrape_failure_log_file: (v) => (g.scrapeFailureLogFile = d.str(v) ?? ""),
        external_labels: (v) => (labels = decodeStringMap(d, v, "labels.Labels")),
        body_size_limit: (v) => (g.bodySizeLimitBytes = sizeField(d, v)),
        sample_limit: (v) => (g.sampleLimit = d.int(v, "uint") ?? 0),
        target_limit: (v) => (g.targetLimit = d.int(v, "uint") ?? 0),
        label_limit: (v) => (g.labelLimit = d.int(v, "uint") ?? 0),
        label_name_length_limit: (v) => (g.labelNameLengthLimit = d.int(v, "uint") ?? 0),
        label_value_length_limit: (v) => (g.labelValueLengthLimit = d.int(v, "uint") ?? 0),
        keep_dropped_targets: (v) => (g.keepDroppedTargets = d.int(v, "uint") ?? 0),
        metric_name_validation_scheme: (v) => (scheme = schemeField(d, v)),
        metric_name_escaping_scheme: (v) => (g.metricNameEscapingScheme = d.str(v) ?? ""),
        scrape_native_histograms: (v) => (g.scrapeNativeHistograms = d.bool(v)),
        convert_classic_histograms_to_nhcb: (v) => (g.convertClassicHistogramsToNHCB = d.bool(v) ?? false),
        always_scrape_classic_histograms: (v) => (g.alwaysScrapeClassicHistograms = d.bool(v) ?? false),
        extra_scrape_metrics: (v) => (g.extraScrapeMetrics = d.bool(v) ?? false),
      });
      return g;
    },
    (g) => {
      g.metricNameValidationScheme = scheme === "" ? NameValidationScheme.UTF8 : scheme;
      const m: Map<string, string> = labels ?? new Map();
      for (const [k, v] of m) {
        if (!isValidLabelNameIn(k, g.metricNameValidationScheme)) throw new ConfigError(`${goQuote(k)} is not a valid label name`);
        if (!v.isWellFormed()) throw new ConfigError(`${goQuote(v)} is not a valid label value`);
      }
      g.externalLabels = Labels.fromObject(Object.fromEntries(m));
      if (g.scrapeIntervalMs === 0) g.scrapeIntervalMs = 60_000;
      if (g.scrapeTimeoutMs > g.scrapeIntervalMs) throw new ConfigError("global scrape timeout greater than scrape interval");
      if (g.scrapeTimeoutMs === 0) g.scrapeTimeoutMs = Math.min(10_000, g.scrapeIntervalMs);
      if (g.evaluationIntervalMs === 0) g.evaluationIntervalMs = 60_000;
      if (g.scrapeNativeHistograms === null) g.scrapeNativeHistograms = false;
      if (g.scrapeProtocols !== null) {
        try {
          validateScrapeProtocols(g.scrapeProtocols);
        } catch (e) {
          throw new ConfigError(`${(e as Error).message} for global config`);
        }
      }
    },
  );
}

/** A list of relabel rules; null entries stay null (reported by nonNull after decoding). */
function decodeRelabelList(d: Decoder, n: YNode): Array<RelabelConfig | null> {
  return d.list(n, "[]*relabel.Config", (e) => (d.isNull(e) ? null : decodeRelabel(d, e))) ?? [];
}

function nonNull(list: Array<RelabelConfig | null>, nullMessage: string): RelabelConfig[] {
  if (list.includes(null)) throw new ConfigError(nullMessage);
  return list as RelabelConfig[];
}

function decodeRelabel(d: Decoder, n: YNode): RelabelConfig {
  const c = newRelabelConfig();
  d.struct(n, "relabel.plain", {
    source_labels: (v) => (c.sourceLabels = decodeStringList(d, v, "model.LabelNames")),
    separator: (v) => (c.separator = d.str(v) ?? ""),
    regex: (v) => {
      const s = d.str(v, "relabel.Regexp");
      c.regex = s === null ? new RelabelRegex("") : compileRegex(s);
    },
    modulus: (v) => (c.modulus = d.int(v, "uint64") ?? 0),
    target_label: (v) => (c.targetLabel = d.str(v) ?? ""),
    replacement: (v) => (c.replacement = d.str(v) ?? ""),
    action: (v) => {
      const s = d.str(v, "relabel.Action");
      if (s === null) {
        c.action = "";
        return;
      }
      try {
        c.action = parseRelabelAction(s);
      } catch (e) {
        throw new ConfigError((e as Error).message);
      }
    },
  });
  return c;
}

function compileRegex(s: string): RelabelRegex {
  try {
    return new RelabelRegex(s);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

function decodeScrapeConfig(d: Decoder, n: YNode): ScrapeConfig | null {
  if (d.isNull(n)) return null;
  const c: ScrapeConfig = {
    jobName: "",
    honorLabels: false,
    honorTimestamps: true,
    trackTimestampsStaleness: false,
    params: null,
    scrapeIntervalMs: 0,
    scrapeTimeoutMs: 0,
    scrapeProtocols: null,
    fallbackScrapeProtocol: "",
    scrapeNativeHistograms: null,
    alwaysScrapeClassicHistograms: null,
    convertClassicHistogramsToNHCB: null,
    scrapeFailureLogFile: "",
    metricsPath: "/metrics",
    scheme: "http",
    enableCompression: true,
    bodySizeLimitBytes: 0,
    sampleLimit: 0,
    targetLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
    nativeHistogramBucketLimit: 0,
    nativeHistogramMinBucketFactor: 0,
    keepDroppedTargets: 0,
    metricNameValidationScheme: "",
    metricNameEscapingScheme: "",
    extraScrapeMetrics: null,
    serviceDiscoveryConfigs: [],
    httpClientConfig: newHTTPClientConfig(),
    relabelConfigs: [],
    metricRelabelConfigs: [],
  };
  const sd = sdFields(d, c.serviceDiscoveryConfigs);
  let relabels: Array<RelabelConfig | null> = [];
  let metricRelabels: Array<RelabelConfig | null> = [];
  return d.checked(
    () => {
      d.struct(n, "config.ScrapeConfig", {
        job_name: (v) => (c.jobName = d.str(v) ?? ""),
        honor_labels: (v) => (c.honorLabels = d.bool(v) ?? false),
        honor_timestamps: (v) => (c.honorTimestamps = d.bool(v) ?? false),
        track_timestamps_staleness: (v) => (c.trackTimestampsStaleness = d.bool(v) ?? false),
        params: (v) => {
          const es = d.entries(v, "url.Values");
          c.params = es === null ? null : new Map(es.map(([k, , x]) => [k, decodeStringList(d, x) ?? []]));
        },
        scrape_interval: (v) => (c.scrapeIntervalMs = durationField(d, v)),
        scrape_timeout: (v) => (c.scrapeTimeoutMs = durationField(d, v)),
        scrape_protocols: (v) => (c.scrapeProtocols = decodeStringList(d, v, "[]config.ScrapeProtocol")),
        fallback_scrape_protocol: (v) => (c.fallbackScrapeProtocol = d.str(v, "config.ScrapeProtocol") ?? ""),
        scrape_native_histograms: (v) => (c.scrapeNativeHistograms = d.bool(v)),
        always_scrape_classic_histograms: (v) => (c.alwaysScrapeClassicHistograms = d.bool(v)),
        convert_classic_histograms_to_nhcb: (v) => (c.convertClassicHistogramsToNHCB = d.bool(v)),
        scrape_failure_log_file: (v) => (c.scrapeFailureLogFile = d.str(v) ?? ""),
        metrics_path: (v) => (c.metricsPath = d.str(v) ?? ""),
        scheme: (v) => (c.scheme = d.str(v) ?? ""),
        enable_compression: (v) => (c.enableCompression = d.bool(v) ?? false),
        body_size_limit: (v) => (c.bodySizeLimitBytes = sizeField(d, v)),
        sample_limit: (v) => (c.sampleLimit = d.int(v, "uint") ?? 0),
        target_limit: (v) => (c.targetLimit = d.int(v, "uint") ?? 0),
        label_limit: (v) => (c.labelLimit = d.int(v, "uint") ?? 0),
        label_name_length_limit: (v) => (c.labelNameLengthLimit = d.int(v, "uint") ?? 0),
        label_value_length_limit: (v) => (c.labelValueLengthLimit = d.int(v, "uint") ?? 0),
        native_histogram_bucket_limit: (v) => (c.nativeHistogramBucketLimit = d.int(v, "uint") ?? 0),
        native_histogram_min_bucket_factor: (v) => (c.nativeHistogramMinBucketFactor = d.float(v) ?? 0),
        keep_dropped_targets: (v) => (c.keepDroppedTargets = d.int(v, "uint") ?? 0),
        metric_name_validation_scheme: (v) => (c.metricNameValidationScheme = schemeField(d, v)),
        metric_name_escaping_scheme: (v) => (c.metricNameEscapingScheme = d.str(v) ?? ""),
        extra_scrape_metrics: (v) => (c.extraScrapeMetrics = d.bool(v)),
        ...httpClientFields(d, c.httpClientConfig),
        relabel_configs: (v) => (relabels = decodeRelabelList(d, v)),
        metric_relabel_configs: (v) => (metricRelabels = decodeRelabelList(d, v)),
        ...sd.fields,
      });
      return c;
    },
    (c) => {
      sd.check();
      if (c.jobName === "") throw new ConfigError("job_name is empty");
      validateHTTPClientConfig(c.httpClientConfig);
      c.relabelConfigs = nonNull(relabels, "empty or null target relabeling rule in scrape config");
      c.metricRelabelConfigs = nonNull(metricRelabels, "empty or null metric relabeling rule in scrape config");
      if (c.relabelConfigs.length === 0) checkStaticTargets(c.serviceDiscoveryConfigs);
    },
  );
}

/**
 * ScrapeConfig.Validate: fills unset values from `g` and checks the job.
 * Throws ConfigError.
 */
export function validateScrapeConfig(c: ScrapeConfig, g: GlobalConfig): void {
  const job = goQuote(c.jobName);
  if (c.scrapeIntervalMs === 0) c.scrapeIntervalMs = g.scrapeIntervalMs;
  if (c.scrapeTimeoutMs > c.scrapeIntervalMs) throw new ConfigError(`scrape timeout greater than scrape interval for scrape config with job name ${job}`);
  if (c.scrapeTimeoutMs === 0) c.scrapeTimeoutMs = Math.min(g.scrapeTimeoutMs, c.scrapeIntervalMs);
  if (c.bodySizeLimitBytes === 0) c.bodySizeLimitBytes = g.bodySizeLimitBytes;
  if (c.sampleLimit === 0) c.sampleLimit = g.sampleLimit;
  if (c.targetLimit === 0) c.targetLimit = g.targetLimit;
  if (c.labelLimit === 0) c.labelLimit = g.labelLimit;
  if (c.labelNameLengthLimit === 0) c.labelNameLengthLimit = g.labelNameLengthLimit;
  if (c.labelValueLengthLimit === 0) c.labelValueLengthLimit = g.labelValueLengthLimit;
  if (c.keepDroppedTargets === 0) c.keepDroppedTargets = g.keepDroppedTargets;
  if (c.scrapeFailureLogFile === "") c.scrapeFailureLogFile = g.scrapeFailureLogFile;
  if (c.scrapeNativeHistograms === null) c.scrapeNativeHistograms = g.scrapeNativeHistograms;
  if (c.extraScrapeMetrics === null) c.extraScrapeMetrics = g.extraScrapeMetrics;
  if (c.scrapeProtocols === null) {
    if (g.scrapeProtocols !== null) c.scrapeProtocols = [...g.scrapeProtocols];
    else if (c.scrapeNativeHistograms === true) c.scrapeProtocols = [...DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS];
    else c.scrapeProtocols = [...DEFAULT_SCRAPE_PROTOCOLS];
  }
  try {
    validateScrapeProtocols(c.scrapeProtocols);
  } catch (e) {
    throw new ConfigError(`${(e as Error).message} for scrape config with job name ${job}`);
  }
  if (c.fallbackScrapeProtocol !== "") {
    try {
      checkScrapeProtocol(c.fallbackScrapeProtocol);
    } catch (e) {
      throw new ConfigError(`invalid fallback_scrape_protocol for scrape config with job name ${job}: ${(e as Error).message}`);
    }
  }
  const localUnset = c.metricNameValidationScheme === "";
  if (localUnset) c.metricNameValidationScheme = g.metricNameValidationScheme;
  let globalEscaping = g.metricNameEscapingScheme;
  const escapings: string[] = Object.values(EscapingScheme);
  if (globalEscaping === "") {
    globalEscaping = g.metricNameValidationScheme === NameValidationScheme.Legacy ? EscapingScheme.Underscores : EscapingScheme.AllowUTF8;
  } else if (!escapings.includes(globalEscaping)) {
    throw new ConfigError(
      `unknown global name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got ${goQuote(globalEscaping)}`,
    );
  }
  if (c.metricNameEscapingScheme === "") {
    if (localUnset) c.metricNameEscapingScheme = globalEscaping;
    else if (c.metricNameValidationScheme === NameValidationScheme.Legacy) c.metricNameEscapingScheme = EscapingScheme.Underscores;
    else c.metricNameEscapingScheme = EscapingScheme.AllowUTF8;
  }
  if (c.metricNameEscapingScheme === EscapingScheme.AllowUTF8) {
    if (c.metricNameValidationScheme !== NameValidationScheme.UTF8) {
      throw new ConfigError("utf8 metric names requested but validation scheme is not set to UTF8");
    }
  } else if (!escapings.includes(c.metricNameEscapingScheme)) {
    throw new ConfigError(
      `unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got ${goQuote(c.metricNameEscapingScheme)}`,
    );
  }
  if (c.convertClassicHistogramsToNHCB === null) c.convertClassicHistogramsToNHCB = g.convertClassicHistogramsToNHCB;
  if (c.alwaysScrapeClassicHistograms === null) c.alwaysScrapeClassicHistograms = g.alwaysScrapeClassicHistograms;
  const scheme = c.metricNameValidationScheme === "" ? g.metricNameValidationScheme : c.metricNameValidationScheme;
  rethrowRelabel(() => {
    for (const rc of c.relabelConfigs) validateRelabelConfig(rc, scheme);
    for (const rc of c.metricRelabelConfigs) validateRelabelConfig(rc, scheme);
  });
}

function decodeAlerting(d: Decoder, n: YNode): AlertingConfig {
  const c: AlertingConfig = { alertRelabelConfigs: [], alertmanagers: [] };
  let rel: Array<RelabelConfig | null> = [];
  let ams: Array<AlertmanagerConfig | null> = [];
  return d.checked(
    () => {
      d.struct(n, "config.plain", {
        alert_relabel_configs: (v) => (rel = decodeRelabelList(d, v)),
        alertmanagers: (v) => (ams = d.list(v, "config.AlertmanagerConfigs", (e) => (d.isNull(e) ? null : decodeAlertmanager(d, e))) ?? []),
      });
      return c;
    },
    (c) => {
      c.alertRelabelConfigs = nonNull(rel, "empty or null alert relabeling rule");
      if (ams.includes(null)) throw new ConfigError("empty or null Alertmanager config section");
      c.alertmanagers = ams as AlertmanagerConfig[];
    },
  );
}

function decodeAlertmanager(d: Decoder, n: YNode): AlertmanagerConfig {
  const c: AlertmanagerConfig = {
    serviceDiscoveryConfigs: [],
    httpClientConfig: newHTTPClientConfig(),
    sigv4: null,
    scheme: "http",
    pathPrefix: "",
    timeoutMs: 10_000,
    apiVersion: "v2",
    relabelConfigs: [],
    alertRelabelConfigs: [],
  };
  const sd = sdFields(d, c.serviceDiscoveryConfigs);
  let rel: Array<RelabelConfig | null> = [];
  let alertRel: Array<RelabelConfig | null> = [];
  return d.checked(
    () => {
      d.struct(n, "config.AlertmanagerConfig", {
        ...httpClientFields(d, c.httpClientConfig),
        sigv4: (v) => (c.sigv4 = opaque(d, v, "sigv4.SigV4Config")),
        scheme: (v) => (c.scheme = d.str(v) ?? ""),
        path_prefix: (v) => (c.pathPrefix = d.str(v) ?? ""),
        timeout: (v) => (c.timeoutMs = durationField(d, v)),
        api_version: (v) => {
          const s = d.str(v, "config.AlertmanagerAPIVersion") ?? "";
          if (s !== "v2") throw new ConfigError(`expected Alertmanager api version to be one of [v2] but got ${s}`);
          c.apiVersion = s;
        },
        relabel_configs: (v) => (rel = decodeRelabelList(d, v)),
        alert_relabel_configs: (v) => (alertRel = decodeRelabelList(d, v)),
        ...sd.fields,
      });
      return c;
    },
    (c) => {
      sd.check();
      validateHTTPClientConfig(c.httpClientConfig);
      const h = c.httpClientConfig;
      if ((h.basicAuth !== null || h.authorization !== null || h.oauth2 !== null) && c.sigv4 !== null) {
        throw new ConfigError("at most one of basic_auth, authorization, oauth2, & sigv4 must be configured");
      }
      c.relabelConfigs = nonNull(rel, "empty or null Alertmanager target relabeling rule");
      c.alertRelabelConfigs = nonNull(alertRel, "empty or null Alertmanager alert relabeling rule");
      if (c.relabelConfigs.length === 0) checkStaticTargets(c.serviceDiscoveryConfigs);
    },
  );
}

function opaque(d: Decoder, n: YNode, goType: string): unknown {
  if (d.isNull(n)) return null;
  const es = d.entries(n, goType);
  return es === null ? null : (n as { toJSON(): unknown }).toJSON();
}

function validateHeaders(h: Map<string, string> | null, forTracing: boolean): void {
  for (const k of h?.keys() ?? []) {
    if (k.toLowerCase() === "authorization") {
      throw new ConfigError(
        forTracing
          ? "custom authorization header configuration is not yet supported"
          : "authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter",
      );
    }
    if (RESERVED_HEADERS.has(k.toLowerCase())) throw new ConfigError(`${k} is a reserved header. It must not be changed`);
  }
}

function decodeQueueConfig(d: Decoder, n: YNode): QueueConfig {
  const q = defaultQueueConfig();
  if (d.isNull(n)) return { capacity: 0, maxShards: 0, minShards: 0, maxSamplesPerSend: 0, batchSendDeadlineMs: 0, minBackoffMs: 0, maxBackoffMs: 0, retryOnRateLimit: false, sampleAgeLimitMs: 0 };
  d.struct(n, "config.QueueConfig", {
    capacity: (v) => (q.capacity = d.int(v, "int") ?? 0),
    max_shards: (v) => (q.maxShards = d.int(v, "int") ?? 0),
    min_shards: (v) => (q.minShards = d.int(v, "int") ?? 0),
    max_samples_per_send: (v) => (q.maxSamplesPerSend = d.int(v, "int") ?? 0),
    batch_send_deadline: (v) => (q.batchSendDeadlineMs = durationField(d, v)),
    min_backoff: (v) => (q.minBackoffMs = durationField(d, v)),
    max_backoff: (v) => (q.maxBackoffMs = durationField(d, v)),
    retry_on_http_429: (v) => (q.retryOnRateLimit = d.bool(v) ?? false),
    sample_age_limit: (v) => (q.sampleAgeLimitMs = durationField(d, v)),
  });
  return q;
}

/**
 * Remote write queue checks (Prometheus PR #18209). Only the
 * max_samples_per_send text is confirmed from upstream; the others follow
 * its pattern.
 */
function validateQueueConfig(q: QueueConfig): void {
  const fail = (m: string): never => {
    throw new ConfigError(m);
  };
  if (q.maxSamplesPerSend <= 0) fail("remote write queue max_samples_per_send must be positive");
  if (q.capacity <= 0) fail("remote write queue capacity must be positive");
  if (q.maxShards <= 0) fail("remote write queue max_shards must be positive");
  if (q.minShards <= 0) fail("remote write queue min_shards must be positive");
  if (q.minShards > q.maxShards) fail("remote write queue min_shards must not be greater than max_shards");
  if (q.maxBackoffMs < q.minBackoffMs) fail("remote write queue max_backoff must not be less than min_backoff");
}

function decodeRemoteWrite(d: Decoder, n: YNode): RemoteWriteConfig | null {
  if (d.isNull(n)) return null;
  let url: ConfigURL | null = null;
  const c: RemoteWriteConfig = {
    url: { href: "", scheme: "", host: "", hasPassword: false },
    remoteTimeoutMs: 30_000,
    headers: null,
    writeRelabelConfigs: [],
    name: "",
    sendExemplars: false,
    sendNativeHistograms: false,
    roundRobinDNS: false,
    protobufMessage: "prometheus.WriteRequest",
    httpClientConfig: newHTTPClientConfig(false),
    queueConfig: defaultQueueConfig(),
    metadataConfig: defaultMetadataConfig(),
    sigv4: null,
    azuread: null,
    googleIAM: null,
  };
  let rel: Array<RelabelConfig | null> = [];
  return d.checked(
    () => {
      d.struct(n, "config.plain", {
        url: (v) => (url = decodeURL(d, v)),
        remote_timeout: (v) => (c.remoteTimeoutMs = durationField(d, v)),
        headers: (v) => (c.headers = decodeStringMap(d, v)),
        write_relabel_configs: (v) => (rel = decodeRelabelList(d, v)),
        name: (v) => (c.name = d.str(v) ?? ""),
        send_exemplars: (v) => (c.sendExemplars = d.bool(v) ?? false),
        send_native_histograms: (v) => (c.sendNativeHistograms = d.bool(v) ?? false),
        round_robin_dns: (v) => (c.roundRobinDNS = d.bool(v) ?? false),
        protobuf_message: (v) => (c.protobufMessage = d.str(v, "remote.WriteMessageType") ?? ""),
        ...httpClientFields(d, c.httpClientConfig),
        queue_config: (v) => (c.queueConfig = decodeQueueConfig(d, v)),
        metadata_config: (v) => {
          if (d.isNull(v)) {
            c.metadataConfig = { send: false, sendIntervalMs: 0, maxSamplesPerSend: 0 };
            return;
          }
          d.struct(v, "config.MetadataConfig", {
            send: (x) => (c.metadataConfig.send = d.bool(x) ?? false),
            send_interval: (x) => (c.metadataConfig.sendIntervalMs = durationField(d, x)),
            max_samples_per_send: (x) => (c.metadataConfig.maxSamplesPerSend = d.int(x, "int") ?? 0),
          });
        },
        sigv4: (v) => (c.sigv4 = opaque(d, v, "sigv4.SigV4Config")),
        azuread: (v) => (c.azuread = opaque(d, v, "azuread.AzureADConfig")),
        google_iam: (v) => (c.googleIAM = opaque(d, v, "googleiam.Config")),
      });
      return c;
    },
    (c) => {
      if (url === null) throw new ConfigError("url for remote_write is empty");
      c.url = url;
      c.writeRelabelConfigs = nonNull(rel, "empty or null relabeling rule in remote write config");
      validateHeaders(c.headers, false);
      if (!REMOTE_WRITE_MESSAGES.includes(c.protobufMessage)) {
        throw new ConfigError(
          `invalid protobuf_message value: unknown type for remote write protobuf message ${c.protobufMessage}, supported: ${REMOTE_WRITE_MESSAGES.join(", ")}`,
        );
      }
      validateHTTPClientConfig(c.httpClientConfig);
      const h = c.httpClientConfig;
      const auth: string[] = [];
      if (h.basicAuth !== null) auth.push("basic_auth");
      if (h.authorization !== null) auth.push("authorization");
      if (h.oauth2 !== null) auth.push("oauth2");
      if (c.sigv4 !== null) auth.push("sigv4");
      if (c.azuread !== null) auth.push("azuread");
      if (c.googleIAM !== null) auth.push("google_iam");
      if (auth.length > 1) {
        throw new ConfigError(
          `at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [${auth.join(" ")}]`,
        );
      }
      validateQueueConfig(c.queueConfig);
    },
  );
}

function decodeRemoteRead(d: Decoder, n: YNode): RemoteReadConfig | null {
  if (d.isNull(n)) return null;
  let url: ConfigURL | null = null;
  const c: RemoteReadConfig = {
    url: { href: "", scheme: "", host: "", hasPassword: false },
    remoteTimeoutMs: 60_000,
    chunkedReadLimit: 5e7,
    headers: null,
    readRecent: false,
    name: "",
    httpClientConfig: newHTTPClientConfig(),
    requiredMatchers: null,
    filterExternalLabels: true,
  };
  return d.checked(
    () => {
      d.struct(n, "config.plain", {
        url: (v) => (url = decodeURL(d, v)),
        remote_timeout: (v) => (c.remoteTimeoutMs = durationField(d, v)),
        chunked_read_limit: (v) => (c.chunkedReadLimit = d.int(v, "uint64") ?? 0),
        headers: (v) => (c.headers = decodeStringMap(d, v)),
        read_recent: (v) => (c.readRecent = d.bool(v) ?? false),
        name: (v) => (c.name = d.str(v) ?? ""),
        ...httpClientFields(d, c.httpClientConfig),
        required_matchers: (v) => (c.requiredMatchers = decodeStringMap(d, v, "model.LabelSet")),
        filter_external_labels: (v) => (c.filterExternalLabels = d.bool(v) ?? false),
      });
      return c;
    },
    (c) => {
      if (url === null) throw new ConfigError("url for remote_read is empty");
      c.url = url;
      validateHeaders(c.headers, false);
      validateHTTPClientConfig(c.httpClientConfig);
    },
  );
}

const CHUNK_ENCODINGS = ["xor", "xor2"];

function decodeStorage(d: Decoder, n: YNode): StorageConfig {
  const s: StorageConfig = { tsdb: null, exemplars: null };
  d.struct(n, "config.StorageConfig", {
    tsdb: (v) => {
      if (d.isNull(v)) return;
      const t: TSDBConfig = { outOfOrderTimeWindowMs: 0, staleSeriesCompactionThreshold: 0, retention: null, chunkEncoding: null };
      s.tsdb = d.checked(
        () => {
          d.struct(v, "config.plain", {
            // NOTE: matches Prometheus, whose untagged OutOfOrderTimeWindow
            // field is printed (and so accepted) under this name; the value
            // is recomputed from out_of_order_time_window.
            outofordertimewindow: (x) => void d.int(x, "int64"),
            out_of_order_time_window: (x) => (t.outOfOrderTimeWindowMs = durationField(d, x)),
            stale_series_compaction_threshold: (x) => (t.staleSeriesCompactionThreshold = d.float(x) ?? 0),
            retention: (x) => {
              if (d.isNull(x)) return;
              const r = { timeMs: 0, sizeBytes: 0, percentage: 0 };
              d.struct(x, "config.TSDBRetentionConfig", {
                time: (y) => (r.timeMs = durationField(d, y)),
                size: (y) => (r.sizeBytes = sizeField(d, y)),
                percentage: (y) => (r.percentage = d.float(y) ?? 0),
              });
              t.retention = r;
            },
            chunk_encoding: (x) => {
              if (d.isNull(x)) return;
              const ce = { floats: "" };
              d.struct(x, "config.TSDBChunkEncodingConfig", { floats: (y) => (ce.floats = d.str(y) ?? "") });
              t.chunkEncoding = ce;
            },
          });
          return t;
        },
        (t) => {
          // NOTE: these three checks mirror reference files newer than the
          // upstream sources available here; the texts are promstack's own.
          const r = t.retention;
          if (r !== null && r.sizeBytes < 0) throw new ConfigError("tsdb retention size must not be negative");
          if (r !== null && (r.percentage < 0 || r.percentage > 100 || Number.isNaN(r.percentage))) {
            throw new ConfigError(`tsdb retention percentage must be between 0 and 100, got ${r.percentage}`);
          }
          if (t.chunkEncoding !== null && t.chunkEncoding.floats !== "" && !CHUNK_ENCODINGS.includes(t.chunkEncoding.floats)) {
            throw new ConfigError(`unknown chunk encoding for floats ${goQuote(t.chunkEncoding.floats)}, must be one of "xor" or "xor2"`);
          }
        },
      );
    },
    exemplars: (v) => {
      if (d.isNull(v)) return;
      const e = { maxExemplars: 0 };
      d.struct(v, "config.ExemplarsConfig", { max_exemplars: (x) => (e.maxExemplars = d.int(x, "int64") ?? 0) });
      s.exemplars = e;
    },
  });
  return s;
}

function decodeTracing(d: Decoder, n: YNode): TracingConfig | null {
  if (d.isNull(n)) return null;
  const t: TracingConfig = {
    clientType: "grpc",
    endpoint: "",
    samplingFraction: 0,
    insecure: false,
    tlsConfig: newTLSConfig(),
    headers: null,
    compression: "",
    timeoutMs: 0,
  };
  return d.checked(
    () => {
      d.struct(n, "config.plain", {
        client_type: (v) => {
          const s = d.str(v, "config.TracingClientType") ?? "";
          if (s !== "http" && s !== "grpc") throw new ConfigError(`expected tracing client type to be to be http or grpc, but got ${s}`);
          t.clientType = s;
        },
        endpoint: (v) => (t.endpoint = d.str(v) ?? ""),
        sampling_fraction: (v) => (t.samplingFraction = d.float(v) ?? 0),
        insecure: (v) => (t.insecure = d.bool(v) ?? false),
        tls_config: (v) => {
          const h = newHTTPClientConfig();
          httpClientFields(d, h).tls_config!(v);
          t.tlsConfig = h.tlsConfig;
        },
        headers: (v) => (t.headers = decodeStringMap(d, v)),
        compression: (v) => (t.compression = d.str(v) ?? ""),
        timeout: (v) => (t.timeoutMs = durationField(d, v)),
      });
      return t;
    },
    (t) => {
      validateHeaders(t.headers, true);
      if (t.endpoint === "") throw new ConfigError("tracing endpoint must be set");
      if (t.compression !== "" && t.compression !== "gzip") {
        throw new ConfigError(`invalid compression type ${t.compression} provided, valid options: gzip`);
      }
    },
  );
}

function decodeOTLP(d: Decoder, n: YNode): OTLPConfig {
  if (d.isNull(n)) {
    // NOTE: matches Prometheus: an empty `otlp:` block zeroes every field.
    return { ...defaultOTLPConfig(), translationStrategy: "", labelNameUnderscoreSanitization: false, labelNamePreserveMultipleUnderscores: false };
  }
  const c = defaultOTLPConfig();
  return d.checked(
    () => {
      d.struct(n, "config.plain", {
        promote_all_resource_attributes: (v) => (c.promoteAllResourceAttributes = d.bool(v) ?? false),
        promote_resource_attributes: (v) => (c.promoteResourceAttributes = decodeStringList(d, v)),
        ignore_resource_attributes: (v) => (c.ignoreResourceAttributes = decodeStringList(d, v)),
        translation_strategy: (v) => (c.translationStrategy = d.str(v, "otlptranslator.TranslationStrategyOption") ?? ""),
        keep_identifying_resource_attributes: (v) => (c.keepIdentifyingResourceAttributes = d.bool(v) ?? false),
        convert_histograms_to_nhcb: (v) => (c.convertHistogramsToNHCB = d.bool(v) ?? false),
        promote_scope_metadata: (v) => (c.promoteScopeMetadata = d.bool(v) ?? false),
        label_name_underscore_sanitization: (v) => (c.labelNameUnderscoreSanitization = d.bool(v) ?? false),
        label_name_preserve_multiple_underscores: (v) => (c.labelNamePreserveMultipleUnderscores = d.bool(v) ?? false),
      });
      return c;
    },
    (c) => {
      if (c.promoteAllResourceAttributes) {
        if ((c.promoteResourceAttributes ?? []).length > 0) {
          throw new ConfigError("'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured simultaneously");
        }
        sanitizeAttributes(c.ignoreResourceAttributes, "ignored", "ignore_resource_attributes");
      } else {
        if ((c.ignoreResourceAttributes ?? []).length > 0) {
          throw new ConfigError("'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is true");
        }
        sanitizeAttributes(c.promoteResourceAttributes, "promoted", "promote_resource_attributes");
      }
    },
  );
}

function sanitizeAttributes(attrs: string[] | null, adjective: string, field: string): void {
  if (attrs === null) return;
  const seen = new Set<string>();
  const errs: string[] = [];
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!.trim();
    if (a === "") {
      errs.push(`empty ${adjective} OTel resource attribute`);
      continue;
    }
    if (seen.has(a)) {
      errs.push(`duplicated ${adjective} OTel resource attribute ${goQuote(a)}`);
      continue;
    }
    seen.add(a);
    attrs[i] = a;
  }
  if (errs.length > 0) throw new ConfigError(`invalid '${field}': ${errs.join("\n")}`);
}

/** Resolves every relative file path in `cfg` against `dir` (Config.SetDirectory). */
export function setDirectory(cfg: Config, dir: string): void {
  const g = cfg.global;
  g.queryLogFile = joinDir(dir, g.queryLogFile);
  g.scrapeFailureLogFile = joinDir(dir, g.scrapeFailureLogFile);
  for (const am of cfg.alerting.alertmanagers) {
    sdSetDirectory(am.serviceDiscoveryConfigs, dir);
    httpClientSetDirectory(am.httpClientConfig, dir);
  }
  if (cfg.tracing !== null) tlsSetDirectory(cfg.tracing.tlsConfig, dir);
  if (cfg.ruleFiles !== null) cfg.ruleFiles = cfg.ruleFiles.map((f) => joinDir(dir, f));
  if (cfg.scrapeConfigFiles !== null) cfg.scrapeConfigFiles = cfg.scrapeConfigFiles.map((f) => joinDir(dir, f));
  for (const sc of cfg.scrapeConfigs) scrapeConfigSetDirectory(sc, dir);
  for (const rw of cfg.remoteWrite) httpClientSetDirectory(rw.httpClientConfig, dir);
  for (const rr of cfg.remoteRead) httpClientSetDirectory(rr.httpClientConfig, dir);
}

function scrapeConfigSetDirectory(sc: ScrapeConfig, dir: string): void {
  sdSetDirectory(sc.serviceDiscoveryConfigs, dir);
  httpClientSetDirectory(sc.httpClientConfig, dir);
  sc.scrapeFailureLogFile = joinDir(dir, sc.scrapeFailureLogFile);
}

/**
 * The scrape configs of the main file plus those of `scrape_config_files`
 * (globs, already resolved by loadConfigFile), validated against the
 * global config, in file order (Config.GetScrapeConfigs). `glob` lists the
 * files matching a pattern, sorted; the default reads the directory.
 * Throws ConfigError, prefixed with the included file's path for problems
 * inside it.
 */
export function getScrapeConfigs(cfg: Config, glob: (pattern: string) => string[] = globFiles): ScrapeConfig[] {
  const out = [...cfg.scrapeConfigs];
  const jobs = new Map<string, string>(cfg.scrapeConfigs.map((s) => [s.jobName, "main config file"]));
  for (const pat of cfg.scrapeConfigFiles ?? []) {
    for (const file of glob(pat)) {
      const fileErr = (m: string): ConfigError => new ConfigError(`${goQuote(file)}: ${m}`);
      let scs: ScrapeConfig[];
      try {
        scs = loadScrapeConfigsFile(readFileSync(file, "utf8"));
      } catch (e) {
        if (e instanceof ConfigError) throw fileErr(e.message);
        throw e;
      }
      for (const sc of scs) {
        try {
          validateScrapeConfig(sc, cfg.global);
        } catch (e) {
          if (e instanceof ConfigError) throw fileErr(e.message);
          throw e;
        }
        const first = jobs.get(sc.jobName);
        if (first !== undefined) throw fileErr(`found multiple scrape configs with job name ${goQuote(sc.jobName)}, first found in ${first}`);
        jobs.set(sc.jobName, goQuote(file));
        scrapeConfigSetDirectory(sc, dirname(file));
        out.push(sc);
      }
    }
  }
  return out;
}

/**
 * filepath.Glob for the patterns scrape_config_files allows (wildcards
 * `*`, `?`, `[...]` in the last path element only). Sorted; a missing
 * directory matches nothing.
 */
export function globFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = pattern.slice(dir === "." && !pattern.startsWith("./") ? 0 : dir.length + 1);
  if (!/[*?[]/.test(base)) {
    try {
      readFileSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const re = new RegExp(
    "^" +
      base.replace(/\[.*?\]|[*?]|[^*?[]+/g, (t) =>
        t === "*" ? "[^/]*" : t === "?" ? "[^/]" : t.startsWith("[") ? t.replace(/^\[\^/, "[^") : t.replace(/[.+^${}()|\\]/g, "\\$&"),
      ) +
      "$",
  );
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => (dir === "." && !pattern.startsWith("./") ? n : `${dir}/${n}`));
}

function loadScrapeConfigsFile(text: string): ScrapeConfig[] {
  const { d, root } = Decoder.parse(text);
  let list: Array<ScrapeConfig | null> = [];
  d.struct(root, "config.ScrapeConfigs", {
    scrape_configs: (v) => (list = d.list(v, "[]*config.ScrapeConfig", (e) => decodeScrapeConfig(d, e)) ?? []),
  });
  if (d.errors.length > 0) throw new ConfigError(`yaml: unmarshal errors:\n  ${d.errors.join("\n  ")}`);
  if (list.includes(null)) throw new ConfigError("empty or null scrape config section");
  return list as ScrapeConfig[];
}

/** Whether `mechanism` is one promstack keeps as opaque data (not validated). */
export function isOpaqueSDMechanism(mechanism: string): boolean {
  return OPAQUE_SD_MECHANISMS.includes(mechanism);
}

