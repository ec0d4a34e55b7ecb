// Elementwise float helpers where JavaScript's Math and operators differ from
// Go's math package, which Prometheus's PromQL functions and binary operators
// use. Everything here is pure and allocation-free.

// Scratch for reading and writing the bits of a float64 (little-endian hosts:
// word 1 holds sign, exponent and the top 20 mantissa bits).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** 2^52, to lift subnormals into the normal range before reading exponents. */
const TWO52 = 4503599627370496;
/** The smallest positive normal float64, 2^-1022. */
const SMALLEST_NORMAL = 2.2250738585072014e-308;

// Results of frexp, returned through module state to avoid allocating.
let frexpFrac = 0;
let frexpExp = 0;

/**
 * Go's math.Frexp: splits f into frac in [0.5, 1) (sign kept) and an integer
 * exponent with f = frac * 2^exp. 0, ±Inf and NaN give (f, 0). Results land in
 * frexpFrac and frexpExp.
 */
function frexp(f: number): void {
  if (f === 0 || !Number.isFinite(f)) {
    frexpFrac = f;
    frexpExp = 0;
    return;
  }
  let exp = 0;
  if (Math.abs(f) < SMALLEST_NORMAL) {
    f *= TWO52;
    exp = -52;
  }
  f64[0] = f;
  const hi = u32[1]!;
  exp += ((hi >>> 20) & 0x7ff) - 1022;
  // Replace the biased exponent with 1022, the exponent of [0.5, 1).
  u32[1] = (hi & 0x800fffff) | (1022 << 20);
  frexpFrac = f64[0];
  frexpExp = exp;
}

/**
 * Go's math.Ldexp: frac * 2^exp, correctly rounded once (also into the
 * subnormal range), ±Inf on overflow and a signed zero on underflow.
 */
function ldexp(frac: number, exp: number): number {
  if (frac === 0 || !Number.isFinite(frac)) return frac;
  frexp(frac);
  const m = frexpFrac * 2; // in [1, 2), exact
  exp += frexpExp - 1; // value = m * 2^exp
  if (exp > 1023) return m < 0 ? -Infinity : Infinity;
  if (exp >= -1022) return m * 2 ** exp; // 2^exp is a normal power of two: exact
  // Subnormal or zero result: scale by an exact normal power first, so the
  // second multiplication is the only rounding step.
  return m * 2 ** -537 * 2 ** (exp + 537);
}

/**
 * Go's math.Pow, including its special cases where JavaScript's ** differs:
 * Pow(1, y) = 1 for any y (also NaN and ±Inf; JS gives NaN) and
 * Pow(-1, ±Inf) = 1 (JS gives NaN). Integer powers follow Go's algorithm of
 * repeated squaring on the mantissa with the exponent kept apart, so results
 * match Go bit for bit; the fractional part uses Math.exp(yf * Math.log(x)) as
 * Go does with its own Exp and Log, which can differ from V8's in the last
 * place for some inputs.
 */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (y === 1) return x;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0) {
    if (y < 0) return isOddInt(y) ? (Object.is(x, -0) ? -Infinity : Infinity) : Infinity;
    return isOddInt(y) ? x : 0;
  }
  if (y === Infinity || y === -Infinity) {
    if (x === -1) return 1;
    return Math.abs(x) < 1 === (y === Infinity) ? 0 : Infinity;
  }
  if (x === Infinity) return y < 0 ? 0 : Infinity;
  if (x === -Infinity) return goPow(-0, -y);
  if (y === 0.5) return Math.sqrt(x);
  if (y === -0.5) return 1 / Math.sqrt(x);

  let yi = Math.trunc(Math.abs(y));
  let yf = Math.abs(y) - yi;
  if (yf !== 0 && x < 0) return NaN;
  if (yi >= 9223372036854775808) {
    // A huge even integer: overflow or underflow for every x but -1.
    if (x === -1) return 1;
    return Math.abs(x) < 1 === y > 0 ? 0 : Infinity;
  }

  // ans = a1 * 2^ae
  let a1 = 1;
  let ae = 0;
  if (yf !== 0) {
    if (yf > 0.5) {
      yf--;
      yi++;
    }
    a1 = Math.exp(yf * Math.log(x));
  }
  frexp(x);
  let x1 = frexpFrac;
  let xe = frexpExp;
  // yi < 2^63 here; halving a float integer is exact, as Go's i >>= 1.
  for (let i = yi; i !== 0; i = Math.floor(i / 2)) {
    if (xe < -4096 || xe > 4096) {
      // ae is now past the float64 range: Ldexp under- or overflows.
      ae += xe;
      break;
    }
    if (i % 2 === 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe *= 2;
    if (x1 < 0.5) {
      x1 += x1;
      xe--;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return ldexp(a1, ae);
}

/** Go's isOddInt: y is an integer whose int64 conversion is odd. */
function isOddInt(y: number): boolean {
  if (!Number.isFinite(y) || Math.trunc(y) !== y) return false;
  // Beyond 2^53 every float is even; Go's int64(xi)&1 agrees below 2^63.
  return Math.abs(y) < 9007199254740992 && Math.abs(y % 2) === 1;
}

/**
 * Go's math.Mod, used by the % operator: the remainder of x/y with the sign
 * of x, exact. NaN if y is 0, x is ±Inf or either is NaN; x if y is ±Inf.
 * JavaScript's % has exactly these semantics (an exact fmod), so this is %.
 */
export function goMod(x: number, y: number): number {
  return x % y;
}

/** 1/ln(2) as Go's constant expression 1/Ln2 rounds it. */
const LOG2E = 1.4426950408889634;
/** 1/ln(10) as Go's constant expression 1/Ln10 rounds it. */
const LOG10E = 0.4342944819032518;

/**
 * Go's math.Log2 (the log2 function): exact for powers of two, otherwise
 * Log(frac) * (1/Ln2) + exp with x = frac * 2^exp, frac in [0.5, 1). Differs
 * from Math.log2 in the last place for some inputs (log2(3) is
 * 1.5849625007211563 this way, 1.584962500721156 from Math.log2).
 * Log is Math.log here; Go's amd64 assembly Log may differ in the last place.
 */
export function goLog2(x: number): number {
  frexp(x);
  if (frexpFrac === 0.5) return frexpExp - 1;
  return Math.log(frexpFrac) * LOG2E + frexpExp;
}

/**
 * Go's math.Log10 (the log10 function): Log(x) * (1/Ln10). Differs from
 * Math.log10 in the last place for some inputs (log10(20) is
 * 1.301029995663981 this way, 1.3010299956639813 from Math.log10).
 */
export function goLog10(x: number): number {
  return Math.log(x) * LOG10E;
}

/**
 * PromQL round(v, toNearest): rounds to the nearest multiple of toNearest,
 * ties up, computed as Prometheus does through the inverse
 * (Math.floor(v * inv + 0.5) / inv with inv = 1 / toNearest).
 */
export function roundToNearest(v: number, toNearest: number): number {
  const inv = 1 / toNearest;
  return Math.floor(v * inv + 0.5) / inv;
}

/** PromQL sgn(): -1 for negative, 1 for positive, v itself for ±0 and NaN. */
export function sgn(v: number): number {
  if (v < 0) return -1;
  if (v > 0) return 1;
  return v;
}

/** PromQL deg(): radians to degrees, as v * 180 / Pi in that order. */
export function deg(v: number): number {
  return (v * 180) / Math.PI;
}

/** PromQL rad(): degrees to radians, as v * Pi / 180 in that order. */
export function rad(v: number): number {
  return (v * Math.PI) / 180;
}
