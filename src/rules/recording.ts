import { type Labels, MetricName } from "../model/index.ts";
import type { Sample } from "../promql/engine/index.ts";
import { type Expr, formatExpr } from "../promql/parser/index.ts";
import { type QueryFunc, type Rule, RuleHealth } from "./rule.ts";

/** A rule that records its expression's result under a new metric name. */
export class RecordingRule implements Rule {
  readonly name: string;
  readonly expr: Expr;
  readonly query: string;
  readonly labels: Labels;
  health: RuleHealth;
  lastError: Error | null;
  evaluationDurationMs: number;
  evaluationTimestamp: number | null;

  /** `name` is the metric name written; `labels` are set on every result (an empty value removes the label). */
  constructor(name: string, expr: Expr, labels: Labels) {
    this.name = name;
    this.expr = expr;
    this.query = formatExpr(expr);
    this.labels = labels;
    this.health = RuleHealth.Unknown;
    this.lastError = null;
    this.evaluationDurationMs = 0;
    this.evaluationTimestamp = null;
  }

  /**
   * Queries at t - queryOffsetMs and renames the results. Rejects when two
   * results end up with the same labels, or with more than `limit` (> 0)
   * series.
   */
  async eval(queryOffsetMs: number, t: number, query: QueryFunc, limit: number): Promise<Sample[]> {
    const vector = await query(this.query, t - queryOffsetMs);
    const out: Sample[] = [];
    const seen = new Set<string>();
    let dup = false;
    for (const s of vector) {
      const b = s.metric.builder();
      b.set(MetricName, this.name);
      this.labels.forEach((n, v) => b.set(n, v));
      const metric = b.labels();
      if (seen.has(metric.key)) dup = true;
      seen.add(metric.key);
      out.push({ metric, t: s.t, f: s.f });
    }
    if (dup) throw new Error("vector contains metrics with the same labelset after applying rule labels");
    if (limit > 0 && out.length > limit) throw new Error(`exceeded limit of ${limit} with ${out.length} series`);
    return out;
  }

  definition(): string {
    return JSON.stringify(["record", this.name, this.query, this.labels.key]);
  }
}
