/**
 * The pull-parser interface shared by the text format and OpenMetrics
 * parsers, in the shape of Prometheus's model/textparse: `next()` advances
 * to the next entry and returns its kind; accessors read the current entry.
 *
 * Designed for the scrape loop: `next()` allocates nothing per sample. The
 * series identity is the raw `name{labels}` text of the line (`series()`),
 * fit to key a scrape cache; labels are built only on a cache miss
 * (`labels(builder)`); the value and timestamp are primitives.
 */
import { Labels, LabelsBuilder, MetricName, quoteString } from "../model/index.ts";
import { NumberSyntaxError, formatOpenMetricsFloat, parseDigitsInt64, parseGoFloat } from "./parse-float.ts";

/** The kind of entry `next()` moved to. */
export const Entry = {
  /** A sample: series(), value(), timestamp(), labels(), exemplar(). */
  Series: "series",
  /** A `# TYPE` line: familyName(), type(). */
  Type: "type",
  /** A `# HELP` line: familyName(), help(). */
  Help: "help",
  /** A `# UNIT` line (OpenMetrics): familyName(), unit(). */
  Unit: "unit",
  /** Any other comment line (text format): comment(). */
  Comment: "comment",
  /** The end of the data (for OpenMetrics, a valid `# EOF`). Stays EOF. */
  EOF: "eof",
} as const;
/** One of the Entry values. */
export type Entry = (typeof Entry)[keyof typeof Entry];

/**
 * The type of a metric family as the parsers report it: prometheus/common's
 * model.MetricType. The text format's `untyped` is reported as Unknown.
 */
export const MetadataType = {
  Counter: "counter",
  Gauge: "gauge",
  Histogram: "histogram",
  GaugeHistogram: "gaugehistogram",
  Summary: "summary",
  Info: "info",
  Stateset: "stateset",
  Unknown: "unknown",
} as const;
/** One of the MetadataType values. */
export type MetadataType = (typeof MetadataType)[keyof typeof MetadataType];

/** An OpenMetrics exemplar attached to a sample. t is ms, null when the line has none. */
export interface Exemplar {
  readonly labels: Labels;
  readonly value: number;
  readonly t: number | null;
}

/**
 * A malformed exposition. The message is Prometheus's text for the same
 * input (e.g. `expected value after metric, got "\n" ("INVALID") while
 * parsing: "a\n"`); offset is the UTF-16 index in the parsed text of the
 * token (or line) at fault, line and column (both 1-based) locate it.
 */
export class ExpositionParseError extends Error {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  constructor(message: string, offset: number, line: number, column: number) {
    super(message);
    this.name = "ExpositionParseError";
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

/**
 * A pull parser over one scrape body. Call next() until it returns
 * Entry.EOF; it throws ExpositionParseError on malformed input, after which
 * the parser must not be used. Accessors are valid for the entry next() last
 * returned, and only for the kinds their doc names.
 */
export interface Parser {
  /** Advances to the next entry. Throws ExpositionParseError. */
  next(): Entry;
  /**
   * Series: the raw `name{labels}` text of the line as written (escapes and
   * spacing kept), usable as a scrape cache key; equal texts give equal label
   * sets. Allocates the string (a slice of the body).
   */
  series(): string;
  /**
   * Series: the string series() slices, without slicing it:
   * `series() === seriesSource().slice(seriesFrom(), seriesTo())`. The
   * source is the whole text being parsed (the same string for every
   * entry), so a scrape cache can look the series up without a string per
   * sample.
   */
  seriesSource(): string;
  /** Series: where series() starts in seriesSource() (UTF-16 index). */
  seriesFrom(): number;
  /** Series: where series() ends in seriesSource() (exclusive). */
  seriesTo(): number;
  /**
   * A guess at the series text of the next series line, for the next call
   * of next() only ("" for none): a scrape cache's, the series after the
   * last one seen, in the previous scrape's order. When the next entry is a
   * series line that starts with exactly this text, next() may take it
   * without parsing its labels; expectedMatched() then says so, and
   * labels() and metricName() must not be called for it (the caller knows
   * the labels of that text).
   */
  expect(series: string): void;
  /** Series: whether next() took the line by the text expect() gave. */
  expectedMatched(): boolean;
  /** Series: the sample value. NaN is an ordinary NaN: the formats cannot carry a stale marker. */
  value(): number;
  /** Series: the sample timestamp in ms, or null when the line has none. */
  timestamp(): number | null;
  /** Series: the metric name, unescaped. */
  metricName(): string;
  /**
   * Series: the label set including __name__, built with b (reset first).
   * Values are unescaped; `le` of histograms and `quantile` of summaries are
   * normalised as Prometheus 3 does (`le="1"` becomes `le="1.0"`). An empty
   * value drops the label, and a repeated name keeps its last value.
   */
  labels(b: LabelsBuilder): Labels;
  /** Series: the exemplar of the line, or null. May be called more than once. */
  exemplar(b: LabelsBuilder): Exemplar | null;
  /**
   * Series: the created timestamp in ms for the current sample when the
   * format carries one (OpenMetrics `_created` lines of counters, summaries
   * and histograms), else null. May read ahead; the parser's position is kept.
   */
  createdTimestamp(): number | null;
  /** Help, Type, Unit: the metric family name of the line, unescaped. */
  familyName(): string;
  /** Help: the HELP text, unescaped. */
  help(): string;
  /** Type: the family type. Also the type in force for later series (never reset, as upstream). */
  type(): MetadataType;
  /** Unit: the UNIT text. */
  unit(): string;
  /** Comment: the whole comment line, `#` included. */
  comment(): string;
}

// Tokens, as Prometheus's lexers name them (the names appear in errors).
export const tInvalid = -1;
export const tEOF = 0;
export const tLinebreak = 2;
export const tWhitespace = 3;
export const tHelp = 4;
export const tType = 5;
export const tUnit = 6;
export const tEOFWord = 7;
export const tText = 8;
export const tComment = 9;
export const tMName = 11;
export const tQString = 12;
export const tBraceOpen = 13;
export const tBraceClose = 14;
export const tLName = 15;
export const tLValue = 16;
export const tComma = 17;
export const tEqual = 18;
export const tTimestamp = 19;
export const tValue = 20;

/** The name Prometheus prints for a token in parse errors. */
export function tokenName(t: number): string {
  switch (t) {
    case tInvalid:
      return "INVALID";
    case tEOF:
      return "EOF";
    case tLinebreak:
      return "LINEBREAK";
    case tWhitespace:
      return "WHITESPACE";
    case tHelp:
      return "HELP";
    case tType:
      return "TYPE";
    case tUnit:
      return "UNIT";
    case tEOFWord:
      return "EOFWORD";
    case tText:
      return "TEXT";
    case tComment:
      return "COMMENT";
    case tMName:
      return "MNAME";
    case tQString:
      return "QSTRING";
    case tBraceOpen:
      return "BOPEN";
    case tBraceClose:
      return "BCLOSE";
    case tLName:
      return "LNAME";
    case tLValue:
      return "LVALUE";
    case tComma:
      return "COMMA";
    case tEqual:
      return "EQUAL";
    case tTimestamp:
      return "TIMESTAMP";
    case tValue:
      return "VALUE";
  }
  return `<invalid: ${t}>`;
}

// Lexer states, as in Prometheus's lexers.
export const sInit = 0;
export const sComment = 1;
export const sMeta1 = 2;
export const sMeta2 = 3;
export const sLabels = 4;
export const sLValue = 5;
export const sValue = 6;
export const sTimestamp = 7;
export const sExemplar = 8;
export const sEValue = 9;
export const sETimestamp = 10;

/** [a-zA-Z_:], the first character of a legacy metric name. */
export function isMStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}
/** [a-zA-Z0-9_:]. */
export function isMChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95;
}
/** [a-zA-Z_], the first character of a legacy label name. */
export function isLStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
/** [a-zA-Z0-9_]. */
export function isLChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * Undoes label value escaping (`\"`, `\\`, `\n`) left to right, as
 * Prometheus's lvalReplacer; other backslash sequences stay as written.
 */
export function unescapeLabelValue(s: string, a: number, b: number): string {
  return hasBackslash(s, a, b) ? unescapeSlow(s, a, b, true) : s.slice(a, b);
}

/** Undoes HELP escaping of the text format (`\\`, `\n`; not `\"`), as Prometheus's helpReplacer. */
export function unescapeHelp(s: string, a: number, b: number): string {
  return hasBackslash(s, a, b) ? unescapeSlow(s, a, b, false) : s.slice(a, b);
}

// Not indexOf: that would search the rest of the body when s[a:b] has none.
function hasBackslash(s: string, a: number, b: number): boolean {
  for (let k = a; k < b; k++) if (s.charCodeAt(k) === 92) return true;
  return false;
}

function unescapeSlow(s: string, a: number, b: number, quote: boolean): string {
  let out = "";
  let from = a;
  for (let k = a; k < b - 1; k++) {
    if (s.charCodeAt(k) !== 92) continue;
    const n = s.charCodeAt(k + 1);
    let rep: string | null = null;
    if (n === 92) rep = "\\";
    else if (n === 110) rep = "\n";
    else if (n === 34 && quote) rep = '"';
    if (rep === null) continue;
    out += s.slice(from, k) + rep;
    k++;
    from = k + 1;
  }
  return out + s.slice(from, b);
}

/** Whether s[a:b] is well-formed UTF-16 (invalid UTF-8 bytes of the body decode to lone surrogates). */
export function isWellFormedRange(s: string, a: number, b: number): boolean {
  for (let k = a; k < b; k++) {
    const c = s.charCodeAt(k);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && k + 1 < b) {
      const d = s.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        k++;
        continue;
      }
    }
    return false;
  }
  return true;
}

/** Go's `%q` of s[a:b]. */
export function q(s: string, a: number, b: number): string {
  return quoteString(s.slice(a, b));
}

function normalizeFloatLabel(mtype: MetadataType, name: string, value: string): string {
  if ((mtype === MetadataType.Summary && name === "quantile") || (mtype === MetadataType.Histogram && name === "le")) {
    try {
      return formatOpenMetricsFloat(parseGoFloat(value, 0, value.length, false));
    } catch (e) {
      if (e instanceof NumberSyntaxError) return value;
      throw e;
    }
  }
  return value;
}

const INITIAL_OFFSETS = 2 + 4 * 16;

/**
 * State and accessors common to both parsers: the body, the lexer position,
 * and the offsets of the current series' name and labels.
 *
 * offsets layout (absolute indexes into the body), as upstream's:
 *
 *   [0] name start  [1] name end          (-1, -1 while not seen yet)
 *   [2+4k] label k name start  [3+4k] name end
 *   [4+4k] label k value start [5+4k] value end   (quotes stripped)
 */
export abstract class BaseParser implements Parser {
  protected readonly b: string;
  protected readonly n: number;
  /** Lexer position: the next character to read. */
  protected i: number;
  /** Start of the token the lexer returned last. */
  protected start: number;
  protected state: number;
  /** Start of the current entry's line (upstream's p.start). */
  protected lineStart: number;
  protected seriesEnd: number;
  protected offsets: Int32Array;
  protected nOffsets: number;
  protected val: number;
  protected ts: number;
  protected hasTs: boolean;
  protected mtype: MetadataType;
  protected textStart: number;
  protected textEnd: number;
  /** The series text expect() gave for the next call of next(), "" for none (see takeExpected). */
  #expected: string;
  /** Whether the current entry is a series line taken by its expected text. */
  protected matched: boolean;

  constructor(b: string) {
    this.b = b;
    this.n = b.length;
    this.i = 0;
    this.start = 0;
    this.state = sInit;
    this.lineStart = 0;
    this.seriesEnd = 0;
    this.offsets = new Int32Array(INITIAL_OFFSETS);
    this.nOffsets = 0;
    this.val = 0;
    this.ts = 0;
    this.hasTs = false;
    this.mtype = MetadataType.Unknown;
    this.textStart = 0;
    this.textEnd = 0;
    this.#expected = "";
    this.matched = false;
  }

  /** For next(), first: the text expect() gave (forgotten now), and no line taken by it yet. */
  protected takeExpected(): string {
    const e = this.#expected;
    this.#expected = "";
    this.matched = false;
    return e;
  }

  /**
   * The end of a series line read by a fast path: the value in b[vs, ve)
   * and, when ts >= 0, the timestamp in b[ts, tsEnd): whole milliseconds
   * (the text format) or, with tsSeconds, seconds with decimals truncated
   * to ms as OpenMetrics' token path does (upstream's int64(ts * 1000)).
   * Records them with seriesEnd and moves on to next; when a number does
   * not parse (or a timestamp is not finite), returns false having changed
   * nothing, and the token path reports the line.
   */
  protected takeSample(seriesEnd: number, vs: number, ve: number, ts: number, tsEnd: number, tsSeconds: boolean, next: number): boolean {
    const b = this.b;
    let v: number;
    let t = 0;
    try {
      v = parseGoFloat(b, vs, ve);
      if (ts >= 0 && !tsSeconds) t = parseDigitsInt64(b, ts, tsEnd);
      else if (ts >= 0) {
        const s = parseGoFloat(b, ts, tsEnd);
        if (!Number.isFinite(s)) return false;
        t = Math.trunc(s * 1000);
      }
    } catch (e) {
      if (e instanceof NumberSyntaxError) return false;
      throw e;
    }
    this.seriesEnd = seriesEnd;
    this.val = v;
    this.hasTs = ts >= 0;
    this.ts = t;
    this.i = next;
    return true;
  }

  abstract next(): Entry;
  abstract help(): string;
  abstract unit(): string;
  abstract exemplar(b: LabelsBuilder): Exemplar | null;
  abstract createdTimestamp(): number | null;

  /** Appends a start/end pair to offsets, growing the buffer when full. */
  protected pushOffsets(a: number, z: number): void {
    if (this.nOffsets + 2 > this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.nOffsets++] = a;
    this.offsets[this.nOffsets++] = z;
  }

  /** An ExpositionParseError located at offset. */
  protected errorAt(message: string, offset: number): ExpositionParseError {
    let line = 1;
    let lineAt = 0;
    const end = Math.min(offset, this.n);
    for (let k = this.b.indexOf("\n"); k >= 0 && k < end; k = this.b.indexOf("\n", k + 1)) {
      line++;
      lineAt = k + 1;
    }
    return new ExpositionParseError(message, offset, line, end - lineAt + 1);
  }

  /** Upstream's parseError: `<exp>, got "<token+1>" ("<TOKEN>") while parsing: "<line so far+1>"`. */
  protected parseError(exp: string, got: number): ExpositionParseError {
    const e = Math.min(this.n, this.i + 1);
    const msg = `${exp}, got ${q(this.b, this.start, e)} (${quoteString(tokenName(got))}) while parsing: ${q(this.b, this.lineStart, e)}`;
    return this.errorAt(msg, this.start);
  }

  /** Parses s[a:b] as a sample value; errors read `<strconv error> while parsing: "<line so far>"`. */
  protected parseFloatOrThrow(a: number, z: number): number {
    try {
      return parseGoFloat(this.b, a, z);
    } catch (e) {
      if (e instanceof NumberSyntaxError) throw this.errorAt(`${e.message} while parsing: ${q(this.b, this.lineStart, this.i)}`, a);
      throw e;
    }
  }

  series(): string {
    return this.b.slice(this.lineStart, this.seriesEnd);
  }

  seriesSource(): string {
    return this.b;
  }

  expect(series: string): void {
    this.#expected = series;
  }

  expectedMatched(): boolean {
    return this.matched;
  }

  seriesFrom(): number {
    return this.lineStart;
  }

  seriesTo(): number {
    return this.seriesEnd;
  }

  value(): number {
    return this.val;
  }

  timestamp(): number | null {
    return this.hasTs ? this.ts : null;
  }

  metricName(): string {
    if (this.matched) throw new Error("BUG: metricName() of a series line taken by its expected text");
    return unescapeLabelValue(this.b, this.offsets[0]!, this.offsets[1]!);
  }

  labels(lb: LabelsBuilder): Labels {
    if (this.matched) throw new Error("BUG: labels() of a series line taken by its expected text");
    lb.reset(Labels.EMPTY);
    const o = this.offsets;
    const s = this.b;
    lb.set(MetricName, unescapeLabelValue(s, o[0]!, o[1]!));
    for (let k = 2; k < this.nOffsets; k += 4) {
      const name = unescapeLabelValue(s, o[k]!, o[k + 1]!);
      lb.set(name, normalizeFloatLabel(this.mtype, name, unescapeLabelValue(s, o[k + 2]!, o[k + 3]!)));
    }
    return lb.labels();
  }

  familyName(): string {
    return unescapeLabelValue(this.b, this.offsets[0]!, this.offsets[1]!);
  }

  type(): MetadataType {
    return this.mtype;
  }

  comment(): string {
    return this.b.slice(this.textStart, this.textEnd);
  }
}

/**
 * Whether the series named mName belongs to the family mfName of type typ,
 * as Prometheus's scrape loop decides before attaching metadata: counters
 * may drop `_total` (on either side), histograms add `_bucket`, `_sum`,
 * `_count`, gauge histograms `_bucket`, `_gsum`, `_gcount`, summaries
 * `_sum`, `_count`, and info families may drop `_info`.
 */
export function isSeriesPartOfFamily(mName: string, mfName: string, typ: MetadataType): boolean {
  if (!mName.startsWith(mfName)) return false;
  const cut = (s: string, suffix: string): string | null => (s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : null);
  let family = mfName;
  let got = mName;
  switch (typ) {
    case MetadataType.Counter:
      family = cut(mfName, "_total") ?? mfName;
      got = cut(mName, "_total") ?? mName;
      break;
    case MetadataType.Histogram:
      got = cut(mName, "_bucket") ?? cut(mName, "_sum") ?? cut(mName, "_count") ?? mName;
      break;
    case MetadataType.GaugeHistogram:
      got = cut(mName, "_bucket") ?? cut(mName, "_gsum") ?? cut(mName, "_gcount") ?? mName;
      break;
    case MetadataType.Summary:
      got = cut(mName, "_sum") ?? cut(mName, "_count") ?? mName;
      break;
    case MetadataType.Info:
      family = cut(mfName, "_info") ?? mfName;
      got = cut(mName, "_info") ?? mName;
      break;
  }
  return family === got;
}
