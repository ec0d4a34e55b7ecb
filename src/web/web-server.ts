/**
 * Serving HTTP under a web configuration (`--web.config.file`), as
 * exporter-toolkit's web.Serve: HTTPS when TLS is configured, basic auth on
 * every request when users are configured, the configured headers on every
 * response, and a rate limit. As upstream, the file is re-read when it
 * changes: users and headers apply to the next request, TLS settings and
 * certificates to the next connection.
 */

import { createHash } from "node:crypto";
import { type BigIntStats, readFileSync, statSync } from "node:fs";
import http from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import bcrypt from "bcryptjs";
import { type Clock, type Logger, nopLogger, systemClock } from "../util/index.ts";
import {
  ClientAuthType,
  type TLSServerSettings,
  type WebConfig,
  WebConfigError,
  http2CipherError,
  loadWebConfig,
  tlsEnabled,
  tlsServerSettings,
  validateWebConfig,
} from "./web-config.ts";

/** Collaborators of a web config source. */
export interface WebConfigSourceOptions {
  logger?: Logger;
}

/**
 * File times tick in jiffies on Linux: two writes within this window may
 * leave the same mtime, so a file modified this recently is also hashed.
 */
const RACY_WINDOW_MS = 2000n;

/**
 * A file's identity and version, to notice a change without reading it
 * (except right after a modification, see RACY_WINDOW_MS).
 */
function fileStamp(path: string): string {
  let st: BigIntStats | undefined;
  try {
    st = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return "error";
  }
  if (st === undefined) return "missing";
  const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  if (BigInt(Date.now()) - st.mtimeMs > RACY_WINDOW_MS) return stamp;
  try {
    return `${stamp}:${createHash("sha256").update(readFileSync(path)).digest("base64")}`;
  } catch {
    return `${stamp}:unreadable`;
  }
}

/**
 * A web configuration file, re-read when it changes (a stat per call, a
 * parse only when the file's size, times or inode changed). The
 * constructor loads and fully validates it (passwords, TLS files) and
 * throws WebConfigError, as a daemon refuses to start on a bad file.
 */
export class WebConfigSource {
  /** The file, as given. */
  readonly path: string;
  /** The configuration the daemon started with (decides HTTP vs HTTPS and the rate limit). */
  readonly initial: WebConfig;
  readonly #log: Logger;
  #stamp: string;
  #current: WebConfig;
  #error: WebConfigError | null;
  /** Incremented on every successful reload; lets dependants cache per version. */
  #generation: number;

  constructor(path: string, opts: WebConfigSourceOptions = {}) {
    this.path = path;
    this.#log = opts.logger ?? nopLogger;
    this.#stamp = fileStamp(path);
    this.initial = loadWebConfig(path);
    validateWebConfig(this.initial);
    this.#current = this.initial;
    this.#error = null;
    this.#generation = 0;
  }

  /** A number that changes whenever current() returns a newly loaded configuration. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * The configuration as the file says now. Throws WebConfigError when the
   * file changed and no longer decodes (until it is fixed), as upstream
   * fails each request then.
   */
  current(): WebConfig {
    const stamp = fileStamp(this.path);
    if (stamp !== this.#stamp) {
      this.#stamp = stamp;
      try {
        this.#current = loadWebConfig(this.path);
        this.#error = null;
        this.#generation++;
      } catch (e) {
        this.#error = e instanceof WebConfigError ? e : new WebConfigError(String(e));
        this.#log.error("Unable to parse configuration", "err", this.#error.message);
      }
    }
    if (this.#error !== null) throw this.#error;
    return this.#current;
  }
}

/** What the web configuration decides for one request. */
export interface WebDecision {
  /** 0: serve the request; otherwise answer with this status (401, 429 or 500) and STATUS_TEXT. */
  status: number;
  /** Headers to set on the response, whatever the status (http_server_config.headers, WWW-Authenticate). */
  headers: ReadonlyArray<readonly [string, string]>;
}

/** Go's http.StatusText of the statuses a WebDecision may carry. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  401: "Unauthorized",
  429: "Too Many Requests",
  500: "Internal Server Error",
};

/** The request-level part of a web configuration, for any HTTP stack. */
export interface WebHooks {
  /**
   * Decides a request from its headers (only `authorization` is read).
   * Synchronous when no bcrypt comparison is needed (no users, or a cached
   * result); never rejects.
   */
  check(req: { headers: IncomingHttpHeaders }): WebDecision | Promise<WebDecision>;
}

/** Collaborators of webConfigHooks. */
export interface WebHooksOptions {
  logger?: Logger;
  /** For the rate limiter. */
  clock?: Clock;
}

/**
 * A bcrypt hash of "fakepassword", compared against for unknown users so
 * that timing does not tell which users exist (the hash upstream uses).
 */
const FAKE_HASH = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

/** Entries of the bcrypt result cache; as upstream, a tenth is evicted at random when full. */
const AUTH_CACHE_SIZE = 100;

/**
 * Results of bcrypt comparisons keyed by a digest of (user, hash,
 * password): a changed hash in the file misses the cache. Failures are
 * cached too, as upstream, so that repeated bad passwords cost nothing.
 */
class AuthCache {
  readonly #m: Map<string, boolean>;

  constructor() {
    this.#m = new Map();
  }

  get(key: string): boolean | undefined {
    return this.#m.get(key);
  }

  set(key: string, ok: boolean): void {
    if (this.#m.size >= AUTH_CACHE_SIZE) {
      const keys = [...this.#m.keys()];
      const n = Math.max(1, Math.floor(keys.length / 10));
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(Math.random() * (keys.length - i));
        [keys[i], keys[j]] = [keys[j]!, keys[i]!];
        this.#m.delete(keys[i]!);
      }
    }
    this.#m.set(key, ok);
  }
}

/** golang.org/x/time/rate's token bucket: `burst` tokens, one more every `intervalMs`. */
class RateLimiter {
  readonly #intervalMs: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(intervalMs: number, burst: number, clock: Clock) {
    this.#intervalMs = intervalMs;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  allow(): boolean {
    const now = this.#clock.now();
    if (now > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) / this.#intervalMs);
      this.#last = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** r.BasicAuth() of net/http: user and password of a `Basic` authorization, or null. */
export function parseBasicAuth(authorization: string | undefined): { user: string; password: string } | null {
  if (authorization === undefined || authorization.length < 6 || authorization.slice(0, 6).toLowerCase() !== "basic ") return null;
  const b64 = authorization.slice(6);
  // Go's base64.StdEncoding is strict: padded, standard alphabet only.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) return null;
  const s = Buffer.from(b64, "base64").toString("latin1");
  const i = s.indexOf(":");
  if (i < 0) return null;
  // Bytes to a JS string as UTF-8, as the YAML user names are.
  const utf8 = (x: string): string => Buffer.from(x, "latin1").toString("utf8");
  return { user: utf8(s.slice(0, i)), password: utf8(s.slice(i + 1)) };
}

/**
 * The request checks of a web configuration (exporter-toolkit's
 * webHandler): the rate limit (429), then the configured headers, then
 * basic auth when users are configured (401 with `WWW-Authenticate:
 * Basic`); a configuration file that no longer decodes gives 500.
 * bcrypt comparisons run one at a time, identical concurrent ones share
 * one computation, and results are cached.
 */
export function webConfigHooks(source: WebConfigSource, opts: WebHooksOptions = {}): WebHooks {
  const log = opts.logger ?? nopLogger;
  const rl = source.initial.rateLimit;
  // NOTE: matches upstream, which builds the limiter once at startup.
  const limiter = rl.intervalMs > 0 ? new RateLimiter(rl.intervalMs, rl.burst, opts.clock ?? systemClock) : null;
  const cache = new AuthCache();
  const inflight = new Map<string, Promise<boolean>>();
  let bcryptQueue: Promise<unknown> = Promise.resolve();
  const compare = (password: string, hash: string): Promise<boolean> => {
    const run = bcryptQueue.then(() => bcrypt.compare(password, hash)).catch(() => false);
    bcryptQueue = run;
    return run;
  };
  const unauthorized = (headers: Array<[string, string]>): WebDecision => {
    headers.push(["WWW-Authenticate", "Basic"]);
    return { status: 401, headers };
  };
  return {
    check(req) {
      let c: WebConfig;
      try {
        c = source.current();
      } catch {
        return { status: 500, headers: [] };
      }
      if (limiter !== null && !limiter.allow()) return { status: 429, headers: [] };
      const headers: Array<[string, string]> = [...c.httpServerConfig.headers];
      if (c.basicAuthUsers.size === 0) return { status: 0, headers };
      const auth = parseBasicAuth(req.headers.authorization);
      if (auth === null) return unauthorized(headers);
      const hash = c.basicAuthUsers.get(auth.user);
      const known = hash !== undefined;
      const h = hash ?? FAKE_HASH;
      const key = createHash("sha256").update(JSON.stringify([auth.user, h, auth.password])).digest("base64");
      const cached = cache.get(key);
      if (cached !== undefined) return cached && known ? { status: 0, headers } : unauthorized(headers);
      let p = inflight.get(key);
      if (p === undefined) {
        p = compare(auth.password, h).then((ok) => {
          inflight.delete(key);
          cache.set(key, ok && known);
          if (!ok || !known) log.debug("Basic auth failed", "user", auth.user);
          return ok && known;
        });
        inflight.set(key, p);
      }
      return p.then((ok) => (ok ? { status: 0, headers } : unauthorized(headers)));
    },
  };
}

/**
 * Applies a decision to a node response: sets its headers and, when the
 * request is refused, answers as Go's http.Error (text/plain, the status
 * text and a newline). Returns whether the request should be served.
 */
export function applyWebDecision(d: WebDecision, res: ServerResponse): boolean {
  for (const [k, v] of d.headers) res.setHeader(k, v);
  if (d.status === 0) return true;
  res.statusCode = d.status;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.end(`${STATUS_TEXT[d.status] ?? ""}\n`);
  return false;
}

/** Wraps a node request listener with the request checks of `hooks`. */
export function webHandler(hooks: WebHooks, handler: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const d = hooks.check(req);
    if (!(d instanceof Promise)) {
      if (applyWebDecision(d, res)) handler(req, res);
      return;
    }
    d.then((dd) => {
      if (applyWebDecision(dd, res)) handler(req, res);
    }).catch(() => {
      // The handler threw after an asynchronous check: answer 500 rather than leave the request hanging.
      if (!res.headersSent) applyWebDecision({ status: 500, headers: [] }, res);
      else res.destroy();
    });
  };
}

/** Collaborators of createWebServer. */
export interface WebServerOptions {
  logger?: Logger;
  clock?: Clock;
}

/** The subset of node's tls.Server state read when a connection arrives (requestCert and rejectUnauthorized). */
interface TLSServerPolicy {
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

/** The SANs of a certificate, as Go lists them (DNS, e-mail, IP, URI), from node's subjectAltName text. */
export function certificateSANs(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined) return [];
  const out: string[] = [];
  // Entries are `Type:value` separated by ", "; node quotes values holding separators as JSON strings.
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  while (entry.lastIndex < subjectAltName.length) {
    const start = entry.lastIndex;
    const m = entry.exec(subjectAltName);
    if (m === null || entry.lastIndex === start) break;
    const type = m[1]!;
    let v = m[2]!;
    if (v.startsWith('"')) v = JSON.parse(v) as string;
    if (type === "IP Address" && v.includes(":")) v = new URL(`http://[${v}]/`).hostname.slice(1, -1);
    if (type === "DNS" || type === "email" || type === "IP Address" || type === "URI") out.push(v);
  }
  return out;
}

/**
 * The TLS part of a server: builds settings from the source, rebuilds them
 * when the web config file or a certificate, key or CA file changes
 * (checked when a connection arrives), and applies the client certificate
 * policy once the handshake is done.
 */
class TLSReloader {
  readonly #source: WebConfigSource;
  readonly #log: Logger;
  #stamp: string;
  #settings: TLSServerSettings;

  constructor(source: WebConfigSource, logger: Logger) {
    this.#source = source;
    this.#log = logger;
    this.#stamp = this.#stampOf(source.initial);
    const s = tlsServerSettings(source.initial.tlsServerConfig);
    if (s === null) throw new Error("BUG: TLSReloader without TLS");
    this.#settings = s;
  }

  get settings(): TLSServerSettings {
    return this.#settings;
  }

  #stampOf(c: WebConfig): string {
    const t = c.tlsServerConfig;
    return [this.#source.generation, ...[t.certFile, t.keyFile, t.clientCAFile].map((f) => (f === "" ? "" : fileStamp(f)))].join("|");
  }

  /**
   * Brings the server's secure context up to date for a new connection.
   * Throws WebConfigError when the current files do not make a valid TLS
   * configuration (the connection must be refused, as upstream's
   * GetConfigForClient fails the handshake).
   */
  refresh(server: https.Server): void {
    const c = this.#source.current();
    const stamp = this.#stampOf(c);
    if (stamp === this.#stamp) return;
    const s = tlsServerSettings(c.tlsServerConfig);
    if (s === null) throw new WebConfigError("TLS config is not present");
    server.setSecureContext(s.context);
    // tls.Server reads these two for every new connection.
    const policy = server as unknown as TLSServerPolicy;
    policy.requestCert = s.requestCert;
    policy.rejectUnauthorized = s.rejectUnauthorized;
    this.#settings = s;
    this.#stamp = stamp;
    this.#log.info("TLS configuration reloaded");
  }

  /**
   * What node's handshake does not check: a certificate for
   * RequireAnyClientCert, a valid one when given for
   * VerifyClientCertIfGiven, and client_allowed_sans. Returns the reason
   * to drop the connection, or null.
   */
  verifyPeer(socket: TLSSocket): string | null {
    const s = this.#settings;
    if (!s.requestCert) return null;
    const cert = socket.getPeerX509Certificate();
    if (cert === undefined) {
      if (s.clientAuth === ClientAuthType.RequireAnyClientCert || s.clientAuth === ClientAuthType.RequireAndVerifyClientCert) {
        return "tls: client didn't provide a certificate";
      }
      return null;
    }
    if (s.clientAuth === ClientAuthType.VerifyClientCertIfGiven && !socket.authorized) {
      return `tls: failed to verify certificate: ${String(socket.authorizationError)}`;
    }
    if (s.clientAllowedSans !== null) {
      const sans = certificateSANs(cert.subjectAltName);
      if (!sans.some((v) => s.clientAllowedSans!.includes(v))) {
        return `could not find allowed SANs in client cert, found: [${s.clientAllowedSans.join(" ")}]`;
      }
    }
    return null;
  }
}

/**
 * Creates the daemon's server (not listening yet) for a web configuration:
 * node:http when `source` is null or configures no TLS, node:https
 * otherwise; the request checks of webConfigHooks wrap `handler` when a
 * source is given.
 *
 * TLS: the certificate, key and client CAs are loaded at once; when the
 * web config file or one of those files changes, the next connection
 * gets a rebuilt secure context (server.setSecureContext), which is how
 * upstream's per-handshake reload (GetConfigForClient) shows. Client
 * certificates are requested and verified as client_auth_type says
 * (RequireAndVerifyClientCert in the handshake; RequireAnyClientCert,
 * VerifyClientCertIfGiven and client_allowed_sans right after it, by
 * closing the connection). HTTP/1.1 only: `http2` is accepted, and its
 * cipher check made, but HTTP/2 is not offered.
 *
 * Throws WebConfigError when the TLS settings do not build.
 */
export function createWebServer(source: WebConfigSource | null, handler: RequestListener, opts: WebServerOptions = {}): http.Server | https.Server {
  const log = opts.logger ?? nopLogger;
  if (source === null) return http.createServer(handler);
  const wrapped = webHandler(webConfigHooks(source, { logger: log, ...(opts.clock !== undefined ? { clock: opts.clock } : {}) }), handler);
  if (!tlsEnabled(source.initial.tlsServerConfig)) {
    log.info("TLS is disabled.", "http2", false);
    return http.createServer(wrapped);
  }
  const h2 = http2CipherError(source.initial);
  if (h2 !== null) throw new WebConfigError(h2);
  const tls = new TLSReloader(source, log);
  const s = tls.settings;
  const server = https.createServer({ ...s.context, requestCert: s.requestCert, rejectUnauthorized: s.rejectUnauthorized, ALPNProtocols: ["http/1.1"] }, wrapped);
  server.prependListener("connection", (socket: Socket) => {
    try {
      tls.refresh(server);
    } catch (e) {
      log.error("TLS configuration error, refusing connection", "err", e instanceof Error ? e.message : String(e));
      socket.destroy();
    }
  });
  server.prependListener("secureConnection", (socket: TLSSocket) => {
    const why = tls.verifyPeer(socket);
    if (why === null) return;
    log.debug("TLS client refused", "remote", socket.remoteAddress, "err", why);
    socket.destroy();
  });
  server.on("tlsClientError", (err, socket) => {
    log.debug("TLS handshake error", "remote", socket.remoteAddress, "err", err.message);
  });
  log.info("TLS is enabled.", "http2", false);
  return server;
}
