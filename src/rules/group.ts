import { Labels } from "../model/index.ts";
import { xxhash64 } from "../util/index.ts";
import { type Appendable, type Querier, type Queryable, type Series, ValueType } from "../storage/index.ts";
import type { Clock, Logger, Timer } from "../util/index.ts";
import { type Alert, AlertingRule } from "./alerting.ts";
import type { RuleMetrics } from "./metrics.ts";
import { type QueryFunc, type Rule, RuleHealth } from "./rule.ts";

/** An alert as the notifier sends it to Alertmanagers. Times in ms. */
export interface NotifyAlert {
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
}

/** Hands alerts to the notifier; called only with a non-empty list. */
export type NotifyFunc = (alerts: NotifyAlert[]) => void;

/** What the groups of a manager share. Durations in ms. */
export interface GroupEnv {
  queryFn: QueryFunc;
  appendable: Appendable;
  /** Read for restoring `for` state from ALERTS_FOR_STATE. */
  queryable: Queryable;
  notify: NotifyFunc | null;
  clock: Clock;
  logger: Logger;
  outageToleranceMs: number;
  forGracePeriodMs: number;
  resendDelayMs: number;
  /** The global rule query offset, read at every evaluation. */
  defaultQueryOffsetMs: () => number;
  /** The external URL, prefix of the alerts' generator URLs. */
  externalURL: () => string;
  /** The prometheus_rule_* self-metrics; none are kept without. */
  metrics?: RuleMetrics | null;
}

/** Options of a Group. Durations in ms. */
export interface GroupOptions {
  name: string;
  file: string;
  intervalMs: number;
  /** null: the global rule query offset. */
  queryOffsetMs: number | null;
  limit: number;
  rules: Rule[];
  /** Restore `for` state after the second evaluation (the first load after start). */
  shouldRestore: boolean;
  env: GroupEnv;
}

/** Error of samples the storage rejected (out of order, duplicate or too old). */
export class RuleSampleRejectedError extends Error {
  readonly count: number;

  constructor(count: number) {
    super(`${count} sample(s) rejected by storage (out of order, duplicate or too old)`);
    this.name = "RuleSampleRejectedError";
    this.count = count;
  }
}

/**
 * A set of rules evaluated in order, at one interval, on a stable offset
 * within the interval: later rules see the results of earlier ones, which
 * are committed before the next rule is evaluated.
 */
export class Group {
  readonly name: string;
  readonly file: string;
  readonly intervalMs: number;
  readonly queryOffsetMs: number | null;
  readonly limit: number;
  readonly rules: readonly Rule[];
  /** Duration of the last evaluation of the whole group, ms. */
  evaluationTimeMs: number;
  /** Wall-clock start (ms) of the last evaluation, null before the first. */
  lastEvaluation: number | null;
  /** Time slot (ms) of the last evaluation, null before the first. */
  lastEvalTimestamp: number | null;
  /** Series each rule wrote in its last evaluation, by labels key; one map per rule. */
  seriesInPreviousEval: Array<Map<string, Labels>>;
  /** Series of deleted rules still to be marked stale. */
  staleSeries: Labels[];
  readonly #env: GroupEnv;
  readonly #logger: Logger;
  readonly #hash: bigint;
  /** The rule_group label of the group's metrics. */
  readonly #key: string;
  readonly #metrics: RuleMetrics | null;
  #shouldRestore: boolean;
  #timer: Timer | null;
  #running: Promise<void> | null;
  #stopped: boolean;
  #evalTs: number;
  #iterations: number;

  constructor(o: GroupOptions) {
    if (o.intervalMs <= 0) throw new Error(`BUG: rule group ${o.name} with interval ${o.intervalMs}`);
    this.name = o.name;
    this.file = o.file;
    this.intervalMs = o.intervalMs;
    this.queryOffsetMs = o.queryOffsetMs;
    this.limit = o.limit;
    this.rules = o.rules;
    this.evaluationTimeMs = 0;
    this.lastEvaluation = null;
    this.lastEvalTimestamp = null;
    this.seriesInPreviousEval = o.rules.map(() => new Map());
    this.staleSeries = [];
    this.#env = o.env;
    this.#logger = o.env.logger.with("file", o.file, "group", o.name);
    this.#hash = labelsHash(Labels.fromObject({ name: o.name, file: o.file }));
    this.#key = groupKey(o.file, o.name);
    this.#metrics = o.env.metrics ?? null;
    this.#shouldRestore = o.shouldRestore;
    this.#timer = null;
    this.#running = null;
    this.#stopped = false;
    this.#evalTs = 0;
    this.#iterations = 0;
  }

  /** The alerting rules of the group, in order. */
  alertingRules(): AlertingRule[] {
    return this.rules.filter((r): r is AlertingRule => r instanceof AlertingRule);
  }

  /** The query offset in effect: the group's, else the global one. */
  queryOffset(): number {
    return this.queryOffsetMs ?? this.#env.defaultQueryOffsetMs();
  }

  /**
   * The latest evaluation slot at or before `startMs`: slots are the
   * interval's multiples shifted by an offset derived from a hash of the
   * file and group name, as Prometheus's EvalTimestamp, so groups spread
   * over the interval and keep their slot across restarts.
   */
  evalTimestamp(startMs: number): number {
    const intervalNs = BigInt(this.intervalMs) * 1_000_000n;
    const offset = this.#hash % intervalNs;
    const adjNow = BigInt(startMs) * 1_000_000n - offset;
    let rem = adjNow % intervalNs;
    if (rem < 0n) rem += intervalNs;
    return Number((adjNow - rem + offset) / 1_000_000n);
  }

  /** Starts evaluating at the group's next slot, then every interval, on the env's clock. */
  start(): void {
    if (this.#stopped || this.#timer !== null) return;
    const now = this.#env.clock.now();
    this.#evalTs = this.evalTimestamp(now) + this.intervalMs;
    this.#timer = this.#env.clock.setTimeout(() => this.#tick(), this.#evalTs - now);
  }

  /** Stops evaluating; resolves once a running evaluation has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#running !== null) await this.#running;
  }

  #tick(): void {
    this.#timer = null;
    if (this.#stopped) return;
    this.#running = this.#iterate().finally(() => {
      this.#running = null;
    });
  }

  async #iterate(): Promise<void> {
    const clock = this.#env.clock;
    if (this.#iterations > 0) {
      // Ticks missed while the previous evaluation ran are skipped, as Prometheus's ticker does.
      const missed = Math.max(Math.floor((clock.now() - this.#evalTs) / this.intervalMs) - 1, 0);
      const m = this.#metrics;
      if (missed > 0 && m !== null) {
        m.iterationsMissed.with(this.#key).inc(missed);
        m.iterationsScheduled.with(this.#key).inc(missed);
      }
      this.#evalTs += (missed + 1) * this.intervalMs;
    }
    await this.evalIteration(this.#evalTs);
    this.#iterations++;
    // NOTE: matches Prometheus, which restores `for` state after the
    // second evaluation, once recording rules have caught up.
    if (this.#shouldRestore && this.#iterations === 2) {
      await this.restoreForState(clock.now());
      this.#shouldRestore = false;
    }
    if (this.#stopped) return;
    const next = this.#evalTs + this.intervalMs;
    this.#timer = clock.setTimeout(() => this.#tick(), Math.max(0, next - clock.now()));
  }

  /**
   * One scheduled evaluation at slot ts (ms), keeping the group's
   * evaluation time and last evaluation (and their metrics).
   */
  async evalIteration(ts: number): Promise<void> {
    const m = this.#metrics;
    m?.iterationsScheduled.with(this.#key).inc();
    const start = this.#env.clock.now();
    await this.eval(ts);
    this.evaluationTimeMs = this.#env.clock.now() - start;
    this.lastEvaluation = start;
    this.lastEvalTimestamp = ts;
    if (m !== null) {
      m.iterationDuration.with().observe(this.evaluationTimeMs / 1000);
      m.groupLastDuration.with(this.#key).set(this.evaluationTimeMs / 1000);
      m.groupLastEvalTime.with(this.#key).set(start / 1000);
    }
  }

  /**
   * Evaluates every rule at ts (ms) in order, appending and committing each
   * rule's results (and stale markers for its series that disappeared)
   * before the next, then marks the series of deleted rules stale.
   */
  async eval(ts: number): Promise<void> {
    const env = this.#env;
    const m = this.#metrics;
    const queryOffset = this.queryOffset();
    let samplesTotal = 0;
    for (let i = 0; i < this.rules.length; i++) {
      if (this.#stopped) return;
      const rule = this.rules[i]!;
      const logger = this.#logger.with("name", rule.name, "index", i);
      const t0 = env.clock.now();
      m?.evalTotal.with(this.#key).inc();
      try {
        let vector;
        try {
          vector = await rule.eval(queryOffset, ts, env.queryFn, this.limit);
        } catch (err) {
          const e = toError(err);
          rule.health = RuleHealth.Bad;
          rule.lastError = e;
          m?.evalFailures.with(this.#key).inc();
          if (e.name !== "QueryCanceledError") logger.warn("Evaluating rule failed", "rule", rule.definition(), "err", e.message);
          continue;
        }
        rule.health = RuleHealth.Good;
        rule.lastError = null;
        samplesTotal += vector.length;
        if (rule instanceof AlertingRule) this.#sendAlerts(rule, ts);

        const app = env.appendable.appender();
        const prev = this.seriesInPreviousEval[i]!;
        const returned = new Map<string, Labels>();
        let rejected = 0;
        for (const s of vector) {
          if (app.append(0, s.metric, s.t, s.f) === 0) rejected++;
          else returned.set(s.metric.key, s.metric);
        }
        if (rejected > 0) {
          rule.health = RuleHealth.Bad;
          rule.lastError = new RuleSampleRejectedError(rejected);
          logger.warn("Rule evaluation result discarded", "num_dropped", rejected);
        }
        for (const [k, lset] of prev) {
          // Series no longer produced: mark it stale. A rejection is expected
          // when another rule writes the series, and not reported.
          if (!returned.has(k)) app.append(0, lset, ts - queryOffset, Number.NaN, { stale: true });
        }
        try {
          await app.commit();
          this.seriesInPreviousEval[i] = returned;
        } catch (err) {
          const e = toError(err);
          rule.health = RuleHealth.Bad;
          rule.lastError = e;
          m?.evalFailures.with(this.#key).inc();
          logger.warn("Rule sample appending failed", "err", e.message);
        }
      } finally {
        rule.evaluationDurationMs = env.clock.now() - t0;
        rule.evaluationTimestamp = t0;
        m?.evalDuration.with().observe(rule.evaluationDurationMs / 1000);
      }
    }
    m?.groupSamples.with(this.#key).set(samplesTotal);
    await this.cleanupStaleSeries(ts);
  }

  #sendAlerts(rule: AlertingRule, ts: number): void {
    const alerts = rule.alertsToSend(ts, this.#env.resendDelayMs, this.intervalMs);
    const notify = this.#env.notify;
    if (alerts.length === 0 || notify === null) return;
    const generatorURL = this.#env.externalURL() + tableLinkForExpression(rule.query);
    notify(alerts.map((a) => toNotifyAlert(a, generatorURL)));
  }

  /** Appends stale markers at ts - query offset for the series of deleted rules. */
  async cleanupStaleSeries(ts: number): Promise<void> {
    if (this.staleSeries.length === 0) return;
    const app = this.#env.appendable.appender();
    const t = ts - this.queryOffset();
    for (const s of this.staleSeries) app.append(0, s, t, Number.NaN, { stale: true });
    try {
      await app.commit();
      this.staleSeries = [];
    } catch (err) {
      this.#logger.warn("Stale sample appending for previous configuration failed", "err", toError(err).message);
    }
  }

  /** Moves every series of the last evaluation to the stale list (for a group being removed). */
  markAllStale(): void {
    for (const m of this.seriesInPreviousEval) for (const l of m.values()) this.staleSeries.push(l);
    this.seriesInPreviousEval = this.rules.map(() => new Map());
  }

  /**
   * Restores the `for` state of active alerts from ALERTS_FOR_STATE written
   * before a restart, within the outage tolerance: an alert pending when
   * Prometheus went down continues its `for` where it stopped (shifted by
   * the downtime), and fires no sooner than the grace period from now.
   */
  async restoreForState(ts: number): Promise<void> {
    const env = this.#env;
    let q: Querier;
    try {
      q = await env.queryable.querier(ts - env.outageToleranceMs, ts);
    } catch (err) {
      this.#logger.error("Failed to get Querier", "err", toError(err).message);
      return;
    }
    try {
      for (const rule of this.alertingRules()) await this.#restoreRule(rule, q, ts);
    } finally {
      q.close();
    }
  }

  async #restoreRule(rule: AlertingRule, q: Querier, ts: number): Promise<void> {
    const env = this.#env;
    const hold = rule.holdMs;
    if (hold < env.forGracePeriodMs) {
      // Waiting for the grace period would be longer than `for` itself.
      rule.restored = true;
      return;
    }
    const byLabels = new Map<string, Series>();
    try {
      const ss = await rule.selectForStateSeries(q);
      while (ss.next()) {
        const s = ss.at();
        byLabels.set(s.labels.dropMetricName().key, s);
      }
      const err = ss.err();
      if (err !== null) throw err;
    } catch (err) {
      this.#logger.error("Failed to restore 'for' state", "alertname", rule.name, "stage", "Select", "err", toError(err).message);
      rule.restored = true;
      return;
    }
    if (byLabels.size === 0) {
      rule.restored = true;
      return;
    }
    for (const a of rule.active.values()) {
      const s = byLabels.get(a.labels.key);
      if (s === undefined) continue;
      const it = s.iterator();
      let t = 0;
      let v = 0;
      let stale = false;
      while (it.next() === ValueType.Float) {
        t = it.atT();
        v = it.atF();
        stale = it.isStale();
      }
      const itErr = it.err();
      if (itErr !== null) {
        this.#logger.error("Failed to restore 'for' state", "alertname", rule.name, "stage", "Iterator", "err", itErr.message);
        continue;
      }
      if (stale) continue; // The alert was not active.
      const downAt = Math.trunc(t / 1000) * 1000;
      let activeAt = Math.trunc(v) * 1000;
      const remaining = hold - (downAt - activeAt);
      if (remaining <= 0) {
        // It was firing when Prometheus went down: the next evaluation fires it again.
      } else if (remaining < env.forGracePeriodMs) {
        // Fire no sooner than the grace period from now.
        activeAt = ts + env.forGracePeriodMs - hold;
      } else {
        // Shift by the downtime: pending resumes where it stopped.
        activeAt += ts - downAt;
      }
      a.activeAt = activeAt;
    }
    rule.restored = true;
  }

  /**
   * Takes over the state of the group this one replaces: active alerts and
   * the series for staleness of rules with the same name and labels (the
   * n-th duplicate with the n-th), and stale markers due for the others.
   */
  copyState(from: Group): void {
    this.evaluationTimeMs = from.evaluationTimeMs;
    this.lastEvaluation = from.lastEvaluation;
    const ruleMap = new Map<string, number[]>();
    from.rules.forEach((r, fi) => {
      const k = nameAndLabels(r);
      const l = ruleMap.get(k);
      if (l === undefined) ruleMap.set(k, [fi]);
      else l.push(fi);
    });
    this.rules.forEach((rule, i) => {
      const k = nameAndLabels(rule);
      const indexes = ruleMap.get(k);
      if (indexes === undefined || indexes.length === 0) return;
      const fi = indexes.shift()!;
      this.seriesInPreviousEval[i] = from.seriesInPreviousEval[fi] ?? new Map();
      const far = from.rules[fi];
      if (rule instanceof AlertingRule && far instanceof AlertingRule) {
        for (const [fp, a] of far.active) rule.active.set(fp, a);
      }
    });
    this.staleSeries = [...from.staleSeries];
    from.rules.forEach((r, fi) => {
      const l = ruleMap.get(nameAndLabels(r));
      if (l !== undefined && l.length > 0) for (const s of from.seriesInPreviousEval[fi]?.values() ?? []) this.staleSeries.push(s);
    });
  }

  /** Whether `o` has the same name, file, settings and rule definitions. */
  equals(o: Group): boolean {
    if (this.name !== o.name || this.file !== o.file || this.intervalMs !== o.intervalMs || this.limit !== o.limit) return false;
    if (this.queryOffsetMs !== o.queryOffsetMs) return false;
    if (this.rules.length !== o.rules.length) return false;
    return this.rules.every((r, i) => r.definition() === o.rules[i]!.definition());
  }
}

/** The key of a group: group names need to be unique only within a file. */
export function groupKey(file: string, name: string): string {
  return `${file};${name}`;
}

function nameAndLabels(r: Rule): string {
  return r.name + r.labels.toString();
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A rule alert as the notifier sends it: starts when it fired, ends when resolved or when its validity lapses. */
function toNotifyAlert(a: Alert, generatorURL: string): NotifyAlert {
  return {
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.firedAt ?? a.activeAt,
    endsAt: a.resolvedAt ?? a.validUntil ?? a.activeAt,
    generatorURL,
  };
}

/** The UI link showing an expression in the table view, as Prometheus's strutil.TableLinkForExpression. */
export function tableLinkForExpression(expr: string): string {
  return `/graph?g0.expr=${queryEscape(expr)}&g0.tab=1`;
}

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, "+");
}

const encoder = new TextEncoder();

/**
 * Prometheus 3's labels.Hash(): xxHash64 of the label set's string
 * encoding, each name and value preceded by its length as a uvarint.
 */
function labelsHash(l: Labels): bigint {
  const parts: number[] = [];
  const put = (s: string): void => {
    const b = encoder.encode(s);
    let n = b.length;
    while (n >= 0x80) {
      parts.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    parts.push(n);
    for (const x of b) parts.push(x);
  };
  l.forEach((n, v) => {
    put(n);
    put(v);
  });
  return xxhash64(Uint8Array.from(parts));
}
