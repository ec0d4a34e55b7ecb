// Prometheus's template functions (prometheus/template/template.go) and the
// expansion of alerting rule annotations and labels.

import { isIP } from "node:net";
import { compileAnchoredRE2, parseDuration } from "../model/index.ts";
import type { Labels } from "../model/index.ts";
import { formatFloatG } from "../util/index.ts";
import { sprintf } from "./fmt.ts";
import { defineFunc, queryEscape } from "./funcs.ts";
import type { CustomParamType, FuncMap } from "./funcs.ts";
import { MissingKey, Template } from "./template.ts";
import { GoDuration, GoTime } from "./time.ts";
import { compareStrings, stringMap, TypedMap, typeName } from "./value.ts";

/** One sample of a query result as templates see it: `.Labels` (map[string]string) and `.Value`. */
export class TemplateSample {
  readonly Labels: TypedMap<string>;
  readonly Value: number;

  constructor(labels: TypedMap<string>, value: number) {
    this.Labels = labels;
    this.Value = value;
  }

  /** The Go type name, for messages. */
  get goTypeName(): string {
    return "*template.sample";
  }
}

/** A query result (Go's queryResult, a []*sample): an array that names its Go type in messages. */
export class QueryResult extends Array<TemplateSample> {
  /** The Go type name, for messages. */
  get goTypeName(): string {
    return "template.queryResult";
  }
}

/** One element of an instant vector returned by a PromQL query. */
export interface QuerySample {
  readonly metric: Labels;
  readonly value: number;
}

/** Runs a PromQL instant query at tMs (milliseconds); rejects with the query's error. */
export type TemplateQueryFunc = (query: string, tMs: number) => Promise<readonly QuerySample[]>;

/** Options of prometheusFuncs. */
export interface PrometheusFuncsOptions {
  /** Runs `query` (and what `now` returns). */
  readonly query: TemplateQueryFunc;
  /** The evaluation time in milliseconds. */
  readonly tMs: number;
  /** Prometheus's --web.external-url (for externalURL and pathPrefix). */
  readonly externalURL: URL;
}

const sampleType: CustomParamType = { name: "*template.sample", accepts: (v) => v instanceof TemplateSample };
const queryResultType: CustomParamType = {
  name: "template.queryResult",
  accepts: (v) => Array.isArray(v) && v.every((e) => e instanceof TemplateSample),
};

function labelsMap(l: Labels): TypedMap<string> {
  return stringMap(l.names.map((n, i): [string, string] => [n, l.values[i]!]));
}

/** Go's strconv.ParseFloat(s, 64), with its error texts. */
export function parseGoFloat(s: string): number {
  const fail = (why: string): Error => new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: ${why}`);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special !== null) {
    if (special[2]!.toLowerCase() === "nan") {
      if (special[1] !== "") throw fail("invalid syntax");
      return NaN;
    }
    return special[1] === "-" ? -Infinity : Infinity;
  }
  let v: number;
  const hex = /^([+-]?)0[xX]((?:_?[0-9a-fA-F])*)(?:\.((?:[0-9a-fA-F]_?)*))?[pP]([+-]?[0-9](?:_?[0-9])*)$/.exec(s);
  if (hex !== null) {
    const intPart = hex[2]!.replace(/_/g, "");
    const frac = (hex[3] ?? "").replace(/_/g, "");
    if (intPart === "" && frac === "") throw fail("invalid syntax");
    v = parseInt(intPart + frac || "0", 16) * 2 ** (Number(hex[4]!.replace(/_/g, "")) - 4 * frac.length);
    if (hex[1] === "-") v = -v;
  } else {
    if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) throw fail("invalid syntax");
    v = Number(s);
  }
  if (!Number.isFinite(v)) throw fail("value out of range");
  return v;
}

/** Prometheus's convertToFloat: float64, int, numeric strings and durations (as seconds). */
function convertToFloat(i: unknown): number {
  if (typeof i === "number") return i;
  if (typeof i === "string") return parseGoFloat(i);
  if (typeof i === "bigint") return Number(i);
  if (i instanceof GoDuration) return i.Seconds();
  throw new Error(`can't convert ${typeName(i)} to float`);
}

const g4 = (v: number): string => sprintf("%.4g", [v]);

function humanize(i: unknown): string {
  let v = convertToFloat(i);
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  if (Math.abs(v) >= 1) {
    let prefix = "";
    for (const p of ["k", "M", "G", "T", "P", "E", "Z", "Y"]) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  let prefix = "";
  for (const p of ["m", "u", "n", "p", "f", "a", "z", "y"]) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix;
}

function humanize1024(i: unknown): string {
  let v = convertToFloat(i);
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = "";
  for (const p of ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"]) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

function humanizeDuration(i: unknown): string {
  let v = convertToFloat(i);
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return g4(v) + "s";
  if (Math.abs(v) >= 1) {
    let sign = "";
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    const duration = Math.trunc(v);
    const seconds = duration % 60;
    const minutes = Math.trunc(duration / 60) % 60;
    const hours = Math.trunc(duration / 3600) % 24;
    const days = Math.trunc(duration / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = "";
  for (const p of ["m", "u", "n", "p", "f", "a", "z", "y"]) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

// floatToTime: seconds to a time at millisecond precision, as model.TimeFromUnixNano does.
function floatToTime(v: number): GoTime {
  const ns = v * 1e9;
  if (ns > 9223372036854775807 || ns < -9223372036854775808) {
    throw new Error(`${formatFloatG(v)} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  const ms = BigInt(Math.trunc(ns)) / 1_000_000n;
  return new GoTime(ms * 1_000_000n);
}

// Go's strings.Title-like titling as golang.org/x/text/cases does it with
// NoLower: the first letter of each word is upper-cased, the rest is kept.
// Word characters are letters, digits, '_', and ' . : between letters.
function title(s: string): string {
  const chars = [...s];
  const isWord = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}\p{M}_]/u.test(c);
  let out = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const prev = chars[i - 1];
    let inWord = isWord(prev);
    if (!inWord && prev !== undefined && "'.:\u00b7\u2019".includes(prev) && isWord(chars[i - 2]) && /\p{L}/u.test(c)) {
      inWord = true;
    }
    out += !inWord && /\p{L}/u.test(c) ? upperRune(c) : c;
  }
  return out;
}

// Per-rune case mapping as Go's unicode.ToUpper/ToLower: a rune maps to one rune.
function upperRune(c: string): string {
  const u = c.toUpperCase();
  return [...u].length === 1 ? u : c;
}
function lowerRune(c: string): string {
  const l = c.toLowerCase();
  return [...l].length === 1 ? l : c;
}

/** An unanchored RE2 regexp (Go's regexp.Compile: `.` does not match newline); throws Go's parse errors. */
function compileRE2(pattern: string, flags: string): RegExp {
  let anchored: RegExp;
  try {
    anchored = compileAnchoredRE2("(?-s)" + pattern);
  } catch (e) {
    throw new Error((e as Error).message.replace("`(?-s)", "`"));
  }
  // compileAnchoredRE2 gives ^(?:...)$; the body alone is the unanchored regexp.
  return new RegExp(anchored.source.slice(4, -2), "u" + flags);
}

// Go's Regexp.Expand of a template: $1, $name, ${1}, ${name}, $$; the
// longest name wins ("$1x" is the group named "1x", usually empty).
function expandReplacement(tmpl: string, m: RegExpExecArray): string {
  let out = "";
  for (let i = 0; i < tmpl.length; i++) {
    const c = tmpl[i]!;
    if (c !== "$" || i + 1 >= tmpl.length) {
      out += c;
      continue;
    }
    if (tmpl[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (tmpl[i + 1] === "{") {
      const close = tmpl.indexOf("}", i + 2);
      name = close < 0 ? "" : tmpl.slice(i + 2, close);
      if (close < 0 || !/^[A-Za-z0-9_]+$/.test(name)) {
        out += c;
        continue;
      }
      end = close + 1;
    } else {
      const r = /^[A-Za-z0-9_]+/.exec(tmpl.slice(i + 1));
      if (r === null) {
        out += c;
        continue;
      }
      name = r[0];
      end = i + 1 + name.length;
    }
    if (/^[0-9]+$/.test(name)) out += m[Number(name)] ?? "";
    else out += m.groups?.[name] ?? "";
    i = end - 1;
  }
  return out;
}

/** Go's Regexp.ReplaceAllString: empty matches right after a previous match are skipped. */
function reReplaceAll(pattern: string, repl: string, text: string): string {
  const re = compileRE2(pattern, "g");
  let out = "";
  let last = 0;
  let prevMatchEnd = -1;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[0].length === 0) {
      re.lastIndex = end + (text.codePointAt(end)! > 0xffff ? 2 : 1);
      if (start === prevMatchEnd) continue;
    }
    out += text.slice(last, start) + expandReplacement(repl, m);
    last = end;
    prevMatchEnd = end;
    if (end > text.length) break;
  }
  return out + text.slice(last);
}

// Go's net.SplitHostPort.
function splitHostPort(hostport: string): { host: string; port: string } | null {
  const i = hostport.lastIndexOf(":");
  if (i < 0) return null;
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === "[") {
    const end = hostport.indexOf("]");
    if (end < 0) return null;
    if (end + 1 === hostport.length) return null;
    if (end + 1 !== i) return null;
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(":")) return null;
  }
  if (hostport.indexOf("[", j) >= 0) return null;
  if (hostport.indexOf("]", k) >= 0) return null;
  return { host, port: hostport.slice(i + 1) };
}

function joinHostPort(host: string, port: string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function graphLink(expr: string, tab: number): string {
  return `/graph?g0.expr=${queryEscape(expr)}&g0.tab=${tab}`;
}

/**
 * Go's url.URL.String of Prometheus's external URL. WHATWG URLs always have
 * a path of at least "/", where Go keeps an empty path empty (Prometheus
 * trims the external URL's trailing slash), so a root path prints as none.
 */
function urlString(u: URL): string {
  if (u.pathname === "/" && u.search === "" && u.hash === "") return u.href.slice(0, -1);
  return u.href;
}

/**
 * Prometheus's template functions for alerting rules and consoles:
 * query, first, label, value, strvalue, args, reReplaceAll, safeHtml, match,
 * title, toUpper, toLower, graphLink, tableLink, sortByLabel, stripPort,
 * stripDomain, humanize, humanize1024, humanizeDuration, humanizePercentage,
 * humanizeTimestamp, toTime, toDuration, now, pathPrefix, externalURL,
 * parseDuration, urlQueryEscape. Numeric functions accept numbers, ints,
 * numeric strings and durations.
 */
export function prometheusFuncs(opts: PrometheusFuncsOptions): FuncMap {
  const extPath = opts.externalURL.pathname === "/" ? "" : opts.externalURL.pathname;
  return {
    query: defineFunc(["string"], null, async (q: string) => {
      const vector = await opts.query(q, opts.tMs);
      return QueryResult.from(vector, (s) => new TemplateSample(labelsMap(s.metric), s.value));
    }),
    first: defineFunc([queryResultType], null, (v: TemplateSample[]) => {
      if (v.length > 0) return v[0];
      throw new Error("first() called on vector with no elements");
    }),
    label: defineFunc(["string", sampleType], null, (l: string, s: TemplateSample) => s.Labels.get(l) ?? ""),
    value: defineFunc([sampleType], null, (s: TemplateSample) => s.Value),
    strvalue: defineFunc([sampleType], null, (s: TemplateSample) => s.Labels.get("__value__") ?? ""),
    args: defineFunc([], "any", (...args: unknown[]) => {
      const out: Record<string, unknown> = {};
      args.forEach((a, i) => {
        out[`arg${i}`] = a;
      });
      return out;
    }),
    reReplaceAll: defineFunc(["string", "string", "string"], null, reReplaceAll),
    safeHtml: defineFunc(["string"], null, (s: string) => s),
    match: defineFunc(["string", "string"], null, (p: string, s: string) => compileRE2(p, "").test(s)),
    title: defineFunc(["string"], null, title),
    toUpper: defineFunc(["string"], null, (s: string) => [...s].map(upperRune).join("")),
    toLower: defineFunc(["string"], null, (s: string) => [...s].map(lowerRune).join("")),
    graphLink: defineFunc(["string"], null, (e: string) => graphLink(e, 0)),
    tableLink: defineFunc(["string"], null, (e: string) => graphLink(e, 1)),
    sortByLabel: defineFunc(["string", queryResultType], null, (l: string, v: TemplateSample[]) => {
      // Array.prototype.sort is stable, as sort.Stable is.
      return v.sort((a, b) => compareStrings(a.Labels.get(l) ?? "", b.Labels.get(l) ?? ""));
    }),
    stripPort: defineFunc(["string"], null, (hp: string) => splitHostPort(hp)?.host ?? hp),
    stripDomain: defineFunc(["string"], null, (hp: string) => {
      const split = splitHostPort(hp);
      const host = split?.host ?? hp;
      if (isIP(host) !== 0) return hp;
      const short = host.split(".")[0]!;
      return split !== null && split.port !== "" ? joinHostPort(short, split.port) : short;
    }),
    humanize: defineFunc(["any"], null, humanize),
    humanize1024: defineFunc(["any"], null, humanize1024),
    humanizeDuration: defineFunc(["any"], null, humanizeDuration),
    humanizePercentage: defineFunc(["any"], null, (i: unknown) => sprintf("%.4g%%", [convertToFloat(i) * 100])),
    humanizeTimestamp: defineFunc(["any"], null, (i: unknown) => {
      const v = convertToFloat(i);
      if (!Number.isFinite(v)) return g4(v);
      return floatToTime(v).String();
    }),
    toTime: defineFunc(["any"], null, (i: unknown) => {
      const v = convertToFloat(i);
      if (!Number.isFinite(v)) throw new Error("value is NaN or Inf");
      return floatToTime(v);
    }),
    toDuration: defineFunc(["any"], null, (i: unknown) => GoDuration.fromSeconds(convertToFloat(i))),
    now: defineFunc([], null, () => opts.tMs / 1000),
    pathPrefix: defineFunc([], null, () => extPath),
    externalURL: defineFunc([], null, () => urlString(opts.externalURL)),
    parseDuration: defineFunc(["string"], null, (d: string) => parseDuration(d) / 1000),
    urlQueryEscape: defineFunc(["string"], null, queryEscape),
  };
}

/** The data of an alert template (Prometheus's AlertTemplateData): `.Labels`, `.ExternalLabels`, `.ExternalURL`, `.Value`. */
export class AlertTemplateData {
  readonly Labels: TypedMap<string>;
  readonly ExternalLabels: TypedMap<string>;
  readonly ExternalURL: string;
  readonly Value: number;

  constructor(labels: Labels, externalLabels: Labels, externalURL: string, value: number) {
    this.Labels = labelsMap(labels);
    this.ExternalLabels = labelsMap(externalLabels);
    this.ExternalURL = externalURL;
    this.Value = value;
  }

  /** The Go type name, for messages. */
  get goTypeName(): string {
    return "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }";
  }
}

/** A template that failed to parse or execute; the message is Prometheus's ("error executing template X: template: ..."). */
export class TemplateExpansionError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = "TemplateExpansionError";
  }
}

/**
 * Prometheus's Expander.Expand: parses `text` as template `name` with the
 * functions and Option("missingkey=zero"), executes it on `data`. Throws
 * TemplateExpansionError ("error parsing template <name>: ..." or
 * "error executing template <name>: ...").
 */
export async function expandText(name: string, text: string, data: unknown, funcs: FuncMap): Promise<string> {
  let tmpl: Template;
  try {
    tmpl = new Template(name, { funcs, missingKey: MissingKey.Zero }).parse(text);
  } catch (e) {
    throw new TemplateExpansionError(`error parsing template ${name}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return await tmpl.execute(data);
  } catch (e) {
    throw new TemplateExpansionError(`error executing template ${name}: ${(e as Error).message}`, { cause: e });
  }
}

// The convenience variables Prometheus defines before every alert template.
const alertTemplateDefs =
  "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/** What expanding one annotation or label of an alert gives. */
export interface AlertFieldExpansion {
  /** The expanded text, or "<error expanding template: ...>" as Prometheus puts it in the alert. */
  readonly text: string;
  /** The error to log ("Expanding alert template failed"), or null. */
  readonly error: TemplateExpansionError | null;
}

/** Options of expandAlertField. */
export interface AlertFieldOptions {
  /** The alerting rule's name; the template is named "__alert_" + name. */
  readonly ruleName: string;
  readonly data: AlertTemplateData;
  readonly funcs: FuncMap;
}

/**
 * Expands an alerting rule's annotation or label value as Prometheus's
 * rules do: with $labels, $externalLabels, $externalURL and $value defined,
 * and on failure the text "<error expanding template: ...>" (positions in
 * messages count the definitions, as upstream's do).
 */
export async function expandAlertField(text: string, opts: AlertFieldOptions): Promise<AlertFieldExpansion> {
  try {
    const out = await expandText(`__alert_${opts.ruleName}`, alertTemplateDefs + text, opts.data, opts.funcs);
    return { text: out, error: null };
  } catch (e) {
    if (!(e instanceof TemplateExpansionError)) throw e;
    return { text: `<error expanding template: ${e.message}>`, error: e };
  }
}

let checkFuncs: FuncMap | null = null;

/**
 * Checks that an alert template parses, with Prometheus's template
 * functions known (upstream's testTemplateParsing, run by the server's
 * rule loading and by promtool). Returns the parse error or null.
 */
export function checkTemplateParses(name: string, text: string): Error | null {
  checkFuncs ??= prometheusFuncs({ query: async () => [], tMs: 0, externalURL: new URL("http://localhost/") });
  try {
    new Template(name, { funcs: checkFuncs }).parse(text);
    return null;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
