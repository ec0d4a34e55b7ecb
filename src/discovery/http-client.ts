/**
 * HTTP requests of service discovery with the common HTTP client
 * configuration (headers and TLS from config's http-request.ts, redirects),
 * on node:http/https.
 */

import { request as httpRequest } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { RequestOptions } from "node:https";
import { HTTPClientError, configHeaders, tlsOptions } from "../config/index.ts";
import type { HTTPClientConfig } from "../config/index.ts";

/** What a request of the discovery HTTP client gets back. */
export interface HTTPResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The User-Agent of discovery requests. */
export const USER_AGENT = "Prometheus/3.5.0 (promstack)";

const MAX_REDIRECTS = 10;

function checkSupported(cfg: HTTPClientConfig): void {
  if (cfg.oauth2 !== null) throw new HTTPClientError("oauth2 is not supported by promstack's discovery HTTP client");
  if (cfg.proxyURL !== null || cfg.proxyFromEnvironment) throw new HTTPClientError("proxies are not supported by promstack's discovery HTTP client");
}

/** Options of one request. */
export interface RequestParams {
  headers?: OutgoingHttpHeaders;
  signal?: AbortSignal;
  /** Aborts the request (headers and body) after this long; 0 = none. */
  timeoutMs?: number;
}

/**
 * Sends a GET to `url` and resolves with the response stream once headers
 * arrive, following redirects when the config allows. The caller consumes
 * or destroys the stream. Rejects with HTTPClientError, a network error or
 * an AbortError.
 */
export async function openGet(url: string, cfg: HTTPClientConfig, params: RequestParams = {}): Promise<IncomingMessage> {
  checkSupported(cfg);
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const res = await once(target, cfg, params);
    const loc = res.headers.location;
    if (cfg.followRedirects && res.statusCode !== undefined && [301, 302, 303, 307, 308].includes(res.statusCode) && loc !== undefined) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new HTTPClientError(`Get "${url}": stopped after ${MAX_REDIRECTS} redirects`);
      target = new URL(loc, target);
      continue;
    }
    return res;
  }
}

function once(u: URL, cfg: HTTPClientConfig, params: RequestParams): Promise<IncomingMessage> {
  const isHTTPS = u.protocol === "https:";
  const headers: OutgoingHttpHeaders = { "user-agent": USER_AGENT, ...configHeaders(cfg), ...params.headers };
  if (u.username !== "" && headers.authorization === undefined) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
  }
  const opts: RequestOptions = { ...(isHTTPS ? tlsOptions(cfg.tlsConfig) : {}), method: "GET", headers };
  if (params.signal !== undefined) opts.signal = params.signal;
  return new Promise((resolve, reject) => {
    const req = (isHTTPS ? httpsRequest : httpRequest)(u, opts, resolve);
    req.on("error", reject);
    if (params.timeoutMs !== undefined && params.timeoutMs > 0) {
      req.setTimeout(params.timeoutMs, () => req.destroy(new HTTPClientError(`Get "${u.href}": context deadline exceeded`)));
    }
    req.end();
  });
}

/** GETs `url` and reads the whole body (see openGet). */
export async function get(url: string, cfg: HTTPClientConfig, params: RequestParams = {}): Promise<HTTPResponse> {
  const res = await openGet(url, cfg, params);
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", headers: res.headers, body: Buffer.concat(chunks) };
}
