/**
 * Float formatting as Go's strconv.FormatFloat(f, fmt, -1, 64) does it
 * (shortest digits that round-trip), for texts that must match the
 * Prometheus ecosystem byte for byte: exposition values, API values,
 * annotations, labels made from values, template output.
 * Specials print as Go does: `+Inf`, `-Inf`, `NaN`, and `-0`.
 */

/** Sign, shortest round-trip digits (no dot) and decimal exponent of a finite, non-zero f. */
function decompose(f: number): { neg: boolean; digits: string; exp: number } {
  // toExponential() without an argument gives the shortest round-trip
  // digits, the same digits Go's shortest formatting picks.
  const e = f.toExponential();
  const at = e.indexOf("e");
  const mant = e.slice(0, at);
  const neg = mant.startsWith("-");
  return { neg, digits: (neg ? mant.slice(1) : mant).replace(".", ""), exp: Number(e.slice(at + 1)) };
}

function special(f: number): string | null {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  return null;
}

function expForm(neg: boolean, digits: string, exp: number): string {
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const a = Math.abs(exp);
  return `${neg ? "-" : ""}${m}e${exp < 0 ? "-" : "+"}${a < 10 ? "0" : ""}${a}`;
}

function plainForm(neg: boolean, digits: string, exp: number): string {
  let s: string;
  if (exp < 0) s = `0.${"0".repeat(-exp - 1)}${digits}`;
  else if (digits.length <= exp + 1) s = digits + "0".repeat(exp + 1 - digits.length);
  else s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return neg ? "-" + s : s;
}

/** FormatFloat(f, 'g', -1, 64), which is also what fmt's %v prints for a float64. */
export function formatFloatG(f: number): string {
  const sp = special(f);
  if (sp !== null) return sp;
  const { neg, digits, exp } = decompose(f);
  // NOTE: matches Go's ftoa, which with shortest precision decides with eprec = 6.
  return exp < -4 || exp >= 6 ? expForm(neg, digits, exp) : plainForm(neg, digits, exp);
}

/** FormatFloat(f, 'f', -1, 64): never an exponent. */
export function formatFloatF(f: number): string {
  const sp = special(f);
  if (sp !== null) return sp;
  const { neg, digits, exp } = decompose(f);
  return plainForm(neg, digits, exp);
}

/** FormatFloat(f, 'e', -1, 64): always an exponent, with at least two digits. */
export function formatFloatE(f: number): string {
  const sp = special(f);
  if (sp !== null) return sp === "0" || sp === "-0" ? sp + "e+00" : sp;
  const { neg, digits, exp } = decompose(f);
  return expForm(neg, digits, exp);
}
