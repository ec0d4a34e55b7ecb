/**
 * The HTTP side of a scrape: one undici Agent per scrape pool built from the
 * pool's http client config (TLS, basic auth, authorization, extra headers,
 * redirects), and a GET that enforces the scrape's deadline and body size
 * limit itself and inflates gzip off the main thread (zlib's thread pool).
 */
import { STATUS_CODES } from "node:http";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { Agent, configHeaders, redirectInterceptor, tlsOptions } from "../config/index.ts";
import type { Dispatcher } from "../config/index.ts";
import { keepShape } from "../util/index.ts";
import { BodyBuffers } from "./body-buffers.ts";
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
  /** Gives the body's buffer back for reuse; the body must not be read afterwards. Absent: nothing to give back. */
  release?: () => void;
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
  readonly #buffers: BodyBuffers;

  /** Throws if a TLS file cannot be read. */
  constructor(cfg: HTTPClientConfig) {
    this.#cfg = cfg;
    const connect = tlsOptions(cfg.tlsConfig);
    // Timeouts are enforced by the scrape's AbortSignal; undici's own would cut long scrapes short.
    this.#agent = new Agent({ connect, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 30_000 });
    this.#dispatcher = cfg.followRedirects ? this.#agent.compose(redirectInterceptor({ maxRedirections: MAX_REDIRECTS })) : this.#agent;
    this.#buffers = new BodyBuffers();
  }

  /**
   * GETs url with headers. Resolves with the Content-Type and the body,
   * inflated when the response is gzip-encoded; rejects with HttpStatusError,
   * BodySizeLimitError (when the body reaches bodySizeLimit bytes, 0 for no
   * limit) or ScrapeRequestError (abort reasons become `Get "<url>": <reason>`).
   * The response body is always consumed (a bounded amount, for a status
   * other than 200) or its connection closed. The body is in a buffer of
   * the client's pool: release() gives it back.
   */
  get(url: string, headers: Record<string, string>, signal: AbortSignal, bodySizeLimit: number): Promise<ScrapeResponse> {
    const u = new URL(url);
    return new Promise<BodyReader>((resolve, reject) => {
      const r = new BodyReader(url, u, signal, bodySizeLimit, this.#buffers, resolve, reject);
      // A reader lives for one request: keep its class's map, and its signal's (see keepShape).
      keepShape(r);
      if (signal.aborted) {
        r.fail(null);
        return;
      }
      signal.addEventListener("abort", r, { once: true });
      try {
        this.#dispatcher.dispatch({ origin: u.origin, path: u.pathname + u.search, method: "GET", headers: { ...configHeaders(this.#cfg), ...headers } }, r);
      } catch (e) {
        r.fail(e);
      }
    }).then(finishBody);
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

/** Bytes of a non-200 response read (and discarded) so its connection can be reused; a longer body closes it (as undici's body.dump()). */
const DRAIN_LIMIT = 128 * 1024;

/**
 * Receives one scrape response through undici's dispatch handler interface
 * (no Readable stream or async iterator per response): the body's chunks
 * are copied as they come into a buffer of the pool (sized by
 * Content-Length when there is one), so no socket read buffer outlives its
 * callback (see BodyBuffers). Settles the get()'s promise once, with itself
 * when the body is complete or with the error (the buffer then goes back);
 * an abort of the scrape's signal settles it at once and closes the
 * connection.
 */
class BodyReader implements Dispatcher.DispatchHandler {
  readonly #url: string;
  readonly #u: URL;
  readonly #signal: AbortSignal;
  readonly #limit: number;
  readonly #resolve: (r: BodyReader) => void;
  readonly #reject: (e: unknown) => void;
  #controller: Dispatcher.DispatchController | null;
  #settled: boolean;
  /** Whether the response's status line arrived: later errors are body read errors. */
  #started: boolean;
  /** The error for a status other than 200: its body is read and discarded, then the get fails with it. */
  #statusErr: HttpStatusError | null;
  readonly #buffers: BodyBuffers;
  /** The body so far is #buf[0, #n): a buffer of #buffers, null before the first byte. */
  #buf: Uint8Array | null;
  #n: number;
  /** The Content-Length of a 200 response, 0 if none: the size of the first buffer taken. */
  #expected: number;
  gzipped: boolean;
  contentType: string;

  constructor(url: string, u: URL, signal: AbortSignal, bodySizeLimit: number, buffers: BodyBuffers, resolve: (r: BodyReader) => void, reject: (e: unknown) => void) {
    this.#url = url;
    this.#u = u;
    this.#signal = signal;
    this.#limit = bodySizeLimit > 0 ? bodySizeLimit : Number.MAX_SAFE_INTEGER;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#controller = null;
    this.#settled = false;
    this.#started = false;
    this.#statusErr = null;
    this.#buffers = buffers;
    this.#buf = null;
    this.#n = 0;
    this.#expected = 0;
    this.gzipped = false;
    this.contentType = "";
  }

  /** The scrape's signal aborted. */
  handleEvent(): void {
    this.fail(null);
  }

  /**
   * Settles with the error e (null: the signal's abort reason) and closes
   * the connection. An error before the response started names the request
   * (`Get "<url>": <cause>`), as Go's client.Do errors do; one while reading
   * the body does not, as Go's io.Copy errors do not. While a non-200
   * response is drained, any error ends the draining and the get fails with
   * the status.
   */
  fail(e: unknown): void {
    if (this.#settled) return;
    const signal = this.#signal;
    let err: unknown = this.#statusErr ?? e;
    if (!(err instanceof HttpStatusError || err instanceof BodySizeLimitError || err instanceof ScrapeRequestError)) {
      const why = signal.aborted && signal.reason instanceof Error ? signal.reason.message : describeNetError(e, this.#u);
      err = this.#started ? new ScrapeRequestError(why, { cause: e ?? signal.reason }) : new ScrapeRequestError(`Get ${JSON.stringify(this.#url)}: ${why}`, { cause: e ?? signal.reason });
    }
    this.#settle();
    this.#abortRequest();
    this.release();
    this.#reject(err);
  }

  #settle(): void {
    this.#settled = true;
    this.#signal.removeEventListener("abort", this);
  }

  #abortRequest(): void {
    const c = this.#controller;
    if (c !== null && !c.aborted) c.abort(this.#signal.aborted && this.#signal.reason instanceof Error ? this.#signal.reason : CONTEXT_CANCELED);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Settled before the request went out (aborted while connecting): do not send it.
    if (this.#settled) this.#abortRequest();
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // NOTE: the raw header Buffers are views of the socket read that also
    // holds the body's start, and undici keeps their array reachable past
    // this response (measured: emptying it is what lets that read die
    // young, see BodyBuffers); the parsed headers are all we use.
    const raw = controller.rawHeaders;
    if (Array.isArray(raw)) raw.length = 0;
    // An informational response (103 Early Hints): the final one follows.
    if (this.#settled || statusCode < 200) return;
    this.#started = true;
    if (statusCode !== 200) {
      // Drain (a bounded amount, within the scrape's deadline) so the connection can be reused, as upstream's io.Copy to Discard.
      this.#statusErr = new HttpStatusError(statusCode);
      return;
    }
    this.gzipped = headerValue(headers["content-encoding"]) === "gzip";
    this.contentType = headerValue(headers["content-type"]);
    const cl = Number(headerValue(headers["content-length"]));
    this.#expected = Number.isSafeInteger(cl) && cl > 0 && cl < this.#limit ? cl : 0;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const n = this.#n + chunk.length;
    this.#n = n;
    if (this.#settled) return;
    if (this.#statusErr !== null) {
      if (n > DRAIN_LIMIT) this.fail(null);
      return;
    }
    // NOTE: matches Prometheus, which fails when the body reaches (not exceeds) the limit.
    if (!this.gzipped && n >= this.#limit) {
      this.fail(new BodySizeLimitError());
      return;
    }
    let buf = this.#buf;
    if (buf === null || n > buf.length) {
      const grown = this.#buffers.take(buf === null ? Math.max(this.#expected, n) : Math.max(2 * buf.length, n));
      if (buf !== null) {
        grown.set(buf.subarray(0, n - chunk.length));
        this.#buffers.give(buf);
      }
      this.#buf = buf = grown;
    }
    buf.set(chunk, n - chunk.length);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settle();
    if (this.#statusErr !== null) this.#reject(this.#statusErr);
    else this.#resolve(this);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  /** The body as received (still gzip-encoded when gzipped): a view of the reader's buffer until release(). */
  body(): Uint8Array {
    return this.#buf === null ? EMPTY_BODY : this.#buf.subarray(0, this.#n);
  }

  /** Gives the body's buffer back to the pool (once). */
  release(): void {
    const b = this.#buf;
    this.#buf = null;
    if (b !== null) this.#buffers.give(b);
  }

  /**
   * Makes bytes (the inflated body) the body: the buffer held so far goes
   * back, and bytes are copied into one of the pool's (zlib's output
   * buffer is then garbage at once).
   */
  replaceBody(bytes: Uint8Array): void {
    this.release();
    const buf = this.#buffers.take(bytes.length);
    buf.set(bytes);
    this.#buf = buf;
    this.#n = bytes.length;
  }

  /** limit for inflate(). */
  get limit(): number {
    return this.#limit;
  }
}

const EMPTY_BODY = new Uint8Array(0);

async function finishBody(r: BodyReader): Promise<ScrapeResponse> {
  if (r.gzipped) {
    try {
      r.replaceBody(await inflate(r.body(), r.limit));
    } catch (e) {
      r.release();
      if (e instanceof BodySizeLimitError || e instanceof ScrapeRequestError) throw e;
      // Errors while reading the body are not prefixed with the request, as Go's io.Copy errors are not.
      throw new ScrapeRequestError(e instanceof Error ? e.message : String(e), { cause: e });
    }
  }
  return { contentType: r.contentType, body: r.body(), release: () => r.release() };
}

async function inflate(b: Uint8Array, limit: number): Promise<Buffer> {
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
