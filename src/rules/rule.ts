import type { Labels } from "../model/index.ts";
import type { Sample } from "../promql/engine/index.ts";

/** Health of a rule after its last evaluation, as the API reports it. */
export const RuleHealth = {
  Unknown: "unknown",
  Good: "ok",
  Bad: "err",
} as const;
export type RuleHealth = (typeof RuleHealth)[keyof typeof RuleHealth];

/**
 * Runs an instant query at t (ms) and resolves to its samples (a scalar
 * result as one sample without labels). Rejects with the query's error.
 */
export type QueryFunc = (qs: string, t: number) => Promise<Sample[]>;

/** Data an alert template sees: `$labels`, `$externalLabels`, `$externalURL`, `$value`. */
export interface TemplateData {
  labels: Record<string, string>;
  externalLabels: Record<string, string>;
  externalURL: string;
  value: number;
}

/**
 * Expands one label or annotation template of an alerting rule. `text` is
 * the raw text from the rule file: the expander defines `$labels`,
 * `$externalLabels`, `$externalURL` and `$value` from `data` as Prometheus
 * does (prefixing TEMPLATE_DEFS). `name` is `__alert_<alertname>`, `t` the
 * evaluation time (ms). Rejects with the template error.
 */
export type ExpandTemplateFunc = (text: string, data: TemplateData, ctx: { name: string; t: number }) => Promise<string>;

/** What the group needs from a recording or alerting rule. */
export interface Rule {
  /** The record name or the alert name. */
  readonly name: string;
  /** The rule's labels (group labels merged in, rule labels winning). */
  readonly labels: Labels;
  /** The expression as Prometheus prints it; what is queried. */
  readonly query: string;
  health: RuleHealth;
  lastError: Error | null;
  /** Duration of the last evaluation in ms. */
  evaluationDurationMs: number;
  /** Wall-clock start (ms) of the last evaluation, null before the first. */
  evaluationTimestamp: number | null;
  /**
   * Evaluates the rule at t (ms) with the query offset applied, and
   * resolves to the samples to append. Rejects with the query error or a
   * rule error (duplicate label sets, limit exceeded).
   */
  eval(queryOffsetMs: number, t: number, query: QueryFunc, limit: number): Promise<Sample[]>;
  /** A canonical text of the rule's definition; equal texts mean an unchanged rule. */
  definition(): string;
}
