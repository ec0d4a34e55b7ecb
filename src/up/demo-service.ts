/**
 * The development stack's demo service: a small instrumented HTTP service
 * with steady synthetic traffic, so that the shipped SLO rules have
 * something to measure from the first minute.
 *
 * The shipped SLO (config/prometheus/recording_rules.yml) is the
 * availability of the server's HTTP API, from prometheus_http_requests_total:
 * a request is bad when it ends in a 5xx. The same rule files run in every
 * environment of the deployment guide, so the demo does not get rules or a
 * scrape job of its own; instead it is a query gateway in front of the
 * server, and its traffic becomes the server's traffic:
 *
 *   traffic generator ──GET /api/query──> demo service ──GET /api/v1/query──> server  (200, or 400 for a malformed query)
 *                     ──POST /api/compact──>          ──POST /api/v1/admin/tsdb/clean_tombstones──> server (503: the
 *                                                        stack runs without --web.enable-admin-api)
 *
 * The share of /api/compact requests is the error ratio (default 0.0005,
 * a burn rate of 0.5 against the 99.9 % objective: budget visibly spent,
 * no alert). Raise it at run time to rehearse an incident, e.g.
 * `curl -X POST 'localhost:5001/-/error-ratio?value=0.05'` (burn rate 50:
 * SLOAvailabilityFastBurn fires once the 1h and 6h burn rates exceed 14.4
 * for 2 minutes). Malformed queries (400) are client errors and do not
 * burn the budget, as in the rules.
 *
 * The service also receives the Alertmanager's webhooks: the shipped
 * alertmanager.yml sends to localhost:5001/{alerts,on-call,heartbeat}, so
 * notifications show up in the stack's output (`demo | ...`).
 *
 * Its own metrics, at /metrics: http_requests_total{code,handler},
 * http_request_duration_seconds{handler} (histogram),
 * demo_alert_notifications_total{receiver,status}, demo_error_ratio.
 */
import { Agent, type IncomingMessage, type ServerResponse, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { CounterVec, GaugeFunc, HistogramVec, Registry, TEXT_CONTENT_TYPE, writeText } from "../exposition/index.ts";
import type { Clock, Logger, Timer } from "../util/index.ts";

/** Options of a DemoService. */
export interface DemoServiceOptions {
  /** Host to listen on ("" for every interface). */
  host: string;
  /** Port to listen on; 0 picks a free one (see port()). */
  port: number;
  /** Base URL of the Prometheus server, e.g. http://localhost:9090. */
  serverUrl: string;
  /** Share of requests in [0, 1] that end in a 5xx at the server. */
  errorRatio: number;
  /** Generated requests per second (0: no traffic). */
  requestsPerSecond: number;
  /**
   * Whether the server is ready; ticks before that send nothing, so a
   * starting or restarting server gets no requests it would answer 503
   * (which would count against the SLO). Default: always ready.
   */
  serverReady?: () => boolean;
  clock: Clock;
  logger: Logger;
}

/** A bad error ratio (outside [0, 1] or not a number). */
export class ErrorRatioError extends Error {
  readonly value: string;
  constructor(value: string) {
    super(`invalid error ratio ${JSON.stringify(value)}: want a number in [0, 1]`);
    this.name = "ErrorRatioError";
    this.value = value;
  }
}

/** Parses an error ratio; throws ErrorRatioError. */
export function parseErrorRatio(s: string): number {
  const v = s.trim() === "" ? NaN : Number(s);
  if (!(v >= 0 && v <= 1)) throw new ErrorRatioError(s);
  return v;
}

/** Share of generated queries that are malformed (400 bad_data: not an SLO error). */
const BAD_QUERY_RATIO = 0.02;

/** Good queries the generator cycles through: what a dashboard on the dev stack would ask. */
const QUERIES: readonly string[] = [
  "slo:availability:ratio_rate5m",
  "up",
  'sum by (handler) (rate(prometheus_http_requests_total[5m]))',
  "slo:availability:burn_rate:1h",
  'histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[5m])))',
];

/** What the generator sends next: deterministic shares, so burn rates are steady rather than noisy. */
export const RequestKind = { Query: "query", BadQuery: "bad_query", Failing: "failing" } as const;
export type RequestKind = (typeof RequestKind)[keyof typeof RequestKind];

/**
 * Spreads shares evenly over a request sequence: with errorRatio 0.01
 * exactly every 100th request is failing, not a random 1 %.
 */
export class TrafficMix {
  errorRatio: number;
  readonly badRatio: number;
  #errorAcc: number;
  #badAcc: number;

  constructor(errorRatio: number, badRatio: number) {
    this.errorRatio = errorRatio;
    this.badRatio = badRatio;
    this.#errorAcc = 0;
    this.#badAcc = 0;
  }

  /** The kind of the next request. */
  next(): RequestKind {
    this.#errorAcc += this.errorRatio;
    this.#badAcc += this.badRatio;
    // The epsilon absorbs float drift, so 0.0005 is exactly every 2000th request.
    if (this.#errorAcc >= 1 - 1e-9) {
      this.#errorAcc -= 1;
      return RequestKind.Failing;
    }
    if (this.#badAcc >= 1 - 1e-9) {
      this.#badAcc -= 1;
      return RequestKind.BadQuery;
    }
    return RequestKind.Query;
  }
}

const ROUTES: readonly string[] = ["/", "/metrics", "/api/query", "/api/compact", "/-/error-ratio", "/alerts", "/on-call", "/heartbeat"];

/** The handler label of a request: its route, or "other" for unknown paths (bounded cardinality). */
function handlerOf(path: string): string {
  return ROUTES.includes(path) ? path : "other";
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** The demo service: HTTP server, traffic generator and webhook receiver, with start() and stop(). */
export class DemoService {
  readonly #opts: DemoServiceOptions;
  readonly #registry: Registry;
  readonly #requests: CounterVec;
  readonly #duration: HistogramVec;
  readonly #notifications: CounterVec;
  readonly #mix: TrafficMix;
  readonly #agent: Agent;
  readonly #server: ReturnType<typeof createServer>;
  #timer: Timer | null;
  #seq: number;
  #running: boolean;
  #heartbeatSeen: boolean;

  constructor(opts: DemoServiceOptions) {
    this.#opts = opts;
    this.#registry = new Registry();
    this.#requests = new CounterVec("http_requests_total", "Requests served by the demo service, by status code and handler.", ["code", "handler"]);
    this.#duration = new HistogramVec("http_request_duration_seconds", "Latency of the demo service's requests, by handler.", ["handler"]);
    this.#notifications = new CounterVec("demo_alert_notifications_total", "Alerts received from the Alertmanager's webhooks, by receiver path and status.", ["receiver", "status"]);
    this.#mix = new TrafficMix(opts.errorRatio, BAD_QUERY_RATIO);
    this.#registry.register(this.#requests);
    this.#registry.register(this.#duration);
    this.#registry.register(this.#notifications);
    this.#registry.register(new GaugeFunc("demo_error_ratio", "Share of generated requests that fail with a 5xx at the server.", () => this.#mix.errorRatio));
    // One keep-alive pool for the generator and the gateway, destroyed on stop so no socket outlives the service.
    this.#agent = new Agent({ keepAlive: true, maxSockets: 8 });
    this.#server = createServer((req, res) => {
      this.#serve(req, res);
    });
    this.#timer = null;
    this.#seq = 0;
    this.#running = false;
    this.#heartbeatSeen = false;
  }

  /** The error ratio now in effect. */
  get errorRatio(): number {
    return this.#mix.errorRatio;
  }

  /** The port listened on (after start()). */
  port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Listens and starts the traffic. Rejects when the port is taken. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      const host = this.#opts.host === "" ? undefined : this.#opts.host;
      this.#server.listen(this.#opts.port, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    this.#running = true;
    this.#opts.logger.info("demo service listening", "address", `${this.#opts.host}:${this.port()}`, "server", this.#opts.serverUrl, "error_ratio", this.#mix.errorRatio);
    if (this.#opts.requestsPerSecond > 0) this.#schedule();
  }

  /** Stops the traffic and the server; in-flight requests are cut. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = null;
    this.#agent.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #schedule(): void {
    this.#timer = this.#opts.clock.setTimeout(() => {
      if (!this.#running) return;
      if (this.#opts.serverReady?.() ?? true) this.#generate();
      this.#schedule();
    }, 1000 / this.#opts.requestsPerSecond);
  }

  /** Sends one generated request to this service; outcomes are counted by the service itself. */
  #generate(): void {
    const kind = this.#mix.next();
    let path: string;
    let method = "GET";
    if (kind === RequestKind.Failing) {
      method = "POST";
      path = "/api/compact";
    } else if (kind === RequestKind.BadQuery) path = `/api/query?query=${encodeURIComponent("sum(rate(prometheus_http_requests_total[5m])")}`;
    else path = `/api/query?query=${encodeURIComponent(QUERIES[this.#seq++ % QUERIES.length]!)}`;
    this.#send(method, `http://127.0.0.1:${this.port()}${path}`).catch(() => {
      // The service itself is stopping; nothing to count.
    });
  }

  /** One HTTP request through the shared agent; resolves with the status and body. */
  #send(method: string, url: string): Promise<{ status: number; contentType: string; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method, agent: this.#agent, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (b: Buffer) => chunks.push(b));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? "text/plain"), body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end();
    });
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const start = this.#opts.clock.now();
    const url = new URL(req.url ?? "/", "http://localhost");
    const handler = handlerOf(url.pathname);
    const chunks: Buffer[] = [];
    req.on("data", (b: Buffer) => chunks.push(b));
    req.on("end", () => {
      this.#handle(handler, req.method ?? "GET", url, Buffer.concat(chunks).toString()).then(
        (r) => this.#reply(res, handler, start, r),
        (e: unknown) => this.#reply(res, handler, start, { status: 500, contentType: "text/plain", body: `${(e as Error).message}\n` }),
      );
    });
  }

  #reply(res: ServerResponse, handler: string, start: number, r: Reply): void {
    this.#requests.with(String(r.status), handler).inc();
    this.#duration.with(handler).observe((this.#opts.clock.now() - start) / 1000);
    res.writeHead(r.status, { "Content-Type": r.contentType });
    res.end(r.body);
  }

  async #handle(handler: string, method: string, url: URL, body: string): Promise<Reply> {
    const text = (status: number, s: string): Reply => ({ status, contentType: "text/plain; charset=utf-8", body: s });
    switch (handler) {
      case "/":
        return text(200, "promstack demo service: GET /api/query?query=..., POST /api/compact, POST /-/error-ratio?value=..., GET /metrics\n");
      case "/metrics": {
        const g = await this.#registry.gather();
        return { status: 200, contentType: TEXT_CONTENT_TYPE, body: writeText(g.families) };
      }
      case "/api/query":
        return this.#proxy("GET", `/api/v1/query?query=${encodeURIComponent(url.searchParams.get("query") ?? "")}`);
      case "/api/compact":
        if (method !== "POST") return text(405, "method not allowed\n");
        return this.#proxy("POST", "/api/v1/admin/tsdb/clean_tombstones");
      case "/-/error-ratio": {
        if (method !== "POST" && method !== "PUT") return text(200, `${this.#mix.errorRatio}\n`);
        try {
          this.#mix.errorRatio = parseErrorRatio(url.searchParams.get("value") ?? "");
        } catch (e) {
          if (e instanceof ErrorRatioError) return text(400, `${e.message}\n`);
          throw e;
        }
        this.#opts.logger.info("error ratio changed", "error_ratio", this.#mix.errorRatio, "burn_rate", this.#mix.errorRatio / 0.001);
        return text(200, `${this.#mix.errorRatio}\n`);
      }
      case "/alerts":
      case "/on-call":
      case "/heartbeat":
        if (method !== "POST") return text(405, "method not allowed\n");
        this.#notified(handler, body);
        return text(200, "");
      default:
        return text(404, "404 page not found\n");
    }
  }

  /** Forwards to the server; an unreachable server is a 502 of the demo (and no request at the server). */
  async #proxy(method: string, path: string): Promise<Reply> {
    try {
      const r = await this.#send(method, `${this.#opts.serverUrl}${path}`);
      return { status: r.status, contentType: r.contentType, body: r.body };
    } catch (e) {
      return { status: 502, contentType: "text/plain; charset=utf-8", body: `server unreachable: ${(e as Error).message}\n` };
    }
  }

  /** Logs a webhook notification (the Watchdog heartbeat only the first time: it repeats every minute). */
  #notified(receiver: string, body: string): void {
    let msg: { status?: string; alerts?: Array<{ status?: string; labels?: Record<string, string>; annotations?: Record<string, string> }> };
    try {
      msg = JSON.parse(body) as typeof msg;
    } catch {
      this.#opts.logger.warn("webhook with a body that is not JSON", "receiver", receiver);
      return;
    }
    for (const a of msg.alerts ?? []) {
      const status = a.status ?? msg.status ?? "unknown";
      this.#notifications.with(receiver, status).inc();
      if (receiver === "/heartbeat") {
        if (this.#heartbeatSeen) continue;
        this.#heartbeatSeen = true;
      }
      this.#opts.logger.info("alert notification", "receiver", receiver, "status", status, "alertname", a.labels?.alertname ?? "", "severity", a.labels?.severity ?? "", "summary", a.annotations?.summary ?? "");
    }
  }
}
