/**
 * Instruments a component updates as it works (counters, gauges,
 * histograms, each with optional label dimensions), as client_golang's
 * CounterVec/GaugeVec/HistogramVec. Each is a Collector: register it with a
 * Registry to expose it.
 */
import { type Collector, type Desc, type Emit, type HistogramValue, MetricType, type SummaryValue, newDesc } from "./registry.ts";

// Label values joined into a map key; a character no label value needs.
const SEP = "\u0000";

abstract class Vec<T> implements Collector {
  readonly desc: Desc;
  protected readonly children: Map<string, { values: string[]; child: T }>;

  constructor(desc: Desc) {
    this.desc = desc;
    this.children = new Map();
  }

  protected abstract newChild(): T;
  protected abstract emitChild(emit: Emit, child: T, values: string[]): void;

  /** The child for these label values (in desc.labelNames order), created at zero. */
  with(...values: string[]): T {
    if (values.length !== this.desc.labelNames.length) {
      throw new Error(`BUG: ${this.desc.name} takes ${this.desc.labelNames.length} label values, got ${values.length}`);
    }
    const key = values.join(SEP);
    let c = this.children.get(key);
    if (c === undefined) {
      c = { values, child: this.newChild() };
      this.children.set(key, c);
    }
    return c.child;
  }

  /** Removes the child for these label values. */
  remove(...values: string[]): void {
    this.children.delete(values.join(SEP));
  }

  async collect(emit: Emit): Promise<void> {
    for (const { values, child } of this.children.values()) this.emitChild(emit, child, values);
  }
}

/** A value that only goes up. */
export class CounterChild {
  value = 0;
  /** Adds v (>= 0; default 1). */
  inc(v = 1): void {
    if (v < 0) throw new Error("BUG: counter cannot decrease");
    this.value += v;
  }
}

/** A counter family with label dimensions; with no labels, use `counter()`. */
export class CounterVec extends Vec<CounterChild> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(newDesc(name, help, MetricType.Counter, labelNames));
  }
  protected newChild(): CounterChild {
    return new CounterChild();
  }
  protected emitChild(emit: Emit, c: CounterChild, values: string[]): void {
    emit(this.desc, c.value, ...values);
  }
}

/** A value that goes up and down. */
export class GaugeChild {
  value = 0;
  set(v: number): void {
    this.value = v;
  }
  inc(v = 1): void {
    this.value += v;
  }
  dec(v = 1): void {
    this.value -= v;
  }
}

/** A gauge family with label dimensions. */
export class GaugeVec extends Vec<GaugeChild> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(newDesc(name, help, MetricType.Gauge, labelNames));
  }
  protected newChild(): GaugeChild {
    return new GaugeChild();
  }
  protected emitChild(emit: Emit, c: GaugeChild, values: string[]): void {
    emit(this.desc, c.value, ...values);
  }
}

/** Observations counted into buckets by upper bound (+Inf implied). */
export class HistogramChild {
  readonly upperBounds: readonly number[];
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(upperBounds: readonly number[]) {
    this.upperBounds = upperBounds;
    this.counts = new Float64Array(upperBounds.length);
  }
  observe(v: number): void {
    for (let i = 0; i < this.upperBounds.length; i++) if (v <= this.upperBounds[i]!) this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
  /** The sample as gathered: cumulative counts by upper bound, +Inf last. */
  value(): HistogramValue {
    return { kind: "histogram", upperBounds: [...this.upperBounds, Infinity], cumulativeCounts: [...this.counts, this.count], sum: this.sum, count: this.count };
  }
}

/** client_golang's default buckets (seconds). */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A histogram family with label dimensions. */
export class HistogramVec extends Vec<HistogramChild> {
  readonly #bounds: readonly number[];
  constructor(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DEFAULT_BUCKETS) {
    super(newDesc(name, help, MetricType.Histogram, labelNames));
    this.#bounds = [...buckets].sort((a, b) => a - b);
  }
  protected newChild(): HistogramChild {
    return new HistogramChild(this.#bounds);
  }
  protected emitChild(emit: Emit, c: HistogramChild, values: string[]): void {
    emit(this.desc, c.value(), ...values);
  }
}

/** A gauge whose value is read when gathered. */
export class GaugeFunc implements Collector {
  readonly desc: Desc;
  readonly #read: () => number;
  constructor(name: string, help: string, read: () => number) {
    this.desc = newDesc(name, help, MetricType.Gauge);
    this.#read = read;
  }
  async collect(emit: Emit): Promise<void> {
    emit(this.desc, this.#read());
  }
}

// client_golang's summary defaults: quantiles over a 10 minute sliding window.
const SUMMARY_MAX_AGE_MS = 10 * 60_000;
// Observations kept per child for the window; older ones are dropped first.
const SUMMARY_MAX_SAMPLES = 2048;

/** Observations of one summary child: count and sum over all time, the recent ones for the quantiles. */
export class SummaryChild {
  readonly #ts: number[] = [];
  readonly #vs: number[] = [];
  readonly #now: () => number;
  sum = 0;
  count = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  observe(v: number): void {
    this.#ts.push(this.#now());
    this.#vs.push(v);
    if (this.#ts.length > SUMMARY_MAX_SAMPLES) {
      this.#ts.shift();
      this.#vs.shift();
    }
    this.sum += v;
    this.count++;
  }

  /** The quantiles (ascending) of the observations of the last 10 minutes, NaN when there are none. */
  quantiles(qs: readonly number[]): number[] {
    const cutoff = this.#now() - SUMMARY_MAX_AGE_MS;
    while (this.#ts.length > 0 && this.#ts[0]! < cutoff) {
      this.#ts.shift();
      this.#vs.shift();
    }
    const sorted = Float64Array.from(this.#vs).sort();
    return qs.map((q) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!));
  }

  /** The sample as gathered, with the quantiles qs (ascending). */
  value(qs: readonly number[]): SummaryValue {
    return { kind: "summary", quantiles: qs, values: this.quantiles(qs), sum: this.sum, count: this.count };
  }
}

/**
 * A summary family with label dimensions, as client_golang's SummaryVec:
 * count and sum over all time, the objectives' quantiles over the
 * observations of the last 10 minutes (computed exactly over at most 2048
 * of them, where client_golang estimates within each objective's error).
 */
export class SummaryVec extends Vec<SummaryChild> {
  readonly #objectives: readonly number[];
  readonly #now: () => number;

  /** objectives: the quantiles to report; now: the clock (ms) of the sliding window. */
  constructor(name: string, help: string, labelNames: readonly string[], objectives: readonly number[], now: () => number = Date.now) {
    super(newDesc(name, help, MetricType.Summary, labelNames));
    this.#objectives = [...objectives].sort((a, b) => a - b);
    this.#now = now;
  }
  protected newChild(): SummaryChild {
    return new SummaryChild(this.#now);
  }
  protected emitChild(emit: Emit, c: SummaryChild, values: string[]): void {
    emit(this.desc, c.value(this.#objectives), ...values);
  }
}
