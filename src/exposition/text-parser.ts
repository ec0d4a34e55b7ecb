/**
 * Parser for the Prometheus text exposition format 0.0.4, including the
 * quoted UTF-8 names of 1.0.0 (`{"my.metric", "a.b"="c"}`,
 * `# HELP "my.metric" ...`). Follows Prometheus's model/textparse
 * PromParser and its lexer (promlex.l) token by token, so that the same
 * input is accepted or rejected with the same message.
 */
import type { LabelsBuilder } from "../model/index.ts";
import { NumberSyntaxError, parseDigitsInt64 } from "./parse-float.ts";
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
  tValue,
  tWhitespace,
  tokenName,
  unescapeHelp,
} from "./parser.ts";
import type { Exemplar } from "./parser.ts";

const NL = 10;
const SP = 32;
const TAB = 9;
const HASH = 35;
const QUOTE = 34;
const BSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;
const EQUAL = 61;

function isBlank(c: number): boolean {
  return c === SP || c === TAB;
}

/**
 * Parses one text format 0.0.4 / 1.0.0 body. The text is parsed as if it
 * ended with a newline (upstream appends one). Blank lines are allowed; a
 * NUL character at the start of a line ends the data.
 *
 * A text that already ends with a newline (every scrape body) is parsed as
 * it is: appending would make a cons string that V8 flattens into a copy
 * of the whole body at the first character read. The two parses return the
 * same entries, and differ only in what an error reports when a quoted
 * string runs to the end; so on an error the text is parsed again with the
 * newline appended, and that parse's error is thrown.
 */
export class TextParser extends BaseParser {
  /** Whether the text is parsed without the appended newline (it ends with one). */
  readonly #unappended: boolean;

  constructor(text: string) {
    const unappended = text.length > 0 && text.charCodeAt(text.length - 1) === NL;
    super(unappended ? text : `${text}\n`);
    this.#unappended = unappended;
  }

  /** Reads a quoted string opening at this.i; `"(\\.|[^\\"])*"`. On failure returns false with i at the offending character. */
  private scanQuoted(skipNul: boolean): boolean {
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
      if (c === 0 && !skipNul) break;
      i++;
    }
    this.i = i;
    return false;
  }

  private whitespace(): number {
    let i = this.i;
    while (i < this.n && isBlank(this.b.charCodeAt(i))) i++;
    this.i = i;
    return tWhitespace;
  }

  /** Comment text up to (not including) the newline; NULs are skipped only in the sComment state. */
  private consumeComment(): number {
    const b = this.b;
    const skip = this.state === sComment;
    let i = this.i;
    if (i >= this.n || b.charCodeAt(i) === 0) return tEOF;
    for (;;) {
      const c = b.charCodeAt(i);
      if (c === NL) {
        this.i = i;
        this.state = sInit;
        return tComment;
      }
      i++;
      while (skip && i < this.n && b.charCodeAt(i) === 0) i++;
      if (i >= this.n || b.charCodeAt(i) === 0) {
        this.i = i;
        return tEOF;
      }
    }
  }

  /** Matches `word[ \t]+` at i; returns the index after it, or -(failing index)-1. */
  private keyword(i: number, word: string): number {
    const b = this.b;
    for (let k = 0; k < word.length; k++, i++) {
      if (i >= this.n || b.charCodeAt(i) !== word.charCodeAt(k)) return -i - 1;
    }
    if (i >= this.n || !isBlank(b.charCodeAt(i))) return -i - 1;
    while (i < this.n && isBlank(b.charCodeAt(i))) i++;
    return i;
  }

  private lex(): number {
    const b = this.b;
    const n = this.n;
    let i = this.i;
    if (i >= n) return tEOF;
    let c = b.charCodeAt(i);
    this.start = i;
    switch (this.state) {
      case sInit:
        if (c === NL) {
          this.i = i + 1;
          return tLinebreak;
        }
        if (isMStart(c)) {
          i++;
          while (i < n && isMChar(b.charCodeAt(i))) i++;
          this.i = i;
          this.state = sValue;
          return tMName;
        }
        if (isBlank(c)) return this.whitespace();
        if (c === HASH) {
          i++;
          if (i < n && isBlank(b.charCodeAt(i))) {
            while (i < n && isBlank(b.charCodeAt(i))) i++;
            this.state = sComment;
            return this.lexMetaKeyword(i);
          }
          this.i = i;
          return this.consumeComment();
        }
        if (c === LBRACE) {
          this.i = i + 1;
          this.state = sLabels;
          return tBraceOpen;
        }
        if (c === 0) {
          this.i = i + 1;
          return tEOF;
        }
        return tInvalid;
      case sMeta1:
        if (c === QUOTE) {
          if (!this.scanQuoted(false)) return tInvalid;
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
        if (isBlank(c)) return this.whitespace();
        return tInvalid;
      case sMeta2: {
        // [ \t]+ and {C}* compete: blanks alone are whitespace (the first
        // rule wins a tie), anything longer is text, and an empty match at
        // the newline is an empty text.
        // NULs after the first character are skipped, as upstream's lexer
        // does in this state.
        let j = i;
        while (j < n && (isBlank(b.charCodeAt(j)) || (j > i && b.charCodeAt(j) === 0))) j++;
        const c2 = j < n ? b.charCodeAt(j) : NL;
        if (j > i && (c2 === NL || c2 === 0)) {
          this.i = j;
          return tWhitespace;
        }
        if (c === 0) {
          this.state = sInit;
          return tText;
        }
        while (j < n && b.charCodeAt(j) !== NL) j++;
        this.i = j;
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
        if (c === QUOTE) return this.scanQuoted(false) ? tQString : tInvalid;
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
        if (isBlank(c)) return this.whitespace();
        return tInvalid;
      case sLValue:
        if (c === QUOTE) {
          if (!this.scanQuoted(true)) return tInvalid;
          this.state = sLabels;
          return tLValue;
        }
        if (isBlank(c)) return this.whitespace();
        return tInvalid;
      case sValue:
        if (isBlank(c)) return this.whitespace();
        if (c === LBRACE) {
          this.i = i + 1;
          this.state = sLabels;
          return tBraceOpen;
        }
        if (c === NL || c === 0) return tInvalid;
        i++;
        while (i < n) {
          c = b.charCodeAt(i);
          if (c === SP || c === NL || c === TAB || c === LBRACE || c === 0) break;
          i++;
        }
        this.i = i;
        this.state = sTimestamp;
        return tValue;
      case sTimestamp:
        if (c === NL) {
          this.i = i + 1;
          this.state = sInit;
          return tLinebreak;
        }
        if (isBlank(c)) return this.whitespace();
        if (c >= 48 && c <= 57) {
          i++;
          while (i < n && (c = b.charCodeAt(i)) >= 48 && c <= 57) i++;
          this.i = i;
          return tTimestamp;
        }
        return tInvalid;
    }
    throw new Error(`BUG: text lexer in state ${this.state}`);
  }

  /** After `#[ \t]+`: HELP or TYPE, else the line is a comment (the token still starts at `#`). */
  private lexMetaKeyword(i: number): number {
    const c = this.b.charCodeAt(i);
    if (c === 72 || c === 84) {
      const end = this.keyword(i, c === 72 ? "HELP" : "TYPE");
      if (end >= 0) {
        this.i = end;
        this.state = sMeta1;
        return c === 72 ? tHelp : tType;
      }
      i = -end - 1;
    }
    this.i = i;
    return this.consumeComment();
  }

  private nextToken(): number {
    for (;;) {
      const t = this.lex();
      if (t !== tWhitespace) return t;
    }
  }

  next(): Entry {
    if (!this.#unappended) return this.nextEntry();
    try {
      return this.nextEntry();
    } catch (e) {
      if (!(e instanceof ExpositionParseError)) throw e;
      throw this.appendedError();
    }
  }

  /** The error the same text with a newline appended fails with (see the class comment). */
  private appendedError(): ExpositionParseError {
    const p = new TextParser(`${this.b}\n`);
    for (;;) {
      try {
        if (p.nextEntry() === Entry.EOF) break;
      } catch (e) {
        if (e instanceof ExpositionParseError) return e;
        throw e;
      }
    }
    throw new Error("BUG: a text parse failed, the same text with a newline appended did not");
  }

  private nextEntry(): Entry {
    const expected = this.takeExpected();
    for (;;) {
      this.lineStart = this.i;
      this.nOffsets = 0;
      if (this.state === sInit && this.i < this.n && isMStart(this.b.charCodeAt(this.i))) {
        if (expected !== "" && this.#expectedLine(expected)) return Entry.Series;
        if (this.plainSeriesLine()) return Entry.Series;
      }
      const t = this.nextToken();
      switch (t) {
        case tEOF:
          return Entry.EOF;
        case tLinebreak:
          continue;
        case tHelp:
        case tType:
          return this.parseMeta(t);
        case tComment:
          this.textStart = this.start;
          this.textEnd = this.i;
          {
            const t2 = this.nextToken();
            if (t2 !== tLinebreak) throw this.parseError("linebreak expected after comment", t2);
          }
          return Entry.Comment;
        case tBraceOpen:
          this.nOffsets = 2;
          this.offsets[0] = -1;
          this.offsets[1] = -1;
          this.parseLabelValues();
          this.seriesEnd = this.i;
          return this.parseMetricSuffix(this.nextToken());
        case tMName: {
          this.nOffsets = 2;
          this.offsets[0] = this.lineStart;
          this.offsets[1] = this.i;
          this.seriesEnd = this.i;
          let t2 = this.nextToken();
          if (t2 === tBraceOpen) {
            this.parseLabelValues();
            this.seriesEnd = this.i;
            t2 = this.nextToken();
          }
          return this.parseMetricSuffix(t2);
        }
        default:
          throw this.parseError("expected a valid start token", t);
      }
    }
  }

  /**
   * The fast path for the lines nearly every body is made of:
   * `name{name="value",...} value[ timestamp]\n`, with legacy names, values
   * without escapes, NULs or non-ASCII characters, and single blanks where
   * blanks go. Consumes the line and records it as the token-by-token path
   * does (the same offsets, value and timestamp), or, on anything else,
   * returns false having changed nothing, and that path parses the line
   * (and reports its errors).
   */
  protected plainSeriesLine(): boolean {
    const b = this.b;
    const n = this.n;
    const lineStart = this.i;
    let i = lineStart + 1;
    let c = 0;
    while (i < n && isMChar((c = b.charCodeAt(i)))) i++;
    if (i >= n) return false;
    const nameEnd = i;
    let nOffsets = 2;
    if (c === LBRACE) {
      i++;
      for (;;) {
        if (i >= n) return false;
        c = b.charCodeAt(i);
        if (c === RBRACE) break;
        if (!isLStart(c)) return false;
        const ls = i;
        i++;
        while (i < n && isLChar((c = b.charCodeAt(i)))) i++;
        if (c !== EQUAL || i + 1 >= n || b.charCodeAt(i + 1) !== QUOTE) return false;
        const le = i;
        i += 2;
        const vs = i;
        for (;;) {
          if (i >= n) return false;
          c = b.charCodeAt(i);
          if (c === QUOTE) break;
          if (c === BSLASH || c === 0 || c === NL || c >= 0x80) return false;
          i++;
        }
        const ve = i;
        i++;
        if (nOffsets + 4 > this.offsets.length) return false;
        this.offsets[nOffsets] = ls;
        this.offsets[nOffsets + 1] = le;
        this.offsets[nOffsets + 2] = vs;
        this.offsets[nOffsets + 3] = ve;
        nOffsets += 4;
        if (i >= n) return false;
        c = b.charCodeAt(i);
        if (c === COMMA) i++;
        else if (c !== RBRACE) return false;
      }
      i++;
      if (i >= n) return false;
      c = b.charCodeAt(i);
    }
    if (c !== SP || !this.#sampleAfter(i)) return false;
    this.offsets[0] = lineStart;
    this.offsets[1] = nameEnd;
    this.nOffsets = nOffsets;
    return true;
  }

  /**
   * The fast path for a series line that starts with the expected series
   * text and a blank: only the value and timestamp are parsed, as
   * plainSeriesLine does. Equal texts give equal label sets, so the caller,
   * which knows them, does not need them parsed.
   */
  #expectedLine(expected: string): boolean {
    const end = this.i + expected.length;
    if (end >= this.n || this.b.charCodeAt(end) !== SP || !this.b.startsWith(expected, this.i) || !this.#sampleAfter(end)) return false;
    this.matched = true;
    return true;
  }

  /**
   * The rest of a plain series line whose series text ends at seriesEnd,
   * where a blank is: ` value[ timestamp]\n`. Records the series end, value
   * and timestamp and consumes the line, or returns false having changed
   * nothing.
   */
  #sampleAfter(seriesEnd: number): boolean {
    const b = this.b;
    const n = this.n;
    let c = 0;
    let i = seriesEnd + 1;
    const vs = i;
    while (i < n && (c = b.charCodeAt(i)) !== SP && c !== NL) {
      if (c === TAB || c === LBRACE || c === 0) return false;
      i++;
    }
    if (i >= n || i === vs) return false;
    const ve = i;
    let ts = -1;
    let tsEnd = -1;
    if (c === SP) {
      i++;
      ts = i;
      while (i < n && (c = b.charCodeAt(i)) >= 48 && c <= 57) i++;
      if (i >= n || c !== NL || i === ts) return false;
      tsEnd = i;
    }
    return this.takeSample(seriesEnd, vs, ve, ts, tsEnd, false, i + 1);
  }

  private parseMeta(t: number): Entry {
    const b = this.b;
    const t2 = this.nextToken();
    if (t2 !== tMName) throw this.parseError(`expected metric name after ${tokenName(t)}`, t2);
    let mStart = this.start;
    let mEnd = this.i;
    if (b.charCodeAt(mStart) === QUOTE && b.charCodeAt(mEnd - 1) === QUOTE) {
      mStart++;
      mEnd--;
    }
    this.offsets[0] = mStart;
    this.offsets[1] = mEnd;
    this.nOffsets = 2;
    const t3 = this.nextToken();
    if (t3 !== tText) throw this.errorAt(`expected text in ${tokenName(t)}, got ${tokenName(t3)}`, this.start);
    this.textStart = this.i - this.start > 1 ? this.start + 1 : this.i;
    this.textEnd = this.i;
    if (t === tType) {
      const s = b.slice(this.textStart, this.textEnd);
      switch (s) {
        case "counter":
          this.mtype = MetadataType.Counter;
          break;
        case "gauge":
          this.mtype = MetadataType.Gauge;
          break;
        case "histogram":
          this.mtype = MetadataType.Histogram;
          break;
        case "summary":
          this.mtype = MetadataType.Summary;
          break;
        case "untyped":
          this.mtype = MetadataType.Unknown;
          break;
        default:
          throw this.errorAt(`invalid metric type ${q(s, 0, s.length)}`, this.textStart);
      }
    } else if (!isWellFormedRange(b, this.textStart, this.textEnd)) {
      throw this.errorAt(`help text ${q(b, this.textStart, this.textEnd)} is not a valid utf8 string`, this.textStart);
    }
    const t4 = this.nextToken();
    if (t4 !== tLinebreak) throw this.parseError("linebreak expected after metadata", t4);
    return t === tHelp ? Entry.Help : Entry.Type;
  }

  /** The label pairs inside braces, through the closing brace. */
  private parseLabelValues(): void {
    const b = this.b;
    let t = this.nextToken();
    for (;;) {
      let curStart = this.start;
      let curEnd = this.i;
      if (t === tBraceClose) return;
      if (t !== tLName && t !== tQString) throw this.parseError("expected label name", t);
      const isQString = t === tQString;
      t = this.nextToken();
      // A quoted string followed by a comma or brace is the metric name.
      if (isQString && (t === tComma || t === tBraceClose)) {
        if (this.offsets[0] !== -1 || this.offsets[1] !== -1) {
          throw this.errorAt(`metric name already set while parsing: ${q(b, this.lineStart, this.i)}`, curStart);
        }
        this.offsets[0] = curStart + 1;
        this.offsets[1] = curEnd - 1;
        if (t === tBraceClose) return;
        t = this.nextToken();
        continue;
      }
      if (isQString) {
        curStart++;
        curEnd--;
      }
      this.pushOffsets(curStart, curEnd);
      if (t !== tEqual) throw this.parseError("expected equal", t);
      const t2 = this.nextToken();
      if (t2 !== tLValue) throw this.parseError("expected label value", t2);
      if (!isWellFormedRange(b, this.start, this.i)) {
        throw this.errorAt(`invalid UTF-8 label value: ${q(b, this.start, this.i)}`, this.start);
      }
      this.pushOffsets(this.start + 1, this.i - 1);
      // NOTE: matches Prometheus, which allows blanks instead of commas
      // between label pairs here (unlike OpenMetrics).
      t = this.nextToken();
      if (t === tComma) t = this.nextToken();
    }
  }

  /** Value, optional timestamp and the line end after the metric name and labels. */
  private parseMetricSuffix(t: number): Entry {
    const b = this.b;
    if (this.offsets[0] === -1) throw this.errorAt(`metric name not set while parsing: ${q(b, this.lineStart, this.i)}`, this.lineStart);
    if (t !== tValue) throw this.parseError("expected value after metric", t);
    this.val = this.parseFloatOrThrow(this.start, this.i);
    this.hasTs = false;
    const t2 = this.nextToken();
    if (t2 === tTimestamp) {
      this.hasTs = true;
      try {
        this.ts = parseDigitsInt64(b, this.start, this.i);
      } catch (e) {
        if (e instanceof NumberSyntaxError) throw this.errorAt(`${e.message} while parsing: ${q(b, this.lineStart, this.i)}`, this.start);
        throw e;
      }
      const t3 = this.nextToken();
      if (t3 !== tLinebreak) throw this.parseError("expected next entry after timestamp", t3);
    } else if (t2 !== tLinebreak) {
      throw this.parseError("expected timestamp or new record", t2);
    }
    return Entry.Series;
  }

  help(): string {
    return unescapeHelp(this.b, this.textStart, this.textEnd);
  }

  /** The text format has no UNIT lines: always "". */
  unit(): string {
    return "";
  }

  /** The text format has no exemplars: always null. */
  exemplar(_b: LabelsBuilder): Exemplar | null {
    return null;
  }

  /** The text format carries no created timestamps: always null. */
  createdTimestamp(): number | null {
    return null;
  }
}
