import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration } from "../../model/index.ts";
import { formatExpr, parseExpr } from "./index.ts";
import type { ParseOptions } from "./index.ts";
import { formatFloat, formatFloatG } from "./printer.ts";

const allOn: ParseOptions = {
  enableExperimentalFunctions: true,
  enableExtendedRangeSelectors: true,
  enableBinopFillModifiers: true,
};

// Canonical forms, after the expectations of Prometheus's printer_test.go.
const cases: { input: string; want: string }[] = [
  { input: "sum by() (task:errors:rate10s{job=\"s\"})", want: 'sum(task:errors:rate10s{job="s"})' },
  { input: "sum by(code) (task:errors:rate10s{job=\"s\"})", want: 'sum by (code) (task:errors:rate10s{job="s"})' },
  { input: "sum without() (task:errors:rate10s{job=\"s\"})", want: 'sum without () (task:errors:rate10s{job="s"})' },
  { input: "sum without(instance) (task:errors:rate10s{job=\"s\"})", want: 'sum without (instance) (task:errors:rate10s{job="s"})' },
  { input: 'topk(5, task:errors:rate10s{job="s"})', want: 'topk(5, task:errors:rate10s{job="s"})' },
  { input: 'count_values("value", task:errors:rate10s{job="s"})', want: 'count_values("value", task:errors:rate10s{job="s"})' },
  { input: "a - on(b) c", want: "a - on (b) c" },
  { input: "a - on(b) group_right(x) c", want: "a - on (b) group_right (x) c" },
  { input: "a - on(b) group_right(x, y) c", want: "a - on (b) group_right (x, y) c" },
  { input: "a - on(b) group_right c", want: "a - on (b) group_right () c" },
  { input: "a - ignoring(b) c", want: "a - ignoring (b) c" },
  { input: "a - ignoring() c", want: "a - c" },
  { input: "up > bool 0", want: "up > bool 0" },
  { input: "a offset 1m", want: "a offset 1m" },
  { input: "a offset -7m", want: "a offset -7m" },
  { input: 'a{c="d"}[5m] offset 1m', want: 'a{c="d"}[5m] offset 1m' },
  { input: "a[5m] offset 1m", want: "a[5m] offset 1m" },
  { input: "a[12m] offset -3m", want: "a[12m] offset -3m" },
  { input: "a[1h:5m] offset 1m", want: "a[1h:5m] offset 1m" },
  { input: "{__name__=\"a\"}", want: '{__name__="a"}' },
  { input: "a{b!=\"c\"}[1m]", want: 'a{b!="c"}[1m]' },
  { input: "a{b=~\"c\"}[1m]", want: 'a{b=~"c"}[1m]' },
  { input: "a{b!~\"c\"}[1m]", want: 'a{b!~"c"}[1m]' },
  { input: "a @ 10", want: "a @ 10.000" },
  { input: "a[1m] @ 10", want: "a[1m] @ 10.000" },
  { input: "a @ start()", want: "a @ start()" },
  { input: "a @ end()", want: "a @ end()" },
  { input: "a[1m] @ start()", want: "a[1m] @ start()" },
  { input: "a[1m] @ end()", want: "a[1m] @ end()" },
  { input: 'a{"b"="c"}', want: 'a{b="c"}' },
  { input: '{"a.b"}', want: '{__name__="a.b"}' },
  { input: '{"a.b", c="d"}', want: '{__name__="a.b",c="d"}' },
  { input: 'sum by ("a.b") (x)', want: 'sum by ("a.b") (x)' },
  { input: 'a * on("b.c") group_left("d.e") f', want: 'a * on ("b.c") group_left ("d.e") f' },
  { input: "1.5e21", want: "1500000000000000000000" },
  { input: "1e-7", want: "0.0000001" },
  { input: "-0", want: "-0" },
  { input: "5m", want: "5m" },
  { input: "-5m", want: "-5m" },
  { input: '"a\\nb"', want: '"a\\nb"' },
  { input: "-(a + b)", want: "-(a + b)" },
  { input: "rate(a[5m:step()])", want: "rate(a[5m:step()])" },
  { input: "a[step() * 2:]", want: "a[step() * 2:]" },
  { input: "a[(step() + 1) * 2]", want: "a[(step() + 1) * 2]" },
  { input: "a offset -(step() + 1)", want: "a offset -(step() + 1)" },
  { input: "a[5m] anchored", want: "a[5m] anchored" },
  { input: "a smoothed offset 5m", want: "a smoothed offset 5m" },
  { input: "a + fill(1e6) b", want: "a + fill (1e+06) b" },
  { input: "a + fill_left(NaN) fill_right(0.5) b", want: "a + fill_left (NaN) fill_right (0.5) b" },
];

for (const c of cases) {
  test(`formats ${JSON.stringify(c.input)}`, () => assert.equal(formatExpr(parseExpr(c.input, allOn)), c.want));
}

/** A parsed AST without positions and with matchers in printed order, for structural comparison. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === "object") {
    if (typeof (v as { matches?: unknown }).matches === "function") return String(v);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "pos") continue;
      out[k] = k === "matchers" ? (x as unknown[]).map(String).sort() : normalize(x);
    }
    return out;
  }
  return v;
}

const roundTrips = [
  'sum by (job) (rate(http_requests_total{code=~"5..",job!="x"}[5m] offset 1h @ 1700000000)) / ignoring (code) group_left (team) sum(x)',
  "quantile_over_time(0.9, (a + b)[30m:1m] offset -5m)",
  "histogram_quantile(1./6., rate(h_bucket[1m]))",
  'label_replace(up, "a", "$1", "b", "(.*)") and on () vector(1)',
  "-(-1) ^ -2 * 3 % 4 atan2 5",
  "1 < bool 2 == bool 3",
  "a or b unless c and d",
  "count_values without (a) (\"v\", x) > 0",
  "foo[1h + step():step() * 2] offset min_of(step(), 1m)",
  "increase(x[1m] anchored) + on (a) fill_right (0) y",
  "timestamp(x @ end())",
  "limitk(2, x) or limit_ratio(0.5, y)",
  'sort_by_label(x, "a", "b")',
];

for (const q of roundTrips) {
  test(`round trip ${q}`, () => {
    const first = parseExpr(q, allOn);
    const again = parseExpr(formatExpr(first), allOn);
    assert.deepEqual(normalize(again), normalize(first));
  });
}

const durations: { ms: number; want: string }[] = [
  { ms: 0, want: "0s" },
  { ms: 1, want: "1ms" },
  { ms: 1000, want: "1s" },
  { ms: 90 * 60 * 1000, want: "1h30m" },
  { ms: 90 * 24 * 3600 * 1000, want: "90d" },
  { ms: 14 * 24 * 3600 * 1000, want: "2w" },
  { ms: 365 * 24 * 3600 * 1000, want: "1y" },
  { ms: 366 * 24 * 3600 * 1000, want: "366d" },
  { ms: 93784005, want: "1d2h3m4s5ms" },
];
for (const c of durations) {
  test(`formatDuration(${c.ms})`, () => assert.equal(formatDuration(c.ms), c.want));
}

const floats: { v: number; f: string; g: string }[] = [
  { v: 0, f: "0", g: "0" },
  { v: 1.5, f: "1.5", g: "1.5" },
  { v: -2, f: "-2", g: "-2" },
  { v: 1e6, f: "1000000", g: "1e+06" },
  { v: 123456, f: "123456", g: "123456" },
  { v: 1e-5, f: "0.00001", g: "1e-05" },
  { v: 0.0001, f: "0.0001", g: "0.0001" },
  { v: Infinity, f: "+Inf", g: "+Inf" },
  { v: NaN, f: "NaN", g: "NaN" },
];
for (const c of floats) {
  test(`formats float ${c.v}`, () => {
    assert.equal(formatFloat(c.v), c.f);
    assert.equal(formatFloatG(c.v), c.g);
  });
}
