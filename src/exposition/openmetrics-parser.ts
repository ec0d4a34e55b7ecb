/**
 * Parser for OpenMetrics 1.0 text (application/openmetrics-text 0.0.1 and
 * 1.0.0), including quoted UTF-8 names. Follows Prometheus's model/textparse
 * OpenMetricsParser and its lexer (openmetricslex.l) token by token: single
 * spaces only, no blank lines, `# EOF` required and nothing after it,
 * timestamps in seconds with decimals, one exemplar per sample, UNIT lines
 * that must be a suffix of the family name, and `_created` lines read as the
 * created timestamp of counters, summaries and histograms.
 */
import { Labels, type LabelsBuilder } from "../model/index.ts";
import {
  BaseParser,
  Entry,
  ExpositionParseError,
  MetadataType,
  isLChar,
  isLStart,
  isMChar,
  isMStart,
  isWellFormedRange,
  q,
  sComment,
  sETimestamp,
  sEValue,
  sExemplar,
  sInit,
  sLValue,
  sLabels,
  sMeta1,
  sMeta2,
  sTimestamp,
  sValue,
  tBraceClose,
  tBraceOpen,
  tComma,
  tComment,
  tEOF,
  tEOFWord,
  tEqual,
  tHelp,
  tInvalid,
  tLName,
  tLValue,
  tLinebreak,
  tMName,
  tQString,
  tText,
  tTimestamp,
  tType,
  tUnit,
  tValue,
  tokenName,
  unescapeLabelValue,
} from "./parser.ts";
import type { Exemplar } from "./parser.ts";

const NL = 10;
const SP = 32;
const HASH = 35;
const QUOTE = 34;
const BSLASH = 92;
const LBRACE = 123;
const CREATED = "_created";

/** Options of an OpenMetricsParser. */
export interface OpenMetricsParserOptions {
  /**
   * Do not return `_created` series of counters, summaries and histograms
   * (they are still read by createdTimestamp()). Prometheus turns this on
   * with created-timestamp zero ingestion.
   */
  skipCreatedSeries?: boolean;
}

function typeRequiresCreated(t: MetadataType): boolean {
  return t === MetadataType.Counter || t === MetadataType.Summary || t === MetadataType.Histogram;
}

/** `[^ \n]` as the lexer's classes read it (NUL never matches). */
function isTokenChar(c: number): boolean {
  return c !== SP && c !== NL && c !== 0;
}

/** Parses one OpenMetrics 1.0 body. */
export class OpenMetricsParser extends BaseParser {
  private readonly skipCreatedSeries: boolean;
  /** Length of the family name on the last HELP/TYPE/UNIT line. */
  private familyNameLen: number;
  /** Exemplar label offsets, as offsets[2..] (4 per label). */
  private eOffsets: Int32Array;
  private nEOffsets: number;
  private hasExemplar: boolean;
  private exemplarVal: number;
  private exemplarTs: number;
  private hasExemplarTs: boolean;
  /** Whether exemplars are skipped (while reading ahead for a created timestamp). */
  private ignoreExemplar: boolean;
  /** The series key the cached created timestamp belongs to ("" when none). */
  private createdKey: string;
  private createdTs: number;
  /** A second parser over the same body that reads ahead for `_created`; made on first use. */
  private peeker: OpenMetricsParser | null;

  constructor(text: string, opts: OpenMetricsParserOptions = {}) {
    super(text);
    this.skipCreatedSeries = opts.skipCreatedSeries ?? false;
    this.familyNameLen = 0;
    this.eOffsets = new Int32Array(16);
    this.nEOffsets = 0;
    this.hasExemplar = false;
    this.exemplarVal = 0;
    this.exemplarTs = 0;
    this.hasExemplarTs = false;
    this.ignoreExemplar = false;
    this.createdKey = "";
    this.createdTs = 0;
    this.peeker = null;
  }

  /** Reads a quoted string opening at this.i. On failure returns false with i at the offending character. */
  private scanQuoted(allowNewline: boolean, skipNul: boolean): boolean {
    const b = this.b;
    const n = this.n;
    let i = this.i + 1;
    for (;;) {
      if (i >= n) break;
      let c = b.charCodeAt(i);
      if (c === QUOTE) {
        this.i = i + 1;
        return true;
      }
      if (c === BSLASH) {
        i++;
        if (i >= n) break;
        c = b.charCodeAt(i);
        if (c === NL || (c === 0 && !skipNul)) break;
        i++;
        continue;
      }
      if ((c === NL && !allowNewline) || (c === 0 && !skipNul)) break;
      i++;
    }
    this.i = i;
    return false;
  }

  /** `{S}[^ \n]+` at i: returns the end, or fails (tInvalid) with i at the offending character. */
  private spaceThenToken(i: number, tok: number): number {
    const b = this.b;
    i++;
    if (i >= this.n || !isTokenChar(b.charCodeAt(i))) {
      this.i = Math.min(i, this.n);
      return tInvalid;
    }
    i++;
    while (i < this.n && isTokenChar(b.charCodeAt(i))) i++;
    this.i = i;
    return tok;
  }

  private lex(): number {
    const b = this.b;
    const n = this.n;
    let i = this.i;
    if (i >= n) return tEOF;
    const c = b.charCodeAt(i);
    this.start = i;
    switch (this.state) {
      case sInit:
        if (isMStart(c)) {
          i++;
          while (i < n && isMChar(b.charCodeAt(i))) i++;
          this.i = i;
          this.state = sValue;
          return tMName;
        }
        if (c === LBRACE) {
          this.i = i + 1;
          this.state = sLabels;
          return tBraceOpen;
        }
        if (c === HASH) {
          i++;
          if (i < n && b.charCodeAt(i) === SP) {
            this.state = sComment;
            return this.lexMetaKeyword(i + 1);
          }
          this.i = i;
          return tInvalid;
        }
        return tInvalid;
      case sMeta1:
        if (c === QUOTE) {
          if (!this.scanQuoted(true, false)) return tInvalid;
          this.state = sMeta2;
          return tMName;
        }
        if (isMStart(c)) {
          i++;
          while (i < n && isMChar(b.charCodeAt(i))) i++;
          this.i = i;
          this.state = sMeta2;
          return tMName;
        }
        return tInvalid;
      case sMeta2: {
        // `{S}{C}*\n`: a space, the text, and the newline.
        if (c !== SP) return tInvalid;
        const nl = b.indexOf("\n", i + 1);
        if (nl < 0) {
          this.i = n;
          return tInvalid;
        }
        this.i = nl + 1;
        this.state = sInit;
        return tText;
      }
      case sLabels:
        if (isLStart(c)) {
          i++;
          while (i < n && isLChar(b.charCodeAt(i))) i++;
          this.i = i;
          return tLName;
        }
        if (c === QUOTE) return this.scanQuoted(true, false) ? tQString : tInvalid;
        if (c === 44) {
          this.i = i + 1;
          return tComma;
        }
        if (c === 61) {
          this.i = i + 1;
          this.state = sLValue;
          return tEqual;
        }
        if (c === 125) {
          this.i = i + 1;
          this.state = sValue;
          return tBraceClose;
        }
        return tInvalid;
      case sLValue:
        if (c === QUOTE) {
          if (!this.scanQuoted(false, true)) return tInvalid;
          this.state = sLabels;
          return tLValue;
        }
        return tInvalid;
      case sValue:
        if (c === SP) {
          const t = this.spaceThenToken(i, tValue);
          if (t === tValue) this.state = sTimestamp;
          return t;
        }
        if (c === LBRACE) {
          this.i = i + 1;
          this.state = sLabels;
          return tBraceOpen;
        }
        return tInvalid;
      case sTimestamp:
        if (c === NL) {
          this.i = i + 1;
          this.state = sInit;
          return tLinebreak;
        }
        if (c === SP) {
          // ` # {` opens an exemplar; ` #` alone is a (bad) timestamp token;
          // ` # ` followed by anything else matches no rule.
          if (i + 1 < n && b.charCodeAt(i + 1) === HASH && i + 2 < n && b.charCodeAt(i + 2) === SP) {
            if (i + 3 < n && b.charCodeAt(i + 3) === LBRACE) {
              this.i = i + 4;
              this.state = sExemplar;
              return tComment;
            }
            this.i = Math.min(i + 3, n);
            return tInvalid;
          }
          return this.spaceThenToken(i, tTimestamp);
        }
        return tInvalid;
      case sExemplar:
        if (isLStart(c)) {
          i++;
          while (i < n && isLChar(b.charCodeAt(i))) i++;
          this.i = i;
          return tLName;
        }
        if (c === QUOTE) return this.scanQuoted(false, false) ? tQString : tInvalid;
        if (c === 125) {
          this.i = i + 1;
          this.state = sEValue;
          return tBraceClose;
        }
        if (c === 61) {
          this.i = i + 1;
          this.state = sEValue;
          return tEqual;
        }
        if (c === 44) {
          this.i = i + 1;
          return tComma;
        }
        return tInvalid;
      case sEValue:
        if (c === QUOTE) {
          if (!this.scanQuoted(false, false)) return tInvalid;
          this.state = sExemplar;
          return tLValue;
        }
        if (c === SP) {
          const t = this.spaceThenToken(i, tValue);
          if (t === tValue) this.state = sETimestamp;
          return t;
        }
        return tInvalid;
      case sETimestamp:
        if (c === NL) {
          this.i = i + 1;
          this.state = sInit;
          return tLinebreak;
        }
        if (c === SP) return this.spaceThenToken(i, tTimestamp);
        return tInvalid;
    }
    throw new Error(`BUG: OpenMetrics lexer in state ${this.state}`);
  }

  /** After `# `: HELP, TYPE, UNIT (each with one space) or EOF (with an optional newline). */
  private lexMetaKeyword(i: number): number {
    const b = this.b;
    const n = this.n;
    const c = i < n ? b.charCodeAt(i) : 0;
    const word = c === 72 ? "HELP " : c === 84 ? "TYPE " : c === 85 ? "UNIT " : c === 69 ? "EOF" : "";
    if (word === "") {
      this.i = Math.min(i, n);
      return tInvalid;
    }
    for (let k = 0; k < word.length; k++, i++) {
      if (i >= n || b.charCodeAt(i) !== word.charCodeAt(k)) {
        this.i = Math.min(i, n);
        return tInvalid;
      }
    }
    if (c === 69) {
      if (i < n && b.charCodeAt(i) === NL) i++;
      this.i = i;
      this.state = sInit;
      return tEOFWord;
    }
    this.i = i;
    this.state = sMeta1;
    return c === 72 ? tHelp : c === 84 ? tType : tUnit;
  }

  next(): Entry {
    const expected = this.takeExpected();
    for (;;) {
      const e = this.nextEntry(expected);
      // A line taken by its text is no _created series of a family that has them (see expectedLine).
      if (e !== Entry.Series || !this.skipCreatedSeries || this.matched || !this.isCreatedSeries()) return e;
    }
  }

  /** The next entry; expected: the series text to try the line with first ("" for none). */
  private nextEntry(expected: string): Entry {
    this.lineStart = this.i;
    this.nOffsets = 0;
    if (!this.ignoreExemplar) {
      this.nEOffsets = 0;
      this.hasExemplar = false;
      this.exemplarVal = 0;
      this.hasExemplarTs = false;
    }
    if (expected !== "" && this.state === sInit && this.expectedLine(expected)) return Entry.Series;
    const t = this.lex();
    switch (t) {
      case tEOFWord:
        if (this.lex() !== tEOF) throw this.errorAt("unexpected data after # EOF", this.i);
        return Entry.EOF;
      case tEOF:
        throw this.errorAt("data does not end with # EOF", this.i);
      case tHelp:
      case tType:
      case tUnit:
        return this.parseMeta(t);
      case tBraceOpen:
        this.nOffsets = 2;
        this.offsets[0] = -1;
        this.offsets[1] = -1;
        this.parseLabelValues(false);
        this.seriesEnd = this.i;
        this.parseSeriesEndOfLine(this.lex());
        return Entry.Series;
      case tMName: {
        this.nOffsets = 2;
        this.offsets[0] = this.lineStart;
        this.offsets[1] = this.i;
        this.seriesEnd = this.i;
        let t2 = this.lex();
        if (t2 === tBraceOpen) {
          this.parseLabelValues(false);
          this.seriesEnd = this.i;
          t2 = this.lex();
        }
        this.parseSeriesEndOfLine(t2);
        return Entry.Series;
      }
      default:
        throw this.parseError("expected a valid start token", t);
    }
  }

  /**
   * The fast path for a series line that starts with the expected series
   * text and a space: only ` value[ timestamp]\n` is read, as the token
   * path reads it. A line with an exemplar, a `_created` line that
   * next() may have to skip, and anything the token path might reject are
   * left to it (false, nothing changed). The series text reads the same
   * at the start of any line, so equal texts give equal label sets: the
   * caller, which knows them, does not need them parsed.
   */
  private expectedLine(expected: string): boolean {
    const b = this.b;
    const n = this.n;
    const end = this.i + expected.length;
    if (end >= n || b.charCodeAt(end) !== SP || !b.startsWith(expected, this.i)) return false;
    if (this.skipCreatedSeries && typeRequiresCreated(this.mtype) && expected.includes(CREATED)) return false;
    let i = end + 1;
    const vs = i;
    let c = 0;
    while (i < n && isTokenChar((c = b.charCodeAt(i)))) i++;
    if (i >= n || i === vs || (c !== NL && c !== SP)) return false;
    const ve = i;
    let ts = -1;
    let tsEnd = -1;
    if (c === SP) {
      i++;
      ts = i;
      while (i < n && isTokenChar((c = b.charCodeAt(i)))) i++;
      // Another space: an exemplar (` # {`) or an error, for the token path.
      if (i >= n || c !== NL || i === ts) return false;
      tsEnd = i;
    }
    if (!this.takeSample(end, vs, ve, ts, tsEnd, true, i + 1)) return false;
    this.matched = true;
    return true;
  }

  private parseMeta(t: number): Entry {
    const b = this.b;
    const t2 = this.lex();
    if (t2 !== tMName) throw this.parseError(`expected metric name after ${tokenName(t)}`, t2);
    let mStart = this.start;
    let mEnd = this.i;
    if (b.charCodeAt(mStart) === QUOTE && b.charCodeAt(mEnd - 1) === QUOTE) {
      mStart++;
      mEnd--;
    }
    this.familyNameLen = mEnd - mStart;
    this.offsets[0] = mStart;
    this.offsets[1] = mEnd;
    this.nOffsets = 2;
    if (this.lex() !== tText) throw this.errorAt(`expected text in ${tokenName(t)}`, this.start);
    // The token is " text\n".
    this.textStart = this.start + 1;
    this.textEnd = this.i - 1;
    const text = b.slice(this.textStart, this.textEnd);
    if (t === tType) {
      switch (text) {
        case "counter":
        case "gauge":
        case "histogram":
        case "gaugehistogram":
        case "summary":
        case "info":
        case "stateset":
        case "unknown":
          this.mtype = text;
          break;
        default:
          throw this.errorAt(`invalid metric type ${q(text, 0, text.length)}`, this.textStart);
      }
      return Entry.Type;
    }
    if (t === tHelp) {
      if (!isWellFormedRange(b, this.textStart, this.textEnd)) {
        throw this.errorAt(`help text ${q(text, 0, text.length)} is not a valid utf8 string`, this.textStart);
      }
      return Entry.Help;
    }
    if (text.length > 0) {
      const m = b.slice(mStart, mEnd);
      if (!m.endsWith(text) || m.length < text.length + 1 || b.charCodeAt(mEnd - text.length - 1) !== 95) {
        throw this.errorAt(`unit ${q(text, 0, text.length)} not a suffix of metric ${q(m, 0, m.length)}`, this.textStart);
      }
    }
    return Entry.Unit;
  }

  /**
   * The label pairs inside braces, through the closing brace, into offsets
   * (series) or eOffsets (exemplar).
   */
  private parseLabelValues(isExemplar: boolean): void {
    const b = this.b;
    let t = this.lex();
    for (;;) {
      let curStart = this.start;
      let curEnd = this.i;
      if (t === tBraceClose) return;
      if (t !== tLName && t !== tQString) throw this.parseError("expected label name", t);
      const isQString = t === tQString;
      t = this.lex();
      if (t === tComma || t === tBraceClose) {
        if (isExemplar) throw this.parseError("expected label name", t);
        // NOTE: upstream takes any name followed by a comma or brace as the
        // metric name (stripping its first and last characters); only a
        // quoted one is, here, and a bare one fails as in the text format.
        if (isQString) {
          if (this.offsets[0] !== -1 || this.offsets[1] !== -1) {
            throw this.errorAt(`metric name already set while parsing: ${q(b, this.lineStart, this.i)}`, curStart);
          }
          this.offsets[0] = curStart + 1;
          this.offsets[1] = curEnd - 1;
          if (t === tBraceClose) return;
          t = this.lex();
          continue;
        }
      }
      if (isQString) {
        curStart++;
        curEnd--;
      }
      this.pushPair(isExemplar, curStart, curEnd);
      if (t !== tEqual) throw this.parseError("expected equal", t);
      const t2 = this.lex();
      if (t2 !== tLValue) throw this.parseError("expected label value", t2);
      if (!isWellFormedRange(b, this.start, this.i)) {
        throw this.errorAt(`invalid UTF-8 label value: ${q(b, this.start, this.i)}`, this.start);
      }
      this.pushPair(isExemplar, this.start + 1, this.i - 1);
      t = this.lex();
      if (t === tComma) t = this.lex();
      else if (t !== tBraceClose) throw this.parseError("expected comma or brace close", t);
    }
  }

  private pushPair(isExemplar: boolean, a: number, z: number): void {
    if (!isExemplar) {
      this.pushOffsets(a, z);
      return;
    }
    if (this.nEOffsets + 2 > this.eOffsets.length) {
      const grown = new Int32Array(this.eOffsets.length * 2);
      grown.set(this.eOffsets);
      this.eOffsets = grown;
    }
    this.eOffsets[this.nEOffsets++] = a;
    this.eOffsets[this.nEOffsets++] = z;
  }

  /** `<value after>`: the token must be a value; reads it without its leading space. */
  private floatValue(t: number, after: string): number {
    if (t !== tValue) throw this.parseError(`expected value after ${after}`, t);
    return this.parseFloatOrThrow(this.start + 1, this.i);
  }

  /** A timestamp token in seconds, to ms; NaN and infinities are rejected with `invalid <what> <value>`. */
  private timestampMs(what: string): number {
    const s = this.parseFloatOrThrow(this.start + 1, this.i);
    if (Number.isNaN(s) || s === Infinity || s === -Infinity) {
      throw this.errorAt(`invalid ${what} ${Number.isNaN(s) ? "NaN" : s > 0 ? "+Inf" : "-Inf"}`, this.start + 1);
    }
    // NOTE: matches Prometheus, which truncates int64(ts * 1000).
    return Math.trunc(s * 1000);
  }

  /** Value, optional timestamp, optional exemplar and the newline. */
  private parseSeriesEndOfLine(t: number): void {
    if (this.offsets[0] === -1) throw this.errorAt(`metric name not set while parsing: ${q(this.b, this.lineStart, this.i)}`, this.lineStart);
    this.val = this.floatValue(t, "metric");
    this.hasTs = false;
    const t2 = this.lex();
    switch (t2) {
      case tEOF:
        throw this.errorAt("data does not end with # EOF", this.i);
      case tLinebreak:
        return;
      case tComment:
        this.parseExemplar();
        return;
      case tTimestamp: {
        this.hasTs = true;
        this.ts = this.timestampMs("timestamp");
        const t3 = this.lex();
        if (t3 === tComment) this.parseExemplar();
        else if (t3 !== tLinebreak) throw this.parseError("expected next entry after timestamp", t3);
        return;
      }
      default:
        throw this.parseError("expected timestamp or comment", t2);
    }
  }

  /** After ` # {`: exemplar labels, value, optional timestamp, newline. */
  private parseExemplar(): void {
    if (this.ignoreExemplar) {
      for (let t = this.lex(); t !== tLinebreak; t = this.lex()) {
        if (t === tEOF) throw this.errorAt("data does not end with # EOF", this.i);
        if (t === tInvalid) throw this.parseError("expected next entry after exemplar", t);
      }
      return;
    }
    this.parseLabelValues(true);
    this.hasExemplar = true;
    this.exemplarVal = this.floatValue(this.lex(), "exemplar labels");
    this.hasExemplarTs = false;
    const t = this.lex();
    switch (t) {
      case tEOF:
        throw this.errorAt("data does not end with # EOF", this.i);
      case tLinebreak:
        return;
      case tTimestamp: {
        this.hasExemplarTs = true;
        this.exemplarTs = this.timestampMs("exemplar timestamp");
        const t2 = this.lex();
        if (t2 !== tLinebreak) throw this.parseError("expected next entry after exemplar timestamp", t2);
        return;
      }
      default:
        throw this.parseError("expected timestamp or comment", t);
    }
  }

  private isCreatedSeries(): boolean {
    return typeRequiresCreated(this.mtype) && this.b.endsWith(CREATED, this.offsets[1]!) && this.offsets[1]! - this.offsets[0]! >= CREATED.length;
  }

  /**
   * The identity of the current series for matching `_created` lines: the
   * raw label pairs except `le` (histograms) and `quantile` (summaries),
   * then the family name.
   */
  private createdMatchKey(familyName: string): string {
    const o = this.offsets;
    const b = this.b;
    let key = "";
    for (let k = 2; k < this.nOffsets; k += 4) {
      const name = b.slice(o[k]!, o[k + 1]!);
      if (this.mtype === MetadataType.Summary && name === "quantile") continue;
      if (this.mtype === MetadataType.Histogram && name === "le") continue;
      key += `${name}\xff${b.slice(o[k + 2]!, o[k + 3]!)}\xff`;
    }
    return key + familyName;
  }

  /** Repositions this parser (used as a peeker) at another parser's place. */
  private resetFrom(p: OpenMetricsParser): void {
    this.i = p.i;
    this.start = p.start;
    this.state = p.state;
    this.mtype = p.mtype;
    this.familyNameLen = p.familyNameLen;
    this.ignoreExemplar = true;
  }

  /**
   * Reads ahead through the current family for a `_created` line with the
   * same labels (ignoring `le`/`quantile`), as upstream's CreatedTimestamp:
   * the search stops at the first non-series entry, at a `_created` line of
   * another series, or at a parse error, and gives null then. The result is
   * cached for the following series of the same group.
   */
  createdTimestamp(): number | null {
    if (this.matched) throw new Error("BUG: createdTimestamp() of a series line taken by its expected text");
    if (!typeRequiresCreated(this.mtype)) {
      this.createdKey = "";
      return null;
    }
    const o = this.offsets;
    const rawName = this.b.slice(o[0]!, o[1]!);
    const key = this.createdMatchKey(rawName.slice(0, this.familyNameLen));
    if (key === this.createdKey && this.createdTs > 0) return this.createdTs;
    const peek = (this.peeker ??= new OpenMetricsParser(this.b));
    peek.resetFrom(this);
    for (;;) {
      let e: Entry;
      try {
        e = peek.nextEntry("");
      } catch (err) {
        if (err instanceof ExpositionParseError) break;
        throw err;
      }
      if (e !== Entry.Series) break;
      const po = peek.offsets;
      const peekedName = peek.b.slice(po[0]!, po[1]!);
      if (!peekedName.endsWith(CREATED)) continue;
      if (peek.createdMatchKey(peekedName.slice(0, peekedName.length - CREATED.length)) !== key) break;
      const ct = Math.trunc(peek.val * 1000);
      this.createdKey = key;
      this.createdTs = ct;
      return ct;
    }
    this.createdKey = "";
    return null;
  }

  help(): string {
    // NOTE: matches Prometheus: OpenMetrics HELP uses label value escaping.
    return unescapeLabelValue(this.b, this.textStart, this.textEnd);
  }

  unit(): string {
    return this.b.slice(this.textStart, this.textEnd);
  }

  exemplar(lb: LabelsBuilder): Exemplar | null {
    if (!this.hasExemplar) return null;
    lb.reset(Labels.EMPTY);
    const o = this.eOffsets;
    for (let k = 0; k < this.nEOffsets; k += 4) {
      lb.set(unescapeLabelValue(this.b, o[k]!, o[k + 1]!), unescapeLabelValue(this.b, o[k + 2]!, o[k + 3]!));
    }
    return { labels: lb.labels(), value: this.exemplarVal, t: this.hasExemplarTs ? this.exemplarTs : null };
  }
}
