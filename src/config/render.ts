/**
 * configToYAML: the loaded configuration printed back the way Prometheus
 * shows it on /api/v1/status/config (go-yaml v2 Marshal of the Config
 * struct): defaults filled in, field order of the Go structs, `omitempty`
 * fields left out when zero, user maps sorted by key, secrets as
 * `<secret>`, URL passwords as `xxxxx`.
 */

import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { formatDuration } from "../model/index.ts";
import type { RelabelConfig } from "../model/index.ts";
import { RelabelRegex } from "../model/index.ts";
import { SD_KEYS, sdKey } from "./discovery.ts";
import type { DNSSDConfig, FileSDConfig, HTTPSDConfig, KubernetesSDConfig, OpaqueSDConfig, SDConfig, StaticSDConfig } from "./discovery.ts";
import { isZeroTLS, redactedURL } from "./http-client.ts";
import type { HTTPClientConfig, ProxyConfig, TLSConfig } from "./http-client.ts";
import { formatBase2Bytes } from "./config.ts";
import type { AlertmanagerConfig, Config, RemoteReadConfig, RemoteWriteConfig, ScrapeConfig } from "./config.ts";

const SECRET = "<secret>";

/** A flow-style sequence (`[a, b]`), as go-yaml prints `source_labels`. */
class Flow {
  readonly items: string[];
  constructor(items: string[]) {
    this.items = items;
  }
}

type R = string | number | boolean | null | Flow | R[] | Obj;

/** An ordered mapping under construction; `put*` methods implement omitempty. */
class Obj {
  readonly entries: Array<[string, R]> = [];

  /** Always printed. */
  put(k: string, v: R): this {
    this.entries.push([k, v]);
    return this;
  }

  /** Printed unless zero ("", 0, false, null, empty list/map). */
  opt(k: string, v: R | undefined): this {
    if (v === undefined || v === null || v === "" || v === 0 || v === false) return this;
    if (Array.isArray(v) && v.length === 0) return this;
    if (v instanceof Obj && v.entries.length === 0) return this;
    if (v instanceof Flow && v.items.length === 0) return this;
    this.entries.push([k, v]);
    return this;
  }

  /** Appends every entry of `o` (inlined structs). */
  inline(o: Obj): this {
    this.entries.push(...o.entries);
    return this;
  }
}

const dur = (ms: number): string | null => (ms === 0 ? null : formatDuration(ms));
const secret = (s: string): string | null => (s === "" ? null : SECRET);

function sortedMap<T>(m: ReadonlyMap<string, T> | null, f: (v: T) => R): Obj | null {
  if (m === null) return null;
  const o = new Obj();
  for (const k of [...m.keys()].sort()) o.put(k, f(m.get(k)!));
  return o;
}

/**
 * The configuration as YAML, as Prometheus renders it for
 * /api/v1/status/config.
 */
export function configToYAML(cfg: Config): string {
  const g = cfg.global;
  const global = new Obj()
    .opt("scrape_interval", dur(g.scrapeIntervalMs))
    .opt("scrape_timeout", dur(g.scrapeTimeoutMs))
    .opt("scrape_protocols", g.scrapeProtocols)
    .opt("evaluation_interval", dur(g.evaluationIntervalMs))
    .opt("rule_query_offset", dur(g.ruleQueryOffsetMs))
    .opt("query_log_file", g.queryLogFile)
    .opt("scrape_failure_log_file", g.scrapeFailureLogFile)
    .opt("external_labels", sortedMap(new Map(g.externalLabels.toArray().map((l) => [l.name, l.value])), (v) => v))
    .opt("body_size_limit", g.bodySizeLimitBytes === 0 ? null : formatBase2Bytes(g.bodySizeLimitBytes))
    .opt("sample_limit", g.sampleLimit)
    .opt("target_limit", g.targetLimit)
    .opt("label_limit", g.labelLimit)
    .opt("label_name_length_limit", g.labelNameLengthLimit)
    .opt("label_value_length_limit", g.labelValueLengthLimit)
    .opt("keep_dropped_targets", g.keepDroppedTargets)
    .opt("metric_name_validation_scheme", g.metricNameValidationScheme)
    .opt("metric_name_escaping_scheme", g.metricNameEscapingScheme);
  if (g.scrapeNativeHistograms !== null) global.put("scrape_native_histograms", g.scrapeNativeHistograms);
  global
    .opt("convert_classic_histograms_to_nhcb", g.convertClassicHistogramsToNHCB)
    .opt("always_scrape_classic_histograms", g.alwaysScrapeClassicHistograms)
    .opt("extra_scrape_metrics", g.extraScrapeMetrics);

  const root = new Obj().put("global", global);
  root.opt("runtime", new Obj().opt("gogc", cfg.runtime.goGC));
  root.opt(
    "alerting",
    new Obj()
      .opt("alert_relabel_configs", cfg.alerting.alertRelabelConfigs.map(relabel))
      .opt("alertmanagers", cfg.alerting.alertmanagers.map(alertmanager)),
  );
  root.opt("rule_files", cfg.ruleFiles);
  root.opt("scrape_config_files", cfg.scrapeConfigFiles);
  root.opt("scrape_configs", cfg.scrapeConfigs.map(scrapeConfig));
  root.opt("storage", storage(cfg));
  if (cfg.tracing !== null) {
    const t = cfg.tracing;
    root.put(
      "tracing",
      new Obj()
        .opt("client_type", t.clientType)
        .opt("endpoint", t.endpoint)
        .opt("sampling_fraction", t.samplingFraction)
        .opt("insecure", t.insecure)
        .opt("tls_config", isZeroTLS(t.tlsConfig) ? null : tls(t.tlsConfig))
        .opt("headers", sortedMap(t.headers, (v) => v))
        .opt("compression", t.compression)
        .opt("timeout", dur(t.timeoutMs)),
    );
  }
  root.opt("remote_write", cfg.remoteWrite.map(remoteWrite));
  root.opt("remote_read", cfg.remoteRead.map(remoteRead));
  const o = cfg.otlp;
  root.opt(
    "otlp",
    new Obj()
      .opt("promote_all_resource_attributes", o.promoteAllResourceAttributes)
      .opt("promote_resource_attributes", o.promoteResourceAttributes)
      .opt("ignore_resource_attributes", o.ignoreResourceAttributes)
      .opt("translation_strategy", o.translationStrategy)
      .opt("keep_identifying_resource_attributes", o.keepIdentifyingResourceAttributes)
      .opt("convert_histograms_to_nhcb", o.convertHistogramsToNHCB)
      .opt("promote_scope_metadata", o.promoteScopeMetadata)
      .opt("label_name_underscore_sanitization", o.labelNameUnderscoreSanitization)
      .opt("label_name_preserve_multiple_underscores", o.labelNamePreserveMultipleUnderscores),
  );

  const doc = new Document(null, { version: "1.1" });
  doc.contents = toNode(root) as YAMLMap;
  return doc.toString({ indentSeq: false, lineWidth: 0, nullStr: "null", flowCollectionPadding: false });
}

function toNode(v: R): unknown {
  if (v instanceof Flow) {
    const s = new YAMLSeq();
    s.flow = true;
    s.items = v.items.map((x) => new Scalar(x));
    return s;
  }
  if (v instanceof Obj) {
    const m = new YAMLMap();
    for (const [k, x] of v.entries) m.items.push(new Pair(new Scalar(k), toNode(x)));
    return m;
  }
  if (Array.isArray(v)) {
    const s = new YAMLSeq();
    s.items = v.map(toNode);
    return s;
  }
  return new Scalar(v);
}

function relabel(c: RelabelConfig): Obj {
  const o = new Obj();
  if (c.sourceLabels !== null && c.sourceLabels.length > 0) o.put("source_labels", new Flow(c.sourceLabels));
  o.opt("separator", c.separator);
  // NOTE: matches Prometheus, whose Regexp.IsZero hides only the default
  // regex object; an explicit empty regex prints as null.
  if (c.regex !== RelabelRegex.DEFAULT) o.put("regex", c.regex.source === "" ? null : c.regex.source);
  return o.opt("modulus", c.modulus).opt("target_label", c.targetLabel).opt("replacement", c.replacement).opt("action", c.action);
}

function tls(t: TLSConfig): Obj {
  return new Obj()
    .opt("ca", t.ca)
    .opt("cert", t.cert)
    .opt("key", secret(t.key))
    .opt("ca_file", t.caFile)
    .opt("cert_file", t.certFile)
    .opt("key_file", t.keyFile)
    .opt("ca_ref", t.caRef)
    .opt("cert_ref", t.certRef)
    .opt("key_ref", t.keyRef)
    .opt("server_name", t.serverName)
    .put("insecure_skip_verify", t.insecureSkipVerify)
    .opt("min_version", t.minVersion)
    .opt("max_version", t.maxVersion)
    .opt("next_protos", t.nextProtos);
}

function proxy(p: ProxyConfig): Obj {
  return new Obj()
    .opt("proxy_url", p.proxyURL === null ? null : redactedURL(p.proxyURL))
    .opt("no_proxy", p.noProxy)
    .opt("proxy_from_environment", p.proxyFromEnvironment)
    .opt("proxy_connect_header", sortedMap(p.proxyConnectHeader, (vs) => vs.map(() => SECRET)));
}

function httpClient(h: HTTPClientConfig): Obj {
  const o = new Obj();
  if (h.basicAuth !== null) {
    const b = h.basicAuth;
    o.put(
      "basic_auth",
      new Obj()
        .put("username", b.username)
        .opt("username_file", b.usernameFile)
        .opt("username_ref", b.usernameRef)
        .opt("password", secret(b.password))
        .opt("password_file", b.passwordFile)
        .opt("password_ref", b.passwordRef),
    );
  }
  if (h.authorization !== null) {
    const a = h.authorization;
    o.put(
      "authorization",
      new Obj().opt("type", a.type).opt("credentials", secret(a.credentials)).opt("credentials_file", a.credentialsFile).opt("credentials_ref", a.credentialsRef),
    );
  }
  if (h.oauth2 !== null) {
    const a = h.oauth2;
    o.put(
      "oauth2",
      new Obj()
        .put("client_id", a.clientID)
        .put("client_secret", secret(a.clientSecret))
        .put("client_secret_file", a.clientSecretFile)
        .put("client_secret_ref", a.clientSecretRef)
        .opt("scopes", a.scopes)
        .put("token_url", a.tokenURL)
        .opt("endpoint_params", sortedMap(a.endpointParams, (v) => v))
        .opt("tls_config", isZeroTLS(a.tlsConfig) ? null : tls(a.tlsConfig))
        .inline(proxy(a)),
    );
  }
  o.opt("bearer_token", secret(h.bearerToken))
    .opt("bearer_token_file", h.bearerTokenFile)
    .opt("tls_config", isZeroTLS(h.tlsConfig) ? null : tls(h.tlsConfig))
    .put("follow_redirects", h.followRedirects)
    .put("enable_http2", h.enableHTTP2)
    .inline(proxy(h))
    .opt(
      "http_headers",
      sortedMap(h.httpHeaders, (x) =>
        new Obj()
          .opt("values", x.values)
          .opt("secrets", x.secrets?.map(() => SECRET) ?? null)
          .opt("files", x.files),
      ),
    );
  return o;
}

/** Appends the SD blocks of `cfgs`, by key in SD_KEYS order. */
function sdBlocks(o: Obj, cfgs: readonly SDConfig[]): void {
  for (const key of SD_KEYS) {
    const mine = cfgs.filter((c) => sdKey(c.mechanism) === key);
    if (mine.length === 0) continue;
    if (key === "static_configs") {
      const groups = mine.flatMap((c) => (c as StaticSDConfig).groups);
      o.put(
        key,
        groups.map((g) => new Obj().put("targets", g.targets).opt("labels", sortedMap(g.labels, (v) => v))),
      );
      continue;
    }
    o.put(key, mine.map(sdConfig));
  }
}

const OPAQUE_SECRET_KEYS = new Set([
  "password",
  "client_secret",
  "secret_key",
  "token",
  "auth_token",
  "credentials",
  "key_passphrase",
  "application_secret",
  "consumer_key",
  "service_account_key",
  "private_key",
  "bearer_token",
]);

function opaqueValue(v: unknown, key: string): R {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return OPAQUE_SECRET_KEYS.has(key) && v !== "" ? SECRET : v;
  if (typeof v === "number" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map((x) => opaqueValue(x, key));
  const o = new Obj();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) o.put(k, opaqueValue(x, k));
  return o;
}

function sdConfig(c: SDConfig): R {
  switch (c.mechanism) {
    case "file": {
      const f = c as FileSDConfig;
      return new Obj().put("files", f.files).opt("refresh_interval", dur(f.refreshIntervalMs));
    }
    case "http": {
      const h = c as HTTPSDConfig;
      return httpClient(h.httpClientConfig).opt("refresh_interval", dur(h.refreshIntervalMs)).put("url", h.url);
    }
    case "dns": {
      const d = c as DNSSDConfig;
      return new Obj().opt("names", d.names).opt("refresh_interval", dur(d.refreshIntervalMs)).opt("type", d.type).opt("port", d.port);
    }
    case "kubernetes": {
      const k = c as KubernetesSDConfig;
      const o = new Obj()
        .opt("api_server", k.apiServer === null ? null : redactedURL(k.apiServer))
        .put("role", k.role)
        .put("kubeconfig_file", k.kubeconfigFile)
        .inline(httpClient(k.httpClientConfig))
        .opt("namespaces", new Obj().opt("own_namespace", k.namespaces.ownNamespace).opt("names", k.namespaces.names))
        .opt("selectors", k.selectors?.map((s) => new Obj().opt("role", s.role).opt("label", s.label).opt("field", s.field)) ?? null);
      if (k.attachMetadata.node || k.attachMetadata.namespace) {
        o.put("attach_metadata", new Obj().put("node", k.attachMetadata.node).put("namespace", k.attachMetadata.namespace));
      }
      return o;
    }
    default:
      return opaqueValue((c as OpaqueSDConfig).opaque, "");
  }
}

function scrapeConfig(c: ScrapeConfig): Obj {
  const o = new Obj()
    .put("job_name", c.jobName)
    .opt("honor_labels", c.honorLabels)
    .put("honor_timestamps", c.honorTimestamps)
    .put("track_timestamps_staleness", c.trackTimestampsStaleness)
    .opt("params", sortedMap(c.params, (v) => v))
    .opt("scrape_interval", dur(c.scrapeIntervalMs))
    .opt("scrape_timeout", dur(c.scrapeTimeoutMs))
    .opt("scrape_protocols", c.scrapeProtocols)
    .opt("fallback_scrape_protocol", c.fallbackScrapeProtocol);
  if (c.scrapeNativeHistograms !== null) o.put("scrape_native_histograms", c.scrapeNativeHistograms);
  if (c.alwaysScrapeClassicHistograms !== null) o.put("always_scrape_classic_histograms", c.alwaysScrapeClassicHistograms);
  if (c.convertClassicHistogramsToNHCB !== null) o.put("convert_classic_histograms_to_nhcb", c.convertClassicHistogramsToNHCB);
  o.opt("scrape_failure_log_file", c.scrapeFailureLogFile)
    .opt("metrics_path", c.metricsPath)
    .opt("scheme", c.scheme)
    .put("enable_compression", c.enableCompression)
    .opt("body_size_limit", c.bodySizeLimitBytes === 0 ? null : formatBase2Bytes(c.bodySizeLimitBytes))
    .opt("sample_limit", c.sampleLimit)
    .opt("target_limit", c.targetLimit)
    .opt("label_limit", c.labelLimit)
    .opt("label_name_length_limit", c.labelNameLengthLimit)
    .opt("label_value_length_limit", c.labelValueLengthLimit)
    .opt("native_histogram_bucket_limit", c.nativeHistogramBucketLimit)
    .opt("native_histogram_min_bucket_factor", c.nativeHistogramMinBucketFactor)
    .opt("keep_dropped_targets", c.keepDroppedTargets)
    .opt("metric_name_validation_scheme", c.metricNameValidationScheme)
    .opt("metric_name_escaping_scheme", c.metricNameEscapingScheme);
  if (c.extraScrapeMetrics !== null) o.put("extra_scrape_metrics", c.extraScrapeMetrics);
  o.inline(httpClient(c.httpClientConfig))
    .opt("relabel_configs", c.relabelConfigs.map(relabel))
    .opt("metric_relabel_configs", c.metricRelabelConfigs.map(relabel));
  sdBlocks(o, c.serviceDiscoveryConfigs);
  return o;
}

function alertmanager(c: AlertmanagerConfig): Obj {
  const o = new Obj()
    .inline(httpClient(c.httpClientConfig))
    .opt("sigv4", opaqueValue(c.sigv4, "sigv4"))
    .opt("scheme", c.scheme)
    .opt("path_prefix", c.pathPrefix)
    .opt("timeout", dur(c.timeoutMs))
    .put("api_version", c.apiVersion)
    .opt("relabel_configs", c.relabelConfigs.map(relabel))
    .opt("alert_relabel_configs", c.alertRelabelConfigs.map(relabel));
  sdBlocks(o, c.serviceDiscoveryConfigs);
  return o;
}

function storage(cfg: Config): Obj {
  const s = cfg.storage;
  const o = new Obj();
  if (s.tsdb !== null) {
    const t = s.tsdb;
    const r = t.retention;
    // NOTE: matches Prometheus, whose TSDBConfig has an untagged
    // OutOfOrderTimeWindow field that go-yaml prints under its lowercased name.
    o.put(
      "tsdb",
      new Obj()
        .put("outofordertimewindow", t.outOfOrderTimeWindowMs)
        .opt("out_of_order_time_window", dur(t.outOfOrderTimeWindowMs))
        .opt("stale_series_compaction_threshold", t.staleSeriesCompactionThreshold)
        .opt(
          "retention",
          r === null
            ? null
            : new Obj()
                .opt("time", dur(r.timeMs))
                .opt("size", r.sizeBytes === 0 ? null : formatBase2Bytes(r.sizeBytes))
                .opt("percentage", r.percentage),
        )
        .opt("chunk_encoding", t.chunkEncoding === null ? null : new Obj().opt("floats", t.chunkEncoding.floats)),
    );
  }
  if (s.exemplars !== null) o.put("exemplars", new Obj().opt("max_exemplars", s.exemplars.maxExemplars));
  return o;
}

function remoteWrite(c: RemoteWriteConfig): Obj {
  const q = c.queueConfig;
  const m = c.metadataConfig;
  return new Obj()
    .put("url", redactedURL(c.url))
    .opt("remote_timeout", dur(c.remoteTimeoutMs))
    .opt("headers", sortedMap(c.headers, (v) => v))
    .opt("write_relabel_configs", c.writeRelabelConfigs.map(relabel))
    .opt("name", c.name)
    .opt("send_exemplars", c.sendExemplars)
    .opt("send_native_histograms", c.sendNativeHistograms)
    .opt("round_robin_dns", c.roundRobinDNS)
    .opt("protobuf_message", c.protobufMessage)
    .inline(httpClient(c.httpClientConfig))
    .opt(
      "queue_config",
      new Obj()
        .opt("capacity", q.capacity)
        .opt("max_shards", q.maxShards)
        .opt("min_shards", q.minShards)
        .opt("max_samples_per_send", q.maxSamplesPerSend)
        .opt("batch_send_deadline", dur(q.batchSendDeadlineMs))
        .opt("min_backoff", dur(q.minBackoffMs))
        .opt("max_backoff", dur(q.maxBackoffMs))
        .opt("retry_on_http_429", q.retryOnRateLimit)
        .opt("sample_age_limit", dur(q.sampleAgeLimitMs)),
    )
    .put("metadata_config", new Obj().put("send", m.send).put("send_interval", formatDuration(m.sendIntervalMs)).opt("max_samples_per_send", m.maxSamplesPerSend))
    .opt("sigv4", opaqueValue(c.sigv4, "sigv4"))
    .opt("azuread", opaqueValue(c.azuread, "azuread"))
    .opt("google_iam", opaqueValue(c.googleIAM, "google_iam"));
}

function remoteRead(c: RemoteReadConfig): Obj {
  return new Obj()
    .put("url", redactedURL(c.url))
    .opt("remote_timeout", dur(c.remoteTimeoutMs))
    .opt("chunked_read_limit", c.chunkedReadLimit)
    .opt("headers", sortedMap(c.headers, (v) => v))
    .opt("read_recent", c.readRecent)
    .opt("name", c.name)
    .inline(httpClient(c.httpClientConfig))
    .opt("required_matchers", sortedMap(c.requiredMatchers, (v) => v))
    .opt("filter_external_labels", c.filterExternalLabels);
}
