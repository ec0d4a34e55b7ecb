import { Labels } from "../../model/index.ts";
import { ValueType, type Series as StorageSeries, type SeriesIterator } from "../../storage/index.ts";
import { TimeSlice } from "../../util/index.ts";
import type { Expr, MatrixSelector, SubqueryExpr, VectorMatching, VectorSelector } from "../parser/index.ts";
import { evalAggregate } from "./aggregation.ts";
import type { Annotations } from "./annotations.ts";
import { evalBinary } from "./binop.ts";
import { EvalError, QueryCanceledError, QueryTimeoutError, TooManySamplesError } from "./errors.ts";
import { evalCall } from "./functions.ts";
import type { QueryPlan } from "./plan.ts";
import {
  type BucketLabels,
  dropMetadata,
  type Matrix,
  matrixHasDuplicateLabels,
  type Sample,
  Series,
  StringValue,
  vectorHasDuplicateLabels,
} from "./types.ts";

/** Stage name of errors raised while evaluating, as in Prometheus. */
export const EVAL_STAGE = "expression evaluation";
/** Stage name of TooManySamplesError, as in Prometheus. */
const SAMPLES_STAGE = "query execution";
// How many series or steps between two deadline checks in hot loops.
const CHECK_EVERY = 256;

/** Per-query state shared by the evaluator of a query and those of its subqueries. */
export class QueryContext {
  readonly plan: QueryPlan;
  readonly annos: Annotations;
  readonly maxSamples: number;
  readonly lookbackDelta: number;
  readonly delayedNameRemoval: boolean;
  readonly clock: () => number;
  readonly deadline: number;
  readonly signal: AbortSignal | null;
  /** Prometheus's totalQueryableSamples. */
  totalSamples: number;
  /** Prometheus's peakSamples. */
  peakSamples: number;
  // Scratch buffers for reading one storage series at a time.
  bufTs: Float64Array;
  bufFs: Float64Array;
  bufStale: Uint8Array;
  /** Scratch points of one series over the steps of an evaluation (see growSteps). */
  stepTs: Float64Array;
  stepFs: Float64Array;
  itReuse: SeriesIterator | null;
  #checks: number;
  /**
   * Longest stretch evaluation holds the event loop before it yields
   * (between series or steps, never inside a kernel), so that /-/healthy,
   * scrapes and other queries are served during a heavy query.
   */
  readonly #slice: TimeSlice;

  constructor(
    plan: QueryPlan,
    annos: Annotations,
    opts: {
      maxSamples: number;
      lookbackDelta: number;
      delayedNameRemoval: boolean;
      clock: () => number;
      deadline: number;
      signal: AbortSignal | null;
    },
  ) {
    this.plan = plan;
    this.annos = annos;
    this.maxSamples = opts.maxSamples;
    this.lookbackDelta = opts.lookbackDelta;
    this.delayedNameRemoval = opts.delayedNameRemoval;
    this.clock = opts.clock;
    this.deadline = opts.deadline;
    this.signal = opts.signal;
    this.totalSamples = 0;
    this.peakSamples = 0;
    this.bufTs = new Float64Array(1024);
    this.bufFs = new Float64Array(1024);
    this.bufStale = new Uint8Array(1024);
    this.stepTs = new Float64Array(0);
    this.stepFs = new Float64Array(0);
    this.itReuse = null;
    this.#checks = 0;
    this.#slice = new TimeSlice();
  }

  /** Throws QueryCanceledError / QueryTimeoutError when the query must stop. */
  checkDone(): void {
    if (this.signal !== null && this.signal.aborted) throw new QueryCanceledError(EVAL_STAGE);
    if (this.clock() > this.deadline) throw new QueryTimeoutError(EVAL_STAGE);
  }

  /** checkDone() every CHECK_EVERY calls, for hot loops. */
  maybeCheckDone(): void {
    if (++this.#checks % CHECK_EVERY === 0) this.checkDone();
  }

  /**
   * Whether evaluation has held the event loop for a time slice (10 ms);
   * then the caller awaits yieldNow() before its next series or step. One
   * clock read, no allocation.
   */
  shouldYield(): boolean {
    return this.#slice.due();
  }

  /**
   * Gives the event loop a turn (I/O callbacks and timers run), starts a new
   * time slice, then throws QueryCanceledError / QueryTimeoutError when the
   * query was aborted or ran out of time meanwhile.
   */
  async yieldNow(): Promise<void> {
    await this.#slice.yield();
    this.checkDone();
  }

  updatePeak(current: number): void {
    if (current > this.peakSamples) this.peakSamples = current;
  }

  /**
   * Reads the samples of `s` with mint <= t <= maxt into bufTs/bufFs (and
   * bufStale when `withStale`, else stale markers are skipped). Returns the count.
   */
  readSeries(s: StorageSeries, mint: number, maxt: number, withStale: boolean): number {
    const it = s.iterator(this.itReuse);
    this.itReuse = it;
    if (it.seek(mint) === ValueType.None) {
      const err = it.err();
      if (err !== null) throw err;
      return 0;
    }
    if (it.atT() > maxt) return 0;
    let n = 0;
    const stale = it.isStale();
    if (withStale || !stale) {
      this.bufTs[0] = it.atT();
      this.bufFs[0] = it.atF();
      this.bufStale[0] = stale ? 1 : 0;
      n = 1;
    }
    for (;;) {
      if (n === this.bufTs.length) this.#grow();
      const room = this.bufTs.length - n;
      const k = it.readInto(
        this.bufTs.subarray(n),
        this.bufFs.subarray(n),
        withStale ? this.bufStale.subarray(n) : null,
        maxt,
      );
      n += k;
      if (k < room) break;
    }
    const err = it.err();
    if (err !== null) throw err;
    return n;
  }

  /** Makes stepTs/stepFs hold at least n points (their content is not kept). */
  growSteps(n: number): void {
    this.stepTs = new Float64Array(n);
    this.stepFs = new Float64Array(n);
  }

  #grow(): void {
    const cap = this.bufTs.length * 2;
    const ts = new Float64Array(cap);
    ts.set(this.bufTs);
    const fs = new Float64Array(cap);
    fs.set(this.bufFs);
    const st = new Uint8Array(cap);
    st.set(this.bufStale);
    this.bufTs = ts;
    this.bufFs = fs;
    this.bufStale = st;
  }
}

/** Per-step state of a node's evaluation, handed to per-step functions. */
export class NodeHelper {
  /** Evaluation timestamp in ms. */
  ts: number;
  /** Output vector to append to; reset for every step. */
  out: Sample[];
  /** Number of distinct join signatures (binary operations). */
  numSigs: number;
  /** Cache of result label sets of binary operations, by lhs and rhs label set. */
  readonly resultMetric: Map<Labels, Map<Labels, Labels>>;
  /** Cache of histogram functions, by the label set of a bucket series. */
  readonly buckets: Map<Labels, BucketLabels>;
  /** The histograms' label sets (without `le`) of `buckets`, by key. */
  readonly bucketGroups: Map<string, Labels>;

  constructor() {
    this.ts = 0;
    this.out = [];
    this.numSigs = 0;
    this.resultMetric = new Map();
    this.buckets = new Map();
    this.bucketGroups = new Map();
  }
}

/** A per-step function of rangeEval: input vectors (one per expression) to an output vector. */
export type StepFunction = (vectors: Sample[][], sigs: Int32Array[] | null, enh: NodeHelper) => Sample[];

/**
 * Evaluates expressions over the steps start, start+interval, ..., end (ms,
 * inclusive), as Prometheus's evaluator: every expression evaluates to a
 * Matrix holding all steps. Errors are thrown.
 */
export class Evaluator {
  readonly ctx: QueryContext;
  readonly start: number;
  readonly end: number;
  readonly interval: number;
  /** Samples currently held in memory, for maxSamples. */
  currentSamples: number;

  constructor(ctx: QueryContext, start: number, end: number, interval: number, currentSamples: number) {
    this.ctx = ctx;
    this.start = start;
    this.end = end;
    this.interval = interval;
    this.currentSamples = currentSamples;
  }

  /** Number of steps. */
  get numSteps(): number {
    return Math.floor((this.end - this.start) / this.interval) + 1;
  }

  /** Whether the delayed name removal feature is on. */
  get delayed(): boolean {
    return this.ctx.delayedNameRemoval;
  }

  /** An evaluator for a sub-range sharing this one's context and sample count. */
  child(start: number, end: number, interval: number): Evaluator {
    return new Evaluator(this.ctx, start, end, interval, this.currentSamples);
  }

  /** Throws TooManySamplesError when currentSamples exceeds the limit. */
  checkSamples(): void {
    if (this.currentSamples > this.ctx.maxSamples) throw new TooManySamplesError(SAMPLES_STAGE);
  }

  /** Throws TooManySamplesError when currentSamples plus `extra` exceeds the limit. */
  checkSamplesWith(extra: number): void {
    if (this.currentSamples + extra > this.ctx.maxSamples) throw new TooManySamplesError(SAMPLES_STAGE);
  }

  /** Throws an EvalError with Prometheus's text. */
  fail(msg: string): never {
    throw new EvalError(msg);
  }

  /**
   * Evaluates an expression to a Matrix (or a string for string literals).
   * Yields to the event loop between series and steps (see
   * QueryContext.shouldYield), so it settles over several macrotasks.
   */
  async eval(e: Expr): Promise<Matrix | StringValue> {
    this.ctx.checkDone();
    if (this.end < this.start) return [];
    if (this.start !== this.end && this.ctx.plan.isStepInvariant(e)) return this.#evalStepInvariant(e);
    return this.#evalNode(e);
  }

  /** eval() for expressions that cannot be strings. */
  async evalMatrix(e: Expr): Promise<Matrix> {
    const v = await this.eval(e);
    if (v instanceof StringValue) throw new Error("BUG: string where a matrix was expected");
    return v;
  }

  async #evalNode(e: Expr): Promise<Matrix | StringValue> {
    switch (e.kind) {
      case "AggregateExpr":
        return evalAggregate(this, e);
      case "Call":
        return evalCall(this, e);
      case "ParenExpr":
        return this.eval(e.expr);
      case "UnaryExpr": {
        const mat = await this.evalMatrix(e.expr);
        if (e.op === "-") {
          for (const s of mat) {
            if (this.ctx.shouldYield()) await this.ctx.yieldNow();
            if (!this.delayed) s.metric = dropMetadata(s.metric);
            s.dropName = true;
            negate(s.fs, s.n);
          }
          if (!this.delayed) return this.mergeSeriesWithSameLabelset(mat);
        }
        return mat;
      }
      case "BinaryExpr":
        return evalBinary(this, e);
      case "NumberLiteral": {
        const s = new Series(Labels.EMPTY, this.numSteps, false);
        for (let t = this.start; t <= this.end; t += this.interval) s.push(t, e.val);
        this.currentSamples += s.n;
        this.checkSamples();
        this.ctx.updatePeak(this.currentSamples);
        return [s];
      }
      case "StringLiteral":
        return new StringValue(e.val, this.start);
      case "VectorSelector":
        return this.evalVectorSelector(e);
      case "MatrixSelector":
        if (this.start !== this.end) throw new Error("BUG: cannot do range evaluation of matrix selector");
        return this.matrixSelector(e);
      case "SubqueryExpr":
        return this.evalSubquery(e);
    }
  }

  async #evalStepInvariant(e: Expr): Promise<Matrix | StringValue> {
    const inner = this.child(this.start, this.start, this.interval);
    const res = await inner.#evalNode(e);
    this.currentSamples = inner.currentSamples;
    if (res instanceof StringValue) return res;
    if (e.kind === "MatrixSelector" || e.kind === "SubqueryExpr") return res;
    for (const s of res) {
      if (this.ctx.shouldYield()) await this.ctx.yieldNow();
      if (s.n !== 1) throw new Error("BUG: unexpected number of samples");
      this.currentSamples += repeatSample(s, this.start + this.interval, this.end, this.interval);
      this.checkSamples();
    }
    this.ctx.updatePeak(this.currentSamples);
    return res;
  }

  /** Reference time (ms) a selector or subquery reads at for evaluation time ts. */
  refTime(n: VectorSelector | SubqueryExpr, ts: number): number {
    const at = this.ctx.plan.atOf(n);
    const off = this.ctx.plan.offsetOf(n);
    return (at ?? ts) - off;
  }

  /** Instant vector selector over all steps: the newest sample within the lookback delta, unless stale. */
  async evalVectorSelector(vs: VectorSelector): Promise<Matrix> {
    const out: Matrix = [];
    await this.eachSelectorSeries(vs, (labels, ts, fs, k) => {
      out.push(Series.fromPoints(labels, ts, fs, k, false));
    });
    return out;
  }

  /**
   * The series of an instant vector selector one at a time, as
   * evalVectorSelector would return them (same order, same sample
   * accounting), without keeping them: fn gets each non-empty series'
   * points in ts/fs[0..k), buffers valid only during the call, and its
   * index in the plan's selection. For consumers that fold series as they
   * come (aggregations).
   */
  async eachSelectorSeries(
    vs: VectorSelector,
    fn: (labels: Labels, ts: Float64Array, fs: Float64Array, k: number, i: number) => void,
  ): Promise<void> {
    const ctx = this.ctx;
    const minRef = this.refTime(vs, this.start);
    const maxRef = this.refTime(vs, this.end);
    const constRef = ctx.plan.atOf(vs) !== null;
    const steps = this.numSteps;
    const series = ctx.plan.seriesOf(vs);
    for (let i = 0; i < series.length; i++) {
      ctx.maybeCheckDone();
      if (ctx.shouldYield()) await ctx.yieldNow();
      if (ctx.stepTs.length < steps) ctx.growSteps(steps);
      const s = series[i]!;
      const k = this.#selectorSteps(s, minRef, maxRef, constRef);
      if (k > 0) fn(s.labels, ctx.stepTs, ctx.stepFs, k, i);
    }
    ctx.updatePeak(this.currentSamples);
  }

  // The steps of one series of an instant vector selector, into the
  // context's step buffers (room for every step); returns how many.
  // Synchronous, so V8 optimizes its loop (it cannot on-stack-replace async
  // functions).
  #selectorSteps(s: StorageSeries, minRef: number, maxRef: number, constRef: boolean): number {
    const ctx = this.ctx;
    const lb = ctx.lookbackDelta;
    const n = ctx.readSeries(s, minRef - lb + 1, maxRef, true);
    if (n === 0) return 0;
    const bts = ctx.bufTs;
    const bfs = ctx.bufFs;
    const bst = ctx.bufStale;
    const ots = ctx.stepTs;
    const ofs = ctx.stepFs;
    const start = this.start;
    const end = this.end;
    const interval = this.interval;
    const shift = start - minRef;
    let k = 0;
    let j = -1;
    for (let ts = start; ts <= end; ts += interval) {
      const ref = constRef ? minRef : ts - shift;
      while (j + 1 < n && bts[j + 1]! <= ref) j++;
      if (j < 0 || bts[j]! <= ref - lb || bst[j] === 1) continue;
      ots[k] = ts;
      ofs[k] = bfs[j]!;
      k++;
    }
    this.currentSamples += k;
    ctx.totalSamples += k;
    this.checkSamples();
    return k;
  }

  /** A range selector evaluated at a single time (instant queries): the raw points. */
  async matrixSelector(ms: MatrixSelector): Promise<Matrix> {
    const ctx = this.ctx;
    const vs = ms.vectorSelector;
    const maxt = this.refTime(vs, this.start);
    const mint = maxt - ctx.plan.rangeOf(ms);
    const out: Matrix = [];
    for (const s of ctx.plan.seriesOf(vs)) {
      ctx.maybeCheckDone();
      if (ctx.shouldYield()) await ctx.yieldNow();
      const n = ctx.readSeries(s, mint + 1, maxt, false);
      if (n === 0) continue;
      const ss = Series.fromPoints(s.labels, ctx.bufTs, ctx.bufFs, n, false);
      this.currentSamples += n;
      ctx.totalSamples += n;
      this.checkSamples();
      out.push(ss);
    }
    ctx.updatePeak(this.currentSamples);
    return out;
  }

  /** Evaluates a subquery: its expression over the steps (aligned to multiples of its step) inside its range. */
  async evalSubquery(sq: SubqueryExpr): Promise<Matrix> {
    const plan = this.ctx.plan;
    const range = plan.rangeOf(sq);
    const step = plan.stepOf(sq);
    const startRef = this.refTime(sq, this.start) - range;
    const end = this.refTime(sq, this.end);
    // NOTE: matches Prometheus: the first step is the first multiple of
    // the step after (start - offset - range), with Go's integer division.
    let start = step * Math.trunc(startRef / step);
    if (start <= startRef) start += step;
    const inner = this.child(start, end, step);
    const res = await inner.evalMatrix(sq.expr);
    this.currentSamples = inner.currentSamples;
    return res;
  }

  /**
   * Evaluates `exprs` (null or string-typed ones yield empty vectors), then
   * calls fn once per step with the vectors at that step, and collects the
   * outputs into series. With `matching`, sigs[i][j] is the join signature
   * ordinal of the j-th sample of vectors[i].
   */
  async rangeEval(exprs: (Expr | null)[], fn: StepFunction, matching: VectorMatching | null): Promise<Matrix> {
    const ctx = this.ctx;
    const originalNumSamples = this.currentSamples;
    const matrixes: Matrix[] = [];
    for (const e of exprs) {
      const v = e === null ? [] : await this.eval(e);
      matrixes.push(v instanceof StringValue ? [] : v);
    }
    const enh = new NodeHelper();
    let seriesSigs: Int32Array[] | null = null;
    let bufSigs: Int32Array[] | null = null;
    if (matching !== null) {
      seriesSigs = [];
      bufSigs = [];
      const ordinals = new Map<string, number>();
      const names = [...matching.matchingLabels].sort();
      for (const m of matrixes) {
        const sigs = new Int32Array(m.length);
        for (let i = 0; i < m.length; i += SIG_BATCH) {
          if (ctx.shouldYield()) await ctx.yieldNow();
          signatureOrdinals(m, i, Math.min(i + SIG_BATCH, m.length), matching.on, names, ordinals, enh, sigs);
        }
        seriesSigs.push(sigs);
        bufSigs.push(new Int32Array(m.length));
      }
    }
    const vectors: Sample[][] = matrixes.map(() => []);
    const steps = this.numSteps;
    const outSeries = new Map<string, Series>();
    const lastTs = new Map<string, number>();
    let tempNumSamples = this.currentSamples;
    for (let ts = this.start; ts <= this.end; ts += this.interval) {
      ctx.checkDone();
      if (ctx.shouldYield()) await ctx.yieldNow();
      this.currentSamples = tempNumSamples;
      for (let i = 0; i < matrixes.length; i++) {
        vectors[i] = this.#stepVector(
          matrixes[i]!,
          ts,
          seriesSigs === null ? null : seriesSigs[i]!,
          bufSigs === null ? null : bufSigs[i]!,
        );
      }
      ctx.updatePeak(this.currentSamples);
      enh.ts = ts;
      enh.out = [];
      const sigViews =
        bufSigs === null ? null : bufSigs.map((b, i) => b.subarray(0, vectors[i]!.length));
      const result = fn(vectors, sigViews, enh);
      this.currentSamples += result.length;
      tempNumSamples += result.length;
      ctx.updatePeak(this.currentSamples);
      this.checkSamples();
      if (this.start === this.end) {
        if (!this.delayed && vectorHasDuplicateLabels(result)) {
          this.fail("vector cannot contain metrics with the same labelset");
        }
        const mat = result.map((smp) => {
          const s = new Series(smp.metric, 1, smp.dropName);
          s.push(ts, smp.f);
          return s;
        });
        this.currentSamples = originalNumSamples + mat.length;
        ctx.updatePeak(this.currentSamples);
        return mat;
      }
      this.#collectStep(result, ts, outSeries, lastTs, steps);
    }
    const mat = [...outSeries.values()];
    this.currentSamples = originalNumSamples + totalPoints(mat);
    ctx.updatePeak(this.currentSamples);
    return mat;
  }

  // The samples of m at step ts (advancing each series' pos), with their
  // join signatures copied into bh. Synchronous for V8's optimizer.
  #stepVector(m: Matrix, ts: number, sh: Int32Array | null, bh: Int32Array | null): Sample[] {
    const v: Sample[] = [];
    for (let j = 0; j < m.length; j++) {
      const s = m[j]!;
      if (s.pos < s.n && s.ts[s.pos] === ts) {
        if (bh !== null) bh[v.length] = sh![j]!;
        v.push({ metric: s.metric, t: ts, f: s.fs[s.pos]!, dropName: s.dropName });
        s.pos++;
        this.currentSamples++;
      }
    }
    this.checkSamples();
    return v;
  }

  // Appends a step's output samples to their series.
  #collectStep(result: Sample[], ts: number, outSeries: Map<string, Series>, lastTs: Map<string, number>, steps: number): void {
    for (const smp of result) {
      const k = smp.metric.key;
      let ss = outSeries.get(k);
      if (ss !== undefined) {
        if (lastTs.get(k) === ts) this.fail("vector cannot contain metrics with the same labelset");
      } else {
        ss = new Series(smp.metric, steps, smp.dropName);
        outSeries.set(k, ss);
      }
      lastTs.set(k, ts);
      ss.push(ts, smp.f);
    }
  }

  /**
   * Merges series that ended up with the same labels (after dropping the
   * name); overlapping points are an error, as in Prometheus.
   */
  mergeSeriesWithSameLabelset(mat: Matrix): Matrix {
    if (!matrixHasDuplicateLabels(mat)) return mat;
    const byKey = new Map<string, Series[]>();
    for (const s of mat) {
      const k = s.metric.key;
      const g = byKey.get(k);
      if (g === undefined) byKey.set(k, [s]);
      else g.push(s);
    }
    const out: Matrix = [];
    for (const group of byKey.values()) {
      if (group.length === 1) {
        out.push(group[0]!);
        continue;
      }
      const pts: [number, number][] = [];
      for (const s of group) for (let i = s.pos; i < s.n; i++) pts.push([s.ts[i]!, s.fs[i]!]);
      pts.sort((a, b) => a[0] - b[0]);
      const merged = new Series(group[0]!.metric, pts.length, group[0]!.dropName);
      for (let i = 0; i < pts.length; i++) {
        if (i > 0 && pts[i]![0] === pts[i - 1]![0]) this.fail("vector cannot contain metrics with the same labelset");
        merged.push(pts[i]![0], pts[i]![1]);
      }
      out.push(merged);
    }
    return out;
  }
}

/** Series whose join signatures are computed between two yield checks. */
const SIG_BATCH = 1024;

/** Join signature ordinals of m[from..to) into sigs, numbering new signatures from enh.numSigs. */
function signatureOrdinals(
  m: Matrix,
  from: number,
  to: number,
  on: boolean,
  names: readonly string[],
  ordinals: Map<string, number>,
  enh: NodeHelper,
  sigs: Int32Array,
): void {
  for (let i = from; i < to; i++) {
    const key = signature(m[i]!.metric, on, names);
    let ord = ordinals.get(key);
    if (ord === undefined) {
      ord = enh.numSigs++;
      ordinals.set(key, ord);
    }
    sigs[i] = ord;
  }
}

/** Negates the first n values. */
function negate(fs: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) fs[i] = -fs[i]!;
}

/** Appends the series' first value at from, from+interval, ..., to (ms); returns how many. */
function repeatSample(s: Series, from: number, to: number, interval: number): number {
  const f = s.fs[0]!;
  let k = 0;
  for (let t = from; t <= to; t += interval, k++) s.push(t, f);
  return k;
}

/** Total points of a matrix. */
export function totalPoints(m: Matrix): number {
  let n = 0;
  for (const s of m) n += s.n - s.pos;
  return n;
}

/**
 * The join signature of a label set: with `on`, the values of `names`;
 * otherwise all labels except `names` and `__name__`.
 */
export function signature(l: Labels, on: boolean, sortedNames: readonly string[]): string {
  let k = "";
  if (on) {
    for (const n of sortedNames) k += n + "\u0000" + l.get(n) + "\u0001";
    return k;
  }
  for (let i = 0; i < l.names.length; i++) {
    const n = l.names[i]!;
    if (n === "__name__" || sortedNames.includes(n)) continue;
    k += n + "\u0000" + l.values[i]! + "\u0001";
  }
  return k;
}
