// Numeric kernels of the PromQL engine: range-vector functions over one
// series window, quantiles, date functions and Go-compatible float helpers.
// Semantics follow Prometheus 3.x promql/functions.go and promql/quantile.go.

export type { RangeWindow } from "./window.ts";
export {
  extrapolatedRate,
  instantValue,
  sumOverTime,
  avgOverTime,
  minOverTime,
  maxOverTime,
  countOverTime,
  lastOverTime,
  firstOverTime,
  stddevOverTime,
  stdvarOverTime,
  madOverTime,
  presentOverTime,
  changes,
  resets,
  deriv,
  tsOfMaxOverTime,
  tsOfMinOverTime,
  tsOfLastOverTime,
  tsOfFirstOverTime,
  quantileOverTime,
  predictLinear,
  doubleExponentialSmoothing,
  InvalidSmoothingFactorError,
} from "./range.ts";
export { kahanSumInc } from "./kahan.ts";
export { quantile, bucketQuantile, histogramFraction } from "./quantile.ts";
export type { BucketQuantileResult } from "./quantile.ts";
export { dayOfMonth, dayOfWeek, dayOfYear, daysInMonth, hour, minute, month, year } from "./date.ts";
export { roundToNearest, sgn, goMod, goPow, goLog2, goLog10, deg, rad } from "./gomath.ts";
