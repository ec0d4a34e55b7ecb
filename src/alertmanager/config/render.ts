/**
 * configToYAML: the loaded configuration printed back as upstream's
 * Config.String() does (go-yaml v2 Marshal): defaults and inherited global
 * values filled in, struct field order, omitempty, sorted maps, secrets as
 * `<secret>`, go-yaml's quoting. This is `config.original` of
 * /api/v2/status. It follows Alertmanager 0.25, whose amtool reads it back
 * strictly (`amtool config routes`): keys newer than 0.25 appear only when
 * set, webhook URLs are printed as 0.25 printed them (in clear), and the
 * email notifier's default headers are filled in as 0.25 shows them.
 */

import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { formatDuration } from "../../model/index.ts";
import { isZeroTLS } from "../../config/index.ts";
import type { HTTPClientConfig, ProxyConfig, TLSConfig } from "../../config/index.ts";
import { formatMatcher } from "../matchers/index.ts";
import { timeIntervalToYAMLObject } from "../timeinterval/index.ts";
import { renderStruct } from "./fields.ts";
import type { YAMLOut } from "./fields.ts";
import { GLOBAL_FIELDS, RECEIVER_INTEGRATIONS } from "./config.ts";
import type { AlertmanagerConfig, InhibitRuleConfig, NamedTimeInterval, RouteConfig } from "./config.ts";

const SECRET = "<secret>";
const DEFAULT_EMAIL_SUBJECT = '{{ template "email.default.subject" . }}';

class Obj {
  readonly m = new Map<string, unknown>();
  put(k: string, v: unknown): this {
    this.m.set(k, v);
    return this;
  }
  opt(k: string, v: unknown): this {
    if (v === undefined || v === null || v === "" || v === 0 || v === false) return this;
    if (Array.isArray(v) && v.length === 0) return this;
    if (v instanceof Map && v.size === 0) return this;
    this.m.set(k, v);
    return this;
  }
  merge(o: Obj): this {
    for (const [k, v] of o.m) this.m.set(k, v);
    return this;
  }
}

const secret = (s: string): string | null => (s === "" ? null : SECRET);

function sorted<T>(m: ReadonlyMap<string, T> | null, f: (v: T) => unknown): Map<string, unknown> | null {
  if (m === null) return null;
  return new Map([...m.keys()].sort().map((k) => [k, f(m.get(k)!)]));
}

function tls(t: TLSConfig): Map<string, YAMLOut> {
  return new Obj()
    .opt("ca", t.ca)
    .opt("cert", t.cert)
    .opt("key", secret(t.key))
    .opt("ca_file", t.caFile)
    .opt("cert_file", t.certFile)
    .opt("key_file", t.keyFile)
    .opt("ca_ref", t.caRef)
    .opt("cert_ref", t.certRef)
    .opt("key_ref", t.keyRef)
    .opt("server_name", t.serverName)
    .put("insecure_skip_verify", t.insecureSkipVerify)
    .opt("min_version", t.minVersion)
    .opt("max_version", t.maxVersion)
    .opt("next_protos", t.nextProtos).m as Map<string, YAMLOut>;
}

function proxy(p: ProxyConfig): Obj {
  return new Obj()
    .opt("proxy_url", p.proxyURL?.href.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/, "$1xxxxx@") ?? null)
    .opt("no_proxy", p.noProxy)
    .opt("proxy_from_environment", p.proxyFromEnvironment)
    .opt("proxy_connect_header", sorted(p.proxyConnectHeader, (vs) => vs.map(() => SECRET)));
}

/** An HTTP client config printed as prometheus/common marshals it. */
function http(h: HTTPClientConfig): Map<string, YAMLOut> {
  const o = new Obj();
  if (h.basicAuth !== null) {
    const b = h.basicAuth;
    o.put(
      "basic_auth",
      new Obj()
        .put("username", b.username)
        .opt("username_file", b.usernameFile)
        .opt("username_ref", b.usernameRef)
        .opt("password", secret(b.password))
        .opt("password_file", b.passwordFile)
        .opt("password_ref", b.passwordRef).m,
    );
  }
  if (h.authorization !== null) {
    const a = h.authorization;
    o.put("authorization", new Obj().opt("type", a.type).opt("credentials", secret(a.credentials)).opt("credentials_file", a.credentialsFile).opt("credentials_ref", a.credentialsRef).m);
  }
  if (h.oauth2 !== null) {
    const a = h.oauth2;
    o.put(
      "oauth2",
      new Obj()
        .put("client_id", a.clientID)
        .put("client_secret", secret(a.clientSecret))
        .put("client_secret_file", a.clientSecretFile)
        .put("client_secret_ref", a.clientSecretRef)
        .opt("scopes", a.scopes)
        .put("token_url", a.tokenURL)
        .opt("endpoint_params", sorted(a.endpointParams, (v) => v))
        .opt("tls_config", isZeroTLS(a.tlsConfig) ? null : tls(a.tlsConfig))
        .merge(proxy(a)).m,
    );
  }
  // The proxy before follow_redirects: prometheus/common's field order in Alertmanager 0.25.
  o.opt("bearer_token", secret(h.bearerToken))
    .opt("bearer_token_file", h.bearerTokenFile)
    .opt("tls_config", isZeroTLS(h.tlsConfig) ? null : tls(h.tlsConfig))
    .merge(proxy(h))
    .put("follow_redirects", h.followRedirects)
    .put("enable_http2", h.enableHTTP2)
    .opt("http_headers", sorted(h.httpHeaders, (x) => new Obj().opt("values", x.values).opt("secrets", x.secrets?.map(() => SECRET) ?? null).opt("files", x.files).m));
  return o.m as Map<string, YAMLOut>;
}

function route(r: RouteConfig): Map<string, unknown> {
  const o = new Obj()
    .opt("receiver", r.receiver)
    .opt("group_by", r.groupByStr)
    .opt("match", sorted(r.match, (v) => v))
    .opt("match_re", sorted(r.matchRE, (v) => (v === "" ? null : v)))
    .opt("matchers", r.matchers.map(formatMatcher))
    .opt("mute_time_intervals", r.muteTimeIntervals)
    .opt("active_time_intervals", r.activeTimeIntervals)
    .put("continue", r.continue)
    .opt("routes", r.routes.map(route));
  if (r.groupWaitMs !== null) o.put("group_wait", formatDuration(r.groupWaitMs));
  if (r.groupIntervalMs !== null) o.put("group_interval", formatDuration(r.groupIntervalMs));
  if (r.repeatIntervalMs !== null) o.put("repeat_interval", formatDuration(r.repeatIntervalMs));
  return o.m;
}

function inhibitRule(r: InhibitRuleConfig): Map<string, unknown> {
  return new Obj()
    .opt("name", r.name)
    .opt("source_match", sorted(r.sourceMatch, (v) => v))
    .opt("source_match_re", sorted(r.sourceMatchRE, (v) => (v === "" ? null : v)))
    .opt("source_matchers", r.sourceMatchers.map(formatMatcher))
    .opt("target_match", sorted(r.targetMatch, (v) => v))
    .opt("target_match_re", sorted(r.targetMatchRE, (v) => (v === "" ? null : v)))
    .opt("target_matchers", r.targetMatchers.map(formatMatcher))
    .opt("equal", r.equal).m;
}

function namedIntervals(xs: readonly NamedTimeInterval[]): unknown[] {
  return xs.map((x) => new Map<string, unknown>([["name", x.name], ["time_intervals", x.timeIntervals.map(timeIntervalToYAMLObject)]]));
}

/**
 * An email config with upstream's default headers added: building the
 * email notifier fills Subject, To and From into the loaded config's
 * headers, so Config.String() shows them.
 */
function withEmailHeaders(x: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const headers = new Map((x["headers"] as ReadonlyMap<string, string> | null) ?? []);
  if (!headers.has("Subject")) headers.set("Subject", DEFAULT_EMAIL_SUBJECT);
  if (!headers.has("To")) headers.set("To", x["to"] as string);
  if (!headers.has("From")) headers.set("From", x["from"] as string);
  return { ...x, headers };
}

/** The configuration as YAML, secrets hidden, as upstream's Config.String(). */
export function configToYAML(c: AlertmanagerConfig): string {
  const receivers = c.receivers.map((r) => {
    const o = new Obj().put("name", r.name);
    for (const i of RECEIVER_INTEGRATIONS) {
      const list = r[i.key] as ReadonlyArray<Readonly<Record<string, unknown>>>;
      o.opt(i.yamlKey, list.map((x) => renderStruct(i.fields, i.key === "emailConfigs" ? withEmailHeaders(x) : x, http, tls)));
    }
    return o.m;
  });
  const root = new Obj()
    .put("global", renderStruct(GLOBAL_FIELDS, c.global, http, tls))
    .put("route", route(c.route))
    .opt("inhibit_rules", c.inhibitRules.map(inhibitRule))
    .opt("receivers", receivers)
    .put("templates", c.templates)
    .opt("mute_time_intervals", namedIntervals(c.muteTimeIntervals))
    .opt("time_intervals", namedIntervals(c.timeIntervals));
  if (c.tracing !== null) root.put("tracing", c.tracing);
  const doc = new Document(null, { version: "1.1" });
  doc.contents = toNode(root.m) as YAMLMap;
  return doc.toString({ indentSeq: false, lineWidth: 0, nullStr: "null", flowCollectionPadding: false, singleQuote: true });
}

/** Plain values to yaml nodes: Maps become block mappings in insertion order (not YAML 1.1 !!omap). */
function toNode(v: unknown): unknown {
  if (v instanceof Map) {
    const m = new YAMLMap();
    for (const [k, x] of v as Map<string, unknown>) m.items.push(new Pair(toNode(k), toNode(x)));
    return m;
  }
  if (Array.isArray(v)) {
    const s = new YAMLSeq();
    s.items = v.map(toNode);
    return s;
  }
  const s = new Scalar(v ?? null);
  if (typeof v === "string" && resolvesAsNonString(v)) s.type = Scalar.QUOTE_DOUBLE;
  // go-yaml quotes a leading document marker, which yaml leaves plain.
  else if (typeof v === "string" && (v.startsWith("---") || v.startsWith("..."))) s.type = Scalar.QUOTE_SINGLE;
  return s;
}

const YAML11_SPECIAL = new Set([
  "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
  "on", "On", "ON", "off", "Off", "OFF", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
]);
const YAML11_NUMBER = /^[-+]?(?:0b[01]+|0x[0-9a-fA-F]+|0o?[0-7]+|[0-9]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[0-9]+(?::[0-5]?[0-9])+(?:\.[0-9]*)?)$/;
const YAML11_TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]*)?(?:Z|[-+][0-9]{1,2}:[0-9]{2})?)?$/;

/**
 * Whether go-yaml v2 would read `s` unquoted as something other than a
 * string (bool, null, number, timestamp); it prints such strings
 * double-quoted and other strings needing quotes single-quoted.
 */
function resolvesAsNonString(s: string): boolean {
  if (YAML11_SPECIAL.has(s)) return true;
  const plain = s.replaceAll("_", "");
  return YAML11_NUMBER.test(plain) || YAML11_TIMESTAMP.test(s);
}
