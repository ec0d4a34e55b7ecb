import { test } from "node:test";
import assert from "node:assert/strict";
import {
  avgOverTime,
  changes,
  countOverTime,
  deriv,
  doubleExponentialSmoothing,
  extrapolatedRate,
  firstOverTime,
  instantValue,
  InvalidSmoothingFactorError,
  lastOverTime,
  madOverTime,
  maxOverTime,
  minOverTime,
  predictLinear,
  presentOverTime,
  quantileOverTime,
  resets,
  stddevOverTime,
  stdvarOverTime,
  sumOverTime,
  tsOfFirstOverTime,
  tsOfLastOverTime,
  tsOfMaxOverTime,
  tsOfMinOverTime,
  type RangeWindow,
} from "./index.ts";

// Windows are rebuilt from the `load` lines of Prometheus's
// promql/promqltest/testdata/functions.test (the reference copy lives in
// /work/shared/reference/promql-tests), and expectations are that file's
// `eval` results unless a row says it is hand-computed.

const S = 1000;
const M = 60 * S;

/**
 * Expands a promqltest series description ("0+10x10 0 NaN _ 1-2x3") into
 * samples every intervalMs starting at 0. `_` leaves a gap; "a+bxN" is N+1
 * values accumulated by repeated addition, as promqltest does.
 */
function load(desc: string, intervalMs: number): { ts: Float64Array; fs: Float64Array } {
  const ts: number[] = [];
  const fs: number[] = [];
  let i = 0;
  for (const item of desc.trim().split(/\s+/)) {
    const m = /^([-+]?[\d.eE+]+|[-+]?Inf|NaN)([-+])([\d.eE+]+)x(\d+)$/.exec(item);
    if (m) {
      let v = Number(m[1]!.replace("Inf", "Infinity"));
      const inc = Number(m[3]) * (m[2] === "-" ? -1 : 1);
      for (let j = 0; j <= Number(m[4]); j++) {
        ts.push(i++ * intervalMs);
        fs.push(v);
        v += inc;
      }
    } else if (item === "_") {
      i++;
    } else {
      ts.push(i++ * intervalMs);
      fs.push(Number(item.replace("Inf", "Infinity")));
    }
  }
  return { ts: Float64Array.from(ts), fs: Float64Array.from(fs) };
}

/** The window of `fn(series[rangeMs] offset offsetMs)` evaluated at atMs. */
function window(desc: string, intervalMs: number, atMs: number, rangeMs: number, offsetMs = 0): RangeWindow {
  const { ts, fs } = load(desc, intervalMs);
  const rangeEnd = atMs - offsetMs;
  const rangeStart = rangeEnd - rangeMs;
  let from = 0;
  while (from < ts.length && ts[from]! <= rangeStart) from++;
  let to = from;
  while (to < ts.length && ts[to]! <= rangeEnd) to++;
  // Embed the samples in larger arrays so that from/to offsets are exercised.
  const pad = 3;
  const pts = new Float64Array(ts.length + 2 * pad).fill(-1);
  const pfs = new Float64Array(fs.length + 2 * pad).fill(12345);
  pts.set(ts, pad);
  pfs.set(fs, pad);
  return { ts: pts, fs: pfs, from: from + pad, to: to + pad, rangeStart, rangeEnd };
}

/** promqltest's comparison: equal NaNs, exact infinities, relative 1e-6 otherwise. */
function assertClose(got: number | null, want: number | null, msg: string): void {
  if (want === null || got === null) {
    assert.equal(got, want, msg);
    return;
  }
  if (Number.isNaN(want)) {
    assert.ok(Number.isNaN(got), `${msg}: got ${got}, want NaN`);
    return;
  }
  if (!Number.isFinite(want) || want === 0) {
    assert.equal(got, want, msg);
    return;
  }
  assert.ok(Math.abs(got - want) / Math.abs(want) < 1e-6, `${msg}: got ${got}, want ${want}`);
}

type Kernel = (w: RangeWindow) => number | null;

interface Case {
  name: string;
  fn: Kernel;
  series: string;
  interval: number;
  at: number;
  range: number;
  offset?: number;
  want: number | null;
  /** Compare bit for bit (Object.is) instead of with promqltest's tolerance. */
  exact?: boolean;
}

const rate: Kernel = (w) => extrapolatedRate(w, true, true);
const increase: Kernel = (w) => extrapolatedRate(w, true, false);
const delta: Kernel = (w) => extrapolatedRate(w, false, false);
const irate: Kernel = (w) => instantValue(w, true);
const idelta: Kernel = (w) => instantValue(w, false);

const resetsFoo = "1 2 3 0 1 0 0 1 2 0";
const resetsBar = "1 2 3 4 5 1 2 3 4 5";
const resetsBiz = "0 0 0 0 0 1 1 1 1 1";
const zeroCutoff = (start: number): string => `${start}+240x10`;
const reset5m = "0+10x4 0+10x5";

const cases: Case[] = [
  // resets()
  { name: "resets: no sample in (45m, 50m]", fn: resets, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 5 * M, want: null },
  { name: "resets: one sample gives 0", fn: resets, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 10 * M, want: 0 },
  { name: "resets /foo [20m]", fn: resets, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 20 * M, want: 1 },
  { name: "resets /foo [30m]", fn: resets, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 30 * M, want: 1 },
  { name: "resets /foo [32m]", fn: resets, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 32 * M, want: 2 },
  { name: "resets /foo [50m]", fn: resets, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 50 * M, want: 3 },
  { name: "resets /bar [32m]", fn: resets, series: resetsBar, interval: 5 * M, at: 50 * M, range: 32 * M, want: 1 },
  { name: "resets /biz [50m]", fn: resets, series: resetsBiz, interval: 5 * M, at: 50 * M, range: 50 * M, want: 0 },
  // changes()
  { name: "changes: empty window", fn: changes, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 5 * M, want: null },
  { name: "changes /foo [6m]", fn: changes, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 6 * M, want: 0 },
  { name: "changes /foo [20m]", fn: changes, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 20 * M, want: 2 },
  { name: "changes /foo [30m]", fn: changes, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 30 * M, want: 3 },
  { name: "changes /foo [50m]", fn: changes, series: resetsFoo, interval: 5 * M, at: 50 * M, range: 50 * M, want: 7 },
  { name: "changes /bar [30m]", fn: changes, series: resetsBar, interval: 5 * M, at: 50 * M, range: 30 * M, want: 4 },
  { name: "changes /bar [50m]", fn: changes, series: resetsBar, interval: 5 * M, at: 50 * M, range: 50 * M, want: 8 },
  { name: "changes /biz [50m]", fn: changes, series: resetsBiz, interval: 5 * M, at: 50 * M, range: 50 * M, want: 1 },
  { name: "changes: NaN to NaN is no change", fn: changes, series: "NaN NaN NaN", interval: 5 * M, at: 15 * M, range: 20 * M, want: 0 },
  { name: "changes: number to NaN and back", fn: changes, series: "0 NaN 0", interval: 5 * M, at: 15 * M, range: 20 * M, want: 2 },
  // increase()
  { name: "increase /foo [50m]", fn: increase, series: "0+10x10", interval: 5 * M, at: 50 * M, range: 50 * M, want: 100 },
  { name: "increase /bar [50m], reset", fn: increase, series: "0+18x5 0+18x5", interval: 5 * M, at: 50 * M, range: 50 * M, want: 160 },
  { name: "increase /dings [50m]", fn: increase, series: "10+10x10", interval: 5 * M, at: 50 * M, range: 50 * M, want: 100 },
  { name: "increase /bumms [50m]", fn: increase, series: "1+10x10", interval: 5 * M, at: 50 * M, range: 50 * M, want: 100 },
  { name: "increase /foo [100m]: starts at 0, no extrapolation", fn: increase, series: "0+10x10", interval: 5 * M, at: 50 * M, range: 100 * M, want: 100 },
  { name: "increase /bar [100m]", fn: increase, series: "0+18x5 0+18x5", interval: 5 * M, at: 50 * M, range: 100 * M, want: 162 },
  { name: "increase /dings [100m]: half interval", fn: increase, series: "10+10x10", interval: 5 * M, at: 50 * M, range: 100 * M, want: 105 },
  { name: "increase /bumms [100m]: capped at zero", fn: increase, series: "1+10x10", interval: 5 * M, at: 50 * M, range: 100 * M, want: 101 },
  { name: "increase: 3 2 is a reset to 0", fn: increase, series: "0 1 2 3 2 3 4", interval: 5 * M, at: 30 * M, range: 30 * M, want: 7 },
  // rate()
  { name: "rate: reset in the middle", fn: rate, series: "0+27x4 0+27x5", interval: 5 * M, at: 50 * M, range: 50 * M, want: 0.08 },
  { name: "rate: one sample, no output", fn: rate, series: "0+10x9 0 10", interval: 5 * M, at: 50 * M, range: 5 * M, want: null },
  { name: "rate: reset at the end", fn: rate, series: "0+10x9 0 10", interval: 5 * M, at: 50 * M, range: 6 * M, want: 0 },
  { name: "rate per second", fn: rate, series: "0+80x10", interval: 5 * M, at: 50 * M, range: 50 * M, want: 0.26666666666666666 },
  { name: "rate with offset, a", fn: rate, series: "0+10x10", interval: 5 * M, at: 50 * M, range: 10 * M, offset: 5 * M, want: 0.03333333333333333 },
  { name: "rate with offset, b", fn: rate, series: "0+20x10", interval: 5 * M, at: 50 * M, range: 10 * M, offset: 5 * M, want: 0.06666666666666667 },
  ...[0.5, 0.55, 0.6, 0.6, 0.6, 0.6].map((want, k) => ({
    name: `rate zero cutoff, start=${k}m at 10m`,
    fn: rate,
    series: zeroCutoff(60 * k),
    interval: 4 * M,
    at: 10 * M,
    range: 20 * M,
    want,
  })),
  ...[0, 1, 2, 3, 4, 5].map((k) => ({
    name: `rate zero cutoff, start=${k}m at 50m`,
    fn: rate,
    series: zeroCutoff(60 * k),
    interval: 4 * M,
    at: 50 * M,
    range: 20 * M,
    want: 0.6,
  })),
  // Hand-computed: samples 10@10m, 20@20m in (0, 30m]: raw 10, avg interval
  // 600s; start gap 600s < 660s and end gap 600s < 660s extrapolate fully, but
  // the zero point is 600s * 10/10 = 600s before the first sample: 10 * 1800/600.
  { name: "increase: extrapolated to both ends (hand)", fn: increase, series: "_ 10 20", interval: 10 * M, at: 30 * M, range: 30 * M, want: 30, exact: true },
  // Hand-computed: the counter is at 100 at the first sample, so the zero point
  // is far away; the start gap 1200s >= 1.1 * 300s gives half an interval: 150s.
  { name: "increase: gap over 1.1 intervals gives half an interval (hand)", fn: increase, series: "_ _ _ 100 110 120", interval: 5 * M, at: 25 * M, range: 30 * M, want: 20 * (750 / 600), exact: true },
  // Hand-computed: a gauge going down is extrapolated below zero (no cap).
  { name: "delta: gauges are not capped at zero (hand)", fn: delta, series: "_ 10 0", interval: 10 * M, at: 30 * M, range: 30 * M, want: -30, exact: true },
  // Hand-computed: a NaN in the middle is no reset and drops out of last - first;
  // start gap 300s is extrapolated fully (the zero point is 300s away too).
  { name: "rate: a NaN in the middle is ignored (hand)", fn: rate, series: "1 NaN 3", interval: 5 * M, at: 10 * M, range: 15 * M, want: 2 * (1.5 / 900), exact: true },
  { name: "rate: a NaN at the end gives NaN", fn: rate, series: "1 2 NaN", interval: 5 * M, at: 10 * M, range: 15 * M, want: NaN },
  // delta()
  { name: "delta up", fn: delta, series: "0 50 100 150 200", interval: 5 * M, at: 20 * M, range: 20 * M, want: 200 },
  { name: "delta down", fn: delta, series: "200 150 100 50 0", interval: 5 * M, at: 20 * M, range: 20 * M, want: -200 },
  // irate() and idelta()
  { name: "irate", fn: irate, series: "0+10x10", interval: 5 * M, at: 50 * M, range: 50 * M, want: 0.03333333333333333 },
  { name: "irate with a reset earlier", fn: irate, series: "0+10x5 0+10x5", interval: 5 * M, at: 50 * M, range: 50 * M, want: 0.03333333333333333 },
  { name: "irate at a reset uses the last value", fn: irate, series: "0+10x5 0+10x5", interval: 5 * M, at: 30 * M, range: 50 * M, want: 0 },
  { name: "irate: one sample", fn: irate, series: "1 NaN NaN 5 11", interval: 5 * M, at: 0, range: 15 * M + S, want: null },
  { name: "irate: NaN last", fn: irate, series: "1 NaN NaN 5 11", interval: 5 * M, at: 5 * M, range: 15 * M + S, want: NaN },
  { name: "irate: NaN before", fn: irate, series: "1 NaN NaN 5 11", interval: 5 * M, at: 15 * M, range: 15 * M + S, want: NaN },
  { name: "irate: after NaNs", fn: irate, series: "1 NaN NaN 5 11", interval: 5 * M, at: 20 * M, range: 15 * M + S, want: 0.02 },
  { name: "idelta up", fn: idelta, series: "0 50 100 150", interval: 5 * M, at: 20 * M, range: 20 * M, want: 50 },
  { name: "idelta down", fn: idelta, series: "0 50 100 50", interval: 5 * M, at: 20 * M, range: 20 * M, want: -50 },
  { name: "idelta: NaN", fn: idelta, series: "1 NaN NaN 5 11", interval: 5 * M, at: 10 * M, range: 15 * M + S, want: NaN },
  { name: "idelta: after NaNs", fn: idelta, series: "1 NaN NaN 5 11", interval: 5 * M, at: 20 * M, range: 15 * M + S, want: 6 },
  // deriv()
  { name: "deriv equals rate on a line", fn: deriv, series: "0+80x10", interval: 5 * M, at: 50 * M, range: 50 * M, want: 0.26666666666666666 },
  { name: "deriv across a reset", fn: deriv, series: reset5m, interval: 5 * M, at: 50 * M, range: 100 * M, want: 0.010606060606060607 },
  { name: "deriv with ±Inf is NaN", fn: deriv, series: "-Inf 0+80x10 Inf", interval: 5 * M, at: 100 * M, range: 100 * M, want: NaN },
  { name: "deriv: one sample", fn: deriv, series: "1 2", interval: 5 * M, at: 0, range: 5 * M, want: null },
  { name: "deriv: constant series is 0 (hand)", fn: deriv, series: "3 3 3", interval: 5 * M, at: 10 * M, range: 15 * M, want: 0, exact: true },
  { name: "deriv: constant Inf is NaN (hand)", fn: deriv, series: "Inf Inf", interval: 5 * M, at: 5 * M, range: 15 * M, want: NaN },
  // predict_linear()
  { name: "predict_linear 1h", fn: (w) => predictLinear(w, 3600, 50 * M), series: reset5m, interval: 5 * M, at: 50 * M, range: 50 * M, want: 70 },
  { name: "predict_linear @ 3000 at 50m", fn: (w) => predictLinear(w, 3600, 50 * M), series: reset5m, interval: 5 * M, at: 3000 * S, range: 55 * M, want: 76.81818181818181 },
  { name: "predict_linear @ 3000 at 10m", fn: (w) => predictLinear(w, 3600, 10 * M), series: reset5m, interval: 5 * M, at: 3000 * S, range: 55 * M, want: 51.36363636363637 },
  { name: "predict_linear @ 3000 at 70m", fn: (w) => predictLinear(w, 3600, 70 * M), series: reset5m, interval: 5 * M, at: 3000 * S, range: 55 * M, want: 89.54545454545455 },
  { name: "predict_linear with ±Inf is NaN", fn: (w) => predictLinear(w, 6000, 100 * M), series: "-Inf 0+80x10 Inf", interval: 5 * M, at: 100 * M, range: 100 * M, want: NaN },
  { name: "predict_linear equals last + deriv * t on a line", fn: (w) => predictLinear(w, 3600, 50 * M), series: "0+80x10", interval: 5 * M, at: 50 * M, range: 50 * M, want: 800 + (80 / 300) * 3600 },
  // double_exponential_smoothing()
  ...[
    ["0+10x1000 100+30x1000", 8000],
    ["0+20x1000 200+30x1000", 16000],
    ["0+30x1000 300+80x1000", 24000],
    ["0+40x2000", 32000],
    ["8000-10x1000", 0],
    ["0-20x1000", -16000],
    ["0+30x1000 300-80x1000", 24000],
    ["0-40x1000 0+40x1000", -32000],
  ].map(([series, want]) => ({
    name: `double_exponential_smoothing ${series as string}`,
    fn: (w: RangeWindow) => doubleExponentialSmoothing(w, 0.01, 0.1),
    series: series as string,
    interval: 10 * S,
    at: 8000 * S,
    range: M,
    want: want as number,
  })),
  ...[
    ["0+10x1000 100+30x1000", 30100],
    ["0+20x1000 200+30x1000", 30200],
    ["0+30x1000 300+80x1000", 80300],
    ["0+40x2000", 80000],
  ].map(([series, want]) => ({
    name: `double_exponential_smoothing at 20010s ${series as string}`,
    fn: (w: RangeWindow) => doubleExponentialSmoothing(w, 0.01, 0.1),
    series: series as string,
    interval: 10 * S,
    at: 20010 * S,
    range: M,
    want: want as number,
  })),
  { name: "double_exponential_smoothing: one sample", fn: (w) => doubleExponentialSmoothing(w, 0.5, 0.5), series: "1 2", interval: 10 * S, at: 0, range: M, want: null },
  // avg_over_time() and sum_over_time()
  { name: "avg_over_time: empty", fn: avgOverTime, series: "1 2 3 4 5", interval: 10 * S, at: 55 * S, range: 10 * S, want: null },
  { name: "avg_over_time: one sample", fn: avgOverTime, series: "1 2 3 4 5", interval: 10 * S, at: 55 * S, range: 20 * S, want: 5 },
  { name: "avg_over_time: all", fn: avgOverTime, series: "1 2 3 4 5", interval: 10 * S, at: 55 * S, range: M, want: 3, exact: true },
  ...(
    [
      ["1 2 3 4 Inf", Infinity, Infinity],
      ["1 2 3 4 -Inf", -Infinity, -Infinity],
      ["1 2 3 Inf -Inf", NaN, NaN],
      ["Inf 0 Inf", Infinity, Infinity],
      ["Inf Inf Inf -Inf", NaN, NaN],
      ["1 2 3 -Inf -Inf", -Infinity, -Infinity],
      ["-Inf 0 -Inf", -Infinity, -Infinity],
      ["-Inf -Inf -Inf Inf", NaN, NaN],
      ["1 2 -Inf -Inf Inf", NaN, NaN],
      ["9.988465674311579e+307 9.988465674311579e+307", 9.988465674311579e307, Infinity],
      ["-9.988465674311579e+307 -9.988465674311579e+307 -9.988465674311579e+307", -9.988465674311579e307, -Infinity],
      ["-9.988465674311579e+307 9.988465674311579e+307", 0, 0],
      ["1 2 3 NaN NaN", NaN, NaN],
    ] as const
  ).flatMap(([series, avg, sumOverCount]) => [
    { name: `avg_over_time ${series}`, fn: avgOverTime, series, interval: 10 * S, at: 55 * S, range: M, want: avg },
    {
      name: `sum_over_time/count_over_time ${series}`,
      fn: (w: RangeWindow) => sumOverTime(w)! / countOverTime(w)!,
      series,
      interval: 10 * S,
      at: 55 * S,
      range: M,
      want: sumOverCount,
    },
  ]),
  { name: "avg_over_time: NaN not yet in range", fn: avgOverTime, series: "1 2 3 NaN NaN", interval: 10 * S, at: 20 * S, range: M, want: 2 },
  { name: "avg_over_time: NaN in range", fn: avgOverTime, series: "1 2 3 NaN NaN", interval: 10 * S, at: 30 * S, range: M, want: NaN },
  { name: "sum_over_time: Kahan keeps 1 + 1e100 + 1 - 1e100", fn: sumOverTime, series: "1 1e100 1 -1e100", interval: 10 * S, at: M, range: 2 * M, want: 2, exact: true },
  { name: "avg_over_time: Kahan keeps 1 + 1e100 + 1 - 1e100", fn: avgOverTime, series: "1 1e100 1 -1e100", interval: 10 * S, at: M, range: 2 * M, want: 0.5, exact: true },
  ...(
    [
      ["1e10 1e-6 1e-6 1e-6 1e-6 1e-6", 1.6666666666666675e9],
      ["5.30921651659898 0.961118537914768 1.62091361305318 0.865089463758091 0.323055185914577 0.951811357687154", 1.67186744582113],
      ["1.78264e50 0.76342771 1.9592258 7.69805412 458.90154", 3.56528e49],
      ["0.76342771 1.9592258 7.69805412 1.78264e50 458.90154", 3.56528e49],
      ["1.78264E+50 0.76342771 1.9592258 2.258E+220 7.69805412 458.90154", 3.76333333333333e219],
      ["-1.78264E+50 0.76342771 1.9592258 2.258E+220 7.69805412 -458.90154", 3.76333333333333e219],
      ["-1.78264E+50 0.76342771 1.9592258 -2.258E+220 7.69805412 -458.90154", -3.76333333333333e219],
      ["-1.78264E+215 0.76342771 1.9592258 2.258E+220 7.69805412 -458.90154", 3.76330362266667e219],
      ["-1.78264E+215 0.76342771 1.9592258 2.258E+220 7.69805412 1.78264E+215 -458.90154", 3.225714285714286e219],
      ["-1.78264E+219 0.76342771 1.9592258 2.3757689E+217 -2.3757689E+217 2.258E+220 7.69805412 1.78264E+219 -458.90154", 2.5088888888888888e219],
    ] as const
  ).map(([series, want]) => ({ name: `avg_over_time extreme values ${series}`, fn: avgOverTime, series, interval: 5 * S, at: 55 * S, range: M, want })),
  {
    name: "avg_over_time: Kahan gives exactly 0 where the true mean is -44.8",
    fn: avgOverTime,
    series: "-2.258E+220 -1.78264E+219 0.76342771 1.9592258 2.3757689E+217 -2.3757689E+217 2.258E+220 7.69805412 1.78264E+219 -458.90154",
    interval: 5 * S,
    at: 55 * S,
    range: M,
    want: 0,
    exact: true,
  },
  ...[100, 110, 120, 130].map((r) => ({ name: `avg_over_time(foo[${r}s]) == 52 exactly`, fn: avgOverTime, series: "52+0x100", interval: 10 * S, at: 10 * M, range: r * S, want: 52, exact: true })),
  ...[1000, 1001, 1002, 1003, 2000, 2001, 2002, 2003, 3000, 3001, 3002, 3003].map((r) => ({
    name: `sum_over_time dense [${r}ms]`,
    fn: sumOverTime,
    series: "1+0x4000",
    interval: 1,
    at: 4 * S,
    range: r,
    want: r,
    exact: true,
  })),
  { name: "sum_over_time: empty", fn: sumOverTime, series: "1", interval: 10 * S, at: 55 * S, range: 10 * S, want: null },
  // stddev_over_time() and stdvar_over_time()
  { name: "stdvar_over_time", fn: stdvarOverTime, series: "0 8 8 2 3", interval: 10 * S, at: M, range: 2 * M, want: 10.56 },
  { name: "stddev_over_time", fn: stddevOverTime, series: "0 8 8 2 3", interval: 10 * S, at: M, range: 2 * M, want: 3.249615 },
  { name: "stdvar_over_time of equal values is exactly 0", fn: stdvarOverTime, series: "1.5990505637277868 1.5990505637277868 1.5990505637277868", interval: 10 * S, at: 55 * S, range: M, want: 0, exact: true },
  { name: "stddev_over_time of equal values is exactly 0", fn: stddevOverTime, series: "1.5990505637277868 1.5990505637277868 1.5990505637277868", interval: 10 * S, at: 55 * S, range: M, want: 0, exact: true },
  { name: "stddev_over_time: one sample is 0", fn: stddevOverTime, series: "7", interval: 10 * S, at: 0, range: M, want: 0, exact: true },
  { name: "stddev_over_time: empty", fn: stddevOverTime, series: "7", interval: 10 * S, at: 30 * S, range: 10 * S, want: null },
  // mad_over_time()
  { name: "mad_over_time", fn: madOverTime, series: "4 6 2 1 999 1 2", interval: 10 * S, at: 70 * S, range: 70 * S, want: 1 },
  { name: "mad_over_time odd", fn: madOverTime, series: "1 2 3 4 5", interval: 10 * S, at: 40 * S, range: 50 * S, want: 1 },
  { name: "mad_over_time equal", fn: madOverTime, series: "7 7 7 7 7", interval: 10 * S, at: 40 * S, range: 50 * S, want: 0 },
  { name: "mad_over_time single", fn: madOverTime, series: "5", interval: 10 * S, at: 0, range: 10 * S, want: 0 },
  { name: "mad_over_time NaN", fn: madOverTime, series: "1 2 NaN 4", interval: 10 * S, at: 30 * S, range: 40 * S, want: NaN },
  // ts_of_*_over_time()
  { name: "ts_of_min_over_time", fn: tsOfMinOverTime, series: "1 2 3 0 5 6 2 1 4", interval: 10053, at: 90 * S, range: 90 * S, want: 30.159, exact: true },
  { name: "ts_of_max_over_time", fn: tsOfMaxOverTime, series: "1 2 3 0 5 6 2 1 4", interval: 10053, at: 90 * S, range: 90 * S, want: 50.265, exact: true },
  { name: "ts_of_max_over_time: latest of equal maxima (hand)", fn: tsOfMaxOverTime, series: "1 3 2 3 0", interval: 10 * S, at: 40 * S, range: M, want: 30, exact: true },
  { name: "ts_of_min_over_time: latest of equal minima (hand)", fn: tsOfMinOverTime, series: "1 0 2 0 3", interval: 10 * S, at: 40 * S, range: M, want: 30, exact: true },
  { name: "ts_of_max_over_time: leading NaN skipped (hand)", fn: tsOfMaxOverTime, series: "NaN 1 0", interval: 10 * S, at: 20 * S, range: M, want: 10, exact: true },
  { name: "ts_of_last_over_time", fn: tsOfLastOverTime, series: "1 2 3 _ _", interval: 10053, at: 90 * S, range: 90 * S, want: 20.106, exact: true },
  { name: "ts_of_last_over_time later", fn: tsOfLastOverTime, series: "1 2 3 _ _", interval: 10053, at: 95 * S, range: 90 * S, want: 20.106, exact: true },
  { name: "ts_of_first_over_time", fn: tsOfFirstOverTime, series: "_ _ 1 2 3 _ _", interval: 10053, at: 90 * S, range: 90 * S, want: 20.106, exact: true },
  { name: "ts_of_first_over_time: empty", fn: tsOfFirstOverTime, series: "_ _ 1 2 3 _ _", interval: 10053, at: 15 * S, range: 90 * S, want: null },
  // quantile_over_time()
  ...(
    [
      [0, [0, 0, 0]],
      [0.5, [0.5, 1, 1]],
      [0.75, [0.75, 1.5, 2.5]],
      [0.8, [0.8, 1.6, 2.8]],
      [1, [1, 2, 4]],
      [-1, [-Infinity, -Infinity, -Infinity]],
      [2, [Infinity, Infinity, Infinity]],
    ] as const
  ).flatMap(([q, wants]) =>
    ["0 1", "0 1 2", "0 1 4"].map((series, k) => ({
      name: `quantile_over_time(${q}) ${series}`,
      fn: (w: RangeWindow) => quantileOverTime(w, q),
      series,
      interval: 10 * S,
      at: M,
      range: 2 * M,
      want: wants[k]!,
    })),
  ),
  { name: "quantile_over_time: NaN q", fn: (w) => quantileOverTime(w, NaN), series: "0 1", interval: 10 * S, at: M, range: 2 * M, want: NaN },
  { name: "quantile_over_time: NaN sorts first (hand)", fn: (w) => quantileOverTime(w, 0), series: "3 NaN 1", interval: 10 * S, at: M, range: 2 * M, want: NaN },
  { name: "quantile_over_time: NaN sorts first, max is a number (hand)", fn: (w) => quantileOverTime(w, 1), series: "3 NaN 1", interval: 10 * S, at: M, range: 2 * M, want: 3 },
  { name: "quantile_over_time: empty", fn: (w) => quantileOverTime(w, 0.5), series: "1", interval: 10 * S, at: M, range: 10 * S, want: null },
  // min/max/first/last/count/present
  ...(
    [
      ["2 0 3", 0, 3, 2, 3],
      ["2 0 NaN", 0, 2, 2, NaN],
      ["2 NaN 1", 1, 2, 2, 1],
      ["NaN 0 1", 0, 1, NaN, 1],
      ["NaN NaN NaN", NaN, NaN, NaN, NaN],
      ["_ 5 2 _ 4 _", 2, 5, 5, 4],
    ] as const
  ).flatMap(([series, min, max, first, last]) => [
    { name: `min_over_time ${series}`, fn: minOverTime, series, interval: 10 * S, at: M, range: 2 * M, want: min },
    { name: `max_over_time ${series}`, fn: maxOverTime, series, interval: 10 * S, at: M, range: 2 * M, want: max },
    { name: `first_over_time ${series}`, fn: firstOverTime, series, interval: 10 * S, at: M, range: 2 * M, want: first },
    { name: `last_over_time ${series}`, fn: lastOverTime, series, interval: 10 * S, at: M, range: 2 * M, want: last },
  ]),
  { name: "count_over_time", fn: countOverTime, series: "_ 5 2 _ 4 _", interval: 10 * S, at: M, range: 2 * M, want: 3 },
  { name: "count_over_time: empty", fn: countOverTime, series: "1", interval: 10 * S, at: M, range: 10 * S, want: null },
  { name: "min_over_time: empty", fn: minOverTime, series: "1", interval: 10 * S, at: M, range: 10 * S, want: null },
  { name: "last_over_time: empty", fn: lastOverTime, series: "1", interval: 10 * S, at: M, range: 10 * S, want: null },
  { name: "present_over_time", fn: presentOverTime, series: "1+1x10", interval: M, at: 5 * M, range: 5 * M, want: 1 },
  { name: "present_over_time: left-open window is empty", fn: presentOverTime, series: "1", interval: M, at: M, range: 30 * S, want: null },
];

for (const c of cases) {
  test(c.name, () => {
    const w = window(c.series, c.interval, c.at, c.range, c.offset ?? 0);
    const got = c.fn(w);
    if (c.exact) assert.ok(Object.is(got, c.want), `got ${got}, want ${c.want}`);
    else assertClose(got, c.want, c.name);
  });
}

const badFactors: { name: string; sf: number; tf: number; message: string }[] = [
  { name: "sf = 0", sf: 0, tf: 0.5, message: "invalid smoothing factor. Expected: 0 < sf < 1, got: 0.000000" },
  { name: "sf = 1", sf: 1, tf: 0.5, message: "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000" },
  { name: "tf < 0", sf: 0.5, tf: -0.25, message: "invalid trend factor. Expected: 0 < tf < 1, got: -0.250000" },
  { name: "tf = +Inf", sf: 0.5, tf: Infinity, message: "invalid trend factor. Expected: 0 < tf < 1, got: +Inf" },
];
for (const c of badFactors) {
  test(`double_exponential_smoothing rejects ${c.name}, even with one sample`, () => {
    const w = window("1", 10 * S, 0, M);
    assert.throws(
      () => doubleExponentialSmoothing(w, c.sf, c.tf),
      (e: unknown) => e instanceof InvalidSmoothingFactorError && e.message === c.message,
    );
  });
}

test("double_exponential_smoothing: NaN factors pass the check, as upstream", () => {
  const w = window("1 2 3", 10 * S, 20 * S, M);
  assert.ok(Number.isNaN(doubleExponentialSmoothing(w, NaN, 0.5)));
});

test("double_exponential_smoothing: hand-computed three samples", () => {
  // s1 = 1, b = 1; i=1: s1 = 0.5*2 + 0.5*(1+1) = 2;
  // i=2: b = 0.5*(2-1) + 0.5*1 = 1, s1 = 0.5*4 + 0.5*(2+1) = 3.5.
  const w = window("1 2 4", 10 * S, 20 * S, M);
  assert.equal(doubleExponentialSmoothing(w, 0.5, 0.5), 3.5);
});

test("rate divides by the range as Go's Duration.Seconds()", () => {
  // 1001ms range: Go computes 1 + 1e6/1e9 rather than 1001/1000.
  const w: RangeWindow = { ts: Float64Array.of(1, 1001), fs: Float64Array.of(0, 1), from: 0, to: 2, rangeStart: 0, rangeEnd: 1001 };
  const factor = (1 + 0.001 + 0) / 1; // gaps: start 0.001s < 1.1s, end 0
  assert.equal(extrapolatedRate(w, false, true), 1 * (factor / (1 + 1e6 / 1e9)));
});

test("quantile_over_time does not reorder the window", () => {
  const w = window("3 1 2", 10 * S, 20 * S, M);
  quantileOverTime(w, 0.5);
  madOverTime(w);
  assert.deepEqual(Array.from(w.fs.subarray(w.from, w.to)), [3, 1, 2]);
});
