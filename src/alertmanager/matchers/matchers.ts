/**
 * Alertmanager's classic matcher syntax (pkg/labels in the alertmanager
 * repository), used by `matchers:` in alertmanager.yml, by amtool and by
 * the API's `filter` parameter:
 *
 *   {foo = "bar", dings != "bums", }     foo=bar,dings!=bums
 *   {quote="She said: \"Hi, ladies!\""}   statuscode=~"5.."
 *
 * Matchers are src/model Matcher objects; this module adds the parser, the
 * sort order and the printed form Alertmanager uses.
 */

import { Matcher, quoteString } from "../../model/index.ts";
import type { MatchType } from "../../model/index.ts";

/** A matcher or matcher list that cannot be parsed. Message reads like Alertmanager's. */
export class MatcherParseError extends Error {
  readonly input: string;
  constructor(message: string, input: string) {
    super(message);
    this.name = "MatcherParseError";
    this.input = input;
  }
}

// NOTE: matches Alertmanager, whose pattern is
// `^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$`; Go's \s is ASCII whitespace only.
const MATCHER_RE = /^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*([\s\S]*?)[\t\n\f\r ]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Parses one matcher: a label name, one of `=`, `!=`, `=~`, `!~`, and a
 * value that may be double-quoted (OpenMetrics escapes `\"`, `\n`, `\\`).
 * Throws MatcherParseError ("bad matcher format: ...", "matcher value
 * contains unescaped double quote: ...") or RegexError for a bad regex.
 */
export function parseMatcher(s: string): Matcher {
  const ms = MATCHER_RE.exec(s);
  if (ms === null) throw new MatcherParseError(`bad matcher format: ${s}`, s);
  const name = ms[1]!;
  const type = ms[2]! as MatchType;
  const quoted = ms[3]!;
  let raw = quoted;
  let expectTrailingQuote = false;
  if (raw.startsWith('"')) {
    raw = raw.slice(1);
    expectTrailingQuote = true;
  }
  if (LONE_SURROGATE.test(raw)) throw new MatcherParseError(`matcher value not valid UTF-8: ${quoted}`, s);
  let value = "";
  let escaped = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (escaped) {
      escaped = false;
      if (c === "n") value += "\n";
      else if (c === '"' || c === "\\") value += c;
      else value += "\\" + c; // a spurious escape keeps its backslash
      continue;
    }
    if (c === "\\") {
      if (i < raw.length - 1) escaped = true;
      else value += "\\";
    } else if (c === '"') {
      if (!expectTrailingQuote || i < raw.length - 1) {
        throw new MatcherParseError(`matcher value contains unescaped double quote: ${quoted}`, s);
      }
      expectTrailingQuote = false;
    } else {
      value += c;
    }
  }
  if (expectTrailingQuote) throw new MatcherParseError(`matcher value contains unescaped double quote: ${quoted}`, s);
  return new Matcher(type, name, value);
}

/**
 * Parses a comma-separated matcher list with optional braces and a
 * trailing comma; commas inside double quotes do not separate. Returns the
 * matchers in input order. Throws like parseMatcher.
 */
export function parseMatchers(s: string): Matcher[] {
  let body = s.startsWith("{") ? s.slice(1) : s;
  if (body.endsWith("}")) body = body.slice(0, -1);
  const tokens: string[] = [];
  let token = "";
  let insideQuotes = false;
  let escaped = false;
  for (const c of body) {
    if (c === "," && !insideQuotes) {
      tokens.push(token);
      token = "";
      continue;
    }
    if (c === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (c === "\\") {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += c;
  }
  const last = token.trim();
  if (last !== "") tokens.push(last);
  return tokens.map(parseMatcher);
}

const TYPE_ORDER: Readonly<Record<MatchType, number>> = { "=": 0, "!=": 1, "=~": 2, "!~": 3 };

/** Alertmanager's matcher order (labels.Matchers.Less): name, then value, then type. */
export function compareMatchers(a: Matcher, b: Matcher): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
}

/** Whether `c` is one the UTF-8 matcher syntax reserves (printing quotes names with it). */
function isReserved(c: string): boolean {
  return /\s/u.test(c) || '{}!=~,\\"\'`'.includes(c);
}

/**
 * A matcher as Alertmanager prints it: `name="value"` with OpenMetrics
 * escaping of the value, or both parts Go-quoted when the name has a
 * reserved character.
 */
export function formatMatcher(m: Matcher): string {
  if ([...m.name].some(isReserved)) return quoteString(m.name) + m.type + quoteString(m.value);
  return `${m.name}${m.type}"${m.value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"')}"`;
}

/** A matcher list as Alertmanager prints it: `{a="b",c=~"d"}`. */
export function formatMatchers(ms: readonly Matcher[]): string {
  return "{" + ms.map(formatMatcher).join(",") + "}";
}

/** Whether every matcher accepts the value its label has in `get` ("" when absent). */
export function matchesAll(ms: readonly Matcher[], get: (name: string) => string): boolean {
  for (const m of ms) if (!m.matches(get(m.name))) return false;
  return true;
}

