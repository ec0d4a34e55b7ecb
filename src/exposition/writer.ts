/**
 * Writer for the Prometheus text exposition format 0.0.4, byte-compatible with
 * prometheus/common expfmt's MetricFamilyToText.
 */
import type { Metric, MetricFamily } from "./registry.ts";

/** The Content-Type of text format 0.0.4, as client_golang sends it. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Formats a float like Go's strconv.FormatFloat(f, 'g', -1, 64), which expfmt
 * uses for sample values: the shortest digits that round-trip, in exponent
 * form (at least two exponent digits) when the decimal exponent is < -4 or
 * >= 6, else plain; `+Inf`, `-Inf`, `NaN`. So 1e6 is "1e+06", 123456 is
 * "123456", 0.0001 is "0.0001" and 0.00001 is "1e-05".
 */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  // toExponential() without an argument gives the shortest round-trip digits,
  // the same digits Go's shortest formatting picks.
  const e = f.toExponential();
  const at = e.indexOf("e");
  const mant = e.slice(0, at);
  const exp = Number(e.slice(at + 1));
  const neg = mant.startsWith("-");
  const digits = (neg ? mant.slice(1) : mant).replace(".", "");
  // NOTE: matches Go's ftoa, which with shortest precision decides with eprec = 6.
  if (exp < -4 || exp >= 6) return goExp(neg, digits, exp);
  return (neg ? "-" : "") + plain(digits, exp);
}

function goExp(neg: boolean, digits: string, exp: number): string {
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const a = Math.abs(exp);
  return `${neg ? "-" : ""}${m}e${exp < 0 ? "-" : "+"}${a < 10 ? "0" : ""}${a}`;
}

function plain(digits: string, exp: number): string {
  if (exp < 0) return `0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return digits + "0".repeat(exp + 1 - digits.length);
  return `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Escapes a HELP text: backslash and newline, as expfmt does. */
export function escapeHelp(s: string): string {
  if (!/[\\\n]/.test(s)) return s;
  return s.replace(/[\\\n]/g, (c) => (c === "\\" ? "\\\\" : "\\n"));
}

/** Escapes a label value: backslash, double quote and newline, as expfmt does. */
export function escapeLabelValue(s: string): string {
  if (!/[\\\n"]/.test(s)) return s;
  return s.replace(/[\\\n"]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : '\\"'));
}

function labelsText(m: Metric, extraName: string | null, extraValue: string): string {
  if (m.labelNames.length === 0 && extraName === null) return "";
  const parts: string[] = [];
  for (let i = 0; i < m.labelNames.length; i++) parts.push(`${m.labelNames[i]}="${escapeLabelValue(m.labelValues[i]!)}"`);
  if (extraName !== null) parts.push(`${extraName}="${escapeLabelValue(extraValue)}"`);
  return `{${parts.join(",")}}`;
}

/**
 * Appends one family in text format 0.0.4 to out. A family without metrics
 * still gets its HELP and TYPE lines, as expfmt writes them. Summary
 * quantile and histogram le labels come after the metric's own labels.
 */
export function writeFamily(out: string[], f: MetricFamily): void {
  out.push(`# HELP ${f.name} ${escapeHelp(f.help)}\n`, `# TYPE ${f.name} ${f.type}\n`);
  for (const m of f.metrics) {
    const v = m.value;
    if (typeof v === "number") {
      out.push(`${f.name}${labelsText(m, null, "")} ${formatGoFloat(v)}\n`);
    } else if (v.kind === "summary") {
      for (let i = 0; i < v.quantiles.length; i++) {
        out.push(`${f.name}${labelsText(m, "quantile", formatGoFloat(v.quantiles[i]!))} ${formatGoFloat(v.values[i]!)}\n`);
      }
      out.push(`${f.name}_sum${labelsText(m, null, "")} ${formatGoFloat(v.sum)}\n`);
      out.push(`${f.name}_count${labelsText(m, null, "")} ${formatGoFloat(v.count)}\n`);
    } else {
      let hasInf = false;
      for (let i = 0; i < v.upperBounds.length; i++) {
        const ub = v.upperBounds[i]!;
        if (ub === Infinity) hasInf = true;
        out.push(`${f.name}_bucket${labelsText(m, "le", formatGoFloat(ub))} ${formatGoFloat(v.cumulativeCounts[i]!)}\n`);
      }
      // NOTE: matches expfmt, which adds the implicit +Inf bucket when missing.
      if (!hasInf) out.push(`${f.name}_bucket${labelsText(m, "le", "+Inf")} ${formatGoFloat(v.count)}\n`);
      out.push(`${f.name}_sum${labelsText(m, null, "")} ${formatGoFloat(v.sum)}\n`);
      out.push(`${f.name}_count${labelsText(m, null, "")} ${formatGoFloat(v.count)}\n`);
    }
  }
}

/** Renders families (in the given order) as one text format 0.0.4 document. */
export function writeText(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) writeFamily(out, f);
  return out.join("");
}
