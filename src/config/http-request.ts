/**
 * What an HTTP client configuration (basic auth, authorization, bearer
 * token files, http_headers, tls_config) asks of each request: its
 * headers and TLS options. Secrets in files are read on every call, so
 * rotated credentials are picked up as upstream's round trippers do. The
 * discovery, scrape, notifier, remote and Alertmanager clients share it.
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { HTTPClientConfig, TLSConfig } from "./http-client.ts";

/** A request the client cannot make with its configuration (unsupported option, unreadable secret file). */
export class HTTPClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HTTPClientError";
  }
}

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (e) {
    throw new HTTPClientError(`unable to read ${what} file ${path}: ${(e as Error).message}`);
  }
}

/** The Authorization header value of `cfg`, or null. Throws HTTPClientError for an unreadable secret file. */
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

const TLS_VERSIONS: Readonly<Record<string, "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3">> = { TLS10: "TLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3" };

/** node:tls options of a tls_config (minimum TLS 1.2 unless set, as prometheus/common). Throws HTTPClientError for an unreadable file. */
export function tlsOptions(t: TLSConfig): ConnectionOptions {
  const o: ConnectionOptions = {};
  const pick = (inline: string, file: string, what: string): string | undefined => (inline !== "" ? inline : file !== "" ? readSecretFile(file, what) : undefined);
  const ca = pick(t.ca, t.caFile, "CA");
  const cert = pick(t.cert, t.certFile, "client certificate");
  const key = pick(t.key, t.keyFile, "client key");
  if (ca !== undefined) o.ca = ca;
  if (cert !== undefined) o.cert = cert;
  if (key !== undefined) o.key = key;
  if (t.serverName !== "") o.servername = t.serverName;
  o.rejectUnauthorized = !t.insecureSkipVerify;
  o.minVersion = TLS_VERSIONS[t.minVersion === "" ? "TLS12" : t.minVersion];
  if (t.maxVersion !== "") o.maxVersion = TLS_VERSIONS[t.maxVersion];
  return o;
}

/** Every header the config adds (http_headers, several values as a list, and Authorization). */
export function configHeaders(cfg: HTTPClientConfig): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {};
  for (const [name, hv] of cfg.httpHeaders ?? []) {
    const vals = [...(hv.values ?? []), ...(hv.secrets ?? []), ...(hv.files ?? []).map((f) => readSecretFile(f, `header ${name}`))];
    if (vals.length > 0) h[name] = vals;
  }
  const auth = authorizationHeader(cfg);
  if (auth !== null) h.authorization = auth;
  return h;
}
