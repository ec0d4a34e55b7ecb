import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, Decoder, joinDir } from "../config/index.ts";
import type { YNode } from "../config/index.ts";
import { parseDuration } from "../model/index.ts";
import { ExitCode, type Streams } from "./io.ts";

/** The `tls_server_config` of a web config file (exporter-toolkit's web.TLSConfig). */
export interface WebTLSConfig {
  cert: string;
  key: string;
  clientCA: string;
  certFile: string;
  keyFile: string;
  clientAuthType: string;
  clientCAFile: string;
  cipherSuites: string[];
  curvePreferences: string[];
  minVersion: string;
  maxVersion: string;
  preferServerCipherSuites: boolean;
  clientAllowedSans: string[] | null;
}

/** A web config file (`--web.config.file`): TLS, HTTP headers, rate limit and basic auth users. */
export interface WebConfig {
  tls: WebTLSConfig;
  http2: boolean;
  /** Extra response headers, in file order. */
  headers: Map<string, string>;
  rateLimit: { burst: number; intervalMs: number };
  /** User name to bcrypt hash, in file order. */
  users: Map<string, string>;
}

/** Go's tls.CipherSuites() names (the secure suites). */
const CIPHER_SUITES = new Set([
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
]);
const CURVES = new Set(["CurveP256", "CurveP384", "CurveP521", "X25519"]);
const TLS_VERSIONS = new Set(["TLS13", "TLS12", "TLS11", "TLS10"]);
const CLIENT_AUTH_TYPES = new Set(["", "NoClientCert", "RequestClientCert", "RequireAnyClientCert", "RequireClientCert", "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"]);

/** Response headers a web config may set, with their allowed values (null: any). */
const EXTRA_HTTP_HEADERS = new Map<string, readonly string[] | null>([
  ["Strict-Transport-Security", null],
  ["X-Content-Type-Options", ["nosniff"]],
  ["X-Frame-Options", ["deny", "sameorigin"]],
  ["X-XSS-Protection", null],
  ["Content-Security-Policy", null],
]);

/** Go's %q of a []string: `["a" "b"]`. */
function goQuoteList(l: readonly string[]): string {
  return `[${l.map((s) => JSON.stringify(s)).join(" ")}]`;
}

/**
 * Reads and decodes a web config file as exporter-toolkit's getConfig
 * (strict YAML, header and socket option checks), resolving certificate
 * paths against the file's directory. Throws the first problem.
 */
export function loadWebConfig(path: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `open ${path}: no such file or directory` : (e as Error).message);
  }
  const { d, root } = Decoder.parse(text);
  const c: WebConfig = {
    tls: {
      cert: "",
      key: "",
      clientCA: "",
      certFile: "",
      keyFile: "",
      clientAuthType: "",
      clientCAFile: "",
      cipherSuites: [],
      curvePreferences: [],
      minVersion: "TLS12",
      maxVersion: "TLS13",
      preferServerCipherSuites: true,
      clientAllowedSans: null,
    },
    http2: true,
    headers: new Map(),
    rateLimit: { burst: 0, intervalMs: 0 },
    users: new Map(),
  };
  const str = (v: YNode): string => d.str(v) ?? "";
  const enumOf = (v: YNode, allowed: ReadonlySet<string>, what: string): string => {
    const s = str(v);
    if (!allowed.has(s)) throw new ConfigError(`unknown ${what}: ${s}`);
    return s;
  };
  d.struct(root, "web.Config", {
    tls_server_config: (v) =>
      d.struct(v, "web.TLSConfig", {
        cert: (x) => (c.tls.cert = str(x)),
        key: (x) => (c.tls.key = str(x)),
        client_ca: (x) => (c.tls.clientCA = str(x)),
        cert_file: (x) => (c.tls.certFile = str(x)),
        key_file: (x) => (c.tls.keyFile = str(x)),
        client_auth_type: (x) => (c.tls.clientAuthType = str(x)),
        client_ca_file: (x) => (c.tls.clientCAFile = str(x)),
        cipher_suites: (x) => (c.tls.cipherSuites = d.list(x, "[]web.Cipher", (e) => enumOf(e, CIPHER_SUITES, "cipher")) ?? []),
        curve_preferences: (x) => (c.tls.curvePreferences = d.list(x, "[]web.Curve", (e) => enumOf(e, CURVES, "curve")) ?? []),
        min_version: (x) => (c.tls.minVersion = enumOf(x, TLS_VERSIONS, "TLS version")),
        max_version: (x) => (c.tls.maxVersion = enumOf(x, TLS_VERSIONS, "TLS version")),
        prefer_server_cipher_suites: (x) => (c.tls.preferServerCipherSuites = d.bool(x) ?? false),
        client_allowed_sans: (x) => (c.tls.clientAllowedSans = d.list(x, "[]string", str)),
      }),
    http_server_config: (v) =>
      d.struct(v, "web.HTTPConfig", {
        http2: (x) => (c.http2 = d.bool(x) ?? false),
        headers: (x) => {
          for (const [k, , val] of d.entries(x, "map[string]string") ?? []) c.headers.set(k, str(val));
        },
      }),
    rate_limit: (v) =>
      d.struct(v, "web.RateLimiterConfig", {
        burst: (x) => (c.rateLimit.burst = d.int(x, "int") ?? 0),
        interval: (x) => {
          try {
            c.rateLimit.intervalMs = parseDuration(str(x));
          } catch (e) {
            throw new ConfigError(`time: invalid duration ${JSON.stringify(str(x))}: ${(e as Error).message}`);
          }
        },
      }),
    basic_auth_users: (v) => {
      for (const [k, , val] of d.entries(v, "map[string]config.Secret") ?? []) c.users.set(k, str(val));
    },
    ip_socket_config: (v) =>
      d.struct(v, "web.IPSocketConfig", {
        ipv4_ttl: (x) => checkRange(d.int(x, "uint8"), 1, 255, "ipv4_ttl"),
        ipv6_hop_limit: (x) => checkRange(d.int(x, "uint8"), 1, 255, "ipv6_hop_limit"),
        dscp: (x) => checkRange(d.int(x, "int"), 0, 63, "dscp"),
      }),
  });
  if (d.errors.length > 0) throw new ConfigError(`yaml: unmarshal errors:\n  ${d.errors.join("\n  ")}`);
  for (const [k, v] of c.headers) {
    const allowed = EXTRA_HTTP_HEADERS.get(k);
    if (allowed === undefined) throw new Error(`HTTP header ${JSON.stringify(k)} can not be configured`);
    if (allowed !== null && !allowed.includes(v)) throw new Error(`invalid value for ${k}. Expected one of: ${goQuoteList(allowed)}, but got: ${JSON.stringify(v)}`);
  }
  const dir = dirname(path);
  c.tls.certFile = joinDir(dir, c.tls.certFile);
  c.tls.keyFile = joinDir(dir, c.tls.keyFile);
  c.tls.clientCAFile = joinDir(dir, c.tls.clientCAFile);
  return c;
}

function checkRange(v: number | null, min: number, max: number, name: string): void {
  if (v !== null && (v < min || v > max)) throw new Error(`${name} must be in range ${min}-${max}, got ${v}`);
}

/**
 * golang.org/x/crypto/bcrypt's Cost: checks that `hash` looks like a
 * bcrypt hash and returns its cost; throws with bcrypt's messages.
 */
export function bcryptCost(hash: string): number {
  if (hash.length < 59) throw new Error("crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  if (hash[0] !== "$") throw new Error(`crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '${hash[0]}'`);
  if (hash[1]! > "2") throw new Error(`crypto/bcrypt: bcrypt algorithm version '${hash[1]}' requested is newer than current version '2'`);
  const n = hash[2] !== "$" ? 4 : 3;
  const costText = hash.slice(n, n + 2);
  if (!/^[+-]?\d+$/.test(costText)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(costText)}: invalid syntax`);
  const cost = Number(costText);
  if (cost < 4 || cost > 31) throw new Error(`crypto/bcrypt: cost ${cost} is outside allowed range (4,31)`);
  return cost;
}

/** Reads a file for the TLS checks with Go's error wording. */
function readTLSFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new Error(what === "" ? `open ${path}: ${why}` : `failed to read ${what} (${path}): open ${path}: ${why}`);
  }
}

/** tls.X509KeyPair's checks: PEM present, parseable, and key matching the certificate. */
function checkKeyPair(certPEM: string, keyPEM: string): void {
  const fail = (m: string): Error => new Error(`failed to load X509KeyPair: ${m}`);
  if (!/-----BEGIN [A-Z0-9 ]*CERTIFICATE-----/.test(certPEM)) throw fail("tls: failed to find any PEM data in certificate input");
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(keyPEM)) throw fail("tls: failed to find any PEM data in key input");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPEM);
  } catch (e) {
    throw fail(`x509: malformed certificate: ${(e as Error).message}`);
  }
  let key;
  try {
    key = createPrivateKey(keyPEM);
  } catch {
    throw fail("tls: failed to parse private key");
  }
  if (!cert.checkPrivateKey(key)) throw fail("tls: private key does not match public key");
}

/**
 * exporter-toolkit's web.Validate: the file decodes, every basic auth
 * password is a bcrypt hash, and a TLS section (when present) names a
 * readable, matching certificate and key and a consistent client auth.
 * Throws the first problem.
 */
export function validateWebConfig(path: string): void {
  const c = loadWebConfig(path);
  for (const hash of c.users.values()) bcryptCost(hash);
  const t = c.tls;
  if (t.certFile === "" && t.cert === "" && t.keyFile === "" && t.key === "" && t.clientCAFile === "" && t.clientCA === "" && t.clientAuthType === "") {
    return; // No TLS configuration: plain HTTP.
  }
  if (t.certFile === "" && t.cert === "") throw new Error("missing one of cert or cert_file");
  if (t.keyFile === "" && t.key === "") throw new Error("missing one of key or key_file");
  const certPEM = t.certFile !== "" ? readTLSFile(t.certFile, "cert_file") : t.cert;
  const keyPEM = t.keyFile !== "" ? readTLSFile(t.keyFile, "key_file") : t.key;
  checkKeyPair(certPEM, keyPEM);
  if (t.clientCAFile !== "") readTLSFile(t.clientCAFile, "");
  if (!CLIENT_AUTH_TYPES.has(t.clientAuthType)) throw new Error(`invalid ClientAuth: ${t.clientAuthType}`);
  const noClientCert = t.clientAuthType === "" || t.clientAuthType === "NoClientCert";
  if ((t.clientCAFile !== "" || t.clientCA !== "") && noClientCert) throw new Error("client CA's have been configured without a Client Auth Policy");
}

/**
 * `promtool check web-config FILE...`: prints `<file> SUCCESS` or
 * `<file> FAILED: <error>` on stderr for each file. Resolves to 1 when
 * any failed, else 0.
 */
export function checkWebConfig(files: readonly string[], io: Streams): ExitCode {
  let failed = false;
  for (const f of files) {
    try {
      validateWebConfig(f);
      io.stderr.write(`${f} SUCCESS\n`);
    } catch (e) {
      io.stderr.write(`${f} FAILED: ${(e as Error).message}\n`);
      failed = true;
    }
  }
  return failed ? ExitCode.Failure : ExitCode.Success;
}
