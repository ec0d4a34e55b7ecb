import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSeriesDesc, SequenceKind, SeriesParseError, type SequenceValue } from "./index.ts";

/** Renders expanded values compactly: numbers, "_" (omitted), "stale", "H" (histogram). */
function render(vs: SequenceValue[]): string {
  return vs
    .map((v) => (v.kind === SequenceKind.Omitted ? "_" : v.kind === SequenceKind.Stale ? "stale" : v.kind === SequenceKind.Histogram ? "H" : String(v.value)))
    .join(" ");
}

const cases = [
  { name: "plain values", line: "foo 1 2 3", metric: '{__name__="foo"}', want: "1 2 3" },
  { name: "increment", line: 'foo{a="b"} 1+2x3', metric: '{__name__="foo", a="b"}', want: "1 3 5 7" },
  { name: "decrement", line: "foo 10-2x2", metric: '{__name__="foo"}', want: "10 8 6" },
  { name: "negative start repeated", line: "foo -2x3", metric: '{__name__="foo"}', want: "-2 -2 -2 -2" },
  { name: "x0 is one value", line: "foo 1x0", metric: '{__name__="foo"}', want: "1" },
  { name: "0xN is zero repeated, not hex", line: "foo 0x3", metric: '{__name__="foo"}', want: "0 0 0 0" },
  { name: "missing values", line: "foo 1 _ _x2 2", metric: '{__name__="foo"}', want: "1 _ _ _ 2" },
  { name: "stale, Inf and NaN", line: "foo stale Inf -Inf NaN +1", metric: '{__name__="foo"}', want: "stale Infinity -Infinity NaN 1" },
  { name: "floats and exponents", line: "foo 1.5 .5 1e3 2.5e-1+1x1", metric: '{__name__="foo"}', want: "1.5 0.5 1000 0.25 1.25" },
  { name: "labels only", line: '{job="a", instance="b"} 1', metric: '{instance="b", job="a"}', want: "1" },
  { name: "empty label set", line: "{} 7", metric: "{}", want: "7" },
  { name: "trailing comma and spaces", line: 'foo{ a = "1" , } 1', metric: '{__name__="foo", a="1"}', want: "1" },
  { name: "quoted metric name", line: '{"my.metric", "a.b"="c"} 1', metric: '{__name__="my.metric", "a.b"="c"}', want: "1" },
  { name: "escapes in values", line: 'foo{a="x\\"y\\n"} 1', metric: '{__name__="foo", a="x\\"y\\n"}', want: "1" },
  { name: "histogram counts steps", line: "h {{schema:1 sum:3 count:22 buckets:[5 10 7]}} {{count:1}}x2 {{a:1}}+{{a:2}}x1 5", metric: '{__name__="h"}', want: "H H H H H H 5" },
  { name: "tab separated", line: "foo\t1\t2", metric: '{__name__="foo"}', want: "1 2" },
  { name: "keyword metric name", line: "sum 1", metric: '{__name__="sum"}', want: "1" },
];

for (const c of cases) {
  test(`series: ${c.name}`, () => {
    const s = parseSeriesDesc(c.line);
    assert.equal(s.metric.toString(), c.metric);
    assert.equal(render(s.values), c.want);
  });
}

test("series: increments accumulate as Prometheus does", () => {
  const s = parseSeriesDesc("foo 0+0.1x3");
  assert.deepEqual(
    s.values.map((v) => v.value),
    [0, 0.1, 0.2, 0.30000000000000004],
  );
});

const bad = [
  { name: "no values", line: "foo" },
  { name: "bad value", line: "foo abc" },
  { name: "bad repetition", line: "foo 1x" },
  { name: "step without repetition", line: "foo 1+2" },
  { name: "unclosed labels", line: 'foo{a="b" 1' },
  { name: "unquoted label value", line: "foo{a=b} 1" },
  { name: "unclosed histogram", line: "foo {{schema:1" },
];
for (const c of bad) {
  test(`series rejects: ${c.name}`, () => assert.throws(() => parseSeriesDesc(c.line), SeriesParseError));
}
