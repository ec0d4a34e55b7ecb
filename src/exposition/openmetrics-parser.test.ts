import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels, LabelsBuilder } from "../model/index.ts";
import { seededRandom } from "../util/index.ts";
import { Entry, OpenMetricsParser } from "./index.ts";
import type { OpenMetricsParserOptions } from "./openmetrics-parser.ts";
import { assertNearMissesNotTaken, drain, firstError, outcome, outcomeExpecting } from "./parse-test-util.test.ts";
import type { Parsed } from "./parse-test-util.test.ts";

// Re-typed from Prometheus's model/textparse openmetricsparse_test.go TestOpenMetricsParse.
const omInput =
  `# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# TYPE go_gc_duration_seconds summary
# UNIT go_gc_duration_seconds seconds
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25"} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
# HELP nohelp1 
# HELP help2 escape \\ \\n \\\\ \\" \\x chars
# UNIT nounit 
go_gc_duration_seconds{quantile="1.0",a="b"} 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"} 1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33 123.123
# TYPE hh histogram
hh_bucket{le="+Inf"} 1
# TYPE gh gaugehistogram
gh_bucket{le="+Inf"} 1
# TYPE hhh histogram
hhh_bucket{le="+Inf"} 1 # {id="histogram-bucket-test"} 4
hhh_count 1 # {id="histogram-count-test"} 4
# TYPE ggh gaugehistogram
ggh_bucket{le="+Inf"} 1 # {id="gaugehistogram-bucket-test",xx="yy"} 4 123.123
ggh_count 1 # {id="gaugehistogram-count-test",xx="yy"} 4 123.123
# TYPE smr_seconds summary
smr_seconds_count 2.0 # {id="summary-count-test"} 1 123.321
smr_seconds_sum 42.0 # {id="summary-sum-test"} 1 123.321
# TYPE ii info
ii{foo="bar"} 1
# TYPE ss stateset
ss{ss="foo"} 1
ss{ss="bar"} 0
ss{A="a"} 0
# TYPE un unknown
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\\"bar\\""} 1
# HELP foo Counter with and without labels to certify CT is parsed for both cases
# TYPE foo counter
foo_total 17.0 1520879607.789 # {id="counter-test"} 5
foo_created 1520872607.123
foo_total{a="b"} 17.0 1520879607.789 # {id="counter-test"} 5
foo_created{a="b"} 1520872607.123
foo_total{le="c"} 21.0
foo_created{le="c"} 1520872621.123
foo_total{le="1"} 10.0
# HELP bar Summary with CT at the end, making sure we find CT even if it's multiple lines a far
# TYPE bar summary
bar_count 17.0
bar_sum 324789.3
bar{quantile="0.95"} 123.7
bar{quantile="0.99"} 150.0
bar_created 1520872608.124
# HELP baz Histogram with the same objective as above's summary
# TYPE baz histogram
baz_bucket{le="0.0"} 0
baz_bucket{le="+Inf"} 17
baz_count 17
baz_sum 324789.3
baz_created 1520872609.125
# HELP fizz_created Gauge which shouldn't be parsed as CT
# TYPE fizz_created gauge
fizz_created 17.0
# HELP something Histogram with _created between buckets and summary
# TYPE something histogram
something_count 18
something_sum 324789.4
something_created 1520430001
something_bucket{le="0.0"} 1
something_bucket{le="1"} 2
something_bucket{le="+Inf"} 18
# HELP yum Summary with _created between sum and quantiles
# TYPE yum summary
yum_count 20
yum_sum 324789.5
yum_created 1520430003
yum{quantile="0.95"} 123.7
yum{quantile="0.99"} 150.0
# HELP foobar Summary with _created as the first line
# TYPE foobar summary
foobar_count 21
foobar_created 1520430004
foobar_sum 324789.6
foobar{quantile="0.95"} 123.8
foobar{quantile="0.99"} 150.1` +
  "\n# HELP metric foo\x00bar" +
  '\nnull_byte_metric{a="abc\x00"} 1' +
  "\n# EOF\n";

/** A series record; ct null and no exemplar unless given. */
function s(m: string, v: number, lset: Record<string, string>, more: Partial<Parsed> = {}): Parsed {
  return { m, v, t: null, lset, ...more, ct: more.ct ?? null };
}
const ex = (labels: Record<string, string>, value: number, t: number | null = null) => ({ e: { labels, value, t } });

test("OpenMetricsParser: upstream TestOpenMetricsParse (created series skipped, created timestamps read)", () => {
  const got = drain(new OpenMetricsParser(omInput, { skipCreatedSeries: true }), true);
  assert.deepEqual(got, [
    { m: "go_gc_duration_seconds", help: "A summary of the GC invocation durations." },
    { m: "go_gc_duration_seconds", typ: "summary" },
    { m: "go_gc_duration_seconds", unit: "seconds" },
    s('go_gc_duration_seconds{quantile="0"}', 4.9351e-5, { __name__: "go_gc_duration_seconds", quantile: "0.0" }),
    s('go_gc_duration_seconds{quantile="0.25"}', 7.424100000000001e-5, { __name__: "go_gc_duration_seconds", quantile: "0.25" }),
    s('go_gc_duration_seconds{quantile="0.5",a="b"}', 8.3835e-5, { __name__: "go_gc_duration_seconds", quantile: "0.5", a: "b" }),
    { m: "nohelp1", help: "" },
    { m: "help2", help: 'escape \\ \n \\ " \\x chars' },
    { m: "nounit", unit: "" },
    s('go_gc_duration_seconds{quantile="1.0",a="b"}', 8.3835e-5, { __name__: "go_gc_duration_seconds", quantile: "1.0", a: "b" }),
    s("go_gc_duration_seconds_count", 99, { __name__: "go_gc_duration_seconds_count" }),
    s('some:aggregate:rate5m{a_b="c"}', 1, { __name__: "some:aggregate:rate5m", a_b: "c" }),
    { m: "go_goroutines", help: "Number of goroutines that currently exist." },
    { m: "go_goroutines", typ: "gauge" },
    s("go_goroutines", 33, { __name__: "go_goroutines" }, { t: 123123 }),
    { m: "hh", typ: "histogram" },
    s('hh_bucket{le="+Inf"}', 1, { __name__: "hh_bucket", le: "+Inf" }),
    { m: "gh", typ: "gaugehistogram" },
    s('gh_bucket{le="+Inf"}', 1, { __name__: "gh_bucket", le: "+Inf" }),
    { m: "hhh", typ: "histogram" },
    s('hhh_bucket{le="+Inf"}', 1, { __name__: "hhh_bucket", le: "+Inf" }, ex({ id: "histogram-bucket-test" }, 4)),
    s("hhh_count", 1, { __name__: "hhh_count" }, ex({ id: "histogram-count-test" }, 4)),
    { m: "ggh", typ: "gaugehistogram" },
    s('ggh_bucket{le="+Inf"}', 1, { __name__: "ggh_bucket", le: "+Inf" }, ex({ id: "gaugehistogram-bucket-test", xx: "yy" }, 4, 123123)),
    s("ggh_count", 1, { __name__: "ggh_count" }, ex({ id: "gaugehistogram-count-test", xx: "yy" }, 4, 123123)),
    { m: "smr_seconds", typ: "summary" },
    s("smr_seconds_count", 2, { __name__: "smr_seconds_count" }, ex({ id: "summary-count-test" }, 1, 123321)),
    s("smr_seconds_sum", 42, { __name__: "smr_seconds_sum" }, ex({ id: "summary-sum-test" }, 1, 123321)),
    { m: "ii", typ: "info" },
    s('ii{foo="bar"}', 1, { __name__: "ii", foo: "bar" }),
    { m: "ss", typ: "stateset" },
    s('ss{ss="foo"}', 1, { __name__: "ss", ss: "foo" }),
    s('ss{ss="bar"}', 0, { __name__: "ss", ss: "bar" }),
    s('ss{A="a"}', 0, { A: "a", __name__: "ss" }),
    { m: "un", typ: "unknown" },
    s("_metric_starting_with_underscore", 1, { __name__: "_metric_starting_with_underscore" }),
    s('testmetric{_label_starting_with_underscore="foo"}', 1, { __name__: "testmetric", _label_starting_with_underscore: "foo" }),
    s('testmetric{label="\\"bar\\""}', 1, { __name__: "testmetric", label: '"bar"' }),
    { m: "foo", help: "Counter with and without labels to certify CT is parsed for both cases" },
    { m: "foo", typ: "counter" },
    s("foo_total", 17, { __name__: "foo_total" }, { t: 1520879607789, ...ex({ id: "counter-test" }, 5), ct: 1520872607123 }),
    s('foo_total{a="b"}', 17, { __name__: "foo_total", a: "b" }, { t: 1520879607789, ...ex({ id: "counter-test" }, 5), ct: 1520872607123 }),
    s('foo_total{le="c"}', 21, { __name__: "foo_total", le: "c" }, { ct: 1520872621123 }),
    s('foo_total{le="1"}', 10, { __name__: "foo_total", le: "1" }),
    { m: "bar", help: "Summary with CT at the end, making sure we find CT even if it's multiple lines a far" },
    { m: "bar", typ: "summary" },
    s("bar_count", 17, { __name__: "bar_count" }, { ct: 1520872608124 }),
    s("bar_sum", 324789.3, { __name__: "bar_sum" }, { ct: 1520872608124 }),
    s('bar{quantile="0.95"}', 123.7, { __name__: "bar", quantile: "0.95" }, { ct: 1520872608124 }),
    s('bar{quantile="0.99"}', 150, { __name__: "bar", quantile: "0.99" }, { ct: 1520872608124 }),
    { m: "baz", help: "Histogram with the same objective as above's summary" },
    { m: "baz", typ: "histogram" },
    s('baz_bucket{le="0.0"}', 0, { __name__: "baz_bucket", le: "0.0" }, { ct: 1520872609125 }),
    s('baz_bucket{le="+Inf"}', 17, { __name__: "baz_bucket", le: "+Inf" }, { ct: 1520872609125 }),
    s("baz_count", 17, { __name__: "baz_count" }, { ct: 1520872609125 }),
    s("baz_sum", 324789.3, { __name__: "baz_sum" }, { ct: 1520872609125 }),
    { m: "fizz_created", help: "Gauge which shouldn't be parsed as CT" },
    { m: "fizz_created", typ: "gauge" },
    s("fizz_created", 17, { __name__: "fizz_created" }),
    { m: "something", help: "Histogram with _created between buckets and summary" },
    { m: "something", typ: "histogram" },
    s("something_count", 18, { __name__: "something_count" }, { ct: 1520430001000 }),
    s("something_sum", 324789.4, { __name__: "something_sum" }, { ct: 1520430001000 }),
    s('something_bucket{le="0.0"}', 1, { __name__: "something_bucket", le: "0.0" }, { ct: 1520430001000 }),
    s('something_bucket{le="1"}', 2, { __name__: "something_bucket", le: "1.0" }, { ct: 1520430001000 }),
    s('something_bucket{le="+Inf"}', 18, { __name__: "something_bucket", le: "+Inf" }, { ct: 1520430001000 }),
    { m: "yum", help: "Summary with _created between sum and quantiles" },
    { m: "yum", typ: "summary" },
    s("yum_count", 20, { __name__: "yum_count" }, { ct: 1520430003000 }),
    s("yum_sum", 324789.5, { __name__: "yum_sum" }, { ct: 1520430003000 }),
    s('yum{quantile="0.95"}', 123.7, { __name__: "yum", quantile: "0.95" }, { ct: 1520430003000 }),
    s('yum{quantile="0.99"}', 150, { __name__: "yum", quantile: "0.99" }, { ct: 1520430003000 }),
    { m: "foobar", help: "Summary with _created as the first line" },
    { m: "foobar", typ: "summary" },
    s("foobar_count", 21, { __name__: "foobar_count" }, { ct: 1520430004000 }),
    s("foobar_sum", 324789.6, { __name__: "foobar_sum" }, { ct: 1520430004000 }),
    s('foobar{quantile="0.95"}', 123.8, { __name__: "foobar", quantile: "0.95" }, { ct: 1520430004000 }),
    s('foobar{quantile="0.99"}', 150.1, { __name__: "foobar", quantile: "0.99" }, { ct: 1520430004000 }),
    { m: "metric", help: "foo\x00bar" },
    s('null_byte_metric{a="abc\x00"}', 1, { __name__: "null_byte_metric", a: "abc\x00" }),
  ]);
});

test("OpenMetricsParser: _created series are returned unless skipped", () => {
  const input = "# TYPE foo counter\nfoo_total 1\nfoo_created 1520872607.123\n# EOF\n";
  assert.deepEqual(
    drain(new OpenMetricsParser(input)).map((e) => e.m),
    ["foo", "foo_total", "foo_created"],
  );
  assert.deepEqual(
    drain(new OpenMetricsParser(input, { skipCreatedSeries: true })).map((e) => e.m),
    ["foo", "foo_total"],
  );
});

// Re-typed from TestUTF8OpenMetricsParse.
const utf8Input = `# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# TYPE "go.gc_duration_seconds" summary
# UNIT "go.gc_duration_seconds" seconds
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25"} 7.424100000000001e-05
{"go.gc_duration_seconds_created"} 1520872607.123
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{q="0.9","http.status",a="b"} 8.3835e-05
{"go.gc_duration_seconds_sum"} 0.004304266
{"Heizölrückstoßabdämpfung 10€ metric with \\"interesting\\" {character\\nchoices}","strange©™\\n'quoted' \\"name\\""="6"} 10.0
quotedexemplar_count 1 # {"id.thing"="histogram-count-test"} 4
quotedexemplar2_count 1 # {"id.thing"="histogram-count-test",other="hello"} 4
# EOF
`;

test("OpenMetricsParser: upstream TestUTF8OpenMetricsParse", () => {
  const http = { __name__: "http.status", q: "0.9", a: "b" };
  assert.deepEqual(drain(new OpenMetricsParser(utf8Input, { skipCreatedSeries: true }), true), [
    { m: "go.gc_duration_seconds", help: "A summary of the GC invocation durations." },
    { m: "go.gc_duration_seconds", typ: "summary" },
    { m: "go.gc_duration_seconds", unit: "seconds" },
    s('{"go.gc_duration_seconds",quantile="0"}', 4.9351e-5, { __name__: "go.gc_duration_seconds", quantile: "0.0" }, { ct: 1520872607123 }),
    s('{"go.gc_duration_seconds",quantile="0.25"}', 7.424100000000001e-5, { __name__: "go.gc_duration_seconds", quantile: "0.25" }, { ct: 1520872607123 }),
    s('{"go.gc_duration_seconds",quantile="0.5",a="b"}', 8.3835e-5, { __name__: "go.gc_duration_seconds", quantile: "0.5", a: "b" }),
    s('{"http.status",q="0.9",a="b"}', 8.3835e-5, http),
    s('{"http.status",q="0.9",a="b"}', 8.3835e-5, http),
    s('{q="0.9","http.status",a="b"}', 8.3835e-5, http),
    s('{"go.gc_duration_seconds_sum"}', 0.004304266, { __name__: "go.gc_duration_seconds_sum" }),
    s(
      '{"Heizölrückstoßabdämpfung 10€ metric with \\"interesting\\" {character\\nchoices}","strange©™\\n\'quoted\' \\"name\\""="6"}',
      10,
      { __name__: 'Heizölrückstoßabdämpfung 10€ metric with "interesting" {character\nchoices}', "strange©™\n'quoted' \"name\"": "6" },
    ),
    s("quotedexemplar_count", 1, { __name__: "quotedexemplar_count" }, ex({ "id.thing": "histogram-count-test" }, 4)),
    s("quotedexemplar2_count", 1, { __name__: "quotedexemplar2_count" }, ex({ "id.thing": "histogram-count-test", other: "hello" }, 4)),
  ]);
});

// Re-typed from TestCTParseFailures: known limits of `_created` lookahead.
test("OpenMetricsParser: a _created line before its series gives no created timestamp (as upstream)", () => {
  const input = `# HELP thing histogram with _created as first line
# TYPE thing histogram
thing_created 1520872607.123
thing_count 17
thing_sum 324789.3
thing_bucket{le="0.0"} 0
thing_bucket{le="+Inf"} 17
# HELP thing_c counter with _created as first line
# TYPE thing_c counter
thing_c_created 1520872607.123
thing_c_total 14123.232
# EOF
`;
  const got = drain(new OpenMetricsParser(input, { skipCreatedSeries: true }), true)
    .filter((e) => e.lset !== undefined)
    .map((e) => [e.m, e.ct]);
  assert.deepEqual(got, [
    ["thing_count", null],
    ["thing_sum", null],
    ['thing_bucket{le="0.0"}', null],
    ['thing_bucket{le="+Inf"}', null],
    ["thing_c_total", null],
  ]);
  const noMeta = 'foo_total 17.0\nfoo_created 1520872607.123\nfoo_total{a="b"} 17.0\nfoo_created{a="b"} 1520872608.123\n# EOF\n';
  assert.deepEqual(
    drain(new OpenMetricsParser(noMeta, { skipCreatedSeries: true }), true).map((e) => [e.m, e.ct]),
    [
      ["foo_total", null],
      ["foo_created", null],
      ['foo_total{a="b"}', null],
      ['foo_created{a="b"}', null],
    ],
  );
});

test("OpenMetricsParser: createdTimestamp keeps the parser's position and exemplar", () => {
  const p = new OpenMetricsParser('# TYPE c counter\nc_total 1 # {x="y"} 2 3\nc_created 10.5\nd 1\n# EOF\n');
  p.next();
  p.next();
  assert.equal(p.createdTimestamp(), 10500);
  assert.equal(p.series(), "c_total");
  assert.equal(p.next(), "series");
  assert.equal(p.series(), "c_created");
  assert.equal(p.next(), "series");
  assert.equal(p.series(), "d");
  assert.equal(p.next(), "eof");
});

// Re-typed from TestOpenMetricsParseErrors and TestOMNullByteHandling;
// "\udcff" stands for the invalid UTF-8 byte 0xff.
const bad = [
  { input: "# EOF", err: "EOF" },
  { input: "# EOF\n", err: "EOF" },
  { input: "", err: "data does not end with # EOF" },
  { input: "\n", err: 'expected a valid start token, got "\\n" ("INVALID") while parsing: "\\n"' },
  { input: "metric", err: 'expected value after metric, got "metric" ("EOF") while parsing: "metric"' },
  { input: "metric 1", err: "data does not end with # EOF" },
  { input: "metric 1\n", err: "data does not end with # EOF" },
  { input: 'metric_total 1 # {aa="bb"} 4', err: "data does not end with # EOF" },
  { input: "a\n#EOF\n", err: 'expected value after metric, got "\\n" ("INVALID") while parsing: "a\\n"' },
  { input: "\n\n#EOF\n", err: 'expected a valid start token, got "\\n" ("INVALID") while parsing: "\\n"' },
  { input: " a 1\n#EOF\n", err: 'expected a valid start token, got " " ("INVALID") while parsing: " "' },
  { input: "9\n#EOF\n", err: 'expected a valid start token, got "9" ("INVALID") while parsing: "9"' },
  { input: "# TYPE u untyped\n#EOF\n", err: 'invalid metric type "untyped"' },
  { input: "# TYPE c counter \n#EOF\n", err: 'invalid metric type "counter "' },
  { input: "#  TYPE c counter\n#EOF\n", err: 'expected a valid start token, got "#  " ("INVALID") while parsing: "#  "' },
  { input: "# TYPE \n#EOF\n", err: 'expected metric name after TYPE, got "\\n" ("INVALID") while parsing: "# TYPE \\n"' },
  { input: "# TYPE m\n#EOF\n", err: "expected text in TYPE" },
  { input: "# UNIT metric suffix\n#EOF\n", err: 'unit "suffix" not a suffix of metric "metric"' },
  { input: "# UNIT metricsuffix suffix\n#EOF\n", err: 'unit "suffix" not a suffix of metric "metricsuffix"' },
  { input: "# UNIT m suffix\n#EOF\n", err: 'unit "suffix" not a suffix of metric "m"' },
  { input: "# UNIT \n#EOF\n", err: 'expected metric name after UNIT, got "\\n" ("INVALID") while parsing: "# UNIT \\n"' },
  { input: "# UNIT m\n#EOF\n", err: "expected text in UNIT" },
  { input: "# HELP \n#EOF\n", err: 'expected metric name after HELP, got "\\n" ("INVALID") while parsing: "# HELP \\n"' },
  { input: "# HELP m\n#EOF\n", err: "expected text in HELP" },
  { input: "a\t1\n#EOF\n", err: 'expected value after metric, got "\\t" ("INVALID") while parsing: "a\\t"' },
  { input: "a 1\t2\n#EOF\n", err: 'strconv.ParseFloat: parsing "1\\t2": invalid syntax while parsing: "a 1\\t2"' },
  { input: "a 1 2 \n#EOF\n", err: 'expected next entry after timestamp, got " \\n" ("INVALID") while parsing: "a 1 2 \\n"' },
  { input: "a 1 2 #\n#EOF\n", err: 'expected next entry after timestamp, got " #\\n" ("TIMESTAMP") while parsing: "a 1 2 #\\n"' },
  { input: "a 1 1z\n#EOF\n", err: 'strconv.ParseFloat: parsing "1z": invalid syntax while parsing: "a 1 1z"' },
  { input: " # EOF\n", err: 'expected a valid start token, got " " ("INVALID") while parsing: " "' },
  { input: "# EOF\na 1", err: "unexpected data after # EOF" },
  { input: "# EOF\n\n", err: "unexpected data after # EOF" },
  { input: "# EOFa 1", err: "unexpected data after # EOF" },
  { input: "#\tTYPE c counter\n", err: 'expected a valid start token, got "#\\t" ("INVALID") while parsing: "#\\t"' },
  { input: "# TYPE c  counter\n", err: 'invalid metric type " counter"' },
  { input: "a 1 1 1\n# EOF\n", err: 'expected next entry after timestamp, got " 1\\n" ("TIMESTAMP") while parsing: "a 1 1 1\\n"' },
  { input: "a{b='c'} 1\n# EOF\n", err: `expected label value, got "'" ("INVALID") while parsing: "a{b='"` },
  { input: 'a{,b="c"} 1\n# EOF\n', err: 'expected label name, got ",b" ("COMMA") while parsing: "a{,b"' },
  { input: 'a{b="c"d="e"} 1\n# EOF\n', err: 'expected comma or brace close, got "d=" ("LNAME") while parsing: "a{b=\\"c\\"d="' },
  { input: 'a{b="c",,d="e"} 1\n# EOF\n', err: 'expected label name, got ",d" ("COMMA") while parsing: "a{b=\\"c\\",,d"' },
  { input: "a{b=\n# EOF\n", err: 'expected label value, got "\\n" ("INVALID") while parsing: "a{b=\\n"' },
  { input: 'a{\udcff="foo"} 1\n# EOF\n', err: 'expected label name, got "\\xff" ("INVALID") while parsing: "a{\\xff"' },
  { input: 'a{b="\udcff"} 1\n# EOF\n', err: 'invalid UTF-8 label value: "\\"\\xff\\""' },
  { input: '{"a","b = "c"}\n# EOF\n', err: 'expected equal, got "c\\"" ("LNAME") while parsing: "{\\"a\\",\\"b = \\"c\\""' },
  { input: '{"a",b\\nc="d"} 1\n# EOF\n', err: 'expected equal, got "\\\\" ("INVALID") while parsing: "{\\"a\\",b\\\\"' },
  { input: "a true\n", err: 'strconv.ParseFloat: parsing "true": invalid syntax while parsing: "a true"' },
  { input: 'something_weird{problem="\n# EOF\n', err: 'expected label value, got "\\"\\n" ("INVALID") while parsing: "something_weird{problem=\\"\\n"' },
  { input: 'empty_label_name{=""} 0\n# EOF\n', err: 'expected label name, got "=\\"" ("EQUAL") while parsing: "empty_label_name{=\\""' },
  { input: "foo 1_2\n\n# EOF\n", err: 'unsupported character in float while parsing: "foo 1_2"' },
  { input: "foo 0x1p-3\n\n# EOF\n", err: 'unsupported character in float while parsing: "foo 0x1p-3"' },
  { input: "foo 0x1P-3\n\n# EOF\n", err: 'unsupported character in float while parsing: "foo 0x1P-3"' },
  { input: "foo 0 1_2\n\n# EOF\n", err: 'unsupported character in float while parsing: "foo 0 1_2"' },
  { input: "custom_metric_total 1 # {aa=bb}\n# EOF\n", err: 'expected label value, got "b" ("INVALID") while parsing: "custom_metric_total 1 # {aa=b"' },
  {
    input: 'custom_metric_total 1 # {aa="bb"}\n# EOF\n',
    err: 'expected value after exemplar labels, got "\\n" ("INVALID") while parsing: "custom_metric_total 1 # {aa=\\"bb\\"}\\n"',
  },
  { input: 'custom_metric_total 1 # {aa="bb"}', err: 'expected value after exemplar labels, got "}" ("EOF") while parsing: "custom_metric_total 1 # {aa=\\"bb\\"}"' },
  { input: "custom_metric_total 1 # {bb}", err: 'expected label name, got "}" ("BCLOSE") while parsing: "custom_metric_total 1 # {bb}"' },
  { input: 'custom_metric_total 1 # {bb, a="dd"}', err: 'expected label name, got ", " ("COMMA") while parsing: "custom_metric_total 1 # {bb, "' },
  { input: 'custom_metric_total 1 # {aa="bb",,cc="dd"} 1', err: 'expected label name, got ",c" ("COMMA") while parsing: "custom_metric_total 1 # {aa=\\"bb\\",,c"' },
  { input: 'custom_metric_total 1 # {aa="bb"} 1_2', err: 'unsupported character in float while parsing: "custom_metric_total 1 # {aa=\\"bb\\"} 1_2"' },
  { input: 'custom_metric_total 1 # {aa="bb"} 0x1p-3', err: 'unsupported character in float while parsing: "custom_metric_total 1 # {aa=\\"bb\\"} 0x1p-3"' },
  { input: 'custom_metric_total 1 # {aa="bb"} true', err: 'strconv.ParseFloat: parsing "true": invalid syntax while parsing: "custom_metric_total 1 # {aa=\\"bb\\"} true"' },
  { input: 'custom_metric_total 1 # {aa="bb",cc=}', err: 'expected label value, got "}" ("INVALID") while parsing: "custom_metric_total 1 # {aa=\\"bb\\",cc=}"' },
  { input: 'custom_metric_total 1 # {aa=\\"\udcff\\"} 9.0', err: 'expected label value, got "\\\\" ("INVALID") while parsing: "custom_metric_total 1 # {aa=\\\\"' },
  { input: '{b="c",} 1', err: 'metric name not set while parsing: "{b=\\"c\\",} 1"' },
  { input: "a 1 NaN", err: "invalid timestamp NaN" },
  { input: "a 1 -Inf", err: "invalid timestamp -Inf" },
  { input: "a 1 Inf", err: "invalid timestamp +Inf" },
  { input: '# TYPE hhh histogram\nhhh_bucket{le="+Inf"} 1 # {aa="bb"} 4 NaN', err: "invalid exemplar timestamp NaN" },
  { input: '# TYPE hhh histogram\nhhh_bucket{le="+Inf"} 1 # {aa="bb"} 4 -Inf', err: "invalid exemplar timestamp -Inf" },
  // NUL handling.
  { input: 'null_byte_metric{a="abc\x00"} 1\n# EOF\n', err: "EOF" },
  { input: 'a{b="\x00ss"} 1\n# EOF\n', err: "EOF" },
  { input: 'a{b="\x00"} 1\n# EOF\n', err: "EOF" },
  { input: 'a{b="\x00"} 1\n# EOF', err: "EOF" },
  { input: 'a{b=\x00"ssss"} 1\n# EOF\n', err: 'expected label value, got "\\x00" ("INVALID") while parsing: "a{b=\\x00"' },
  { input: 'a{b="\x00', err: 'expected label value, got "\\"\\x00" ("INVALID") while parsing: "a{b=\\"\\x00"' },
  { input: 'a{b\x00="hiih"}\t1', err: 'expected equal, got "\\x00" ("INVALID") while parsing: "a{b\\x00"' },
  { input: 'a\x00{b="ddd"} 1', err: 'expected value after metric, got "\\x00" ("INVALID") while parsing: "a\\x00"' },
  { input: "#", err: 'expected a valid start token, got "#" ("INVALID") while parsing: "#"' },
  { input: "# H", err: 'expected a valid start token, got "# H" ("INVALID") while parsing: "# H"' },
  { input: 'custom_metric_total 1 # {b=\x00"ssss"} 1\n', err: 'expected label value, got "\\x00" ("INVALID") while parsing: "custom_metric_total 1 # {b=\\x00"' },
  { input: 'custom_metric_total 1 # {b="\x00ss"} 1\n', err: 'expected label value, got "\\"\\x00" ("INVALID") while parsing: "custom_metric_total 1 # {b=\\"\\x00"' },
  // More rows from upstream's grammar.
  { input: "a  1\n# EOF\n", err: 'expected value after metric, got "  " ("INVALID") while parsing: "a  "' },
  { input: 'a{b="c"} 1 # {x="y"} 1 2 3\n# EOF\n', err: 'expected next entry after exemplar timestamp, got " 3\\n" ("TIMESTAMP") while parsing: "a{b=\\"c\\"} 1 # {x=\\"y\\"} 1 2 3\\n"' },
  { input: 'a{"b"} 1\n# EOF\n', err: 'metric name already set while parsing: "a{\\"b\\"}"' },
  { input: "# TYPE a bogus\n# EOF\n", err: 'invalid metric type "bogus"' },
];
for (const c of bad) {
  test(`OpenMetricsParser rejects ${JSON.stringify(c.input)}`, () => assert.equal(firstError(new OpenMetricsParser(c.input)), c.err));
}

test("OpenMetricsParser: timestamps are seconds with decimals, truncated to ms", () => {
  const got = drain(new OpenMetricsParser("a 1 1520879607.7899\nb 2 -1.5\nc 3 1e3\n# EOF\n")).map((e) => e.t);
  assert.deepEqual(got, [1520879607789, -1500, 1000000]);
});

test("OpenMetricsParser: every OpenMetrics type is accepted", () => {
  const types = ["counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown"];
  const input = types.map((t) => `# TYPE m_${t} ${t}\n`).join("") + "# EOF\n";
  assert.deepEqual(
    drain(new OpenMetricsParser(input)).map((e) => e.typ),
    types,
  );
});

/** outcomeExpecting() for OpenMetrics text parsed with opts. */
function expecting(text: string, opts: OpenMetricsParserOptions, shift: number | "line"): ReturnType<typeof outcomeExpecting> {
  return outcomeExpecting(new OpenMetricsParser(text, opts), new OpenMetricsParser(text, opts), text, shift, (m) => drain(new OpenMetricsParser(`${m} 1\n# EOF\n`))[0]!.lset!);
}

// Lines near the edges of the expected-text path: timestamps, exemplars,
// doubled or trailing spaces, tabs, NULs, quoted names, odd values, and
// _created lines (skipped or not).
const edgeLines = [
  'a{b="c",d="e"} 1.5 123',
  'a{b="c"} 1 1520879607.7899',
  'a{b="c"} 1 -1.5',
  'a{b="c"} 1 1e3',
  'a{b="c"} 1 NaN',
  'a{b="c"} 1 +Inf',
  'a{b="c"} 1 1_0',
  'a{b="c"} 1 0x10',
  'a{b="c"} 1 #',
  'a{b="c"} 1 # {x="y"} 2',
  'a{b="c"} 1 # {x="y"} 2 3',
  'a{b="c"} 1 2 # {x="y"} 3',
  'a{b="c"} 1 2 3',
  'a{b="c"}  1',
  'a{b="c"} 1 ',
  'a{b="c"} ',
  'a{b="c"}',
  'a{b="c"}\t1',
  'a{b="c"} 1\x00',
  'a{b="c"} \x001',
  'a{b="c", d="e"} 1',
  'a{b="c",} 1',
  "a{} 1",
  '{"a.b",c="d"} 1',
  '{"a.b"} 2 3',
  'a{"b.c"="d"} 1',
  'a{b="\\"x\\n"} 1',
  'a{b="é"} 1',
  "a 1",
  "a NaN",
  "a +Inf",
  "a -Inf",
  "a 0x1p3",
  "a 1_0",
  "a x",
  "a 1e",
  'a{le="1"} 1',
  "a_total 1",
  'a_total{b="c"} 1',
  "a_created 5",
  'a_created{b="c"} 5',
  'a_bucket{le="+Inf"} 3',
  "# TYPE a counter",
  "# HELP a x",
  "",
];

test("OpenMetricsParser: a line taken by its expected series text gives what the parse without guesses gives", () => {
  let matched = 0;
  for (const l of edgeLines) {
    const texts = [
      `${l}\n# EOF\n`,
      `${l}\n`,
      `a 1\n${l}\nb 2\n# EOF\n`,
      `# TYPE a counter\n${l}\n${l}\n# EOF\n`,
      `# TYPE a histogram\na_bucket{le="1"} 1\n${l}\na_created 3\n# EOF\n`,
    ];
    for (const text of texts) {
      for (const opts of [{}, { skipCreatedSeries: true }]) {
        const want = outcome(new OpenMetricsParser(text, opts));
        for (const shift of [0, 1, -1, "line"] as const) {
          const got = expecting(text, opts, shift);
          assert.deepEqual(got.outcome, want, `${JSON.stringify(text)} ${JSON.stringify(opts)} shift ${shift}`);
          matched += got.matched;
        }
      }
    }
  }
  // Most series lines of the corpus were taken by their text.
  assert.ok(matched > 300, `${matched} lines taken by their text`);
});

test("OpenMetricsParser: with guesses, random lines parse as without", () => {
  // Seeded, so that a failure reproduces.
  const random = seededRandom(0x2545f491);
  const rnd = (k: number): number => Math.floor(random() * k);
  const parts = [" ", "1", "2.5", "-3e2", "+Inf", "NaN", "#", " # {", 'x="y"}', "}", "\x00", "\t", "é", "_created", "\n"];
  for (let k = 0; k < 2000; k++) {
    const line = (): string => `m${rnd(2) === 0 ? "_created" : ""}{a="${rnd(3)}"} ${rnd(100)}`;
    let text = rnd(2) === 0 ? "# TYPE m counter\n" : "";
    for (let j = 1 + rnd(4); j > 0; j--) {
      text += line();
      for (let m = rnd(3); m > 0; m--) text += parts[rnd(parts.length)];
      text += "\n";
    }
    if (rnd(4) !== 0) text += "# EOF\n";
    const opts = { skipCreatedSeries: rnd(2) === 0 };
    const want = outcome(new OpenMetricsParser(text, opts));
    for (const shift of [0, 1, "line"] as const) assert.deepEqual(expecting(text, opts, shift).outcome, want, `${JSON.stringify(text)} ${JSON.stringify(opts)} shift ${shift}`);
  }
});

test("OpenMetricsParser: an expected series text applies to the next entry only, to a whole series text, and never to a _created line it skips", () => {
  const body = '# TYPE c counter\nc_total{b="x"} 1\nc_created{b="x"} 5\nc_total{b="y"} 2 3.5\n# EOF\n';
  const p = new OpenMetricsParser(body, { skipCreatedSeries: true });
  p.expect('c_total{b="x"}');
  assert.equal(p.next(), Entry.Type);
  assert.equal(p.next(), Entry.Series);
  assert.deepEqual([p.expectedMatched(), p.series()], [false, 'c_total{b="x"}'], "the guess went with the TYPE line");
  p.expect('c_created{b="x"}');
  assert.equal(p.next(), Entry.Series);
  assert.deepEqual([p.expectedMatched(), p.series(), p.value(), p.timestamp()], [false, 'c_total{b="y"}', 2, 3500], "the _created line was skipped, not taken");
  assert.equal(p.next(), Entry.EOF);

  const q = new OpenMetricsParser(body, { skipCreatedSeries: true });
  q.next();
  q.expect('c_total{b="x"}');
  assert.equal(q.next(), Entry.Series);
  assert.deepEqual([q.expectedMatched(), q.series(), q.value(), q.timestamp()], [true, 'c_total{b="x"}', 1, null]);
  assert.throws(() => q.labels(new LabelsBuilder()), /BUG/);
  assert.throws(() => q.metricName(), /BUG/);
  assert.throws(() => q.createdTimestamp(), /BUG/);
  q.expect("c_total");
  assert.equal(q.next(), Entry.Series);
  assert.deepEqual([q.expectedMatched(), q.series()], [false, 'c_total{b="y"}'], "a prefix of the series text");
  assertNearMissesNotTaken((text) => new OpenMetricsParser(text), "# EOF\n");

  // Not skipping, the _created line is a series like any other.
  const r = new OpenMetricsParser(body);
  r.next();
  r.next();
  r.expect('c_created{b="x"}');
  assert.equal(r.next(), Entry.Series);
  assert.deepEqual([r.expectedMatched(), r.series(), r.value()], [true, 'c_created{b="x"}', 5]);

  // A line taken after a skipped _created line is returned, not skipped as well.
  const s = new OpenMetricsParser('# TYPE c counter\nc_created{b="x"} 5\nc_total{b="x"} 1\n# EOF\n', { skipCreatedSeries: true });
  s.next();
  s.expect('c_total{b="x"}');
  assert.equal(s.next(), Entry.Series);
  assert.deepEqual([s.expectedMatched(), s.series(), s.value()], [true, 'c_total{b="x"}', 1]);
});
