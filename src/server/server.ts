import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { RequestListener, Server as HTTPServer, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { getHeapStatistics } from "node:v8";
import { hostname } from "node:os";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { type Config, configToYAML, loadConfigFile } from "../config/index.ts";
import { DiscoveryManager, DiscoveryMetrics } from "../discovery/index.ts";
import { CounterVec, GaugeVec, HistogramVec, ProcessCollector, Registry, TEXT_CONTENT_TYPE, writeText } from "../exposition/index.ts";
import { getScrapeConfigs, globFiles } from "../config/index.ts";
import { Labels, quoteString } from "../model/index.ts";
import { ScrapeManager } from "../scrape/index.ts";
import { AlertTemplateData, checkTemplateParses, expandAlertField, prometheusFuncs } from "../template/index.ts";
import { Notifier } from "../notifier/index.ts";
import { ReadHandler, RemoteReadStorage, RemoteWriteStorage, WriteHandler } from "../remote/index.ts";
import { Engine } from "../promql/engine/index.ts";
import { Manager as RuleManager, engineQueryFunc } from "../rules/index.ts";
import type { Queryable } from "../storage/index.ts";
import { type DB, MergedQuerier, listSegments, openDB, tsdbCollector } from "../tsdb/index.ts";
import { type Logger, PROMSTACK_VERSION, availableCpus, nopLogger } from "../util/index.ts";
import { type AdminOps, type BuildInfo, FederationMetrics, WebConfigSource, addFormParser, createWebServer, defaultUIAssetsDir, registerApiV1, registerFederate, registerUI } from "../web/index.ts";

/** How a server runs; durations in ms, as the flags give them. */
export interface ServerOptions {
  configFile: string;
  storagePath: string;
  /** `host:port`; an empty host listens on every interface. */
  listenAddress: string;
  /** --web.external-url; derived from the host name and port when empty. */
  externalUrl: string;
  /** --web.route-prefix; the path of the external URL when empty. */
  routePrefix: string;
  enableLifecycle: boolean;
  lookbackDeltaMs: number;
  queryTimeoutMs: number;
  queryMaxSamples: number;
  /** --query.max-concurrency. */
  queryMaxConcurrency: number;
  /** --web.max-connections (0: unlimited). */
  maxConnections: number;
  /** --rules.alert.for-outage-tolerance, --rules.alert.for-grace-period, --rules.alert.resend-delay. */
  outageToleranceMs: number;
  forGracePeriodMs: number;
  resendDelayMs: number;
  /** --alertmanager.notification-queue-capacity. */
  notificationQueueCapacity: number;
  /** TSDB settings from the --storage.tsdb.* flags (retention, block durations, lock file, WAL compression). */
  tsdb: {
    retentionMs: number;
    retentionSizeBytes: number;
    minBlockDurationMs: number;
    maxBlockDurationMs: number;
    noLockfile: boolean;
    walCompression: boolean;
  };
  /** --web.enable-admin-api. */
  enableAdminApi: boolean;
  /**
   * --web.config.file: TLS and basic auth for every endpoint (exporter-toolkit
   * format); empty or absent: plain HTTP without authentication.
   */
  webConfigFile?: string;
  /** --web.enable-remote-write-receiver: serve POST /api/v1/write. */
  enableRemoteWriteReceiver?: boolean;
  /** --storage.remote.flush-deadline (ms); 1m if absent. */
  remoteFlushDeadlineMs?: number;
  /** Every flag and its value, for /api/v1/status/flags. */
  flags: Record<string, string>;
  logger?: Logger;
  /** Called when /-/quit is requested (the CLI stops the process). */
  onQuit?: () => void;
  /** The built web UI (index.html, assets/); the package's dist-ui/ by default. */
  uiAssetsDir?: string;
}

/**
 * A configuration that loaded but that some component failed to apply (a
 * broken rule file): Prometheus's reloadConfig error, the component's own
 * error being logged.
 */
export class ConfigApplyError extends Error {
  constructor(configFile: string, options?: ErrorOptions) {
    super(`one or more errors occurred while applying the new configuration (--config.file=${quoteString(configFile)})`, options);
    this.name = "ConfigApplyError";
  }
}

/** Splits `host:port` (IPv6 in brackets) as Go's net.SplitHostPort. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(addr);
  if (m === null) throw new Error(`address ${addr}: missing port in address`);
  return { host: m[1] ?? m[2] ?? "", port: Number(m[3]) };
}

/**
 * The external URL and route prefix, as Prometheus computes them: the
 * external URL defaults to http://<hostname>:<port>/, the route prefix to
 * its path; the prefix never ends in a slash (except "/").
 */
export function externalURLAndPrefix(externalUrl: string, routePrefix: string, listenAddress: string): { url: URL; prefix: string } {
  let url: URL;
  if (externalUrl === "") {
    const { port } = splitHostPort(listenAddress);
    url = new URL(`http://${hostname()}:${port}/`);
  } else {
    url = new URL(externalUrl);
  }
  let prefix = routePrefix === "" ? url.pathname : routePrefix;
  if (!prefix.startsWith("/")) prefix = "/" + prefix;
  if (prefix.length > 1 && prefix.endsWith("/")) prefix = prefix.slice(0, -1);
  return { url, prefix };
}

/**
 * The embeddable Prometheus server: HTTP endpoints, TSDB, PromQL engine and
 * configuration reload. start() listens at once (so /-/healthy answers
 * during WAL replay), then opens the TSDB and becomes ready.
 */
export class PrometheusServer {
  readonly #o: ServerOptions;
  readonly #log: Logger;
  readonly #app: FastifyInstance;
  readonly #registry: Registry;
  readonly #engine: Engine;
  readonly #reloadSuccess: GaugeVec;
  readonly #reloads: CounterVec;
  readonly #reloadTime: GaugeVec;
  readonly #readyGauge: GaugeVec;
  readonly #httpRequests: CounterVec;
  readonly #httpDuration: HistogramVec;
  readonly #httpResponseSize: HistogramVec;
  readonly #federationMetrics: FederationMetrics;
  readonly #startMs: number;
  /** GOMAXPROCS of runtimeinfo, read once at start as Go does. */
  readonly #cpus: number;
  readonly #queryable: Queryable;
  readonly #rules: RuleManager;
  readonly #notifier: Notifier;
  readonly #notifyDiscovery: DiscoveryManager;
  readonly #scrape: ScrapeManager;
  readonly #scrapeDiscovery: DiscoveryManager;
  readonly #remoteWrite: RemoteWriteStorage;
  readonly #remoteRead: RemoteReadStorage;
  readonly #writeHandler: WriteHandler;
  #externalURL: string;
  #db: DB | null;
  #config: Config | null;
  #ready: boolean;
  #reloading: Promise<void> | null;

  /** Throws WebConfigError when --web.config.file is set and invalid. */
  constructor(o: ServerOptions) {
    this.#o = o;
    this.#log = o.logger ?? nopLogger;
    const webLog = this.#log.with("component", "web");
    const web = o.webConfigFile === undefined || o.webConfigFile === "" ? null : new WebConfigSource(o.webConfigFile, { logger: webLog });
    // NOTE: matches Prometheus, whose web config wraps the whole handler: no endpoint answers without credentials.
    // Fastify is typed for node:http; an https.Server offers the same listen/close/address surface it uses.
    // Shutdown closes every connection at once, as upstream's http.Server.Close: a client
    // holding a keep-alive connection (or an unread response) must not delay it by 72 s.
    this.#app = Fastify({
      logger: false,
      forceCloseConnections: true,
      bodyLimit: 32 * 1024 * 1024,
      ...(web === null ? {} : { serverFactory: (handler: RequestListener) => createWebServer(web, handler, { logger: webLog }) as HTTPServer }),
    });
    this.#registry = new Registry();
    this.#engine = new Engine({
      lookbackDeltaMs: o.lookbackDeltaMs,
      timeoutMs: o.queryTimeoutMs,
      maxSamples: o.queryMaxSamples,
      maxConcurrency: o.queryMaxConcurrency,
    });
    this.#engine.metrics.register(this.#registry);
    this.#reloadSuccess = new GaugeVec("prometheus_config_last_reload_successful", "Whether the last configuration reload attempt was successful.");
    this.#reloads = new CounterVec("prometheus_config_reloads_total", "Number of configuration reload attempts.", []);
    this.#reloadTime = new GaugeVec("prometheus_config_last_reload_success_timestamp_seconds", "Timestamp of the last successful configuration reload.");
    this.#readyGauge = new GaugeVec("prometheus_ready", "Whether Prometheus startup was fully completed and the server is ready for normal operation.");
    this.#readyGauge.with();
    this.#httpRequests = new CounterVec("prometheus_http_requests_total", "Counter of HTTP requests.", ["code", "handler"]);
    this.#httpDuration = new HistogramVec("prometheus_http_request_duration_seconds", "Histogram of latencies for HTTP requests.", ["handler"], [
      0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120,
    ]);
    // NOTE: matches Prometheus's instrumentation: body bytes written (after compression), exponential buckets 100 B to 1 GB.
    this.#httpResponseSize = new HistogramVec("prometheus_http_response_size_bytes", "Histogram of response size for HTTP requests.", ["handler"], [
      100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
    ]);
    this.#federationMetrics = new FederationMetrics();
    this.#federationMetrics.register(this.#registry);
    const buildInfo = new GaugeVec("prometheus_build_info", "A metric with a constant '1' value labeled by version, revision, branch, goversion from which prometheus was built, and the goos and goarch for the build.", [
      "branch",
      "goarch",
      "goos",
      "goversion",
      "revision",
      "tags",
      "version",
    ]);
    buildInfo.with("", process.arch, process.platform, `node${process.versions.node}`, "", "", PROMSTACK_VERSION).set(1);
    for (const c of [this.#reloadSuccess, this.#reloads, this.#reloadTime, this.#readyGauge, this.#httpRequests, this.#httpDuration, this.#httpResponseSize, buildInfo]) this.#registry.register(c);
    this.#registry.register(new ProcessCollector());
    this.#registry.register(tsdbCollector(() => this.#db));
    this.#startMs = Date.now();
    this.#cpus = availableCpus();
    this.#remoteRead = new RemoteReadStorage({ userAgent: `Prometheus/${PROMSTACK_VERSION}` });
    this.#queryable = {
      querier: async (mint, maxt) => {
        if (this.#db === null) throw new Error("BUG: query before the TSDB is open");
        const local = await this.#db.querier(mint, maxt);
        // NOTE: matches Prometheus's fanout storage: remote_read endpoints are merged in, local data first.
        const remotes = this.#remoteRead.queriers(mint, maxt, this.#localStartMs());
        return remotes.length === 0 ? local : new MergedQuerier([local, ...remotes]);
      },
    };
    this.#notifier = new Notifier({
      queueCapacity: o.notificationQueueCapacity,
      logger: this.#log.with("component", "notifier"),
      registry: this.#registry,
    });
    // One set of prometheus_sd_* families for both managers, as upstream's global ones.
    const sdMetrics = new DiscoveryMetrics();
    this.#registry.register(sdMetrics);
    this.#notifyDiscovery = new DiscoveryManager({ name: "notify", logger: this.#log.with("component", "discovery manager notify"), metrics: sdMetrics });
    this.#notifyDiscovery.subscribe((sets) => this.#notifier.sync(sets));
    const appendable = {
      appender: () => {
        if (this.#db === null) throw new Error("BUG: append before the TSDB is open");
        return this.#db.appender();
      },
    };
    this.#scrape = new ScrapeManager({
      appendable,
      logger: this.#log.with("component", "scrape manager"),
      registry: this.#registry,
      userAgent: `Prometheus/${PROMSTACK_VERSION}`,
    });
    this.#scrapeDiscovery = new DiscoveryManager({ name: "scrape", logger: this.#log.with("component", "discovery manager scrape"), metrics: sdMetrics });
    this.#scrapeDiscovery.subscribe((sets) => this.#scrape.sync(sets));
    this.#remoteWrite = new RemoteWriteStorage({
      walDir: join(o.storagePath, "wal"),
      positionDir: join(o.storagePath, "remote-write"),
      registry: this.#registry,
      logger: this.#log,
      userAgent: `Prometheus/${PROMSTACK_VERSION}`,
      flushDeadlineMs: o.remoteFlushDeadlineMs ?? 60_000,
    });
    this.#writeHandler = new WriteHandler({ appendable, logger: this.#log.with("component", "web"), registry: this.#registry });
    // Upstream's template package counts every expansion of an alert's labels and annotations.
    const templateExpansions = new CounterVec("prometheus_template_text_expansions_total", "The total number of template text expansions.");
    const templateFailures = new CounterVec("prometheus_template_text_expansion_failures_total", "The total number of template text expansion failures.");
    templateExpansions.with();
    templateFailures.with();
    this.#registry.register(templateExpansions);
    this.#registry.register(templateFailures);
    this.#rules = new RuleManager({
      // As upstream's rule loading: an alert template that does not parse rejects the file.
      parse: { checkTemplate: checkTemplateParses },
      queryFn: engineQueryFunc(this.#engine, this.#queryable),
      appendable,
      queryable: this.#queryable,
      notify: (alerts) => this.#notifier.send(alerts),
      expandTemplate: async (text, data, ctx) => {
        templateExpansions.with().inc();
        const funcs = prometheusFuncs({
          query: async (q, tMs) => {
            const res = await this.#engine.newInstantQuery(this.#queryable, q, tMs).exec();
            if (res.value.type !== "vector") throw new Error(`query ${JSON.stringify(q)} did not return a vector`);
            return res.value.vector.map((s) => ({ metric: s.metric, value: s.f }));
          },
          tMs: ctx.t,
          externalURL: new URL(this.#externalURL + "/"),
        });
        const r = await expandAlertField(text, {
          ruleName: ctx.name,
          data: new AlertTemplateData(Labels.fromObject(data.labels), Labels.fromObject(data.externalLabels), data.externalURL, data.value),
          funcs,
        });
        if (r.error !== null) {
          templateFailures.with().inc();
          throw r.error;
        }
        return r.text;
      },
      logger: this.#log.with("component", "rule manager"),
      outageToleranceMs: o.outageToleranceMs,
      forGracePeriodMs: o.forGracePeriodMs,
      resendDelayMs: o.resendDelayMs,
      registry: this.#registry,
    });
    this.#externalURL = "";
    this.#db = null;
    this.#config = null;
    this.#ready = false;
    this.#reloading = null;
  }

  /** The address the server listens on (after start). */
  get address(): AddressInfo {
    return this.#app.server.address() as AddressInfo;
  }

  /** Whether the TSDB is open and the configuration loaded. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Loads the configuration, listens, opens the TSDB. A bad configuration rejects before anything starts. */
  async start(): Promise<void> {
    const cfg = await loadConfigFile(this.#o.configFile);
    const { url, prefix } = externalURLAndPrefix(this.#o.externalUrl, this.#o.routePrefix, this.#o.listenAddress);
    this.#externalURL = url.toString().replace(/\/$/, "");
    await this.#routes(prefix);
    const { host, port } = splitHostPort(this.#o.listenAddress);
    if (this.#o.maxConnections > 0) this.#app.server.maxConnections = this.#o.maxConnections;
    await this.#app.listen({ host: host === "" ? "0.0.0.0" : host, port });
    this.#log.info("Listening", "address", this.#o.listenAddress);
    const t = this.#o.tsdb;
    this.#db = await openDB(this.#o.storagePath, {
      logger: this.#log.with("component", "tsdb"),
      retentionMs: t.retentionMs,
      retentionSizeBytes: t.retentionSizeBytes,
      minBlockDurationMs: t.minBlockDurationMs,
      ...(t.maxBlockDurationMs > 0 ? { maxBlockDurationMs: t.maxBlockDurationMs } : {}),
      noLockfile: t.noLockfile,
      walCompression: t.walCompression,
      outOfOrderTimeWindowMs: cfg.storage.tsdb?.outOfOrderTimeWindowMs ?? 0,
    });
    await this.#apply(cfg);
    this.#reloadSuccess.with().set(1);
    this.#reloadTime.with().set(Date.now() / 1000);
    this.#notifier.start();
    this.#notifyDiscovery.start();
    this.#scrapeDiscovery.start();
    this.#rules.start();
    this.#ready = true;
    this.#readyGauge.with().set(1);
    this.#log.info("Server is ready to receive web requests.");
  }

  /**
   * Hands a loaded configuration to every component. Rule files are loaded
   * first: a broken one rejects the whole configuration before anything
   * changes (logged; ConfigApplyError thrown, as Prometheus answers).
   *
   * NOTE: differs from Prometheus, which applies the rest of the
   * configuration to the other components when the rule files fail.
   */
  async #apply(cfg: Config): Promise<void> {
    const files = (cfg.ruleFiles ?? []).flatMap((pat) => globFiles(pat));
    try {
      await this.#rules.update(files, {
        evaluationIntervalMs: cfg.global.evaluationIntervalMs,
        queryOffsetMs: cfg.global.ruleQueryOffsetMs,
        externalLabels: cfg.global.externalLabels,
        externalURL: this.#externalURL,
      });
    } catch (e) {
      this.#log.error("Failed to apply configuration", "err", e);
      throw new ConfigApplyError(this.#o.configFile, { cause: e });
    }
    this.#notifier.applyConfig(cfg);
    this.#notifyDiscovery.applyConfig(this.#notifier.sdConfigs(cfg));
    await this.#scrape.applyConfig(cfg);
    this.#scrapeDiscovery.applyConfig(Object.fromEntries(getScrapeConfigs(cfg).map((sc) => [sc.jobName, sc.serviceDiscoveryConfigs])));
    await this.#remoteWrite.applyConfig(cfg);
    await this.#remoteRead.applyConfig(cfg);
    this.#db?.setOutOfOrderTimeWindow(cfg.storage.tsdb?.outOfOrderTimeWindowMs ?? 0);
    this.#config = cfg;
  }

  /**
   * Reloads the configuration file. A broken file is rejected and the
   * running configuration stays; concurrent reloads are serialized.
   */
  async reload(): Promise<void> {
    const run = async (): Promise<void> => {
      this.#reloads.with().inc();
      this.#log.info("Loading configuration file", "filename", this.#o.configFile);
      try {
        await this.#apply(await loadConfigFile(this.#o.configFile));
      } catch (e) {
        this.#reloadSuccess.with().set(0);
        this.#log.error("Error reloading config", "err", e);
        throw e;
      }
      this.#reloadSuccess.with().set(1);
      this.#reloadTime.with().set(Date.now() / 1000);
      this.#log.info("Completed loading of configuration file", "filename", this.#o.configFile);
    };
    const prev = this.#reloading ?? Promise.resolve();
    const next = prev.catch(() => {}).then(run);
    this.#reloading = next;
    return next;
  }

  /** Stops listening and closes the TSDB (flushing the WAL). */
  async stop(): Promise<void> {
    this.#ready = false;
    this.#readyGauge.with().set(0);
    await this.#scrapeDiscovery.stop();
    await this.#scrape.stop();
    await this.#rules.stop();
    await this.#notifyDiscovery.stop();
    await this.#notifier.stop();
    await this.#remoteWrite.stop();
    await this.#remoteRead.stop();
    await this.#app.close();
    if (this.#db !== null) await this.#db.close();
    this.#db = null;
    this.#log.info("See you next time!");
  }

  /** Time of the oldest local sample (ms): the first block's start, else the head's. */
  #localStartMs(): number {
    const db = this.#db;
    if (db === null) return Number.POSITIVE_INFINITY;
    const first = db.blocks[0];
    return first !== undefined ? Math.min(first.meta.minTime, db.head.minTime) : db.head.minTime;
  }

  /** The TSDB admin operations behind --web.enable-admin-api. */
  #admin(): AdminOps {
    const db = (): DB => {
      if (this.#db === null) throw new Error("BUG: admin operation before the TSDB is open");
      return this.#db;
    };
    return {
      snapshot: async (skipHead) => {
        const now = new Date();
        const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
        const name = `${stamp}-${randomBytes(8).toString("hex")}`;
        await db().snapshot(join(this.#o.storagePath, "snapshots", name), !skipHead);
        return name;
      },
      deleteSeries: (matchers, mint, maxt) => db().deleteSeries(matchers, mint, maxt),
      cleanTombstones: () => db().cleanTombstones(),
    };
  }

  async #routes(prefix: string): Promise<void> {
    const app = this.#app;
    addFormParser(app);
    const p = prefix === "/" ? "" : prefix;
    app.setNotFoundHandler((_req, reply) => reply.code(404).type("text/plain; charset=utf-8").send("404 page not found\n"));
    // prometheus_http_requests_total and _duration_seconds by route, as Prometheus instruments its handlers.
    app.addHook("onResponse", async (req, reply) => {
      const route = req.routeOptions.url;
      const handler = route === undefined ? "other" : p !== "" && route.startsWith(p) ? route.slice(p.length) || "/" : route;
      this.#httpRequests.with(String(reply.statusCode), handler).inc();
      this.#httpDuration.with(handler).observe(reply.elapsedTime / 1000);
      // Answered before the counting hook (web config's 401s): their Content-Length.
      const written = bodyBytes.get(reply.raw) ?? Number(reply.getHeader("content-length") ?? 0);
      this.#httpResponseSize.with(handler).observe(written);
    });
    const bodyBytes = new WeakMap<ServerResponse, number>();
    app.addHook("onRequest", async (_req, reply) => countBodyBytes(reply.raw, bodyBytes));
    app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
      const path = req.url.split("?")[0]!;
      if (this.#ready || path === `${p}/-/healthy` || path === `${p}/-/ready` || path === `${p}/metrics`) return;
      // NOTE: matches Prometheus, whose handlers answer 503 until the TSDB is open.
      return reply.code(503).type("text/plain; charset=utf-8").send("Service Unavailable");
    });
    app.get(`${p}/-/healthy`, async (_req, reply) => reply.type("text/plain; charset=utf-8").send("Prometheus Server is Healthy.\n"));
    app.get(`${p}/-/ready`, async (_req, reply) =>
      this.#ready
        ? reply.type("text/plain; charset=utf-8").send("Prometheus Server is Ready.\n")
        : reply.code(503).type("text/plain; charset=utf-8").send("Service Unavailable"),
    );
    const lifecycle = (fn: (reply: FastifyReply) => Promise<FastifyReply>) => async (_req: FastifyRequest, reply: FastifyReply) => {
      if (!this.#o.enableLifecycle) return reply.code(403).type("text/plain; charset=utf-8").send("Lifecycle API is not enabled.\n");
      return fn(reply);
    };
    const reload = lifecycle(async (reply) => {
      try {
        await this.reload();
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return reply.code(500).type("text/plain; charset=utf-8").send(`failed to reload config: ${msg}\n`);
      }
      return reply.send();
    });
    app.post(`${p}/-/reload`, reload);
    app.put(`${p}/-/reload`, reload);
    const onlyPostPut = async (_req: FastifyRequest, reply: FastifyReply) =>
      reply.code(405).type("text/plain; charset=utf-8").send("Only POST or PUT requests allowed\n");
    app.get(`${p}/-/reload`, onlyPostPut);
    app.get(`${p}/-/quit`, onlyPostPut);
    const quit = lifecycle(async (reply) => {
      setImmediate(() => this.#o.onQuit?.());
      return reply.type("text/plain; charset=utf-8").send("Requesting termination... Goodbye!");
    });
    app.post(`${p}/-/quit`, quit);
    app.put(`${p}/-/quit`, quit);
    registerFederate(app, `${p}/federate`, {
      queryable: this.#queryable,
      lookbackDeltaMs: this.#o.lookbackDeltaMs,
      externalLabels: () => this.#config?.global.externalLabels ?? Labels.EMPTY,
      now: () => Date.now(),
      metrics: this.#federationMetrics,
    });
    await app.register(async (sub) => {
      // Remote write bodies are read raw, whatever their Content-Type: the handler negotiates.
      sub.removeAllContentTypeParsers();
      sub.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
      const readHandler = new ReadHandler({
        queryable: {
          querier: (mint, maxt) => {
            if (this.#db === null) throw new Error("BUG: query before the TSDB is open");
            return this.#db.querier(mint, maxt);
          },
        },
        externalLabels: () => this.#config?.global.externalLabels ?? Labels.EMPTY,
        logger: this.#log.with("component", "remote read"),
      });
      // Remote read queries being answered (a streamed answer counts until its last frame is sent).
      const readQueries = new GaugeVec("prometheus_api_remote_read_queries", "The current number of remote read queries being executed or waiting.");
      readQueries.with();
      this.#registry.register(readQueries);
      sub.post(`${p}/api/v1/read`, async (req, reply) => {
        readQueries.with().inc();
        reply.raw.once("close", () => readQueries.with().dec());
        const r = await readHandler.handle(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
        reply.code(r.status).headers(r.headers);
        return reply.send(Buffer.isBuffer(r.body) ? r.body : Readable.from(r.body));
      });
      sub.post(`${p}/api/v1/write`, async (req, reply) => {
        if (this.#o.enableRemoteWriteReceiver !== true) {
          return reply.code(404).type("text/plain; charset=utf-8").send("remote write receiver needs to be enabled with --web.enable-remote-write-receiver\n");
        }
        const header = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? "") : (v ?? ""));
        const r = await this.#writeHandler.handle({
          contentType: header(req.headers["content-type"]),
          contentEncoding: header(req.headers["content-encoding"]),
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        });
        reply.code(r.status).headers(r.headers);
        return r.body === "" ? reply.send() : reply.send(r.body);
      });
    });
    // NOTE: Prometheus redirects / to the external URL's path even when only
    // --web.route-prefix is set (landing on a 404); the prefix is used then.
    const externalPath = this.#o.externalUrl === "" ? p : new URL(this.#externalURL + "/").pathname.replace(/\/$/, "");
    registerUI(app, { prefix: p, externalPath, assetsDir: this.#o.uiAssetsDir ?? defaultUIAssetsDir() });
    app.get(`${p}/metrics`, async (_req, reply) => {
      const { families } = await this.#registry.gather();
      return reply.type(TEXT_CONTENT_TYPE).send(writeText(families));
    });
    const buildInfo: BuildInfo = {
      version: PROMSTACK_VERSION,
      revision: "",
      branch: "",
      buildUser: "",
      buildDate: "",
      goVersion: `node${process.versions.node}`,
    };
    await app.register(
      async (api) =>
        registerApiV1(api, {
          queryable: this.#queryable,
          engine: this.#engine,
          ruleGroups: () => this.#rules.ruleGroups(),
          alertingRules: () => this.#rules.alertingRules(),
          alertmanagers: () => this.#notifier.alertmanagers(),
          targets: () => this.#scrape.targets(),
          admin: this.#o.enableAdminApi ? this.#admin() : null,
          maxConcurrency: this.#o.queryMaxConcurrency,
          headStats: () => {
            const h = this.#db!.head;
            return { numSeries: h.numSeries, chunkCount: h.numChunks, minTime: h.minTime, maxTime: h.maxTime };
          },
          walReplay: () => {
            const segs = listSegments(join(this.#o.storagePath, "wal"));
            const first = segs.length > 0 ? segs[0]!.index : 0;
            const last = segs.length > 0 ? segs[segs.length - 1]!.index : 0;
            return { min: first, max: last, current: this.#ready ? last : first };
          },
          targetsMetadata: () => this.#scrape.targetsMetadata(),
          now: () => Date.now(),
          configYAML: () => (this.#config === null ? "" : configToYAML(this.#config)),
          flags: this.#o.flags,
          buildInfo,
          runtimeInfo: () => ({
            startTime: new Date(this.#startMs).toISOString(),
            CWD: process.cwd(),
            reloadConfigSuccess: this.#reloadSuccess.with().value === 1,
            lastConfigTime: new Date(this.#startMs).toISOString(),
            corruptionCount: 0,
            goroutineCount: 0,
            // The CPUs usable in parallel (the cgroup CPU quota, rounded up), as Go sets GOMAXPROCS.
            GOMAXPROCS: this.#cpus,
            // The V8 heap limit stands in for Go's memory limit (sized from the cgroup by bin/promstack).
            GOMEMLIMIT: getHeapStatistics().heap_size_limit,
            GOGC: "",
            GODEBUG: "",
            storageRetention: this.#o.flags["storage.tsdb.retention.time"] || "15d",
          }),
        }),
      { prefix: `${p}/api/v1` },
    );
  }
}

/**
 * Counts the body bytes written to res (what the client receives, after
 * compression) into sizes, by wrapping its write and end.
 */
function countBodyBytes(res: ServerResponse, sizes: WeakMap<ServerResponse, number>): void {
  sizes.set(res, 0);
  const count = (chunk: unknown, encoding: unknown): void => {
    if (typeof chunk === "string") sizes.set(res, sizes.get(res)! + Buffer.byteLength(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8"));
    else if (chunk instanceof Uint8Array) sizes.set(res, sizes.get(res)! + chunk.byteLength);
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
    count(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (args.length > 0 && typeof args[0] !== "function") count(args[0], args[1]);
    return (end as (...a: unknown[]) => ServerResponse).call(this, ...args);
  } as typeof res.end;
}
