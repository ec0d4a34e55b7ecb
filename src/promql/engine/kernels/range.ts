// Range-vector kernels: the value of one function call for one series at one
// evaluation step, computed from the float samples of a RangeWindow, after
// Prometheus's promql/functions.go (float paths). A null result means "no
// output sample" for this series and step. Histogram samples never reach a
// window; the engine handles them (and the annotations about mixing them).

import type { RangeWindow } from "./window.ts";
import { kahanSumInc } from "./kahan.ts";
import { quantile } from "./quantile.ts";

// Kahan step output, reused by every kernel.
const kahan = new Float64Array(2);

// Copy of window values for kernels that sort (quantile_over_time,
// mad_over_time); grown on demand.
let scratch = new Float64Array(256);

function scratchFor(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/**
 * A millisecond duration in seconds as Go's time.Duration.Seconds() computes
 * it (whole seconds plus nanoseconds / 1e9), which can differ from ms / 1000
 * in the last place.
 */
function durationSeconds(ms: number): number {
  const sec = Math.trunc(ms / 1000);
  const nsec = (ms - sec * 1000) * 1e6;
  return sec + nsec / 1e9;
}

/**
 * rate(), increase() and delta(): Prometheus's extrapolatedRate. Needs at
 * least two samples (else null). The raw difference between the last and
 * first sample (for counters: plus the value before every decrease, i.e. each
 * reset) is extrapolated to the window boundaries (rangeStart, rangeEnd]:
 * fully if the gap to a boundary is below 1.1 times the average sample
 * interval, otherwise by half an average interval. For counters the start is
 * not extrapolated below the point where the counter would have been zero.
 * isRate divides by the range in seconds.
 */
export function extrapolatedRate(w: RangeWindow, isCounter: boolean, isRate: boolean): number | null {
  const { ts, fs, from, to } = w;
  const n = to - from;
  if (n < 2) return null;
  const firstT = ts[from]!;
  const lastT = ts[to - 1]!;
  const firstF = fs[from]!;
  let result = fs[to - 1]! - firstF;
  if (isCounter) {
    let prev = firstF;
    for (let i = from + 1; i < to; i++) {
      const cur = fs[i]!;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }

  let durationToStart = (firstT - w.rangeStart) / 1000;
  let durationToEnd = (w.rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter) {
    // Counters cannot go negative: do not extrapolate past the zero point.
    let durationToZero = durationToStart;
    if (result > 0 && firstF >= 0) durationToZero = sampledInterval * (firstF / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;

  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= durationSeconds(w.rangeEnd - w.rangeStart);
  return result * factor;
}

/**
 * irate() (isRate) and idelta(): from the last two samples only, as
 * Prometheus's instantValue. null with fewer than two samples. irate treats a
 * decrease as a counter reset and uses the last value as the increase; the
 * result is divided by the interval between the two samples in seconds.
 */
export function instantValue(w: RangeWindow, isRate: boolean): number | null {
  const { ts, fs, to } = w;
  if (to - w.from < 2) return null;
  const prevF = fs[to - 2]!;
  const lastF = fs[to - 1]!;
  const sampledInterval = ts[to - 1]! - ts[to - 2]!;
  if (sampledInterval === 0) return null;
  let result = lastF;
  // A NaN on either side is no reset: the difference (NaN) is the result.
  if (!isRate || !(lastF < prevF)) result = lastF - prevF;
  if (isRate) result /= sampledInterval / 1000;
  return result;
}

/**
 * sum_over_time(): Kahan-compensated sum of the window, null if empty. An
 * infinite sum is returned without the compensation term.
 */
export function sumOverTime(w: RangeWindow): number | null {
  const { fs, from, to } = w;
  if (to <= from) return null;
  let sum = 0;
  let c = 0;
  for (let i = from; i < to; i++) {
    kahanSumInc(fs[i]!, sum, c, kahan);
    sum = kahan[0]!;
    c = kahan[1]!;
  }
  if (sum === Infinity || sum === -Infinity) return sum;
  return sum + c;
}

/**
 * avg_over_time(): as Prometheus, a Kahan-compensated direct sum divided by
 * the count while the sum stays finite; once it would overflow, an
 * incremental (also compensated) mean from that point on. null if empty.
 */
export function avgOverTime(w: RangeWindow): number | null {
  const { fs, from, to } = w;
  if (to <= from) return null;
  let sum = fs[from]!;
  let count = 1;
  let mean = 0;
  let kahanC = 0;
  let incrementalMean = false;
  for (let i = from + 1; i < to; i++) {
    const f = fs[i]!;
    count = i - from + 1;
    if (!incrementalMean) {
      kahanSumInc(f, sum, kahanC, kahan);
      const newSum = kahan[0]!;
      if (newSum !== Infinity && newSum !== -Infinity) {
        sum = newSum;
        kahanC = kahan[1]!;
        continue;
      }
      // The direct sum overflows: continue with the incremental mean.
      incrementalMean = true;
      mean = sum / (count - 1);
      kahanC /= count - 1;
    }
    const q = (count - 1) / count;
    kahanSumInc(f / count, q * mean, q * kahanC, kahan);
    mean = kahan[0]!;
    kahanC = kahan[1]!;
  }
  if (incrementalMean) return mean + kahanC;
  return sum / count + kahanC / count;
}

/**
 * min_over_time(): the smallest value; NaN only if all values are NaN
 * (a NaN is replaced by any later value). null if empty.
 */
export function minOverTime(w: RangeWindow): number | null {
  const { fs, from, to } = w;
  if (to <= from) return null;
  let m = fs[from]!;
  for (let i = from; i < to; i++) {
    const f = fs[i]!;
    if (f < m || Number.isNaN(m)) m = f;
  }
  return m;
}

/**
 * max_over_time(): the largest value; NaN only if all values are NaN.
 * null if empty.
 */
export function maxOverTime(w: RangeWindow): number | null {
  const { fs, from, to } = w;
  if (to <= from) return null;
  let m = fs[from]!;
  for (let i = from; i < to; i++) {
    const f = fs[i]!;
    if (f > m || Number.isNaN(m)) m = f;
  }
  return m;
}

/**
 * ts_of_max_over_time(): the time in seconds of the largest value, the latest
 * one on ties (and past NaNs, as max_over_time). null if empty.
 */
export function tsOfMaxOverTime(w: RangeWindow): number | null {
  const { ts, fs, from, to } = w;
  if (to <= from) return null;
  let m = fs[from]!;
  let t = ts[from]!;
  for (let i = from; i < to; i++) {
    const f = fs[i]!;
    if (f >= m || Number.isNaN(m)) {
      m = f;
      t = ts[i]!;
    }
  }
  return t / 1000;
}

/**
 * ts_of_min_over_time(): the time in seconds of the smallest value, the
 * latest one on ties. null if empty.
 */
export function tsOfMinOverTime(w: RangeWindow): number | null {
  const { ts, fs, from, to } = w;
  if (to <= from) return null;
  let m = fs[from]!;
  let t = ts[from]!;
  for (let i = from; i < to; i++) {
    const f = fs[i]!;
    if (f <= m || Number.isNaN(m)) {
      m = f;
      t = ts[i]!;
    }
  }
  return t / 1000;
}

/**
 * count_over_time() over the float samples, null if empty. The engine adds
 * histogram samples, which upstream counts too.
 */
export function countOverTime(w: RangeWindow): number | null {
  const n = w.to - w.from;
  return n > 0 ? n : null;
}

/** last_over_time(): the last value, null if empty. */
export function lastOverTime(w: RangeWindow): number | null {
  return w.to > w.from ? w.fs[w.to - 1]! : null;
}

/** first_over_time(): the first value, null if empty. */
export function firstOverTime(w: RangeWindow): number | null {
  return w.to > w.from ? w.fs[w.from]! : null;
}

/** ts_of_last_over_time(): the time in seconds of the last sample, null if empty. */
export function tsOfLastOverTime(w: RangeWindow): number | null {
  return w.to > w.from ? w.ts[w.to - 1]! / 1000 : null;
}

/** ts_of_first_over_time(): the time in seconds of the first sample, null if empty. */
export function tsOfFirstOverTime(w: RangeWindow): number | null {
  return w.to > w.from ? w.ts[w.from]! / 1000 : null;
}

/** present_over_time(): 1 if the window has a sample, else null. */
export function presentOverTime(w: RangeWindow): number | null {
  return w.to > w.from ? 1 : null;
}

/**
 * Population variance of the window with a Kahan-compensated Welford update,
 * as Prometheus's varianceOverTime.
 */
function variance(w: RangeWindow): number {
  const { fs, from, to } = w;
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = from; i < to; i++) {
    const f = fs[i]!;
    count++;
    const delta = f - (mean + cMean);
    kahanSumInc(delta / count, mean, cMean, kahan);
    mean = kahan[0]!;
    cMean = kahan[1]!;
    kahanSumInc(delta * (f - (mean + cMean)), aux, cAux, kahan);
    aux = kahan[0]!;
    cAux = kahan[1]!;
  }
  return (aux + cAux) / count;
}

/** stdvar_over_time(): population variance, null if empty. */
export function stdvarOverTime(w: RangeWindow): number | null {
  return w.to > w.from ? variance(w) : null;
}

/** stddev_over_time(): population standard deviation, null if empty. */
export function stddevOverTime(w: RangeWindow): number | null {
  return w.to > w.from ? Math.sqrt(variance(w)) : null;
}

/**
 * quantile_over_time(): the q-quantile of the window's values (see quantile:
 * NaN q gives NaN, q < 0 -Inf, q > 1 +Inf; the engine adds the invalid
 * quantile warning). null if empty.
 */
export function quantileOverTime(w: RangeWindow, q: number): number | null {
  const { fs, from, to } = w;
  const n = to - from;
  if (n <= 0) return null;
  const values = scratchFor(n);
  values.set(fs.subarray(from, to));
  return quantile(q, values, n);
}

/**
 * mad_over_time(): median absolute deviation, the median of |v - median|.
 * Any NaN value makes it NaN (upstream returns early rather than let NaN
 * sort first). null if empty.
 */
export function madOverTime(w: RangeWindow): number | null {
  const { fs, from, to } = w;
  const n = to - from;
  if (n <= 0) return null;
  const values = scratchFor(n);
  for (let i = 0; i < n; i++) {
    const f = fs[from + i]!;
    if (Number.isNaN(f)) return NaN;
    values[i] = f;
  }
  const median = quantile(0.5, values, n);
  for (let i = 0; i < n; i++) values[i] = Math.abs(fs[from + i]! - median);
  return quantile(0.5, values, n);
}

/**
 * changes(): how often the value changed between consecutive samples (NaN to
 * NaN is no change). 0 for one sample, null if empty.
 */
export function changes(w: RangeWindow): number | null {
  const { fs, from, to } = w;
  if (to <= from) return null;
  let n = 0;
  let prev = fs[from]!;
  for (let i = from + 1; i < to; i++) {
    const cur = fs[i]!;
    if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) n++;
    prev = cur;
  }
  return n;
}

/** resets(): how often the value decreased (a counter reset). null if empty. */
export function resets(w: RangeWindow): number | null {
  const { fs, from, to } = w;
  if (to <= from) return null;
  let n = 0;
  let prev = fs[from]!;
  for (let i = from + 1; i < to; i++) {
    const cur = fs[i]!;
    if (cur < prev) n++;
    prev = cur;
  }
  return n;
}

// Results of linearRegression, kept in module state to avoid allocating.
let regSlope = 0;
let regIntercept = 0;

/**
 * Least-squares fit of value over time (seconds relative to interceptTime,
 * ms), with Kahan-compensated sums, as Prometheus's linearRegression. A
 * constant series gives slope 0 (NaN for a constant ±Inf). Results land in
 * regSlope and regIntercept (the fitted value at interceptTime).
 */
function linearRegression(w: RangeWindow, interceptTime: number): void {
  const { ts, fs, from, to } = w;
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = fs[from]!;
  let constY = true;
  for (let i = from; i < to; i++) {
    const y = fs[i]!;
    if (constY && i > from && y !== initY) constY = false;
    n += 1;
    const x = (ts[i]! - interceptTime) / 1e3;
    kahanSumInc(x, sumX, cX, kahan);
    sumX = kahan[0]!;
    cX = kahan[1]!;
    kahanSumInc(y, sumY, cY, kahan);
    sumY = kahan[0]!;
    cY = kahan[1]!;
    kahanSumInc(x * y, sumXY, cXY, kahan);
    sumXY = kahan[0]!;
    cXY = kahan[1]!;
    kahanSumInc(x * x, sumX2, cX2, kahan);
    sumX2 = kahan[0]!;
    cX2 = kahan[1]!;
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) {
      regSlope = NaN;
      regIntercept = NaN;
    } else {
      regSlope = 0;
      regIntercept = initY;
    }
    return;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  regSlope = covXY / varX;
  regIntercept = sumY / n - (regSlope * sumX) / n;
}

/**
 * deriv(): per-second slope of the least-squares line through the window.
 * null with fewer than two samples.
 */
export function deriv(w: RangeWindow): number | null {
  if (w.to - w.from < 2) return null;
  // Regress relative to the first sample's time to keep x small (upstream
  // issue 2674).
  linearRegression(w, w.ts[w.from]!);
  return regSlope;
}

/**
 * predict_linear(): the value the least-squares line through the window
 * predicts durationSeconds after evalT (ms, the evaluation step's time, not
 * an @ time). null with fewer than two samples.
 */
export function predictLinear(w: RangeWindow, durationSeconds: number, evalT: number): number | null {
  if (w.to - w.from < 2) return null;
  linearRegression(w, evalT);
  return regSlope * durationSeconds + regIntercept;
}

/**
 * Thrown by doubleExponentialSmoothing for a smoothing or trend factor
 * outside (0, 1). The message is Prometheus's, which fails the query with it
 * (an execution error).
 */
export class InvalidSmoothingFactorError extends Error {
  /** "smoothing" or "trend". */
  readonly factor: "smoothing" | "trend";
  readonly value: number;
  constructor(factor: "smoothing" | "trend", value: number) {
    const sym = factor === "smoothing" ? "sf" : "tf";
    super(`invalid ${factor} factor. Expected: 0 < ${sym} < 1, got: ${goFormatF(value)}`);
    this.name = "InvalidSmoothingFactorError";
    this.factor = factor;
    this.value = value;
  }
}

/** Go's %f: six decimals, "NaN", "+Inf", "-Inf", and a sign on negative zero. */
function goFormatF(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (Math.abs(v) >= 1e21) return `${BigInt(v).toString()}.000000`;
  const s = v.toFixed(6);
  return Object.is(v, -0) || (v < 0 && !s.startsWith("-")) ? `-${s}` : s;
}

/**
 * double_exponential_smoothing() (formerly holt_winters()): Holt's linear
 * smoothing of the window with smoothing factor sf and trend factor tf, as
 * Prometheus's funcDoubleExponentialSmoothing. Throws
 * InvalidSmoothingFactorError unless 0 < sf < 1 and 0 < tf < 1 (checked
 * first, as upstream, which fails the whole query); null with fewer than two
 * samples.
 */
export function doubleExponentialSmoothing(w: RangeWindow, sf: number, tf: number): number | null {
  // NOTE: matches Prometheus, which tests f <= 0 || f >= 1, so NaN passes.
  if (sf <= 0 || sf >= 1) throw new InvalidSmoothingFactorError("smoothing", sf);
  if (tf <= 0 || tf >= 1) throw new InvalidSmoothingFactorError("trend", tf);
  const { fs, from, to } = w;
  if (to - from < 2) return null;
  let s0 = 0;
  let s1 = fs[from]!;
  let b = fs[from + 1]! - fs[from]!;
  for (let i = from + 1; i < to; i++) {
    const x = sf * fs[i]!;
    // Trend at this point: the initial difference for the first step.
    if (i - 1 > from) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}
