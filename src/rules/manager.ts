import type { Registry } from "../exposition/index.ts";
import { Labels } from "../model/index.ts";
import type { Engine, Sample } from "../promql/engine/index.ts";
import { parseExpr } from "../promql/parser/index.ts";
import type { Appendable, Queryable } from "../storage/index.ts";
import { type Clock, type Logger, nopLogger, systemClock, type Timer } from "../util/index.ts";
import { AlertingRule } from "./alerting.ts";
import { Group, type GroupEnv, groupKey, type NotifyFunc } from "./group.ts";
import { RuleMetrics } from "./metrics.ts";
import { RecordingRule } from "./recording.ts";
import type { ExpandTemplateFunc, QueryFunc, Rule } from "./rule.ts";
import { type ParseRulesOptions, parseRuleFile, RuleFileError, type RuleDef, type RuleGroupDef } from "./rulefmt.ts";

/** Options of a rule Manager. Durations in ms. */
export interface ManagerOptions {
  /** Runs the rules' queries (see engineQueryFunc). */
  queryFn: QueryFunc;
  /** Where results, ALERTS and ALERTS_FOR_STATE are written. */
  appendable: Appendable;
  /** Read to restore `for` state after a restart. */
  queryable: Queryable;
  /** Receives alerts due to be sent; none are sent without it. */
  notify?: NotifyFunc | null;
  /** Expands alert label and annotation templates; raw texts are used without it. */
  expandTemplate?: ExpandTemplateFunc | null;
  clock?: Clock;
  logger?: Logger;
  /** --rules.alert.for-outage-tolerance, default 1h. */
  outageToleranceMs?: number;
  /** --rules.alert.for-grace-period, default 10m. */
  forGracePeriodMs?: number;
  /** --rules.alert.resend-delay, default 1m. */
  resendDelayMs?: number;
  /** Rule file parsing (name validation, PromQL parser options, template check). */
  parse?: ParseRulesOptions;
  /** Where the prometheus_rule_* self-metrics are registered; none are kept without. */
  registry?: Registry;
}

/** What a (re)load takes from the configuration. Durations in ms. */
export interface UpdateOptions {
  /** global.evaluation_interval: the interval of groups without their own. */
  evaluationIntervalMs: number;
  /** global.rule_query_offset, default 0. */
  queryOffsetMs?: number;
  /** global.external_labels, seen by templates as $externalLabels. */
  externalLabels?: Labels;
  /** --web.external-url, seen by templates and prefixing generator URLs. */
  externalURL?: string;
}

/** A rule set that failed to load; the previous one keeps running. */
export class RuleLoadError extends Error {
  /** Every problem found, each naming its file. */
  readonly errors: readonly Error[];

  constructor(errors: readonly Error[]) {
    super("error loading rules, previous rule set restored");
    this.name = "RuleLoadError";
    this.errors = errors;
  }
}

const DEFAULT_OUTAGE_TOLERANCE_MS = 3_600_000;
const DEFAULT_FOR_GRACE_PERIOD_MS = 600_000;
const DEFAULT_RESEND_DELAY_MS = 60_000;

/**
 * Loads rule files into groups and runs them. Reloads replace the groups
 * atomically, keeping the state of unchanged rules; nothing is evaluated
 * before start().
 */
export class Manager {
  readonly #env: GroupEnv;
  readonly #opts: ManagerOptions;
  readonly #logger: Logger;
  readonly #metrics: RuleMetrics | null;
  #groups: Map<string, Group>;
  #restored: boolean;
  #started: boolean;
  #stopped: boolean;
  #queryOffsetMs: number;
  #externalURL: string;
  /** Serializes update() and stop(). */
  #lock: Promise<void>;
  /** Pending stale-marking of removed groups, canceled by stop(). */
  readonly #staleTimers: Set<Timer>;

  constructor(opts: ManagerOptions) {
    this.#opts = opts;
    this.#logger = opts.logger ?? nopLogger;
    this.#groups = new Map();
    this.#restored = false;
    this.#started = false;
    this.#stopped = false;
    this.#queryOffsetMs = 0;
    this.#externalURL = "";
    this.#lock = Promise.resolve();
    this.#staleTimers = new Set();
    const clock = opts.clock ?? systemClock;
    this.#metrics = null;
    if (opts.registry !== undefined) {
      this.#metrics = new RuleMetrics(() => clock.now());
      this.#metrics.register(opts.registry);
    }
    this.#env = {
      queryFn: opts.queryFn,
      appendable: opts.appendable,
      queryable: opts.queryable,
      notify: opts.notify ?? null,
      clock,
      logger: this.#logger,
      outageToleranceMs: opts.outageToleranceMs ?? DEFAULT_OUTAGE_TOLERANCE_MS,
      forGracePeriodMs: opts.forGracePeriodMs ?? DEFAULT_FOR_GRACE_PERIOD_MS,
      resendDelayMs: opts.resendDelayMs ?? DEFAULT_RESEND_DELAY_MS,
      defaultQueryOffsetMs: () => this.#queryOffsetMs,
      externalURL: () => this.#externalURL,
      metrics: this.#metrics,
    };
  }

  /** Starts evaluating the loaded groups (and those loaded later). */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#logger.info("Starting rule manager...");
    for (const g of this.#groups.values()) g.start();
  }

  /** Stops every group; resolves once running evaluations have finished. */
  stop(): Promise<void> {
    return this.#serialized(async () => {
      if (this.#stopped) return;
      this.#logger.info("Stopping rule manager...");
      this.#stopped = true;
      for (const t of this.#staleTimers) t.cancel();
      this.#staleTimers.clear();
      await Promise.all([...this.#groups.values()].map((g) => g.stop()));
      this.#logger.info("Rule manager stopped");
    });
  }

  /**
   * Loads `files` (paths, globs already expanded) and replaces the running
   * groups: unchanged groups keep running, changed ones take over the state
   * of their predecessor, removed ones have their series marked stale two
   * intervals later. Rejects with RuleLoadError, keeping the previous
   * groups, when any file fails to load. Does nothing once stopped.
   */
  update(files: readonly string[], opts: UpdateOptions): Promise<void> {
    return this.#serialized(async () => {
      if (this.#stopped) return;
      const groups = await this.loadGroups(files, opts);
      this.#restored = true;
      this.#queryOffsetMs = opts.queryOffsetMs ?? 0;
      this.#externalURL = opts.externalURL ?? "";

      const old = this.#groups;
      const next = new Map<string, Group>();
      const starting: Group[] = [];
      await Promise.all(
        [...groups].map(async ([key, newg]) => {
          const oldg = old.get(key);
          old.delete(key);
          if (oldg !== undefined && oldg.equals(newg)) {
            next.set(key, oldg);
            return;
          }
          if (oldg !== undefined) {
            await oldg.stop();
            newg.copyState(oldg);
          }
          next.set(key, newg);
          starting.push(newg);
        }),
      );
      await Promise.all([...old.values()].map((g) => this.#retire(g)));
      // Keep the files' order, as the loading did.
      this.#groups = new Map([...groups.keys()].map((k) => [k, next.get(k)!]));
      for (const [k, g] of this.#groups) this.#metrics?.initGroup(k, g.rules.length, g.intervalMs);
      if (this.#started) for (const g of starting) g.start();
    });
  }

  /**
   * Stops a removed group, deletes its metrics, and marks its series stale
   * two intervals later, unless the manager stops first.
   */
  async #retire(g: Group): Promise<void> {
    await g.stop();
    this.#metrics?.removeGroup(groupKey(g.file, g.name));
    const clock = this.#env.clock;
    const now = clock.now();
    g.markAllStale();
    const timer = clock.setTimeout(() => {
      this.#staleTimers.delete(timer);
      void g.cleanupStaleSeries(now);
    }, 2 * g.intervalMs);
    this.#staleTimers.add(timer);
  }

  /**
   * Parses the files into new (not started) groups by key. Rejects with
   * RuleLoadError on the first file with errors, as Prometheus.
   */
  async loadGroups(files: readonly string[], opts: UpdateOptions): Promise<Map<string, Group>> {
    const shouldRestore = !this.#restored;
    const externalLabels = opts.externalLabels ?? Labels.EMPTY;
    const externalURL = opts.externalURL ?? "";
    const groups = new Map<string, Group>();
    for (const file of files) {
      const res = await parseRuleFile(file, this.#opts.parse ?? {});
      if (res.errors.length > 0 || res.groups === null) {
        for (const e of res.errors) this.#logger.error("loading groups failed", "err", e.message);
        throw new RuleLoadError(res.errors);
      }
      for (const rg of res.groups) {
        let rules: Rule[];
        try {
          rules = rg.rules.map((r) => this.#newRule(r, rg, externalLabels, externalURL));
        } catch (err) {
          // Only when the manager's parser options differ from those the file was validated with.
          const e = new RuleFileError(file, err instanceof Error ? err : new Error(String(err)));
          this.#logger.error("loading groups failed", "err", e.message);
          throw new RuleLoadError([e]);
        }
        groups.set(
          groupKey(file, rg.name),
          new Group({
            name: rg.name,
            file,
            intervalMs: rg.intervalMs !== 0 ? rg.intervalMs : opts.evaluationIntervalMs,
            queryOffsetMs: rg.queryOffsetMs,
            limit: rg.limit,
            rules,
            shouldRestore,
            env: this.#env,
          }),
        );
      }
    }
    return groups;
  }

  #newRule(r: RuleDef, rg: RuleGroupDef, externalLabels: Labels, externalURL: string): Rule {
    const expr = parseExpr(r.expr, this.#opts.parse?.parser ?? {});
    const labels = mergeLabels(rg.labels, r.labels);
    if (r.alert !== "") {
      return new AlertingRule({
        name: r.alert,
        expr,
        holdMs: r.forMs,
        keepFiringForMs: r.keepFiringForMs,
        labels,
        annotations: mergeLabels(null, r.annotations),
        externalLabels,
        externalURL,
        restored: this.#restored,
        expandTemplate: this.#opts.expandTemplate ?? null,
        logger: this.#logger,
      });
    }
    return new RecordingRule(r.record, expr, labels);
  }

  /** The groups, sorted by file then name. */
  ruleGroups(): Group[] {
    return [...this.#groups.values()].sort((a, b) => cmp(a.file, b.file) || cmp(a.name, b.name));
  }

  /** Every rule, group by group (sorted as ruleGroups()). */
  rules(): Rule[] {
    return this.ruleGroups().flatMap((g) => [...g.rules]);
  }

  /** Every alerting rule, group by group. */
  alertingRules(): AlertingRule[] {
    return this.ruleGroups().flatMap((g) => g.alertingRules());
  }

  #serialized(fn: () => Promise<void>): Promise<void> {
    const run = this.#lock.then(fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Group labels overlaid with rule labels (rule labels win), sorted; empty values kept. */
function mergeLabels(group: ReadonlyMap<string, string> | null, rule: ReadonlyMap<string, string> | null): Labels {
  const m = new Map<string, string>(group ?? []);
  for (const [k, v] of rule ?? []) m.set(k, v);
  if (m.size === 0) return Labels.EMPTY;
  const names = [...m.keys()].sort();
  return Labels.fromSortedUnchecked(names, names.map((n) => m.get(n)!));
}

/**
 * A QueryFunc running instant queries on `engine` over `queryable`; a
 * scalar result becomes one sample without labels, other types are an
 * error, as Prometheus's EngineQueryFunc.
 */
export function engineQueryFunc(engine: Engine, queryable: Queryable): QueryFunc {
  return async (qs: string, t: number): Promise<Sample[]> => {
    const q = engine.newInstantQuery(queryable, qs, t);
    const res = await q.exec();
    const v = res.value;
    if (v.type === "vector") return v.vector;
    if (v.type === "scalar") return [{ metric: Labels.EMPTY, t: v.t, f: v.v }];
    throw new Error("rule result is not a vector or scalar");
  };
}
