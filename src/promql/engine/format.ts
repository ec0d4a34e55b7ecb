/**
 * Number formatting as Go's strconv does it, for texts that must match
 * Prometheus byte for byte (annotations, count_values labels).
 */

/** Go's strconv.FormatFloat(f, 'g', -1, 64), i.e. fmt's %g for a float64. */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  // Shortest round-trip digits and decimal exponent.
  const [mant, expStr] = f.toExponential().split("e") as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    // NOTE: matches Go, whose shortest %g switches to exponent form when exp < -4 || exp >= 6.
    const sign = exp < 0 ? "-" : "+";
    const abs = Math.abs(exp);
    return `${mant}e${sign}${abs < 10 ? "0" : ""}${abs}`;
  }
  return formatGoFloatF(f);
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): shortest digits, never an exponent. */
export function formatGoFloatF(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  const s = String(f);
  if (!s.includes("e")) return s;
  const neg = f < 0;
  const [mant, expStr] = (neg ? s.slice(1) : s).split("e") as [string, string];
  const exp = Number(expStr);
  const digits = mant.replace(".", "");
  const pointAt = (mant.indexOf(".") < 0 ? mant.length : mant.indexOf(".")) + exp;
  let out: string;
  if (pointAt <= 0) out = "0." + "0".repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + "0".repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + "." + digits.slice(pointAt);
  return neg ? "-" + out : out;
}
