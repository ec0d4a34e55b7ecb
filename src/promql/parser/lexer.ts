/**
 * The PromQL lexer, after Prometheus's promql/parser/lex.go.
 *
 * The whole input is tokenized up front into parallel typed arrays (type,
 * start, end), which the parser walks with an index. Like the Go lexer, the
 * scan stops at the first lexical error: the stream then ends with one
 * ERROR token (its message in `errorMessage`) followed by EOF. Comments are
 * dropped. Positions are UTF-16 offsets, `start` inclusive, `end` exclusive.
 *
 * The lexer is context sensitive exactly where Go's is: inside `{...}` every
 * word is an IDENTIFIER (keywords are not recognized), inside `[...]` only
 * the tokens of duration expressions are accepted.
 */

/** Token types. Grouped like Go's ItemType ranges (operators, aggregators, keywords). */
export const TokenType = {
  EOF: 0,
  ERROR: 1,
  IDENTIFIER: 2,
  METRIC_IDENTIFIER: 3,
  NUMBER: 4,
  DURATION: 5,
  STRING: 6,
  LEFT_PAREN: 7,
  RIGHT_PAREN: 8,
  LEFT_BRACE: 9,
  RIGHT_BRACE: 10,
  LEFT_BRACKET: 11,
  RIGHT_BRACKET: 12,
  COMMA: 13,
  EQL: 14,
  COLON: 15,
  // Histogram trim operators `</` and `>/` (operators, outside the ADD..ATAN2 range).
  TRIM_UPPER: 16,
  TRIM_LOWER: 17,
  // Operators (ADD..ATAN2).
  ADD: 20,
  SUB: 21,
  MUL: 22,
  DIV: 23,
  MOD: 24,
  POW: 25,
  EQLC: 26,
  NEQ: 27,
  LSS: 28,
  LTE: 29,
  GTR: 30,
  GTE: 31,
  EQL_REGEX: 32,
  NEQ_REGEX: 33,
  AT: 34,
  LAND: 35,
  LOR: 36,
  LUNLESS: 37,
  ATAN2: 38,
  // Aggregators (AVG..LIMIT_RATIO).
  AVG: 40,
  BOTTOMK: 41,
  COUNT: 42,
  COUNT_VALUES: 43,
  GROUP: 44,
  MAX: 45,
  MIN: 46,
  QUANTILE: 47,
  STDDEV: 48,
  STDVAR: 49,
  SUM: 50,
  TOPK: 51,
  LIMITK: 52,
  LIMIT_RATIO: 53,
  // Keywords (BOOL..WITHOUT).
  BOOL: 60,
  BY: 61,
  GROUP_LEFT: 62,
  GROUP_RIGHT: 63,
  IGNORING: 64,
  OFFSET: 65,
  SMOOTHED: 66,
  ANCHORED: 67,
  ON: 68,
  WITHOUT: 69,
  // Preprocessors (START..RANGE).
  START: 70,
  END: 71,
  STEP: 72,
  RANGE: 73,
} as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

/** Whether `t` is an operator token (arithmetic, comparison, set, `@`, matchers). */
export function isOperatorToken(t: number): boolean {
  return (t >= TokenType.ADD && t <= TokenType.ATAN2) || t === TokenType.TRIM_UPPER || t === TokenType.TRIM_LOWER;
}

/** Whether `t` is an aggregation operator token. */
export function isAggregatorToken(t: number): boolean {
  return t >= TokenType.AVG && t <= TokenType.LIMIT_RATIO;
}

/** Whether `t` is a keyword token (bool, by, offset, on, ...). */
export function isKeywordToken(t: number): boolean {
  return t >= TokenType.BOOL && t <= TokenType.WITHOUT;
}

/** Words the lexer turns into keyword tokens outside braces, matched case-insensitively. */
const keywords: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  ["and", TokenType.LAND],
  ["or", TokenType.LOR],
  ["unless", TokenType.LUNLESS],
  ["atan2", TokenType.ATAN2],
  ["sum", TokenType.SUM],
  ["avg", TokenType.AVG],
  ["count", TokenType.COUNT],
  ["min", TokenType.MIN],
  ["max", TokenType.MAX],
  ["group", TokenType.GROUP],
  ["stddev", TokenType.STDDEV],
  ["stdvar", TokenType.STDVAR],
  ["topk", TokenType.TOPK],
  ["bottomk", TokenType.BOTTOMK],
  ["count_values", TokenType.COUNT_VALUES],
  ["quantile", TokenType.QUANTILE],
  ["limitk", TokenType.LIMITK],
  ["limit_ratio", TokenType.LIMIT_RATIO],
  ["offset", TokenType.OFFSET],
  ["smoothed", TokenType.SMOOTHED],
  ["anchored", TokenType.ANCHORED],
  ["by", TokenType.BY],
  ["without", TokenType.WITHOUT],
  ["on", TokenType.ON],
  ["ignoring", TokenType.IGNORING],
  ["group_left", TokenType.GROUP_LEFT],
  ["group_right", TokenType.GROUP_RIGHT],
  ["bool", TokenType.BOOL],
  ["start", TokenType.START],
  ["end", TokenType.END],
  ["step", TokenType.STEP],
  ["range", TokenType.RANGE],
  ["inf", TokenType.NUMBER],
  ["nan", TokenType.NUMBER],
]);

/** Canonical spelling of fixed tokens, as Go's ItemTypeStr. */
const tokenText: ReadonlyMap<number, string> = new Map<number, string>([
  [TokenType.LEFT_PAREN, "("],
  [TokenType.RIGHT_PAREN, ")"],
  [TokenType.LEFT_BRACE, "{"],
  [TokenType.RIGHT_BRACE, "}"],
  [TokenType.LEFT_BRACKET, "["],
  [TokenType.RIGHT_BRACKET, "]"],
  [TokenType.COMMA, ","],
  [TokenType.EQL, "="],
  [TokenType.COLON, ":"],
  [TokenType.ADD, "+"],
  [TokenType.SUB, "-"],
  [TokenType.MUL, "*"],
  [TokenType.DIV, "/"],
  [TokenType.MOD, "%"],
  [TokenType.POW, "^"],
  [TokenType.EQLC, "=="],
  [TokenType.NEQ, "!="],
  [TokenType.LSS, "<"],
  [TokenType.LTE, "<="],
  [TokenType.GTR, ">"],
  [TokenType.GTE, ">="],
  [TokenType.EQL_REGEX, "=~"],
  [TokenType.NEQ_REGEX, "!~"],
  [TokenType.AT, "@"],
  [TokenType.TRIM_UPPER, "</"],
  [TokenType.TRIM_LOWER, ">/"],
  ...[...keywords].filter(([, t]) => t !== TokenType.NUMBER).map(([w, t]): [number, string] => [t, w]),
]);

/** The canonical text of a fixed token type ("+", "by", "sum"), or "" for variable tokens. */
export function tokenTypeText(t: number): string {
  return tokenText.get(t) ?? "";
}

/**
 * Describes a token for "unexpected ..." messages exactly like Go's Item.desc():
 * `end of input`, `identifier "foo"`, `<op:*>`, `<aggr:sum>`, `<by>`, `"("`, `number "5"`.
 */
export function describeToken(type: number, text: string): string {
  if (type === TokenType.EOF) return "end of input";
  if (tokenText.has(type)) {
    if (isKeywordToken(type)) return `<${text}>`;
    if (isOperatorToken(type)) return `<op:${text}>`;
    if (isAggregatorToken(type)) return `<aggr:${text}>`;
    return goQuote(text);
  }
  switch (type) {
    case TokenType.ERROR:
      return "error";
    case TokenType.IDENTIFIER:
      return `identifier ${goQuote(text)}`;
    case TokenType.METRIC_IDENTIFIER:
      return `metric identifier ${goQuote(text)}`;
    case TokenType.STRING:
      return `string ${shortQuote(text)}`;
    case TokenType.NUMBER:
      return `number ${shortQuote(text)}`;
    case TokenType.DURATION:
      return `duration ${shortQuote(text)}`;
  }
  return goQuote(text);
}

/** Go's `%.10q...` for long values, `%q` otherwise (Item.String). */
function shortQuote(s: string): string {
  return s.length > 10 ? goQuote(s.slice(0, 10)) + "..." : goQuote(s);
}

/** Go's strconv.Quote (`%q` of a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20 && c < 0x7f) out += s[i];
    else out += escapeNonPrintable(s, i, c);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return out + '"';
}

function escapeNonPrintable(s: string, i: number, c: number): string {
  switch (c) {
    case 0x07:
      return "\\a";
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x0b:
      return "\\v";
  }
  if (c < 0x20 || c === 0x7f) return "\\x" + c.toString(16).padStart(2, "0");
  const cp = s.codePointAt(i)!;
  if (cp >= 0xd800 && cp <= 0xdfff) return "\\ufffd";
  return String.fromCodePoint(cp);
}

/** Go's `%q` of a rune: `'x'`, `'\''`, `'\n'`. */
export function goQuoteRune(cp: number): string {
  if (cp < 0) return "'\ufffd'";
  if (cp === 0x27) return "'\\''";
  if (cp === 0x5c) return "'\\\\'";
  if (cp === 0x22) return "'\"'";
  const ch = String.fromCodePoint(cp);
  if (cp >= 0x20 && cp < 0x7f) return `'${ch}'`;
  return `'${escapeNonPrintable(ch, 0, cp)}'`;
}

/** Go's `%#U` of a rune: `U+0063 'c'`. */
function goRuneU(cp: number): string {
  const hex = "U+" + cp.toString(16).toUpperCase().padStart(4, "0");
  return cp >= 0x20 && cp !== 0x7f ? `${hex} '${String.fromCodePoint(cp)}'` : hex;
}

const EOF_CHAR = -1;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Letters and underscore, as Go's isAlpha (ASCII only). */
function isAlpha(c: number): boolean {
  return c === 0x5f || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isAlphaNumeric(c: number): boolean {
  return isAlpha(c) || isDigit(c);
}

/** Digit value of an ASCII hex digit, 16 for anything else. */
function digitVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 16;
}

/** Thrown internally to stop the scan at the first lexical error. */
class LexStop {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/**
 * The token stream of one input. `types[i]`, `starts[i]`, `ends[i]` for
 * `i < count`; the last token is EOF, preceded by ERROR if the scan failed.
 */
export class Tokens {
  readonly input: string;
  types: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  count = 0;
  /** The lexical error message of the ERROR token, "" when none. */
  errorMessage = "";

  constructor(input: string) {
    this.input = input;
    const cap = Math.max(16, (input.length >> 2) + 4);
    this.types = new Uint8Array(cap);
    this.starts = new Int32Array(cap);
    this.ends = new Int32Array(cap);
  }

  /** The source text of token i (for ERROR: the error message). */
  text(i: number): string {
    if (this.types[i] === TokenType.ERROR) return this.errorMessage;
    return this.input.slice(this.starts[i], this.ends[i]);
  }

  push(type: number, start: number, end: number): void {
    if (this.count === this.types.length) {
      const cap = this.types.length * 2;
      const types = new Uint8Array(cap);
      types.set(this.types);
      const starts = new Int32Array(cap);
      starts.set(this.starts);
      const ends = new Int32Array(cap);
      ends.set(this.ends);
      this.types = types;
      this.starts = starts;
      this.ends = ends;
    }
    this.types[this.count] = type;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }
}

/**
 * Tokenizes a PromQL expression. Never throws: a lexical error becomes an
 * ERROR token whose range runs from the start of the bad item to the end of
 * the input (Go reports it this way).
 */
export function lex(input: string): Tokens {
  const l = new Lexer(input);
  l.run();
  return l.tokens;
}

/** Lexer state; mirrors the fields of Go's Lexer that matter for expressions. */
class Lexer {
  readonly input: string;
  readonly tokens: Tokens;
  pos = 0;
  start = 0;
  parenDepth = 0;
  braceOpen = false;
  bracketOpen = false;
  gotColon = false;
  gotDuration = false;
  /** true: the next item is scanned by Go's lexDurationExpr state, false: lexStatements. */
  durationState = false;
  stringOpen = 0;

  constructor(input: string) {
    this.input = input;
    this.tokens = new Tokens(input);
  }

  run(): void {
    try {
      for (;;) {
        if (this.braceOpen) {
          if (this.insideBraces()) break;
        } else if (this.durationState) {
          this.durationExpr();
        } else if (this.statements()) {
          break;
        }
      }
      this.tokens.push(TokenType.EOF, this.input.length, this.input.length);
    } catch (e) {
      if (!(e instanceof LexStop)) throw e;
      this.tokens.errorMessage = e.message;
      this.tokens.push(TokenType.ERROR, this.start, this.input.length);
      this.tokens.push(TokenType.EOF, this.input.length, this.input.length);
    }
  }

  /** Next UTF-16 unit, EOF_CHAR at the end; advances. */
  next(): number {
    if (this.pos >= this.input.length) {
      this.pos++;
      return EOF_CHAR;
    }
    return this.input.charCodeAt(this.pos++);
  }

  backup(): void {
    this.pos--;
  }

  peek(): number {
    return this.pos < this.input.length ? this.input.charCodeAt(this.pos) : EOF_CHAR;
  }

  emit(type: number): void {
    this.tokens.push(type, this.start, this.pos);
    this.start = this.pos;
    if (this.bracketOpen) this.gotDuration = true;
  }

  ignore(): void {
    this.start = this.pos;
  }

  fail(message: string): never {
    throw new LexStop(message);
  }

  /** Code point at pos-1 (the unit just read), for messages. */
  lastCodePoint(c: number): number {
    if (c >= 0xd800 && c <= 0xdbff && this.pos < this.input.length) {
      const d = this.input.charCodeAt(this.pos);
      if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
    }
    return c;
  }

  skipSpaces(): void {
    while (isSpace(this.peek())) this.pos++;
    this.ignore();
  }

  lineComment(): void {
    this.pos++;
    while (this.pos < this.input.length) {
      const c = this.input.charCodeAt(this.pos);
      if (c === 0x0a || c === 0x0d) break;
      this.pos++;
    }
    this.ignore();
  }

  /** Go's lexStatements. Returns true at EOF. */
  statements(): boolean {
    if (this.peek() === 0x23 /* # */) {
      this.lineComment();
      return false;
    }
    const r = this.next();
    switch (r) {
      case EOF_CHAR:
        this.pos = this.input.length;
        if (this.parenDepth !== 0) this.fail("unclosed left parenthesis");
        if (this.bracketOpen) this.fail("unclosed left bracket");
        return true;
      case 0x2c:
        this.emit(TokenType.COMMA);
        return false;
      case 0x2a:
        this.emit(TokenType.MUL);
        return false;
      case 0x2f:
        this.emit(TokenType.DIV);
        return false;
      case 0x25:
        this.emit(TokenType.MOD);
        return false;
      case 0x2b:
        this.emit(TokenType.ADD);
        return false;
      case 0x2d:
        this.emit(TokenType.SUB);
        return false;
      case 0x5e:
        this.emit(TokenType.POW);
        return false;
      case 0x3d: {
        const t = this.peek();
        if (t === 0x3d) {
          this.pos++;
          this.emit(TokenType.EQLC);
        } else if (t === 0x7e) {
          this.fail(`unexpected character after '=': ${goQuoteRune(t)}`);
        } else {
          this.emit(TokenType.EQL);
        }
        return false;
      }
      case 0x21: {
        const t = this.next();
        if (t !== 0x3d) this.fail(`unexpected character after '!': ${goQuoteRune(t)}`);
        this.emit(TokenType.NEQ);
        return false;
      }
      case 0x3c:
        if (this.peek() === 0x3d) {
          this.pos++;
          this.emit(TokenType.LTE);
        } else if (this.peek() === 0x2f) {
          this.pos++;
          this.emit(TokenType.TRIM_UPPER);
        } else this.emit(TokenType.LSS);
        return false;
      case 0x3e:
        if (this.peek() === 0x3d) {
          this.pos++;
          this.emit(TokenType.GTE);
        } else if (this.peek() === 0x2f) {
          this.pos++;
          this.emit(TokenType.TRIM_LOWER);
        } else this.emit(TokenType.GTR);
        return false;
      case 0x22:
      case 0x27:
        this.stringOpen = r;
        this.lexString();
        return false;
      case 0x60:
        this.lexRawString();
        return false;
      case 0x28:
        this.emit(TokenType.LEFT_PAREN);
        this.parenDepth++;
        return false;
      case 0x29:
        this.emit(TokenType.RIGHT_PAREN);
        this.parenDepth--;
        if (this.parenDepth < 0) {
          // Go emits the token and then overwrites it with the error item.
          this.tokens.count--;
          this.fail(`unexpected right parenthesis ${goQuoteRune(r)}`);
        }
        return false;
      case 0x7b:
        this.emit(TokenType.LEFT_BRACE);
        this.braceOpen = true;
        return false;
      case 0x5b:
        if (this.bracketOpen) this.fail(`unexpected left bracket ${goQuoteRune(r)}`);
        this.gotColon = false;
        this.gotDuration = false;
        this.emit(TokenType.LEFT_BRACKET);
        this.skipSpaces();
        this.bracketOpen = true;
        this.gotDuration = false;
        this.durationState = true;
        return false;
      case 0x5d:
        if (!this.bracketOpen) this.fail(`unexpected right bracket ${goQuoteRune(r)}`);
        this.emit(TokenType.RIGHT_BRACKET);
        this.bracketOpen = false;
        return false;
      case 0x40:
        this.emit(TokenType.AT);
        return false;
    }
    if (isSpace(r)) {
      this.skipSpaces();
      return false;
    }
    if (isDigit(r) || (r === 0x2e && isDigit(this.peek()))) {
      this.backup();
      this.numberOrDuration();
      return false;
    }
    if (isAlpha(r) || r === 0x3a) {
      if (!this.bracketOpen) {
        this.backup();
        this.keywordOrIdentifier();
        return false;
      }
      if (r === 0x3a) {
        if (this.gotColon) this.fail(`unexpected colon ${goQuoteRune(r)}`);
        this.emit(TokenType.COLON);
        this.gotColon = true;
        return false;
      }
      if (this.scanDurationKeyword()) return false;
      this.fail(`unexpected character: ${goQuoteRune(r)}, expected ':'`);
    }
    this.fail(`unexpected character: ${goQuoteRune(this.lastCodePoint(r))}`);
  }

  /** Go's lexDurationExpr: the state right after `[` and after operators inside it. */
  durationExpr(): void {
    const r = this.next();
    switch (r) {
      case EOF_CHAR:
        this.pos = this.input.length;
        this.fail("unexpected end of input in duration expression");
        break;
      case 0x5d:
        this.emit(TokenType.RIGHT_BRACKET);
        this.bracketOpen = false;
        this.gotColon = false;
        this.durationState = false;
        return;
      case 0x3a:
        if (!this.gotDuration) this.fail("unexpected colon before duration in duration expression");
        this.emit(TokenType.COLON);
        if (this.gotColon) this.fail("unexpected repeated colon in duration expression");
        this.gotColon = true;
        return;
      case 0x28:
        this.emit(TokenType.LEFT_PAREN);
        this.parenDepth++;
        return;
      case 0x29:
        this.emit(TokenType.RIGHT_PAREN);
        this.parenDepth--;
        if (this.parenDepth < 0) {
          this.tokens.count--;
          this.fail(`unexpected right parenthesis ${goQuoteRune(r)}`);
        }
        return;
      case 0x2b:
        this.emit(TokenType.ADD);
        return;
      case 0x2d:
        this.emit(TokenType.SUB);
        return;
      case 0x2a:
        this.emit(TokenType.MUL);
        return;
      case 0x2f:
        this.emit(TokenType.DIV);
        return;
      case 0x25:
        this.emit(TokenType.MOD);
        return;
      case 0x5e:
        this.emit(TokenType.POW);
        return;
      case 0x2c:
        this.emit(TokenType.COMMA);
        return;
    }
    if (isSpace(r)) {
      this.skipSpaces();
      return;
    }
    if (isAlpha(r)) {
      if (this.scanDurationKeyword()) return;
      this.fail(`unexpected character in duration expression: ${goQuoteRune(r)}`);
    }
    if (isDigit(r) || (r === 0x2e && isDigit(this.peek()))) {
      this.backup();
      this.gotDuration = true;
      this.numberOrDuration();
      return;
    }
    this.fail(`unexpected character in duration expression: ${goQuoteRune(this.lastCodePoint(r))}`);
  }

  /**
   * Inside `[...]`: the words step, range (keywords) and min_of, max_of
   * (identifiers), case-insensitive. The first letter was already read.
   * Returns false, with pos undefined, when the word is none of them.
   */
  scanDurationKeyword(): boolean {
    while (isAlpha(this.peek())) this.pos++;
    const word = this.input.slice(this.start, this.pos).toLowerCase();
    switch (word) {
      case "step":
        this.emit(TokenType.STEP);
        break;
      case "range":
        this.emit(TokenType.RANGE);
        break;
      case "min_of":
      case "max_of":
        this.emit(TokenType.IDENTIFIER);
        break;
      default:
        return false;
    }
    return true;
  }

  /** Go's lexInsideBraces. Returns true at EOF (never: EOF inside braces is an error). */
  insideBraces(): boolean {
    if (this.peek() === 0x23) {
      this.lineComment();
      return false;
    }
    const r = this.next();
    if (r === EOF_CHAR) {
      this.pos = this.input.length;
      this.fail("unexpected end of input inside braces");
    }
    if (isSpace(r)) {
      this.skipSpaces();
      return false;
    }
    if (isAlpha(r)) {
      while (isAlphaNumeric(this.peek())) this.pos++;
      this.emit(TokenType.IDENTIFIER);
      return false;
    }
    switch (r) {
      case 0x2c:
        this.emit(TokenType.COMMA);
        return false;
      case 0x22:
      case 0x27:
        this.stringOpen = r;
        this.lexString();
        return false;
      case 0x60:
        this.lexRawString();
        return false;
      case 0x3d:
        if (this.peek() === 0x7e) {
          this.pos++;
          this.emit(TokenType.EQL_REGEX);
        } else this.emit(TokenType.EQL);
        return false;
      case 0x21: {
        const nr = this.next();
        if (nr === 0x7e) this.emit(TokenType.NEQ_REGEX);
        else if (nr === 0x3d) this.emit(TokenType.NEQ);
        else this.fail(`unexpected character after '!' inside braces: ${goQuoteRune(nr)}`);
        return false;
      }
      case 0x7b:
        this.fail(`unexpected left brace ${goQuoteRune(r)}`);
        break;
      case 0x7d:
        this.emit(TokenType.RIGHT_BRACE);
        this.braceOpen = false;
        return false;
    }
    this.fail(`unexpected character inside braces: ${goQuoteRune(this.lastCodePoint(r))}`);
  }

  /** Go's lexString and lexEscape: validates escapes, emits the quoted text as STRING. */
  lexString(): void {
    const input = this.input;
    for (;;) {
      if (this.pos >= input.length) {
        this.pos = input.length;
        this.fail("unterminated quoted string");
      }
      const c = input.charCodeAt(this.pos++);
      if (c === 0x5c) {
        this.lexEscape();
      } else if (c === 0x0a) {
        this.fail("unterminated quoted string");
      } else if (c === this.stringOpen) {
        break;
      } else if (c >= 0xd800 && c <= 0xdfff) {
        this.checkSurrogate(c);
      }
    }
    this.emit(TokenType.STRING);
  }

  /** A lone UTF-16 surrogate is what JavaScript makes of invalid UTF-8. */
  checkSurrogate(c: number): void {
    if (c <= 0xdbff && this.pos < this.input.length) {
      const d = this.input.charCodeAt(this.pos);
      if (d >= 0xdc00 && d <= 0xdfff) {
        this.pos++;
        return;
      }
    }
    this.fail("invalid UTF-8 rune");
  }

  lexEscape(): void {
    let ch = this.next();
    let n: number;
    let base: number;
    let max: number;
    switch (ch) {
      case 0x61:
      case 0x62:
      case 0x66:
      case 0x6e:
      case 0x72:
      case 0x74:
      case 0x76:
      case 0x5c:
        return;
      case 0x78:
        ch = this.next();
        n = 2;
        base = 16;
        max = 255;
        break;
      case 0x75:
        ch = this.next();
        n = 4;
        base = 16;
        max = 0x10ffff;
        break;
      case 0x55:
        ch = this.next();
        n = 8;
        base = 16;
        max = 0x10ffff;
        break;
      case EOF_CHAR:
        this.fail("escape sequence not terminated");
        break;
      default:
        if (ch === this.stringOpen) return;
        if (ch >= 0x30 && ch <= 0x37) {
          n = 3;
          base = 8;
          max = 255;
          break;
        }
        this.fail(`unknown escape sequence ${goRuneU(this.lastCodePoint(ch))}`);
    }
    let x = 0;
    while (n > 0) {
      const d = digitVal(ch);
      if (d >= base) {
        if (ch === EOF_CHAR) this.fail("escape sequence not terminated");
        this.fail(`illegal character ${goRuneU(this.lastCodePoint(ch))} in escape sequence`);
      }
      x = x * base + d;
      n--;
      if (n > 0) ch = this.next();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) this.fail("escape sequence is an invalid Unicode code point");
  }

  lexRawString(): void {
    const input = this.input;
    for (;;) {
      if (this.pos >= input.length) {
        this.pos = input.length;
        this.fail("unterminated raw string");
      }
      const c = input.charCodeAt(this.pos++);
      if (c === 0x60) break;
      if (c >= 0xd800 && c <= 0xdfff) this.checkSurrogate(c);
    }
    this.emit(TokenType.STRING);
  }

  /** Go's lexNumberOrDuration. */
  numberOrDuration(): void {
    if (this.scanNumber()) {
      this.emit(TokenType.NUMBER);
      this.durationState = false;
      return;
    }
    if (this.acceptRemainingDuration()) {
      this.backup();
      this.emit(TokenType.DURATION);
      this.durationState = false;
      return;
    }
    const end = Math.min(this.pos, this.input.length);
    this.fail(`bad number or duration syntax: ${goQuote(this.input.slice(this.start, end))}`);
  }

  accept(set: string): boolean {
    const c = this.next();
    if (c !== EOF_CHAR && set.indexOf(String.fromCharCode(c)) >= 0) return true;
    this.backup();
    return false;
  }

  acceptRemainingDuration(): boolean {
    if (!this.accept("smhdwy")) return false;
    this.accept("s");
    while (this.acceptDigit()) {
      while (this.acceptDigit()) {
        // Consume.
      }
      if (!this.accept("smhdw")) return false;
      this.accept("s");
    }
    return !isAlphaNumeric(this.next());
  }

  acceptDigit(): boolean {
    if (isDigit(this.peek())) {
      this.pos++;
      return true;
    }
    return false;
  }

  /**
   * Go's scanNumber: `[.][d][d._eE]*` with hex (`0x`), one dot, one
   * exponent, underscores only between digits. The scanned text is not
   * necessarily a valid number; the parser reports that.
   */
  scanNumber(): boolean {
    const initial = this.pos;
    let hex = false;
    if (this.peek() === 0x30) {
      this.pos++;
      const c = this.peek();
      if (c === 0x78 || c === 0x58) {
        this.pos++;
        if (this.peek() === 0x5f) this.pos++;
        hex = true;
      }
    }
    const isNumDigit = hex ? isHexDigit : isDigit;
    if (this.peek() === 0x2e) this.pos++;
    if (isNumDigit(this.peek())) this.pos++;
    let dot = false;
    let exponent = false;
    for (;;) {
      const c = this.peek();
      // NOTE: matches Prometheus, which treats e/E as an exponent even in hex literals.
      const isExp = c === 0x65 || c === 0x45;
      if (!(isNumDigit(c) || c === 0x2e || c === 0x5f || isExp)) break;
      if (c === 0x2e) {
        this.pos++;
        if (dot) return false;
        dot = true;
        const d = this.peek();
        if (d === 0x5f || d === 0x2e) {
          this.pos++;
          return false;
        }
        if (hex) return false;
        continue;
      }
      if (isExp) {
        this.pos++;
        if (exponent) return false;
        exponent = true;
        const s = this.peek();
        if (s === 0x2b || s === 0x2d) this.pos++;
        const d = this.peek();
        if (d === 0x2e || d === 0x5f || d === 0x65 || d === 0x45) {
          this.pos++;
          return false;
        }
        if (d === EOF_CHAR) return false;
        continue;
      }
      if (c === 0x5f) {
        this.pos++;
        const d = this.peek();
        if (d === 0x2e || d === 0x5f || d === 0x65 || d === 0x45) {
          this.pos++;
          return false;
        }
        if (d === EOF_CHAR) return false;
        continue;
      }
      while (isNumDigit(this.peek())) this.pos++;
    }
    if (this.pos === initial) return false;
    return !isAlphaNumeric(this.peek());
  }

  /** Go's lexKeywordOrIdentifier (outside braces; colons allowed). */
  keywordOrIdentifier(): void {
    const input = this.input;
    let hasColon = false;
    while (this.pos < input.length) {
      const c = input.charCodeAt(this.pos);
      if (c === 0x3a) hasColon = true;
      else if (!isAlphaNumeric(c)) break;
      this.pos++;
    }
    const kw = keywords.get(input.slice(this.start, this.pos).toLowerCase());
    if (kw !== undefined) this.emit(kw);
    else this.emit(hasColon ? TokenType.METRIC_IDENTIFIER : TokenType.IDENTIFIER);
  }
}
