import { CounterVec, GaugeVec, type Registry, SummaryVec } from "../exposition/index.ts";

const LABEL = ["rule_group"];

/**
 * The rule manager's self-metrics under Prometheus's names, HELP texts and
 * labels (rules/manager.go): per group (label rule_group = "<file>;<group
 * name>") the evaluation and iteration counters and the last-evaluation
 * gauges, and the two duration summaries over every group.
 */
export class RuleMetrics {
  readonly evalDuration: SummaryVec;
  readonly iterationDuration: SummaryVec;
  readonly iterationsMissed = new CounterVec(
    "prometheus_rule_group_iterations_missed_total",
    "The total number of rule group evaluations missed due to slow rule group evaluation.",
    LABEL,
  );
  readonly iterationsScheduled = new CounterVec(
    "prometheus_rule_group_iterations_total",
    "The total number of scheduled rule group evaluations, whether executed or missed.",
    LABEL,
  );
  readonly evalTotal = new CounterVec("prometheus_rule_evaluations_total", "The total number of rule evaluations.", LABEL);
  readonly evalFailures = new CounterVec("prometheus_rule_evaluation_failures_total", "The total number of rule evaluation failures.", LABEL);
  readonly groupInterval = new GaugeVec("prometheus_rule_group_interval_seconds", "The interval of a rule group.", LABEL);
  readonly groupLastEvalTime = new GaugeVec("prometheus_rule_group_last_evaluation_timestamp_seconds", "The timestamp of the last rule group evaluation in seconds.", LABEL);
  readonly groupLastDuration = new GaugeVec("prometheus_rule_group_last_duration_seconds", "The duration of the last rule group evaluation.", LABEL);
  readonly groupRules = new GaugeVec("prometheus_rule_group_rules", "The number of rules.", LABEL);
  readonly groupSamples = new GaugeVec("prometheus_rule_group_last_evaluation_samples", "The number of samples returned during the last rule group evaluation.", LABEL);

  /** now: the clock (ms) of the summaries' sliding window. */
  constructor(now: () => number = Date.now) {
    this.evalDuration = new SummaryVec("prometheus_rule_evaluation_duration_seconds", "The duration for a rule to execute.", [], [0.5, 0.9, 0.99], now);
    this.iterationDuration = new SummaryVec("prometheus_rule_group_duration_seconds", "The duration of rule group evaluations.", [], [0.01, 0.05, 0.5, 0.9, 0.99], now);
  }

  /** Registers every family. */
  register(r: Registry): void {
    for (const c of this.#all()) r.register(c);
    r.register(this.evalDuration);
    r.register(this.iterationDuration);
  }

  /** Creates a group's series (at zero, with its rule count and interval), as Prometheus's NewGroup. */
  initGroup(key: string, rules: number, intervalMs: number): void {
    for (const v of this.#all()) v.with(key);
    this.groupRules.with(key).set(rules);
    this.groupInterval.with(key).set(intervalMs / 1000);
  }

  /** Deletes the series of a group removed by a reload. */
  removeGroup(key: string): void {
    for (const v of this.#all()) v.remove(key);
  }

  #all(): Array<CounterVec | GaugeVec> {
    return [
      this.iterationsMissed,
      this.iterationsScheduled,
      this.evalTotal,
      this.evalFailures,
      this.groupInterval,
      this.groupLastEvalTime,
      this.groupLastDuration,
      this.groupRules,
      this.groupSamples,
    ];
  }
}
