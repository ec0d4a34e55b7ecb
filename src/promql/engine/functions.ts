import { Labels, MetricName, compareLabels, compileAnchoredRE2, isValidLabelName } from "../../model/index.ts";
import type { Call, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from "../parser/index.ts";
import type { Series as StorageSeries } from "../../storage/index.ts";
import { AnnotationText } from "./annotations.ts";
import { EvalError } from "./errors.ts";
import type { Evaluator, NodeHelper } from "./evaluator.ts";
import { totalPoints } from "./evaluator.ts";
import * as K from "./kernels/index.ts";
import { unparen } from "./plan.ts";
import { type BucketLabels, dropMetadata, type Matrix, matrixHasDuplicateLabels, type Sample, Series, StringValue } from "./types.ts";
import { formatFloatG } from "../../util/index.ts";

/** A range-vector kernel call: p0/p1 are the scalar arguments at this step, evalT the step time (ms). */
type RangeKernel = (w: K.RangeWindow, p0: number, p1: number, evalT: number) => number | null;

const RANGE_KERNELS: Readonly<Record<string, RangeKernel>> = {
  rate: (w) => K.extrapolatedRate(w, true, true),
  increase: (w) => K.extrapolatedRate(w, true, false),
  delta: (w) => K.extrapolatedRate(w, false, false),
  irate: (w) => K.instantValue(w, true),
  idelta: (w) => K.instantValue(w, false),
  sum_over_time: K.sumOverTime,
  avg_over_time: K.avgOverTime,
  min_over_time: K.minOverTime,
  max_over_time: K.maxOverTime,
  count_over_time: K.countOverTime,
  last_over_time: K.lastOverTime,
  first_over_time: K.firstOverTime,
  stddev_over_time: K.stddevOverTime,
  stdvar_over_time: K.stdvarOverTime,
  mad_over_time: K.madOverTime,
  present_over_time: K.presentOverTime,
  // absent_over_time outputs 1 wherever the window has samples; evalRangeCall inverts it.
  absent_over_time: () => 1,
  changes: K.changes,
  resets: K.resets,
  deriv: K.deriv,
  ts_of_max_over_time: K.tsOfMaxOverTime,
  ts_of_min_over_time: K.tsOfMinOverTime,
  ts_of_last_over_time: K.tsOfLastOverTime,
  ts_of_first_over_time: K.tsOfFirstOverTime,
  quantile_over_time: (w, q) => K.quantileOverTime(w, q),
  predict_linear: (w, d, _p1, t) => K.predictLinear(w, d, t),
  double_exponential_smoothing: (w, sf, tf) => K.doubleExponentialSmoothing(w, sf, tf),
  holt_winters: (w, sf, tf) => K.doubleExponentialSmoothing(w, sf, tf),
};

/** Evaluates a function call over all steps. */
export async function evalCall(ev: Evaluator, e: Call): Promise<Matrix> {
  const name = e.func.name;
  const args = e.args.map(unparen);
  if (name === "timestamp" && args[0]!.kind === "VectorSelector") {
    return evalTimestampOverSelector(ev, args[0]!);
  }
  if (isSort(name) && ev.start !== ev.end) ev.ctx.annos.warn(AnnotationText.sortIneffective(), e.pos);
  switch (name) {
    case "label_replace":
      return evalLabelReplace(ev, args);
    case "label_join":
      return evalLabelJoin(ev, args);
    case "info":
      throw new EvalError("info() is not supported by this engine");
    default:
      break;
  }
  const matrixArgIndex = args.findIndex((a) => a.kind === "MatrixSelector" || a.kind === "SubqueryExpr");
  if (matrixArgIndex >= 0) return evalRangeCall(ev, e, args, matrixArgIndex);
  const fn = VECTOR_FUNCTIONS[name];
  if (fn === undefined) throw new EvalError(`function ${name} is not supported by this engine`);
  return ev.rangeEval(args, (v, _s, enh) => fn(v, e, args, enh, ev), null);
}

function isSort(name: string): boolean {
  return name === "sort" || name === "sort_desc" || name === "sort_by_label" || name === "sort_by_label_desc";
}

/** timestamp(selector): the timestamps of the selected samples themselves. */
async function evalTimestampOverSelector(ev: Evaluator, vs: VectorSelector): Promise<Matrix> {
  const ctx = ev.ctx;
  const lb = ctx.lookbackDelta;
  const at = ctx.plan.atOf(vs);
  // NOTE: matches Prometheus, which reads timestamp(x @ t) at t itself, ignoring x's offset.
  const ref = (ts: number): number => (at !== null ? at : ts - ctx.plan.offsetOf(vs));
  const minRef = ref(ev.start);
  const maxRef = ref(ev.end);
  const steps = ev.numSteps;
  const out: Matrix = [];
  // The steps of one series; a plain closure, so V8 optimizes its loop.
  const stepsOf = (s: StorageSeries): Series | null => {
    const n = ctx.readSeries(s, minRef - lb + 1, maxRef, true);
    if (n === 0) return null;
    let ss: Series | null = null;
    let j = -1;
    for (let ts = ev.start; ts <= ev.end; ts += ev.interval) {
      const r = ref(ts);
      while (j + 1 < n && ctx.bufTs[j + 1]! <= r) j++;
      if (j < 0 || ctx.bufTs[j]! <= r - lb || ctx.bufStale[j] === 1) continue;
      if (ss === null) ss = new Series(ev.delayed ? s.labels : dropMetadata(s.labels), steps, true);
      ss.push(ts, ctx.bufTs[j]! / 1000);
      ev.currentSamples++;
      ctx.totalSamples++;
    }
    ev.checkSamples();
    return ss;
  };
  for (const s of ctx.plan.seriesOf(vs)) {
    ctx.maybeCheckDone();
    if (ctx.shouldYield()) await ctx.yieldNow();
    const ss = stepsOf(s);
    if (ss !== null) out.push(ss);
  }
  ctx.updatePeak(ev.currentSamples);
  return ev.delayed ? out : ev.mergeSeriesWithSameLabelset(out);
}

/** Functions over a range vector: one kernel call per series and step. */
async function evalRangeCall(ev: Evaluator, e: Call, args: Expr[], matrixArgIndex: number): Promise<Matrix> {
  const ctx = ev.ctx;
  const plan = ctx.plan;
  const name = e.func.name;
  const kernel = RANGE_KERNELS[name];
  if (kernel === undefined) throw new EvalError(`function ${name} is not supported by this engine`);
  const arg = args[matrixArgIndex] as MatrixSelector | SubqueryExpr;
  const timed: VectorSelector | SubqueryExpr = arg.kind === "MatrixSelector" ? arg.vectorSelector : arg;
  if (arg.kind === "MatrixSelector" && (arg.vectorSelector.anchored || arg.vectorSelector.smoothed)) {
    throw new EvalError("anchored and smoothed range selectors are not supported by this engine");
  }

  // Subquery results count as held in memory until the call is done.
  let subMat: Matrix | null = null;
  if (arg.kind === "SubqueryExpr") subMat = await ev.evalSubquery(arg);
  // Scalar arguments, one value per step.
  const params: (Float64Array | null)[] = [null, null];
  let pi = 0;
  for (let i = 0; i < args.length; i++) {
    if (i === matrixArgIndex) continue;
    const m = await ev.evalMatrix(args[i]!);
    params[pi++] = m.length > 0 ? m[0]!.fs : null;
  }
  const p0 = params[0] ?? null;
  const p1 = params[1] ?? null;
  if (name === "quantile_over_time" && p0 !== null) {
    for (let i = 0; i < ev.numSteps; i++) {
      const q = p0[i]!;
      if (Number.isNaN(q) || q < 0 || q > 1) ctx.annos.warn(AnnotationText.invalidQuantile(q), args[0]!.pos);
    }
  }

  const range = plan.rangeOf(arg);
  const constRef = plan.atOf(timed) !== null;
  const ref0 = ev.refTime(timed, ev.start);
  const refEnd = ev.refTime(timed, ev.end);
  const offset = ev.start - ref0;
  const dropName = name !== "last_over_time" && name !== "first_over_time";
  const checkCounter = name === "rate" || name === "increase";
  const steps = ev.numSteps;
  const w: K.RangeWindow = { ts: ctx.bufTs, fs: ctx.bufFs, from: 0, to: 0, rangeStart: 0, rangeEnd: 0 };
  const out: Matrix = [];

  if (ctx.stepTs.length < steps) ctx.growSteps(steps);
  const processSeries = (labels: Labels, ts: Float64Array, fs: Float64Array, n: number, inDropName: boolean): void => {
    w.ts = ts;
    w.fs = fs;
    // Points are collected in the step buffers, then copied into a series of their exact size.
    const ots = ctx.stepTs;
    const ofs = ctx.stepFs;
    let k = 0;
    let from = 0;
    let to = 0;
    let step = 0;
    for (let t = ev.start; t <= ev.end; t += ev.interval, step++) {
      const maxt = constRef ? ref0 : t - offset;
      const mint = maxt - range;
      while (to < n && ts[to]! <= maxt) to++;
      while (from < to && ts[from]! <= mint) from++;
      if (from === to) continue;
      if (ev.currentSamples + (to - from) > ctx.maxSamples) ev.checkSamplesWith(to - from);
      ctx.totalSamples += to - from;
      w.from = from;
      w.to = to;
      w.rangeStart = mint;
      w.rangeEnd = maxt;
      const v = kernel(w, p0 === null ? 0 : p0[step]!, p1 === null ? 0 : p1[step]!, t);
      if (v === null) continue;
      ots[k] = t;
      ofs[k] = v;
      k++;
    }
    const ss = k > 0 ? Series.fromPoints(!ev.delayed && dropName ? dropMetadata(labels) : labels, ots, ofs, k, dropName || inDropName) : null;
    if (ss !== null) {
      ev.currentSamples += ss.n;
      ev.checkSamples();
      out.push(ss);
      if (checkCounter) {
        const metricName = labels.get(MetricName);
        if (
          metricName !== "" &&
          !metricName.endsWith("_total") &&
          !metricName.endsWith("_sum") &&
          !metricName.endsWith("_count") &&
          !metricName.endsWith("_bucket")
        ) {
          ctx.annos.info(AnnotationText.possibleNonCounter(metricName), args[0]!.pos);
        }
      }
    }
    ctx.updatePeak(ev.currentSamples);
  };

  try {
    if (subMat !== null) {
      for (const s of subMat) {
        ctx.maybeCheckDone();
        if (ctx.shouldYield()) await ctx.yieldNow();
        processSeries(s.metric, s.ts, s.fs, s.n, s.dropName);
      }
    } else {
      const vs = (arg as MatrixSelector).vectorSelector;
      for (const s of plan.seriesOf(vs)) {
        ctx.maybeCheckDone();
        if (ctx.shouldYield()) await ctx.yieldNow();
        const n = ctx.readSeries(s, ref0 - range + 1, refEnd, false);
        if (n === 0) continue;
        processSeries(s.labels, ctx.bufTs, ctx.bufFs, n, false);
      }
    }
  } catch (err) {
    if (err instanceof K.InvalidSmoothingFactorError) throw new EvalError(err.message);
    throw err;
  }
  if (subMat !== null) ev.currentSamples -= totalPoints(subMat);

  if (name === "absent_over_time") {
    for (const s of out) if (s.n === steps) return [];
    const found = new Set<number>();
    for (let i = 0; i < out.length; i++) {
      const s = out[i]!;
      for (let j = 0; j < s.n; j++) found.add(s.ts[j]!);
      if (i > 0 && found.size === steps) return [];
    }
    const res = new Series(absentLabels(args[0]!), steps - found.size, true);
    for (let t = ev.start; t <= ev.end; t += ev.interval) if (!found.has(t)) res.push(t, 1);
    return [res];
  }
  if (!ev.delayed && matrixHasDuplicateLabels(out)) ev.fail("vector cannot contain metrics with the same labelset");
  return out;
}

/** The labels absent()/absent_over_time() report: the equality matchers of a selector argument. */
function absentLabels(e: Expr): Labels {
  let ms;
  if (e.kind === "VectorSelector") ms = e.matchers;
  else if (e.kind === "MatrixSelector") ms = e.vectorSelector.matchers;
  else return Labels.EMPTY;
  const b = Labels.EMPTY.builder();
  const has = new Set<string>();
  for (const m of ms) {
    if (m.name === MetricName) continue;
    if (m.type === "=" && !has.has(m.name)) {
      b.set(m.name, m.value);
      has.add(m.name);
    } else {
      b.del(m.name);
    }
  }
  return b.labels();
}

function stringArg(e: Expr): string {
  if (e.kind !== "StringLiteral") throw new Error("BUG: expected a string literal argument");
  return e.val;
}

async function evalLabelReplace(ev: Evaluator, args: Expr[]): Promise<Matrix> {
  const dst = stringArg(args[1]!);
  const repl = stringArg(args[2]!);
  const src = stringArg(args[3]!);
  const regexStr = stringArg(args[4]!);
  let re: RegExp;
  try {
    re = compileAnchoredRE2(regexStr);
  } catch {
    throw new EvalError(`invalid regular expression in label_replace(): ${regexStr}`);
  }
  if (!isValidLabelName(dst)) throw new EvalError(`invalid destination label name in label_replace(): ${dst}`);
  const v = await ev.eval(args[0]!);
  const mat = v instanceof StringValue ? [] : v;
  for (const s of mat) {
    if (ev.ctx.shouldYield()) await ev.ctx.yieldNow();
    const srcVal = s.metric.get(src);
    const m = re.exec(srcVal);
    if (m === null) continue;
    const res = expandTemplate(repl, m);
    s.metric = s.metric.builder().set(dst, res).labels();
    if (dst === MetricName) s.dropName = false;
  }
  return ev.mergeSeriesWithSameLabelset(mat);
}

/** Go's regexp.Expand: $1, ${1}, $name, ${name} and $$ in `tmpl`. */
function expandTemplate(tmpl: string, m: RegExpExecArray): string {
  let out = "";
  let i = 0;
  while (i < tmpl.length) {
    const d = tmpl.indexOf("$", i);
    if (d < 0) break;
    out += tmpl.slice(i, d);
    i = d + 1;
    if (tmpl[i] === "$") {
      out += "$";
      i++;
      continue;
    }
    const brace = tmpl[i] === "{";
    let j = brace ? i + 1 : i;
    const startName = j;
    while (j < tmpl.length && /[\p{L}\p{Nd}_]/u.test(tmpl[j]!)) j++;
    const nameStr = tmpl.slice(startName, j);
    if (nameStr === "" || (brace && tmpl[j] !== "}")) {
      out += "$";
      continue;
    }
    if (brace) j++;
    i = j;
    let num = -1;
    if (/^[0-9]+$/.test(nameStr) && !(nameStr.length > 1 && nameStr[0] === "0") && nameStr.length <= 8) {
      num = Number(nameStr);
    }
    if (num >= 0) {
      if (num < m.length && m[num] !== undefined) out += m[num];
    } else if (m.groups !== undefined && m.groups[nameStr] !== undefined) {
      out += m.groups[nameStr];
    }
  }
  return out + tmpl.slice(i);
}

async function evalLabelJoin(ev: Evaluator, args: Expr[]): Promise<Matrix> {
  const dst = stringArg(args[1]!);
  const sep = stringArg(args[2]!);
  const srcLabels: string[] = [];
  for (let i = 3; i < args.length; i++) {
    const src = stringArg(args[i]!);
    if (!isValidLabelName(src)) throw new EvalError(`invalid source label name in label_join(): ${src}`);
    srcLabels.push(src);
  }
  if (!isValidLabelName(dst)) throw new EvalError(`invalid destination label name in label_join(): ${dst}`);
  const v = await ev.eval(args[0]!);
  const mat = v instanceof StringValue ? [] : v;
  for (const s of mat) {
    if (ev.ctx.shouldYield()) await ev.ctx.yieldNow();
    const val = srcLabels.map((l) => s.metric.get(l)).join(sep);
    s.metric = s.metric.builder().set(dst, val).labels();
    if (dst === MetricName) s.dropName = false;
  }
  return ev.mergeSeriesWithSameLabelset(mat);
}

/** A per-step function over instant vectors (scalars arrive as one-sample vectors). */
type VectorFunction = (v: Sample[][], e: Call, args: Expr[], enh: NodeHelper, ev: Evaluator) => Sample[];

function simple(f: (x: number) => number): VectorFunction {
  return (v, _e, _a, enh, ev) => {
    for (const el of v[0]!) {
      enh.out.push({ metric: ev.delayed ? el.metric : dropMetadata(el.metric), t: enh.ts, f: f(el.f), dropName: true });
    }
    return enh.out;
  };
}

function scalarOut(enh: NodeHelper, f: number): Sample[] {
  enh.out.push({ metric: Labels.EMPTY, t: enh.ts, f, dropName: false });
  return enh.out;
}

function dateFunction(f: (tSeconds: number) => number): VectorFunction {
  return (v, _e, args, enh, ev) => {
    if (args.length === 0) return scalarOut(enh, f(Math.trunc(enh.ts / 1000)));
    for (const el of v[0]!) {
      enh.out.push({ metric: ev.delayed ? el.metric : dropMetadata(el.metric), t: enh.ts, f: f(el.f), dropName: true });
    }
    return enh.out;
  };
}

function clamp(vec: Sample[], min: number, max: number, enh: NodeHelper, ev: Evaluator): Sample[] {
  if (max < min) return enh.out;
  for (const el of vec) {
    enh.out.push({
      metric: ev.delayed ? el.metric : dropMetadata(el.metric),
      t: enh.ts,
      f: Math.max(min, Math.min(max, el.f)),
      dropName: true,
    });
  }
  return enh.out;
}

/** Ascending by value with NaN last. */
function byValueAsc(a: Sample, b: Sample): number {
  if (Number.isNaN(a.f)) return Number.isNaN(b.f) ? 0 : 1;
  if (Number.isNaN(b.f)) return -1;
  return a.f < b.f ? -1 : a.f > b.f ? 1 : 0;
}

/** Descending by value with NaN last. */
function byValueDesc(a: Sample, b: Sample): number {
  if (Number.isNaN(a.f)) return Number.isNaN(b.f) ? 0 : 1;
  if (Number.isNaN(b.f)) return -1;
  return a.f > b.f ? -1 : a.f < b.f ? 1 : 0;
}

/** Chunks of digits and non-digits, as facette/natsort's chunkify. */
function chunkify(s: string): string[] {
  return s.match(/(\d+|\D+)/g) ?? [];
}

/** facette/natsort.Compare: whether a sorts before b naturally. */
export function natLess(a: string, b: string): boolean {
  const ca = chunkify(a);
  const cb = chunkify(b);
  for (let i = 0; i < ca.length; i++) {
    if (i >= cb.length) return false;
    const x = ca[i]!;
    const y = cb[i]!;
    const xi = /^\d+$/.test(x) ? Number(x) : NaN;
    const yi = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(xi) && !Number.isNaN(yi)) {
      if (xi === yi) {
        if (i === ca.length - 1) return true;
        if (i === cb.length - 1) return false;
        continue;
      }
      return xi < yi;
    }
    if (x === y) {
      if (i === ca.length - 1) return true;
      if (i === cb.length - 1) return false;
      continue;
    }
    return x < y;
  }
  return false;
}

function sortByLabel(desc: boolean): VectorFunction {
  return (v, _e, args, enh) => {
    const names = args.slice(1).map(stringArg);
    const vec = [...v[0]!];
    vec.sort((a, b) => {
      for (const n of names) {
        const x = a.metric.get(n);
        const y = b.metric.get(n);
        if (x === y) continue;
        const less = natLess(x, y);
        return desc ? (less ? 1 : -1) : less ? -1 : 1;
      }
      const c = compareLabels(a.metric, b.metric);
      return desc ? -c : c;
    });
    for (const s of vec) enh.out.push(s);
    return enh.out;
  };
}

/** Go's strconv.ParseFloat for `le` label values; null when it would fail. */
function parseGoFloat(s: string): number | null {
  const lower = s.toLowerCase();
  const body = lower.startsWith("+") || lower.startsWith("-") ? lower.slice(1) : lower;
  if (body === "inf" || body === "infinity") return lower.startsWith("-") ? -Infinity : Infinity;
  if (body === "nan") return NaN;
  if (/^[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)(e[+-]?\d+)?$/i.test(s) && !s.includes("_")) return Number(s);
  if (/^[+-]?0x[0-9a-f]+$/i.test(s)) return Number(s.replace(/^\+/, ""));
  return null;
}

interface BucketGroup {
  metric: Labels;
  /** metric as the output carries it (without the name unless names are removed late). */
  out: Labels;
  bounds: number[];
  counts: number[];
}

/**
 * Groups the classic-histogram buckets of a vector by their labels without
 * `le`, as Prometheus's resetHistograms. Bad `le` values are warned about.
 */
function classicBuckets(vec: Sample[], arg: Expr, ev: Evaluator, enh: NodeHelper): BucketGroup[] {
  const groups = new Map<Labels, BucketGroup>();
  for (const s of vec) {
    const b = bucketLabels(s.metric, ev, enh);
    const ub = b.upperBound;
    if (ub === null) {
      ev.ctx.annos.warn(AnnotationText.badBucketLabel(ev.delayed ? s.metric.get(MetricName) : "", b.le), arg.pos);
      continue;
    }
    let g = groups.get(b.group);
    if (g === undefined) {
      g = { metric: b.group, out: b.out, bounds: [], counts: [] };
      groups.set(b.group, g);
    }
    g.bounds.push(ub);
    g.counts.push(s.f);
  }
  return [...groups.values()];
}

/**
 * The `le` bound and histogram of a bucket series' label set, derived once
 * per evaluation (series keep their label set objects across steps).
 */
function bucketLabels(metric: Labels, ev: Evaluator, enh: NodeHelper): BucketLabels {
  let b = enh.buckets.get(metric);
  if (b !== undefined) return b;
  const le = metric.get("le");
  let group = metric.without("le");
  const shared = enh.bucketGroups.get(group.key);
  if (shared !== undefined) group = shared;
  else enh.bucketGroups.set(group.key, group);
  b = { le, upperBound: parseGoFloat(le), group, out: ev.delayed ? group : dropMetadata(group) };
  enh.buckets.set(metric, b);
  return b;
}

function quantileOfGroup(q: number, g: BucketGroup, argPos: Expr, ev: Evaluator): number {
  const r = K.bucketQuantile(q, Float64Array.from(g.bounds), Float64Array.from(g.counts), g.bounds.length);
  if (r.forcedMonotonicity) {
    ev.ctx.annos.info(AnnotationText.forcedMonotonicity(ev.delayed ? g.metric.get(MetricName) : ""), argPos.pos);
  }
  return r.value;
}

function validateQuantile(q: number, arg: Expr, ev: Evaluator): void {
  if (Number.isNaN(q) || q < 0 || q > 1) ev.ctx.annos.warn(AnnotationText.invalidQuantile(q), arg.pos);
}

/** Prometheus's labels.FormatOpenMetricsFloat. */
function formatOpenMetricsFloat(f: number): string {
  const s = formatFloatG(f);
  if (Number.isNaN(f) || !Number.isFinite(f) || s.includes("e") || s.includes(".")) return s;
  return s + ".0";
}

const none: VectorFunction = (_v, _e, _a, enh) => enh.out;

const VECTOR_FUNCTIONS: Readonly<Record<string, VectorFunction>> = {
  abs: simple(Math.abs),
  ceil: simple(Math.ceil),
  floor: simple(Math.floor),
  exp: simple(Math.exp),
  sqrt: simple(Math.sqrt),
  ln: simple(Math.log),
  log2: simple(K.goLog2),
  log10: simple(K.goLog10),
  sin: simple(Math.sin),
  cos: simple(Math.cos),
  tan: simple(Math.tan),
  asin: simple(Math.asin),
  acos: simple(Math.acos),
  atan: simple(Math.atan),
  sinh: simple(Math.sinh),
  cosh: simple(Math.cosh),
  tanh: simple(Math.tanh),
  asinh: simple(Math.asinh),
  acosh: simple(Math.acosh),
  atanh: simple(Math.atanh),
  rad: simple(K.rad),
  deg: simple(K.deg),
  sgn: simple(K.sgn),
  pi: (_v, _e, _a, enh) => scalarOut(enh, Math.PI),
  time: (_v, _e, _a, enh) => scalarOut(enh, enh.ts / 1000),
  start: (_v, _e, _a, enh, ev) => scalarOut(enh, ev.ctx.plan.params.start / 1000),
  end: (_v, _e, _a, enh, ev) => scalarOut(enh, ev.ctx.plan.params.end / 1000),
  step: (_v, _e, _a, enh, ev) => scalarOut(enh, ev.ctx.plan.params.step / 1000),
  range: (_v, _e, _a, enh, ev) => scalarOut(enh, (ev.ctx.plan.params.end - ev.ctx.plan.params.start) / 1000),
  vector: (v, _e, _a, enh) => scalarOut(enh, v[0]![0]!.f),
  min_of: (v, _e, _a, enh) => scalarOut(enh, Math.min(v[0]![0]!.f, v[1]![0]!.f)),
  max_of: (v, _e, _a, enh) => scalarOut(enh, Math.max(v[0]![0]!.f, v[1]![0]!.f)),
  scalar: (v, _e, _a, enh) => scalarOut(enh, v[0]!.length === 1 ? v[0]![0]!.f : NaN),
  timestamp: (v, _e, _a, enh, ev) => {
    for (const el of v[0]!) {
      enh.out.push({ metric: ev.delayed ? el.metric : dropMetadata(el.metric), t: enh.ts, f: el.t / 1000, dropName: true });
    }
    return enh.out;
  },
  sort: (v, _e, _a, enh) => {
    for (const s of [...v[0]!].sort(byValueAsc)) enh.out.push(s);
    return enh.out;
  },
  sort_desc: (v, _e, _a, enh) => {
    for (const s of [...v[0]!].sort(byValueDesc)) enh.out.push(s);
    return enh.out;
  },
  sort_by_label: sortByLabel(false),
  sort_by_label_desc: sortByLabel(true),
  clamp: (v, _e, _a, enh, ev) => clamp(v[0]!, v[1]![0]!.f, v[2]![0]!.f, enh, ev),
  clamp_max: (v, _e, _a, enh, ev) => clamp(v[0]!, -Infinity, v[1]![0]!.f, enh, ev),
  clamp_min: (v, _e, _a, enh, ev) => clamp(v[0]!, v[1]![0]!.f, Infinity, enh, ev),
  round: (v, _e, args, enh, ev) => {
    const toNearest = args.length >= 2 ? v[1]![0]!.f : 1;
    return simple((x) => K.roundToNearest(x, toNearest))(v, _e, args, enh, ev);
  },
  days_in_month: dateFunction(K.daysInMonth),
  day_of_month: dateFunction(K.dayOfMonth),
  day_of_week: dateFunction(K.dayOfWeek),
  day_of_year: dateFunction(K.dayOfYear),
  hour: dateFunction(K.hour),
  minute: dateFunction(K.minute),
  month: dateFunction(K.month),
  year: dateFunction(K.year),
  absent: (v, _e, args, enh) => {
    if (v[0]!.length > 0) return enh.out;
    enh.out.push({ metric: absentLabels(args[0]!), t: enh.ts, f: 1, dropName: false });
    return enh.out;
  },
  histogram_quantile: (v, _e, args, enh, ev) => {
    if (v[0]!.length === 0) return enh.out;
    const q = v[0]![0]!.f;
    validateQuantile(q, args[0]!, ev);
    for (const g of classicBuckets(v[1]!, args[1]!, ev, enh)) {
      const f = quantileOfGroup(q, g, args[1]!, ev);
      enh.out.push({ metric: g.out, t: enh.ts, f, dropName: true });
    }
    return enh.out;
  },
  histogram_quantiles: (v, _e, args, enh, ev) => {
    const label = stringArg(args[1]!);
    const qs: number[] = [];
    for (let i = 2; i < v.length; i++) {
      const q = v[i]![0]!.f;
      validateQuantile(q, args[i]!, ev);
      qs.push(q);
    }
    const groups = classicBuckets(v[0]!, args[0]!, ev, enh);
    for (const q of qs) {
      const qStr = formatOpenMetricsFloat(q);
      for (const g of groups) {
        const f = quantileOfGroup(q, g, args[0]!, ev);
        const m = g.out;
        enh.out.push({ metric: m.builder().set(label, qStr).labels(), t: enh.ts, f, dropName: true });
      }
    }
    return enh.out;
  },
  histogram_fraction: (v, _e, args, enh, ev) => {
    if (v.length < 3 || v[0]!.length === 0 || v[1]!.length === 0) return enh.out;
    const lower = v[0]![0]!.f;
    const upper = v[1]![0]!.f;
    for (const g of classicBuckets(v[2]!, args[2]!, ev, enh)) {
      const f = K.histogramFraction(lower, upper, Float64Array.from(g.bounds), Float64Array.from(g.counts), g.bounds.length);
      enh.out.push({ metric: g.out, t: enh.ts, f, dropName: true });
    }
    return enh.out;
  },
  // Native-histogram functions: float samples produce no output.
  histogram_count: none,
  histogram_sum: none,
  histogram_avg: none,
  histogram_stddev: none,
  histogram_stdvar: none,
};
