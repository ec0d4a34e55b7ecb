/**
 * Alertmanager's template functions (upstream template.DefaultFuncs):
 * toUpper, toLower, title, trimSpace, join, match, safeHtml, safeUrl,
 * urlUnescape, reReplaceAll, stringSlice, date, tz, since,
 * humanizeDuration, toJson.
 */

import { GoDuration, GoTime, defineFunc, prometheusFuncs } from "../../template/index.ts";
import type { FuncMap, TemplateFunction } from "../../template/index.ts";
import { goJSON } from "./data.ts";

/** Text html/template must not escape (upstream tmplhtml.HTML, from safeHtml). */
export class SafeHTML {
  readonly html: string;
  constructor(html: string) {
    this.html = html;
  }
  /** The text itself (what text templates print). */
  String(): string {
    return this.html;
  }
}

/** A URL html/template must not filter (upstream tmplhtml.URL, from safeUrl). */
export class SafeURL {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  /** The URL itself. */
  String(): string {
    return this.url;
  }
}

// Functions Prometheus and Alertmanager share with the same semantics:
// RE2 regexps (match, reReplaceAll), Go's rune case mapping, humanizeDuration.
const shared = prometheusFuncs({
  query: () => Promise.reject(new Error("query is not available in notification templates")),
  tMs: 0,
  externalURL: new URL("http://localhost/"),
});

function sharedFunc(name: string): TemplateFunction {
  const f = shared[name];
  if (f === undefined || typeof f === "function") throw new Error(`BUG: prometheusFuncs has no typed ${name}`);
  return f;
}

/** cases.Title(language.AmericanEnglish): each word's first letter upper-cased, the rest lower-cased. */
function title(s: string): string {
  const chars = [...s];
  const isWord = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}\p{M}_]/u.test(c);
  let out = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const prev = chars[i - 1];
    let inWord = isWord(prev);
    // An apostrophe or a period between letters continues the word ("don't", "e.g").
    if (!inWord && prev !== undefined && "'.:\u00b7\u2019".includes(prev) && isWord(chars[i - 2]) && /\p{L}/u.test(c)) inWord = true;
    const mapped = inWord ? c.toLowerCase() : c.toUpperCase();
    out += [...mapped].length === 1 ? mapped : c;
  }
  return out;
}

/** Go's url.QueryUnescape: '+' is a space, %XX a byte; malformed escapes are errors. */
function urlUnescape(s: string): string {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "%") {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        const bad = s.slice(i, i + 3);
        throw new Error(`invalid URL escape ${JSON.stringify(bad)}`);
      }
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c === "+") bytes.push(0x20);
    else bytes.push(...enc.encode(c));
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** The UTC offset (seconds) and abbreviation of IANA zone `name` at instant `ms`. Throws for unknown zones. */
function zoneAt(name: string, ms: number): { offset: number; abbr: string } {
  if (name === "" || name === "UTC") return { offset: 0, abbr: "UTC" };
  if (name === "Local") name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const opts: Intl.DateTimeFormatOptions = {
    timeZone: name,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
    timeZoneName: "short",
  };
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", opts).formatToParts(new Date(ms));
  } catch {
    throw new Error(`unknown time zone ${name}`);
  }
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? "0");
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  const offset = Math.round((wall - Math.floor(ms / 1000) * 1000) / 1000);
  const abbrOf = (locale: string): string => new Intl.DateTimeFormat(locale, opts).formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value ?? "";
  // Intl spells zones without an abbreviation in a locale "GMT+1": en-US knows
  // the American ones, en-GB the European ones; otherwise Go prints the offset.
  const isAbbr = (a: string): boolean => /^[A-Z]{2,5}$/.test(a) && a !== "GMT";
  let short = abbrOf("en-US");
  if (!isAbbr(short)) short = abbrOf("en-GB");
  return { offset, abbr: isAbbr(short) ? short : offset === 0 ? "UTC" : "" };
}

const timeType = { name: "time.Time", accepts: (v: unknown) => v instanceof GoTime };

/**
 * Alertmanager's function map. `now` is the clock `since` measures against
 * (ms), so template output is reproducible on virtual time.
 */
export function alertmanagerFuncs(now: () => number): FuncMap {
  return {
    toUpper: sharedFunc("toUpper"),
    toLower: sharedFunc("toLower"),
    title: defineFunc(["string"], null, title),
    trimSpace: defineFunc(["string"], null, (s: string) => s.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, "")),
    join: defineFunc(["string", "any"], null, (sep: string, xs: unknown) => {
      if (!Array.isArray(xs) || !xs.every((x) => typeof x === "string")) throw new Error("wrong type for value; expected []string");
      return xs.join(sep);
    }),
    match: sharedFunc("match"),
    safeHtml: defineFunc(["string"], null, (s: string) => new SafeHTML(s)),
    safeUrl: defineFunc(["string"], null, (s: string) => new SafeURL(s)),
    urlUnescape: defineFunc(["string"], null, urlUnescape),
    reReplaceAll: sharedFunc("reReplaceAll"),
    stringSlice: defineFunc([], "string", (...s: string[]) => s),
    date: defineFunc(["string", timeType], null, (fmt: string, t: GoTime) => t.Format(fmt)),
    tz: defineFunc(["string", timeType], null, (name: string, t: GoTime) => {
      const z = zoneAt(name, Number(t.UnixMilli()));
      return new GoTime(t.unixNano, z.offset, z.abbr);
    }),
    since: defineFunc([timeType], null, (t: GoTime) => new GoDuration(BigInt(Math.round(now() * 1e6)) - t.unixNano)),
    humanizeDuration: sharedFunc("humanizeDuration"),
    toJson: defineFunc(["any"], null, (v: unknown) => goJSON(v ?? null)),
  };
}
