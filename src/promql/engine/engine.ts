import { CounterVec, GaugeVec, type Registry, SummaryVec } from "../../exposition/index.ts";
import { compareLabels } from "../../model/index.ts";
import type { Queryable } from "../../storage/index.ts";
import { type Expr, documentedType, parseExpr, typeOf } from "../parser/index.ts";
import { Annotations } from "./annotations.ts";
import { EvalError, InvalidQueryError, QueryCanceledError } from "./errors.ts";
import { Evaluator, QueryContext } from "./evaluator.ts";
import { QueryPlan } from "./plan.ts";
import { dropMetadata, type Matrix, StringValue } from "./types.ts";
import type { QueryResult, QueryStats, Sample, SeriesData, Value } from "./value.ts";

/** Options of an Engine. Durations in ms. */
export interface EngineOptions {
  /** How far back an instant selector looks for a sample; default 300000 (5m). */
  lookbackDeltaMs?: number;
  /** Deadline of a query's execution; default 120000 (2m). */
  timeoutMs?: number;
  /** Most samples a query may hold in memory at once; default 50000000. */
  maxSamples?: number;
  /** Experimental functions and aggregators (promql-experimental-functions). */
  enableExperimentalFunctions?: boolean;
  /** `anchored` / `smoothed` range modifiers (parsed; evaluation is not supported yet). */
  enableExtendedRangeSelectors?: boolean;
  /** `fill`, `fill_left`, `fill_right` binary operator modifiers. */
  enableBinopFillModifiers?: boolean;
  /** Keep `__name__` until the end of evaluation (promql-delayed-name-removal). */
  enableDelayedNameRemoval?: boolean;
  /** Step of subqueries written without one, default 60000 (Prometheus's global evaluation interval). */
  noStepSubqueryIntervalMs?: number;
  /** Clock for timeouts and timings, ms; default Date.now. */
  clock?: () => number;
  /**
   * --query.max-concurrency, reported as prometheus_engine_queries_concurrent_max
   * (the queries are gated by the caller); -1 if absent, as Prometheus without a query tracker.
   */
  maxConcurrency?: number;
}

/**
 * The engine's self-metrics under Prometheus's names and HELP texts
 * (promql/engine.go). Register them with register().
 */
export class EngineMetrics {
  readonly queries = new GaugeVec("prometheus_engine_queries", "The current number of queries being executed or waiting.");
  readonly maxConcurrentQueries = new GaugeVec("prometheus_engine_queries_concurrent_max", "The max number of concurrent queries.");
  /** Always 0: promstack has no query log. */
  readonly queryLogEnabled = new GaugeVec("prometheus_engine_query_log_enabled", "State of the query log.");
  /** Always 0: promstack has no query log. */
  readonly queryLogFailures = new CounterVec("prometheus_engine_query_log_failures_total", "The number of query log failures.");
  /** By slice: inner_eval, prepare_time, queue_time, result_sort (range queries only), as Prometheus. */
  readonly queryDuration: SummaryVec;

  constructor(maxConcurrency: number, now: () => number) {
    this.queryDuration = new SummaryVec("prometheus_engine_query_duration_seconds", "Query timings", ["slice"], [0.5, 0.9, 0.99], now);
    this.queries.with();
    this.maxConcurrentQueries.with().set(maxConcurrency);
    this.queryLogEnabled.with();
    this.queryLogFailures.with();
    for (const slice of ["inner_eval", "prepare_time", "queue_time", "result_sort"]) this.queryDuration.with(slice);
  }

  /** Registers every family. */
  register(r: Registry): void {
    for (const c of [this.queries, this.maxConcurrentQueries, this.queryLogEnabled, this.queryLogFailures, this.queryDuration]) r.register(c);
  }
}

/** Per-query options. */
export interface QueryOptions {
  /** Overrides the engine's lookback delta when > 0. */
  lookbackDeltaMs?: number;
  /** Accepted for API compatibility; per-step statistics are not collected. */
  enablePerStepStats?: boolean;
  /** Shortens the engine's timeout for this query when > 0 (the API's `timeout` parameter). */
  timeoutMs?: number;
}

/** A parsed query bound to a Queryable and its times, ready to run once. */
export interface Query {
  /** The parsed expression. */
  readonly statement: Expr;
  /**
   * Runs the query. Rejects with QueryTimeoutError, QueryCanceledError
   * (when `signal` aborts), TooManySamplesError, EvalError, or a storage error.
   */
  exec(signal?: AbortSignal): Promise<QueryResult>;
}

const DEFAULT_LOOKBACK_DELTA_MS = 300_000;
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_SAMPLES = 50_000_000;
const DEFAULT_NO_STEP_SUBQUERY_INTERVAL_MS = 60_000;

/** The PromQL engine: parses queries and evaluates them with Prometheus 3's semantics. */
export class Engine {
  /** The engine's self-metrics, updated by every query. */
  readonly metrics: EngineMetrics;
  readonly #opts: Required<EngineOptions>;

  constructor(opts: EngineOptions = {}) {
    this.#opts = {
      lookbackDeltaMs: opts.lookbackDeltaMs !== undefined && opts.lookbackDeltaMs > 0 ? opts.lookbackDeltaMs : DEFAULT_LOOKBACK_DELTA_MS,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxSamples: opts.maxSamples ?? DEFAULT_MAX_SAMPLES,
      enableExperimentalFunctions: opts.enableExperimentalFunctions ?? false,
      enableExtendedRangeSelectors: opts.enableExtendedRangeSelectors ?? false,
      enableBinopFillModifiers: opts.enableBinopFillModifiers ?? false,
      enableDelayedNameRemoval: opts.enableDelayedNameRemoval ?? false,
      noStepSubqueryIntervalMs: opts.noStepSubqueryIntervalMs ?? DEFAULT_NO_STEP_SUBQUERY_INTERVAL_MS,
      clock: opts.clock ?? Date.now,
      maxConcurrency: opts.maxConcurrency ?? -1,
    };
    this.metrics = new EngineMetrics(this.#opts.maxConcurrency, this.#opts.clock);
  }

  #parse(qs: string): Expr {
    const o = this.#opts;
    return parseExpr(qs, {
      enableExperimentalFunctions: o.enableExperimentalFunctions,
      enableExtendedRangeSelectors: o.enableExtendedRangeSelectors,
      enableBinopFillModifiers: o.enableBinopFillModifiers,
    });
  }

  /** An instant query at t (ms). Throws ParseError synchronously for a bad query. */
  newInstantQuery(q: Queryable, qs: string, t: number, opts?: QueryOptions): Query {
    const expr = this.#parse(qs);
    return new EngineQuery(this.#opts, this.metrics, q, qs, expr, t, t, 0, opts);
  }

  /**
   * A range query over [start, end] every step (ms). Throws ParseError for
   * a bad query and InvalidQueryError unless the expression is a scalar or
   * an instant vector.
   */
  newRangeQuery(q: Queryable, qs: string, start: number, end: number, step: number, opts?: QueryOptions): Query {
    const expr = this.#parse(qs);
    const t = typeOf(expr);
    if (t !== "vector" && t !== "scalar") {
      throw new InvalidQueryError(
        `invalid expression type "${documentedType(t)}" for range query, must be Scalar or instant Vector`,
      );
    }
    if (step <= 0) throw new InvalidQueryError("zero or negative query resolution step widths are not accepted");
    return new EngineQuery(this.#opts, this.metrics, q, qs, expr, start, end, step, opts);
  }
}

class EngineQuery implements Query {
  readonly statement: Expr;
  readonly #opts: Required<EngineOptions>;
  readonly #metrics: EngineMetrics;
  readonly #queryable: Queryable;
  readonly #qs: string;
  readonly #start: number;
  readonly #end: number;
  readonly #step: number;
  readonly #lookbackDelta: number;
  readonly #timeoutMs: number;

  constructor(
    opts: Required<EngineOptions>,
    metrics: EngineMetrics,
    q: Queryable,
    qs: string,
    expr: Expr,
    start: number,
    end: number,
    step: number,
    qopts: QueryOptions | undefined,
  ) {
    this.statement = expr;
    this.#opts = opts;
    this.#metrics = metrics;
    this.#queryable = q;
    this.#qs = qs;
    this.#start = start;
    this.#end = end;
    this.#step = step;
    const lb = qopts?.lookbackDeltaMs;
    this.#lookbackDelta = lb !== undefined && lb > 0 ? lb : opts.lookbackDeltaMs;
    this.#timeoutMs = qopts?.timeoutMs ?? 0;
  }

  async exec(signal?: AbortSignal): Promise<QueryResult> {
    const queries = this.#metrics.queries.with();
    queries.inc();
    try {
      return await this.#exec(signal);
    } finally {
      queries.dec();
    }
  }

  async #exec(signal?: AbortSignal): Promise<QueryResult> {
    const o = this.#opts;
    const clock = o.clock;
    const t0 = clock();
    const qt = this.#timeoutMs;
    const deadline = t0 + (qt > 0 ? Math.min(qt, o.timeoutMs) : o.timeoutMs);
    if (signal?.aborted === true) throw new QueryCanceledError("query execution");
    const annos = new Annotations(this.#qs);
    const plan = new QueryPlan(this.statement, {
      start: this.#start,
      end: this.#end,
      step: this.#step,
      lookbackDelta: this.#lookbackDelta,
      noStepSubqueryInterval: o.noStepSubqueryIntervalMs,
    });
    const [mint, maxt] = plan.minMaxTime();
    const querier = await this.#queryable.querier(mint, maxt);
    try {
      await plan.select(querier);
      for (const w of plan.storageWarnings) annos.rawWarning(w);
      const t1 = clock();
      const ctx = new QueryContext(plan, annos, {
        maxSamples: o.maxSamples,
        lookbackDelta: this.#lookbackDelta,
        delayedNameRemoval: o.enableDelayedNameRemoval,
        clock,
        deadline,
        signal: signal ?? null,
      });
      ctx.checkDone();
      const instant = this.#step === 0;
      const ev = new Evaluator(ctx, this.#start, this.#end, instant ? 1 : this.#step, 0);
      let value: Value;
      let sortTime = 0;
      try {
        let res = await ev.eval(this.statement);
        if (!(res instanceof StringValue) && o.enableDelayedNameRemoval) {
          for (const s of res) if (s.dropName) s.metric = dropMetadata(s.metric);
          res = ev.mergeSeriesWithSameLabelset(res);
        }
        const t2 = clock();
        value = this.#toValue(res, instant);
        sortTime = (clock() - t2) / 1000;
        if (!instant) ctx.checkDone();
      } catch (err) {
        if (err instanceof EvalError) {
          err.warnings = [...annos.warnings];
          err.infos = [...annos.infos];
        }
        throw err;
      }
      const tEnd = clock();
      const stats: QueryStats = {
        timings: {
          evalTotalTime: (tEnd - t0) / 1000,
          resultSortTime: sortTime,
          queryPreparationTime: (t1 - t0) / 1000,
          innerEvalTime: (tEnd - t1) / 1000 - sortTime,
          execQueueTime: 0,
          execTotalTime: (tEnd - t0) / 1000,
        },
        totalQueryableSamples: ctx.totalSamples,
        peakSamples: ctx.peakSamples,
      };
      const d = this.#metrics.queryDuration;
      d.with("queue_time").observe(stats.timings.execQueueTime);
      d.with("prepare_time").observe(stats.timings.queryPreparationTime);
      d.with("inner_eval").observe(stats.timings.innerEvalTime);
      if (!instant) d.with("result_sort").observe(sortTime);
      return { value, warnings: [...annos.warnings], infos: [...annos.infos], stats };
    } finally {
      querier.close();
    }
  }

  #toValue(res: Matrix | StringValue, instant: boolean): Value {
    if (res instanceof StringValue) return { type: "string", t: res.t, v: res.v };
    const type = typeOf(this.statement);
    if (instant && type === "vector") {
      const vector: Sample[] = res.map((s) => ({ metric: s.metric, t: this.#start, f: s.fs[s.pos]! }));
      return { type: "vector", vector };
    }
    if (instant && type === "scalar") {
      const s = res[0];
      return { type: "scalar", t: this.#start, v: s === undefined ? NaN : s.fs[s.pos]! };
    }
    const matrix: SeriesData[] = res
      .filter((s) => s.n > s.pos)
      .map((s) => ({ metric: s.metric, ts: s.ts.slice(s.pos, s.n), fs: s.fs.slice(s.pos, s.n) }));
    matrix.sort((a, b) => compareLabels(a.metric, b.metric));
    return { type: "matrix", matrix };
  }
}
