/**
 * The `prometheus_sd_*` self-metrics of service discovery, under upstream's
 * names. One DiscoveryMetrics is shared by every discovery manager of a
 * process (scrape and notify): register it once in the exposition registry.
 */

import { MetricType, SummaryVec, newDesc } from "../exposition/index.ts";
import type { Collector, Desc, Emit } from "../exposition/index.ts";

const D = {
  failedConfigs: newDesc("prometheus_sd_failed_configs", "Current number of service discovery configurations that failed to load.", MetricType.Gauge, ["name"]),
  discoveredTargets: newDesc("prometheus_sd_discovered_targets", "Current number of discovered targets.", MetricType.Gauge, ["name", "config"]),
  receivedUpdates: newDesc("prometheus_sd_received_updates_total", "Total number of update events received from the SD providers.", MetricType.Counter, ["name"]),
  delayedUpdates: newDesc("prometheus_sd_updates_delayed_total", "Total number of update events that couldn't be sent immediately.", MetricType.Counter, ["name"]),
  sentUpdates: newDesc("prometheus_sd_updates_total", "Total number of update events sent to the SD consumers.", MetricType.Counter, ["name"]),
  refreshFailures: newDesc("prometheus_sd_refresh_failures_total", "Number of refresh failures for the given SD mechanism.", MetricType.Counter, ["mechanism", "config"]),
  fileReadErrors: newDesc("prometheus_sd_file_read_errors_total", "The number of File-SD read errors.", MetricType.Counter),
  fileWatcherErrors: newDesc("prometheus_sd_file_watcher_errors_total", "The number of File-SD errors caused by filesystem watch failures.", MetricType.Counter),
  fileMtime: newDesc("prometheus_sd_file_mtime_seconds", "Timestamp (mtime) of files read by FileSD. Timestamp is set at read time.", MetricType.Gauge, ["filename"]),
  httpFailures: newDesc("prometheus_sd_http_failures_total", "Number of HTTP service discovery refresh failures.", MetricType.Counter),
  dnsLookups: newDesc("prometheus_sd_dns_lookups_total", "The number of DNS-SD lookups.", MetricType.Counter),
  dnsLookupFailures: newDesc("prometheus_sd_dns_lookup_failures_total", "The number of DNS-SD lookup failures.", MetricType.Counter),
  kubernetesEvents: newDesc("prometheus_sd_kubernetes_events_total", "The number of Kubernetes events handled.", MetricType.Counter, ["role", "event"]),
} as const;

const K8S_ROLES = ["endpointslice", "endpoints", "node", "pod", "service", "ingress"];
const K8S_EVENTS = ["add", "delete", "update"];

/** A family keyed by the joined label values; values kept in insertion order. */
class Vec {
  readonly desc: Desc;
  readonly values = new Map<string, { lvs: string[]; v: number }>();
  constructor(desc: Desc) {
    this.desc = desc;
  }
  add(delta: number, ...lvs: string[]): void {
    const e = this.entry(lvs);
    e.v += delta;
  }
  set(v: number, ...lvs: string[]): void {
    this.entry(lvs).v = v;
  }
  delete(...lvs: string[]): void {
    this.values.delete(lvs.join("\xff"));
  }
  private entry(lvs: string[]): { lvs: string[]; v: number } {
    const k = lvs.join("\xff");
    let e = this.values.get(k);
    if (e === undefined) {
      e = { lvs, v: 0 };
      this.values.set(k, e);
    }
    return e;
  }
  emit(emit: Emit): void {
    for (const e of this.values.values()) emit(this.desc, e.v, ...e.lvs);
  }
}

/**
 * Counters and gauges of service discovery. Methods never throw; counters
 * only go up. Registered as one Collector.
 */
export class DiscoveryMetrics implements Collector {
  readonly #vecs: Record<keyof typeof D, Vec>;
  readonly #fileScanDuration: SummaryVec;

  constructor() {
    this.#vecs = {
      failedConfigs: new Vec(D.failedConfigs),
      discoveredTargets: new Vec(D.discoveredTargets),
      receivedUpdates: new Vec(D.receivedUpdates),
      delayedUpdates: new Vec(D.delayedUpdates),
      sentUpdates: new Vec(D.sentUpdates),
      refreshFailures: new Vec(D.refreshFailures),
      fileReadErrors: new Vec(D.fileReadErrors),
      fileWatcherErrors: new Vec(D.fileWatcherErrors),
      fileMtime: new Vec(D.fileMtime),
      httpFailures: new Vec(D.httpFailures),
      dnsLookups: new Vec(D.dnsLookups),
      dnsLookupFailures: new Vec(D.dnsLookupFailures),
      kubernetesEvents: new Vec(D.kubernetesEvents),
    };
    // Families without labels exist from the start, as client_golang's do.
    for (const k of ["fileReadErrors", "fileWatcherErrors", "httpFailures", "dnsLookups", "dnsLookupFailures"] as const) this.#vecs[k].add(0);
    for (const r of K8S_ROLES) for (const e of K8S_EVENTS) this.#vecs.kubernetesEvents.add(0, r, e);
    this.#fileScanDuration = new SummaryVec("prometheus_sd_file_scan_duration_seconds", "The duration of the File-SD scan in seconds.", [], [0.5, 0.9, 0.99]);
    this.#fileScanDuration.with();
  }

  /** Initializes the per-manager families of manager `name` ("scrape", "notify"). */
  initManager(name: string): void {
    this.#vecs.failedConfigs.add(0, name);
    this.#vecs.receivedUpdates.add(0, name);
    this.#vecs.delayedUpdates.add(0, name);
    this.#vecs.sentUpdates.add(0, name);
  }
  setFailedConfigs(name: string, n: number): void {
    this.#vecs.failedConfigs.set(n, name);
  }
  setDiscoveredTargets(name: string, config: string, n: number): void {
    this.#vecs.discoveredTargets.set(n, name, config);
  }
  deleteDiscoveredTargets(name: string, config: string): void {
    this.#vecs.discoveredTargets.delete(name, config);
  }
  receivedUpdate(name: string): void {
    this.#vecs.receivedUpdates.add(1, name);
  }
  delayedUpdate(name: string): void {
    this.#vecs.delayedUpdates.add(1, name);
  }
  sentUpdate(name: string): void {
    this.#vecs.sentUpdates.add(1, name);
  }
  refreshFailure(mechanism: string, config: string): void {
    this.#vecs.refreshFailures.add(1, mechanism, config);
  }
  initRefresh(mechanism: string, config: string): void {
    this.#vecs.refreshFailures.add(0, mechanism, config);
  }
  /** Records how long one file_sd refresh (reading every matching file) took. */
  observeFileScan(seconds: number): void {
    this.#fileScanDuration.with().observe(seconds);
  }
  fileReadError(): void {
    this.#vecs.fileReadErrors.add(1);
  }
  fileWatcherError(): void {
    this.#vecs.fileWatcherErrors.add(1);
  }
  /** Records the mtime (seconds) of a file read by file_sd. */
  setFileMtime(filename: string, seconds: number): void {
    this.#vecs.fileMtime.set(seconds, filename);
  }
  deleteFileMtime(filename: string): void {
    this.#vecs.fileMtime.delete(filename);
  }
  httpFailure(): void {
    this.#vecs.httpFailures.add(1);
  }
  dnsLookup(failed: boolean): void {
    this.#vecs.dnsLookups.add(1);
    if (failed) this.#vecs.dnsLookupFailures.add(1);
  }
  /** Counts a Kubernetes watch event: event is "add", "update" or "delete". */
  kubernetesEvent(role: string, event: string): void {
    this.#vecs.kubernetesEvents.add(1, role, event);
  }

  /** The current value of a family member, for tests and the status pages; 0 if absent. */
  value(family: string, ...labelValues: string[]): number {
    for (const v of Object.values(this.#vecs)) {
      if (v.desc.name === family) return v.values.get(labelValues.join("\xff"))?.v ?? 0;
    }
    return 0;
  }

  async collect(emit: Emit): Promise<void> {
    for (const v of Object.values(this.#vecs)) v.emit(emit);
    await this.#fileScanDuration.collect(emit);
  }
}
