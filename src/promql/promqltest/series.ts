import { Labels, LabelsBuilder, MetricName } from "../../model/index.ts";

/**
 * The series notation of PromQL test scripts and rule unit tests
 * (Prometheus's ParseSeriesDesc): a metric followed by an expanding
 * sequence of values, e.g. `my_metric{env="prod"} 5 2+3x2 _ stale`.
 *
 * | item          | expands to                                   |
 * | ------------- | -------------------------------------------- |
 * | `a`           | one value a (`Inf`, `NaN`, signs allowed)    |
 * | `_`           | one missing value                            |
 * | `_xN`         | N missing values                             |
 * | `stale`       | one stale marker                             |
 * | `axN`         | N+1 times a                                  |
 * | `a+bxN`       | N+1 values a, a+b, a+2b, ... (also `a-bxN`)  |
 * | `{{...}}`     | a native histogram (also `xN`, `+{{...}}xN`) |
 */

/** Kinds of a sequence entry. */
export const SequenceKind = {
  /** A float sample. */
  Float: 0,
  /** No sample at this step. */
  Omitted: 1,
  /** A stale marker. */
  Stale: 2,
  /** A native histogram sample (kept as text; promstack has no native histograms yet). */
  Histogram: 3,
} as const;
export type SequenceKind = (typeof SequenceKind)[keyof typeof SequenceKind];

/** One step of an expanded sequence. `value` is meaningful for Float only. */
export interface SequenceValue {
  kind: SequenceKind;
  value: number;
  /** The `{{...}}` text of a Histogram entry, else "". */
  histogram: string;
}

/** A parsed series line: its labels and expanded values, one per step. */
export interface SeriesDesc {
  metric: Labels;
  values: SequenceValue[];
}

/** A malformed series line. `column` is a 0-based offset into the line. */
export class SeriesParseError extends Error {
  readonly column: number;

  constructor(message: string, column: number) {
    super(message);
    this.name = "SeriesParseError";
    this.column = column;
  }
}

const identStart = /[a-zA-Z_:]/;
const identPart = /[a-zA-Z0-9_:]/;
const labelStart = /[a-zA-Z_]/;
const labelPart = /[a-zA-Z0-9_]/;

/** A float as the PromQL lexer reads it in series values (no hex: `0x5` is 0 repeated). */
const numberRE = /^(?:[iI][nN][fF]|[nN][aA][nN]|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;

/**
 * Parses a series line. Throws SeriesParseError.
 */
export function parseSeriesDesc(line: string): SeriesDesc {
  const p = { s: line, i: 0 };
  const metric = parseMetric(p);
  if (p.i < line.length && !/\s/.test(line[p.i]!)) {
    throw new SeriesParseError(`unexpected character ${JSON.stringify(line[p.i])} after metric`, p.i);
  }
  const values = parseValues(line, p.i);
  return { metric, values };
}

interface Cursor {
  s: string;
  i: number;
}

function skipSpace(p: Cursor): void {
  while (p.i < p.s.length && /\s/.test(p.s[p.i]!)) p.i++;
}

function parseMetric(p: Cursor): Labels {
  const b = new LabelsBuilder();
  if (p.i < p.s.length && identStart.test(p.s[p.i]!)) {
    const start = p.i;
    while (p.i < p.s.length && identPart.test(p.s[p.i]!)) p.i++;
    b.set(MetricName, p.s.slice(start, p.i));
  }
  if (p.s[p.i] === "{") {
    p.i++;
    parseLabelSet(p, b);
  } else if (b.get(MetricName) === "") {
    throw new SeriesParseError("expected a metric name or \"{\"", p.i);
  }
  return b.labels();
}

/** Reads `name="value", "utf8 name"="v", "metric name"` up to and including `}`. */
function parseLabelSet(p: Cursor, b: LabelsBuilder): void {
  for (;;) {
    skipSpace(p);
    if (p.s[p.i] === "}") {
      p.i++;
      return;
    }
    let name: string;
    const c = p.s[p.i];
    if (c === '"' || c === "'" || c === "`") {
      name = readQuoted(p);
    } else if (c !== undefined && labelStart.test(c)) {
      const start = p.i;
      while (p.i < p.s.length && labelPart.test(p.s[p.i]!)) p.i++;
      name = p.s.slice(start, p.i);
    } else {
      throw new SeriesParseError(`unexpected ${describe(p)} in label set, expected identifier or "}"`, p.i);
    }
    skipSpace(p);
    if (p.s[p.i] === "=") {
      p.i++;
      skipSpace(p);
      const q = p.s[p.i];
      if (q !== '"' && q !== "'" && q !== "`") throw new SeriesParseError(`unexpected ${describe(p)} in label set, expected string`, p.i);
      b.set(name, readQuoted(p));
    } else if (c === '"' || c === "'" || c === "`") {
      // A lone quoted string is the metric name: {"my.metric", a="b"}.
      b.set(MetricName, name);
    } else {
      throw new SeriesParseError(`unexpected ${describe(p)} in label set, expected "="`, p.i);
    }
    skipSpace(p);
    if (p.s[p.i] === ",") {
      p.i++;
      continue;
    }
    if (p.s[p.i] !== "}") throw new SeriesParseError(`unexpected ${describe(p)} in label set, expected "," or "}"`, p.i);
  }
}

function describe(p: Cursor): string {
  return p.i >= p.s.length ? "end of input" : JSON.stringify(p.s[p.i]);
}

function readQuoted(p: Cursor): string {
  const end = quotedEnd(p.s, p.i);
  if (end < 0) throw new SeriesParseError("unterminated quoted string", p.i);
  const v = unquoteGo(p.s.slice(p.i, end));
  if (v === null) throw new SeriesParseError("invalid quoted string", p.i);
  p.i = end;
  return v;
}

/** Offset just after the closing quote of the string starting at s[i], or -1. */
function quotedEnd(s: string, i: number): number {
  const q = s[i]!;
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === "\\" && q !== "`") {
      j++;
      continue;
    }
    if (s[j] === q) return j + 1;
  }
  return -1;
}

const simpleEscapes: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

/**
 * Unquotes a Go string literal (`"..."`, `'...'` as PromQL allows, or a raw
 * `` `...` ``) with Go's escapes; null when malformed.
 */
export function unquoteGo(lit: string): string | null {
  if (lit.length < 2) return null;
  const q = lit[0]!;
  if ((q !== '"' && q !== "'" && q !== "`") || lit[lit.length - 1] !== q) return null;
  const body = lit.slice(1, -1);
  if (q === "`") return body.includes("`") ? null : body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === q) return null;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return null;
    if (e in simpleEscapes) {
      if ((e === '"' || e === "'") && e !== q) return null;
      out += simpleEscapes[e];
      continue;
    }
    let hex = 0;
    if (e === "x") hex = 2;
    else if (e === "u") hex = 4;
    else if (e === "U") hex = 8;
    if (hex > 0) {
      const h = body.slice(i + 1, i + 1 + hex);
      if (h.length !== hex || !/^[0-9a-fA-F]+$/.test(h)) return null;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) return null;
      out += String.fromCodePoint(cp);
      i += hex;
      continue;
    }
    const oct = body.slice(i, i + 3);
    if (/^[0-7]{3}$/.test(oct)) {
      const v = parseInt(oct, 8);
      if (v > 255) return null;
      out += String.fromCharCode(v);
      i += 2;
      continue;
    }
    return null;
  }
  return out;
}

/** Splits the values part into items; a `{{...}}` histogram (with spaces inside) is part of one item. */
function splitItems(s: string, from: number): { text: string; at: number }[] {
  const items: { text: string; at: number }[] = [];
  let i = from;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const start = i;
    let depth = 0;
    while (i < s.length) {
      if (s.startsWith("{{", i)) {
        depth++;
        i += 2;
        continue;
      }
      if (s.startsWith("}}", i) && depth > 0) {
        depth--;
        i += 2;
        continue;
      }
      if (depth === 0 && /\s/.test(s[i]!)) break;
      i++;
    }
    if (depth > 0) throw new SeriesParseError("unclosed histogram \"{{\"", start);
    items.push({ text: s.slice(start, i), at: start });
  }
  return items;
}

function parseValues(line: string, from: number): SequenceValue[] {
  const items = splitItems(line, from);
  if (items.length === 0) throw new SeriesParseError("unexpected end of input, expected series values", line.length);
  const out: SequenceValue[] = [];
  for (const it of items) expandItem(it.text, it.at, out);
  return out;
}

function parseRepeat(s: string, at: number): number {
  if (!/^\d+$/.test(s)) throw new SeriesParseError(`invalid repetition in series values: ${JSON.stringify(s)}`, at);
  return Number(s);
}

function expandItem(text: string, at: number, out: SequenceValue[]): void {
  if (text === "_") {
    out.push({ kind: SequenceKind.Omitted, value: 0, histogram: "" });
    return;
  }
  if (text.startsWith("_x")) {
    const n = parseRepeat(text.slice(2), at + 2);
    for (let k = 0; k < n; k++) out.push({ kind: SequenceKind.Omitted, value: 0, histogram: "" });
    return;
  }
  if (text.startsWith("{{")) {
    expandHistogram(text, at, out);
    return;
  }
  let i = 0;
  let first: number;
  let stale = false;
  if (text.startsWith("stale")) {
    stale = true;
    first = Number.NaN;
    i = 5;
  } else {
    const n = readSigned(text, 0);
    if (n === null) throw new SeriesParseError(`unexpected ${JSON.stringify(text)} in series values, expected number or "stale"`, at);
    first = n.value;
    i = n.end;
  }
  if (i === text.length) {
    out.push(stale ? { kind: SequenceKind.Stale, value: Number.NaN, histogram: "" } : { kind: SequenceKind.Float, value: first, histogram: "" });
    return;
  }
  let delta = 0;
  if (text[i] === "+" || text[i] === "-") {
    const d = readSigned(text, i);
    if (d === null) throw new SeriesParseError(`unexpected ${JSON.stringify(text.slice(i))} in series values`, at + i);
    delta = d.value;
    i = d.end;
    if (text[i] !== "x") throw new SeriesParseError(`unexpected ${JSON.stringify(text.slice(i))} in series values, expected "x"`, at + i);
  }
  if (text[i] !== "x") throw new SeriesParseError(`unexpected ${JSON.stringify(text.slice(i))} in series values`, at + i);
  const n = parseRepeat(text.slice(i + 1), at + i + 1);
  // NOTE: matches Prometheus, which accumulates (v += delta) rather than
  // computing first + k*delta, so float rounding is the same.
  let v = first;
  for (let k = 0; k <= n; k++) {
    out.push(stale ? { kind: SequenceKind.Stale, value: Number.NaN, histogram: "" } : { kind: SequenceKind.Float, value: v, histogram: "" });
    v += delta;
  }
}

function readSigned(text: string, i: number): { value: number; end: number } | null {
  let sign = 1;
  if (text[i] === "+" || text[i] === "-") {
    if (text[i] === "-") sign = -1;
    i++;
  }
  const m = numberRE.exec(text.slice(i));
  if (m === null) return null;
  const lit = m[0].toLowerCase();
  const v = lit === "inf" ? Number.POSITIVE_INFINITY : lit === "nan" ? Number.NaN : Number(lit);
  return { value: sign * v, end: i + m[0].length };
}

/** `{{...}}`, `{{...}}xN`, `{{...}}+{{...}}xN`, `{{...}}-{{...}}xN`: only the count of steps matters here. */
function expandHistogram(text: string, at: number, out: SequenceValue[]): void {
  const end = text.indexOf("}}") + 2;
  const h = text.slice(0, end);
  let rest = text.slice(end);
  let n = 0;
  if (rest.startsWith("+{{") || rest.startsWith("-{{")) {
    const e2 = rest.indexOf("}}") + 2;
    rest = rest.slice(e2);
    if (!rest.startsWith("x")) throw new SeriesParseError(`expected "x" after histogram increment`, at + text.length - rest.length);
  }
  if (rest.startsWith("x")) n = parseRepeat(rest.slice(1), at + text.length - rest.length + 1);
  else if (rest !== "") throw new SeriesParseError(`unexpected ${JSON.stringify(rest)} after histogram`, at + text.length - rest.length);
  for (let k = 0; k <= n; k++) out.push({ kind: SequenceKind.Histogram, value: 0, histogram: h });
}
