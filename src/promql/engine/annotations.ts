import type { PositionRange } from "../parser/index.ts";
import { quoteString as goQuote } from "../../model/index.ts";
import { formatFloatG } from "../../util/index.ts";

/**
 * Warnings and infos of one query, deduplicated by text as Prometheus's
 * util/annotations does. Texts carry the position of the expression that
 * caused them as "(line:col)", computed from the query string.
 */
export class Annotations {
  readonly #query: string;
  readonly warnings: Set<string>;
  readonly infos: Set<string>;

  constructor(query: string) {
    this.#query = query;
    this.warnings = new Set();
    this.infos = new Set();
  }

  /** Adds a warning "PromQL warning: <text> (<pos>)". */
  warn(text: string, pos: PositionRange | null): void {
    this.warnings.add(`PromQL warning: ${text}${this.#pos(pos)}`);
  }

  /** Adds an info "PromQL info: <text> (<pos>)". */
  info(text: string, pos: PositionRange | null): void {
    this.infos.add(`PromQL info: ${text}${this.#pos(pos)}`);
  }

  /** Adds a warning text as is (e.g. from storage). */
  rawWarning(text: string): void {
    this.warnings.add(text);
  }

  #pos(pos: PositionRange | null): string {
    if (pos === null) return "";
    const q = this.#query;
    const p = pos.start;
    if (p < 0 || p > q.length) return " (unknown position)";
    let line = 1;
    let lastBreak = -1;
    for (let i = 0; i < p; i++) {
      if (q.charCodeAt(i) === 10) {
        line++;
        lastBreak = i;
      }
    }
    return ` (${line}:${p - lastBreak})`;
  }
}

/** Texts of Prometheus's annotations (util/annotations), without the "PromQL ..." prefix. */
export const AnnotationText = {
  invalidQuantile: (q: number): string => `quantile value should be between 0 and 1, got ${formatFloatG(q)}`,
  invalidRatio: (q: number, to: number): string =>
    `ratio value should be between -1 and 1, got ${formatFloatG(q)}, capping to ${formatFloatG(to)}`,
  badBucketLabel: (metricName: string, label: string): string =>
    withMetricName(`bucket label "le" is missing or has a malformed value of ${goQuote(label)}`, metricName),
  possibleNonCounter: (metricName: string): string =>
    `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${goQuote(metricName)}`,
  forcedMonotonicity: (metricName: string): string =>
    withMetricName(
      "input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)",
      metricName,
    ),
  sortIneffective: (): string => "sort is ineffective for range queries since results are always ordered by labels",
} as const;

function withMetricName(text: string, metricName: string): string {
  return metricName === "" ? text : `${text} for metric name ${goQuote(metricName)}`;
}

