/**
 * The HTTP side of a scrape: one undici Agent per scrape pool built from the
 * pool's http client config (TLS, basic auth, authorization, extra headers,
 * redirects), and a GET that enforces the scrape's deadline and body size
 * limit itself and inflates gzip off the main thread (zlib's thread pool).
 */
import { STATUS_CODES } from "node:http";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { Agent, interceptors } from "undici";
import type { Dispatcher } from "undici";
import { configHeaders, tlsOptions } from "../config/index.ts";
import type { HTTPClientConfig } from "../config/index.ts";

const gunzipAsync = promisify(gunzip);

/** Go's http.Client follows at most 10 redirects. */
const MAX_REDIRECTS = 10;

/** The scrape failed because the body reached body_size_limit. */
export class BodySizeLimitError extends Error {
  constructor() {
    super("body size limit exceeded");
    this.name = "BodySizeLimitError";
  }
}

/** The target answered with a status other than 200. */
export class HttpStatusError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number) {
    super(`server returned HTTP status ${statusCode} ${STATUS_CODES[statusCode] ?? ""}`.trimEnd());
    this.name = "HttpStatusError";
    this.statusCode = statusCode;
  }
}

/** The request could not be made or was cut short; the message reads like Go's (`Get "<url>": <cause>`). */
export class ScrapeRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ScrapeRequestError";
  }
}

/** Abort reasons a scrape's signal carries; their messages are Go's context errors. */
export const DEADLINE_EXCEEDED = new Error("context deadline exceeded");
/** The scrape was canceled because its pool stopped. */
export const CONTEXT_CANCELED = new Error("context canceled");

/** A scrape response: its Content-Type and the (inflated) body. */
export interface ScrapeResponse {
  contentType: string;
  body: Uint8Array;
}

// Go's net errors, as they appear after `Get "<url>": `.
function describeNetError(e: unknown, url: URL): string {
  const err = e as { code?: unknown; message?: unknown; cause?: unknown };
  const code = typeof err.code === "string" ? err.code : typeof (err.cause as { code?: unknown } | undefined)?.code === "string" ? (err.cause as { code: string }).code : "";
  const host = url.host;
  switch (code) {
    case "ECONNREFUSED":
      return `dial tcp ${host}: connect: connection refused`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `dial tcp: lookup ${url.hostname}: no such host`;
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "EOF";
    case "EHOSTUNREACH":
      return `dial tcp ${host}: connect: no route to host`;
  }
  return typeof err.message === "string" ? err.message : String(e);
}

/**
 * An HTTP client for one scrape pool. Secrets in files (password_file,
 * credentials_file, header files) are read on every request, as
 * prometheus/common does; TLS files when the client is created.
 * Not supported: oauth2, proxies, HTTP/2 (the pool logs nothing about them).
 */
export class ScrapeHttpClient {
  readonly #cfg: HTTPClientConfig;
  readonly #agent: Agent;
  readonly #dispatcher: Dispatcher;

  /** Throws if a TLS file cannot be read. */
  constructor(cfg: HTTPClientConfig) {
    this.#cfg = cfg;
    const connect = tlsOptions(cfg.tlsConfig);
    // Timeouts are enforced by the scrape's AbortSignal; undici's own would cut long scrapes short.
    this.#agent = new Agent({ connect, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 30_000 });
    this.#dispatcher = cfg.followRedirects ? this.#agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS })) : this.#agent;
  }

  /**
   * GETs url with headers. Resolves with the Content-Type and the body,
   * inflated when the response is gzip-encoded; rejects with HttpStatusError,
   * BodySizeLimitError (when the body reaches bodySizeLimit bytes, 0 for no
   * limit) or ScrapeRequestError (abort reasons become `Get "<url>": <reason>`).
   * The response body is always consumed or destroyed.
   */
  async get(url: string, headers: Record<string, string>, signal: AbortSignal, bodySizeLimit: number): Promise<ScrapeResponse> {
    const u = new URL(url);
    const fail = (e: unknown): never => {
      const why = signal.aborted && signal.reason instanceof Error ? signal.reason.message : describeNetError(e, u);
      throw new ScrapeRequestError(`Get ${JSON.stringify(url)}: ${why}`, { cause: e });
    };
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#dispatcher.request({ origin: u.origin, path: u.pathname + u.search, method: "GET", headers: { ...configHeaders(this.#cfg), ...headers }, signal });
    } catch (e) {
      return fail(e);
    }
    const body = res.body;
    if (res.statusCode !== 200) {
      // Drain (a bounded amount) so the connection can be reused, as upstream's io.Copy to Discard.
      await body.dump().catch(() => undefined);
      throw new HttpStatusError(res.statusCode);
    }
    try {
      const limit = bodySizeLimit > 0 ? bodySizeLimit : Number.MAX_SAFE_INTEGER;
      const gzipped = headerValue(res.headers["content-encoding"]) === "gzip";
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const chunk of body) {
        const b = chunk as Buffer;
        chunks.push(b);
        n += b.length;
        // NOTE: matches Prometheus, which fails when the body reaches (not exceeds) the limit.
        if (!gzipped && n >= limit) throw new BodySizeLimitError();
      }
      let out = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n);
      if (gzipped) out = await inflate(out, limit);
      return { contentType: headerValue(res.headers["content-type"]), body: out };
    } catch (e) {
      if (!body.destroyed) {
        // The aborted stream reports its abort as an error event; nobody else listens any more.
        body.on("error", () => undefined);
        body.destroy();
      }
      if (e instanceof HttpStatusError || e instanceof BodySizeLimitError || e instanceof ScrapeRequestError) throw e;
      // Errors while reading the body are not prefixed with the request, as Go's io.Copy errors are not.
      const why = signal.aborted && signal.reason instanceof Error ? signal.reason.message : describeNetError(e, u);
      throw new ScrapeRequestError(why, { cause: e });
    }
  }

  /** Closes idle connections and the agent. */
  async close(): Promise<void> {
    await this.#agent.close();
  }
}

function headerValue(v: string | string[] | undefined): string {
  if (v === undefined) return "";
  return Array.isArray(v) ? (v[0] ?? "") : v;
}

async function inflate(b: Buffer, limit: number): Promise<Buffer> {
  let out: Buffer;
  try {
    out = await gunzipAsync(b, limit < Number.MAX_SAFE_INTEGER ? { maxOutputLength: limit } : {});
  } catch (e) {
    if ((e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) throw new BodySizeLimitError();
    const code = (e as { code?: unknown }).code;
    if (code === "Z_DATA_ERROR") throw new ScrapeRequestError("gzip: invalid header", { cause: e });
    if (code === "Z_BUF_ERROR") throw new ScrapeRequestError("unexpected EOF", { cause: e });
    throw e;
  }
  if (out.length >= limit) throw new BodySizeLimitError();
  return out;
}
