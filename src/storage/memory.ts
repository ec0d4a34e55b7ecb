import { compareLabels, type Labels, type Matcher } from "../model/index.ts";
import type {
  AppendOptions,
  Appendable,
  Appender,
  Querier,
  Queryable,
  SelectHints,
  Series,
  SeriesIterator,
  SeriesRef,
  SeriesSet,
} from "./interface.ts";
import { ValueType } from "./interface.ts";
import { ArraySeriesSet } from "./series-set.ts";

/** Samples of one series in growable typed arrays. */
class MemSeries implements Series {
  readonly labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  stale: Uint8Array;
  n: number;

  constructor(labels: Labels) {
    this.labels = labels;
    this.ts = new Float64Array(16);
    this.vs = new Float64Array(16);
    this.stale = new Uint8Array(16);
    this.n = 0;
  }

  /** Appends in order; returns false for out-of-order or conflicting duplicate samples. */
  add(t: number, v: number, stale: boolean): boolean {
    if (this.n > 0) {
      const last = this.ts[this.n - 1]!;
      if (t < last) return false;
      if (t === last) {
        // NOTE: matches Prometheus: the same sample again is accepted and
        // ignored, a different value at the same timestamp is rejected.
        const same = stale ? this.stale[this.n - 1] === 1 : Object.is(this.vs[this.n - 1], v) && this.stale[this.n - 1] === 0;
        return same;
      }
    }
    if (this.n === this.ts.length) {
      const cap = this.n * 2;
      const ts = new Float64Array(cap);
      ts.set(this.ts);
      const vs = new Float64Array(cap);
      vs.set(this.vs);
      const st = new Uint8Array(cap);
      st.set(this.stale);
      this.ts = ts;
      this.vs = vs;
      this.stale = st;
    }
    this.ts[this.n] = t;
    this.vs[this.n] = stale ? Number.NaN : v;
    this.stale[this.n] = stale ? 1 : 0;
    this.n++;
    return true;
  }

  iterator(reuse?: SeriesIterator | null): SeriesIterator {
    if (reuse instanceof MemIterator) {
      reuse.reset(this);
      return reuse;
    }
    return new MemIterator(this);
  }
}

/** A window of a MemSeries restricted to [mint, maxt], as a Series. */
class WindowSeries implements Series {
  readonly labels: Labels;
  readonly #s: MemSeries;
  readonly #from: number;
  readonly #to: number;

  constructor(s: MemSeries, from: number, to: number) {
    this.labels = s.labels;
    this.#s = s;
    this.#from = from;
    this.#to = to;
  }

  iterator(reuse?: SeriesIterator | null): SeriesIterator {
    const it = reuse instanceof MemIterator ? reuse : new MemIterator(this.#s);
    it.reset(this.#s, this.#from, this.#to);
    return it;
  }
}

class MemIterator implements SeriesIterator {
  #s: MemSeries;
  #start: number;
  #i: number;
  #end: number;

  constructor(s: MemSeries) {
    this.#s = s;
    this.#start = 0;
    this.#i = -1;
    this.#end = s.n;
  }

  /** Restarts over samples [from, to) of s. */
  reset(s: MemSeries, from = 0, to = s.n): void {
    this.#s = s;
    this.#start = from;
    this.#i = from - 1;
    this.#end = to;
  }

  next(): ValueType {
    if (this.#i < this.#end) this.#i++;
    return this.#i < this.#end ? ValueType.Float : ValueType.None;
  }

  seek(t: number): ValueType {
    if (this.#i < this.#start) this.#i = this.#start;
    while (this.#i < this.#end && this.#s.ts[this.#i]! < t) this.#i++;
    return this.#i < this.#end ? ValueType.Float : ValueType.None;
  }

  atT(): number {
    return this.#s.ts[this.#i]!;
  }

  atF(): number {
    return this.#s.vs[this.#i]!;
  }

  isStale(): boolean {
    return this.#s.stale[this.#i] === 1;
  }

  readInto(ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, maxt: number): number {
    const s = this.#s;
    let n = 0;
    while (n < ts.length && this.#i + 1 < this.#end && s.ts[this.#i + 1]! <= maxt) {
      this.#i++;
      if (s.stale[this.#i] === 1) {
        if (stale === null) continue;
        stale[n] = 1;
      } else if (stale !== null) {
        stale[n] = 0;
      }
      ts[n] = s.ts[this.#i]!;
      vs[n] = s.vs[this.#i]!;
      n++;
    }
    return n;
  }

  err(): Error | null {
    return null;
  }
}

function lowerBound(a: Float64Array, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function matchesAll(l: Labels, ms: readonly Matcher[]): boolean {
  for (const m of ms) if (!m.matches(l.get(m.name))) return false;
  return true;
}

/**
 * In-memory storage for tests and the PromQL test runner: Appendable and
 * Queryable, no persistence. Appends become visible on commit. Series are
 * created on first append; one without samples is invisible to queries.
 */
export class MemoryStorage implements Appendable, Queryable {
  readonly #byKey: Map<string, MemSeries>;
  readonly #byRef: MemSeries[];
  #sorted: MemSeries[] | null;

  constructor() {
    this.#byKey = new Map();
    this.#byRef = [];
    this.#sorted = null;
  }

  /** Number of series with at least one sample. */
  get numSeries(): number {
    let n = 0;
    for (const s of this.#byRef) if (s.n > 0) n++;
    return n;
  }

  appender(): Appender {
    return new MemAppender(this);
  }

  /** The series for ref (1-based) if it holds lset, else the series of lset, created if new. */
  series(ref: SeriesRef, lset: Labels): { s: MemSeries; ref: SeriesRef } {
    if (ref > 0 && ref <= this.#byRef.length) {
      const s = this.#byRef[ref - 1]!;
      if (s.labels === lset || s.labels.equals(lset)) return { s, ref };
    }
    let s = this.#byKey.get(lset.key);
    if (s === undefined) {
      s = new MemSeries(lset);
      this.#byKey.set(lset.key, s);
      this.#byRef.push(s);
      this.#sorted = null;
      return { s, ref: this.#byRef.length };
    }
    return { s, ref: this.#byRef.indexOf(s) + 1 };
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    if (this.#sorted === null) {
      this.#sorted = [...this.#byRef].sort((a, b) => compareLabels(a.labels, b.labels));
    }
    return new MemQuerier(this.#sorted, mint, maxt);
  }
}

/** Whether a sample (t, v, stale) may follow the series' last committed sample. */
function acceptsAfterLast(s: MemSeries, t: number, v: number, stale: boolean): boolean {
  if (s.n === 0) return true;
  const last = s.ts[s.n - 1]!;
  if (t > last) return true;
  if (t < last) return false;
  return stale ? s.stale[s.n - 1] === 1 : Object.is(s.vs[s.n - 1], v) && s.stale[s.n - 1] === 0;
}

/** Buffers a batch in columns (no object per sample) until commit. */
class MemAppender implements Appender {
  readonly #db: MemoryStorage;
  #series: MemSeries[];
  #ts: number[];
  #vs: number[];
  #stale: boolean[];
  /** Newest timestamp appended in this batch per series. */
  readonly #last: Map<MemSeries, number>;

  constructor(db: MemoryStorage) {
    this.#db = db;
    this.#series = [];
    this.#ts = [];
    this.#vs = [];
    this.#stale = [];
    this.#last = new Map();
  }

  appendSample(ref: SeriesRef, lset: Labels, sample: Float64Array, opts?: AppendOptions): SeriesRef {
    return this.append(ref, lset, sample[0]!, sample[1]!, opts);
  }

  append(ref: SeriesRef, lset: Labels, t: number, v: number, opts?: AppendOptions): SeriesRef {
    const stale = opts?.stale === true;
    const found = this.#db.series(ref, lset);
    const s = found.s;
    const lastInBatch = this.#last.get(s);
    if (lastInBatch !== undefined) {
      if (t <= lastInBatch) return 0;
    } else if (!acceptsAfterLast(s, t, v, stale)) {
      return 0;
    }
    this.#last.set(s, t);
    this.#series.push(s);
    this.#ts.push(t);
    this.#vs.push(v);
    this.#stale.push(stale);
    return found.ref;
  }

  async commit(): Promise<void> {
    for (let i = 0; i < this.#series.length; i++) this.#series[i]!.add(this.#ts[i]!, this.#vs[i]!, this.#stale[i]!);
    this.rollback();
  }

  rollback(): void {
    this.#series = [];
    this.#ts = [];
    this.#vs = [];
    this.#stale = [];
    this.#last.clear();
  }
}

class MemQuerier implements Querier {
  readonly #series: readonly MemSeries[];
  readonly #mint: number;
  readonly #maxt: number;

  constructor(series: readonly MemSeries[], mint: number, maxt: number) {
    this.#series = series;
    this.#mint = mint;
    this.#maxt = maxt;
  }

  #matching(ms: readonly Matcher[]): MemSeries[] {
    const out: MemSeries[] = [];
    for (const s of this.#series) {
      if (!matchesAll(s.labels, ms)) continue;
      const from = lowerBound(s.ts, s.n, this.#mint);
      const to = lowerBound(s.ts, s.n, this.#maxt + 1);
      if (from < to) out.push(s);
    }
    return out;
  }

  async select(_sorted: boolean, hints: SelectHints | null, ...matchers: Matcher[]): Promise<SeriesSet> {
    const mint = hints === null ? this.#mint : Math.max(this.#mint, hints.start);
    const maxt = hints === null ? this.#maxt : Math.min(this.#maxt, hints.end);
    const out: Series[] = [];
    for (const s of this.#matching(matchers)) {
      const from = lowerBound(s.ts, s.n, mint);
      const to = lowerBound(s.ts, s.n, maxt + 1);
      if (from < to) out.push(new WindowSeries(s, from, to));
    }
    return new ArraySeriesSet(out);
  }

  async labelValues(name: string, ...matchers: Matcher[]): Promise<string[]> {
    const vals = new Set<string>();
    for (const s of this.#matching(matchers)) {
      const v = s.labels.get(name);
      if (v !== "") vals.add(v);
    }
    return [...vals].sort();
  }

  async labelNames(...matchers: Matcher[]): Promise<string[]> {
    const names = new Set<string>();
    for (const s of this.#matching(matchers)) s.labels.forEach((n) => names.add(n));
    return [...names].sort();
  }

  close(): void {}
}
