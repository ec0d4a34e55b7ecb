/**
 * Number parsing for the exposition parsers with Go's strconv semantics, as
 * Prometheus's textparse uses them: ParseFloat behind a guard that rejects
 * the post-Go-1.13 syntax (hex floats, underscores), and ParseInt for text
 * format timestamps. Works on a range of a string so the hot path does not
 * slice a string per value.
 */
import { quoteString } from "../model/index.ts";
import { formatFloatG as formatGoFloat } from "../util/index.ts";

/** A number that does not parse; the message is Go's (e.g. `strconv.ParseFloat: parsing "x": invalid syntax`). */
export class NumberSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NumberSyntaxError";
  }
}

// 10^0 .. 10^22 are exact in a float64: with an integer mantissa below 2^53,
// one multiplication or division by them is correctly rounded (Clinger's
// fast path), so the result equals what Go's ParseFloat returns.
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
// Up to 15 significant decimal digits always fit below 2^53.
const FAST_DIGITS = 15;

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function matchesIgnoreCase(s: string, a: number, b: number, word: string): boolean {
  if (b - a !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (lower(s.charCodeAt(a + k)) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * Go's strconv.ParseFloat(s[a:b], 64) special values: an optional sign then
 * "inf" or "infinity", or "nan" without a sign, case-insensitive. Returns
 * null when the text is none of them.
 */
function special(s: string, a: number, b: number): number | null {
  let i = a;
  let sign = 1;
  const c = s.charCodeAt(i);
  if (c === 43 || c === 45) {
    if (c === 45) sign = -1;
    i++;
  } else if (matchesIgnoreCase(s, i, b, "nan")) {
    return Number.NaN;
  }
  if (matchesIgnoreCase(s, i, b, "inf") || matchesIgnoreCase(s, i, b, "infinity")) return sign * Infinity;
  return null;
}

function syntaxError(fn: string, s: string, a: number, b: number): NumberSyntaxError {
  return new NumberSyntaxError(`strconv.${fn}: parsing ${quoteString(s.slice(a, b))}: invalid syntax`);
}

/**
 * Parses s[a:b] like Go's strconv.ParseFloat(s, 64): decimal with optional
 * sign, fraction and exponent, or Inf/Infinity/NaN in any case. Overflow is
 * a "value out of range" error; underflow rounds to zero as in Go. When
 * strict (what Prometheus's parsers use), any 'p', 'P' or '_' is rejected
 * first with "unsupported character in float"; hexadecimal floats are not
 * accepted either way. Throws NumberSyntaxError.
 */
export function parseGoFloat(s: string, a: number, b: number, strict = true): number {
  parseGoFloatToResult(s, a, b, strict);
  return RESULT[0]!;
}

/**
 * Where parseGoFloatToResult leaves its number. A double returned by a
 * function V8 does not inline (this parser is too big to be) is boxed into
 * a new heap number per call; one stored into a Float64Array is not, and
 * parseGoFloat, small enough to inline, reads it back unboxed.
 */
const RESULT = new Float64Array(1);

function parseGoFloatToResult(s: string, a: number, b: number, strict: boolean): void {
  let i = a;
  let c = 0;
  if (strict) {
    for (let k = a; k < b; k++) {
      c = s.charCodeAt(k);
      if (c === 112 || c === 80 || c === 95) throw new NumberSyntaxError("unsupported character in float");
    }
  }
  if (i >= b) throw syntaxError("ParseFloat", s, a, b);
  c = s.charCodeAt(i);
  let neg = false;
  if (c === 43 || c === 45) {
    neg = c === 45;
    i++;
  }
  let mant = 0;
  let sig = 0; // significant digits seen (leading zeros skipped)
  let exp10 = 0;
  let digits = 0;
  let dot = false;
  for (; i < b; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      if (sig === 0 && c === 48) {
        if (dot) exp10--;
        continue;
      }
      sig++;
      if (sig <= FAST_DIGITS) {
        mant = mant * 10 + (c - 48);
        if (dot) exp10--;
      } else if (!dot) {
        exp10++;
      }
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (digits === 0) {
    const sp = special(s, a, b);
    if (sp === null) throw syntaxError("ParseFloat", s, a, b);
    RESULT[0] = sp;
    return;
  }
  if (i < b) {
    if (c !== 101 && c !== 69) throw syntaxError("ParseFloat", s, a, b);
    i++;
    let eneg = false;
    if (i < b) {
      c = s.charCodeAt(i);
      if (c === 43 || c === 45) {
        eneg = c === 45;
        i++;
      }
    }
    if (i >= b) throw syntaxError("ParseFloat", s, a, b);
    let e = 0;
    for (; i < b; i++) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) throw syntaxError("ParseFloat", s, a, b);
      if (e < 100000) e = e * 10 + (c - 48);
    }
    exp10 += eneg ? -e : e;
  }
  let v: number;
  if (mant === 0) {
    v = 0;
  } else if (sig <= FAST_DIGITS && exp10 >= -22 && exp10 <= 22) {
    v = exp10 < 0 ? mant / POW10[-exp10]! : mant * POW10[exp10]!;
  } else {
    // The syntax is checked: Number() reads this grammar the same way and
    // rounds correctly, as Go does.
    v = Math.abs(Number(s.slice(neg || s.charCodeAt(a) === 43 ? a + 1 : a, b)));
    if (v === Infinity) throw new NumberSyntaxError(`strconv.ParseFloat: parsing ${quoteString(s.slice(a, b))}: value out of range`);
  }
  RESULT[0] = neg ? -v : v;
}

// 9223372036854775807, the largest int64, as 19 digits.
const INT64_MAX_DIGITS = "9223372036854775807";

/**
 * Parses s[a:b], known to be ASCII digits only, like Go's
 * strconv.ParseInt(s, 10, 64). Values above 2^53 lose precision (they are
 * not timestamps anyone sends); values above the int64 range throw
 * NumberSyntaxError "value out of range".
 */
export function parseDigitsInt64(s: string, a: number, b: number): number {
  let start = a;
  while (start < b - 1 && s.charCodeAt(start) === 48) start++;
  const n = b - start;
  if (n > 19 || (n === 19 && s.slice(start, b) > INT64_MAX_DIGITS)) {
    throw new NumberSyntaxError(`strconv.ParseInt: parsing ${quoteString(s.slice(a, b))}: value out of range`);
  }
  if (n <= 15) {
    let v = 0;
    for (let k = start; k < b; k++) v = v * 10 + (s.charCodeAt(k) - 48);
    return v;
  }
  return Number(s.slice(start, b));
}

/**
 * Formats a float as Prometheus's labels.FormatOpenMetricsFloat: Go's
 * shortest 'g' formatting, plus ".0" when the result has neither '.' nor
 * 'e' (so 1 is "1.0", 1e6 is "1e+06", +Inf is "+Inf"). Used for the values
 * of `le` and `quantile` labels.
 */
export function formatOpenMetricsFloat(f: number): string {
  const s = formatGoFloat(f);
  if (Number.isNaN(f) || f === Infinity || f === -Infinity) return s;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 46 || c === 101) return s;
  }
  return `${s}.0`;
}
