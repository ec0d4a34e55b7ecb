import type { Labels, Matcher } from "../model/index.ts";

/** Reference to a series inside an Appender's storage; 0 means unknown or rejected. */
export type SeriesRef = number;

/** Options of a single append. */
export interface AppendOptions {
  /** The sample is a stale marker; its value is ignored. */
  stale?: boolean;
}

/** Batches appends. Use once, then commit() or rollback(). */
export interface Appender {
  /**
   * Adds a sample. Returns a ref to pass next time for the same series;
   * 0 means the sample was rejected (out of order, duplicate, too old):
   * the caller counts the reason and goes on. t is ms.
   */
  append(ref: SeriesRef, lset: Labels, t: number, v: number, opts?: AppendOptions): SeriesRef;
  /**
   * append() of the sample time sample[0], value sample[1], for per-sample
   * loops (the scrape loop): V8 boxes a double passed to a call it does not
   * inline into a new 16-byte heap number per call, and a time or value
   * read here from the caller's Float64Array is not.
   */
  appendSample(ref: SeriesRef, lset: Labels, sample: Float64Array, opts?: AppendOptions): SeriesRef;
  /** Makes the batch durable and visible. */
  commit(): Promise<void>;
  /** Discards the batch. */
  rollback(): void;
}

/** Something that hands out appenders. */
export interface Appendable {
  appender(): Appender;
}

/** What the caller will do with selected data, so storage can prune. Times in ms, inclusive. */
export interface SelectHints {
  start: number;
  end: number;
  /** Query step in ms, 0 for instant queries. */
  step: number;
  /** Range of the surrounding range selector in ms, 0 if none. */
  range: number;
  /** Name of the surrounding function, "" if none; "series" for metadata-only selects. */
  func: string;
}

/** Kinds of sample an iterator can be positioned on. */
export const ValueType = {
  None: 0,
  Float: 1,
  Histogram: 2,
  FloatHistogram: 3,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

/**
 * Iterates the samples of one series in timestamp order, synchronously.
 * next() and seek() position the iterator on a sample and return its type
 * (None when exhausted); atT(), atF() and isStale() read the current sample.
 */
export interface SeriesIterator {
  /** Moves to the next sample. */
  next(): ValueType;
  /**
   * Moves to the first sample with timestamp >= t. Stays put if the current
   * sample already qualifies; never moves backwards.
   */
  seek(t: number): ValueType;
  /** Timestamp (ms) of the current sample. */
  atT(): number;
  /** Float value of the current sample (NaN for a stale marker). */
  atF(): number;
  /** Whether the current sample is a stale marker. */
  isStale(): boolean;
  /**
   * Copies the samples after the current one (those next() would visit)
   * with t <= maxt into the caller-owned arrays, at most ts.length of them,
   * and returns how many were copied; the iterator is left on the last one
   * copied. Stale markers are flagged with 1 in `stale` when it is given,
   * and skipped when it is null.
   */
  readInto(ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, maxt: number): number;
  /** The error that ended iteration early, if any. */
  err(): Error | null;
}

/** A series: its labels and a way to iterate its samples. */
export interface Series {
  readonly labels: Labels;
  /** A fresh iterator; `reuse` may be recycled by the implementation. */
  iterator(reuse?: SeriesIterator | null): SeriesIterator;
}

/** Iterates selected series synchronously. */
export interface SeriesSet {
  next(): boolean;
  at(): Series;
  err(): Error | null;
  /** Warnings collected while selecting (e.g. from a remote read). */
  warnings(): string[];
}

/** Reads series of a fixed time range. Close it when done. */
export interface Querier {
  /**
   * Selects the series matching all matchers. Resolves once postings are
   * looked up and the chunks needed are in memory; iteration is then
   * synchronous. With `sorted`, series come in label order.
   */
  select(sorted: boolean, hints: SelectHints | null, ...matchers: Matcher[]): Promise<SeriesSet>;
  /** Sorted unique values of label `name` in series matching the matchers (all series if none). */
  labelValues(name: string, ...matchers: Matcher[]): Promise<string[]>;
  /** Sorted unique label names of series matching the matchers (all series if none). */
  labelNames(...matchers: Matcher[]): Promise<string[]>;
  close(): void;
}

/** Something that opens queriers over [mint, maxt] (ms, inclusive). */
export interface Queryable {
  querier(mint: number, maxt: number): Promise<Querier>;
}
