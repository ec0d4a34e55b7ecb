import { Labels } from "../../model/index.ts";

/**
 * One series of an intermediate result: points ts[i] (ms) / fs[i] for
 * i < n, ascending in t. Arrays grow by doubling; `pos` is the read cursor
 * of the per-step consumers (gather, aggregation), which walk each series once.
 */
export class Series {
  metric: Labels;
  ts: Float64Array;
  fs: Float64Array;
  n: number;
  /** The metric name is to be dropped at the end (delayed name removal). */
  dropName: boolean;
  pos: number;

  constructor(metric: Labels, capacity: number, dropName: boolean) {
    this.metric = metric;
    const cap = Math.max(1, Math.min(capacity, MAX_INITIAL_POINTS));
    this.ts = pointArray(cap);
    this.fs = pointArray(cap);
    this.n = 0;
    this.dropName = dropName;
    this.pos = 0;
  }

  /** A series of a copy of the n points ts/fs[0, n), in arrays of exactly n. */
  static fromPoints(metric: Labels, ts: Float64Array, fs: Float64Array, n: number, dropName: boolean): Series {
    const s = new Series(metric, n, dropName);
    // The constructor bounds its guess of a capacity; n is known.
    if (s.ts.length < n) {
      s.ts = pointArray(n);
      s.fs = pointArray(n);
    }
    for (let i = 0; i < n; i++) {
      s.ts[i] = ts[i]!;
      s.fs[i] = fs[i]!;
    }
    s.n = n;
    return s;
  }

  /** Appends a point; t must be greater than the last one. */
  push(t: number, f: number): void {
    if (this.n === this.ts.length) {
      const ts = pointArray(this.n * 2);
      ts.set(this.ts);
      const fs = pointArray(this.n * 2);
      fs.set(this.fs);
      this.ts = ts;
      this.fs = fs;
    }
    this.ts[this.n] = t;
    this.fs[this.n] = f;
    this.n++;
  }
}

// Bounds the first allocation of a series; longer ones grow by doubling.
const MAX_INITIAL_POINTS = 5000;

/*
 * The point arrays of series come out of shared slabs: a typed array of its
 * own costs an ArrayBuffer with an off-heap backing store, whose allocation
 * and collection dominated queries over thousands of series (a range query
 * allocates two arrays per selected series). A view into a slab is a small
 * heap object. A slab lives as long as any of its views: series live no
 * longer than their query (results are copied out), so slabs go with the
 * queries that filled them.
 *
 *   slab:  [ ts of a | fs of a | ts of b | fs of b | ... free ... ]
 *                                                   ^ slabUsed
 */
const SLAB_BYTES = 1 << 20;
// Arrays up to 8 doubles live on V8's heap anyway; those over 1/16 of a slab get their own buffer.
const SLAB_MIN_POINTS = 9;
const SLAB_MAX_POINTS = SLAB_BYTES / 8 / 16;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/** A zeroed Float64Array of n points, from the current slab when it is of a middling size. */
function pointArray(n: number): Float64Array {
  if (n < SLAB_MIN_POINTS || n > SLAB_MAX_POINTS) return new Float64Array(n);
  const bytes = n * 8;
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const a = new Float64Array(slab, slabUsed, n);
  slabUsed += bytes;
  return a;
}

/** An intermediate result: a list of series. */
export type Matrix = Series[];

/** A sample of a per-step vector inside the engine. t in ms. */
export interface Sample {
  metric: Labels;
  t: number;
  f: number;
  dropName: boolean;
}

/**
 * What histogram functions derive from the label set of one classic bucket
 * series, kept for all steps of an evaluation (NodeHelper.buckets): the
 * `le` label, its value as a bound (null when it does not parse), the
 * histogram's labels (without `le`, one shared object per histogram), and
 * those the output carries.
 */
export interface BucketLabels {
  le: string;
  upperBound: number | null;
  group: Labels;
  out: Labels;
}

/** A string value (only string literals produce one). */
export class StringValue {
  readonly v: string;
  readonly t: number;
  constructor(v: string, t: number) {
    this.v = v;
    this.t = t;
  }
}

/** Labels whose removal Prometheus bundles with the metric name (schema.IsMetadataLabel). */
const METADATA_LABELS = ["__name__", "__type__", "__unit__"];

/** The set without `__name__`, `__type__` and `__unit__` (Prometheus's DropReserved(IsMetadataLabel)). */
export function dropMetadata(l: Labels): Labels {
  if (!l.has("__name__") && !l.has("__type__") && !l.has("__unit__")) return l;
  return l.filter((n) => !METADATA_LABELS.includes(n));
}

/** Whether two samples of the vector share a label set. */
export function vectorHasDuplicateLabels(v: readonly Sample[]): boolean {
  if (v.length <= 1) return false;
  const seen = new Set<string>();
  for (const s of v) {
    const k = s.metric.key;
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/** Whether two series of the matrix share a label set. */
export function matrixHasDuplicateLabels(m: Matrix): boolean {
  if (m.length <= 1) return false;
  const seen = new Set<string>();
  for (const s of m) {
    const k = s.metric.key;
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}
