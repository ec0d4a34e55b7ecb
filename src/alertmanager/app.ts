/**
 * The embeddable Alertmanager (upstream cmd/alertmanager/main.go): the
 * configuration file, the alert store, inhibitor, silences, notification
 * log, dispatcher and notification pipeline, their snapshots in the
 * storage path, self-metrics, API v2 and the lifecycle endpoints.
 *
 *   POST /api/v2/alerts -> Alerts store -> Inhibitor.observe
 *                                       -> Dispatcher -> aggregation groups
 *        -> [settle] -> mute(inhibit) -> time intervals -> mute(silences)
 *        -> per integration: wait(position x peer timeout) -> dedup(nflog) -> retry -> nflog
 *
 * A gossip cluster plugs in through ClusterPeer (replicated nflog and
 * silences, peer position, status); without one the peer is alone.
 */

import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import type { RequestListener, Server as HTTPServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import type { FastifyInstance, FastifyReply } from "fastify";
import { CounterVec, GaugeVec, ProcessCollector, Registry, TEXT_CONTENT_TYPE, newDesc, MetricType, writeText } from "../exposition/index.ts";
import type { Collector, Emit } from "../exposition/index.ts";
import { PROMSTACK_VERSION, nopLogger, systemClock } from "../util/index.ts";
import type { Clock, Logger, Timer } from "../util/index.ts";
import { WebConfigSource, createWebServer, defaultUIAssetsDir, registerAlertmanagerUI } from "../web/index.ts";
import { Alerts } from "./alert/index.ts";
import { registerAPIv2 } from "./api/index.ts";
import type { APIState, ClusterStatusView, VersionInfo } from "./api/index.ts";
import { loadConfigFile } from "./config/index.ts";
import type { AlertmanagerConfig } from "./config/index.ts";
import { Dispatcher, MIN_TIMEOUT_MS, newRoute } from "./dispatch/index.ts";
import { Inhibitor } from "./inhibit/index.ts";
import { NotificationLog } from "./nflog/index.ts";
import { InhibitMuter, MultiStage, NotifyMetrics, Silencer, buildPipeline, buildReceiverIntegrations } from "./notify/index.ts";
import type { Integration, NotifyContext, Stage } from "./notify/index.ts";
import { SilenceState, Silences } from "./silence/index.ts";
import { NotificationTemplate } from "./template/index.ts";
import type { TimeInterval } from "./timeinterval/index.ts";
import { AlertState, Marker, alertResolvedAt } from "./types/index.ts";
import type { Alert } from "./types/index.ts";

/** State a cluster replicates between peers (upstream cluster.State). */
export interface ReplicatedState {
  /** Merges a peer's broadcast or full state. Throws on undecodable input. */
  merge(b: Uint8Array): void;
  /** The full local state, for push-pull. */
  marshalBinary(): Uint8Array;
}

/**
 * A gossip cluster member as the app uses it (implemented by
 * src/alertmanager/cluster). Status shows on /api/v2/status.
 */
export interface ClusterPeer extends ClusterStatusView {
  /** This peer's position among the members sorted by name (0 first); notifications wait position x peer timeout. */
  position(): number;
  /** Registers replicated state under `key` ("nfl", "sil"); returns the function broadcasting local changes. */
  addState(key: string, state: ReplicatedState): (b: Uint8Array) => void;
  /** Resolves once gossip has settled (or the settle timeout passed); notifications wait for it. */
  settle(): Promise<void>;
  /** alertmanager_cluster_* and alertmanager_peer_position. */
  collectors(): Collector[];
}

/** How an Alertmanager runs; durations in ms. */
export interface AlertmanagerOptions {
  /** --config.file. */
  readonly configFile: string;
  /** --storage.path: holds the `nflog` and `silences` snapshots. */
  readonly storagePath: string;
  /** --data.retention (default 120h). */
  readonly dataRetentionMs?: number;
  /** --data.maintenance-interval: GC and snapshots (default 15m). */
  readonly maintenanceIntervalMs?: number;
  /** --alerts.gc-interval (default 30m). */
  readonly alertGCIntervalMs?: number;
  /** --web.listen-address, `host:port` (port 0 picks one). */
  readonly listenAddress: string;
  /** --web.external-url; derived from the host name and port when empty. */
  readonly externalUrl?: string;
  /** --web.route-prefix; the external URL's path when empty. */
  readonly routePrefix?: string;
  /** --web.config.file: TLS and basic auth; empty for plain HTTP. */
  readonly webConfigFile?: string;
  /** --cluster.peer-timeout (default 15s). */
  readonly peerTimeoutMs?: number;
  /** The cluster peer, or null/absent to run alone (cluster status "disabled"). */
  readonly cluster?: ClusterPeer | null;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Version information reported by the API and build_info. */
  readonly version?: VersionInfo;
  /** Largest accepted request body (default 64 MiB); larger ones get 413. */
  readonly bodyLimitBytes?: number;
  /** The built web UI (alertmanager.html, assets/); defaults to the package's dist-ui/. */
  readonly uiAssetsDir?: string;
}

/** Splits `host:port` (IPv6 in brackets) as Go's net.SplitHostPort. Throws for a missing port. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(addr);
  if (m === null) throw new Error(`address ${addr}: missing port in address`);
  return { host: m[1] ?? m[2] ?? "", port: Number(m[3]) };
}

/**
 * Upstream's external URL and route prefix: the URL defaults to
 * http://<hostname>:<port>/; the prefix to the URL's path, with no trailing
 * slash except "/".
 */
export function externalURLAndPrefix(externalUrl: string, routePrefix: string, listenAddress: string): { url: string; prefix: string } {
  const u = externalUrl === "" ? new URL(`http://${hostname()}:${splitHostPort(listenAddress).port}/`) : new URL(externalUrl);
  let prefix = routePrefix === "" ? u.pathname : routePrefix;
  if (!prefix.startsWith("/")) prefix = "/" + prefix;
  if (prefix.length > 1 && prefix.endsWith("/")) prefix = prefix.slice(0, -1);
  return { url: u.toString().replace(/\/$/, ""), prefix };
}

/**
 * Upstream's alertmanager_config_hash: the first 6 bytes of the file's MD5
 * as a little-endian integer.
 */
export function configHash(text: string): number {
  const sum = createHash("md5").update(text).digest();
  let v = 0;
  for (let i = 5; i >= 0; i--) v = v * 256 + sum[i]!;
  return v;
}

/** The runtime built from one configuration. */
interface Running extends APIState {
  readonly inhibitor: Inhibitor;
  readonly unsubscribeInhibitor: () => void;
}

/** Waits for the cluster to settle before anything is sent (upstream GossipSettleStage). */
function settleStage(peer: ClusterPeer): Stage {
  return {
    async exec(ctx: NotifyContext, alerts: readonly Alert[]) {
      await peer.settle();
      return { ctx, alerts };
    },
  };
}

/** alertmanager_alerts{state} and alertmanager_silences{state}, read at scrape time. */
class StateCollector implements Collector {
  readonly #alerts: Alerts;
  readonly #marker: Marker;
  readonly #silences: Silences;
  readonly #clock: Clock;
  constructor(alerts: Alerts, marker: Marker, silences: Silences, clock: Clock) {
    this.#alerts = alerts;
    this.#marker = marker;
    this.#silences = silences;
    this.#clock = clock;
  }
  async collect(emit: Emit): Promise<void> {
    const now = this.#clock.now();
    const alerts = newDesc("alertmanager_alerts", "How many alerts by state.", MetricType.Gauge, ["state"]);
    const counts = new Map<string, number>([[AlertState.Active, 0], [AlertState.Suppressed, 0], [AlertState.Unprocessed, 0]]);
    for (const a of this.#alerts.alerts()) {
      if (alertResolvedAt(a, now)) continue;
      const s = this.#marker.status(a.fingerprint).state;
      counts.set(s, counts.get(s)! + 1);
    }
    for (const [s, n] of counts) emit(alerts, n, s);
    const sil = newDesc("alertmanager_silences", "How many silences by state.", MetricType.Gauge, ["state"]);
    for (const st of [SilenceState.Active, SilenceState.Expired, SilenceState.Pending]) {
      emit(sil, this.#silences.query({ states: [st] }, now).length, st);
    }
  }
}

/**
 * The embeddable Alertmanager. start() loads the configuration (a bad one
 * rejects), restores the snapshots, listens and starts dispatching;
 * reload() swaps the configuration or keeps the running one; stop()
 * writes the snapshots.
 */
export class Alertmanager {
  readonly #o: AlertmanagerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #app: FastifyInstance;
  readonly #registry: Registry;
  readonly #marker: Marker;
  readonly #alerts: Alerts;
  readonly #silences: Silences;
  readonly #nflog: NotificationLog;
  readonly #notifyMetrics: NotifyMetrics;
  readonly #reloadSuccess: GaugeVec;
  readonly #reloadTime: GaugeVec;
  readonly #configHash: GaugeVec;
  readonly #receivers: GaugeVec;
  readonly #integrations: GaugeVec;
  readonly #received: CounterVec;
  readonly #invalid: CounterVec;
  readonly #cluster: ClusterPeer | null;
  readonly #startMs: number;
  readonly #version: VersionInfo;
  #running: Running | null;
  #externalURL: string;
  #prefix: string;
  #reloading: Promise<void> | null;
  #maintenance: Timer | null;
  #started: boolean;

  /** Throws WebConfigError when --web.config.file is set and invalid. */
  constructor(o: AlertmanagerOptions) {
    this.#o = o;
    this.#log = o.logger ?? nopLogger;
    this.#clock = o.clock ?? systemClock;
    this.#cluster = o.cluster ?? null;
    this.#version = o.version ?? {
      version: PROMSTACK_VERSION,
      revision: "",
      branch: "",
      buildUser: "",
      buildDate: "",
      goVersion: `node${process.versions.node}`,
    };
    const webLog = this.#log.with("component", "web");
    const web = o.webConfigFile === undefined || o.webConfigFile === "" ? null : new WebConfigSource(o.webConfigFile, { logger: webLog });
    this.#app = Fastify({
      logger: false,
      bodyLimit: o.bodyLimitBytes ?? 64 * 1024 * 1024,
      ...(web === null ? {} : { serverFactory: (handler: RequestListener) => createWebServer(web, handler, { logger: webLog }) as HTTPServer }),
    });
    this.#registry = new Registry();
    this.#marker = new Marker();
    this.#alerts = new Alerts({
      clock: this.#clock,
      marker: this.#marker,
      ...(o.alertGCIntervalMs !== undefined ? { gcIntervalMs: o.alertGCIntervalMs } : {}),
      logger: this.#log.with("component", "provider"),
    });
    const retentionMs = o.dataRetentionMs ?? 120 * 3600_000;
    let silences: Silences | null = null;
    let nflog: NotificationLog | null = null;
    const peer = this.#cluster;
    const silBroadcast = peer?.addState("sil", {
      merge: (b) => void silences!.merge(b),
      marshalBinary: () => silences!.snapshot(),
    });
    const nflBroadcast = peer?.addState("nfl", {
      merge: (b) => void nflog!.merge(b),
      marshalBinary: () => nflog!.snapshot(),
    });
    silences = new Silences({ clock: this.#clock, retentionMs, ...(silBroadcast !== undefined ? { broadcast: silBroadcast } : {}) });
    nflog = new NotificationLog({
      clock: this.#clock,
      retentionMs,
      logger: this.#log.with("component", "nflog"),
      ...(nflBroadcast !== undefined ? { broadcast: nflBroadcast } : {}),
    });
    this.#silences = silences;
    this.#nflog = nflog;
    this.#notifyMetrics = new NotifyMetrics();
    this.#reloadSuccess = new GaugeVec("alertmanager_config_last_reload_successful", "Whether the last configuration reload attempt was successful.");
    this.#reloadTime = new GaugeVec("alertmanager_config_last_reload_success_timestamp_seconds", "Timestamp of the last successful configuration reload.");
    this.#configHash = new GaugeVec("alertmanager_config_hash", "Hash of the currently loaded alertmanager configuration.");
    this.#receivers = new GaugeVec("alertmanager_receivers", "Number of configured receivers.");
    this.#integrations = new GaugeVec("alertmanager_integrations", "Number of configured integrations.");
    this.#received = new CounterVec("alertmanager_alerts_received_total", "The total number of received alerts.", ["status", "version"]);
    this.#invalid = new CounterVec("alertmanager_alerts_invalid_total", "The total number of received alerts that were invalid.", ["version"]);
    for (const v of ["v1", "v2"]) {
      this.#received.with("firing", v);
      this.#received.with("resolved", v);
      this.#invalid.with(v);
    }
    const buildInfo = new GaugeVec(
      "alertmanager_build_info",
      "A metric with a constant '1' value labeled by version, revision, branch, goversion from which alertmanager was built, and the goos and goarch for the build.",
      ["branch", "goarch", "goos", "goversion", "revision", "tags", "version"],
    );
    const v = this.#version;
    buildInfo.with(v.branch, process.arch, process.platform, v.goVersion, v.revision, "", v.version).set(1);
    const clusterEnabled = new GaugeVec("alertmanager_cluster_enabled", "Indicates whether the clustering is enabled or not.");
    clusterEnabled.with().set(peer === null ? 0 : 1);
    const groups = new GaugeVec("alertmanager_dispatcher_aggregation_groups", "Number of active aggregation groups");
    const groupsCollector: Collector = {
      collect: async (emit) => {
        groups.with().set(this.#running?.dispatcher.aggrGroups().length ?? 0);
        await groups.collect(emit);
      },
    };
    for (const c of [
      this.#received,
      this.#invalid,
      buildInfo,
      clusterEnabled,
      this.#configHash,
      this.#reloadSuccess,
      this.#reloadTime,
      this.#receivers,
      this.#integrations,
      groupsCollector,
      new StateCollector(this.#alerts, this.#marker, this.#silences, this.#clock),
      ...this.#notifyMetrics.collectors(),
      ...(peer?.collectors() ?? []),
      new ProcessCollector(),
    ]) {
      this.#registry.register(c);
    }
    this.#startMs = this.#clock.now();
    this.#running = null;
    this.#externalURL = "";
    this.#prefix = "";
    this.#reloading = null;
    this.#maintenance = null;
    this.#started = false;
  }

  /** The address the HTTP server listens on (after start). */
  get address(): AddressInfo {
    return this.#app.server.address() as AddressInfo;
  }

  /** The external URL (no trailing slash), as templates print it. */
  get externalURL(): string {
    return this.#externalURL;
  }

  /** The alert store, silences and notification log (for tests and embedders). */
  get alerts(): Alerts {
    return this.#alerts;
  }
  get silences(): Silences {
    return this.#silences;
  }
  get nflog(): NotificationLog {
    return this.#nflog;
  }

  #snapshotPath(name: "nflog" | "silences"): string {
    return join(this.#o.storagePath, name);
  }

  /**
   * Loads the configuration, restores the snapshots, starts listening and
   * dispatching. Rejects on a bad configuration, unreadable snapshot or
   * listen error.
   */
  async start(): Promise<void> {
    const cfg = loadConfigFile(this.#o.configFile);
    const { url, prefix } = externalURLAndPrefix(this.#o.externalUrl ?? "", this.#o.routePrefix ?? "", this.#o.listenAddress);
    this.#externalURL = url;
    this.#prefix = prefix === "/" ? "" : prefix;
    mkdirSync(this.#o.storagePath, { recursive: true });
    for (const [name, load] of [
      ["silences", (p: string) => this.#silences.loadSnapshotFile(p)],
      ["nflog", (p: string) => this.#nflog.loadSnapshotFile(p)],
    ] as const) {
      const p = this.#snapshotPath(name);
      if (existsSync(p)) load(p);
    }
    this.#apply(cfg);
    this.#reloadSuccess.with().set(1);
    this.#reloadTime.with().set(this.#clock.now() / 1000);
    this.#alerts.onGC(() => this.#running?.inhibitor.gc(this.#clock.now()));
    this.#alerts.start();
    const interval = this.#o.maintenanceIntervalMs ?? 15 * 60_000;
    this.#nflog.start(interval, this.#snapshotPath("nflog"));
    const tick = (): void => {
      this.#silencesMaintenance();
      this.#maintenance = this.#clock.setTimeout(tick, interval);
    };
    this.#maintenance = this.#clock.setTimeout(tick, interval);
    this.#routes();
    const { host, port } = splitHostPort(this.#o.listenAddress);
    await this.#app.listen({ host: host === "" ? "0.0.0.0" : host, port });
    this.#started = true;
    this.#log.info("Listening", "address", this.#o.listenAddress);
  }

  /** GC and snapshot of the silences (upstream Silences.Maintenance). */
  #silencesMaintenance(): void {
    const n = this.#silences.gc();
    try {
      this.#silences.writeSnapshotFile(this.#snapshotPath("silences"));
      this.#log.debug("Maintenance done", "component", "silences", "removed", n);
    } catch (e) {
      this.#log.error("Running maintenance failed", "component", "silences", "err", (e as Error).message);
    }
  }

  /** Builds the pipeline, inhibitor and dispatcher of `cfg` and swaps them in. Throws before changing anything on a bad template. */
  #apply(cfg: AlertmanagerConfig): void {
    const tmpl = NotificationTemplate.fromGlobs(cfg.templates, { externalURL: this.#externalURL });
    const logger = this.#log.with("component", "dispatcher");
    const receivers = new Map<string, Integration[]>();
    let integrations = 0;
    for (const rc of cfg.receivers) {
      const ints = buildReceiverIntegrations(rc, { tmpl, logger: this.#log });
      receivers.set(rc.name, ints);
      integrations += ints.length;
    }
    const timeIntervals = new Map<string, readonly TimeInterval[]>();
    for (const ti of [...cfg.muteTimeIntervals, ...cfg.timeIntervals]) timeIntervals.set(ti.name, ti.timeIntervals);
    const prev = this.#running;
    if (prev !== null) {
      prev.dispatcher.stop();
      prev.unsubscribeInhibitor();
    }
    const inhibitor = new Inhibitor(cfg.inhibitRules);
    const unsubscribeInhibitor = this.#alerts.subscribe((a) => inhibitor.observe(a));
    const peer = this.#cluster;
    const peerTimeoutMs = this.#o.peerTimeoutMs ?? 15_000;
    const wait = (): number => (peer === null ? 0 : peer.position() * peerTimeoutMs);
    const routing = buildPipeline(receivers, {
      clock: this.#clock,
      marker: this.#marker,
      metrics: this.#notifyMetrics,
      nflog: this.#nflog,
      inhibitor,
      silences: this.#silences,
      timeIntervals,
      wait,
      logger: this.#log.with("component", "notify"),
    });
    const stage: Stage = peer === null ? routing : new MultiStage([settleStage(peer), routing]);
    const route = newRoute(cfg.route);
    const dispatcher = new Dispatcher({
      route,
      alerts: this.#alerts,
      stage,
      marker: this.#marker,
      clock: this.#clock,
      logger,
      // NOTE: matches Alertmanager, which gives a flush the cluster wait on top of its timeout.
      timeout: (ms) => Math.max(ms, MIN_TIMEOUT_MS) + wait(),
    });
    const inhibitMuter = new InhibitMuter(inhibitor, this.#marker);
    const silencer = new Silencer(this.#silences, this.#marker);
    this.#running = {
      config: cfg,
      route,
      dispatcher,
      inhibitor,
      unsubscribeInhibitor,
      setAlertStatus: (a: Alert, now: number) => {
        inhibitMuter.mutes(a, now);
        silencer.mutes(a, now);
      },
    };
    dispatcher.start();
    this.#configHash.with().set(configHash(cfg.original));
    this.#receivers.with().set(cfg.receivers.length);
    this.#integrations.with().set(integrations);
  }

  /**
   * Reloads the configuration file (SIGHUP, POST /-/reload). A broken
   * file rejects and the running configuration stays; reloads are serialized.
   */
  reload(): Promise<void> {
    const run = async (): Promise<void> => {
      this.#log.info("Loading configuration file", "component", "configuration", "file", this.#o.configFile);
      try {
        this.#apply(loadConfigFile(this.#o.configFile));
      } catch (e) {
        this.#reloadSuccess.with().set(0);
        this.#log.error("Loading configuration file failed", "component", "configuration", "file", this.#o.configFile, "err", (e as Error).message);
        throw e;
      }
      this.#reloadSuccess.with().set(1);
      this.#reloadTime.with().set(this.#clock.now() / 1000);
      this.#log.info("Completed loading of configuration file", "component", "configuration", "file", this.#o.configFile);
    };
    const next = (this.#reloading ?? Promise.resolve()).catch(() => {}).then(run);
    this.#reloading = next;
    return next;
  }

  /** Stops dispatching and listening, then writes the silences and nflog snapshots. */
  async stop(): Promise<void> {
    if (this.#running !== null) {
      this.#running.dispatcher.stop();
      this.#running.unsubscribeInhibitor();
    }
    this.#alerts.stop();
    await this.#app.close();
    if (this.#started) {
      this.#maintenance?.cancel();
      this.#maintenance = null;
      this.#nflog.stop();
      this.#silencesMaintenance();
    }
    this.#started = false;
    this.#log.info("See you next time!");
  }

  #routes(): void {
    const app = this.#app;
    const p = this.#prefix;
    const text = (reply: FastifyReply, code: number, body: string): FastifyReply => reply.code(code).type("text/plain; charset=utf-8").send(body);
    app.setNotFoundHandler((_req, reply) => text(reply, 404, "404 page not found\n"));
    app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
      const status = err.statusCode ?? 500;
      if (status >= 500) this.#log.error("HTTP handler failed", "err", err.message);
      // Fastify's own rejections (body too large, bad headers) answer as go-openapi errors do.
      return reply.code(status).type("application/json").send(JSON.stringify({ code: status, message: err.message }) + "\n");
    });
    app.get(`${p}/-/healthy`, async (_req, reply) => text(reply, 200, "OK"));
    app.get(`${p}/-/ready`, async (_req, reply) => text(reply, 200, "OK"));
    app.post(`${p}/-/reload`, async (_req, reply) => {
      try {
        await this.reload();
      } catch (e) {
        return text(reply, 500, `failed to reload config: ${(e as Error).message}\n`);
      }
      return reply.code(200).send();
    });
    app.get(`${p}/-/reload`, async (_req, reply) => text(reply.header("Allow", "OPTIONS, POST"), 405, "Method Not Allowed\n"));
    app.get(`${p}/metrics`, async (_req, reply) => {
      const { families } = await this.#registry.gather();
      return reply.type(TEXT_CONTENT_TYPE).send(writeText(families));
    });
    app.register(
      async (api) =>
        registerAPIv2(api, {
          alerts: this.#alerts,
          marker: this.#marker,
          silences: this.#silences,
          state: () => this.#running,
          clock: this.#clock,
          logger: this.#log.with("component", "api"),
          cluster: this.#cluster,
          startMs: this.#startMs,
          version: this.#version,
          received: this.#received,
          invalid: this.#invalid,
        }),
      { prefix: `${p}/api/v2` },
    );
    // The UI's `<prefix>` (no slash) redirects to `<prefix>/` as the browser sees it.
    const externalPath = this.#o.externalUrl === undefined || this.#o.externalUrl === "" ? p : new URL(this.#externalURL + "/").pathname.replace(/\/$/, "");
    registerAlertmanagerUI(app, { prefix: p, externalPath, assetsDir: this.#o.uiAssetsDir ?? defaultUIAssetsDir() });
  }
}

/** Creates an Alertmanager (see Alertmanager). Throws WebConfigError for a bad --web.config.file. */
export function createAlertmanager(o: AlertmanagerOptions): Alertmanager {
  return new Alertmanager(o);
}
