/**
 * Writer for the Prometheus text exposition format 0.0.4, byte-compatible with
 * prometheus/common expfmt's MetricFamilyToText.
 */
import type { Metric, MetricFamily } from "./registry.ts";
import { formatFloatG } from "../util/index.ts";

/** The Content-Type of text format 0.0.4, as client_golang sends it. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

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
      out.push(`${f.name}${labelsText(m, null, "")} ${formatFloatG(v)}\n`);
    } else if (v.kind === "summary") {
      for (let i = 0; i < v.quantiles.length; i++) {
        out.push(`${f.name}${labelsText(m, "quantile", formatFloatG(v.quantiles[i]!))} ${formatFloatG(v.values[i]!)}\n`);
      }
      out.push(`${f.name}_sum${labelsText(m, null, "")} ${formatFloatG(v.sum)}\n`);
      out.push(`${f.name}_count${labelsText(m, null, "")} ${formatFloatG(v.count)}\n`);
    } else {
      let hasInf = false;
      for (let i = 0; i < v.upperBounds.length; i++) {
        const ub = v.upperBounds[i]!;
        if (ub === Infinity) hasInf = true;
        out.push(`${f.name}_bucket${labelsText(m, "le", formatFloatG(ub))} ${formatFloatG(v.cumulativeCounts[i]!)}\n`);
      }
      // NOTE: matches expfmt, which adds the implicit +Inf bucket when missing.
      if (!hasInf) out.push(`${f.name}_bucket${labelsText(m, "le", "+Inf")} ${formatFloatG(v.count)}\n`);
      out.push(`${f.name}_sum${labelsText(m, null, "")} ${formatFloatG(v.sum)}\n`);
      out.push(`${f.name}_count${labelsText(m, null, "")} ${formatFloatG(v.count)}\n`);
    }
  }
}

/** Renders families (in the given order) as one text format 0.0.4 document. */
export function writeText(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) writeFamily(out, f);
  return out.join("");
}
