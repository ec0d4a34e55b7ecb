/**
 * The embeddable node exporter: an HTTP server on --web.listen-address that
 * serves the enabled collectors' metrics on --web.telemetry-path (with
 * upstream's collect[]/exclude[] filters and gzip) and a landing page at /,
 * under the exporter-toolkit web configuration of --web.config.file (TLS,
 * basic auth, headers and rate limit on every endpoint, as upstream).
 */
import http from "node:http";
import type https from "node:https";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { type Emit, FamilyBuilder, MetricType, ProcessCollector, TEXT_CONTENT_TYPE, newDesc, writeText } from "../exposition/index.ts";
import { type CollectorFactory, type CollectorSettings, newCollectorContext } from "./collector/index.ts";
import { NodeCollectorSet } from "./node-collector.ts";
import type { Logger } from "../util/index.ts";

const gzip = promisify(zlib.gzip);

/** The version this exporter reports in node_exporter_build_info and --version. */
export const NODE_EXPORTER_VERSION = "1.7.0";

/** Everything a node exporter needs; cmd/node-exporter.ts fills it from flags. */
export interface NodeExporterOptions {
  /** host:port; ":9100" means every interface. Port 0 picks a free port. */
  listenAddress: string;
  /** Path of the metrics endpoint, default "/metrics". */
  telemetryPath: string;
  /** Collector settings (paths and per-collector flags). */
  settings: CollectorSettings;
  /** The collectors to run, in any order. */
  collectors: readonly CollectorFactory[];
  /** --web.disable-exporter-metrics: leave out promhttp_*, process_* and node_exporter_build_info. */
  disableExporterMetrics: boolean;
  /** --web.max-requests: concurrent scrapes allowed; 0 means no limit. */
  maxRequests: number;
  /**
   * --web.config.file: the exporter-toolkit web configuration (TLS, basic
   * auth, headers, rate limit), re-read when it changes; null or "" serves
   * plain HTTP to everyone.
   */
  webConfigFile: string | null;
  logger: Logger;
}

/** A running (or not yet started) node exporter. */
export interface NodeExporter {
  /**
   * Starts listening; resolves with the bound address once ready. Rejects if
   * the address is taken, or with WebConfigError when --web.config.file is
   * invalid (as upstream refuses to start).
   */
  start(): Promise<AddressInfo>;
  /** Stops accepting connections and closes idle ones; resolves when closed. */
  stop(): Promise<void>;
  /** Renders the metrics of the given collectors (all when null), as one scrape would. */
  render(only: ReadonlySet<string> | null): Promise<string>;
}

/** Thrown for a collect[]/exclude[] filter naming a collector that is not enabled. */
export class UnknownCollectorError extends Error {
  readonly collector: string;
  constructor(collector: string) {
    super(`missing collector: ${collector}`);
    this.name = "UnknownCollectorError";
    this.collector = collector;
  }
}

/** Splits "host:port" (with [v6] brackets allowed) into host (null for all interfaces) and port. */
export function parseListenAddress(addr: string): { host: string | null; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`listen tcp: address ${addr}: missing port in address`);
  const host = m[1] ?? m[2] ?? "";
  return { host: host === "" ? null : host, port: Number(m[3]) };
}

function landingPage(telemetryPath: string): string {
  const esc = telemetryPath.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Node Exporter</title>
  </head>
  <body>
    <header>
      <h1>Node Exporter</h1>
    </header>
    <div>
      <p>Prometheus Node Exporter</p>
      <div>
        <ul>
          <li><a href="${esc}">Metrics</a></li>
        </ul>
      </div>
      <div>Version: ${NODE_EXPORTER_VERSION}</div>
    </div>
  </body>
</html>
`;
}

/** Go's GOARCH for Node's process.arch, as node_exporter_build_info reports it. */
const GOARCH: Readonly<Record<string, string>> = { x64: "amd64", ia32: "386", mipsel: "mipsle", ppc64: "ppc64le" };

/** Creates a node exporter; builds the collectors now, so bad collector flags throw here. */
export function createNodeExporter(opts: NodeExporterOptions): NodeExporter {
  const ctx = newCollectorContext(opts.settings, opts.logger);
  const all = new NodeCollectorSet(opts.collectors, ctx);
  opts.logger.info("Enabled collectors");
  for (const n of all.names().sort()) opts.logger.info(n, "collector", n);

  const requests = new Map<string, number>([["200", 0], ["500", 0], ["503", 0]]);
  let inFlight = 0;
  const buildInfo = newDesc(
    "node_exporter_build_info",
    "A metric with a constant '1' value labeled by version, revision, branch, goversion from which node_exporter was built, and the goos and goarch for the build.",
    MetricType.Gauge,
    ["branch", "goarch", "goos", "goversion", "revision", "tags", "version"],
  );
  const reqDesc = newDesc("promhttp_metric_handler_requests_total", "Total number of scrapes by HTTP status code.", MetricType.Counter, ["code"]);
  const inFlightDesc = newDesc("promhttp_metric_handler_requests_in_flight", "Current number of scrapes being served.", MetricType.Gauge);
  const errDesc = newDesc("promhttp_metric_handler_errors_total", "Total number of internal errors encountered by the promhttp metric handler.", MetricType.Counter, ["cause"]);
  const processMetrics = new ProcessCollector();
  const exporterMetrics = async (emit: Emit): Promise<void> => {
    await processMetrics.collect(emit);
    emit(buildInfo, 1, "", GOARCH[process.arch] ?? process.arch, process.platform, `node${process.versions.node}`, "", "", NODE_EXPORTER_VERSION);
    for (const [code, n] of requests) emit(reqDesc, n, code);
    emit(inFlightDesc, inFlight);
    emit(errDesc, 0, "encoding");
    emit(errDesc, 0, "gathering");
  };

  const render = async (only: ReadonlySet<string> | null): Promise<string> => {
    const b = new FamilyBuilder();
    await all.collect(b.emit, only);
    if (!opts.disableExporterMetrics) await exporterMetrics(b.emit);
    for (const e of b.errors) opts.logger.error("error gathering metrics", "err", e);
    return writeText(b.families());
  };

  /** Resolves collect[] and exclude[] into the set of collectors to run (null = all). */
  const filter = (url: URL): ReadonlySet<string> | null => {
    const collect = url.searchParams.getAll("collect[]");
    const exclude = url.searchParams.getAll("exclude[]");
    if (collect.length === 0 && exclude.length === 0) return null;
    for (const n of [...collect, ...exclude]) if (!all.has(n)) throw new UnknownCollectorError(n);
    const base = collect.length > 0 ? new Set(collect) : new Set(all.names());
    for (const n of exclude) base.delete(n);
    return base;
  };

  const serveMetrics = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    if (opts.maxRequests > 0 && inFlight >= opts.maxRequests) {
      requests.set("503", requests.get("503")! + 1);
      res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(`Limit of concurrent requests reached (${opts.maxRequests}), try again later.\n`);
      return;
    }
    let only: ReadonlySet<string> | null;
    try {
      only = filter(url);
    } catch (e) {
      res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(`Couldn't create filtered metrics handler: ${(e as Error).message}`);
      return;
    }
    inFlight++;
    try {
      const body = Buffer.from(await render(only), "utf8");
      const accept = String(req.headers["accept-encoding"] ?? "");
      const headers: http.OutgoingHttpHeaders = { "Content-Type": TEXT_CONTENT_TYPE };
      let out = body;
      if (/(^|[\s,])gzip($|[\s,;])/.test(accept)) {
        out = await gzip(body);
        headers["Content-Encoding"] = "gzip";
      }
      headers["Content-Length"] = out.length;
      requests.set("200", requests.get("200")! + 1);
      res.writeHead(200, headers);
      res.end(req.method === "HEAD" ? undefined : out);
    } catch (e) {
      requests.set("500", requests.get("500")! + 1);
      opts.logger.error("error gathering metrics", "err", e);
      res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(`An error has occurred while serving metrics:\n\n${(e as Error).message}\n`);
    } finally {
      inFlight--;
    }
  };

  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === opts.telemetryPath) {
      void serveMetrics(req, res, url);
      return;
    }
    if (url.pathname === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=UTF-8" });
      res.end(landingPage(opts.telemetryPath));
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
    res.end("404 page not found\n");
  };

  /** The HTTP(S) server, built by start(); throws WebConfigError for an invalid --web.config.file. */
  const createServer = async (): Promise<http.Server | https.Server> => {
    if (opts.webConfigFile === null || opts.webConfigFile === "") return http.createServer(handler);
    // Loaded only when a web config is given: the web folder's module graph adds about
    // 15 MiB of resident memory, which an exporter without TLS or auth should not carry.
    const { WebConfigSource, createWebServer } = await import("../web/index.ts");
    const web = new WebConfigSource(opts.webConfigFile, { logger: opts.logger });
    // NOTE: matches node_exporter, whose web config wraps the whole mux: / and /metrics alike need credentials.
    return createWebServer(web, handler, { logger: opts.logger });
  };
  let server: http.Server | https.Server | null = null;

  return {
    render,
    async start() {
      const { host, port } = parseListenAddress(opts.listenAddress);
      const s = server ?? (server = await createServer());
      return new Promise((resolve, reject) => {
        const onError = (e: Error): void => reject(e);
        s.once("error", onError);
        s.listen(port, host ?? undefined, () => {
          s.off("error", onError);
          const a = s.address() as AddressInfo;
          opts.logger.info("Listening on", "address", `${a.address}:${a.port}`);
          resolve(a);
        });
      });
    },
    stop() {
      const s = server;
      if (s === null) return Promise.resolve();
      return new Promise((resolve, reject) => {
        s.close((e) => (e ? reject(e) : resolve()));
        s.closeIdleConnections();
      });
    },
  };
}
