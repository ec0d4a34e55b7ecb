import { test } from "node:test";
import assert from "node:assert/strict";
import { formatFloatG } from "../util/index.ts";
import { FamilyBuilder, MetricType, newDesc, writeText } from "./index.ts";

const floats = [
  { name: "zero", f: 0, want: "0" },
  { name: "one", f: 1, want: "1" },
  { name: "small integer", f: 123456, want: "123456" },
  { name: "a million switches to exponent", f: 1e6, want: "1e+06" },
  { name: "seven digits", f: 38014093, want: "3.8014093e+07" },
  { name: "fraction", f: 444.9, want: "444.9" },
  { name: "round-trip digits", f: 14036781 / 1000 / 1000, want: "14.036781000000001" },
  { name: "1e-4 stays plain", f: 0.0001, want: "0.0001" },
  { name: "1e-5 is exponent", f: 0.00001, want: "1e-05" },
  { name: "negative", f: -2.5, want: "-2.5" },
  { name: "large exponent", f: 3.5184372087808e13, want: "3.5184372087808e+13" },
  { name: "three-digit exponent", f: 1e300, want: "1e+300" },
  { name: "+Inf", f: Infinity, want: "+Inf" },
  { name: "-Inf", f: -Infinity, want: "-Inf" },
  { name: "NaN", f: NaN, want: "NaN" },
];
for (const c of floats) test(`formatGoFloat: ${c.name}`, () => assert.equal(formatFloatG(c.f), c.want));

test("writeText: families sorted, labels sorted and escaped, HELP escaped", () => {
  const b = new FamilyBuilder();
  const g = newDesc("b_gauge", "line1\nline2 \\ back", MetricType.Gauge, ["z", "a"]);
  b.emit(g, 2, "z2", 'q"\\\n');
  b.emit(g, 1, "z1", "a1");
  b.emit(newDesc("a_counter", "A counter.", MetricType.Counter), 1e6);
  assert.equal(
    writeText(b.families()),
    [
      "# HELP a_counter A counter.",
      "# TYPE a_counter counter",
      "a_counter 1e+06",
      "# HELP b_gauge line1\\nline2 \\\\ back",
      "# TYPE b_gauge gauge",
      'b_gauge{a="a1",z="z1"} 1',
      'b_gauge{a="q\\"\\\\\\n",z="z2"} 2',
      "",
    ].join("\n"),
  );
});

test("writeText: summary and histogram put quantile/le last and add +Inf", () => {
  const b = new FamilyBuilder();
  b.emit(newDesc("s", "S.", MetricType.Summary, ["x"]), { kind: "summary", quantiles: [0.5, 0.99], values: [1, 2], sum: 3, count: 4 }, "y");
  b.emit(newDesc("h", "H.", MetricType.Histogram), { kind: "histogram", upperBounds: [0.1, 1.6384e6], cumulativeCounts: [1, 2], sum: 5, count: 3 });
  assert.equal(
    writeText(b.families()),
    [
      "# HELP h H.",
      "# TYPE h histogram",
      'h_bucket{le="0.1"} 1',
      'h_bucket{le="1.6384e+06"} 2',
      'h_bucket{le="+Inf"} 3',
      "h_sum 5",
      "h_count 3",
      "# HELP s S.",
      "# TYPE s summary",
      's{x="y",quantile="0.5"} 1',
      's{x="y",quantile="0.99"} 2',
      's_sum{x="y"} 3',
      's_count{x="y"} 4',
      "",
    ].join("\n"),
  );
});

const dropped = [
  { name: "other help", help: "Other.", type: MetricType.Gauge, labels: ["1"], msg: /has help/ },
  { name: "other type", help: "X.", type: MetricType.Counter, labels: ["2"], msg: /type counter/ },
  { name: "duplicate labels", help: "X.", type: MetricType.Gauge, labels: ["0"], msg: /collected before/ },
];
for (const c of dropped) {
  test(`FamilyBuilder drops a metric with ${c.name}`, () => {
    const b = new FamilyBuilder();
    b.emit(newDesc("x", "X.", MetricType.Gauge, ["l"]), 1, "0");
    b.emit(newDesc("x", c.help, c.type, ["l"]), 2, ...c.labels);
    assert.equal(b.families()[0]!.metrics.length, 1);
    assert.equal(b.errors.length, 1);
    assert.match(b.errors[0]!.message, c.msg);
  });
}
