import { Matcher, MatchType, MetricName, isValidLabelName } from "../../model/index.ts";
import { ExprType } from "./ast.ts";
import type {
  AggregateExpr,
  AggregateOp,
  BinaryExpr,
  BinaryOp,
  Call,
  DurationExpr,
  Expr,
  FunctionDef,
  MatchCardinality,
  MatrixSelector,
  PositionRange,
  SubqueryExpr,
  VectorSelector,
} from "./ast.ts";
import { DurationParseError, parseDuration } from "../../model/index.ts";
import { ParseError } from "./errors.ts";
import type { ParseErrorItem } from "./errors.ts";
import { getFunction } from "./functions.ts";
import { TokenType, describeToken, goQuote, lex, tokenTypeText } from "./lexer.ts";
import type { Tokens } from "./lexer.ts";

/**
 * Feature flags of the parser, as Prometheus's parser.Options. All off by
 * default. Duration expressions (`[5m*2]`, `offset step()`) are always on.
 */
export interface ParseOptions {
  /** Experimental functions and the limitk/limit_ratio aggregators (promql-experimental-functions). */
  enableExperimentalFunctions?: boolean;
  /** `anchored` and `smoothed` range modifiers (promql-extended-range-selectors). */
  enableExtendedRangeSelectors?: boolean;
  /** `fill`, `fill_left`, `fill_right` binary operator modifiers (promql-binop-fill-modifiers). */
  enableBinopFillModifiers?: boolean;
}

/**
 * Parses a PromQL expression into its AST and type-checks it.
 * Throws ParseError (with every error Prometheus would report) when the
 * query is invalid.
 */
export function parseExpr(input: string, opts: ParseOptions = {}): Expr {
  const p = new Parser(input, opts);
  let expr: Expr;
  try {
    expr = p.parseTop();
  } catch (e) {
    if (e instanceof Abort) throw new ParseError(input, p.errors);
    throw e;
  }
  if (p.errors.length === 0) p.check(expr);
  if (p.errors.length !== 0) throw new ParseError(input, p.errors);
  return expr;
}

/**
 * Parses a series selector (`up`, `{job="a"}`, `http_requests{code=~"5.."}`)
 * into its matchers; a metric name outside the braces becomes the last,
 * `__name__` equality matcher. Does not require a non-empty matcher.
 * Throws ParseError.
 */
export function parseMetricSelector(input: string): Matcher[] {
  const p = new Parser(input, {});
  let vs: VectorSelector;
  try {
    vs = p.parseSelectorTop();
  } catch (e) {
    if (e instanceof Abort) throw new ParseError(input, p.errors);
    throw e;
  }
  if (p.errors.length !== 0) throw new ParseError(input, p.errors);
  return vs.matchers;
}

/** Stops the parse after a syntax error was recorded. */
class Abort {}

/** Binary operator precedence, 0 for tokens that are no binary operator. */
function binaryPrecedence(t: number): number {
  switch (t) {
    case TokenType.LOR:
      return 1;
    case TokenType.LAND:
    case TokenType.LUNLESS:
      return 2;
    case TokenType.EQLC:
    case TokenType.NEQ:
    case TokenType.LSS:
    case TokenType.LTE:
    case TokenType.GTR:
    case TokenType.GTE:
      return 3;
    case TokenType.ADD:
    case TokenType.SUB:
      return 4;
    case TokenType.MUL:
    case TokenType.DIV:
    case TokenType.MOD:
    case TokenType.ATAN2:
    // ASSUMPTION: the histogram trim operators bind like `*` and `/`.
    case TokenType.TRIM_UPPER:
    case TokenType.TRIM_LOWER:
      return 5;
    case TokenType.POW:
      return 6;
  }
  return 0;
}

const POW_PRECEDENCE = 6;

function isComparisonOp(op: BinaryOp): boolean {
  return op === "==" || op === "!=" || op === ">" || op === "<" || op === ">=" || op === "<=";
}

function isSetOp(op: BinaryOp): boolean {
  return op === "and" || op === "or" || op === "unless";
}

/** Tokens that can name a metric (Go's metric_identifier). */
function isMetricIdentifier(t: number): boolean {
  switch (t) {
    case TokenType.IDENTIFIER:
    case TokenType.METRIC_IDENTIFIER:
    case TokenType.BY:
    case TokenType.WITHOUT:
    case TokenType.LAND:
    case TokenType.LOR:
    case TokenType.LUNLESS:
    case TokenType.OFFSET:
    case TokenType.START:
    case TokenType.END:
    case TokenType.STEP:
    case TokenType.RANGE:
    case TokenType.ANCHORED:
    case TokenType.SMOOTHED:
      return true;
  }
  return t >= TokenType.AVG && t <= TokenType.LIMIT_RATIO;
}

/** Tokens that can be a label in by/without/on/ignoring/group_x lists (Go's maybe_label). */
function isLabelToken(t: number): boolean {
  if (isMetricIdentifier(t)) return true;
  switch (t) {
    case TokenType.BOOL:
    case TokenType.GROUP_LEFT:
    case TokenType.GROUP_RIGHT:
    case TokenType.IGNORING:
    case TokenType.ON:
    case TokenType.ATAN2:
      return true;
  }
  return false;
}

/** Documented names of value types, as Go's DocumentedType. */
export function documentedType(t: ExprType): string {
  if (t === ExprType.Vector) return "instant vector";
  if (t === ExprType.Matrix) return "range vector";
  return t;
}

/** The value type an expression evaluates to. Iterative along left operands, so long `a + b + ...` chains are cheap. */
export function typeOf(e: Expr): ExprType {
  let inBinary = false;
  for (;;) {
    switch (e.kind) {
      case "ParenExpr":
      case "UnaryExpr":
        e = e.expr;
        continue;
      case "BinaryExpr":
        // A binary expression is a scalar only when both sides are.
        if (typeOf(e.rhs) !== ExprType.Scalar) return ExprType.Vector;
        inBinary = true;
        e = e.lhs;
        continue;
    }
    const t = leafType(e);
    if (!inBinary) return t;
    return t === ExprType.Scalar ? ExprType.Scalar : ExprType.Vector;
  }
}

function leafType(e: Exclude<Expr, { kind: "ParenExpr" | "UnaryExpr" | "BinaryExpr" }>): ExprType {
  switch (e.kind) {
    case "AggregateExpr":
    case "VectorSelector":
      return ExprType.Vector;
    case "Call":
      return e.func.returnType;
    case "MatrixSelector":
    case "SubqueryExpr":
      return ExprType.Matrix;
    case "NumberLiteral":
      return ExprType.Scalar;
    case "StringLiteral":
      return ExprType.String;
  }
}

/** Modifiers of a binary operator as written, kept for the type checker. */
interface BinModifiers {
  returnBool: boolean;
  on: boolean;
  matchingLabels: string[] | null;
  card: MatchCardinality;
  include: string[];
  fillLeft: number | null;
  fillRight: number | null;
}

/** Largest duration Go's time.Duration holds, in ms (2^63-1 ns). */
const MAX_DURATION_MS = 9223372036854.775807;

/** Go's durationLiteralOutOfRange: does `s` seconds overflow time.Duration? */
function durationOutOfRange(s: number): boolean {
  return s * 1000 > MAX_DURATION_MS || s * 1000 < -MAX_DURATION_MS;
}

/** Go's math.Round (half away from zero). */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Seconds to integer ms, as time.Duration(math.Round(s*1e9)) truncated to ms. */
function secondsToMs(s: number): number {
  return roundHalfAway(s * 1000);
}

/** Go's `%f`. */
function goFormatF(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  return x.toFixed(6);
}

/** Where in a `[...]` or after `offset` a duration expression is parsed, for error messages. */
interface DurationContext {
  context: string;
  expected: string;
}

const RANGE_CONTEXT: DurationContext = {
  context: "subquery or range selector",
  expected: "number, duration, step(), or range()",
};
const STEP_CONTEXT: DurationContext = {
  context: "subquery selector",
  expected: 'number, duration, step(), range(), or "]"',
};
const OFFSET_CONTEXT: DurationContext = {
  context: "offset",
  expected: "number, duration, step(), or range()",
};

/**
 * Go's strconv.Unquote for the three PromQL quote styles. The lexer has
 * already validated the escapes. `\x` and octal escapes are raw bytes, as
 * in Go; the result is decoded as UTF-8 with invalid bytes kept as lone
 * surrogates (see decodeUTF8Escaped), so that they stay invalid.
 */
export function unquoteString(raw: string): string {
  const quote = raw.charCodeAt(0);
  const body = raw.slice(1, -1);
  if (quote === 0x60) return body.indexOf("\r") < 0 ? body : body.replaceAll("\r", "");
  if (body.indexOf("\\") < 0) return body;
  const bytes: number[] = [];
  const pushCodePoint = (cp: number): void => {
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  };
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c !== 0x5c) {
      const cp = body.codePointAt(i)!;
      if (cp > 0xffff) i++;
      pushCodePoint(cp);
      continue;
    }
    const e = body[++i];
    switch (e) {
      case "a":
        bytes.push(7);
        break;
      case "b":
        bytes.push(8);
        break;
      case "f":
        bytes.push(12);
        break;
      case "n":
        bytes.push(10);
        break;
      case "r":
        bytes.push(13);
        break;
      case "t":
        bytes.push(9);
        break;
      case "v":
        bytes.push(11);
        break;
      case "x":
        bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
        break;
      case "u":
        pushCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
        break;
      case "U":
        pushCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
        i += 8;
        break;
      default:
        if (e !== undefined && e >= "0" && e <= "7") {
          bytes.push(parseInt(body.slice(i, i + 3), 8));
          i += 2;
        } else {
          // \\, \' or \" (the lexer allows only the string's own quote).
          bytes.push(body.charCodeAt(i));
        }
    }
  }
  return decodeUTF8Escaped(bytes);
}

/**
 * Decodes UTF-8 bytes into a string. A byte b that is not part of a valid
 * sequence becomes the lone surrogate U+DC00+b ("surrogate escape").
 * NOTE: Go strings are bytes and keep such bytes as they are; a lone
 * surrogate is this project's stand-in: the string is not well formed, so
 * it is rejected as a label name (as Go rejects invalid UTF-8), and
 * quoteString prints it back as `\xNN`.
 */
function decodeUTF8Escaped(bytes: readonly number[]): string {
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    let n = 0;
    let cp = 0;
    let min = 0;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    } else if (b >= 0xc2 && b < 0xe0) {
      n = 1;
      cp = b & 0x1f;
      min = 0x80;
    } else if (b >= 0xe0 && b < 0xf0) {
      n = 2;
      cp = b & 0x0f;
      min = 0x800;
    } else if (b >= 0xf0 && b < 0xf5) {
      n = 3;
      cp = b & 0x07;
      min = 0x10000;
    }
    let ok = n > 0 && i + n < bytes.length;
    for (let k = 1; ok && k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
      out += String.fromCodePoint(cp);
      i += n + 1;
    } else {
      out += String.fromCharCode(0xdc00 + b);
      i++;
    }
  }
  return out;
}

/**
 * Go's parser.number: strconv.ParseInt(s, 0, 64), falling back to
 * ParseFloat. Returns null when the text is no valid number.
 */
export function parseNumberLiteral(s: string): number | null {
  const lower = s.toLowerCase();
  if (lower === "inf") return Infinity;
  if (lower === "nan") return NaN;
  const clean = s.indexOf("_") >= 0 ? s.replaceAll("_", "") : s;
  if (clean.length > 1 && clean.charCodeAt(0) === 0x30) {
    const c1 = clean.charCodeAt(1);
    if (c1 === 0x78 || c1 === 0x58) {
      const v = Number(clean);
      return Number.isNaN(v) ? null : v;
    }
    if (/^0[0-7]+$/.test(clean)) return parseInt(clean, 8);
  }
  const v = Number(clean);
  if (Number.isNaN(v) || clean.trim() !== clean || clean === "") return null;
  if (!Number.isFinite(v)) return null;
  return v;
}

/** The recursive-descent parser over one token stream. */
class Parser {
  readonly input: string;
  readonly toks: Tokens;
  readonly opts: ParseOptions;
  /** Index of the current (lookahead) token. */
  i = 0;
  /** End of the last `)`, `]`, `}`, number or duration consumed (Go's lastClosing). */
  lastClosing = 0;
  readonly errors: ParseErrorItem[] = [];
  /** Binary modifiers as written, for the checker (which reports misuse like Go's checkAST). */
  readonly binModifiers = new Map<BinaryExpr, BinModifiers>();
  /** Matrix selectors built on something that is no vector selector (an error was reported). */
  readonly invalidMatrices = new Set<MatrixSelector>();
  /** Vector selectors exempt from the non-empty matcher check (the label selectors of info()). */
  readonly bypassEmptyMatcherCheck = new Set<VectorSelector>();
  /** Types of the binary expressions built so far (typeOf would walk whole chains again). */
  readonly binaryTypes = new Map<BinaryExpr, ExprType>();

  constructor(input: string, opts: ParseOptions) {
    this.input = input;
    this.toks = lex(input);
    this.opts = opts;
  }

  // ---- Token access ----

  /** Type of the current token; reports the lexical error when it is ERROR. */
  cur(): number {
    const t = this.toks.types[this.i]!;
    if (t === TokenType.ERROR) this.lexError(this.i);
    return t;
  }

  /** Type of the token k positions ahead (0 = current). */
  peekAt(k: number): number {
    const j = Math.min(this.i + k, this.toks.count - 1);
    const t = this.toks.types[j]!;
    if (t === TokenType.ERROR) this.lexError(j);
    return t;
  }

  text(j: number = this.i): string {
    return this.toks.text(j);
  }

  start(j: number = this.i): number {
    return this.toks.starts[j]!;
  }

  end(j: number = this.i): number {
    return this.toks.ends[j]!;
  }

  /** Consumes the current token and returns its index. */
  advance(): number {
    const j = this.i;
    switch (this.toks.types[j]) {
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_PAREN:
      case TokenType.RIGHT_BRACKET:
      case TokenType.DURATION:
      case TokenType.NUMBER:
        this.lastClosing = this.toks.ends[j]!;
    }
    if (j < this.toks.count - 1) this.i++;
    return j;
  }

  lexError(j: number): never {
    this.errors.push({ positionRange: { start: this.start(j), end: this.end(j) }, reason: this.toks.errorMessage });
    throw new Abort();
  }

  /** Go's parser.unexpected: reports the current token and stops. */
  unexpected(context: string, expected: string): never {
    const t = this.cur();
    let msg = "unexpected " + describeToken(t, this.text());
    if (context !== "") msg += " in " + context;
    if (expected !== "") msg += ", expected " + expected;
    this.errors.push({ positionRange: { start: this.start(), end: this.end() }, reason: msg });
    throw new Abort();
  }

  addError(start: number, end: number, reason: string): void {
    this.errors.push({ positionRange: { start, end }, reason });
  }

  expect(t: number, context: string, expected: string): number {
    if (this.cur() !== t) this.unexpected(context, expected);
    return this.advance();
  }

  // ---- Entry points ----

  parseTop(): Expr {
    if (this.cur() === TokenType.EOF) {
      this.addError(0, 0, "no expression found in input");
      throw new Abort();
    }
    const e = this.parseBinary(1);
    if (this.cur() !== TokenType.EOF) this.unexpected("", "");
    return e;
  }

  parseSelectorTop(): VectorSelector {
    const t = this.cur();
    let vs: VectorSelector;
    if (t === TokenType.LEFT_BRACE) vs = this.parseVectorSelector(-1);
    else if (isMetricIdentifier(t)) vs = this.parseVectorSelector(this.advance());
    else this.unexpected("", "");
    if (this.cur() !== TokenType.EOF) this.unexpected("", "");
    return vs;
  }

  // ---- Expressions ----

  parseBinary(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const t = this.cur();
      const prec = binaryPrecedence(t);
      if (prec === 0 || prec < minPrec) return lhs;
      const op = tokenTypeText(t) as BinaryOp;
      this.advance();
      const mods = this.parseBinModifiers();
      const rhs = this.parseBinary(t === TokenType.POW ? prec : prec + 1);
      lhs = this.newBinary(op, lhs, rhs, mods);
    }
  }

  parseUnary(): Expr {
    const t = this.cur();
    if (t !== TokenType.ADD && t !== TokenType.SUB) return this.parsePostfix(this.parsePrimary());
    const opStart = this.start();
    this.advance();
    // NOTE: matches Prometheus, which gives unary operators the precedence
    // of `*`: `-a ^ b` is `-(a ^ b)`, `-a * b` is `(-a) * b`.
    const operand = this.parseBinary(POW_PRECEDENCE);
    if (operand.kind === "NumberLiteral") {
      if (t === TokenType.SUB) operand.val = -operand.val;
      operand.pos.start = opStart;
      return operand;
    }
    return {
      kind: "UnaryExpr",
      op: t === TokenType.SUB ? "-" : "+",
      expr: operand,
      pos: { start: opStart, end: operand.pos.end },
    };
  }

  parseBinModifiers(): BinModifiers {
    const mods: BinModifiers = {
      returnBool: false,
      on: false,
      matchingLabels: null,
      card: "one-to-one",
      include: [],
      fillLeft: null,
      fillRight: null,
    };
    if (this.cur() === TokenType.BOOL) {
      this.advance();
      mods.returnBool = true;
    }
    let t = this.cur();
    if (t === TokenType.ON || t === TokenType.IGNORING) {
      this.advance();
      mods.on = t === TokenType.ON;
      mods.matchingLabels = this.parseGroupingLabels();
      t = this.cur();
      if (t === TokenType.GROUP_LEFT || t === TokenType.GROUP_RIGHT) {
        this.advance();
        mods.card = t === TokenType.GROUP_LEFT ? "many-to-one" : "one-to-many";
        if (this.cur() === TokenType.LEFT_PAREN) mods.include = this.parseGroupingLabels();
      }
    }
    // fill(v) | fill_left(v) [fill_right(v)] | fill_right(v) [fill_left(v)]
    for (;;) {
      if (this.cur() !== TokenType.IDENTIFIER || this.peekAt(1) !== TokenType.LEFT_PAREN) break;
      const word = this.text();
      if (word !== "fill" && word !== "fill_left" && word !== "fill_right") break;
      this.advance();
      this.advance();
      const v = this.parseSignedNumber("fill modifier", "number");
      this.expect(TokenType.RIGHT_PAREN, "fill modifier", '")"');
      if (word !== "fill_right") mods.fillLeft = v;
      if (word !== "fill_left") mods.fillRight = v;
    }
    return mods;
  }

  /** `[+|-] number` (numbers and durations, in seconds). */
  parseSignedNumber(context: string, expected: string): number {
    let sign = 1;
    let t = this.cur();
    if (t === TokenType.ADD || t === TokenType.SUB) {
      const next = this.peekAt(1);
      if (next === TokenType.NUMBER || next === TokenType.DURATION) {
        if (t === TokenType.SUB) sign = -1;
        this.advance();
        t = this.cur();
      }
    }
    if (t !== TokenType.NUMBER && t !== TokenType.DURATION) this.unexpected(context, expected);
    const j = this.advance();
    return sign * this.numberValue(j);
  }

  /** Value of a NUMBER or DURATION token (durations in seconds); records errors. */
  numberValue(j: number): number {
    const text = this.text(j);
    if (this.toks.types[j] === TokenType.DURATION) {
      try {
        return parseDuration(text) / 1000;
      } catch (e) {
        if (!(e instanceof DurationParseError)) throw e;
        this.addError(this.start(j), this.end(j), e.message);
        return 0;
      }
    }
    const v = parseNumberLiteral(text);
    if (v === null) {
      const why = /^[0-9.]/.test(text) && !Number.isNaN(Number(text.replaceAll("_", ""))) ? "value out of range" : "invalid syntax";
      this.addError(
        this.start(j),
        this.end(j),
        `error parsing number: strconv.ParseFloat: parsing ${goQuote(text)}: ${why}`,
      );
      return 0;
    }
    return v;
  }

  /** typeOf, using the cached types of binary expressions. */
  exprType(e: Expr): ExprType {
    while (e.kind === "ParenExpr" || e.kind === "UnaryExpr") e = e.expr;
    if (e.kind === "BinaryExpr") return this.binaryTypes.get(e) ?? typeOf(e);
    return leafType(e);
  }

  newBinary(op: BinaryOp, lhs: Expr, rhs: Expr, mods: BinModifiers): BinaryExpr {
    const lt = this.exprType(lhs);
    const rt = this.exprType(rhs);
    const bothVectors = lt === ExprType.Vector && rt === ExprType.Vector;
    let card = mods.card;
    if (isSetOp(op) && card === "one-to-one") card = "many-to-many";
    const node: BinaryExpr = {
      kind: "BinaryExpr",
      op,
      lhs,
      rhs,
      matching: bothVectors
        ? {
            card,
            matchingLabels: mods.matchingLabels ?? [],
            on: mods.on,
            include: mods.include,
            fillLeft: mods.fillLeft,
            fillRight: mods.fillRight,
          }
        : null,
      returnBool: mods.returnBool,
      pos: { start: lhs.pos.start, end: rhs.pos.end },
    };
    this.binModifiers.set(node, mods);
    this.binaryTypes.set(node, lt === ExprType.Scalar && rt === ExprType.Scalar ? ExprType.Scalar : ExprType.Vector);
    if (!this.opts.enableBinopFillModifiers && (mods.fillLeft !== null || mods.fillRight !== null)) {
      this.addError(node.pos.start, node.pos.end, "binop fill modifiers are experimental and not enabled");
    }
    return node;
  }

  parsePrimary(): Expr {
    const t = this.cur();
    switch (t) {
      case TokenType.NUMBER: {
        const j = this.advance();
        const val = this.numberValue(j);
        return { kind: "NumberLiteral", val, duration: false, pos: { start: this.start(j), end: this.end(j) } };
      }
      case TokenType.DURATION: {
        const j = this.advance();
        const val = this.numberValue(j);
        return { kind: "NumberLiteral", val, duration: true, pos: { start: this.start(j), end: this.end(j) } };
      }
      case TokenType.STRING: {
        const j = this.advance();
        return {
          kind: "StringLiteral",
          val: unquoteString(this.text(j)),
          pos: { start: this.start(j), end: this.end(j) },
        };
      }
      case TokenType.LEFT_PAREN: {
        const open = this.advance();
        const inner = this.parseBinary(1);
        const close = this.expect(TokenType.RIGHT_PAREN, "", "");
        return { kind: "ParenExpr", expr: inner, pos: { start: this.start(open), end: this.end(close) } };
      }
      case TokenType.LEFT_BRACE:
        return this.parseVectorSelector(-1);
      case TokenType.IDENTIFIER:
      case TokenType.START:
      case TokenType.END:
      case TokenType.STEP:
      case TokenType.RANGE:
        if (this.peekAt(1) === TokenType.LEFT_PAREN) return this.parseCall();
        return this.parseVectorSelector(this.advance());
    }
    if (t >= TokenType.AVG && t <= TokenType.LIMIT_RATIO) {
      const next = this.peekAt(1);
      if (next === TokenType.LEFT_PAREN || next === TokenType.BY || next === TokenType.WITHOUT) {
        return this.parseAggregate();
      }
    }
    if (isMetricIdentifier(t)) return this.parseVectorSelector(this.advance());
    this.unexpected("", "");
  }

  parseCall(): Call {
    const nameTok = this.advance();
    const name = this.text(nameTok);
    const args = this.parseCallBody();
    let func: FunctionDef | undefined = getFunction(name);
    if (func === undefined) {
      this.addError(this.start(nameTok), this.end(nameTok), `unknown function with name ${goQuote(name)}`);
      func = { name, argTypes: [], variadic: -1, returnType: ExprType.Vector, experimental: false };
    } else if (func.experimental && !this.opts.enableExperimentalFunctions) {
      this.addError(this.start(nameTok), this.end(nameTok), `function ${goQuote(name)} is not enabled`);
    }
    return { kind: "Call", func, args, pos: { start: this.start(nameTok), end: this.lastClosing } };
  }

  /** `( [expr {, expr}] )`; the current token is `(`. */
  parseCallBody(): Expr[] {
    this.advance();
    const args: Expr[] = [];
    if (this.cur() === TokenType.RIGHT_PAREN) {
      this.advance();
      return args;
    }
    for (;;) {
      args.push(this.parseBinary(1));
      const t = this.cur();
      if (t === TokenType.COMMA) {
        const comma = this.advance();
        if (this.cur() === TokenType.RIGHT_PAREN) {
          this.addError(this.start(comma), this.end(comma), "trailing commas not allowed in function call args");
          this.advance();
          return args;
        }
        continue;
      }
      if (t === TokenType.RIGHT_PAREN) {
        this.advance();
        return args;
      }
      this.unexpected("", "");
    }
  }

  parseAggregate(): AggregateExpr {
    const opTok = this.advance();
    const op = this.text(opTok).toLowerCase() as AggregateOp;
    let grouping: string[] = [];
    let without = false;
    let modifier = false;
    let t = this.cur();
    if (t === TokenType.BY || t === TokenType.WITHOUT) {
      this.advance();
      without = t === TokenType.WITHOUT;
      grouping = this.parseGroupingLabels();
      modifier = true;
      if (this.cur() !== TokenType.LEFT_PAREN) this.unexpected("aggregation", "");
    }
    const args = this.parseCallBody();
    t = this.cur();
    if (!modifier && (t === TokenType.BY || t === TokenType.WITHOUT)) {
      this.advance();
      without = t === TokenType.WITHOUT;
      grouping = this.parseGroupingLabels();
    }
    const pos = { start: this.start(opTok), end: this.lastClosing };
    const node: AggregateExpr = { kind: "AggregateExpr", op, expr: args[0]!, param: null, grouping, without, pos };
    if (args.length === 0) {
      this.addError(pos.start, pos.end, "no arguments for aggregate expression provided");
      return node;
    }
    let desired = 1;
    if (
      op === "topk" ||
      op === "bottomk" ||
      op === "count_values" ||
      op === "quantile" ||
      op === "limitk" ||
      op === "limit_ratio"
    ) {
      if ((op === "limitk" || op === "limit_ratio") && !this.opts.enableExperimentalFunctions) {
        this.addError(
          pos.start,
          pos.end,
          `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`,
        );
        return node;
      }
      desired = 2;
      node.param = args[0]!;
    }
    if (args.length !== desired) {
      this.addError(
        pos.start,
        pos.end,
        `wrong number of arguments for aggregate expression provided, expected ${desired}, got ${args.length}`,
      );
      return node;
    }
    node.expr = args[desired - 1]!;
    return node;
  }

  /** `( [label {, label} [,]] )` for by/without/on/ignoring/group_x. */
  parseGroupingLabels(): string[] {
    if (this.cur() !== TokenType.LEFT_PAREN) this.unexpected("grouping opts", '"("');
    this.advance();
    const labels: string[] = [];
    if (this.cur() === TokenType.RIGHT_PAREN) {
      this.advance();
      return labels;
    }
    for (;;) {
      const t = this.cur();
      if (t === TokenType.STRING) {
        const j = this.advance();
        const name = unquoteString(this.text(j));
        if (!isValidLabelName(name)) {
          this.addError(this.start(j), this.end(j), `invalid label name for grouping: ${goQuote(name)}`);
        }
        labels.push(name);
      } else if (isLabelToken(t)) {
        labels.push(this.text(this.advance()));
      } else {
        this.unexpected("grouping opts", "label");
      }
      const sep = this.cur();
      if (sep === TokenType.COMMA) {
        this.advance();
        if (this.cur() === TokenType.RIGHT_PAREN) {
          this.advance();
          return labels;
        }
        continue;
      }
      if (sep === TokenType.RIGHT_PAREN) {
        this.advance();
        return labels;
      }
      this.unexpected("grouping opts", '"," or ")"');
    }
  }

  /** A vector selector; `nameTok` is the consumed metric name token, or -1 when it starts with `{`. */
  parseVectorSelector(nameTok: number): VectorSelector {
    const name = nameTok >= 0 ? this.text(nameTok) : "";
    let start = nameTok >= 0 ? this.start(nameTok) : this.start();
    let end = nameTok >= 0 ? this.end(nameTok) : 0;
    const matchers: Matcher[] = [];
    if (this.cur() === TokenType.LEFT_BRACE) {
      if (nameTok < 0) start = this.start();
      this.parseLabelMatchers(matchers);
      end = this.lastClosing;
    }
    if (name !== "") matchers.push(new Matcher(MatchType.Equal, MetricName, name));
    return {
      kind: "VectorSelector",
      name,
      matchers,
      originalOffset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      anchored: false,
      smoothed: false,
      pos: { start, end },
    };
  }

  /** `{ [matcher {, matcher} [,]] }`; the current token is `{`. */
  parseLabelMatchers(out: Matcher[]): void {
    this.advance();
    if (this.cur() === TokenType.RIGHT_BRACE) {
      this.advance();
      return;
    }
    for (;;) {
      this.parseLabelMatcher(out);
      const t = this.cur();
      if (t === TokenType.COMMA) {
        this.advance();
        if (this.cur() === TokenType.RIGHT_BRACE) {
          this.advance();
          return;
        }
        continue;
      }
      if (t === TokenType.RIGHT_BRACE) {
        this.advance();
        return;
      }
      this.unexpected("label matching", '"," or "}"');
    }
  }

  parseLabelMatcher(out: Matcher[]): void {
    const t = this.cur();
    if (t !== TokenType.IDENTIFIER && t !== TokenType.STRING) {
      this.unexpected("label matching", 'identifier or "}"');
    }
    const nameTok = this.advance();
    const name = t === TokenType.STRING ? unquoteString(this.text(nameTok)) : this.text(nameTok);
    const opType = this.matchType(this.cur());
    if (opType === null) {
      if (t === TokenType.STRING) {
        out.push(new Matcher(MatchType.Equal, MetricName, name));
        return;
      }
      this.unexpected("label matching", "label matching operator");
    }
    this.advance();
    if (this.cur() !== TokenType.STRING) this.unexpected("label matching", "string");
    const valueTok = this.advance();
    try {
      out.push(new Matcher(opType, name, unquoteString(this.text(valueTok))));
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      this.addError(this.start(nameTok), this.end(valueTok), e.message);
    }
  }

  matchType(t: number): MatchType | null {
    switch (t) {
      case TokenType.EQL:
        return MatchType.Equal;
      case TokenType.NEQ:
        return MatchType.NotEqual;
      case TokenType.EQL_REGEX:
        return MatchType.Regexp;
      case TokenType.NEQ_REGEX:
        return MatchType.NotRegexp;
    }
    return null;
  }

  // ---- Postfix modifiers: [range], [range:step], offset, @, anchored, smoothed ----

  parsePostfix(e: Expr): Expr {
    for (;;) {
      switch (this.cur()) {
        case TokenType.LEFT_BRACKET:
          e = this.parseRangeOrSubquery(e);
          break;
        case TokenType.OFFSET:
          this.parseOffset(e);
          break;
        case TokenType.AT:
          this.parseAt(e);
          break;
        case TokenType.ANCHORED:
          this.advance();
          this.setExtendedModifier(e, "anchored");
          break;
        case TokenType.SMOOTHED:
          this.advance();
          this.setExtendedModifier(e, "smoothed");
          break;
        default:
          return e;
      }
    }
  }

  parseRangeOrSubquery(e: Expr): Expr {
    const open = this.advance();
    const rangeExpr = this.parseDuration(RANGE_CONTEXT, 1);
    const range = this.positiveDuration(rangeExpr);
    const t = this.cur();
    if (t === TokenType.RIGHT_BRACKET) {
      const close = this.advance();
      return this.newMatrix(e, range, rangeExpr, this.start(open), this.end(close));
    }
    if (t !== TokenType.COLON) this.unexpected("subquery or range", '":" or "]"');
    this.advance();
    let step = 0;
    let stepExpr: DurationExpr | null = null;
    if (this.cur() !== TokenType.RIGHT_BRACKET) {
      stepExpr = this.parseDuration(STEP_CONTEXT, 1);
      step = this.positiveDuration(stepExpr);
      if (this.cur() !== TokenType.RIGHT_BRACKET) this.unexpected("subquery selector", '"]"');
    }
    const close = this.advance();
    const sq: SubqueryExpr = {
      kind: "SubqueryExpr",
      expr: e,
      range,
      rangeExpr: rangeExpr.op === "literal" ? null : rangeExpr,
      step,
      stepExpr: stepExpr === null || stepExpr.op === "literal" ? null : stepExpr,
      originalOffset: 0,
      offsetExpr: null,
      timestamp: null,
      startOrEnd: null,
      pos: { start: e.pos.start, end: this.end(close) },
    };
    return sq;
  }

  /** Range or step in ms (0 when it needs query parameters); reports values that are not > 0. */
  positiveDuration(d: DurationExpr): number {
    if (d.op !== "literal") return 0;
    if (durationOutOfRange(d.val)) {
      this.addError(d.pos.start, d.pos.end, "duration out of range");
      return 0;
    }
    const ms = secondsToMs(d.val);
    if (!(d.val > 0)) {
      this.addError(d.pos.start, d.pos.end, "duration must be greater than 0");
      return 0;
    }
    return ms;
  }

  newMatrix(e: Expr, range: number, rangeExpr: DurationExpr, open: number, close: number): MatrixSelector {
    let reason = "";
    if (e.kind !== "VectorSelector") reason = "ranges only allowed for vector selectors";
    else if (e.originalOffset !== 0 || e.offsetExpr !== null) reason = "no offset modifiers allowed before range";
    else if (e.timestamp !== null || e.startOrEnd !== null) reason = "no @ modifiers allowed before range";
    if (reason !== "") this.addError(open, close, reason);
    const vs: VectorSelector =
      e.kind === "VectorSelector"
        ? e
        : {
            kind: "VectorSelector",
            name: "",
            matchers: [],
            originalOffset: 0,
            offsetExpr: null,
            timestamp: null,
            startOrEnd: null,
            anchored: false,
            smoothed: false,
            pos: e.pos,
          };
    const ms: MatrixSelector = {
      kind: "MatrixSelector",
      vectorSelector: vs,
      range,
      rangeExpr: rangeExpr.op === "literal" ? null : rangeExpr,
      pos: { start: e.pos.start, end: close },
    };
    if (e.kind !== "VectorSelector") this.invalidMatrices.add(ms);
    return ms;
  }

  parseOffset(e: Expr): void {
    this.advance();
    const d = this.parseOffsetDuration();
    // Go: addOffset / addOffsetExpr.
    let target: VectorSelector | SubqueryExpr;
    if (e.kind === "VectorSelector" || e.kind === "SubqueryExpr") target = e;
    else if (e.kind === "MatrixSelector") {
      if (this.invalidMatrices.has(e)) {
        this.addError(e.pos.start, e.pos.end, "ranges only allowed for vector selectors");
        return;
      }
      target = e.vectorSelector;
    } else {
      this.addError(
        e.pos.start,
        e.pos.end,
        "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
      );
      return;
    }
    if (target.originalOffset !== 0 || target.offsetExpr !== null) {
      this.addError(e.pos.start, e.pos.end, "offset may not be set multiple times");
    } else if (d.op === "literal") {
      target.originalOffset = secondsToMs(d.val);
    } else {
      target.offsetExpr = d;
    }
    e.pos.end = this.lastClosing;
  }

  /**
   * Go's offset_duration_expr. A literal, a signed literal, step(), range(),
   * min_of/max_of(...) or a signed parenthesized expression ends the offset:
   * `foo offset 5m + 1` is `(foo offset 5m) + 1`. Only an offset starting
   * with `(` continues with duration operators: `foo offset (1m) * 2`.
   */
  parseOffsetDuration(): DurationExpr {
    const ctx = OFFSET_CONTEXT;
    const t = this.cur();
    switch (t) {
      case TokenType.NUMBER:
      case TokenType.DURATION:
      case TokenType.STEP:
      case TokenType.RANGE:
      case TokenType.IDENTIFIER:
        return this.offsetLiteral(this.parseDurationPrimary(ctx));
      case TokenType.LEFT_PAREN:
        return this.offsetLiteral(this.parseDurationRest(this.parseDurationPrimary(ctx), 1, ctx));
      case TokenType.ADD:
      case TokenType.SUB: {
        const opTok = this.advance();
        const next = this.cur();
        if (
          next === TokenType.NUMBER ||
          next === TokenType.DURATION ||
          next === TokenType.STEP ||
          next === TokenType.RANGE ||
          next === TokenType.IDENTIFIER ||
          next === TokenType.LEFT_PAREN
        ) {
          return this.offsetLiteral(this.applyDurationUnary(opTok, this.parseDurationPrimary(ctx)));
        }
        const operand = this.parseDuration(ctx, 3);
        return this.offsetLiteral(this.parseDurationRest(this.applyDurationUnary(opTok, operand), 1, ctx));
      }
    }
    this.unexpected(ctx.context, ctx.expected);
  }

  offsetLiteral(d: DurationExpr): DurationExpr {
    if (d.op === "literal" && durationOutOfRange(d.val)) {
      this.addError(d.pos.start, d.pos.end, "duration out of range");
      return { ...d, val: 0 };
    }
    return d;
  }

  parseAt(e: Expr): void {
    this.advance();
    const t = this.cur();
    if (
      (t === TokenType.START || t === TokenType.END) &&
      this.peekAt(1) === TokenType.LEFT_PAREN &&
      this.peekAt(2) === TokenType.RIGHT_PAREN
    ) {
      this.advance();
      this.advance();
      this.advance();
      const target = this.atTarget(e);
      if (target === null) return;
      target.startOrEnd = t === TokenType.START ? "start" : "end";
      e.pos.end = this.lastClosing;
      return;
    }
    const ts = this.parseSignedNumber("@", "timestamp");
    if (!Number.isFinite(ts) || ts >= 9223372036854775807 || ts <= -9223372036854775808) {
      this.addError(e.pos.start, e.pos.end, `timestamp out of bounds for @ modifier: ${goFormatF(ts)}`);
    }
    const target = this.atTarget(e);
    if (target === null) return;
    if (Number.isFinite(ts)) target.timestamp = roundHalfAway(ts * 1000);
    e.pos.end = this.lastClosing;
  }

  /** Go's getAtModifierVars: the node whose @ is set, or null after reporting why not. */
  atTarget(e: Expr): VectorSelector | SubqueryExpr | null {
    let target: VectorSelector | SubqueryExpr;
    if (e.kind === "VectorSelector" || e.kind === "SubqueryExpr") target = e;
    else if (e.kind === "MatrixSelector") {
      if (this.invalidMatrices.has(e)) {
        this.addError(e.pos.start, e.pos.end, "ranges only allowed for vector selectors");
        return null;
      }
      target = e.vectorSelector;
    } else {
      this.addError(
        e.pos.start,
        e.pos.end,
        "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
      );
      return null;
    }
    if (target.timestamp !== null || target.startOrEnd !== null) {
      this.addError(e.pos.start, e.pos.end, "@ <timestamp> may not be set multiple times");
      return null;
    }
    return target;
  }

  setExtendedModifier(e: Expr, which: "anchored" | "smoothed"): void {
    if (!this.opts.enableExtendedRangeSelectors) {
      this.addError(e.pos.start, e.pos.end, `${which} modifier is experimental and not enabled`);
      return;
    }
    let vs: VectorSelector;
    if (e.kind === "VectorSelector") vs = e;
    else if (e.kind === "MatrixSelector") {
      if (this.invalidMatrices.has(e)) return;
      vs = e.vectorSelector;
    } else if (e.kind === "SubqueryExpr") {
      this.addError(e.pos.start, e.pos.end, `${which} modifier is not supported for subqueries`);
      return;
    } else {
      this.addError(e.pos.start, e.pos.end, `${which} modifier not implemented`);
      return;
    }
    if (which === "anchored") vs.anchored = true;
    else vs.smoothed = true;
    if (vs.anchored && vs.smoothed) {
      this.addError(e.pos.start, e.pos.end, "anchored and smoothed modifiers cannot be used together");
    }
  }

  // ---- Duration expressions ----
  //
  // Built bottom-up and folded as they go: an operation on two literals is a
  // literal (op "literal", val in seconds). What remains a DurationExpr tree
  // depends on step() or range().

  parseDuration(ctx: DurationContext, minPrec: number): DurationExpr {
    return this.parseDurationRest(this.parseDurationUnary(ctx), minPrec, ctx);
  }

  parseDurationRest(lhs: DurationExpr, minPrec: number, ctx: DurationContext): DurationExpr {
    for (;;) {
      const t = this.cur();
      let prec: number;
      switch (t) {
        case TokenType.ADD:
        case TokenType.SUB:
          prec = 1;
          break;
        case TokenType.MUL:
        case TokenType.DIV:
        case TokenType.MOD:
          prec = 2;
          break;
        case TokenType.POW:
          prec = 3;
          break;
        default:
          return lhs;
      }
      if (prec < minPrec) return lhs;
      const opTok = this.advance();
      const rhs = this.parseDuration(ctx, t === TokenType.POW ? prec : prec + 1);
      lhs = this.durationBinary(opTok, lhs, rhs);
    }
  }

  parseDurationUnary(ctx: DurationContext): DurationExpr {
    const t = this.cur();
    if (t !== TokenType.ADD && t !== TokenType.SUB) return this.parseDurationPrimary(ctx);
    const opTok = this.advance();
    return this.applyDurationUnary(opTok, this.parseDuration(ctx, 3));
  }

  parseDurationPrimary(ctx: DurationContext): DurationExpr {
    const t = this.cur();
    switch (t) {
      case TokenType.NUMBER:
      case TokenType.DURATION: {
        const j = this.advance();
        let val = this.numberValue(j);
        const pos = { start: this.start(j), end: this.end(j) };
        if (durationOutOfRange(val)) {
          this.addError(pos.start, pos.end, "duration out of range");
          val = 0;
        }
        return durationLiteral(val, pos);
      }
      case TokenType.LEFT_PAREN: {
        const open = this.advance();
        const inner = this.parseDuration(ctx, 1);
        if (this.cur() !== TokenType.RIGHT_PAREN) this.unexpected(ctx.context, ctx.expected);
        const close = this.advance();
        if (inner.op === "literal") return inner;
        return {
          kind: "DurationExpr",
          op: "paren",
          lhs: inner,
          rhs: null,
          val: 0,
          pos: { start: this.start(open), end: this.end(close) },
        };
      }
      case TokenType.STEP:
      case TokenType.RANGE: {
        const kw = this.advance();
        if (this.cur() !== TokenType.LEFT_PAREN) this.unexpected(ctx.context, ctx.expected);
        this.advance();
        if (this.cur() !== TokenType.RIGHT_PAREN) this.unexpected(ctx.context, ctx.expected);
        const close = this.advance();
        return {
          kind: "DurationExpr",
          op: t === TokenType.STEP ? "step" : "range",
          lhs: null,
          rhs: null,
          val: 0,
          pos: { start: this.start(kw), end: this.end(close) },
        };
      }
      case TokenType.IDENTIFIER: {
        const word = this.text().toLowerCase();
        if (word !== "min_of" && word !== "max_of") break;
        const kw = this.advance();
        if (this.cur() !== TokenType.LEFT_PAREN) this.unexpected(ctx.context, ctx.expected);
        this.advance();
        const a = this.parseDuration(ctx, 1);
        if (this.cur() !== TokenType.COMMA) this.unexpected(ctx.context, ctx.expected);
        this.advance();
        const b = this.parseDuration(ctx, 1);
        if (this.cur() !== TokenType.RIGHT_PAREN) this.unexpected(ctx.context, ctx.expected);
        const close = this.advance();
        const pos = { start: this.start(kw), end: this.end(close) };
        if (a.op === "literal" && b.op === "literal") {
          return durationLiteral(word === "min_of" ? Math.min(a.val, b.val) : Math.max(a.val, b.val), pos);
        }
        return { kind: "DurationExpr", op: word, lhs: a, rhs: b, val: 0, pos };
      }
    }
    this.unexpected(ctx.context, ctx.expected);
  }

  applyDurationUnary(opTok: number, operand: DurationExpr): DurationExpr {
    const neg = this.toks.types[opTok] === TokenType.SUB;
    const start = this.start(opTok);
    if (operand.op === "literal") {
      const val = neg ? -operand.val : operand.val;
      if (durationOutOfRange(val)) {
        this.addError(start, this.end(opTok), "duration out of range");
        return durationLiteral(0, { start, end: operand.pos.end });
      }
      return durationLiteral(val, { start, end: operand.pos.end });
    }
    if (!neg) return operand;
    return { kind: "DurationExpr", op: "-", lhs: null, rhs: operand, val: 0, pos: { start, end: operand.pos.end } };
  }

  durationBinary(opTok: number, lhs: DurationExpr, rhs: DurationExpr): DurationExpr {
    const t = this.toks.types[opTok];
    const pos = { start: lhs.pos.start, end: rhs.pos.end };
    if (rhs.op === "literal" && rhs.val === 0 && (t === TokenType.DIV || t === TokenType.MOD)) {
      this.addError(this.start(opTok), this.end(opTok), t === TokenType.DIV ? "division by zero" : "modulo by zero");
      // NOTE: matches Prometheus, which continues with a position-less 0.
      return durationLiteral(0, { start: 0, end: 0 });
    }
    const op = tokenTypeText(t!) as "+" | "-" | "*" | "/" | "%" | "^";
    if (lhs.op === "literal" && rhs.op === "literal") {
      let v: number;
      switch (op) {
        case "+":
          v = lhs.val + rhs.val;
          break;
        case "-":
          v = lhs.val - rhs.val;
          break;
        case "*":
          v = lhs.val * rhs.val;
          break;
        case "/":
          v = lhs.val / rhs.val;
          break;
        case "%":
          v = lhs.val % rhs.val;
          break;
        case "^":
          v = Math.pow(lhs.val, rhs.val);
          break;
      }
      return durationLiteral(v, pos);
    }
    return { kind: "DurationExpr", op, lhs, rhs, val: 0, pos };
  }

  // ---- Type checking (Go's checkAST) ----

  expectType(e: Expr, want: ExprType, context: string): void {
    const t = this.check(e);
    if (t !== want) {
      this.addError(
        e.pos.start,
        e.pos.end,
        `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`,
      );
    }
  }

  /** Checks e and its children, recording errors in Prometheus's order; returns e's type. */
  check(e: Expr): ExprType {
    const typ = this.exprType(e);
    switch (e.kind) {
      case "AggregateExpr":
        this.expectType(e.expr, ExprType.Vector, "aggregation expression");
        if (e.op === "topk" || e.op === "bottomk" || e.op === "quantile" || e.op === "limitk" || e.op === "limit_ratio") {
          this.expectType(e.param!, ExprType.Scalar, "aggregation parameter");
        }
        if (e.op === "count_values") this.expectType(e.param!, ExprType.String, "aggregation parameter");
        break;
      case "BinaryExpr":
        this.checkBinary(e);
        break;
      case "Call":
        this.checkCall(e);
        break;
      case "ParenExpr":
        this.check(e.expr);
        break;
      case "UnaryExpr": {
        const t = this.check(e.expr);
        if (t !== ExprType.Scalar && t !== ExprType.Vector) {
          this.addError(
            e.pos.start,
            e.pos.end,
            `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documentedType(t))}`,
          );
        }
        break;
      }
      case "SubqueryExpr": {
        const t = this.check(e.expr);
        if (t !== ExprType.Vector) {
          this.addError(e.pos.start, e.pos.end, `subquery is only allowed on instant vector, got ${t} instead`);
        }
        break;
      }
      case "MatrixSelector":
        this.check(e.vectorSelector);
        break;
      case "VectorSelector":
        this.checkVectorSelector(e);
        break;
      case "NumberLiteral":
      case "StringLiteral":
        break;
    }
    return typ;
  }

  /**
   * Checks a chain of binary expressions along its left operands without
   * recursing into them (machine-generated `a or b or ...` chains run into
   * thousands), in Go's order: left operand, right operand, the operator.
   */
  checkBinary(top: BinaryExpr): void {
    const spine: BinaryExpr[] = [top];
    let leftmost: Expr = top.lhs;
    while (leftmost.kind === "BinaryExpr") {
      spine.push(leftmost);
      leftmost = leftmost.lhs;
    }
    let lt = this.check(leftmost);
    for (let i = spine.length - 1; i >= 0; i--) {
      const n = spine[i]!;
      const rt = this.check(n.rhs);
      this.checkBinaryOperator(n, lt, rt);
      lt = this.binaryTypes.get(n)!;
    }
  }

  checkBinaryOperator(n: BinaryExpr, lt: ExprType, rt: ExprType): void {
    const mods = this.binModifiers.get(n)!;
    const opRange = (): PositionRange => {
      // Go's opRange: from the first non-space after the LHS to the last non-space before the RHS.
      let s = n.lhs.pos.end;
      while (s < this.input.length && isSpaceCode(this.input.charCodeAt(s))) s++;
      let e = n.rhs.pos.start - 1;
      while (e > s && isSpaceCode(this.input.charCodeAt(e))) e--;
      return { start: s, end: e };
    };
    const addAt = (r: PositionRange, reason: string): void => this.addError(r.start, r.end, reason);
    if (n.returnBool && !isComparisonOp(n.op)) addAt(opRange(), "bool modifier can only be used on comparison operators");
    if (isComparisonOp(n.op) && !n.returnBool && lt === ExprType.Scalar && rt === ExprType.Scalar) {
      addAt(opRange(), "comparisons between scalars must use BOOL modifier");
    }
    let card = mods.card;
    if (isSetOp(n.op) && card === "one-to-one") card = "many-to-many";
    if (mods.on && mods.matchingLabels !== null) {
      for (const l1 of mods.matchingLabels) {
        for (const l2 of mods.include) {
          if (l1 === l2) addAt(opRange(), `label ${goQuote(l1)} must not occur in ON and GROUP clause at once`);
        }
      }
    }
    if (lt !== ExprType.Scalar && lt !== ExprType.Vector) {
      addAt(n.lhs.pos, "binary expression must contain only scalar and instant vector types");
    }
    if (rt !== ExprType.Scalar && rt !== ExprType.Vector) {
      addAt(n.rhs.pos, "binary expression must contain only scalar and instant vector types");
    }
    const hasFill = mods.fillLeft !== null || mods.fillRight !== null;
    if (lt !== ExprType.Vector || rt !== ExprType.Vector) {
      if (mods.matchingLabels !== null && mods.matchingLabels.length > 0) {
        addAt(n.pos, "vector matching only allowed between instant vectors");
      }
      if (hasFill) addAt(n.pos, "filling in missing series only allowed between instant vectors");
    } else if (isSetOp(n.op)) {
      if (card === "one-to-many" || card === "many-to-one") addAt(n.pos, `no grouping allowed for ${goQuote(n.op)} operation`);
      if (card !== "many-to-many") addAt(n.pos, "set operations must always be many-to-many");
      if (hasFill) addAt(n.pos, "filling in missing series not allowed for set operators");
    }
    if ((lt === ExprType.Scalar || rt === ExprType.Scalar) && isSetOp(n.op)) {
      addAt(n.pos, `set operator ${goQuote(n.op)} not allowed in binary scalar expression`);
    }
  }

  checkCall(n: Call): void {
    const f = n.func;
    const nargs = f.argTypes.length;
    const name = goQuote(f.name);
    if (f.variadic === 0) {
      if (nargs !== n.args.length) {
        this.addError(n.pos.start, n.pos.end, `expected ${nargs} argument(s) in call to ${name}, got ${n.args.length}`);
      }
    } else {
      const na = nargs - 1;
      if (na > n.args.length) {
        this.addError(n.pos.start, n.pos.end, `expected at least ${na} argument(s) in call to ${name}, got ${n.args.length}`);
      } else if (f.variadic > 0 && na + f.variadic < n.args.length) {
        this.addError(
          n.pos.start,
          n.pos.end,
          `expected at most ${na + f.variadic} argument(s) in call to ${name}, got ${n.args.length}`,
        );
      }
    }
    if (f.name === "info" && n.args.length > 1) {
      const arg = n.args[1]!;
      const t = typeOf(arg);
      if (t !== ExprType.Vector) {
        this.addError(
          n.pos.start,
          n.pos.end,
          `expected type ${documentedType(ExprType.Vector)} in call to function ${name}, got ${documentedType(t)}`,
        );
      }
      if (arg.kind === "VectorSelector" && arg.name !== "") {
        this.addError(arg.pos.start, arg.pos.end, "expected label selectors only, got vector selector instead");
      } else if (arg.kind === "VectorSelector") {
        this.bypassEmptyMatcherCheck.add(arg);
      } else {
        this.addError(arg.pos.start, arg.pos.end, "expected label selectors only");
      }
    }
    for (let i = 0; i < n.args.length; i++) {
      let k = i;
      if (k >= nargs) {
        if (f.variadic === 0) break;
        k = nargs - 1;
      }
      const arg = n.args[i]!;
      const t = this.check(arg);
      const want = f.argTypes[k];
      if (want !== undefined && t !== want) {
        this.addError(
          arg.pos.start,
          arg.pos.end,
          `expected type ${documentedType(want)} in call to function ${name}, got ${documentedType(t)}`,
        );
      }
    }
  }

  checkVectorSelector(n: VectorSelector): void {
    if (n.name !== "") {
      // The last matcher is the one for the name outside the braces.
      for (let i = 0; i < n.matchers.length - 1; i++) {
        const m = n.matchers[i]!;
        if (m.name === MetricName) {
          this.addError(
            n.pos.start,
            n.pos.end,
            `metric name must not be set twice: ${goQuote(n.name)} or ${goQuote(m.value)}`,
          );
        }
      }
      return;
    }
    if (this.bypassEmptyMatcherCheck.has(n)) return;
    if (!n.matchers.some((m) => !m.matches(""))) {
      this.addError(n.pos.start, n.pos.end, "vector selector must contain at least one non-empty matcher");
    }
  }
}

function isSpaceCode(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function durationLiteral(val: number, pos: PositionRange): DurationExpr {
  return { kind: "DurationExpr", op: "literal", lhs: null, rhs: null, val, pos };
}

