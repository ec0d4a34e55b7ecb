import type { HTTPClientConfig } from "../config/index.ts";
import { Agent, configHeaders, request, tlsOptions } from "../config/index.ts";
import { RemoteWriteProtoMsg, WrittenHeader } from "./receiver.ts";

/** Most bytes of an error response body quoted in the error, as upstream's maxErrMsgLen. */
const MAX_ERR_MSG_LEN = 1024;

/** A failed send worth retrying (5xx, network errors, 429 when configured); `retryAfterMs` is the server's Retry-After, or 0. */
export class RecoverableError extends Error {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs = 0) {
    super(message);
    this.name = "RecoverableError";
    this.retryAfterMs = retryAfterMs;
  }
}

/** A send the server refused for good (4xx other than a retried 429): the batch is dropped and counted as failed. */
export class NonRecoverableError extends Error {
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.name = "NonRecoverableError";
    this.status = status;
  }
}

/** What a 2.0 receiver said it wrote (null for 1.0 or when the headers are absent). */
export interface WrittenStats {
  samples: number;
  histograms: number;
  exemplars: number;
}

/** Sends one encoded, compressed write request. */
export interface WriteClient {
  /**
   * POSTs the snappy-compressed body; attempt is 0 for the first try.
   * Rejects with RecoverableError or NonRecoverableError; `signal` aborts
   * the request (a RecoverableError).
   */
  store(body: Uint8Array, attempt: number, signal?: AbortSignal): Promise<WrittenStats | null>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Options of an HTTPWriteClient. */
export interface HTTPWriteClientOptions {
  url: string;
  timeoutMs: number;
  /** `headers` of the remote_write config. */
  headers: ReadonlyMap<string, string> | null;
  httpClientConfig: HTTPClientConfig;
  retryOnRateLimit: boolean;
  protoMsg: RemoteWriteProtoMsg;
  userAgent: string;
}

/**
 * The remote write HTTP client, as Prometheus's remote.Client.Store: POST
 * with Content-Encoding snappy, Content-Type application/x-protobuf (with
 * `;proto=io.prometheus.write.v2.Request` for 2.0),
 * X-Prometheus-Remote-Write-Version (0.1.0 or 2.0.0), the User-Agent,
 * Retry-Attempt on retries, the configured headers and authentication.
 * 2xx succeeds; 5xx, network errors and timeouts are recoverable; 429 is
 * recoverable only with retry_on_http_429; any other status is not.
 */
export class HTTPWriteClient implements WriteClient {
  readonly #o: HTTPWriteClientOptions;
  readonly #agent: Agent;

  constructor(o: HTTPWriteClientOptions) {
    this.#o = o;
    this.#agent = new Agent({ connect: tlsOptions(o.httpClientConfig.tlsConfig) as object, keepAliveTimeout: 30_000 });
  }

  async store(body: Uint8Array, attempt: number, signal?: AbortSignal): Promise<WrittenStats | null> {
    const o = this.#o;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(configHeaders(o.httpClientConfig))) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v : String(v);
    }
    for (const [k, v] of o.headers ?? []) headers[k.toLowerCase()] = v;
    headers["content-encoding"] = "snappy";
    headers["content-type"] = o.protoMsg === RemoteWriteProtoMsg.V1 ? "application/x-protobuf" : `application/x-protobuf;proto=${o.protoMsg}`;
    headers["user-agent"] = o.userAgent;
    headers["x-prometheus-remote-write-version"] = o.protoMsg === RemoteWriteProtoMsg.V1 ? "0.1.0" : "2.0.0";
    if (attempt > 0) headers["retry-attempt"] = String(attempt);
    const u = new URL(o.url);
    if (u.username !== "" && headers.authorization === undefined) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
    }
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(o.url, {
        method: "POST",
        headers,
        body,
        dispatcher: this.#agent,
        signal: signal === undefined ? AbortSignal.timeout(o.timeoutMs) : AbortSignal.any([AbortSignal.timeout(o.timeoutMs), signal]),
      });
    } catch (e) {
      const msg = e instanceof Error ? (e.name === "TimeoutError" ? "context deadline exceeded" : e.message) : String(e);
      throw new RecoverableError(`Post "${o.url}": ${msg}`);
    }
    const status = res.statusCode;
    if (status >= 200 && status < 300) {
      await res.body.dump();
      return o.protoMsg === RemoteWriteProtoMsg.V2 ? writtenStats(res.headers) : null;
    }
    let text = "";
    try {
      text = (await res.body.text()).slice(0, MAX_ERR_MSG_LEN);
    } catch {
      text = "";
    }
    const firstLine = text.split("\n")[0] ?? "";
    const err = `server returned HTTP status ${status} ${statusText(status)}: ${firstLine}`;
    if (status >= 500 && status < 600) throw new RecoverableError(err, retryAfterMs(res.headers["retry-after"]));
    if (status === 429 && o.retryOnRateLimit) throw new RecoverableError(err, retryAfterMs(res.headers["retry-after"]));
    throw new NonRecoverableError(err, status);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function writtenStats(h: Record<string, string | string[] | undefined>): WrittenStats | null {
  const s = header(h, WrittenHeader.Samples);
  if (s === undefined) return null;
  return {
    samples: Number(s) || 0,
    histograms: Number(header(h, WrittenHeader.Histograms) ?? 0) || 0,
    exemplars: Number(header(h, WrittenHeader.Exemplars) ?? 0) || 0,
  };
}

/** Retry-After as seconds or an HTTP date, in ms; 0 when absent or unparsable. */
export function retryAfterMs(v: string | string[] | undefined, now: number = Date.now()): number {
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === "") return 0;
  if (/^\d+$/.test(s.trim())) return Number(s.trim()) * 1000;
  const d = Date.parse(s);
  return Number.isNaN(d) ? 0 : Math.max(0, d - now);
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function statusText(s: number): string {
  return STATUS_TEXT[s] ?? "";
}
