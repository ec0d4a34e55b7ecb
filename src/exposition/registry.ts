/**
 * A small collector/registry interface for self-written metric families, in
 * the shape of client_golang's const metrics: a collector emits metrics, the
 * registry gathers them into families, checks them for consistency the way
 * client_golang's Gather does with ContinueOnError (an inconsistent metric is
 * dropped and reported, the rest is kept), and sorts them for the writer.
 */

/** The type of a metric family, as written on its `# TYPE` line. */
export const MetricType = {
  Counter: "counter",
  Gauge: "gauge",
  Untyped: "untyped",
  Summary: "summary",
  Histogram: "histogram",
} as const;
/** One of the MetricType values. */
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

/**
 * Describes a metric family: its name, HELP text, type and the names of the
 * variable labels, in the order emitters pass their values. Immutable.
 */
export interface Desc {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
}

/** Builds a Desc. labelNames are the variable labels, in emit order. */
export function newDesc(name: string, help: string, type: MetricType, labelNames: readonly string[] = []): Desc {
  return { name, help, type, labelNames };
}

/** A summary sample: quantiles as parallel arrays, sorted by quantile ascending. */
export interface SummaryValue {
  readonly kind: "summary";
  readonly quantiles: readonly number[];
  readonly values: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** A classic histogram sample: cumulative bucket counts by upper bound, sorted ascending, +Inf included. */
export interface HistogramValue {
  readonly kind: "histogram";
  readonly upperBounds: readonly number[];
  readonly cumulativeCounts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** The value of one metric: a plain float for counter, gauge and untyped families. */
export type MetricValue = number | SummaryValue | HistogramValue;

/** One metric of a family: label pairs sorted by name (no duplicates), and its value. */
export interface Metric {
  readonly labelNames: readonly string[];
  readonly labelValues: readonly string[];
  readonly value: MetricValue;
}

/** A gathered family: metrics sorted by label values (in label-name order), as client_golang does. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly metrics: Metric[];
}

/**
 * Receives one metric. labelValues are in the order of desc.labelNames; their
 * count must match (a mismatch is reported as a gather error, the metric dropped).
 */
export type Emit = (desc: Desc, value: MetricValue, ...labelValues: string[]) => void;

/** Something that emits metrics when asked. collect may reject: the registry reports the error. */
export interface Collector {
  collect(emit: Emit): Promise<void>;
}

/** Why a metric was dropped while gathering; carries the metric's name. */
export class GatherError extends Error {
  readonly metricName: string;
  constructor(metricName: string, message: string) {
    super(message);
    this.name = "GatherError";
    this.metricName = metricName;
  }
}

/** The result of a gather: families sorted by name, plus every problem met on the way. */
export interface GatherResult {
  families: MetricFamily[];
  errors: Error[];
}

function valueKind(t: MetricType): "float" | "summary" | "histogram" {
  return t === MetricType.Summary ? "summary" : t === MetricType.Histogram ? "histogram" : "float";
}

function compareMetrics(a: Metric, b: Metric): number {
  const n = Math.min(a.labelValues.length, b.labelValues.length);
  for (let i = 0; i < n; i++) {
    const x = a.labelValues[i]!;
    const y = b.labelValues[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.labelValues.length - b.labelValues.length;
}

/**
 * Collects emitted metrics into families. Use one per gather. The first metric
 * seen for a name fixes the family's HELP and type; a later metric with
 * another HELP or type, a wrong label count, a duplicate label name or a
 * label set seen before is dropped with a GatherError, as client_golang does.
 */
export class FamilyBuilder {
  private readonly byName = new Map<string, { family: MetricFamily; seen: Set<string> }>();
  readonly errors: Error[] = [];

  /** An Emit bound to this builder. */
  readonly emit: Emit = (desc, value, ...labelValues) => this.add(desc, value, labelValues);

  private add(desc: Desc, value: MetricValue, labelValues: readonly string[]): void {
    if (labelValues.length !== desc.labelNames.length) {
      this.errors.push(new GatherError(desc.name, `inconsistent label cardinality: expected ${desc.labelNames.length} label values but got ${labelValues.length} for metric ${desc.name}`));
      return;
    }
    const kind = typeof value === "number" ? "float" : value.kind;
    if (kind !== valueKind(desc.type)) {
      this.errors.push(new GatherError(desc.name, `collected metric ${desc.name} has a ${kind} value but type ${desc.type}`));
      return;
    }
    const order = desc.labelNames.map((_, i) => i).sort((i, j) => (desc.labelNames[i]! < desc.labelNames[j]! ? -1 : desc.labelNames[i]! > desc.labelNames[j]! ? 1 : 0));
    const names = order.map((i) => desc.labelNames[i]!);
    const values = order.map((i) => labelValues[i]!);
    for (let i = 1; i < names.length; i++) {
      if (names[i] === names[i - 1]) {
        this.errors.push(new GatherError(desc.name, `collected metric ${desc.name} has two or more labels with the same name: ${names[i]}`));
        return;
      }
    }
    let entry = this.byName.get(desc.name);
    if (entry === undefined) {
      entry = { family: { name: desc.name, help: desc.help, type: desc.type, metrics: [] }, seen: new Set() };
      this.byName.set(desc.name, entry);
    } else if (entry.family.help !== desc.help) {
      this.errors.push(new GatherError(desc.name, `collected metric ${desc.name} has help ${JSON.stringify(desc.help)} but should have ${JSON.stringify(entry.family.help)}`));
      return;
    } else if (entry.family.type !== desc.type) {
      this.errors.push(new GatherError(desc.name, `collected metric ${desc.name} is of type ${desc.type} but should be ${entry.family.type}`));
      return;
    }
    let key = "";
    for (let i = 0; i < names.length; i++) key += `${names[i]}\xff${values[i]}\xff`;
    if (entry.seen.has(key)) {
      this.errors.push(new GatherError(desc.name, `collected metric ${desc.name} was collected before with the same name and label values`));
      return;
    }
    entry.seen.add(key);
    entry.family.metrics.push({ labelNames: names, labelValues: values, value });
  }

  /** The families gathered so far, sorted by name, metrics sorted by label values. */
  families(): MetricFamily[] {
    const out = [...this.byName.values()].map((e) => e.family);
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const f of out) f.metrics.sort(compareMetrics);
    return out;
  }
}

/**
 * A set of collectors gathered together. Collectors run concurrently; one
 * that rejects contributes its error and whatever it emitted before failing.
 */
export class Registry {
  private readonly collectors: Collector[] = [];

  /** Adds a collector; gather order does not depend on registration order. */
  register(c: Collector): void {
    this.collectors.push(c);
  }

  /** Runs every collector and returns the merged, sorted families and the errors. */
  async gather(): Promise<GatherResult> {
    const b = new FamilyBuilder();
    const results = await Promise.allSettled(this.collectors.map((c) => c.collect(b.emit)));
    for (const r of results) {
      if (r.status === "rejected") b.errors.push(r.reason instanceof Error ? r.reason : new Error(String(r.reason)));
    }
    return { families: b.families(), errors: b.errors };
  }
}
