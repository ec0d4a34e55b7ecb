// Go's fmt (Sprint, Sprintln, Sprintf) over the template value model
// (value.ts), and strconv's float formatting with a precision.
//
// Supported verbs: %v %+v %s %q %x %X %d %b %o %O %c %U %t %e %E %f %F %g %G %T %%,
// flags + - # 0 space, width and precision (also `*`), explicit argument
// indexes (%[2]d). Errors print inline as Go does: %!d(string=x),
// %!d(MISSING), %!(EXTRA int=1), %!(NOVERB), %!d(BADINDEX).
// Not supported: %x/%X/%b of floats (print as a bad verb), '#' on floats,
// %#v (prints as %v).

import { formatFloatG } from "../util/index.ts";
import {
  findMethod,
  isMapValue,
  isNil,
  isStruct,
  sortedEntries,
  structFields,
  typeName,
  utf8Bytes,
} from "./value.ts";

// ---------------------------------------------------------------------------
// Exact decimal digits of a float64, and strconv.FormatFloat with a precision.

interface Decimal {
  digits: string; // no leading or trailing zeros; "" for zero
  dp: number; // decimal point position: value = 0.digits * 10^dp
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The exact decimal expansion of |x| for a finite x. */
function exactDecimal(x: number): Decimal {
  f64[0] = Math.abs(x);
  const lo = u32[0]!;
  const hi = u32[1]!;
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (bexp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = bexp - 1075;
  }
  if (mant === 0n) return { digits: "", dp: 0 };
  let s: string;
  let dp: number;
  if (e2 >= 0) {
    s = (mant << BigInt(e2)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-e2)).toString();
    dp = s.length + e2;
  }
  return { digits: s.replace(/0+$/, ""), dp };
}

/** The shortest digits that round-trip (what Go's shortest formatting uses). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { digits: "", dp: 0 };
  const e = Math.abs(x).toExponential();
  const at = e.indexOf("e");
  return { digits: e.slice(0, at).replace(".", "").replace(/0+$/, ""), dp: Number(e.slice(at + 1)) + 1 };
}

/** Rounds to nd digits, half to even on exact ties (strconv's decimal.Round). */
function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= d.digits.length) return nd < 0 ? { digits: "", dp: 0 } : d;
  const next = d.digits.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === d.digits.length) up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = next >= 5;
  if (!up) return { digits: d.digits.slice(0, nd).replace(/0+$/, ""), dp: nd === 0 ? 0 : d.dp };
  let i = nd - 1;
  while (i >= 0 && d.digits[i] === "9") i--;
  if (i < 0) return { digits: "1", dp: d.dp + 1 };
  return { digits: d.digits.slice(0, i) + String.fromCharCode(d.digits.charCodeAt(i) + 1), dp: d.dp };
}

function fmtE(d: Decimal, prec: number, ch: string): string {
  const nd = d.digits.length;
  let out = nd === 0 ? "0" : d.digits[0]!;
  if (prec > 0) {
    out += ".";
    const m = Math.min(nd, prec + 1);
    out += d.digits.slice(1, m) + "0".repeat(prec + 1 - Math.max(m, 1));
  }
  const exp = nd === 0 ? 0 : d.dp - 1;
  const a = Math.abs(exp);
  return `${out}${ch}${exp < 0 ? "-" : "+"}${a < 10 ? "0" : ""}${a}`;
}

function fmtF(d: Decimal, prec: number): string {
  const nd = d.digits.length;
  let out: string;
  if (d.dp > 0) {
    const m = Math.min(nd, d.dp);
    out = d.digits.slice(0, m) + "0".repeat(d.dp - m);
  } else out = "0";
  if (prec > 0) {
    out += ".";
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j >= 0 && j < nd ? d.digits[j] : "0";
    }
  }
  return out;
}

/**
 * strconv.FormatFloat(x, verb, prec, 64) for verb e, E, f, g, G; prec -1 is
 * the shortest round-trip precision. Exact ties round half to even, as Go does.
 */
export function formatFloat(x: number, verb: string, prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDecimal(x);
    if (verb === "e" || verb === "E") prec = Math.max(d.digits.length - 1, 0);
    else if (verb === "f") prec = Math.max(d.digits.length - d.dp, 0);
    else prec = d.digits.length;
  } else {
    const exact = exactDecimal(x);
    if (verb === "e" || verb === "E") d = roundDecimal(exact, prec + 1);
    else if (verb === "f") d = roundDecimal(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      d = roundDecimal(exact, prec);
    }
  }
  let body: string;
  if (verb === "e" || verb === "E") body = fmtE(d, prec, verb);
  else if (verb === "f") body = fmtF(d, prec);
  else {
    const nd = d.digits.length;
    let eprec = prec;
    if (eprec > nd && nd >= d.dp) eprec = nd;
    if (shortest) eprec = 6;
    const exp = d.dp - 1;
    if (nd !== 0 && (exp < -4 || exp >= eprec)) {
      if (prec > nd) prec = nd;
      body = fmtE(d, prec - 1, verb === "g" ? "e" : "E");
    } else {
      if (prec > d.dp) prec = nd;
      body = fmtF(d, Math.max(prec - d.dp, 0));
    }
  }
  return neg ? "-" + body : body;
}

// ---------------------------------------------------------------------------
// Quoting.

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function isPrint(ch: string): boolean {
  return ch === " " || printable.test(ch);
}

function quoteWith(s: string, q: string, asciiOnly: boolean): string {
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === "\\") {
      out += "\\" + ch;
      continue;
    }
    if (c < 0x80 ? isPrint(ch) : !asciiOnly && isPrint(ch) && !(c >= 0xd800 && c <= 0xdfff)) {
      out += ch;
      continue;
    }
    switch (ch) {
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd";
    else if (c < 0x10000) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += "\\U" + c.toString(16).padStart(8, "0");
  }
  return out + q;
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  return quoteWith(s, '"', false);
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    if (ch === "`" || ch === "\ufeff") return false;
    const c = ch.codePointAt(0)!;
    if (c < 0x20 && ch !== "\t") return false;
    if (c === 0x7f) return false;
  }
  return true;
}

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
    n++;
  }
  return n;
}

// ---------------------------------------------------------------------------
// The printer.

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  wid: number | null;
  prec: number | null;
}

function noFlags(): Flags {
  return { plus: false, minus: false, sharp: false, space: false, zero: false, wid: null, prec: null };
}

function pad(f: Flags, s: string): string {
  if (f.wid === null || f.wid === 0) return s;
  const n = f.wid - runeCount(s);
  if (n <= 0) return s;
  if (f.minus) return s + " ".repeat(n);
  return (f.zero ? "0" : " ").repeat(n) + s;
}

function fmtInteger(f: Flags, v: bigint, base: number, verb: string): string {
  const negative = v < 0n;
  const u = negative ? -v : v;
  let prec = 0;
  if (f.prec !== null) {
    prec = f.prec;
    if (prec === 0 && u === 0n) return pad({ ...f, zero: false }, "");
  } else if (f.zero && !f.minus && f.wid !== null) {
    prec = f.wid;
    if (negative || f.plus || f.space) prec--;
  }
  let digits = u.toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  if (digits.length < prec) digits = "0".repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 2) digits = "0b" + digits;
    else if (base === 8 && digits[0] !== "0") digits = "0" + digits;
    else if (base === 16) digits = (verb === "X" ? "0X" : "0x") + digits;
  }
  if (verb === "O") digits = "0o" + digits;
  if (negative) digits = "-" + digits;
  else if (f.plus) digits = "+" + digits;
  else if (f.space) digits = " " + digits;
  return pad({ ...f, zero: false }, digits);
}

function fmtFloatVerb(f: Flags, v: number, verb: string, defPrec: number): string {
  const prec = f.prec !== null ? f.prec : defPrec;
  const conv = verb === "F" ? "f" : verb;
  let num = formatFloat(v, conv, prec);
  if (num[0] !== "-" && num[0] !== "+") num = "+" + num;
  if (f.space && num[0] === "+" && !f.plus) num = " " + num.slice(1);
  if (num[1] === "I" || num[1] === "N") {
    if (num[1] === "N" && !f.space && !f.plus) num = num.slice(1);
    return pad({ ...f, zero: false }, num);
  }
  if (f.plus || num[0] !== "+") {
    if (f.zero && !f.minus && f.wid !== null && f.wid > num.length) {
      return num[0] + "0".repeat(f.wid - num.length) + num.slice(1);
    }
    return pad(f, num);
  }
  return pad(f, num.slice(1));
}

function fmtString(f: Flags, s: string, verb: string): string {
  if (f.prec !== null) {
    const runes = [...s];
    if (runes.length > f.prec) s = runes.slice(0, f.prec).join("");
  }
  switch (verb) {
    case "v":
    case "s":
      return pad(f, s);
    case "q":
      if (f.sharp && canBackquote(s)) return pad(f, "`" + s + "`");
      return pad(f, quoteWith(s, '"', f.plus));
    case "x":
    case "X":
      return pad(f, hexBytes(f, utf8Bytes(s), verb));
  }
  throw new Error("BUG: fmtString verb " + verb);
}

function hexBytes(f: Flags, b: Uint8Array, verb: string): string {
  const digits = verb === "X" ? "0123456789ABCDEF" : "0123456789abcdef";
  let out = "";
  for (let i = 0; i < b.length; i++) {
    if (f.space && i > 0) out += " ";
    if (f.sharp && (f.space || i === 0)) out += verb === "X" ? "0X" : "0x";
    out += digits[b[i]! >> 4]! + digits[b[i]! & 15]!;
  }
  return out;
}

function quoteRune(r: number, asciiOnly: boolean): string {
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  const ch = String.fromCodePoint(r);
  if (ch === "'") return "'\\''";
  if (ch === '"') return "'\"'";
  return quoteWith(ch, "'", asciiOnly);
}

class Printer {
  out = "";

  /** printArg: one operand with a verb. */
  printArg(arg: unknown, verb: string, f: Flags): void {
    if (verb === "T") {
      this.out += pad(f, typeName(arg));
      return;
    }
    this.printValue(arg, verb, f, 0);
  }

  badVerb(arg: unknown, verb: string): void {
    this.out += "%!" + verb + "(";
    if (isNil(arg)) this.out += "<nil>";
    else {
      this.out += typeName(arg) + "=";
      this.printValue(arg, "v", noFlags(), 0);
    }
    this.out += ")";
  }

  printValue(arg: unknown, verb: string, f: Flags, depth: number): void {
    if (isNil(arg)) {
      if (verb === "v") this.out += pad(f, "<nil>");
      else this.badVerb(arg, verb);
      return;
    }
    switch (typeof arg) {
      case "boolean":
        if (verb === "t" || verb === "v") this.out += pad(f, arg ? "true" : "false");
        else this.badVerb(arg, verb);
        return;
      case "number":
        switch (verb) {
          case "v":
            this.out += fmtFloatVerb(f, arg, "g", -1);
            return;
          case "g":
          case "G":
            this.out += fmtFloatVerb(f, arg, verb, -1);
            return;
          case "e":
          case "E":
          case "f":
          case "F":
            this.out += fmtFloatVerb(f, arg, verb, 6);
            return;
        }
        this.badVerb(arg, verb);
        return;
      case "bigint":
        switch (verb) {
          case "v":
          case "d":
            this.out += fmtInteger(f, arg, 10, verb);
            return;
          case "b":
            this.out += fmtInteger(f, arg, 2, verb);
            return;
          case "o":
          case "O":
            this.out += fmtInteger(f, arg, 8, verb);
            return;
          case "x":
          case "X":
            this.out += fmtInteger(f, arg, 16, verb);
            return;
          case "c":
            this.out += pad(f, String.fromCodePoint(arg < 0n || arg > 0x10ffffn ? 0xfffd : Number(arg)));
            return;
          case "q":
            this.out += pad(f, quoteRune(Number(arg), f.plus));
            return;
          case "U": {
            let hex = arg.toString(16).toUpperCase();
            if (f.prec !== null && hex.length < f.prec) hex = "0".repeat(f.prec - hex.length) + hex;
            else if (hex.length < 4) hex = hex.padStart(4, "0");
            let s = "U+" + hex;
            if (f.sharp && arg >= 0n && arg <= 0x10ffffn && isPrint(String.fromCodePoint(Number(arg)))) {
              s += " '" + String.fromCodePoint(Number(arg)) + "'";
            }
            this.out += pad({ ...f, zero: false }, s);
            return;
          }
        }
        this.badVerb(arg, verb);
        return;
      case "string":
        if (verb === "v" || verb === "s" || verb === "q" || verb === "x" || verb === "X") {
          this.out += fmtString(f, arg, verb);
        } else this.badVerb(arg, verb);
        return;
      case "function":
        if (verb === "v") this.out += pad(f, "0x1");
        else this.badVerb(arg, verb);
        return;
    }
    // Stringers and errors print through their methods for string-like verbs.
    if (typeof arg === "object" && (verb === "v" || verb === "s" || verb === "x" || verb === "X" || verb === "q")) {
      const err = findMethod(arg, "Error");
      const str = err ?? findMethod(arg, "String");
      if (str !== null && (isStruct(arg) || err !== null)) {
        this.out += fmtString(f, String(str.call(arg)), verb);
        return;
      }
      if (arg instanceof Error) {
        this.out += fmtString(f, arg.message, verb);
        return;
      }
    }
    if (Array.isArray(arg)) {
      this.out += "[";
      arg.forEach((e, i) => {
        if (i > 0) this.out += " ";
        this.printValue(e, verb, f, depth + 1);
      });
      this.out += "]";
      return;
    }
    if (isMapValue(arg)) {
      this.out += "map[";
      sortedEntries(arg).forEach(([k, v], i) => {
        if (i > 0) this.out += " ";
        this.printValue(k, verb, f, depth + 1);
        this.out += ":";
        this.printValue(v, verb, f, depth + 1);
      });
      this.out += "]";
      return;
    }
    if (typeof arg === "object") {
      this.out += "{";
      structFields(arg).forEach((name, i) => {
        if (i > 0) this.out += " ";
        if (f.plus) this.out += name + ":";
        this.printValue((arg as Record<string, unknown>)[name], verb, f, depth + 1);
      });
      this.out += "}";
      return;
    }
    this.badVerb(arg, verb);
  }
}

/** Go's fmt.Sprint: operands in %v, a space between two operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((a, i) => {
    const isString = typeof a === "string";
    if (i > 0 && !isString && !prevString) p.out += " ";
    p.printArg(a, "v", noFlags());
    prevString = isString;
  });
  return p.out;
}

/** Go's fmt.Sprintln: operands in %v separated by spaces, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  const p = new Printer();
  args.forEach((a, i) => {
    if (i > 0) p.out += " ";
    p.printArg(a, "v", noFlags());
  });
  return p.out + "\n";
}

/** Go's fmt.Sprintf. Never throws: bad verbs and argument mismatches print inline as Go does. */
export function sprintf(format: string, args: readonly unknown[]): string {
  const p = new Printer();
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;
  const end = format.length;
  let i = 0;

  // Parses [n] at i; returns the new index and whether one was found.
  const argNumber = (): void => {
    if (i >= end || format[i] !== "[") return;
    reordered = true;
    const close = format.indexOf("]", i + 1);
    if (close < 0) {
      goodArgNum = false;
      return;
    }
    const text = format.slice(i + 1, close);
    const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (Number.isNaN(n) || n < 1 || n > args.length) {
      goodArgNum = false;
      i = close + 1;
      return;
    }
    argNum = n - 1;
    i = close + 1;
  };

  const intFromArg = (): number | null => {
    if (argNum >= args.length) return null;
    const a = args[argNum++];
    if (typeof a === "bigint" && a >= -1000000n && a <= 1000000n) return Number(a);
    return null;
  };

  while (i < end) {
    goodArgNum = true;
    const start = i;
    while (i < end && format[i] !== "%") i++;
    if (i > start) p.out += format.slice(start, i);
    if (i >= end) break;
    i++; // skip %
    const f = noFlags();
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case "#":
          f.sharp = true;
          break;
        case "0":
          f.zero = !f.minus;
          break;
        case "+":
          f.plus = true;
          break;
        case "-":
          f.minus = true;
          f.zero = false;
          break;
        case " ":
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    argNumber();
    if (i < end && format[i] === "*") {
      i++;
      const w = intFromArg();
      if (w === null) p.out += "%!(BADWIDTH)";
      else {
        f.wid = w;
        if (w < 0) {
          f.wid = -w;
          f.minus = true;
          f.zero = false;
        }
      }
      reordered = false;
    } else {
      const s = i;
      while (i < end && format[i]! >= "0" && format[i]! <= "9") i++;
      if (i > s) {
        f.wid = Number(format.slice(s, i));
        if (reordered) goodArgNum = false;
      }
    }
    if (i + 1 <= end && format[i] === ".") {
      i++;
      if (reordered) goodArgNum = false;
      argNumber();
      if (i < end && format[i] === "*") {
        i++;
        const pr = intFromArg();
        if (pr === null || pr < 0) {
          p.out += "%!(BADPREC)";
          f.prec = null;
        } else f.prec = pr;
        reordered = false;
      } else {
        const s = i;
        while (i < end && format[i]! >= "0" && format[i]! <= "9") i++;
        f.prec = i > s ? Number(format.slice(s, i)) : 0;
      }
    }
    if (!reordered) argNumber();
    if (i >= end) {
      p.out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === "%") {
      p.out += "%";
      continue;
    }
    if (!goodArgNum) {
      p.out += "%!" + verb + "(BADINDEX)";
      continue;
    }
    if (argNum >= args.length) {
      p.out += "%!" + verb + "(MISSING)";
      continue;
    }
    if (verb === "w") {
      p.badVerb(args[argNum++], verb);
      continue;
    }
    p.printArg(args[argNum++], verb, f);
  }
  if (!reordered && argNum < args.length) {
    p.out += "%!(EXTRA ";
    args.slice(argNum).forEach((a, k) => {
      if (k > 0) p.out += ", ";
      if (isNil(a)) p.out += "<nil>";
      else {
        p.out += typeName(a) + "=";
        p.printArg(a, "v", noFlags());
      }
    });
    p.out += ")";
  }
  return p.out;
}

/** How `{{ x }}` prints a value: fmt.Sprint of one operand. */
export function formatValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return formatFloatG(v);
  const p = new Printer();
  p.printArg(v, "v", noFlags());
  return p.out;
}
