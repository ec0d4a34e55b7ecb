import { Labels, Matcher, MatchType, MetricName } from "../model/index.ts";
import type { Sample } from "../promql/engine/index.ts";
import { type Expr, formatExpr } from "../promql/parser/index.ts";
import type { Querier, SeriesSet } from "../storage/index.ts";
import { type Logger, nopLogger } from "../util/index.ts";
import { type ExpandTemplateFunc, type QueryFunc, type Rule, RuleHealth, type TemplateData } from "./rule.ts";

/** Metric name of the synthetic series of active alerts. */
export const ALERT_METRIC_NAME = "ALERTS";
/** Metric name of the series that keeps each active alert's ActiveAt (seconds) for restarts. */
export const ALERT_FOR_STATE_METRIC_NAME = "ALERTS_FOR_STATE";
/** Label carrying the alert's name. */
export const ALERT_NAME_LABEL = "alertname";
/** Label of ALERTS carrying the alert's state. */
export const ALERT_STATE_LABEL = "alertstate";

/**
 * How long a resolved alert is kept, and so re-sent as resolved to the
 * Alertmanagers: 15 minutes, as Prometheus.
 */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** State of an alert or, as the maximum over its alerts, of an alerting rule. */
export const AlertState = {
  /** The rule has not been evaluated yet. */
  Unknown: "unknown",
  Inactive: "inactive",
  Pending: "pending",
  Firing: "firing",
} as const;
export type AlertState = (typeof AlertState)[keyof typeof AlertState];

const STATE_ORDER: Record<AlertState, number> = { unknown: 0, inactive: 1, pending: 2, firing: 3 };

/**
 * One alert of an alerting rule: a label set of the expression's result.
 * Times are ms; null means "not set" (Go's zero time).
 *
 *   (absent) --result--> pending --held `for`--> firing
 *      ^                    |                      | no result (after keep_firing_for)
 *      +----no result-------+                      v
 *      +-------- 15m after resolvedAt ------- inactive (resolved)
 */
export interface Alert {
  state: AlertState;
  labels: Labels;
  annotations: Labels;
  /** Value of the expression at the last evaluation. */
  value: number;
  activeAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  lastSentAt: number | null;
  validUntil: number | null;
  keepFiringSince: number | null;
}

/** Options of an alerting rule. Durations in ms. */
export interface AlertingRuleOptions {
  name: string;
  expr: Expr;
  holdMs: number;
  keepFiringForMs: number;
  labels: Labels;
  annotations: Labels;
  externalLabels: Labels;
  externalURL: string;
  /** Whether the `for` state is already restored (ALERTS and ALERTS_FOR_STATE are written only then). */
  restored: boolean;
  /** Expands label and annotation templates; without it the raw texts are used. */
  expandTemplate: ExpandTemplateFunc | null;
  logger?: Logger;
}

/** A rule that turns its expression's results into alerts. */
export class AlertingRule implements Rule {
  readonly name: string;
  readonly expr: Expr;
  readonly query: string;
  readonly holdMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly externalLabels: Labels;
  readonly externalURL: string;
  restored: boolean;
  health: RuleHealth;
  lastError: Error | null;
  evaluationDurationMs: number;
  evaluationTimestamp: number | null;
  /** Active (pending, firing) and recently resolved alerts, by label set key. */
  readonly active: Map<string, Alert>;
  readonly #expand: ExpandTemplateFunc | null;
  readonly #externalLabelsObj: Record<string, string>;
  readonly #logger: Logger;

  constructor(o: AlertingRuleOptions) {
    this.name = o.name;
    this.expr = o.expr;
    this.query = formatExpr(o.expr);
    this.holdMs = o.holdMs;
    this.keepFiringForMs = o.keepFiringForMs;
    this.labels = o.labels;
    this.annotations = o.annotations;
    this.externalLabels = o.externalLabels;
    this.externalURL = o.externalURL;
    this.restored = o.restored;
    this.health = RuleHealth.Unknown;
    this.lastError = null;
    this.evaluationDurationMs = 0;
    this.evaluationTimestamp = null;
    this.active = new Map();
    this.#expand = o.expandTemplate;
    this.#externalLabelsObj = o.externalLabels.toObject();
    this.#logger = (o.logger ?? nopLogger).with("alert", o.name);
  }

  /**
   * Evaluates at t (ms): creates pending alerts for new results, fires
   * those held for `for`, resolves vanished ones (after keep_firing_for),
   * and resolves to the ALERTS and ALERTS_FOR_STATE samples (once
   * restored) at t - queryOffsetMs. Rejects on a query error, on results
   * with the same labels after the rule's labels, and when more than
   * `limit` (> 0) alerts are active (dropping them all, as Prometheus).
   */
  async eval(queryOffsetMs: number, t: number, query: QueryFunc, limit: number): Promise<Sample[]> {
    const res = await query(this.query, t - queryOffsetMs);
    const resultKeys = new Set<string>();
    const alerts = new Map<string, Alert>();
    const name = `__alert_${this.name}`;
    for (const smpl of res) {
      const data: TemplateData = {
        labels: smpl.metric.toObject(),
        externalLabels: this.#externalLabelsObj,
        externalURL: this.externalURL,
        value: smpl.f,
      };
      const expand = (text: string): Promise<string> => this.#expandText(text, data, name, t);
      const b = smpl.metric.builder();
      b.del(MetricName);
      for (let i = 0; i < this.labels.length; i++) b.set(this.labels.names[i]!, await expand(this.labels.values[i]!));
      b.set(ALERT_NAME_LABEL, this.name);
      const annValues: string[] = [];
      for (const v of this.annotations.values) annValues.push(await expand(v));
      const annotations = Labels.fromSortedUnchecked([...this.annotations.names], annValues);
      const lbs = b.labels();
      resultKeys.add(lbs.key);
      if (alerts.has(lbs.key)) throw new Error("vector contains metrics with the same labelset after applying alert labels");
      alerts.set(lbs.key, {
        state: AlertState.Pending,
        labels: lbs,
        annotations,
        value: smpl.f,
        activeAt: t,
        firedAt: null,
        resolvedAt: null,
        lastSentAt: null,
        validUntil: null,
        keepFiringSince: null,
      });
    }

    for (const [k, a] of alerts) {
      // An alert already pending or firing keeps its state; update its value and annotations.
      const cur = this.active.get(k);
      if (cur !== undefined && cur.state !== AlertState.Inactive) {
        cur.value = a.value;
        cur.annotations = a.annotations;
        continue;
      }
      this.active.set(k, a);
    }

    const vec: Sample[] = [];
    let numActivePending = 0;
    for (const [k, a] of this.active) {
      if (!resultKeys.has(k)) {
        let keepFiring = false;
        if (a.state === AlertState.Firing && this.keepFiringForMs > 0) {
          if (a.keepFiringSince === null) a.keepFiringSince = t;
          if (t - a.keepFiringSince < this.keepFiringForMs) keepFiring = true;
        }
        // NOTE: matches Prometheus, which keeps a resolved alert for
        // resolvedRetention so that it is re-sent as resolved.
        if (a.state === AlertState.Pending || (a.resolvedAt !== null && t - a.resolvedAt > RESOLVED_RETENTION_MS)) {
          this.active.delete(k);
        }
        if (a.state !== AlertState.Inactive && !keepFiring) {
          a.state = AlertState.Inactive;
          a.resolvedAt = t;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = null;
      }
      numActivePending++;
      if (a.state === AlertState.Pending && t - a.activeAt >= this.holdMs) {
        a.state = AlertState.Firing;
        a.firedAt = t;
      }
      if (this.restored) {
        vec.push(this.#sample(a, t - queryOffsetMs));
        vec.push({ metric: this.forStateLabels(a), t: t - queryOffsetMs, f: Math.floor(a.activeAt / 1000) });
      }
    }
    if (limit > 0 && numActivePending > limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${limit} with ${numActivePending} alerts`);
    }
    return vec;
  }

  async #expandText(text: string, data: TemplateData, name: string, t: number): Promise<string> {
    // Text without actions expands to itself.
    if (this.#expand === null || !text.includes("{{")) return text;
    try {
      return await this.#expand(text, data, { name, t });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      this.#logger.warn("Expanding alert template failed", "err", msg, "data", JSON.stringify(data));
      return `<error expanding template: ${msg}>`;
    }
  }

  #sample(a: Alert, t: number): Sample {
    const b = this.labels.builder();
    a.labels.forEach((n, v) => b.set(n, v));
    b.set(MetricName, ALERT_METRIC_NAME);
    b.set(ALERT_NAME_LABEL, this.name);
    b.set(ALERT_STATE_LABEL, a.state);
    return { metric: b.labels(), t, f: 1 };
  }

  /** Labels of the ALERTS_FOR_STATE series of `a`, or, for null, those every such series of the rule has. */
  forStateLabels(a: Alert | null): Labels {
    const b = this.labels.builder();
    if (a !== null) a.labels.forEach((n, v) => b.set(n, v));
    b.set(MetricName, ALERT_FOR_STATE_METRIC_NAME);
    b.set(ALERT_NAME_LABEL, this.name);
    return b.labels();
  }

  /** Selects the rule's ALERTS_FOR_STATE series (matching its raw labels, as Prometheus). */
  selectForStateSeries(q: Querier): Promise<SeriesSet> {
    const ms: Matcher[] = [];
    this.forStateLabels(null).forEach((n, v) => ms.push(new Matcher(MatchType.Equal, n, v)));
    return q.select(false, null, ...ms);
  }

  /** The highest state of the rule's alerts; Unknown before the first evaluation. */
  state(): AlertState {
    if (this.evaluationTimestamp === null) return AlertState.Unknown;
    let max: AlertState = AlertState.Inactive;
    for (const a of this.active.values()) if (STATE_ORDER[a.state] > STATE_ORDER[max]) max = a.state;
    return max;
  }

  /** Copies of the pending and firing alerts (resolved ones excluded). */
  activeAlerts(): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) if (a.resolvedAt === null) out.push({ ...a });
    return out;
  }

  /** Copies of every alert kept, resolved ones included. */
  currentAlerts(): Alert[] {
    return [...this.active.values()].map((a) => ({ ...a }));
  }

  /**
   * The alerts due to be sent at t (ms), marked as sent: firing ones every
   * resendDelayMs, resolved ones once after resolving and then every
   * resendDelayMs while kept. Each is valid until t + 4 * max(interval,
   * resend delay), allowing two failed evaluations or sends.
   */
  alertsToSend(t: number, resendDelayMs: number, intervalMs: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (!needsSending(a, t, resendDelayMs)) continue;
      a.lastSentAt = t;
      a.validUntil = t + 4 * Math.max(intervalMs, resendDelayMs);
      out.push({ ...a });
    }
    return out;
  }

  definition(): string {
    return JSON.stringify(["alert", this.name, this.query, this.holdMs, this.keepFiringForMs, this.labels.key, this.annotations.key]);
  }
}

function needsSending(a: Alert, t: number, resendDelayMs: number): boolean {
  if (a.state === AlertState.Pending) return false;
  // Resolved since the last send: send now.
  if (a.resolvedAt !== null && (a.lastSentAt === null || a.resolvedAt > a.lastSentAt)) return true;
  return a.lastSentAt === null || a.lastSentAt + resendDelayMs < t;
}
