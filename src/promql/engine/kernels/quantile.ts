// Quantiles: the quantile aggregator and quantile_over_time (quantile), and
// classic-histogram histogram_quantile and histogram_fraction (bucketQuantile,
// histogramFraction), after Prometheus's promql/quantile.go.

/**
 * Relative difference below which adjacent classic bucket counts are taken
 * as equal (floating point noise, e.g. from rate() over many series), as
 * Prometheus's smallDeltaTolerance.
 */
const SMALL_DELTA_TOLERANCE = 1e-12;
/** The smallest positive normal float64, util/almost's minNormal. */
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * The φ-quantile of values[0..n), interpolating linearly between the two
 * nearest ranks (rank = q * (n - 1)), as Prometheus's quantile(). Sorts
 * values[0..n) in place, NaN first (Prometheus's sort order), so a NaN makes
 * low quantiles NaN. n = 0 or q = NaN give NaN, q < 0 gives -Inf, q > 1 +Inf.
 */
export function quantile(q: number, values: Float64Array, n: number): number {
  if (n === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  sortNaNFirst(values, n);
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return values[lowerIndex]! * (1 - weight) + values[upperIndex]! * weight;
}

/** Sorts values[0..n) ascending with all NaNs in front. */
function sortNaNFirst(values: Float64Array, n: number): void {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === v) values[m++] = v;
  }
  values.subarray(0, m).sort();
  if (m < n) {
    values.copyWithin(n - m, 0, m);
    values.fill(NaN, 0, n - m);
  }
}

/**
 * Outcome of bucketQuantile. forcedMonotonicity and fixedPrecision feed the
 * annotations Prometheus emits (histogram_quantile's "input to
 * histogram_quantile needed to be fixed for monotonicity" info); minBucket,
 * maxBucket and maxDiff are the smallest and largest upper bound whose count
 * had to be raised and the largest such raise. As upstream they are 0, 0, 0
 * when the function returned before checking monotonicity, and +Inf, -Inf, 0
 * when it checked and nothing was forced.
 */
export interface BucketQuantileResult {
  value: number;
  forcedMonotonicity: boolean;
  fixedPrecision: boolean;
  minBucket: number;
  maxBucket: number;
  maxDiff: number;
}

// Sorted, coalesced copies of the caller's buckets; grown on demand.
let sortIdx = new Uint32Array(64);
let sortedBounds = new Float64Array(64);
let sortedCounts = new Float64Array(64);
let sortKeys: Float64Array = sortedBounds;
const byUpperBound = (a: number, b: number): number => {
  const x = sortKeys[a]!;
  const y = sortKeys[b]!;
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Copies the n buckets into sortedBounds/sortedCounts ordered by upper bound
 * and merges buckets with equal bounds (adding their counts), as Prometheus's
 * sort plus coalesceBuckets. Returns the number of buckets left.
 */
function sortAndCoalesce(upperBounds: Float64Array, counts: Float64Array, n: number): number {
  if (sortIdx.length < n) {
    const size = Math.max(n, sortIdx.length * 2);
    sortIdx = new Uint32Array(size);
    sortedBounds = new Float64Array(size);
    sortedCounts = new Float64Array(size);
  }
  const idx = sortIdx.subarray(0, n);
  for (let i = 0; i < n; i++) idx[i] = i;
  sortKeys = upperBounds;
  idx.sort(byUpperBound);
  let m = 0;
  let lastBound = upperBounds[idx[0]!]!;
  let lastCount = counts[idx[0]!]!;
  for (let i = 1; i < n; i++) {
    const b = upperBounds[idx[i]!]!;
    const c = counts[idx[i]!]!;
    if (b === lastBound) {
      lastCount += c;
    } else {
      sortedBounds[m] = lastBound;
      sortedCounts[m] = lastCount;
      m++;
      lastBound = b;
      lastCount = c;
    }
  }
  sortedBounds[m] = lastBound;
  sortedCounts[m] = lastCount;
  return m + 1;
}

/** util/almost.Equal: a and b differ by less than epsilon relative to their size. */
function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/**
 * histogram_quantile for one classic histogram: the q-quantile of the n
 * cumulative buckets (upperBounds[i], counts[i]), given in any order. The
 * inputs are not modified. As Prometheus's BucketQuantile:
 * - q NaN gives NaN, q < 0 gives -Inf, q > 1 gives +Inf (before anything else);
 * - NaN if there are no buckets (upstream would panic), if the highest bound
 *   is not +Inf, if fewer than two buckets remain after merging equal bounds,
 *   or if the +Inf bucket counts zero observations;
 * - counts that differ from the previous accepted count by a relative 1e-12
 *   or less are set to it (fixedPrecision), remaining decreases are lifted
 *   to the previous count (forcedMonotonicity);
 * - interpolates linearly inside the bucket holding rank q * total; a lowest
 *   bucket with a positive bound starts at 0, one with a bound <= 0 returns
 *   that bound; a rank in the +Inf bucket returns the second-highest bound.
 * Returns a new object per call.
 */
export function bucketQuantile(q: number, upperBounds: Float64Array, counts: Float64Array, n: number): BucketQuantileResult {
  const res: BucketQuantileResult = {
    value: NaN,
    forcedMonotonicity: false,
    fixedPrecision: false,
    minBucket: 0,
    maxBucket: 0,
    maxDiff: 0,
  };
  if (Number.isNaN(q)) return res;
  if (q < 0) {
    res.value = -Infinity;
    return res;
  }
  if (q > 1) {
    res.value = Infinity;
    return res;
  }
  if (n === 0) return res;
  const m = sortAndCoalesce(upperBounds, counts, n);
  if (sortedBounds[m - 1] !== Infinity) return res;
  ensureMonotonicAndIgnoreSmallDeltas(m, res);
  if (m < 2) return res;
  const observations = sortedCounts[m - 1]!;
  if (observations === 0) return res;

  let rank = q * observations;
  // sort.Search over the finite buckets: the first whose count reaches rank.
  let lo = 0;
  let hi = m - 1;
  while (lo < hi) {
    const h = (lo + hi) >>> 1;
    if (!(sortedCounts[h]! >= rank)) lo = h + 1;
    else hi = h;
  }
  const b = lo;
  if (b === m - 1) {
    res.value = sortedBounds[m - 2]!;
    return res;
  }
  if (b === 0 && sortedBounds[0]! <= 0) {
    res.value = sortedBounds[0]!;
    return res;
  }
  let bucketStart = 0;
  const bucketEnd = sortedBounds[b]!;
  let count = sortedCounts[b]!;
  if (b > 0) {
    bucketStart = sortedBounds[b - 1]!;
    count -= sortedCounts[b - 1]!;
    rank -= sortedCounts[b - 1]!;
  }
  res.value = bucketStart + (bucketEnd - bucketStart) * (rank / count);
  return res;
}

/**
 * Prometheus's ensureMonotonicAndIgnoreSmallDeltas over sortedCounts[0..m):
 * compares each count with the last accepted one (prev is not advanced by a
 * correction) and records what it changed in res.
 */
function ensureMonotonicAndIgnoreSmallDeltas(m: number, res: BucketQuantileResult): void {
  res.minBucket = Infinity;
  res.maxBucket = -Infinity;
  let prev = sortedCounts[0]!;
  for (let i = 1; i < m; i++) {
    const curr = sortedCounts[i]!;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      sortedCounts[i] = prev;
      res.fixedPrecision = true;
      continue;
    }
    if (curr < prev) {
      sortedCounts[i] = prev;
      res.forcedMonotonicity = true;
      const bound = sortedBounds[i]!;
      if (bound < res.minBucket) res.minBucket = bound;
      if (bound > res.maxBucket) res.maxBucket = bound;
      const diff = prev - curr;
      if (diff > res.maxDiff) res.maxDiff = diff;
      continue;
    }
    prev = curr;
  }
}

/**
 * histogram_fraction for one classic histogram: the fraction of observations
 * between lower and upper, interpolating linearly inside buckets, as
 * Prometheus's BucketFraction. Buckets are cumulative, in any order, not
 * modified; equal bounds are merged (no monotonicity fix, as upstream).
 * NaN if there are no buckets, the highest bound is not +Inf, the total is 0,
 * or lower/upper is NaN; 0 if lower >= upper. The lowest bucket starts at 0
 * if its bound is positive, else at -Inf (and then contributes all or nothing).
 */
export function histogramFraction(
  lower: number,
  upper: number,
  upperBounds: Float64Array,
  counts: Float64Array,
  n: number,
): number {
  if (n === 0) return NaN;
  const m = sortAndCoalesce(upperBounds, counts, n);
  if (sortedBounds[m - 1] !== Infinity) return NaN;
  const count = sortedCounts[m - 1]!;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;

  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = sortedBounds[0]! <= 0 ? -Infinity : 0;
  for (let i = 0; i < m; i++) {
    if (i > 0) lowerBound = sortedBounds[i - 1]!;
    const upperBound = sortedBounds[i]!;
    const bucketCount = sortedCounts[i]!;
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolateCumulative(rank, bucketCount, lowerBound, upperBound, lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolateCumulative(rank, bucketCount, lowerBound, upperBound, upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    // Counts are cumulative: the rank below the next bucket is this count.
    rank = bucketCount;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/** The cumulative count at v inside the bucket (lowerBound, upperBound]. */
function interpolateCumulative(rank: number, bucketCount: number, lowerBound: number, upperBound: number, v: number): number {
  // No interpolation towards -Inf: the first bucket counts entirely.
  if (lowerBound === -Infinity) return bucketCount;
  return rank + ((bucketCount - rank) * (v - lowerBound)) / (upperBound - lowerBound);
}
