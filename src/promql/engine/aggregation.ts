import { Labels, isValidLabelName, quoteString } from "../../model/index.ts";
import type { AggregateExpr, Expr, VectorSelector } from "../parser/index.ts";
import { AnnotationText } from "./annotations.ts";
import { type Evaluator, type NodeHelper, totalPoints } from "./evaluator.ts";
import { formatFloatF, formatFloatG } from "../../util/index.ts";
import { kahanSumInc, quantile } from "./kernels/index.ts";
import { unparen } from "./plan.ts";
import { labelsHashFraction } from "./xxhash.ts";
import { type Matrix, type Sample, Series } from "./types.ts";

// Largest and smallest floats that convert to int64 without overflow, as in Prometheus.
const MAX_INT64 = 9223372036854774784;
const MIN_INT64 = -9223372036854775808;

/** The parameter of topk/bottomk/quantile/limitk/limit_ratio over all steps. */
class FParams {
  readonly values: Float64Array | null;
  readonly min: number;
  readonly max: number;
  readonly hasNaN: boolean;
  #i: number;

  constructor(values: Float64Array | null) {
    this.values = values;
    let min = Infinity;
    let max = -Infinity;
    let hasNaN = false;
    if (values !== null) {
      for (const v of values) {
        if (Number.isNaN(v)) hasNaN = true;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    this.min = min;
    this.max = max;
    this.hasNaN = hasNaN;
    this.#i = 0;
  }

  /** The value for the next step (0 without a parameter). */
  next(): number {
    if (this.values === null || this.values.length === 0) return 0;
    const i = Math.min(this.#i++, this.values.length - 1);
    return this.values[i]!;
  }
}

async function newFParams(ev: Evaluator, param: Expr | null): Promise<FParams> {
  if (param === null) return new FParams(null);
  const mat = await ev.evalMatrix(unparen(param));
  if (mat.length === 0) return new FParams(null);
  const s = mat[0]!;
  return new FParams(s.fs.subarray(s.pos, s.n));
}

/** The grouping key of a label set: `without` drops grouping and the name, `by` keeps grouping. */
function groupingKey(l: Labels, grouping: readonly string[], without: boolean): string {
  let k = "";
  if (without) {
    for (let i = 0; i < l.names.length; i++) {
      const n = l.names[i]!;
      if (n === "__name__" || grouping.includes(n)) continue;
      k += n + "\u0000" + l.values[i]! + "\u0001";
    }
    return k;
  }
  for (const n of grouping) {
    const v = l.get(n);
    if (v !== "") k += n + "\u0000" + v + "\u0001";
  }
  return k;
}

/** The labels of an output group, as Prometheus's generateGroupingLabels. */
function groupingLabels(l: Labels, grouping: readonly string[], without: boolean): Labels {
  if (without) return l.filter((n) => n !== "__name__" && !grouping.includes(n));
  if (grouping.length > 0) return l.filter((n) => grouping.includes(n));
  return Labels.EMPTY;
}

/** Evaluates an aggregation over all steps. */
export async function evalAggregate(ev: Evaluator, e: AggregateExpr): Promise<Matrix> {
  const grouping = [...e.grouping].sort();
  if (e.op === "count_values") {
    const p = e.param === null ? null : unparen(e.param);
    if (p === null || p.kind !== "StringLiteral") throw new Error("BUG: count_values needs a string parameter");
    const valueLabel = p.val;
    if (!isValidLabelName(valueLabel)) ev.fail(`invalid label name ${quoteString(valueLabel)}`);
    if (!e.without) {
      grouping.push(valueLabel);
      grouping.sort();
    }
    return ev.rangeEval(
      [unparen(e.expr)],
      (v, _s, enh) => countValues(e.without, grouping, valueLabel, v[0]!, enh),
      null,
    );
  }
  const originalNumSamples = ev.currentSamples;
  const params = await newFParams(ev, e.param);
  const inner = unparen(e.expr);
  if (inner.kind === "VectorSelector" && FOLDED_OPS.has(e.op)) {
    const folded = await foldSelector(ev, e.op, grouping, e.without, inner);
    if (folded !== null) {
      ev.currentSamples = originalNumSamples + totalPoints(folded);
      ev.ctx.updatePeak(ev.currentSamples);
      return folded;
    }
  }
  const input = await ev.evalMatrix(inner);
  const result = await rangeEvalAgg(ev, e, grouping, input, params);
  ev.currentSamples = originalNumSamples + totalPoints(result);
  ev.ctx.updatePeak(ev.currentSamples);
  return result;
}

function countValues(
  without: boolean,
  grouping: readonly string[],
  valueLabel: string,
  vec: Sample[],
  enh: NodeHelper,
): Sample[] {
  const groups = new Map<string, { labels: Labels; count: number }>();
  for (const s of vec) {
    const metric = s.metric.builder().set(valueLabel, formatFloatF(s.f)).labels();
    const k = groupingKey(metric, grouping, without);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, { labels: groupingLabels(metric, grouping, without), count: 1 });
    else g.count++;
  }
  for (const g of groups.values()) enh.out.push({ metric: g.labels, t: enh.ts, f: g.count, dropName: false });
  return enh.out;
}

/** Per-group values of quantile at one step. */
class QuantileGroups {
  readonly seen: Uint8Array;
  readonly dropName: Uint8Array;
  readonly values: Float64Array[];
  readonly nValues: Int32Array;

  constructor(n: number) {
    this.seen = new Uint8Array(n);
    this.dropName = new Uint8Array(n);
    this.values = Array.from({ length: n }, () => new Float64Array(8));
    this.nValues = new Int32Array(n);
  }

  pushValue(g: number, f: number): void {
    let a = this.values[g]!;
    if (this.nValues[g] === a.length) {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      this.values[g] = b;
      a = b;
    }
    a[this.nValues[g]!++] = f;
  }
}

/** Input series assigned to groups between two yield checks. */
const GROUP_BATCH = 1024;

/**
 * Assigns input[from..to) to groups by grouping key (numbering new groups
 * in order of appearance); with `result`, starts a series per new group.
 */
function assignGroups(
  input: Matrix,
  from: number,
  to: number,
  grouping: readonly string[],
  without: boolean,
  groupIndex: Map<string, number>,
  seriesToResult: Int32Array,
  result: Matrix | null,
  steps: number,
): void {
  for (let si = from; si < to; si++) {
    const s = input[si]!;
    const k = groupingKey(s.metric, grouping, without);
    let idx = groupIndex.get(k);
    if (idx === undefined) {
      idx = groupIndex.size;
      groupIndex.set(k, idx);
      if (result !== null) result.push(new Series(groupingLabels(s.metric, grouping, without), steps, false));
    }
    seriesToResult[si] = idx;
  }
}

async function rangeEvalAgg(
  ev: Evaluator,
  e: AggregateExpr,
  grouping: string[],
  input: Matrix,
  params: FParams,
): Promise<Matrix> {
  const op = e.op;
  const ctx = ev.ctx;
  const isK = op === "topk" || op === "bottomk" || op === "limitk" || op === "limit_ratio";
  const steps = ev.numSteps;
  const groupIndex = new Map<string, number>();
  const seriesToResult = new Int32Array(input.length);
  const result: Matrix = [];
  for (let si = 0; si < input.length; si += GROUP_BATCH) {
    if (ctx.shouldYield()) await ctx.yieldNow();
    const to = Math.min(si + GROUP_BATCH, input.length);
    assignGroups(input, si, to, grouping, e.without, groupIndex, seriesToResult, isK ? null : result, steps);
  }
  const numGroups = groupIndex.size;
  const paramPos = e.param === null ? null : e.param.pos;
  const annos = ev.ctx.annos;

  switch (op) {
    case "topk":
    case "bottomk":
    case "limitk":
      if (params.max < 1) return [];
      if (params.hasNaN) ev.fail("Parameter value is NaN");
      if (params.min <= MIN_INT64) ev.fail(`Scalar value ${formatFloatG(params.min)} underflows int64`);
      if (params.max >= MAX_INT64) ev.fail(`Scalar value ${formatFloatG(params.max)} overflows int64`);
      break;
    case "limit_ratio":
      if (params.max === 0 && params.min === 0) return [];
      if (params.hasNaN) ev.fail("Ratio value is NaN");
      if (params.max > 1) annos.warn(AnnotationText.invalidRatio(params.max, 1), paramPos);
      if (params.min < -1) annos.warn(AnnotationText.invalidRatio(params.min, -1), paramPos);
      break;
    case "quantile":
      if (params.hasNaN) annos.warn(AnnotationText.invalidQuantile(NaN), paramPos);
      if (params.max > 1) annos.warn(AnnotationText.invalidQuantile(params.max), paramPos);
      if (params.min < 0) annos.warn(AnnotationText.invalidQuantile(params.min), paramPos);
      break;
    default:
      break;
  }

  if (isK) return aggregationK(ev, e, input, seriesToResult, numGroups, params);
  if (op !== "quantile") return aggregateBySeries(ev, op, input, seriesToResult, result);

  const g = new QuantileGroups(numGroups);
  for (let ts = ev.start; ts <= ev.end; ts += ev.interval) {
    const q = params.next();
    ctx.checkDone();
    if (ctx.shouldYield()) await ctx.yieldNow();
    quantileStep(ev, ts, q, input, seriesToResult, g, result);
  }
  return result.filter((s) => s.n > 0);
}

/**
 * One step of quantile: collects the input samples at ts per group, then
 * appends each group's quantile to its result series. Synchronous, so V8
 * optimizes it (async functions are not on-stack replaced).
 */
function quantileStep(
  ev: Evaluator,
  ts: number,
  q: number,
  input: Matrix,
  seriesToResult: Int32Array,
  g: QuantileGroups,
  result: Matrix,
): void {
  const numGroups = result.length;
  g.seen.fill(0);
  for (let si = 0; si < input.length; si++) {
    const s = input[si]!;
    if (s.pos >= s.n || s.ts[s.pos] !== ts) continue;
    const f = s.fs[s.pos++]!;
    const gi = seriesToResult[si]!;
    if (g.seen[gi] === 0) {
      g.seen[gi] = 1;
      g.dropName[gi] = s.dropName ? 1 : 0;
      g.nValues[gi] = 0;
    } else if (s.dropName) {
      g.dropName[gi] = 1;
    }
    g.pushValue(gi, f);
  }
  for (let gi = 0; gi < numGroups; gi++) {
    if (g.seen[gi] === 0) continue;
    const out = result[gi]!;
    out.push(ts, quantile(q, g.values[gi]!, g.nValues[gi]!));
    out.dropName = g.dropName[gi] === 1;
    ev.currentSamples++;
  }
  ev.checkSamples();
}

/**
 * Accumulators of the float aggregations (all but quantile and the k
 * ones) for a block of steps: one cell per group and step, at
 * group * steps + (step - first step of the block), in parallel arrays.
 */
class Cells {
  readonly steps: number;
  readonly seen: Uint8Array;
  readonly value: Float64Array;
  readonly mean: Float64Array;
  readonly kahanC: Float64Array;
  readonly count: Float64Array;
  readonly incrementalMean: Uint8Array;
  readonly dropName: Uint8Array;

  /** Cells for numGroups groups of `steps` steps each. */
  constructor(numGroups: number, steps: number) {
    const n = numGroups * steps;
    this.steps = steps;
    this.seen = new Uint8Array(n);
    this.value = new Float64Array(n);
    this.mean = new Float64Array(n);
    this.kahanC = new Float64Array(n);
    this.count = new Float64Array(n);
    this.incrementalMean = new Uint8Array(n);
    this.dropName = new Uint8Array(n);
  }
}

/**
 * Cells a float aggregation holds at most (about 2.5 MB of accumulators):
 * more groups times steps are aggregated in blocks of steps, each block a
 * pass over the input series.
 */
export const AGGREGATION_MAX_CELLS = 65_536;

/**
 * sum, avg, count, group, min, max, stddev and stdvar over all steps,
 * series by series: each input series is walked once and folded into the
 * cells of its group, instead of visiting every input series at every
 * step. A cell sees its samples in input order, as in Prometheus's step by
 * step evaluation, so the results are the same to the bit. With many
 * groups the steps are split into blocks of at most
 * AGGREGATION_MAX_CELLS cells.
 */
async function aggregateBySeries(
  ev: Evaluator,
  op: AggregateExpr["op"],
  input: Matrix,
  seriesToResult: Int32Array,
  result: Matrix,
): Promise<Matrix> {
  const ctx = ev.ctx;
  const steps = ev.numSteps;
  const numGroups = result.length;
  if (numGroups === 0) return [];
  const blockSteps = Math.max(1, Math.min(steps, Math.floor(AGGREGATION_MAX_CELLS / numGroups)));
  const cells = new Cells(numGroups, blockSteps);
  const kahan = new Float64Array(2);
  for (let first = 0; first < steps; first += blockSteps) {
    const n = Math.min(blockSteps, steps - first);
    ctx.checkDone();
    cells.seen.fill(0);
    for (let si = 0; si < input.length; si++) {
      ctx.maybeCheckDone();
      if (ctx.shouldYield()) await ctx.yieldNow();
      const s = input[si]!;
      s.pos = foldPoints(ev, op, s.ts, s.fs, s.pos, s.n, s.dropName, seriesToResult[si]! * blockSteps, first, n, cells, kahan);
    }
    emitCells(ev, op, first, n, cells, result);
  }
  return result.filter((s) => s.n > 0);
}

/**
 * Folds the points ts/fs[pos..end) of one series in steps [first,
 * first+n) into the cells from base; returns the position after the
 * points folded. Points are on the step grid (every series of a range
 * evaluation is). Synchronous for V8's optimizer.
 */
function foldPoints(
  ev: Evaluator,
  op: AggregateExpr["op"],
  ts: Float64Array,
  fs: Float64Array,
  pos: number,
  end: number,
  dropName: boolean,
  base: number,
  first: number,
  n: number,
  c: Cells,
  kahan: Float64Array,
): number {
  const start = ev.start;
  const interval = ev.interval;
  const last = first + n;
  for (; pos < end; pos++) {
    const k = (ts[pos]! - start) / interval;
    // Off the grid (never, but then the step by step walk stalls on the point too).
    if (k >= last || k < first || k !== Math.floor(k)) break;
    const ci = base + k - first;
    const f = fs[pos]!;
    if (c.seen[ci] === 0) {
      c.seen[ci] = 1;
      c.value[ci] = f;
      c.mean[ci] = f;
      c.kahanC[ci] = 0;
      c.count[ci] = 1;
      c.incrementalMean[ci] = 0;
      c.dropName[ci] = dropName ? 1 : 0;
      if (op === "stdvar" || op === "stddev") c.value[ci] = Number.isNaN(f) || f === Infinity || f === -Infinity ? NaN : 0;
      else if (op === "group") c.value[ci] = 1;
      continue;
    }
    if (dropName) c.dropName[ci] = 1;
    switch (op) {
      case "sum":
        kahanSumInc(f, c.value[ci]!, c.kahanC[ci]!, kahan);
        c.value[ci] = kahan[0]!;
        c.kahanC[ci] = kahan[1]!;
        break;
      case "avg": {
        // NOTE: matches Prometheus: a direct mean with Kahan summation while
        // the sum stays finite, then an incremental mean.
        const cnt = ++c.count[ci]!;
        if (c.incrementalMean[ci] === 0) {
          kahanSumInc(f, c.value[ci]!, c.kahanC[ci]!, kahan);
          if (kahan[0] !== Infinity && kahan[0] !== -Infinity) {
            c.value[ci] = kahan[0]!;
            c.kahanC[ci] = kahan[1]!;
            break;
          }
          c.incrementalMean[ci] = 1;
          c.mean[ci] = c.value[ci]! / (cnt - 1);
          c.kahanC[ci] = c.kahanC[ci]! / (cnt - 1);
        }
        const qq = (cnt - 1) / cnt;
        kahanSumInc(f / cnt, qq * c.mean[ci]!, qq * c.kahanC[ci]!, kahan);
        c.mean[ci] = kahan[0]!;
        c.kahanC[ci] = kahan[1]!;
        break;
      }
      case "group":
        break;
      case "max":
        if (c.value[ci]! < f || Number.isNaN(c.value[ci])) c.value[ci] = f;
        break;
      case "min":
        if (c.value[ci]! > f || Number.isNaN(c.value[ci])) c.value[ci] = f;
        break;
      case "count":
        c.count[ci]!++;
        break;
      case "stdvar":
      case "stddev": {
        const cnt = ++c.count[ci]!;
        const delta = f - c.mean[ci]!;
        c.mean[ci] = c.mean[ci]! + delta / cnt;
        c.value[ci] = c.value[ci]! + delta * (f - c.mean[ci]!);
        break;
      }
      default:
        throw new Error(`BUG: expected aggregation operator but got ${op}`);
    }
  }
  return pos;
}

/** The aggregations aggregateBySeries computes. */
const FOLDED_OPS: ReadonlySet<AggregateExpr["op"]> = new Set(["sum", "avg", "count", "group", "min", "max", "stddev", "stdvar"]);

/**
 * An aggregation (one of FOLDED_OPS) straight over an instant vector
 * selector, folding each selected series into the cells as it is read
 * instead of holding the selector's matrix: the same values, series order
 * and sample accounting as evaluating the selector and then
 * aggregateBySeries. Returns null (nothing evaluated) when that does not
 * apply: a step-invariant selector, or more groups times steps than one
 * block of AGGREGATION_MAX_CELLS (the selection would be read once per block).
 */
async function foldSelector(
  ev: Evaluator,
  op: AggregateExpr["op"],
  grouping: readonly string[],
  without: boolean,
  vs: VectorSelector,
): Promise<Matrix | null> {
  const ctx = ev.ctx;
  if (ev.end < ev.start || (ev.start !== ev.end && ctx.plan.isStepInvariant(vs))) return null;
  ctx.checkDone();
  const series = ctx.plan.seriesOf(vs);
  const steps = ev.numSteps;
  // The groups any selected series can fall in bound the cells needed.
  const keys = new Array<string>(series.length);
  const distinct = new Set<string>();
  for (let i = 0; i < series.length; i++) {
    if (i % GROUP_BATCH === 0 && ctx.shouldYield()) await ctx.yieldNow();
    const k = groupingKey(series[i]!.labels, grouping, without);
    keys[i] = k;
    distinct.add(k);
  }
  if (distinct.size * steps > AGGREGATION_MAX_CELLS) return null;
  const cells = new Cells(distinct.size, steps);
  const kahan = new Float64Array(2);
  const groupIndex = new Map<string, number>();
  const result: Matrix = [];
  await ev.eachSelectorSeries(vs, (labels, ts, fs, k, i) => {
    const key = keys[i]!;
    let gi = groupIndex.get(key);
    if (gi === undefined) {
      gi = groupIndex.size;
      groupIndex.set(key, gi);
      result.push(new Series(groupingLabels(labels, grouping, without), steps, false));
    }
    foldPoints(ev, op, ts, fs, 0, k, false, gi * steps, 0, steps, cells, kahan);
  });
  ctx.checkDone();
  emitCells(ev, op, 0, steps, cells, result);
  return result.filter((s) => s.n > 0);
}

/** Appends the values of the cells of steps [first, first+n) to the result series, in step order. */
function emitCells(ev: Evaluator, op: AggregateExpr["op"], first: number, n: number, c: Cells, result: Matrix): void {
  for (let gi = 0; gi < result.length; gi++) {
    const out = result[gi]!;
    const base = gi * c.steps;
    for (let k = 0; k < n; k++) {
      const ci = base + k;
      if (c.seen[ci] === 0) continue;
      let v = c.value[ci]!;
      switch (op) {
        case "avg":
          v = c.incrementalMean[ci] === 1 ? c.mean[ci]! + c.kahanC[ci]! : v / c.count[ci]! + c.kahanC[ci]! / c.count[ci]!;
          break;
        case "count":
          v = c.count[ci]!;
          break;
        case "stdvar":
          v /= c.count[ci]!;
          break;
        case "stddev":
          v = Math.sqrt(v / c.count[ci]!);
          break;
        case "sum":
          v += c.kahanC[ci]!;
          break;
        default:
          break;
      }
      out.push(ev.start + (first + k) * ev.interval, v);
      out.dropName = c.dropName[ci] === 1;
      ev.currentSamples++;
    }
  }
  ev.checkSamples();
}

// Heap helpers with Go's container/heap algorithms, so ties and NaNs pick the same samples.
type Less = (a: Sample, b: Sample) => boolean;
const byValue: Less = (a, b) => Number.isNaN(a.f) || a.f < b.f;
const byReverseValue: Less = (a, b) => Number.isNaN(a.f) || a.f > b.f;

function heapUp(h: Sample[], j: number, less: Less): void {
  for (;;) {
    const i = Math.trunc((j - 1) / 2);
    if (i === j || !less(h[j]!, h[i]!)) break;
    const t = h[i]!;
    h[i] = h[j]!;
    h[j] = t;
    j = i;
  }
}

function heapDown(h: Sample[], i0: number, n: number, less: Less): boolean {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2]!, h[j1]!)) j = j2;
    if (!less(h[j]!, h[i]!)) break;
    const t = h[i]!;
    h[i] = h[j]!;
    h[j] = t;
    i = j;
  }
  return i > i0;
}

function heapPush(h: Sample[], s: Sample, less: Less): void {
  h.push(s);
  heapUp(h, h.length - 1, less);
}

function heapFix(h: Sample[], i: number, less: Less): void {
  if (!heapDown(h, i, h.length, less)) heapUp(h, i, less);
}

/** limit_ratio's deterministic sampling: the label set's hash scaled to [0, 1). */
function addRatioSample(ratio: number, s: Sample): boolean {
  const offset = labelsHashFraction(s.metric);
  return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1 + ratio);
}

async function aggregationK(
  ev: Evaluator,
  e: AggregateExpr,
  input: Matrix,
  seriesToResult: Int32Array,
  numGroups: number,
  params: FParams,
): Promise<Matrix> {
  const op = e.op;
  const ctx = ev.ctx;
  const byKey = new Map<string, Series>();
  const heaps: Sample[][] = Array.from({ length: numGroups }, () => []);
  const seen = new Uint8Array(numGroups);
  const complete = new Uint8Array(numGroups);
  for (let ts = ev.start; ts <= ev.end; ts += ev.interval) {
    const fParam = params.next();
    ctx.checkDone();
    if (ctx.shouldYield()) await ctx.yieldNow();
    const mat = kStep(ev, op, ts, fParam, input, seriesToResult, heaps, seen, complete, byKey);
    if (mat !== null) return mat;
  }
  return [...byKey.values()];
}

/**
 * One step of topk/bottomk/limitk/limit_ratio: picks the samples at ts
 * per group and adds them to their series in byKey. Returns the result of
 * an instant query, else null. Synchronous for V8's optimizer.
 */
function kStep(
  ev: Evaluator,
  op: AggregateExpr["op"],
  ts: number,
  fParam: number,
  input: Matrix,
  seriesToResult: Int32Array,
  heaps: Sample[][],
  seen: Uint8Array,
  complete: Uint8Array,
  byKey: Map<string, Series>,
): Matrix | null {
  const instant = ev.start === ev.end;
  const steps = ev.numSteps;
  const numGroups = heaps.length;
  const advanceRemaining = (t: number, from: number): void => {
    for (let i = from; i < input.length; i++) {
      const s = input[i]!;
      if (s.pos < s.n && s.ts[s.pos] === t) s.pos++;
    }
  };
  seen.fill(0);
  complete.fill(0);
  let groupsRemaining = numGroups;
  let stop = false;
  // A step without output (k < 1 or ratio 0), as Prometheus's early return.
  let skipStep = false;
  for (let si = 0; si < input.length && !stop; si++) {
    const ser = input[si]!;
    if (ser.pos >= ser.n || ser.ts[ser.pos] !== ts) continue;
    const s: Sample = { metric: ser.metric, t: ts, f: ser.fs[ser.pos++]!, dropName: ser.dropName };
    let k = 0;
    let r = 0;
    if (op === "limit_ratio") {
      if (fParam === 0) {
        if (ts !== ev.end) advanceRemaining(ts, si + 1);
        skipStep = true;
        break;
      }
      r = Math.max(-1, Math.min(1, fParam));
    } else {
      k = Math.min(Math.trunc(fParam), input.length);
      if (k < 1) {
        if (ts !== ev.end) advanceRemaining(ts, si + 1);
        skipStep = true;
        break;
      }
    }
    const gi = seriesToResult[si]!;
    const h = heaps[gi]!;
    if (seen[gi] === 0) {
      seen[gi] = 1;
      h.length = 0;
      if (op === "limit_ratio") {
        if (addRatioSample(r, s)) heapPush(h, s, byValue);
      } else if (op === "limitk") {
        h.push(s);
      } else {
        heapPush(h, s, op === "topk" ? byValue : byReverseValue);
      }
      if (op === "limitk" && h.length === k && complete[gi] === 0) {
        complete[gi] = 1;
        groupsRemaining--;
      }
      continue;
    }
    switch (op) {
      case "topk":
        if (h.length < k) heapPush(h, s, byValue);
        else if (h[0]!.f < s.f || (Number.isNaN(h[0]!.f) && !Number.isNaN(s.f))) {
          h[0] = s;
          if (k > 1) heapFix(h, 0, byValue);
        }
        break;
      case "bottomk":
        if (h.length < k) heapPush(h, s, byReverseValue);
        else if (h[0]!.f > s.f || (Number.isNaN(h[0]!.f) && !Number.isNaN(s.f))) {
          h[0] = s;
          if (k > 1) heapFix(h, 0, byReverseValue);
        }
        break;
      case "limitk":
        if (h.length < k) heapPush(h, s, byValue);
        if (complete[gi] === 0 && h.length === k) {
          complete[gi] = 1;
          groupsRemaining--;
          if (groupsRemaining === 0) {
            if (ts !== ev.end) advanceRemaining(ts, si + 1);
            stop = true;
          }
        }
        break;
      case "limit_ratio":
        if (addRatioSample(r, s)) heapPush(h, s, byValue);
        break;
      default:
        throw new Error(`BUG: expected aggregation operator but got ${op}`);
    }
  }
  if (skipStep) return instant ? [] : null;
  const mat: Matrix = [];
  const add = (s: Sample): void => {
    if (instant) {
      const ss = new Series(s.metric, 1, s.dropName);
      ss.push(ts, s.f);
      mat.push(ss);
      return;
    }
    const key = s.metric.key;
    let ss = byKey.get(key);
    if (ss === undefined) {
      ss = new Series(s.metric, steps, s.dropName);
      byKey.set(key, ss);
    }
    ss.push(ts, s.f);
  };
  for (let gi = 0; gi < numGroups; gi++) {
    if (seen[gi] === 0) continue;
    const h = heaps[gi]!;
    if (op === "topk") {
      // Descending, NaN last (Prometheus sorts the heap in reverse).
      h.sort((a, b) => (Number.isNaN(a.f) ? 1 : Number.isNaN(b.f) ? -1 : b.f - a.f));
    } else if (op === "bottomk") {
      h.sort((a, b) => (Number.isNaN(a.f) ? 1 : Number.isNaN(b.f) ? -1 : a.f - b.f));
    }
    for (const s of h) add(s);
  }
  if (instant) return mat;
  ev.checkSamples();
  return null;
}
