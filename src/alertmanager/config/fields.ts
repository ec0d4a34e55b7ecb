/**
 * Table-driven decoding and printing of Alertmanager's flat config structs
 * (global, every receiver integration). A spec lists the YAML keys in Go
 * struct order with their kind, default and omitempty-ness; decoding goes
 * through the shared strict go-yaml v2 decoder, printing renders in that
 * order with secrets hidden. Decoded objects use camelCase keys
 * (`api_url_file` -> `apiUrlFile`) and their static type is derived from
 * the spec, so the tables are the single source of truth.
 */

import { ConfigError, goQuote, httpClientFields, isZeroTLS, newHTTPClientConfig, parseURL, validateHTTPClientConfig } from "../../config/index.ts";
import type { Decoder, HTTPClientConfig, TLSConfig, YNode } from "../../config/index.ts";
import { formatDuration, parseDuration } from "../../model/index.ts";

/** Field kinds and their decoded TypeScript types. */
interface KindTypes {
  /** string, "" when absent. */
  str: string;
  /** A secret string, printed as `<secret>`. */
  secret: string;
  /** A *Secret: null when absent, printed as `<secret>` when set. */
  secretPtr: string | null;
  /** An http(s) URL validated at load time. */
  url: string | null;
  /** An http(s) URL printed as `<secret>`. */
  secretURL: string | null;
  /** A secret URL that may be a template (validated only without `{{`). */
  templateURL: string | null;
  bool: boolean;
  boolPtr: boolean | null;
  int: number;
  /** A Go time.Duration ("10s", "1m30s"), in ms. */
  goDuration: number;
  /** A Prometheus model.Duration ("5m", "1d"), in ms. */
  modelDuration: number;
  strMap: Map<string, string> | null;
  /** A map of arbitrary YAML values (PagerDuty details, Jira fields). */
  anyMap: Map<string, unknown> | null;
  strList: string[] | null;
  http: HTTPClientConfig | null;
  tls: TLSConfig | null;
  /** "host:port" (SMTP smarthost); "" when absent. */
  hostport: string;
}

/** A field kind: a scalar kind, a nested struct, or a list of structs. */
export type Kind = keyof KindTypes | { readonly sub: readonly Field[] } | { readonly list: readonly Field[] };

/**
 * One YAML key of a struct. `keep` disables omitempty when printing.
 * `newer` marks a key Alertmanager 0.25 does not know: it is printed only
 * when its value is not the default (`def`, or the zero value), so the
 * printed configuration of a file 0.25 accepts parses in 0.25's amtool.
 * `plain` prints a URL as is (0.25's type for it), not as `<secret>`.
 */
export interface Field {
  readonly key: string;
  readonly kind: Kind;
  readonly def?: string | number | boolean;
  readonly keep?: boolean;
  readonly newer?: boolean;
  readonly plain?: boolean;
}

type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
type ValueOf<K> = K extends keyof KindTypes
  ? KindTypes[K]
  : K extends { readonly sub: infer S extends readonly Field[] }
    ? StructOf<S> | null
    : K extends { readonly list: infer S extends readonly Field[] }
      ? Array<StructOf<S>> | null
      : never;

/** The decoded object type of a spec. */
export type StructOf<S extends readonly Field[]> = { -readonly [F in S[number] as Camel<F["key"]>]: ValueOf<F["kind"]> };

/** `api_url_file` -> `apiUrlFile`. */
export function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The zero/default value of a field. */
function initial(f: Field): unknown {
  const k = f.kind;
  if (typeof k !== "string") return null;
  switch (k) {
    case "str":
    case "secret":
    case "hostport":
      return f.def ?? "";
    case "bool":
      return f.def ?? false;
    case "int":
    case "goDuration":
    case "modelDuration":
      return f.def ?? 0;
    default:
      return null;
  }
}

/** A struct with every field at its default. */
export function defaults<S extends readonly Field[]>(spec: S): StructOf<S> {
  const o: Record<string, unknown> = {};
  for (const f of spec) o[camel(f.key)] = initial(f);
  return o as StructOf<S>;
}

/**
 * Alertmanager's URL check (config/common URL): Go url.Parse, then scheme
 * http or https and a host. Throws ConfigError.
 */
export function validateAMURL(s: string): string {
  const u = parseURL(s);
  if (u.scheme !== "http" && u.scheme !== "https") throw new ConfigError(`unsupported scheme ${goQuote(u.scheme)} for URL`);
  if (u.host === "") throw new ConfigError("missing host for URL");
  return s;
}

/** Go's net.SplitHostPort plus Alertmanager's non-empty port rule. Throws ConfigError. */
export function parseHostPort(s: string): string {
  if (s === "") return "";
  const fail = (why: string): never => {
    throw new ConfigError(`address ${s}: ${why}`);
  };
  let port: string;
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) fail("missing ']' in address");
    if (end + 1 === s.length) fail("missing port in address");
    if (s[end + 1] !== ":") fail("missing port in address");
    port = s.slice(end + 2);
    if (port.includes(":")) fail("too many colons in address");
  } else {
    const i = s.lastIndexOf(":");
    if (i < 0) fail("missing port in address");
    if (s.slice(0, i).includes(":")) fail("too many colons in address");
    port = s.slice(i + 1);
  }
  if (port === "") throw new ConfigError(`address ${goQuote(s)}: port cannot be empty`);
  return s;
}

/** Go's time.ParseDuration for config fields, in ms. Throws ConfigError with Go's message. */
export function parseGoDuration(s: string): number {
  const m = /^([-+]?)((?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h))+|0)$/.exec(s);
  if (m === null) throw new ConfigError(`time: invalid duration ${goQuote(s)}`);
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  let ms = 0;
  for (const p of m[2]!.matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g)) ms += Number(p[1]) * unit[p[2]!]!;
  return m[1] === "-" ? -ms : ms;
}

/** Go's time.Duration.String for a duration in ms ("0s", "1m0s", "1h30m0s", "500ms"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const neg = ms < 0;
  let v = Math.abs(ms);
  let out: string;
  if (v < 1000) {
    out = `${+v.toFixed(6)}ms`;
  } else {
    const h = Math.floor(v / 3.6e6);
    v -= h * 3.6e6;
    const m = Math.floor(v / 6e4);
    v -= m * 6e4;
    const s = `${+(v / 1000).toFixed(9)}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? "-" + out : out;
}

/** Decodes a `tls_config` block (null when absent), validated like prometheus/common. */
export function decodeTLSConfig(d: Decoder, v: YNode): TLSConfig | null {
  if (d.isNull(v)) return null;
  const tmp = newHTTPClientConfig();
  httpClientFields(d, tmp)["tls_config"]!(v);
  return tmp.tlsConfig;
}

/** Decodes an `http_config` block (nil when absent), validated like prometheus/common. */
export function decodeHTTPConfig(d: Decoder, v: YNode): HTTPClientConfig | null {
  if (d.isNull(v)) return null;
  const c = newHTTPClientConfig();
  d.checked(
    () => d.struct(v, "config.plain", httpClientFields(d, c)),
    () => validateHTTPClientConfig(c),
  );
  return c;
}

/** Converts a YAML node into plain JS values (mappings become Maps in document order). */
export function toPlain(d: Decoder, v: YNode): unknown {
  if (v === null || d.isNull(v)) return null;
  const kind = d.shortTag(v);
  if (kind === "!!map") {
    const m = new Map<string, unknown>();
    for (const [k, , x] of d.entries(v, "map[string]interface {}") ?? []) m.set(k, toPlain(d, x));
    return m;
  }
  if (kind === "!!seq") return (d.seq(v, "[]interface {}") ?? []).map((x) => toPlain(d, x));
  const s = d.str(v) ?? "";
  if (kind === "!!bool") return /^(?:y|Y|yes|Yes|YES|on|On|ON|true|True|TRUE)$/.test(s);
  if (kind === "!!int" || kind === "!!float") return Number(s.replaceAll("_", ""));
  return s;
}

/**
 * Decodes a struct of `spec` from `n` into a fresh object with defaults,
 * recording unknown keys and wrong kinds as type errors of Go type
 * `goType` ("config.plain" for Alertmanager's structs).
 */
export function decodeStruct<S extends readonly Field[]>(d: Decoder, n: YNode, spec: S, goType = "config.plain"): StructOf<S> {
  const o = defaults(spec) as Record<string, unknown>;
  const handlers: Record<string, (v: YNode) => void> = {};
  for (const f of spec) {
    const name = camel(f.key);
    handlers[f.key] = (v) => (o[name] = decodeField(d, f, v));
  }
  d.struct(n, goType, handlers);
  return o as StructOf<S>;
}

function decodeField(d: Decoder, f: Field, v: YNode): unknown {
  const k = f.kind;
  if (typeof k !== "string") {
    if ("sub" in k) return d.isNull(v) ? null : decodeStruct(d, v, k.sub);
    return d.list(v, "[]config.plain", (e) => decodeStruct(d, e, k.list));
  }
  switch (k) {
    case "str":
      return d.str(v) ?? "";
    case "secret":
      return d.str(v, "config.Secret") ?? "";
    case "secretPtr":
      return d.str(v, "config.Secret");
    case "hostport":
      return parseHostPort(d.str(v, "config.HostPort") ?? "");
    case "url": {
      const s = d.str(v, "config.URL");
      return s === null ? null : validateAMURL(s);
    }
    case "secretURL": {
      const s = d.str(v, "config.SecretURL");
      return s === null || s === "<secret>" ? s : validateAMURL(s);
    }
    case "templateURL": {
      const s = d.str(v, "config.SecretTemplateURL");
      return s === null || s === "" || s === "<secret>" || s.includes("{{") ? s : validateAMURL(s);
    }
    case "bool":
      return d.bool(v) ?? false;
    case "boolPtr":
      return d.bool(v);
    case "int":
      return d.int(v, "int") ?? 0;
    case "goDuration": {
      const s = d.str(v, "time.Duration");
      return s === null ? 0 : parseGoDuration(s);
    }
    case "modelDuration": {
      const s = d.str(v, "model.Duration");
      if (s === null) return 0;
      try {
        return parseDuration(s);
      } catch (e) {
        throw new ConfigError((e as Error).message);
      }
    }
    case "strMap": {
      const es = d.entries(v, "map[string]string");
      if (es === null) return null;
      return new Map(es.map(([key, , x]) => [key, d.str(x) ?? ""]));
    }
    case "anyMap": {
      const es = d.entries(v, "map[string]interface {}");
      if (es === null) return null;
      return new Map(es.map(([key, , x]) => [key, toPlain(d, x)]));
    }
    case "strList":
      return d.list(v, "[]string", (e) => d.str(e) ?? "");
    case "http":
      return decodeHTTPConfig(d, v);
    case "tls":
      return decodeTLSConfig(d, v);
  }
}

/** Printing: an ordered map; `undefined` entries are left out. */
export type YAMLOut = string | number | boolean | null | YAMLOut[] | Map<string, YAMLOut> | { readonly flow: readonly string[] };

const SECRET = "<secret>";

/** Renders a struct of `spec` in field order with go-yaml's omitempty rules and hidden secrets. */
export function renderStruct(spec: readonly Field[], o: Readonly<Record<string, unknown>>, http: (h: HTTPClientConfig) => Map<string, YAMLOut>, tls: (t: TLSConfig) => Map<string, YAMLOut>): Map<string, YAMLOut> {
  const out = new Map<string, YAMLOut>();
  for (const f of spec) {
    const v = o[camel(f.key)];
    const r = renderField(f, v, http, tls);
    if (r !== undefined) out.set(f.key, r);
  }
  return out;
}

function sortedMap(m: ReadonlyMap<string, unknown>, f: (v: unknown) => YAMLOut): Map<string, YAMLOut> {
  return new Map([...m.keys()].sort().map((k) => [k, f(m.get(k))]));
}

function plainOut(v: unknown): YAMLOut {
  if (v instanceof Map) return sortedMap(v as Map<string, unknown>, plainOut);
  if (Array.isArray(v)) return v.map(plainOut);
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return null;
}

/** Whether a value is its field's default or zero value (for `newer` fields). */
function isDefault(f: Field, v: unknown): boolean {
  if (v === null || v === "" || v === false || v === 0 || v === f.def) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  return f.kind === "tls" && isZeroTLS(v as TLSConfig);
}

function renderField(f: Field, v: unknown, http: (h: HTTPClientConfig) => Map<string, YAMLOut>, tls: (t: TLSConfig) => Map<string, YAMLOut>): YAMLOut | undefined {
  const k = f.kind;
  if (f.newer === true && isDefault(f, v)) return undefined;
  const keep = f.keep === true;
  if (typeof k !== "string") {
    if ("sub" in k) {
      if (v === null) return keep ? new Map() : undefined;
      const m = renderStruct(k.sub, v as Record<string, unknown>, http, tls);
      return m.size === 0 && !keep ? undefined : m;
    }
    const xs = v as Array<Record<string, unknown>> | null;
    if (xs === null || xs.length === 0) return undefined;
    return xs.map((x) => renderStruct(k.list, x, http, tls));
  }
  switch (k) {
    case "str":
    case "hostport":
      return v === "" && !keep ? undefined : (v as string);
    case "secret":
      return v === "" ? (keep ? null : undefined) : SECRET;
    case "secretPtr":
    case "secretURL":
    case "templateURL":
      if (f.plain === true && v !== null) return v as string;
      return v === null ? (keep ? null : undefined) : v === "" ? "" : SECRET;
    case "url":
      return v === null ? (keep ? null : undefined) : (v as string);
    case "bool":
      return v === false && !keep ? undefined : (v as boolean);
    case "boolPtr":
      return v === null ? undefined : (v as boolean);
    case "int":
      return v === 0 && !keep ? undefined : (v as number);
    case "goDuration":
      return v === 0 && !keep ? undefined : formatGoDuration(v as number);
    case "modelDuration":
      return v === 0 && !keep ? undefined : formatDuration(v as number);
    case "strMap":
    case "anyMap": {
      const m = v as Map<string, unknown> | null;
      return m === null || m.size === 0 ? undefined : sortedMap(m, plainOut);
    }
    case "strList": {
      const xs = v as string[] | null;
      return xs === null || xs.length === 0 ? undefined : xs;
    }
    case "http":
      return v === null ? undefined : http(v as HTTPClientConfig);
    case "tls":
      // A zero tls_config is left out, as go-yaml's omitempty does for a zero struct.
      return v === null || (!keep && isZeroTLS(v as TLSConfig)) ? undefined : tls(v as TLSConfig);
  }
}
