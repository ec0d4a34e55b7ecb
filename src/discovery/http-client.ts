/**
 * HTTP requests with the common HTTP client configuration (basic auth,
 * authorization, bearer token files, TLS, extra headers, redirects), on
 * node:http/https. Secrets in files are re-read on every request, so
 * rotated tokens are picked up as upstream's round trippers do.
 */

import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { RequestOptions } from "node:https";
import type { HTTPClientConfig, TLSConfig } from "../config/index.ts";

/** What a request of the discovery HTTP client gets back. */
export interface HTTPResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request the client cannot make with this configuration (unsupported option, unreadable secret file). */
export class HTTPClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HTTPClientError";
  }
}

/** The User-Agent of discovery requests. */
export const USER_AGENT = "Prometheus/3.5.0 (promstack)";

const MAX_REDIRECTS = 10;

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (e) {
    throw new HTTPClientError(`unable to read ${what} file ${path}: ${(e as Error).message}`);
  }
}

/** The Authorization header value of `cfg`, or null. */
export function authorizationHeader(cfg: HTTPClientConfig): string | null {
  if (cfg.basicAuth !== null) {
    const b = cfg.basicAuth;
    const user = b.usernameFile !== "" ? readSecretFile(b.usernameFile, "basic auth username") : b.username;
    const pass = b.passwordFile !== "" ? readSecretFile(b.passwordFile, "basic auth password") : b.password;
    return `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
  }
  if (cfg.authorization !== null) {
    const a = cfg.authorization;
    const cred = a.credentialsFile !== "" ? readSecretFile(a.credentialsFile, "authorization credentials") : a.credentials;
    return `${a.type === "" ? "Bearer" : a.type} ${cred}`;
  }
  if (cfg.bearerTokenFile !== "") return `Bearer ${readSecretFile(cfg.bearerTokenFile, "bearer token")}`;
  if (cfg.bearerToken !== "") return `Bearer ${cfg.bearerToken}`;
  return null;
}

const TLS_VERSIONS: Record<string, "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3"> = { TLS10: "TLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3" };

/** node:tls options for a tls_config. */
export function tlsOptions(t: TLSConfig): RequestOptions {
  const o: RequestOptions = {};
  const pick = (inline: string, file: string, what: string): string | undefined =>
    inline !== "" ? inline : file !== "" ? readSecretFile(file, what) : undefined;
  const ca = pick(t.ca, t.caFile, "CA");
  const cert = pick(t.cert, t.certFile, "client certificate");
  const key = pick(t.key, t.keyFile, "client key");
  if (ca !== undefined) o.ca = ca;
  if (cert !== undefined) o.cert = cert;
  if (key !== undefined) o.key = key;
  if (t.serverName !== "") o.servername = t.serverName;
  if (t.insecureSkipVerify) o.rejectUnauthorized = false;
  o.minVersion = TLS_VERSIONS[t.minVersion === "" ? "TLS12" : t.minVersion];
  if (t.maxVersion !== "") o.maxVersion = TLS_VERSIONS[t.maxVersion];
  return o;
}

/** Every header the config adds (http_headers and Authorization). */
export function configHeaders(cfg: HTTPClientConfig): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = {};
  for (const [name, hv] of cfg.httpHeaders ?? []) {
    const vals = [...(hv.values ?? []), ...(hv.secrets ?? []), ...(hv.files ?? []).map((f) => readSecretFile(f, `header ${name}`))];
    if (vals.length > 0) h[name] = vals;
  }
  const auth = authorizationHeader(cfg);
  if (auth !== null) h.authorization = auth;
  return h;
}

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
