import { Agent, type AlertmanagerConfig, type Config, configHeaders, request, tlsOptions } from "../config/index.ts";
import type { TargetGroup } from "../discovery/index.ts";
import { CounterVec, GaugeFunc, GaugeVec, HistogramVec, type Registry } from "../exposition/index.ts";
import { type Labels, LabelsBuilder, relabel } from "../model/index.ts";
import { type Clock, type Logger, nopLogger, systemClock } from "../util/index.ts";

/** An alert handed to the notifier by the rules. Times in ms. */
export interface NotifierAlert {
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
}

/** Options of a Notifier. */
export interface NotifierOptions {
  /** --alertmanager.notification-queue-capacity, default 10000. */
  queueCapacity?: number;
  logger?: Logger;
  clock?: Clock;
  /** Where the prometheus_notifications_* metrics are registered. */
  registry?: Registry;
}

/** Most alerts sent in one request, as Prometheus's maxBatchSize. */
const MAX_BATCH_SIZE = 256;

/** Label holding the path alerts are posted to, as Prometheus's pathLabel. */
const PATH_LABEL = "__alerts_path__";

/** One Alertmanager endpoint derived from a discovered target. */
interface Endpoint {
  url: string;
  labels: Labels;
}

/** The Alertmanagers of one `alerting.alertmanagers` entry. */
interface AlertmanagerSet {
  cfg: AlertmanagerConfig;
  agent: Agent;
  active: Endpoint[];
  dropped: Labels[];
}

/** path.Join("/", prefix, "/api/v2/alerts") */
function postPath(prefix: string): string {
  const parts = `/${prefix}/api/v2/alerts`.split("/").filter((p) => p !== "" && p !== ".");
  return "/" + parts.join("/");
}

/**
 * Endpoints of a target group under an Alertmanager config, as Prometheus's
 * AlertmanagerFromGroup: scheme and path labels set first, group labels
 * where the target has none, then the config's relabel_configs.
 */
export function alertmanagersFromGroup(tg: TargetGroup, cfg: AlertmanagerConfig): { active: Endpoint[]; dropped: Labels[] } {
  const active: Endpoint[] = [];
  const dropped: Labels[] = [];
  for (const t of tg.targets) {
    const b = new LabelsBuilder(t);
    b.set("__scheme__", cfg.scheme);
    b.set(PATH_LABEL, postPath(cfg.pathPrefix));
    tg.labels.forEach((n, v) => {
      if (!t.has(n)) b.set(n, v);
    });
    const pre = b.labels();
    const post = relabel(pre, cfg.relabelConfigs);
    if (post === null) {
      dropped.push(pre);
      continue;
    }
    const addr = post.get("__address__");
    if (addr === "" || addr.includes("/")) continue;
    active.push({ url: `${post.get("__scheme__")}://${addr}${post.get(PATH_LABEL)}`, labels: post });
  }
  return { active, dropped };
}

/** Go's time.Time in RFC 3339 with milliseconds, as strfmt.DateTime marshals it. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** The API v2 JSON body of alerts. */
export function alertsJSON(alerts: readonly NotifierAlert[]): string {
  return JSON.stringify(
    alerts.map((a) => ({
      annotations: a.annotations.toObject(),
      endsAt: rfc3339(a.endsAt),
      startsAt: rfc3339(a.startsAt),
      generatorURL: a.generatorURL,
      labels: a.labels.toObject(),
    })),
  );
}

/**
 * Sends alerts to every configured Alertmanager through API v2, as
 * Prometheus's notifier: a bounded queue (oldest dropped when full),
 * batches of 256, all Alertmanagers of all sets in parallel, external
 * labels added where an alert lacks them, alert_relabel_configs applied
 * globally and per set.
 */
export class Notifier {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #capacity: number;
  #queue: NotifierAlert[];
  #sets: Map<string, AlertmanagerSet>;
  #externalLabels: Labels | null;
  #relabel: Config["alerting"]["alertRelabelConfigs"];
  #wake: (() => void) | null;
  #running: Promise<void> | null;
  #stopped: boolean;
  readonly #sent: CounterVec;
  readonly #errors: CounterVec;
  readonly #dropped: CounterVec;
  readonly #latency: HistogramVec;

  constructor(o: NotifierOptions = {}) {
    this.#log = o.logger ?? nopLogger;
    this.#clock = o.clock ?? systemClock;
    this.#capacity = o.queueCapacity ?? 10000;
    this.#queue = [];
    this.#sets = new Map();
    this.#externalLabels = null;
    this.#relabel = [];
    this.#wake = null;
    this.#running = null;
    this.#stopped = false;
    this.#sent = new CounterVec("prometheus_notifications_sent_total", "Total number of alerts sent.", ["alertmanager"]);
    this.#errors = new CounterVec("prometheus_notifications_errors_total", "Total number of sent alerts affected by errors.", ["alertmanager"]);
    this.#dropped = new CounterVec("prometheus_notifications_dropped_total", "Total number of alerts dropped due to errors when sending to Alertmanager.");
    this.#dropped.with();
    this.#latency = new HistogramVec("prometheus_notifications_latency_seconds", "Latency quantiles for sending alert notifications.", ["alertmanager"]);
    if (o.registry !== undefined) {
      for (const c of [this.#sent, this.#errors, this.#dropped, this.#latency]) o.registry.register(c);
      o.registry.register(new GaugeFunc("prometheus_notifications_queue_length", "The number of alert notifications in the queue.", () => this.#queue.length));
      o.registry.register(new GaugeFunc("prometheus_notifications_queue_capacity", "The capacity of the alert notifications queue.", () => this.#capacity));
      const discovered = new GaugeVec("prometheus_notifications_alertmanagers_discovered", "The number of alertmanagers discovered and active.");
      o.registry.register(new GaugeFunc(discovered.desc.name, discovered.desc.help, () => this.alertmanagers().active.length));
    }
  }

  /** Takes the alerting section and external labels of a (re)loaded config. Set names are `config-<index>`. */
  applyConfig(cfg: Config): void {
    this.#externalLabels = cfg.global.externalLabels;
    this.#relabel = cfg.alerting.alertRelabelConfigs;
    const next = new Map<string, AlertmanagerSet>();
    cfg.alerting.alertmanagers.forEach((am, i) => {
      const name = `config-${i}`;
      const old = this.#sets.get(name);
      next.set(name, {
        cfg: am,
        agent: new Agent({ connect: tlsOptions(am.httpClientConfig.tlsConfig) as object }),
        active: old?.active ?? [],
        dropped: old?.dropped ?? [],
      });
      void old?.agent.close();
    });
    for (const [name, s] of this.#sets) if (!next.has(name)) void s.agent.close();
    this.#sets = next;
  }

  /** The SD configs per set, for the discovery manager. */
  sdConfigs(cfg: Config): Record<string, AlertmanagerConfig["serviceDiscoveryConfigs"]> {
    const out: Record<string, AlertmanagerConfig["serviceDiscoveryConfigs"]> = {};
    cfg.alerting.alertmanagers.forEach((am, i) => (out[`config-${i}`] = am.serviceDiscoveryConfigs));
    return out;
  }

  /** Replaces the discovered Alertmanagers of every set. */
  sync(sets: Record<string, readonly TargetGroup[]>): void {
    for (const [name, s] of this.#sets) {
      const active: Endpoint[] = [];
      const dropped: Labels[] = [];
      for (const tg of sets[name] ?? []) {
        const r = alertmanagersFromGroup(tg, s.cfg);
        for (const e of r.active) if (!active.some((a) => a.url === e.url)) active.push(e);
        dropped.push(...r.dropped);
      }
      s.active = active;
      s.dropped = dropped;
    }
  }

  /** /api/v1/alertmanagers: the URLs of active and dropped Alertmanagers. */
  alertmanagers(): { active: string[]; dropped: string[] } {
    const active: string[] = [];
    const dropped: string[] = [];
    for (const s of this.#sets.values()) {
      for (const e of s.active) active.push(e.url);
      for (const l of s.dropped) dropped.push(`${l.get("__scheme__")}://${l.get("__address__")}${l.get(PATH_LABEL)}`);
    }
    return { active, dropped };
  }

  /** Number of alerts waiting to be sent. */
  get queueLength(): number {
    return this.#queue.length;
  }

  /** Queues alerts (external labels and alert relabelling applied); the oldest are dropped past capacity. */
  send(alerts: readonly NotifierAlert[]): void {
    const out: NotifierAlert[] = [];
    for (const a of alerts) {
      let l = a.labels;
      if (this.#externalLabels !== null && this.#externalLabels.length > 0) {
        const b = new LabelsBuilder(l);
        this.#externalLabels.forEach((n, v) => {
          if (!a.labels.has(n)) b.set(n, v);
        });
        l = b.labels();
      }
      const r = relabel(l, this.#relabel);
      if (r === null) continue;
      out.push({ ...a, labels: r });
    }
    if (out.length === 0) return;
    let batch = out;
    const over = batch.length - this.#capacity;
    if (over > 0) {
      batch = batch.slice(over);
      this.#log.warn("Alert batch larger than queue capacity, dropping alerts", "num_dropped", over);
      this.#dropped.with().inc(over);
    }
    const full = this.#queue.length + batch.length - this.#capacity;
    if (full > 0) {
      this.#queue = this.#queue.slice(full);
      this.#log.warn("Alert notification queue full, dropping alerts", "num_dropped", full);
      this.#dropped.with().inc(full);
    }
    this.#queue.push(...batch);
    this.#wake?.();
  }

  /** Starts the sending loop. */
  start(): void {
    if (this.#running !== null) return;
    this.#running = this.#loop();
  }

  /** Stops after sending what is queued (when drain) or at once. */
  async stop(drain = true): Promise<void> {
    if (!drain) this.#queue = [];
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    this.#running = null;
    for (const s of this.#sets.values()) await s.agent.close();
  }

  async #loop(): Promise<void> {
    for (;;) {
      if (this.#queue.length === 0) {
        if (this.#stopped) return;
        await new Promise<void>((r) => (this.#wake = r));
        this.#wake = null;
        continue;
      }
      const batch = this.#queue.splice(0, MAX_BATCH_SIZE);
      if (!(await this.#sendAll(batch))) this.#dropped.with().inc(batch.length);
    }
  }

  /** Sends a batch to every Alertmanager; true if at least one accepted it (or none are configured). */
  async #sendAll(alerts: NotifierAlert[]): Promise<boolean> {
    const sends: Promise<boolean>[] = [];
    let any = false;
    for (const s of this.#sets.values()) {
      if (s.active.length === 0) continue;
      any = true;
      let payload = alerts;
      if (s.cfg.alertRelabelConfigs.length > 0) {
        payload = [];
        for (const a of alerts) {
          const l = relabel(a.labels, s.cfg.alertRelabelConfigs);
          if (l !== null) payload.push({ ...a, labels: l });
        }
        if (payload.length === 0) continue;
      }
      const body = alertsJSON(payload);
      for (const e of s.active) sends.push(this.#post(s, e.url, body, payload.length));
    }
    if (!any) return true;
    const results = await Promise.all(sends);
    return results.includes(true);
  }

  async #post(s: AlertmanagerSet, url: string, body: string, n: number): Promise<boolean> {
    const t0 = this.#clock.now();
    try {
      const headers: Record<string, string | string[]> = { "content-type": "application/json", "user-agent": "Prometheus/promstack" };
      for (const [k, v] of Object.entries(configHeaders(s.cfg.httpClientConfig))) {
        if (v !== undefined) headers[k] = Array.isArray(v) ? v : String(v);
      }
      const res = await request(url, {
        method: "POST",
        body,
        headers,
        dispatcher: s.agent,
        signal: AbortSignal.timeout(s.cfg.timeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw new Error(`bad response status ${res.statusCode}: ${text.slice(0, 200)}`);
      }
      this.#sent.with(url).inc(n);
      return true;
    } catch (e) {
      this.#log.error("Error sending alerts", "alertmanager", url, "count", n, "err", e);
      this.#errors.with(url).inc(n);
      this.#sent.with(url).inc(n);
      return false;
    } finally {
      this.#latency.with(url).observe((this.#clock.now() - t0) / 1000);
    }
  }
}
