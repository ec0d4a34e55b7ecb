/**
 * The float samples of one series inside a range selector's window, handed
 * to range kernels. Samples are ts[i] (ms) and fs[i] for from <= i < to,
 * ascending in t, stale markers removed. The window covers
 * (rangeStart, rangeEnd] in ms (left-open, as in Prometheus 3).
 * The object and its arrays are reused: valid only during the call.
 */
export interface RangeWindow {
  ts: Float64Array;
  fs: Float64Array;
  from: number;
  to: number;
  rangeStart: number;
  rangeEnd: number;
}
