/**
 * The common HTTP client configuration (prometheus/common config
 * HTTPClientConfig): authentication, TLS, proxy and headers, inlined into
 * scrape configs, remote write/read, Alertmanager configs and several
 * service discovery mechanisms.
 */

import { ConfigError, goQuote } from "./yaml-decode.ts";
import type { Decoder, YNode } from "./yaml-decode.ts";

/**
 * A URL parsed with the leniency of Go's net/url: `localhost:9090` is a URL
 * with scheme "localhost". `href` is the text as written.
 */
export interface ConfigURL {
  readonly href: string;
  readonly scheme: string;
  readonly host: string;
  /** True when the userinfo carries a password (redacted when printed). */
  readonly hasPassword: boolean;
}

/** Parses `s` as Go's url.Parse would; throws ConfigError with its message. */
export function parseURL(s: string): ConfigURL {
  const fail = (why: string): never => {
    throw new ConfigError(`parse ${goQuote(s)}: ${why}`);
  };
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(s)) fail("net/url: invalid control character in URL");
  let rest = s.replace(/#.*$/s, "");
  let scheme = "";
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (m !== null) {
    scheme = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith(":")) {
    fail("missing protocol scheme");
  }
  rest = rest.replace(/\?.*$/s, "");
  let host = "";
  let hasPassword = false;
  if (rest.startsWith("//") && (scheme !== "" || !rest.startsWith("///"))) {
    const end = rest.slice(2).search(/[/]/);
    let authority = end < 0 ? rest.slice(2) : rest.slice(2, 2 + end);
    const at = authority.lastIndexOf("@");
    if (at >= 0) {
      hasPassword = authority.slice(0, at).includes(":");
      authority = authority.slice(at + 1);
    }
    const port = /^(\[[^\]]*\]|[^:]*)(:.*)?$/.exec(authority);
    if (port !== null && port[2] !== undefined && !/^:[0-9]*$/.test(port[2])) {
      fail(`invalid port ${goQuote(port[2])} after host`);
    }
    host = authority;
  } else if (scheme === "") {
    const seg = rest.split("/")[0]!;
    if (seg.includes(":")) fail("first path segment in URL cannot contain colon");
  }
  return { href: s, scheme, host, hasPassword };
}

/** The URL as Prometheus prints it: a password becomes "xxxxx". */
export function redactedURL(u: ConfigURL): string {
  if (!u.hasPassword) return u.href;
  return u.href.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/, "$1xxxxx@");
}

/** `basic_auth`. */
export interface BasicAuth {
  username: string;
  usernameFile: string;
  usernameRef: string;
  /** Secret. */
  password: string;
  passwordFile: string;
  passwordRef: string;
}

/** `authorization`. */
export interface Authorization {
  type: string;
  /** Secret. */
  credentials: string;
  credentialsFile: string;
  credentialsRef: string;
}

/** `tls_config`. minVersion/maxVersion are "" or TLS10..TLS13. */
export interface TLSConfig {
  ca: string;
  cert: string;
  /** Secret. */
  key: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  caRef: string;
  certRef: string;
  keyRef: string;
  serverName: string;
  insecureSkipVerify: boolean;
  minVersion: string;
  maxVersion: string;
  nextProtos: string[] | null;
}

/** Proxy settings, inlined into HTTPClientConfig and OAuth2. */
export interface ProxyConfig {
  proxyURL: ConfigURL | null;
  noProxy: string;
  proxyFromEnvironment: boolean;
  /** Header name to secret values. */
  proxyConnectHeader: Map<string, string[]> | null;
}

/** `oauth2`. */
export interface OAuth2 extends ProxyConfig {
  clientID: string;
  /** Secret. */
  clientSecret: string;
  clientSecretFile: string;
  clientSecretRef: string;
  scopes: string[] | null;
  tokenURL: string;
  endpointParams: Map<string, string> | null;
  tlsConfig: TLSConfig;
}

/** One entry of `http_headers`; `secrets` are hidden when printed. */
export interface HTTPHeader {
  values: string[] | null;
  secrets: string[] | null;
  files: string[] | null;
}

/** The common HTTP client configuration. */
export interface HTTPClientConfig extends ProxyConfig {
  basicAuth: BasicAuth | null;
  authorization: Authorization | null;
  oauth2: OAuth2 | null;
  /** Secret; moved into `authorization` by validation. */
  bearerToken: string;
  bearerTokenFile: string;
  tlsConfig: TLSConfig;
  followRedirects: boolean;
  enableHTTP2: boolean;
  httpHeaders: Map<string, HTTPHeader> | null;
}

/** A zero TLS config. */
export function newTLSConfig(): TLSConfig {
  return {
    ca: "",
    cert: "",
    key: "",
    caFile: "",
    certFile: "",
    keyFile: "",
    caRef: "",
    certRef: "",
    keyRef: "",
    serverName: "",
    insecureSkipVerify: false,
    minVersion: "",
    maxVersion: "",
    nextProtos: null,
  };
}

/** The default HTTP client config: follow redirects, HTTP/2 as given. */
export function newHTTPClientConfig(enableHTTP2 = true): HTTPClientConfig {
  return {
    basicAuth: null,
    authorization: null,
    oauth2: null,
    bearerToken: "",
    bearerTokenFile: "",
    tlsConfig: newTLSConfig(),
    followRedirects: true,
    enableHTTP2,
    proxyURL: null,
    noProxy: "",
    proxyFromEnvironment: false,
    proxyConnectHeader: null,
    httpHeaders: null,
  };
}

/** Whether `c` equals the default client config (used by Kubernetes SD). */
export function isDefaultHTTPClientConfig(c: HTTPClientConfig): boolean {
  return (
    c.basicAuth === null &&
    c.authorization === null &&
    c.oauth2 === null &&
    c.bearerToken === "" &&
    c.bearerTokenFile === "" &&
    isZeroTLS(c.tlsConfig) &&
    c.followRedirects &&
    c.enableHTTP2 &&
    c.proxyURL === null &&
    c.noProxy === "" &&
    !c.proxyFromEnvironment &&
    c.proxyConnectHeader === null &&
    c.httpHeaders === null
  );
}

/** Whether every TLS field is zero (such a block is omitted when printed). */
export function isZeroTLS(t: TLSConfig): boolean {
  return (
    t.ca === "" &&
    t.cert === "" &&
    t.key === "" &&
    t.caFile === "" &&
    t.certFile === "" &&
    t.keyFile === "" &&
    t.caRef === "" &&
    t.certRef === "" &&
    t.keyRef === "" &&
    t.serverName === "" &&
    !t.insecureSkipVerify &&
    t.minVersion === "" &&
    t.maxVersion === "" &&
    t.nextProtos === null
  );
}

const TLS_VERSIONS = new Set(["TLS10", "TLS11", "TLS12", "TLS13"]);

/** Decodes a `url` field; a parse failure aborts like Go's URL.UnmarshalYAML. */
export function decodeURL(d: Decoder, n: YNode): ConfigURL | null {
  const s = d.str(n, "config.URL");
  return s === null ? null : parseURL(s);
}

/** A string-to-string map in document order (`headers`, `params`...). */
export function decodeStringMap(d: Decoder, n: YNode, goType = "map[string]string"): Map<string, string> | null {
  const es = d.entries(n, goType);
  if (es === null) return null;
  const m = new Map<string, string>();
  for (const [k, , v] of es) m.set(k, d.str(v) ?? "");
  return m;
}

/** A list of strings. */
export function decodeStringList(d: Decoder, n: YNode, goType = "[]string"): string[] | null {
  return d.list(n, goType, (e) => d.str(e) ?? "");
}

function decodeTLS(d: Decoder, n: YNode): TLSConfig {
  const t = newTLSConfig();
  const tlsVersion = (v: YNode): string => {
    const s = d.str(v, "config.TLSVersion") ?? "";
    if (!TLS_VERSIONS.has(s)) throw new ConfigError(`unknown TLS version: ${s}`);
    return s;
  };
  return d.checked(
    () => {
      d.struct(n, "config.plain", {
        ca: (v) => (t.ca = d.str(v) ?? ""),
        cert: (v) => (t.cert = d.str(v) ?? ""),
        key: (v) => (t.key = d.str(v, "config.Secret") ?? ""),
        ca_file: (v) => (t.caFile = d.str(v) ?? ""),
        cert_file: (v) => (t.certFile = d.str(v) ?? ""),
        key_file: (v) => (t.keyFile = d.str(v) ?? ""),
        ca_ref: (v) => (t.caRef = d.str(v) ?? ""),
        cert_ref: (v) => (t.certRef = d.str(v) ?? ""),
        key_ref: (v) => (t.keyRef = d.str(v) ?? ""),
        server_name: (v) => (t.serverName = d.str(v) ?? ""),
        insecure_skip_verify: (v) => (t.insecureSkipVerify = d.bool(v) ?? false),
        min_version: (v) => (t.minVersion = d.isNull(v) ? "" : tlsVersion(v)),
        max_version: (v) => (t.maxVersion = d.isNull(v) ? "" : tlsVersion(v)),
        next_protos: (v) => (t.nextProtos = decodeStringList(d, v)),
      });
      return t;
    },
    (t) => {
      if (d.isNull(n)) return;
      validateTLS(t);
    },
  );
}

/** prometheus/common TLSConfig.Validate. Throws ConfigError. */
export function validateTLS(c: TLSConfig): void {
  const count = (...xs: string[]): number => xs.filter((x) => x !== "").length;
  if (count(c.ca, c.caFile, c.caRef) > 1) throw new ConfigError("at most one of ca, ca_file & ca_ref must be configured");
  if (count(c.cert, c.certFile, c.certRef) > 1) throw new ConfigError("at most one of cert, cert_file & cert_ref must be configured");
  if (count(c.key, c.keyFile, c.keyRef) > 1) throw new ConfigError("at most one of key and key_file must be configured");
  const cert = count(c.cert, c.certFile, c.certRef) > 0;
  const key = count(c.key, c.keyFile, c.keyRef) > 0;
  if (cert && !key) throw new ConfigError("exactly one of key or key_file must be configured when a client certificate is configured");
  if (key && !cert) throw new ConfigError("exactly one of cert or cert_file must be configured when a client key is configured");
}

function proxyFields(d: Decoder, p: ProxyConfig): Record<string, (v: YNode) => void> {
  return {
    proxy_url: (v) => (p.proxyURL = decodeURL(d, v)),
    no_proxy: (v) => (p.noProxy = d.str(v) ?? ""),
    proxy_from_environment: (v) => (p.proxyFromEnvironment = d.bool(v) ?? false),
    proxy_connect_header: (v) => {
      const es = d.entries(v, "config.ProxyHeader");
      if (es === null) {
        p.proxyConnectHeader = null;
        return;
      }
      const m = new Map<string, string[]>();
      for (const [k, , vals] of es) m.set(k, decodeStringList(d, vals, "[]config.Secret") ?? []);
      p.proxyConnectHeader = m;
    },
  };
}

/**
 * The field handlers of an inlined HTTP client config, writing into `c`.
 * Merge them into the parent struct's handlers.
 */
export function httpClientFields(d: Decoder, c: HTTPClientConfig): Record<string, (v: YNode) => void> {
  return {
    basic_auth: (v) => {
      if (d.isNull(v)) {
        c.basicAuth = null;
        return;
      }
      const b: BasicAuth = { username: "", usernameFile: "", usernameRef: "", password: "", passwordFile: "", passwordRef: "" };
      d.struct(v, "config.plain", {
        username: (x) => (b.username = d.str(x) ?? ""),
        username_file: (x) => (b.usernameFile = d.str(x) ?? ""),
        username_ref: (x) => (b.usernameRef = d.str(x) ?? ""),
        password: (x) => (b.password = d.str(x, "config.Secret") ?? ""),
        password_file: (x) => (b.passwordFile = d.str(x) ?? ""),
        password_ref: (x) => (b.passwordRef = d.str(x) ?? ""),
      });
      c.basicAuth = b;
    },
    authorization: (v) => {
      if (d.isNull(v)) {
        c.authorization = null;
        return;
      }
      const a: Authorization = { type: "", credentials: "", credentialsFile: "", credentialsRef: "" };
      d.struct(v, "config.Authorization", {
        type: (x) => (a.type = d.str(x) ?? ""),
        credentials: (x) => (a.credentials = d.str(x, "config.Secret") ?? ""),
        credentials_file: (x) => (a.credentialsFile = d.str(x) ?? ""),
        credentials_ref: (x) => (a.credentialsRef = d.str(x) ?? ""),
      });
      c.authorization = a;
    },
    oauth2: (v) => {
      if (d.isNull(v)) {
        c.oauth2 = null;
        return;
      }
      const o: OAuth2 = {
        clientID: "",
        clientSecret: "",
        clientSecretFile: "",
        clientSecretRef: "",
        scopes: null,
        tokenURL: "",
        endpointParams: null,
        tlsConfig: newTLSConfig(),
        proxyURL: null,
        noProxy: "",
        proxyFromEnvironment: false,
        proxyConnectHeader: null,
      };
      d.struct(v, "config.plain", {
        client_id: (x) => (o.clientID = d.str(x) ?? ""),
        client_secret: (x) => (o.clientSecret = d.str(x, "config.Secret") ?? ""),
        client_secret_file: (x) => (o.clientSecretFile = d.str(x) ?? ""),
        client_secret_ref: (x) => (o.clientSecretRef = d.str(x) ?? ""),
        scopes: (x) => (o.scopes = decodeStringList(d, x)),
        token_url: (x) => (o.tokenURL = d.str(x) ?? ""),
        endpoint_params: (x) => (o.endpointParams = decodeStringMap(d, x)),
        tls_config: (x) => (o.tlsConfig = decodeTLS(d, x)),
        ...proxyFields(d, o),
      });
      c.oauth2 = o;
    },
    bearer_token: (v) => (c.bearerToken = d.str(v, "config.Secret") ?? ""),
    bearer_token_file: (v) => (c.bearerTokenFile = d.str(v) ?? ""),
    tls_config: (v) => (c.tlsConfig = decodeTLS(d, v)),
    follow_redirects: (v) => (c.followRedirects = d.bool(v) ?? false),
    enable_http2: (v) => (c.enableHTTP2 = d.bool(v) ?? false),
    ...proxyFields(d, c),
    http_headers: (v) => {
      const es = d.entries(v, "config.Headers");
      if (es === null) {
        c.httpHeaders = null;
        return;
      }
      const m = new Map<string, HTTPHeader>();
      for (const [k, , hv] of es) {
        const h: HTTPHeader = { values: null, secrets: null, files: null };
        d.struct(hv, "config.Header", {
          values: (x) => (h.values = decodeStringList(d, x)),
          secrets: (x) => (h.secrets = decodeStringList(d, x, "[]config.Secret")),
          files: (x) => (h.files = decodeStringList(d, x)),
        });
        m.set(k, h);
      }
      c.httpHeaders = m;
    },
  };
}

/**
 * prometheus/common HTTPClientConfig.Validate: one authentication method,
 * moves `bearer_token(_file)` into `authorization`, defaults the
 * authorization type to Bearer, checks OAuth2 and proxy settings. Throws
 * ConfigError with upstream's messages.
 */
export function validateHTTPClientConfig(c: HTTPClientConfig): void {
  const fail = (m: string): never => {
    throw new ConfigError(m);
  };
  const n = (...xs: string[]): number => xs.filter((x) => x !== "").length;
  if (c.bearerToken !== "" && c.bearerTokenFile !== "") fail("at most one of bearer_token & bearer_token_file must be configured");
  if ((c.basicAuth !== null || c.oauth2 !== null) && (c.bearerToken !== "" || c.bearerTokenFile !== "")) {
    fail("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  }
  if (c.basicAuth !== null && n(c.basicAuth.username, c.basicAuth.usernameFile, c.basicAuth.usernameRef) > 1) {
    fail("at most one of basic_auth username, username_file & username_ref must be configured");
  }
  if (c.basicAuth !== null && n(c.basicAuth.password, c.basicAuth.passwordFile, c.basicAuth.passwordRef) > 1) {
    fail("at most one of basic_auth password, password_file & password_ref must be configured");
  }
  if (c.authorization !== null) {
    const a = c.authorization;
    if (c.bearerToken !== "" || c.bearerTokenFile !== "") fail("authorization is not compatible with bearer_token & bearer_token_file");
    if (n(a.credentials, a.credentialsFile, a.credentialsRef) > 1) fail("at most one of authorization credentials & credentials_file must be configured");
    a.type = a.type.trim();
    if (a.type === "") a.type = "Bearer";
    if (a.type.toLowerCase() === "basic") fail('authorization type cannot be set to "basic", use "basic_auth" instead');
    if (c.basicAuth !== null || c.oauth2 !== null) fail("at most one of basic_auth, oauth2 & authorization must be configured");
  } else {
    if (c.bearerToken !== "") {
      c.authorization = { type: "Bearer", credentials: c.bearerToken, credentialsFile: "", credentialsRef: "" };
      c.bearerToken = "";
    }
    if (c.bearerTokenFile !== "") {
      c.authorization = { type: "Bearer", credentials: "", credentialsFile: c.bearerTokenFile, credentialsRef: "" };
      c.bearerTokenFile = "";
    }
  }
  if (c.oauth2 !== null) {
    const o = c.oauth2;
    if (c.basicAuth !== null) fail("at most one of basic_auth, oauth2 & authorization must be configured");
    if (o.clientID === "") fail("oauth2 client_id must be configured");
    if (o.tokenURL === "") fail("oauth2 token_url must be configured");
    if (n(o.clientSecret, o.clientSecretFile, o.clientSecretRef) > 1) {
      fail("at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured");
    }
  }
  validateProxy(c);
}

function validateProxy(c: ProxyConfig): void {
  const hasURL = c.proxyURL !== null && c.proxyURL.href !== "";
  if (c.proxyConnectHeader !== null && c.proxyConnectHeader.size > 0 && !c.proxyFromEnvironment && !hasURL) {
    throw new ConfigError("if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured");
  }
  if (c.proxyFromEnvironment && hasURL) throw new ConfigError("if proxy_from_environment is configured, proxy_url must not be configured");
  if (c.proxyFromEnvironment && c.noProxy !== "") throw new ConfigError("if proxy_from_environment is configured, no_proxy must not be configured");
  if (c.proxyURL === null && c.noProxy !== "") throw new ConfigError("if no_proxy is configured, proxy_url must also be configured");
}

/** Joins a relative file path with `dir`, as prometheus/common JoinDir. */
export function joinDir(dir: string, path: string): string {
  if (path === "" || path.startsWith("/") || dir === "") return path;
  const joined = `${dir}/${path}`;
  // filepath.Join cleans the result.
  const parts: string[] = [];
  for (const seg of joined.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else parts.push(seg);
  }
  const out = (joined.startsWith("/") ? "/" : "") + parts.join("/");
  return out === "" ? "." : out;
}

/** Makes every relative file path in `c` relative to `dir`. */
export function httpClientSetDirectory(c: HTTPClientConfig, dir: string): void {
  tlsSetDirectory(c.tlsConfig, dir);
  if (c.basicAuth !== null) {
    c.basicAuth.passwordFile = joinDir(dir, c.basicAuth.passwordFile);
    c.basicAuth.usernameFile = joinDir(dir, c.basicAuth.usernameFile);
  }
  if (c.authorization !== null) c.authorization.credentialsFile = joinDir(dir, c.authorization.credentialsFile);
  if (c.oauth2 !== null) {
    c.oauth2.clientSecretFile = joinDir(dir, c.oauth2.clientSecretFile);
    tlsSetDirectory(c.oauth2.tlsConfig, dir);
  }
  if (c.httpHeaders !== null) {
    for (const h of c.httpHeaders.values()) if (h.files !== null) h.files = h.files.map((f) => joinDir(dir, f));
  }
  c.bearerTokenFile = joinDir(dir, c.bearerTokenFile);
}

/** Makes the TLS file paths relative to `dir`. */
export function tlsSetDirectory(t: TLSConfig, dir: string): void {
  t.caFile = joinDir(dir, t.caFile);
  t.certFile = joinDir(dir, t.certFile);
  t.keyFile = joinDir(dir, t.keyFile);
}
