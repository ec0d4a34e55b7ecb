import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels, LabelsBuilder } from "../model/index.ts";
import { seededRandom } from "../util/index.ts";
import { Entry, ExpositionParseError, TextParser } from "./index.ts";
import { assertNearMissesNotTaken, drain, firstError, outcome, outcomeExpecting } from "./parse-test-util.test.ts";

// Re-typed from Prometheus's model/textparse promparse_test.go TestPromParse.
const promInput =
  `# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# \tTYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
go_gc_duration_seconds{quantile="0.8", a="b"} 8.3835e-05
go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05
# Hrandom comment starting with prefix of HELP
#
wind_speed{A="2",c="3"} 12345
# comment with escaped \\n newline
# comment with escaped \\ escape character
# HELP nohelp1
# HELP nohelp2 
go_gc_duration_seconds{ quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile= "1.0", a= "b", } 8.3835e-05
go_gc_duration_seconds { quantile = "1.0", a = "b" } 8.3835e-05
go_gc_duration_seconds { quantile = "2.0" a = "b" } 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"}\t1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33  \t123123
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\\"bar\\""} 1` +
  "\n# HELP metric foo\x00bar" +
  '\nnull_byte_metric{a="abc\x00"} 1';

const gc = (m: string, v: number, q: string, a?: string) => ({
  m,
  v,
  t: null,
  lset: a === undefined ? { __name__: "go_gc_duration_seconds", quantile: q } : { __name__: "go_gc_duration_seconds", quantile: q, a },
});

test("TextParser: upstream TestPromParse", () => {
  assert.deepEqual(drain(new TextParser(promInput)), [
    { m: "go_gc_duration_seconds", help: "A summary of the GC invocation durations." },
    { m: "go_gc_duration_seconds", typ: "summary" },
    // NOTE: Prometheus 3 normalises summary quantiles ("0" -> "0.0").
    gc('go_gc_duration_seconds{quantile="0"}', 4.9351e-5, "0.0"),
    gc('go_gc_duration_seconds{quantile="0.25",}', 7.424100000000001e-5, "0.25"),
    gc('go_gc_duration_seconds{quantile="0.5",a="b"}', 8.3835e-5, "0.5", "b"),
    gc('go_gc_duration_seconds{quantile="0.8", a="b"}', 8.3835e-5, "0.8", "b"),
    gc('go_gc_duration_seconds{ quantile="0.9", a="b"}', 8.3835e-5, "0.9", "b"),
    { comment: "# Hrandom comment starting with prefix of HELP" },
    { comment: "#" },
    { m: 'wind_speed{A="2",c="3"}', v: 12345, t: null, lset: { A: "2", __name__: "wind_speed", c: "3" } },
    { comment: "# comment with escaped \\n newline" },
    { comment: "# comment with escaped \\ escape character" },
    { m: "nohelp1", help: "" },
    { m: "nohelp2", help: "" },
    gc('go_gc_duration_seconds{ quantile="1.0", a="b" }', 8.3835e-5, "1.0", "b"),
    gc('go_gc_duration_seconds { quantile="1.0", a="b" }', 8.3835e-5, "1.0", "b"),
    gc('go_gc_duration_seconds { quantile= "1.0", a= "b", }', 8.3835e-5, "1.0", "b"),
    gc('go_gc_duration_seconds { quantile = "1.0", a = "b" }', 8.3835e-5, "1.0", "b"),
    gc('go_gc_duration_seconds { quantile = "2.0" a = "b" }', 8.3835e-5, "2.0", "b"),
    { m: "go_gc_duration_seconds_count", v: 99, t: null, lset: { __name__: "go_gc_duration_seconds_count" } },
    { m: 'some:aggregate:rate5m{a_b="c"}', v: 1, t: null, lset: { __name__: "some:aggregate:rate5m", a_b: "c" } },
    { m: "go_goroutines", help: "Number of goroutines that currently exist." },
    { m: "go_goroutines", typ: "gauge" },
    { m: "go_goroutines", v: 33, t: 123123, lset: { __name__: "go_goroutines" } },
    { m: "_metric_starting_with_underscore", v: 1, t: null, lset: { __name__: "_metric_starting_with_underscore" } },
    { m: 'testmetric{_label_starting_with_underscore="foo"}', v: 1, t: null, lset: { __name__: "testmetric", _label_starting_with_underscore: "foo" } },
    { m: 'testmetric{label="\\"bar\\""}', v: 1, t: null, lset: { __name__: "testmetric", label: '"bar"' } },
    { m: "metric", help: "foo\x00bar" },
    { m: 'null_byte_metric{a="abc\x00"}', v: 1, t: null, lset: { __name__: "null_byte_metric", a: "abc\x00" } },
  ]);
});

// Re-typed from TestUTF8PromParse.
const utf8Input = `# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# \tTYPE "go.gc_duration_seconds" summary
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25",} 7.424100000000001e-05
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"go.gc_duration_seconds",quantile="0.8", a="b"} 8.3835e-05
{"go.gc_duration_seconds", quantile="0.9", a="b"} 8.3835e-05
{"go.gc_duration_seconds", quantile="1.0", a="b" } 8.3835e-05
{ "go.gc_duration_seconds", quantile="1.0", a="b" } 8.3835e-05
{ "go.gc_duration_seconds", quantile= "1.0", a= "b", } 8.3835e-05
{ "go.gc_duration_seconds", quantile = "1.0", a = "b" } 8.3835e-05
{"go.gc_duration_seconds_count"} 99
{"Heizölrückstoßabdämpfung 10€ metric with \\"interesting\\" {character\\nchoices}","strange©™\\n'quoted' \\"name\\""="6"} 10.0`;

test("TextParser: upstream TestUTF8PromParse (quoted names of text format 1.0.0)", () => {
  const g = (m: string, q: string, a?: string) => ({
    m,
    v: m.includes("0.25") ? 7.424100000000001e-5 : q === "0.0" ? 4.9351e-5 : 8.3835e-5,
    t: null,
    lset: a === undefined ? { __name__: "go.gc_duration_seconds", quantile: q } : { __name__: "go.gc_duration_seconds", quantile: q, a },
  });
  assert.deepEqual(drain(new TextParser(utf8Input)), [
    { m: "go.gc_duration_seconds", help: "A summary of the GC invocation durations." },
    { m: "go.gc_duration_seconds", typ: "summary" },
    g('{"go.gc_duration_seconds",quantile="0"}', "0.0"),
    g('{"go.gc_duration_seconds",quantile="0.25",}', "0.25"),
    g('{"go.gc_duration_seconds",quantile="0.5",a="b"}', "0.5", "b"),
    g('{"go.gc_duration_seconds",quantile="0.8", a="b"}', "0.8", "b"),
    g('{"go.gc_duration_seconds", quantile="0.9", a="b"}', "0.9", "b"),
    g('{"go.gc_duration_seconds", quantile="1.0", a="b" }', "1.0", "b"),
    g('{ "go.gc_duration_seconds", quantile="1.0", a="b" }', "1.0", "b"),
    g('{ "go.gc_duration_seconds", quantile= "1.0", a= "b", }', "1.0", "b"),
    g('{ "go.gc_duration_seconds", quantile = "1.0", a = "b" }', "1.0", "b"),
    { m: '{"go.gc_duration_seconds_count"}', v: 99, t: null, lset: { __name__: "go.gc_duration_seconds_count" } },
    {
      m: '{"Heizölrückstoßabdämpfung 10€ metric with \\"interesting\\" {character\\nchoices}","strange©™\\n\'quoted\' \\"name\\""="6"}',
      v: 10,
      t: null,
      lset: { __name__: 'Heizölrückstoßabdämpfung 10€ metric with "interesting" {character\nchoices}', "strange©™\n'quoted' \"name\"": "6" },
    },
  ]);
});

// Re-typed from TestPromParseErrors and TestPromNullByteHandling; the
// messages are Prometheus's, byte for byte. "\udcff" is how the decoder
// represents the invalid UTF-8 byte 0xff.
const bad = [
  { input: "a", err: 'expected value after metric, got "\\n" ("INVALID") while parsing: "a\\n"' },
  { input: "a{b='c'} 1\n", err: `expected label value, got "'" ("INVALID") while parsing: "a{b='"` },
  { input: "a{b=\n", err: 'expected label value, got "\\n" ("INVALID") while parsing: "a{b=\\n"' },
  { input: 'a{\udcff="foo"} 1\n', err: 'expected label name, got "\\xff" ("INVALID") while parsing: "a{\\xff"' },
  { input: 'a{b="\udcff"} 1\n', err: 'invalid UTF-8 label value: "\\"\\xff\\""' },
  { input: '{"a", "b = "c"}', err: 'expected equal, got "c\\"" ("LNAME") while parsing: "{\\"a\\", \\"b = \\"c\\""' },
  { input: '{"a",b\\nc="d"} 1', err: 'expected equal, got "\\\\" ("INVALID") while parsing: "{\\"a\\",b\\\\"' },
  { input: "a true\n", err: 'strconv.ParseFloat: parsing "true": invalid syntax while parsing: "a true"' },
  { input: 'something_weird{problem="', err: 'expected label value, got "\\"\\n" ("INVALID") while parsing: "something_weird{problem=\\"\\n"' },
  { input: 'empty_label_name{=""} 0', err: 'expected label name, got "=\\"" ("EQUAL") while parsing: "empty_label_name{=\\""' },
  { input: "foo 1_2\n", err: 'unsupported character in float while parsing: "foo 1_2"' },
  { input: "foo 0x1p-3\n", err: 'unsupported character in float while parsing: "foo 0x1p-3"' },
  { input: "foo 0x1P-3\n", err: 'unsupported character in float while parsing: "foo 0x1P-3"' },
  { input: "foo 0 1_2\n", err: 'expected next entry after timestamp, got "_" ("INVALID") while parsing: "foo 0 1_"' },
  { input: '{a="ok"} 1', err: 'metric name not set while parsing: "{a=\\"ok\\"} 1"' },
  { input: "# TYPE #\n#EOF\n", err: 'expected metric name after TYPE, got "#" ("INVALID") while parsing: "# TYPE #"' },
  { input: "# HELP #\n#EOF\n", err: 'expected metric name after HELP, got "#" ("INVALID") while parsing: "# HELP #"' },
  // NUL handling.
  { input: 'null_byte_metric{a="abc\x00"} 1', err: "EOF" },
  { input: 'a{b="\x00ss"} 1\n', err: "EOF" },
  { input: 'a{b="\x00"} 1\n', err: "EOF" },
  { input: 'a{b=\x00"ssss"} 1\n', err: 'expected label value, got "\\x00" ("INVALID") while parsing: "a{b=\\x00"' },
  { input: 'a{b="\x00', err: 'expected label value, got "\\"\\x00\\n" ("INVALID") while parsing: "a{b=\\"\\x00\\n"' },
  { input: 'a{b\x00="hiih"}\t1', err: 'expected equal, got "\\x00" ("INVALID") while parsing: "a{b\\x00"' },
  { input: 'a\x00{b="ddd"} 1', err: 'expected value after metric, got "\\x00" ("INVALID") while parsing: "a\\x00"' },
  { input: "a 0 1\x00", err: 'expected next entry after timestamp, got "\\x00" ("INVALID") while parsing: "a 0 1\\x00"' },
  // More rows from upstream's grammar.
  { input: "9 1\n", err: 'expected a valid start token, got "9" ("INVALID") while parsing: "9"' },
  { input: "# TYPE a bogus\n", err: 'invalid metric type "bogus"' },
  { input: "# TYPE a counter \n", err: 'invalid metric type "counter "' },
  { input: "# TYPE a\n", err: 'invalid metric type ""' },
  { input: 'a{"b"} 1\n', err: 'metric name already set while parsing: "a{\\"b\\"}"' },
  { input: "a 1 -1\n", err: 'expected timestamp or new record, got "-" ("INVALID") while parsing: "a 1 -"' },
  { input: "a 1 99999999999999999999\n", err: 'strconv.ParseInt: parsing "99999999999999999999": value out of range while parsing: "a 1 99999999999999999999"' },
  { input: "a 1e400\n", err: 'strconv.ParseFloat: parsing "1e400": value out of range while parsing: "a 1e400"' },
  { input: "a{b} 1\n", err: 'expected equal, got "} " ("BCLOSE") while parsing: "a{b} "' },
  { input: "a 1\n\x00garbage", err: "EOF" },
  // A body ending with a newline is parsed without the appended one; a quoted string running to the end still reports it.
  { input: 'a{b="x\n', err: 'expected label value, got "\\"x\\n\\n" ("INVALID") while parsing: "a{b=\\"x\\n\\n"' },
  { input: 'a 1\nb{c="d\n', err: 'expected label value, got "\\"d\\n\\n" ("INVALID") while parsing: "b{c=\\"d\\n\\n"' },
  { input: 'a{b="x\n\n', err: 'expected label value, got "\\"x\\n\\n\\n" ("INVALID") while parsing: "a{b=\\"x\\n\\n\\n"' },
  { input: "a 1\n{\n", err: 'expected label name, got "\\n" ("INVALID") while parsing: "{\\n"' },
  { input: "\n\n  \n", err: "EOF" },
];
for (const c of bad) {
  test(`TextParser rejects ${JSON.stringify(c.input)}`, () => assert.equal(firstError(new TextParser(c.input)), c.err));
}

test("TextParser: an error on a body ending with a newline has the position of the appended-newline parse", () => {
  try {
    const p = new TextParser('a 1\nb{c="d\n');
    while (p.next() !== "eof");
    assert.fail("no error");
  } catch (e) {
    assert.ok(e instanceof ExpositionParseError);
    assert.deepEqual([e.offset, e.line, e.column], [8, 2, 5]);
  }
});

test("TextParser parses a body ending with a newline in place: series are ranges of the text itself", () => {
  const text = 'a 1\nb{c="d"} 2\n';
  const p = new TextParser(text);
  assert.equal(p.next(), "series");
  assert.equal(p.seriesSource(), text);
  assert.equal(p.next(), "series");
  assert.equal(p.series(), 'b{c="d"}');
  assert.equal(p.next(), "eof");
  assert.equal(new TextParser("a 1").seriesSource(), "a 1\n");
});

test("TextParser errors carry the line and column of the offending token", () => {
  try {
    const p = new TextParser("a 1\nb 2\nc{d='e'} 3\n");
    while (p.next() !== "eof");
    assert.fail("no error");
  } catch (e) {
    assert.ok(e instanceof ExpositionParseError);
    assert.equal(e.line, 3);
    assert.equal(e.column, 5);
    assert.equal(e.offset, 12);
  }
});

const values = [
  { name: "integer", line: "a 42", v: 42 },
  { name: "exponent", line: "a 1e3", v: 1000 },
  { name: "+Inf", line: "a +Inf", v: Infinity },
  { name: "-Inf", line: "a -Inf", v: -Infinity },
  { name: "lower case inf", line: "a inf", v: Infinity },
  { name: "Infinity", line: "a Infinity", v: Infinity },
  { name: "NaN", line: "a NaN", v: NaN },
  { name: "negative zero", line: "a -0", v: -0 },
  { name: "leading dot", line: "a .5", v: 0.5 },
  { name: "trailing dot", line: "a 5.", v: 5 },
  { name: "17 digits", line: "a 1.7268398142239082e+09", v: 1.7268398142239082e9 },
  { name: "max float", line: "a 1.7976931348623157e308", v: 1.7976931348623157e308 },
  { name: "underflow to zero", line: "a 1e-400", v: 0 },
  { name: "ms timestamp", line: "a 1 1700000000123", v: 1, t: 1700000000123 },
];
for (const c of values) {
  test(`TextParser value: ${c.name}`, () => {
    const p = new TextParser(c.line);
    assert.equal(p.next(), "series");
    assert.ok(Object.is(p.value(), c.v) || (Number.isNaN(c.v) && Number.isNaN(p.value())), `${p.value()}`);
    assert.equal(p.timestamp(), c.t ?? null);
    assert.equal(p.next(), "eof");
  });
}

test("TextParser: HELP unescapes only \\\\ and \\n, label values also \\\"", () => {
  const [h, s] = drain(new TextParser('# HELP m a\\\\b\\nc\\"d\\x\nm{l="a\\\\b\\nc\\"d\\x"} 1\n'));
  assert.equal(h!.help, 'a\\b\nc\\"d\\x');
  assert.deepEqual(s!.lset, { __name__: "m", l: 'a\\b\nc"d\\x' });
});

test("TextParser: le of histograms is normalised, other types' le is not", () => {
  const out = drain(new TextParser('# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="1e3"} 1\nh_bucket{le="+Inf"} 1\n# TYPE g gauge\ng{le="1"} 1\n'));
  assert.deepEqual(
    out.filter((e) => e.lset !== undefined).map((e) => e.lset!.le),
    ["1.0", "1000.0", "+Inf", "1"],
  );
});

test("TextParser: the series text is a stable cache key and metricName needs no labels", () => {
  const p = new TextParser('a{b="c"} 1\na{b="c"} 2 5\n');
  p.next();
  const k1 = p.series();
  assert.equal(p.metricName(), "a");
  p.next();
  assert.equal(p.series(), k1);
  assert.equal(p.value(), 2);
  assert.equal(p.timestamp(), 5);
});

test("TextParser: an empty label value drops the label", () => {
  assert.deepEqual(drain(new TextParser('a{b="",c="d"} 1\n'))[0]!.lset, { __name__: "a", c: "d" });
});

/** The token-by-token path alone: the reference the fast path for plain series lines must match. */
class TokenPathTextParser extends TextParser {
  protected override plainSeriesLine(): boolean {
    return false;
  }
}

// Lines near the fast path's edges: blanks, tabs, escapes, NULs, non-ASCII,
// quoted names, missing or doubled commas, timestamps, odd values.
const edgeLines = [
  'a{b="c",d="e"} 1.5 123',
  'a{b="c",} 1',
  "a{} 1",
  'a{b="c"}1',
  'a {b="c"} 1',
  'a{b="c" d="e"} 1',
  'a{b="c"d="e"} 1',
  'a{ b="c"} 1',
  'a{b ="c"} 1',
  'a{b= "c"} 1',
  'a{b="c",,d="e"} 1',
  'a{,} 1',
  'a{b="c\\"d"} 1',
  'a{b="c\\nd"} 1',
  'a{b="c\x00d"} 1',
  'a{b="é"} 1',
  'a{b="\ud83d\ude00"} 1',
  'a{b="\udcff"} 1',
  'a{"b"="c"} 1',
  '{"a"} 1',
  "a  1",
  "a\t1",
  "a 1\t2",
  "a 1  2",
  "a 1 2 ",
  "a 1 -2",
  "a 1 99999999999999999999",
  "a 1e400",
  "a +Inf",
  "a NaN 3",
  "a 0x1p3",
  "a 1_0",
  "a x",
  "a ",
  "a",
  "a{b=\"c\"}",
  'a{b="c"} ',
  "a:b_c9 7",
  'a{b="c"} 1{',
  'a{b="c"} 1 2{',
  'a{le="1"} 1',
  'a{quantile="0.50"} 1',
  "# TYPE a histogram",
  "# TYPE a summary",
  "# HELP a x",
  "",
];

test("TextParser: the fast path gives what the token-by-token path gives, line by line", () => {
  for (const l of edgeLines) {
    for (const text of [`${l}\n`, l, `a 1\n${l}\nb 2\n`, `# TYPE a histogram\n${l}\n`, `# TYPE a summary\n${l}\n`]) {
      assert.deepEqual(outcome(new TextParser(text)), outcome(new TokenPathTextParser(text)), JSON.stringify(text));
    }
  }
});

test("TextParser: the fast path gives what the token-by-token path gives, on random lines", () => {
  // Seeded, so that a failure reproduces.
  const random = seededRandom(0x9e3779b9);
  const rnd = (k: number): number => Math.floor(random() * k);
  const parts = ["a", "b_c", "{", "}", ",", "=", '"', '"x"', '"1.0"', " ", "\t", "1", "2.5", "-3e2", "+Inf", "NaN", "123", "\\", "\\n", "\x00", "é", "#", "le", "quantile", "\n"];
  for (let k = 0; k < 3000; k++) {
    let text = 'm{a="1"} 1\n';
    const n = 1 + rnd(12);
    for (let j = 0; j < n; j++) text += parts[rnd(parts.length)];
    // Most random lines are plain series with one token changed.
    if (rnd(2) === 0) text = `m{le="${rnd(10)}",b="${"xy".repeat(rnd(3))}"} ${rnd(1000)}${rnd(2) === 0 ? ` ${rnd(99999)}` : ""}\n` + text;
    if (rnd(2) === 0) text += "\n";
    assert.deepEqual(outcome(new TextParser(text)), outcome(new TokenPathTextParser(text)), JSON.stringify(text));
  }
});

/** outcomeExpecting() for text: the guessing parse against the token-by-token one. */
function expecting(text: string, shift: number | "line"): ReturnType<typeof outcomeExpecting> {
  return outcomeExpecting(new TextParser(text), new TokenPathTextParser(text), text, shift, (m) => drain(new TextParser(`${m} 1\n`))[0]!.lset!);
}

test("TextParser: a line taken by its expected series text gives what the token-by-token path gives", () => {
  let matched = 0;
  for (const l of edgeLines) {
    for (const text of [`${l}\n`, l, `a 1\n${l}\nb 2\n`, `# TYPE a histogram\n${l}\n`, `${l}\n${l}\n`]) {
      const want = outcome(new TokenPathTextParser(text));
      for (const shift of [0, 1, -1, "line"] as const) {
        const got = expecting(text, shift);
        assert.deepEqual(got.outcome, want, `${JSON.stringify(text)} shift ${shift}`);
        matched += got.matched;
      }
    }
  }
  // Most plain lines of the corpus were taken by their text.
  assert.ok(matched > 100, `${matched} lines taken by their text`);
});

test("TextParser: an expected series text applies to the next entry only, and to nothing but a whole series text", () => {
  const p = new TextParser('# TYPE a gauge\na{b="c"} 1\nab 2\na{b="c"} 3 4\n');
  p.expect('a{b="c"}');
  assert.equal(p.next(), Entry.Type);
  assert.equal(p.next(), Entry.Series);
  assert.equal(p.expectedMatched(), false, "the guess went with the TYPE line");
  p.expect("a");
  assert.equal(p.next(), Entry.Series);
  assert.equal(p.expectedMatched(), false, "a prefix of the series text");
  p.expect('a{b="c"}');
  assert.equal(p.next(), Entry.Series);
  assert.deepEqual([p.expectedMatched(), p.series(), p.value(), p.timestamp()], [true, 'a{b="c"}', 3, 4]);
  assert.throws(() => p.labels(new LabelsBuilder()), /BUG/);
  assert.equal(p.next(), Entry.EOF);
  assertNearMissesNotTaken((text) => new TextParser(text), "");
});
