import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { LabelsBuilder } from "../model/index.ts";
import {
  Entry,
  FamilyBuilder,
  MetadataType,
  MetricType,
  OpenMetricsParser,
  TextParser,
  formatOpenMetricsFloat,
  isSeriesPartOfFamily,
  newDesc,
  writeText,
} from "./index.ts";
import type { Parser } from "./index.ts";

const refDir = path.resolve(process.cwd(), "../shared/reference/exposition");
const read = (name: string): string => readFileSync(path.join(refDir, name), "utf8");

/** Counts entries by kind, building labels, exemplars and created timestamps along the way. */
function census(p: Parser): Record<string, number> {
  const lb = new LabelsBuilder();
  const counts: Record<string, number> = { series: 0, help: 0, type: 0, unit: 0, comment: 0, exemplar: 0, created: 0, families: 0 };
  const families = new Set<string>();
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    counts[e]!++;
    if (e === Entry.Help || e === Entry.Type) families.add(p.familyName());
    if (e !== Entry.Series) continue;
    assert.ok(p.labels(lb).has("__name__"));
    if (p.exemplar(lb) !== null) counts.exemplar!++;
    if (p.createdTimestamp() !== null) counts.created!++;
  }
  counts.families = families.size;
  return counts;
}

/** Lines that are samples: not comments, not blank. */
function sampleLines(text: string): number {
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;
}

const vectors = [
  {
    file: "alltypes.237mfs.prom.txt",
    parser: (t: string) => new TextParser(t),
    // The trailing "# EOF" is a plain comment in the text format.
    want: { series: 1857, help: 237, type: 237, unit: 0, comment: 1, exemplar: 0, created: 0, families: 237 },
  },
  {
    file: "alltypes.237mfs.nometa.prom.txt",
    parser: (t: string) => new TextParser(t),
    want: { series: 1857, help: 0, type: 0, unit: 0, comment: 1, exemplar: 0, created: 0, families: 0 },
  },
  {
    file: "alltypes.5mfs.om.txt",
    parser: (t: string) => new OpenMetricsParser(t),
    // Every counter, summary and histogram series (43) finds its _created
    // line; the 9 _created lines are series too and, as upstream, get the
    // value cached for their group.
    want: { series: 53, help: 5, type: 5, unit: 0, comment: 0, exemplar: 6, created: 52, families: 5 },
  },
  {
    file: "alltypes.5mfs.om.txt (created series skipped)",
    parser: (t: string) => new OpenMetricsParser(t, { skipCreatedSeries: true }),
    want: { series: 44, help: 5, type: 5, unit: 0, comment: 0, exemplar: 6, created: 43, families: 5 },
  },
  {
    file: "1histogram.om.txt",
    parser: (t: string) => new OpenMetricsParser(t),
    want: { series: 42, help: 1, type: 1, unit: 0, comment: 0, exemplar: 0, created: 0, families: 1 },
  },
];
for (const v of vectors) {
  test(`reference exposition ${v.file} parses fully`, () => {
    const text = read(v.file.split(" ")[0]!);
    assert.deepEqual(census(v.parser(text)), v.want);
  });
}

test("reference expositions: one series per sample line", () => {
  for (const f of ["alltypes.237mfs.prom.txt", "alltypes.237mfs.nometa.prom.txt", "alltypes.5mfs.om.txt", "1histogram.om.txt"]) {
    const text = read(f);
    const p = f.endsWith(".om.txt") ? new OpenMetricsParser(text) : new TextParser(text);
    assert.equal(census(p).series, sampleLines(text), f);
  }
});

test("reference exposition alltypes.5mfs.om.txt: created timestamps and exemplars", () => {
  const p = new OpenMetricsParser(read("alltypes.5mfs.om.txt"), { skipCreatedSeries: true });
  const lb = new LabelsBuilder();
  const got: Record<string, { ct: number | null; ex: string | null }> = {};
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e !== Entry.Series) continue;
    const ex = p.exemplar(lb);
    got[p.series()] = { ct: p.createdTimestamp(), ex: ex === null ? null : `${ex.labels.toString()} ${ex.value} ${ex.t}` };
  }
  assert.deepEqual(got['promhttp_metric_handler_errors_total{cause="encoding"}'], { ct: 1726839813016, ex: null });
  assert.deepEqual(got['promhttp_metric_handler_errors_total{cause="gathering"}'], { ct: 1726839813016, ex: null });
  assert.deepEqual(got['rpc_durations_histogram_seconds_bucket{le="-0.0002899999999999998"}'], {
    ct: 1726839813016,
    ex: '{dummyID="17783"} -0.0003825067330956884 1726839814223',
  });
  assert.deepEqual(got['go_build_info{checksum="",path="",version=""}'], { ct: null, ex: null });
});

test("round trip: writer output parses back to the same samples", () => {
  // A seeded generator, so failures reproduce.
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const specials = [0, -0, 1, -1, 0.1, 1e-7, 1e21, 123456789.123, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN];
  const value = (): number => (rnd() < 0.3 ? specials[Math.floor(rnd() * specials.length)]! : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20));
  const labelValues = ["", "plain", 'quote"d', "back\\slash", "new\nline", "ünïcödé €", "tab\there", "{braces}, and = signs"];
  const b = new FamilyBuilder();
  const counter = newDesc("rt_requests_total", "Requests.\nSecond line \\ backslash.", MetricType.Counter, ["code", "path"]);
  const gauge = newDesc("rt_temperature", "Temperature.", MetricType.Gauge, ["room"]);
  const untyped = newDesc("rt_untyped", "Untyped.", MetricType.Untyped);
  const summary = newDesc("rt_latency_seconds", "Latency.", MetricType.Summary, ["op"]);
  const histogram = newDesc("rt_size_bytes", "Size.", MetricType.Histogram, ["op"]);
  for (let i = 0; i < 40; i++) b.emit(counter, Math.abs(value()), String(i), labelValues[i % labelValues.length]!);
  for (let i = 0; i < labelValues.length; i++) b.emit(gauge, value(), labelValues[i]!);
  b.emit(untyped, value());
  for (let i = 0; i < 5; i++) b.emit(summary, { kind: "summary", quantiles: [0, 0.5, 0.99, 1], values: [value(), value(), value(), value()], sum: value(), count: i }, `op${i}`);
  for (let i = 0; i < 5; i++) {
    b.emit(histogram, { kind: "histogram", upperBounds: [0.005, 1, 2.5, 1e6], cumulativeCounts: [1, 2, 3, 4], sum: value(), count: 5 }, `op${i}`);
  }
  const families = b.families();
  assert.deepEqual(b.errors, []);

  // What the parser must give back, derived from the families.
  const want: string[] = [];
  const lbl = (name: string, names: readonly string[], values: readonly string[], extra: [string, string] | null): string => {
    const o: Record<string, string> = { __name__: name };
    names.forEach((n, i) => {
      if (values[i] !== "") o[n] = values[i]!;
    });
    if (extra !== null) o[extra[0]] = extra[1];
    return JSON.stringify(Object.fromEntries(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))));
  };
  const num = (v: number): string => (Object.is(v, -0) ? "-0" : String(v));
  for (const f of families) {
    want.push(`help ${f.name} ${f.help}`, `type ${f.name} ${f.type === MetricType.Untyped ? MetadataType.Unknown : f.type}`);
    for (const m of f.metrics) {
      const v = m.value;
      if (typeof v === "number") {
        want.push(`${lbl(f.name, m.labelNames, m.labelValues, null)} ${num(v)}`);
      } else if (v.kind === "summary") {
        v.quantiles.forEach((q, i) => want.push(`${lbl(f.name, m.labelNames, m.labelValues, ["quantile", formatOpenMetricsFloat(q)])} ${num(v.values[i]!)}`));
        want.push(`${lbl(`${f.name}_sum`, m.labelNames, m.labelValues, null)} ${num(v.sum)}`, `${lbl(`${f.name}_count`, m.labelNames, m.labelValues, null)} ${num(v.count)}`);
      } else {
        v.upperBounds.forEach((ub, i) => want.push(`${lbl(`${f.name}_bucket`, m.labelNames, m.labelValues, ["le", formatOpenMetricsFloat(ub)])} ${num(v.cumulativeCounts[i]!)}`));
        want.push(`${lbl(`${f.name}_bucket`, m.labelNames, m.labelValues, ["le", "+Inf"])} ${num(v.count)}`);
        want.push(`${lbl(`${f.name}_sum`, m.labelNames, m.labelValues, null)} ${num(v.sum)}`, `${lbl(`${f.name}_count`, m.labelNames, m.labelValues, null)} ${num(v.count)}`);
      }
    }
  }

  const p = new TextParser(writeText(families));
  const lb = new LabelsBuilder();
  const got: string[] = [];
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e === Entry.Help) got.push(`help ${p.familyName()} ${p.help()}`);
    else if (e === Entry.Type) got.push(`type ${p.familyName()} ${p.type()}`);
    else if (e === Entry.Series) {
      assert.equal(p.timestamp(), null);
      got.push(`${JSON.stringify(p.labels(lb).toObject())} ${num(p.value())}`);
    }
  }
  assert.deepEqual(got, want);
});

const families = [
  { name: "counter with _total", m: "foo_total", mf: "foo", typ: MetadataType.Counter, want: true },
  { name: "counter family named with _total", m: "foo_total", mf: "foo_total", typ: MetadataType.Counter, want: true },
  { name: "counter without suffix", m: "foo", mf: "foo", typ: MetadataType.Counter, want: true },
  { name: "counter _created is not the family", m: "foo_created", mf: "foo", typ: MetadataType.Counter, want: false },
  { name: "histogram bucket", m: "h_bucket", mf: "h", typ: MetadataType.Histogram, want: true },
  { name: "histogram count", m: "h_count", mf: "h", typ: MetadataType.Histogram, want: true },
  { name: "gauge histogram gsum", m: "g_gsum", mf: "g", typ: MetadataType.GaugeHistogram, want: true },
  { name: "gauge histogram plain sum is not", m: "g_sum", mf: "g", typ: MetadataType.GaugeHistogram, want: false },
  { name: "summary sum", m: "s_sum", mf: "s", typ: MetadataType.Summary, want: true },
  { name: "info suffix", m: "build_info", mf: "build", typ: MetadataType.Info, want: true },
  { name: "gauge exact only", m: "g_total", mf: "g", typ: MetadataType.Gauge, want: false },
  { name: "other prefix", m: "bar", mf: "foo", typ: MetadataType.Unknown, want: false },
];
for (const c of families) test(`isSeriesPartOfFamily: ${c.name}`, () => assert.equal(isSeriesPartOfFamily(c.m, c.mf, c.typ), c.want));
