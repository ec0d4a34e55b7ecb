import { test } from "node:test";
import assert from "node:assert/strict";
import { bucketQuantile, histogramFraction, quantile } from "./index.ts";

// Classic-histogram expectations come from Prometheus's
// promql/promqltest/testdata/histograms.test (reference copy in
// /work/shared/reference/promql-tests), read at 50m where each bucket of
// "0+kx10" counts 10 * k; hand-computed rows say so.

type Buckets = [bound: number, count: number][];

function split(b: Buckets): { bounds: Float64Array; counts: Float64Array } {
  return { bounds: Float64Array.from(b, (x) => x[0]), counts: Float64Array.from(b, (x) => x[1]) };
}

function close(got: number, want: number, msg: string): void {
  if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `${msg}: got ${got}, want NaN`);
  else if (!Number.isFinite(want) || want === 0) assert.equal(got, want, msg);
  else assert.ok(Math.abs(got - want) / Math.abs(want) < 1e-12, `${msg}: got ${got}, want ${want}`);
}

const positive3: Buckets = [
  [0, 0],
  [0.1, 50],
  [0.2, 70],
  [1, 110],
  [Infinity, 110],
];
const negative3: Buckets = [
  [-0.25, 0],
  [-0.2, 10],
  [-0.1, 20],
  [0.3, 20],
  [Infinity, 20],
];
// Given out of order on purpose (le="0.1" before le="1" lexically, etc.).
const nonmonotonic: Buckets = [
  [Infinity, 80],
  [0.1, 20],
  [1000, 90],
  [1, 10],
  [100, 40],
  [10, 50],
];
// le="0.2", "2e-1" and "2.0e-1" are one bucket once parsed.
const mixed: Buckets = [
  [0.1, 10],
  [0.2, 10],
  [0.2, 10],
  [0.2, 10],
  [Infinity, 40],
];

interface QuantileCase {
  name: string;
  q: number;
  buckets: Buckets;
  want: number;
  forced?: boolean;
  fixed?: boolean;
}

const quantileCases: QuantileCase[] = [
  { name: "q=0 positive", q: 0, buckets: positive3, want: 0 },
  { name: "q=0 negative: lowest bound <= 0 is returned", q: 0, buckets: negative3, want: -0.25 },
  { name: "q=0.25 positive", q: 0.25, buckets: positive3, want: 0.055 },
  { name: "q=0.25 negative", q: 0.25, buckets: negative3, want: -0.225 },
  { name: "q=0.5 positive", q: 0.5, buckets: positive3, want: 0.125 },
  { name: "q=0.5 negative", q: 0.5, buckets: negative3, want: -0.2 },
  { name: "q=0.75 positive", q: 0.75, buckets: positive3, want: 0.45 },
  { name: "q=0.75 negative", q: 0.75, buckets: negative3, want: -0.15 },
  { name: "q=1 positive", q: 1, buckets: positive3, want: 1 },
  { name: "q=1 negative", q: 1, buckets: negative3, want: -0.1 },
  { name: "q<0 is -Inf", q: -0.1, buckets: positive3, want: -Infinity },
  { name: "q>1 is +Inf", q: 1.1, buckets: positive3, want: Infinity },
  { name: "q NaN is NaN", q: NaN, buckets: positive3, want: NaN },
  { name: "nonmonotonic q=0.01", q: 0.01, buckets: nonmonotonic, want: 0.0045, forced: true },
  { name: "nonmonotonic q=0.5", q: 0.5, buckets: nonmonotonic, want: 8.5, forced: true },
  { name: "nonmonotonic q=0.99", q: 0.99, buckets: nonmonotonic, want: 979.75, forced: true },
  { name: "equal bounds are merged, q=0.5", q: 0.5, buckets: mixed, want: 0.15 },
  { name: "equal bounds are merged, q=0.75", q: 0.75, buckets: mixed, want: 0.2 },
  { name: "equal bounds are merged, q=1", q: 1, buckets: mixed, want: 0.2 },
  { name: "only +Inf buckets: fewer than two after merging", q: 0.5, buckets: [[Infinity, 0], [Infinity, 0]], want: NaN },
  { name: "no observations", q: 0.2, buckets: [[0.1, 0], [0.2, 0], [Infinity, 0]], want: NaN },
  { name: "no +Inf bucket (hand)", q: 0.5, buckets: [[1, 1], [2, 2]], want: NaN },
  { name: "no buckets (hand)", q: 0.5, buckets: [], want: NaN },
  { name: "rank in the +Inf bucket gives the second-highest bound (hand)", q: 0.9, buckets: [[1, 1], [2, 2], [Infinity, 10]], want: 2 },
  // Hand-computed: 100 and 100 + 1e-11 differ by a relative 5e-14 < 1e-12, so the
  // second count is taken as 100 (fixedPrecision), not as a real increase.
  { name: "tiny deltas are ignored (hand)", q: 1, buckets: [[1, 100], [2, 100 + 1e-11], [Infinity, 100]], want: 1, fixed: true },
  // Hand-computed: a tiny decrease is also absorbed without forcing monotonicity.
  { name: "tiny decreases are absorbed too (hand)", q: 0.5, buckets: [[1, 10], [2, 10 - 1e-12], [Infinity, 20]], want: 1, fixed: true },
];

for (const c of quantileCases) {
  test(`bucketQuantile: ${c.name}`, () => {
    const { bounds, counts } = split(c.buckets);
    const before = Array.from(counts);
    const r = bucketQuantile(c.q, bounds, counts, c.buckets.length);
    close(r.value, c.want, c.name);
    assert.equal(r.forcedMonotonicity, c.forced ?? false, "forcedMonotonicity");
    assert.equal(r.fixedPrecision, c.fixed ?? false, "fixedPrecision");
    assert.deepEqual(Array.from(counts), before, "inputs are not modified");
  });
}

test("bucketQuantile reports the range and size of forced corrections", () => {
  const { bounds, counts } = split(nonmonotonic);
  const r = bucketQuantile(0.5, bounds, counts, nonmonotonic.length);
  // Sorted counts 20 10 50 40 90 80 at 0.1 1 10 100 1000 +Inf: raised at 1, 100 and +Inf by 10.
  assert.deepEqual(
    { minBucket: r.minBucket, maxBucket: r.maxBucket, maxDiff: r.maxDiff },
    { minBucket: 1, maxBucket: Infinity, maxDiff: 10 },
  );
});

test("bucketQuantile reports zeros on early exits and an empty range when nothing was forced", () => {
  const { bounds, counts } = split(positive3);
  const early = bucketQuantile(-1, bounds, counts, positive3.length);
  assert.deepEqual([early.minBucket, early.maxBucket, early.maxDiff], [0, 0, 0]);
  const clean = bucketQuantile(0.5, bounds, counts, positive3.length);
  assert.deepEqual([clean.minBucket, clean.maxBucket, clean.maxDiff], [Infinity, -Infinity, 0]);
});

test("bucketQuantile grows its scratch for many buckets", () => {
  const n = 1000;
  const bounds = new Float64Array(n);
  const counts = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) {
    bounds[i] = n - 1 - i; // descending order
    counts[i] = n - 1 - i;
  }
  bounds[n - 1] = Infinity;
  counts[n - 1] = n - 1;
  // Buckets le=k count k: uniform on (0, 999], so the median is 499.5.
  assert.equal(bucketQuantile(0.5, bounds, counts, n).value, 499.5);
});

interface FractionCase {
  name: string;
  lower: number;
  upper: number;
  buckets: Buckets;
  want: number;
}

const lowHigh: Buckets = [
  [1, 1],
  [2, 3],
  [3, 6],
  [Infinity, 100],
];
const negatives: Buckets = [
  [-3, 10],
  [-2, 12],
  [-1, 15],
  [Infinity, 100],
];
const histogram2: Buckets = [
  [0, 0],
  [2, 10],
  [4, 20],
  [6, 30],
  [Infinity, 30],
];

const fractionCases: FractionCase[] = [
  { name: "0..4 of testhistogram2", lower: 0, upper: 4, buckets: histogram2, want: 0.6666666666666666 },
  { name: "0..6 of testhistogram2", lower: 0, upper: 6, buckets: histogram2, want: 1 },
  { name: "0..3.5 of testhistogram2", lower: 0, upper: 3.5, buckets: histogram2, want: 0.5833333333333334 },
  { name: "0..0.2 positive", lower: 0, upper: 0.2, buckets: positive3, want: 0.6363636363636364 },
  { name: "0..0.2 negative", lower: 0, upper: 0.2, buckets: negative3, want: 0 },
  { name: "lower in the first positive bucket", lower: 0, upper: 1.5, buckets: lowHigh, want: 0.02 },
  { name: "lower in the first negative bucket", lower: -4, upper: -2, buckets: negatives, want: 0.02 },
  { name: "lower is -Inf", lower: -Infinity, upper: -1.5, buckets: negatives, want: 0.135 },
  { name: "-Inf..+Inf positive", lower: -Infinity, upper: Infinity, buckets: lowHigh, want: 1 },
  { name: "-Inf..+Inf negative", lower: -Infinity, upper: Infinity, buckets: negatives, want: 1 },
  { name: "both in the last positive bucket", lower: 4, upper: 5, buckets: lowHigh, want: 0 },
  { name: "both in the last negative bucket", lower: 0, upper: 1, buckets: negatives, want: 0 },
  { name: "upper in the last bucket", lower: 2, upper: 5, buckets: lowHigh, want: 0.03 },
  { name: "upper is +Inf", lower: 400, upper: Infinity, buckets: lowHigh, want: 0.94 },
  { name: "lower equals upper", lower: 2, upper: 2, buckets: lowHigh, want: 0 },
  { name: "lower greater than upper", lower: 3, upper: 2, buckets: lowHigh, want: 0 },
  { name: "single +Inf bucket", lower: 0, upper: 1, buckets: [[Infinity, 100]], want: 0 },
  { name: "all counts zero", lower: 0, upper: 5, buckets: [[1, 0], [2, 0], [3, 0], [Infinity, 0]], want: NaN },
  { name: "lower on a boundary", lower: 2, upper: 3.5, buckets: lowHigh, want: 0.03 },
  { name: "upper on a boundary", lower: 0.5, upper: 2, buckets: lowHigh, want: 0.025 },
  { name: "both on boundaries", lower: 1, upper: 3, buckets: lowHigh, want: 0.05 },
  { name: "fractional bounds", lower: 0.1, upper: 0.75, buckets: [[0.5, 2.5], [1, 7.5], [Infinity, 100]], want: 0.045 },
  { name: "range crosses zero", lower: -1, upper: 1, buckets: [[-2, 5], [-1, 10], [0, 15], [1, 20], [Infinity, 100]], want: 0.1 },
  { name: "lower NaN", lower: NaN, upper: 1, buckets: lowHigh, want: NaN },
  { name: "upper NaN", lower: 0, upper: NaN, buckets: lowHigh, want: NaN },
  { name: "no buckets (hand)", lower: 0, upper: 1, buckets: [], want: NaN },
  { name: "no +Inf bucket (hand)", lower: 0, upper: 1, buckets: [[1, 1], [2, 2]], want: NaN },
  { name: "any order, equal bounds merged (hand)", lower: 0, upper: 0.15, buckets: [[Infinity, 40], [0.2, 10], [0.1, 10], [0.2, 10], [0.2, 10]], want: 0.5 },
];

for (const c of fractionCases) {
  test(`histogramFraction: ${c.name}`, () => {
    const { bounds, counts } = split(c.buckets);
    close(histogramFraction(c.lower, c.upper, bounds, counts, c.buckets.length), c.want, c.name);
  });
}

interface PlainCase {
  name: string;
  q: number;
  values: number[];
  want: number;
}

const plainCases: PlainCase[] = [
  { name: "empty is NaN", q: 0.5, values: [], want: NaN },
  { name: "NaN q is NaN", q: NaN, values: [1, 2], want: NaN },
  { name: "q < 0 is -Inf", q: -0.5, values: [1, 2], want: -Infinity },
  { name: "q > 1 is +Inf", q: 1.5, values: [1, 2], want: Infinity },
  { name: "median of an even count interpolates", q: 0.5, values: [4, 1, 3, 2], want: 2.5 },
  { name: "q=0.8 of 0 1 4", q: 0.8, values: [4, 0, 1], want: 2.8 },
  { name: "single value", q: 0.3, values: [7], want: 7 },
  { name: "NaN sorts first", q: 0, values: [2, NaN, 1], want: NaN },
  { name: "NaN sorts first, top is a number", q: 1, values: [2, NaN, 1], want: 2 },
  // rank 1 has weight 0 for the upper neighbour, but +Inf * 0 is NaN, as in Go.
  { name: "infinities: Inf * 0 weight is NaN", q: 0.5, values: [Infinity, -Infinity, 0], want: NaN },
  { name: "infinities at the ends", q: 0, values: [Infinity, -Infinity, 0], want: -Infinity },
];

for (const c of plainCases) {
  test(`quantile: ${c.name}`, () => {
    const values = new Float64Array(c.values.length + 2).fill(99);
    values.set(c.values);
    close(quantile(c.q, values, c.values.length), c.want, c.name);
    assert.deepEqual(Array.from(values.subarray(c.values.length)), [99, 99], "only values[0..n) is touched");
  });
}
