/**
 * The exporter-toolkit web configuration (`--web.config.file`) shared by
 * the three daemons: TLS server settings, extra response headers, a rate
 * limit and basic auth users with bcrypt-hashed passwords. Decoding,
 * defaults, validation and error texts follow prometheus/exporter-toolkit's
 * web/tls_config.go and web/handler.go.
 */

import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { SecureContextOptions } from "node:tls";
import { ConfigError, Decoder, goQuote, joinDir } from "../config/index.ts";
import type { YNode } from "../config/index.ts";
import { parseGoDuration } from "../util/index.ts";

/** A web configuration that cannot be loaded or used; the message is exporter-toolkit's. */
export class WebConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebConfigError";
  }
}

/** TLS protocol versions by their web config names (Go's tls.VersionTLS1x). */
export const TLSVersion = {
  TLS10: "TLS10",
  TLS11: "TLS11",
  TLS12: "TLS12",
  TLS13: "TLS13",
} as const;
/** A TLS protocol version name. */
export type TLSVersion = (typeof TLSVersion)[keyof typeof TLSVersion];

/** Node's names of the TLS versions, and their order. */
const NODE_TLS_VERSION = { TLS10: "TLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3" } as const;

/** Client certificate policies (Go's tls.ClientAuthType), by their web config names. */
export const ClientAuthType = {
  NoClientCert: "NoClientCert",
  RequestClientCert: "RequestClientCert",
  RequireAnyClientCert: "RequireAnyClientCert",
  VerifyClientCertIfGiven: "VerifyClientCertIfGiven",
  RequireAndVerifyClientCert: "RequireAndVerifyClientCert",
} as const;
/** A client certificate policy. */
export type ClientAuthType = (typeof ClientAuthType)[keyof typeof ClientAuthType];

/** `tls_server_config`. Paths are already resolved against the web config file's directory. */
export interface TLSServerConfig {
  /** Inline PEM certificate (`cert`), used when certFile is empty. */
  cert: string;
  /** Inline PEM key (`key`), used when keyFile is empty. */
  key: string;
  /** Inline PEM client CAs (`client_ca`), used when clientCAFile is empty. */
  clientCA: string;
  certFile: string;
  keyFile: string;
  /** As written; "" means NoClientCert. Checked when the TLS settings are built. */
  clientAuthType: string;
  clientCAFile: string;
  /** Go cipher suite names (checked against Go's tls.CipherSuites()). */
  cipherSuites: string[];
  /** Go curve names: CurveP256, CurveP384, CurveP521, X25519. */
  curvePreferences: string[];
  /** null: an explicit YAML null, the library default. */
  minVersion: TLSVersion | null;
  maxVersion: TLSVersion | null;
  preferServerCipherSuites: boolean;
  /** null when absent; when set, the client certificate must carry one of these SANs. */
  clientAllowedSans: string[] | null;
}

/** `http_server_config`. */
export interface HTTPServerConfig {
  /** Accepted and validated; promstack serves HTTP/1.1 (see createWebServer). */
  http2: boolean;
  /** Extra response headers, in file order; only the names of EXTRA_HTTP_HEADERS. */
  headers: ReadonlyMap<string, string>;
}

/** `rate_limit`: a token bucket of `burst` tokens refilled one per `intervalMs`; 0 disables it. */
export interface RateLimitConfig {
  burst: number;
  /** Milliseconds (Go time.Duration, which may carry sub-millisecond parts). */
  intervalMs: number;
}

/** A decoded web configuration file. */
export interface WebConfig {
  tlsServerConfig: TLSServerConfig;
  httpServerConfig: HTTPServerConfig;
  rateLimit: RateLimitConfig;
  /** User name to bcrypt hash, in file order; empty: no authentication. */
  basicAuthUsers: ReadonlyMap<string, string>;
}

/** Go's tls.CipherSuites() (the secure suites) and their OpenSSL names; TLS 1.3 suites are not configurable (null). */
const CIPHER_SUITES: ReadonlyMap<string, string | null> = new Map([
  ["TLS_AES_128_GCM_SHA256", null],
  ["TLS_AES_256_GCM_SHA384", null],
  ["TLS_CHACHA20_POLY1305_SHA256", null],
  ["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"],
  ["TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"],
  ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"],
  ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"],
  ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"],
  ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"],
  ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"],
  ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"],
  ["TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"],
  ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"],
]);

/** The suites net/http's HTTP/2 support requires one of when cipher_suites is set. */
const HTTP2_REQUIRED_SUITES = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"];

/** Go's curve names and OpenSSL's. */
const CURVES: ReadonlyMap<string, string> = new Map([
  ["CurveP256", "P-256"],
  ["CurveP384", "P-384"],
  ["CurveP521", "P-521"],
  ["X25519", "X25519"],
]);

/**
 * The response headers a web config may set, with their allowed values
 * (null: any). NOTE: matches exporter-toolkit, which keeps the list closed
 * for consistency across the ecosystem.
 */
export const EXTRA_HTTP_HEADERS: ReadonlyMap<string, readonly string[] | null> = new Map([
  ["Strict-Transport-Security", null],
  ["X-Content-Type-Options", ["nosniff"]],
  ["X-Frame-Options", ["deny", "sameorigin"]],
  ["X-XSS-Protection", null],
  ["Content-Security-Policy", null],
]);

/** A web configuration with every default and nothing set. */
export function defaultWebConfig(): WebConfig {
  return {
    tlsServerConfig: {
      cert: "",
      key: "",
      clientCA: "",
      certFile: "",
      keyFile: "",
      clientAuthType: "",
      clientCAFile: "",
      cipherSuites: [],
      curvePreferences: [],
      minVersion: TLSVersion.TLS12,
      maxVersion: TLSVersion.TLS13,
      preferServerCipherSuites: true,
      clientAllowedSans: null,
    },
    httpServerConfig: { http2: true, headers: new Map() },
    rateLimit: { burst: 0, intervalMs: 0 },
    basicAuthUsers: new Map(),
  };
}

/**
 * Decodes a web configuration (go-yaml v2 UnmarshalStrict: unknown and
 * repeated fields are errors), then checks the headers, as
 * exporter-toolkit's getConfig. Relative file paths are joined to `dir`.
 * Throws WebConfigError.
 */
export function parseWebConfig(text: string, dir: string): WebConfig {
  try {
    return decode(text, dir);
  } catch (e) {
    if (e instanceof ConfigError) throw new WebConfigError(e.message);
    throw e;
  }
}

function decode(text: string, dir: string): WebConfig {
  const { d, root } = Decoder.parse(text);
  const c = defaultWebConfig();
  const t = c.tlsServerConfig;
  const headers = new Map<string, string>();
  const users = new Map<string, string>();
  const str = (v: YNode, goType = "string"): string => d.str(v, goType) ?? "";
  // A custom UnmarshalYAML that unmarshals a string and rejects it aborts decoding with its plain error.
  const named = <T>(v: YNode, goType: string, known: (s: string) => T | undefined, what: string): T | null => {
    if (d.isNull(v)) return null;
    const before = d.errors.length;
    const s = str(v, goType);
    if (d.errors.length > before) return null;
    const r = known(s);
    if (r === undefined) throw new ConfigError(`unknown ${what}: ${s}`);
    return r;
  };
  const tlsVersion = (v: YNode): TLSVersion | null =>
    named(v, "string", (s) => (Object.hasOwn(TLSVersion, s) ? TLSVersion[s as TLSVersion] : undefined), "TLS version");
  const stringMap = (v: YNode, goType: string, into: Map<string, string>, valueType: string): void => {
    for (const [k, kn, val] of d.entries(v, goType) ?? []) {
      // NOTE: matches go-yaml v2's UnmarshalStrict, which rejects duplicate mapping keys.
      if (into.has(k)) d.typeError(kn, `key ${goQuote(k)} already set in map`);
      else into.set(k, str(val, valueType));
    }
  };
  d.struct(root, "web.Config", {
    tls_server_config: (v) =>
      d.struct(v, "web.TLSConfig", {
        cert: (x) => (t.cert = str(x)),
        key: (x) => (t.key = str(x, "config.Secret")),
        client_ca: (x) => (t.clientCA = str(x)),
        cert_file: (x) => (t.certFile = str(x)),
        key_file: (x) => (t.keyFile = str(x)),
        client_auth_type: (x) => (t.clientAuthType = str(x)),
        client_ca_file: (x) => (t.clientCAFile = str(x)),
        cipher_suites: (x) =>
          (t.cipherSuites = (d.list(x, "[]web.Cipher", (e) => named(e, "string", (s) => (CIPHER_SUITES.has(s) ? s : undefined), "cipher")) ?? []).filter(
            (s): s is string => s !== null,
          )),
        curve_preferences: (x) =>
          (t.curvePreferences = (d.list(x, "[]web.Curve", (e) => named(e, "string", (s) => (CURVES.has(s) ? s : undefined), "curve")) ?? []).filter(
            (s): s is string => s !== null,
          )),
        min_version: (x) => (t.minVersion = tlsVersion(x)),
        max_version: (x) => (t.maxVersion = tlsVersion(x)),
        prefer_server_cipher_suites: (x) => (t.preferServerCipherSuites = d.bool(x) ?? false),
        client_allowed_sans: (x) => (t.clientAllowedSans = d.list(x, "[]string", (e) => str(e))),
      }),
    http_server_config: (v) =>
      d.struct(v, "web.HTTPConfig", {
        http2: (x) => (c.httpServerConfig.http2 = d.bool(x) ?? false),
        headers: (x) => stringMap(x, "map[string]string", headers, "string"),
      }),
    rate_limit: (v) =>
      d.struct(v, "web.RateLimiterConfig", {
        burst: (x) => (c.rateLimit.burst = d.int(x, "int") ?? 0),
        interval: (x) => (c.rateLimit.intervalMs = goDurationField(d, x)),
      }),
    basic_auth_users: (v) => stringMap(v, "map[string]config.Secret", users, "config.plain"),
  });
  if (d.errors.length > 0) throw new ConfigError(`yaml: unmarshal errors:\n  ${d.errors.join("\n  ")}`);
  validateHeaders(headers);
  c.httpServerConfig.headers = headers;
  c.basicAuthUsers = users;
  // TLSConfig.SetDirectory.
  t.certFile = joinDir(dir, t.certFile);
  t.keyFile = joinDir(dir, t.keyFile);
  t.clientCAFile = joinDir(dir, t.clientCAFile);
  return c;
}

/**
 * A time.Duration field as go-yaml v2 decodes it: a string through
 * time.ParseDuration, an integer as nanoseconds. Returns milliseconds.
 */
function goDurationField(d: Decoder, n: YNode): number {
  if (d.isNull(n)) return 0;
  const s = d.str(n, "time.Duration");
  if (s === null) return 0;
  const ms = parseGoDuration(s);
  if (ms !== null) return ms;
  const i = d.int(n, "time.Duration");
  return i === null ? 0 : i / 1e6;
}


/** Go's %q of a []string: `["a" "b"]`. */
function goQuoteList(l: readonly string[]): string {
  return `[${l.map(goQuote).join(" ")}]`;
}

/** exporter-toolkit's validateHeaderConfig, over the headers in file order. */
function validateHeaders(headers: ReadonlyMap<string, string>): void {
  for (const [k, v] of headers) {
    if (!EXTRA_HTTP_HEADERS.has(k)) throw new WebConfigError(`HTTP header ${goQuote(k)} can not be configured`);
    const allowed = EXTRA_HTTP_HEADERS.get(k) ?? null;
    if (allowed !== null && !allowed.includes(v)) {
      throw new WebConfigError(`invalid value for ${k}. Expected one of: ${goQuoteList(allowed)}, but got: ${goQuote(v)}`);
    }
  }
}

/** Go's os error text for a failed open/read of `path`. */
function goFileError(path: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    ENOTDIR: "not a directory",
    ELOOP: "too many levels of symbolic links",
  };
  if (err.code === "EISDIR") return `read ${path}: is a directory`;
  return `open ${path}: ${(err.code !== undefined ? why[err.code] : undefined) ?? err.message}`;
}

/** Reads a file as os.ReadFile, throwing WebConfigError with Go's text (prefixed by `what` when given). */
function readFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const msg = goFileError(path, e);
    throw new WebConfigError(what === "" ? msg : `failed to read ${what} (${path}): ${msg}`);
  }
}

/**
 * Reads and decodes a web configuration file (exporter-toolkit's
 * getConfig): relative paths in it resolve against the file's directory.
 * Throws WebConfigError. Does not check passwords or TLS files: see
 * validateWebConfig.
 */
export function loadWebConfig(path: string): WebConfig {
  return parseWebConfig(readFile(path, ""), dirname(path));
}

/**
 * golang.org/x/crypto/bcrypt's Cost: checks that `hash` looks like a bcrypt
 * hash and returns its cost (4..31). Throws WebConfigError with bcrypt's
 * messages.
 */
export function bcryptCost(hash: string): number {
  const b = Buffer.from(hash, "utf8");
  const ch = (i: number): string => String.fromCharCode(b[i]!);
  if (b.length < 59) throw new WebConfigError("crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  if (ch(0) !== "$") throw new WebConfigError(`crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '${ch(0)}'`);
  if (b[1]! > 0x32) throw new WebConfigError(`crypto/bcrypt: bcrypt algorithm version '${ch(1)}' requested is newer than current version '2'`);
  const n = ch(2) === "$" ? 3 : 4;
  const text = b.subarray(n, n + 2).toString("latin1");
  if (!/^[+-]?\d+$/.test(text)) throw new WebConfigError(`strconv.Atoi: parsing ${goQuote(text)}: invalid syntax`);
  const cost = Number(text);
  if (cost < 4 || cost > 31) throw new WebConfigError(`crypto/bcrypt: cost ${cost} is outside allowed range (4,31)`);
  return cost;
}

/** Whether any TLS field is set, i.e. whether the server speaks HTTPS (exporter-toolkit's TLSConfig.IsEnabled). */
export function tlsEnabled(t: TLSServerConfig): boolean {
  return t.certFile !== "" || t.cert !== "" || t.keyFile !== "" || t.key !== "" || t.clientCAFile !== "" || t.clientCA !== "" || t.clientAuthType !== "";
}

/** What a TLS server needs from a web config: the secure context and the client certificate policy. */
export interface TLSServerSettings {
  /** For tls.createSecureContext / https.createServer / server.setSecureContext. */
  context: SecureContextOptions;
  clientAuth: ClientAuthType;
  /** Whether the server asks for a client certificate. */
  requestCert: boolean;
  /** Whether node rejects an unverified or missing client certificate during the handshake. */
  rejectUnauthorized: boolean;
  /** The SANs a client certificate must carry one of; null: any. */
  clientAllowedSans: readonly string[] | null;
}

/** PEM blocks of `text` in order: type and the whole block text. */
function pemBlocks(text: string): Array<{ type: string; pem: string }> {
  const out: Array<{ type: string; pem: string }> = [];
  for (const m of text.matchAll(/-----BEGIN ([^\n-]*)-----\r?\n[\s\S]*?-----END \1-----/g)) out.push({ type: m[1]!, pem: m[0] });
  return out;
}

/** crypto/tls.X509KeyPair's checks and messages: PEM present, parseable, key matching the certificate. */
function x509KeyPair(certPEM: string, keyPEM: string): void {
  const fail = (m: string): WebConfigError => new WebConfigError(`failed to load X509KeyPair: ${m}`);
  const certBlocks = pemBlocks(certPEM);
  const certs = certBlocks.filter((b) => b.type === "CERTIFICATE");
  if (certs.length === 0) {
    if (certBlocks.length === 0) throw fail("tls: failed to find any PEM data in certificate input");
    throw fail(`tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${certBlocks.map((b) => b.type).join(" ")}]`);
  }
  const keyBlocks = pemBlocks(keyPEM);
  const keyBlock = keyBlocks.find((b) => b.type === "PRIVATE KEY" || b.type.endsWith(" PRIVATE KEY"));
  if (keyBlock === undefined) {
    if (keyBlocks.length === 0) throw fail("tls: failed to find any PEM data in key input");
    if (keyBlocks[0]!.type === "CERTIFICATE") throw fail("tls: found a certificate rather than a key in the PEM for the private key");
    throw fail(`tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${keyBlocks.map((b) => b.type).join(" ")}]`);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certs[0]!.pem);
  } catch {
    throw fail("x509: malformed certificate");
  }
  let key;
  try {
    key = createPrivateKey(keyBlock.pem);
  } catch {
    throw fail("tls: failed to parse private key");
  }
  if (!cert.checkPrivateKey(key)) throw fail("tls: private key does not match public key");
}

/** The client auth names and their policy; RequireClientCert is kept for backwards compatibility, as upstream. */
const CLIENT_AUTH: ReadonlyMap<string, ClientAuthType> = new Map([
  ["", ClientAuthType.NoClientCert],
  ["NoClientCert", ClientAuthType.NoClientCert],
  ["RequestClientCert", ClientAuthType.RequestClientCert],
  ["RequireAnyClientCert", ClientAuthType.RequireAnyClientCert],
  ["RequireClientCert", ClientAuthType.RequireAnyClientCert],
  ["VerifyClientCertIfGiven", ClientAuthType.VerifyClientCertIfGiven],
  ["RequireAndVerifyClientCert", ClientAuthType.RequireAndVerifyClientCert],
]);

/**
 * Builds the TLS server settings of a `tls_server_config`, reading the
 * certificate, key and client CA files (exporter-toolkit's
 * ConfigToTLSConfig). Returns null when no TLS field is set (plain HTTP).
 * Throws WebConfigError with upstream's messages.
 */
export function tlsServerSettings(t: TLSServerConfig): TLSServerSettings | null {
  if (!tlsEnabled(t)) return null;
  if (t.certFile === "" && t.cert === "") throw new WebConfigError("missing one of cert or cert_file");
  if (t.keyFile === "" && t.key === "") throw new WebConfigError("missing one of key or key_file");
  const cert = t.certFile !== "" ? readFile(t.certFile, "cert_file") : t.cert;
  const key = t.keyFile !== "" ? readFile(t.keyFile, "key_file") : t.key;
  x509KeyPair(cert, key);
  // NOTE: matches Go's CertPool.AppendCertsFromPEM, which skips whatever is not a certificate.
  let ca: string[] | undefined;
  if (t.clientCAFile !== "") ca = caCerts(readFile(t.clientCAFile, ""));
  else if (t.clientCA !== "") ca = caCerts(t.clientCA);
  const clientAuth = CLIENT_AUTH.get(t.clientAuthType);
  if (clientAuth === undefined) throw new WebConfigError(`invalid ClientAuth: ${t.clientAuthType}`);
  if (ca !== undefined && clientAuth === ClientAuthType.NoClientCert) {
    throw new WebConfigError("client CA's have been configured without a Client Auth Policy");
  }
  if (t.clientAllowedSans !== null && clientAuth !== ClientAuthType.RequireAnyClientCert && clientAuth !== ClientAuthType.RequireAndVerifyClientCert) {
    throw new WebConfigError("client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or RequireAndVerifyClientCert");
  }
  const context: SecureContextOptions = { cert, key, honorCipherOrder: t.preferServerCipherSuites };
  if (ca !== undefined) context.ca = ca;
  // A version of null is Go's zero value: the library default, TLS 1.2 to 1.3 on both sides.
  if (t.minVersion !== null) context.minVersion = NODE_TLS_VERSION[t.minVersion];
  if (t.maxVersion !== null) context.maxVersion = NODE_TLS_VERSION[t.maxVersion];
  // TLS 1.3 suites are not configurable in Go; OpenSSL keeps its TLS 1.3 defaults when none is named.
  const ciphers = t.cipherSuites.map((s) => CIPHER_SUITES.get(s) ?? null).filter((s): s is string => s !== null);
  if (ciphers.length > 0) context.ciphers = ciphers.join(":");
  if (t.curvePreferences.length > 0) context.ecdhCurve = t.curvePreferences.map((c) => CURVES.get(c)!).join(":");
  const verify = clientAuth === ClientAuthType.RequireAndVerifyClientCert;
  return {
    context,
    clientAuth,
    requestCert: clientAuth !== ClientAuthType.NoClientCert,
    rejectUnauthorized: verify,
    clientAllowedSans: t.clientAllowedSans,
  };
}

function caCerts(text: string): string[] {
  return pemBlocks(text)
    .filter((b) => b.type === "CERTIFICATE")
    .map((b) => b.pem);
}

/**
 * The error net/http gives at startup when HTTP/2 is on and cipher_suites
 * lacks the suite HTTP/2 requires; null when fine.
 */
export function http2CipherError(c: WebConfig): string | null {
  const suites = c.tlsServerConfig.cipherSuites;
  if (!c.httpServerConfig.http2 || suites.length === 0 || suites.some((s) => HTTP2_REQUIRED_SUITES.includes(s))) return null;
  return "http2: TLSConfig.CipherSuites is missing an HTTP/2-required AES_128_GCM_SHA256 cipher (need at least one of TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)";
}

/**
 * Checks what a daemon checks at startup beyond decoding: every password
 * is a bcrypt hash, and the TLS settings (files, key pair, client auth)
 * build. Throws WebConfigError.
 */
export function validateWebConfig(c: WebConfig): void {
  for (const hash of c.basicAuthUsers.values()) bcryptCost(hash);
  tlsServerSettings(c.tlsServerConfig);
}

/**
 * exporter-toolkit's web.Validate, for `promtool check web-config`: loads
 * the file and validates it. An empty path is valid (no web config).
 * Throws WebConfigError with upstream's message.
 */
export function checkWebConfigFile(path: string): void {
  if (path === "") return;
  validateWebConfig(loadWebConfig(path));
}
