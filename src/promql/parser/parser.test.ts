import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parseDuration } from "../../model/index.ts";
import { ParseError, formatExpr, parseExpr, parseMetricSelector, typeOf } from "./index.ts";
import type { Expr, ParseOptions } from "./index.ts";

const allOn: ParseOptions = {
  enableExperimentalFunctions: true,
  enableExtendedRangeSelectors: true,
  enableBinopFillModifiers: true,
};

function parseError(input: string, opts: ParseOptions = allOn): ParseError {
  try {
    parseExpr(input, opts);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  assert.fail(`expected ${JSON.stringify(input)} to fail`);
}

// Invalid queries, their first error (Prometheus's text) and its position range.
const badCases: { input: string; msg: string; start: number; end: number; opts?: ParseOptions }[] = [
  { input: "", msg: "no expression found in input", start: 0, end: 0 },
  { input: "# just a comment\n\n", msg: "no expression found in input", start: 0, end: 0 },
  { input: "1+", msg: "unexpected end of input", start: 2, end: 2 },
  { input: ".", msg: "unexpected character: '.'", start: 0, end: 1 },
  { input: "2.5.", msg: 'bad number or duration syntax: "2.5."', start: 0, end: 4 },
  { input: "100..4", msg: 'bad number or duration syntax: "100.."', start: 0, end: 6 },
  { input: "0deadbeef", msg: 'bad number or duration syntax: "0de"', start: 0, end: 9 },
  { input: "1 /", msg: "unexpected end of input", start: 3, end: 3 },
  { input: "*1", msg: "unexpected <op:*>", start: 0, end: 1 },
  { input: "(1))", msg: "unexpected right parenthesis ')'", start: 4, end: 4 },
  { input: "((1)", msg: "unclosed left parenthesis", start: 4, end: 4 },
  { input: "(", msg: "unclosed left parenthesis", start: 1, end: 1 },
  { input: "1 and 1", msg: 'set operator "and" not allowed in binary scalar expression', start: 0, end: 7 },
  { input: "1 == 1", msg: "comparisons between scalars must use BOOL modifier", start: 2, end: 3 },
  { input: "1 or 1", msg: 'set operator "or" not allowed in binary scalar expression', start: 0, end: 6 },
  { input: "1 unless 1", msg: 'set operator "unless" not allowed in binary scalar expression', start: 0, end: 10 },
  { input: "1 !~ 1", msg: "unexpected character after '!': '~'", start: 2, end: 6 },
  { input: "1 =~ 1", msg: "unexpected character after '=': '~'", start: 2, end: 6 },
  {
    input: '-"string"',
    msg: 'unary expression only allowed on expressions of type scalar or instant vector, got "string"',
    start: 0,
    end: 9,
  },
  {
    input: "-test[5m]",
    msg: 'unary expression only allowed on expressions of type scalar or instant vector, got "range vector"',
    start: 0,
    end: 9,
  },
  { input: "*test", msg: "unexpected <op:*>", start: 0, end: 1 },
  { input: "@@", msg: "unexpected <op:@>", start: 0, end: 1 },
  {
    input: "1 offset 1d",
    msg: "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
    start: 0,
    end: 1,
  },
  { input: "foo offset 1s offset 2s", msg: "offset may not be set multiple times", start: 0, end: 13 },
  { input: "a - on(b) ignoring(c) d", msg: "unexpected <ignoring>", start: 10, end: 18 },
  { input: "foo and 1", msg: 'set operator "and" not allowed in binary scalar expression', start: 0, end: 9 },
  { input: "1 or on(bar) foo", msg: "vector matching only allowed between instant vectors", start: 0, end: 16 },
  { input: "foo == on(bar) 10", msg: "vector matching only allowed between instant vectors", start: 0, end: 17 },
  { input: "foo + group_left(baz) bar", msg: "unexpected <group_left>", start: 6, end: 16 },
  { input: "foo and on(bar) group_left(baz) bar", msg: 'no grouping allowed for "and" operation', start: 0, end: 35 },
  { input: "foo or on(bar) group_right(baz) bar", msg: 'no grouping allowed for "or" operation', start: 0, end: 35 },
  {
    input: 'http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{type="smp"}',
    msg: 'label "instance" must not occur in ON and GROUP clause at once',
    start: 34,
    end: 72,
  },
  { input: "foo + bool bar", msg: "bool modifier can only be used on comparison operators", start: 4, end: 9 },
  { input: "foo + bool 10", msg: "bool modifier can only be used on comparison operators", start: 4, end: 9 },
  { input: "foo and bool 10", msg: "bool modifier can only be used on comparison operators", start: 4, end: 11 },
  { input: "foo @ +Inf", msg: "timestamp out of bounds for @ modifier: +Inf", start: 0, end: 3 },
  { input: "foo @ -Inf", msg: "timestamp out of bounds for @ modifier: -Inf", start: 0, end: 3 },
  { input: "foo @ NaN", msg: "timestamp out of bounds for @ modifier: NaN", start: 0, end: 3 },
  {
    input: "foo @ 9223372036854775808.000000",
    msg: "timestamp out of bounds for @ modifier: 9223372036854775808.000000",
    start: 0,
    end: 3,
  },
  { input: "{", msg: "unexpected end of input inside braces", start: 1, end: 1 },
  { input: "}", msg: "unexpected character: '}'", start: 0, end: 1 },
  { input: "some{", msg: "unexpected end of input inside braces", start: 5, end: 5 },
  { input: "some}", msg: "unexpected character: '}'", start: 4, end: 5 },
  { input: "some_metric{a=b}", msg: 'unexpected identifier "b" in label matching, expected string', start: 14, end: 15 },
  { input: 'some_metric{a:b="b"}', msg: "unexpected character inside braces: ':'", start: 13, end: 20 },
  { input: 'foo{a*"b"}', msg: "unexpected character inside braces: '*'", start: 5, end: 10 },
  { input: 'foo{a>="b"}', msg: "unexpected character inside braces: '>'", start: 5, end: 11 },
  {
    input: "foo{gibberish}",
    msg: 'unexpected "}" in label matching, expected label matching operator',
    start: 13,
    end: 14,
  },
  { input: "foo{1}", msg: "unexpected character inside braces: '1'", start: 4, end: 6 },
  { input: "{}", msg: "vector selector must contain at least one non-empty matcher", start: 0, end: 2 },
  { input: '{x=""}', msg: "vector selector must contain at least one non-empty matcher", start: 0, end: 6 },
  { input: '{x=~".*"}', msg: "vector selector must contain at least one non-empty matcher", start: 0, end: 9 },
  { input: '{x!~".+"}', msg: "vector selector must contain at least one non-empty matcher", start: 0, end: 9 },
  { input: '{x!="a"}', msg: "vector selector must contain at least one non-empty matcher", start: 0, end: 8 },
  { input: 'foo{__name__="bar"}', msg: 'metric name must not be set twice: "foo" or "bar"', start: 0, end: 19 },
  { input: "foo{__name__= =}", msg: 'unexpected "=" in label matching, expected string', start: 14, end: 15 },
  { input: "foo{,}", msg: 'unexpected "," in label matching, expected identifier or "}"', start: 4, end: 5 },
  { input: 'foo{__name__ == "bar"}', msg: 'unexpected "=" in label matching, expected string', start: 14, end: 15 },
  {
    input: 'foo{__name__="bar" lol}',
    msg: 'unexpected identifier "lol" in label matching, expected "," or "}"',
    start: 19,
    end: 22,
  },
  { input: 'foo{"a"=}', msg: 'unexpected "}" in label matching, expected string', start: 8, end: 9 },
  { input: "foo[5mm]", msg: 'bad number or duration syntax: "5mm"', start: 4, end: 8 },
  { input: "foo[5m1]", msg: 'bad number or duration syntax: "5m1"', start: 4, end: 8 },
  { input: "foo[5m:1m1]", msg: 'bad number or duration syntax: "1m1"', start: 7, end: 11 },
  { input: "foo[5y1hs]", msg: 'unknown unit "hs" in duration "5y1hs"', start: 4, end: 9 },
  { input: "foo[5m1h]", msg: 'not a valid duration string: "5m1h"', start: 4, end: 8 },
  { input: "foo[5m1m]", msg: 'not a valid duration string: "5m1m"', start: 4, end: 8 },
  { input: "foo[0m]", msg: "duration must be greater than 0", start: 4, end: 6 },
  { input: 'foo["5m"]', msg: "unexpected character in duration expression: '\"'", start: 4, end: 9 },
  {
    input: "foo[]",
    msg: 'unexpected "]" in subquery or range selector, expected number, duration, step(), or range()',
    start: 4,
    end: 5,
  },
  { input: "foo[-1]", msg: "duration must be greater than 0", start: 4, end: 6 },
  { input: "some_metric[5m] OFFSET 1mm", msg: 'bad number or duration syntax: "1mm"', start: 23, end: 26 },
  {
    input: "some_metric[5m] OFFSET",
    msg: "unexpected end of input in offset, expected number, duration, step(), or range()",
    start: 22,
    end: 22,
  },
  { input: "some_metric OFFSET 1m[5m]", msg: "no offset modifiers allowed before range", start: 21, end: 25 },
  { input: "some_metric[5m] @", msg: "unexpected end of input in @, expected timestamp", start: 17, end: 17 },
  { input: "some_metric @ 1234 [5m]", msg: "no @ modifiers allowed before range", start: 19, end: 23 },
  { input: "some_metric @ start() [5m]", msg: "no @ modifiers allowed before range", start: 22, end: 26 },
  { input: "some_metric @ end()[5m]", msg: "no @ modifiers allowed before range", start: 19, end: 23 },
  { input: "some_metric offset step()[5m]", msg: "no offset modifiers allowed before range", start: 25, end: 29 },
  { input: "(foo + bar)[5m]", msg: "ranges only allowed for vector selectors", start: 11, end: 15 },
  { input: 'sum by ("foo)(some_metric{})', msg: "unterminated quoted string", start: 8, end: 28 },
  { input: "sum without(==)(some_metric)", msg: "unexpected <op:==> in grouping opts, expected label", start: 12, end: 14 },
  { input: "sum without(,)(some_metric)", msg: 'unexpected "," in grouping opts, expected label', start: 12, end: 13 },
  { input: "sum without(foo,,)(some_metric)", msg: 'unexpected "," in grouping opts, expected label', start: 16, end: 17 },
  { input: "sum some_metric by (test)", msg: 'unexpected identifier "some_metric"', start: 4, end: 15 },
  {
    input: "sum (some_metric) by test",
    msg: 'unexpected identifier "test" in grouping opts, expected "("',
    start: 21,
    end: 25,
  },
  { input: "sum () by (test)", msg: "no arguments for aggregate expression provided", start: 0, end: 16 },
  { input: "MIN keep_common (some_metric)", msg: 'unexpected identifier "keep_common"', start: 4, end: 15 },
  { input: "MIN (some_metric) keep_common", msg: 'unexpected identifier "keep_common"', start: 18, end: 29 },
  { input: "sum (some_metric) without (test) by (test)", msg: "unexpected <by>", start: 33, end: 35 },
  { input: "sum without (test) (some_metric) by (test)", msg: "unexpected <by>", start: 33, end: 35 },
  {
    input: "topk(some_metric)",
    msg: "wrong number of arguments for aggregate expression provided, expected 2, got 1",
    start: 0,
    end: 17,
  },
  { input: "topk(some_metric,)", msg: "trailing commas not allowed in function call args", start: 16, end: 17 },
  {
    input: "topk(some_metric, other_metric)",
    msg: "expected type scalar in aggregation parameter, got instant vector",
    start: 5,
    end: 16,
  },
  { input: "count_values(5, other_metric)", msg: "expected type string in aggregation parameter, got scalar", start: 13, end: 14 },
  {
    input: "rate(some_metric[5m]) @ 1234",
    msg: "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
    start: 0,
    end: 21,
  },
  { input: "floor()", msg: 'expected 1 argument(s) in call to "floor", got 0', start: 0, end: 7 },
  { input: "abs()", msg: 'expected 1 argument(s) in call to "abs", got 0', start: 0, end: 5 },
  { input: "floor(some_metric, other_metric)", msg: 'expected 1 argument(s) in call to "floor", got 2', start: 0, end: 32 },
  { input: "floor(1)", msg: 'expected type instant vector in call to function "floor", got scalar', start: 6, end: 7 },
  {
    input: "hour(some_metric, some_metric, some_metric)",
    msg: 'expected at most 1 argument(s) in call to "hour", got 3',
    start: 0,
    end: 43,
  },
  { input: "label_join()", msg: 'expected at least 3 argument(s) in call to "label_join", got 0', start: 0, end: 12 },
  { input: "time(some_metric)", msg: 'expected 0 argument(s) in call to "time", got 1', start: 0, end: 17 },
  {
    input: "non_existent_function_far_bar()",
    msg: 'unknown function with name "non_existent_function_far_bar"',
    start: 0,
    end: 29,
  },
  { input: "rate(some_metric)", msg: 'expected type range vector in call to function "rate", got instant vector', start: 5, end: 16 },
  { input: "-=", msg: 'unexpected "="', start: 1, end: 2 },
  { input: "++-++-+-+-<", msg: "unexpected <op:<>", start: 10, end: 11 },
  { input: "e-+=/(0)", msg: 'unexpected "="', start: 3, end: 4 },
  { input: "a>b()", msg: 'unknown function with name "b"', start: 2, end: 3 },
  { input: "rate(avg)", msg: 'expected type range vector in call to function "rate", got instant vector', start: 5, end: 8 },
  { input: "`\\``", msg: "unterminated raw string", start: 3, end: 4 },
  { input: '"\\', msg: "escape sequence not terminated", start: 0, end: 2 },
  { input: '"\\c"', msg: "unknown escape sequence U+0063 'c'", start: 0, end: 4 },
  { input: '"\\x."', msg: "illegal character U+002E '.' in escape sequence", start: 0, end: 5 },
  { input: '"\\400"', msg: "escape sequence is an invalid Unicode code point", start: 0, end: 6 },
  { input: '"\\uD800"', msg: "escape sequence is an invalid Unicode code point", start: 0, end: 8 },
  { input: '"abc\ndef"', msg: "unterminated quoted string", start: 0, end: 9 },
  { input: 'foo{bar="baz"}[', msg: "unexpected end of input in duration expression", start: 15, end: 15 },
  { input: "foo[5m", msg: "unclosed left bracket", start: 6, end: 6 },
  {
    input: "test[5d] OFFSET 10s [10m:5s]",
    msg: "subquery is only allowed on instant vector, got matrix instead",
    start: 0,
    end: 28,
  },
  {
    input: '(foo + bar{nm="val"})[5m:][10m:5s]',
    msg: "subquery is only allowed on instant vector, got matrix instead",
    start: 0,
    end: 34,
  },
  { input: "rate(food[1m])[1h] offset 1h", msg: "ranges only allowed for vector selectors", start: 14, end: 18 },
  {
    input: 'info(rate(http_request_counter_total{}[5m]), target_info{foo="bar"})',
    msg: "expected label selectors only, got vector selector instead",
    start: 45,
    end: 67,
  },
  {
    input: 'info(http_request_counter_total{namespace="zzz"}, {foo="bar"} == 1)',
    msg: "expected label selectors only",
    start: 50,
    end: 66,
  },
  {
    input: "foo[step]",
    msg: 'unexpected "]" in subquery or range selector, expected number, duration, step(), or range()',
    start: 8,
    end: 9,
  },
  { input: "foo[step()/0d]", msg: "division by zero", start: 10, end: 11 },
  { input: "foo[5s/0d]", msg: "division by zero", start: 6, end: 7 },
  { input: "foo offset (4d/0)", msg: "division by zero", start: 14, end: 15 },
  { input: "foo[5s%0d]", msg: "modulo by zero", start: 6, end: 7 },
  { input: "foo offset 9.5e10", msg: "duration out of range", start: 11, end: 17 },
  { input: "foo[9.5e10]", msg: "duration out of range", start: 4, end: 10 },
  { input: "sum(", msg: "unclosed left parenthesis", start: 4, end: 4 },
  { input: "sum(rate(", msg: "unclosed left parenthesis", start: 9, end: 9 },
  { input: "foo[5s x 5s]", msg: "unexpected character: 'x', expected ':'", start: 7, end: 12 },
  { input: "foo[5s s 5s]", msg: "unexpected character: 's', expected ':'", start: 7, end: 12 },
  { input: "1[5m] smoothed", msg: "ranges only allowed for vector selectors", start: 1, end: 5 },
  { input: "1[5m] anchored", msg: "ranges only allowed for vector selectors", start: 1, end: 5 },
  { input: "foo[1m:1m:1m]", msg: "unexpected colon ':'", start: 9, end: 13 },
  { input: "foo[1m][1m]", msg: "ranges only allowed for vector selectors", start: 7, end: 11 },
  { input: "1e400 - 1", msg: 'error parsing number: strconv.ParseFloat: parsing "1e400": value out of range', start: 0, end: 5 },
  { input: "foo[5m] + 1", msg: "binary expression must contain only scalar and instant vector types", start: 0, end: 7 },
  { input: "foo @ start() @ end()", msg: "@ <timestamp> may not be set multiple times", start: 0, end: 13 },
  { input: "rate(foo[5m] anchored smoothed)", msg: "anchored and smoothed modifiers cannot be used together", start: 5, end: 12 },
  { input: "foo[5m:1m] anchored", msg: "anchored modifier is not supported for subqueries", start: 0, end: 10 },
  { input: "sum(foo) smoothed", msg: "smoothed modifier not implemented", start: 0, end: 8 },
  { input: "foo + fill(0) 1", msg: "filling in missing series only allowed between instant vectors", start: 0, end: 15 },
  { input: "foo and fill(0) bar", msg: "filling in missing series not allowed for set operators", start: 0, end: 19 },
  { input: "(foo)[5m]", msg: "ranges only allowed for vector selectors", start: 5, end: 9 },
  { input: 'sum by ("") (foo)', msg: 'invalid label name for grouping: ""', start: 8, end: 10 },
  { input: "foo{a=~\"(\"}", msg: "", start: 4, end: 10 },
  // Experimental features with the flags off.
  { input: "mad_over_time(foo[5m])", msg: 'function "mad_over_time" is not enabled', start: 0, end: 13, opts: {} },
  { input: "step()", msg: 'function "step" is not enabled', start: 0, end: 4, opts: {} },
  {
    input: "limitk(1, foo)",
    msg: "limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions",
    start: 0,
    end: 14,
    opts: {},
  },
  { input: "rate(foo[5m] anchored)", msg: "anchored modifier is experimental and not enabled", start: 5, end: 12, opts: {} },
  { input: "rate(foo[5m] smoothed)", msg: "smoothed modifier is experimental and not enabled", start: 5, end: 12, opts: {} },
  { input: "foo + fill(0) bar", msg: "binop fill modifiers are experimental and not enabled", start: 0, end: 17, opts: {} },
];

for (const c of badCases) {
  test(`rejects ${JSON.stringify(c.input)}`, () => {
    const err = parseError(c.input, c.opts ?? allOn);
    if (c.msg !== "") assert.equal(err.reason, c.msg);
    assert.deepEqual(err.positionRange, { start: c.start, end: c.end });
    assert.ok(err.errors.length >= 1);
  });
}

test("error text reads like Prometheus, with line:col", () => {
  assert.equal(parseError("sum(rate(foo[5m])").message, "1:18: parse error: unclosed left parenthesis");
  assert.equal(parseError("foo +\n  bar +").message, "2:8: parse error: unexpected end of input");
  assert.equal(parseError("").message, "unknown position: parse error: no expression found in input");
});

test("collects every error Prometheus reports", () => {
  const err = parseError("foo and on(bar) group_left(baz) bar");
  assert.deepEqual(
    err.errors.map((e) => e.reason),
    ['no grouping allowed for "and" operation', "set operations must always be many-to-many"],
  );
  const err2 = parseError("1 or on(bar) foo");
  assert.deepEqual(
    err2.errors.map((e) => e.reason),
    ["vector matching only allowed between instant vectors", 'set operator "or" not allowed in binary scalar expression'],
  );
  const err3 = parseError("foo[5s/0d]");
  assert.deepEqual(
    err3.errors.map((e) => [e.reason, e.positionRange]),
    [
      ["division by zero", { start: 6, end: 7 }],
      ["duration must be greater than 0", { start: 0, end: 0 }],
    ],
  );
});

/** Compact structural view of an AST for table tests (no positions unless asked). */
function show(e: Expr): string {
  return formatExpr(e);
}

// Valid queries and their canonical form.
const goodCases: { input: string; want: string; type?: string }[] = [
  { input: "1", want: "1", type: "scalar" },
  { input: "+Inf", want: "+Inf" },
  { input: "-Inf", want: "-Inf" },
  { input: "nan", want: "NaN" },
  { input: ".5", want: "0.5" },
  { input: "5.", want: "5" },
  { input: "123.4567", want: "123.4567" },
  { input: "5e-3", want: "0.005" },
  { input: "5e3", want: "5000" },
  { input: "0xc", want: "12" },
  { input: "0755", want: "493" },
  { input: "08", want: "8" },
  { input: "1_000", want: "1000" },
  { input: "0x_1f", want: "31" },
  { input: "+5.5e-3", want: "0.0055" },
  { input: "-0755", want: "-493" },
  { input: "1 + 1", want: "1 + 1", type: "scalar" },
  { input: "1 == bool 1", want: "1 == bool 1" },
  { input: "-1^2", want: "-1 ^ 2" },
  { input: "-1*2", want: "-1 * 2" },
  { input: "-1^-2", want: "-1 ^ -2" },
  { input: "+1 + -2 * 1", want: "1 + -2 * 1" },
  { input: "1 + 2/(3*1)", want: "1 + 2 / (3 * 1)" },
  { input: "2 ^ 3 ^ 2", want: "2 ^ 3 ^ 2" },
  { input: "-some_metric", want: "-some_metric", type: "vector" },
  { input: ' +{"some_metric"}', want: '+{__name__="some_metric"}' },
  { input: 'offset{step="1s"}[5m]', want: 'offset{step="1s"}[5m]', type: "matrix" },
  { input: 'anchored{job="test"}', want: 'anchored{job="test"}' },
  { input: "foo * sum", want: "foo * sum" },
  { input: "sum(sum)", want: "sum(sum)" },
  { input: "foo + bar or bla and blub", want: "foo + bar or bla and blub" },
  { input: "bar + on(foo) bla / on(baz, buz) group_right(test) blub", want: "bar + on (foo) bla / on (baz, buz) group_right (test) blub" },
  { input: "foo * on(test,blub) group_left bar", want: "foo * on (test, blub) group_left () bar" },
  { input: "foo and on() bar", want: "foo and on () bar" },
  { input: "foo and ignoring() bar", want: "foo and bar" },
  { input: "min", want: "min" },
  { input: "foo offset 5m", want: "foo offset 5m" },
  { input: "foo offset -7m", want: "foo offset -7m" },
  { input: "foo OFFSET 1h30m", want: "foo offset 1h30m" },
  { input: "foo OFFSET 1m30ms", want: "foo offset 1m30ms" },
  { input: "foo offset +(5)", want: "foo offset 5s" },
  { input: "foo offset -(5)", want: "foo offset -5s" },
  { input: "foo @ 1603774568", want: "foo @ 1603774568.000" },
  { input: "foo @ -100", want: "foo @ -100.000" },
  { input: "foo @ .3", want: "foo @ 0.300" },
  { input: "foo @ 3.", want: "foo @ 3.000" },
  { input: "foo @ 3.3335", want: "foo @ 3.334" },
  { input: "foo @ 0xA", want: "foo @ 10.000" },
  { input: "foo @ -3.3e1", want: "foo @ -33.000" },
  { input: 'foo:bar{a="bc"}', want: 'foo:bar{a="bc"}' },
  { input: `{'foo\\'bar', 'a\\\\dos\\\\path'='boo\\\\urns'}`, want: '{"a\\\\dos\\\\path"="boo\\\\urns",__name__="foo\'bar"}' },
  { input: 'foo{NaN=\'bc\'}', want: 'foo{NaN="bc"}' },
  { input: "foo{bar='}'}", want: 'foo{bar="}"}' },
  { input: '{__name__="bar", __name__="baz"}', want: '{__name__="bar",__name__="baz"}' },
  { input: 'foo{a="b", foo!="bar", test=~"test", bar!~"baz",}', want: 'foo{a="b",bar!~"baz",foo!="bar",test=~"test"}' },
  { input: "test[1000ms]", want: "test[1s]" },
  { input: "test[1001ms]", want: "test[1s1ms]" },
  { input: "test[5d] OFFSET 10s", want: "test[5d] offset 10s" },
  { input: 'test{a="b"}[5y] OFFSET 3d', want: 'test{a="b"}[5y] offset 3d' },
  { input: 'test{a="b"}[5m] OFFSET 3600', want: 'test{a="b"}[5m] offset 1h' },
  { input: "foo[3ms] @ 2.345", want: "foo[3ms] @ 2.345" },
  { input: "foo[4.18] @ 2.345", want: "foo[4s180ms] @ 2.345" },
  { input: "test[5]", want: "test[5s]" },
  { input: "some_metric[5m] @ 1m", want: "some_metric[5m] @ 60.000" },
  { input: "sum by (foo)(some_metric)", want: "sum by (foo) (some_metric)" },
  { input: 'sum by ("foo bar")({"some.metric"})', want: 'sum by ("foo bar") ({__name__="some.metric"})' },
  { input: "sum (some_metric) without (foo)", want: "sum without (foo) (some_metric)" },
  { input: "sum by ()(some_metric)", want: "sum(some_metric)" },
  { input: "sum by (foo,bar,)(some_metric)", want: "sum by (foo, bar) (some_metric)" },
  { input: "topk(5, some_metric)", want: "topk(5, some_metric)" },
  { input: 'count_values("value", some_metric)', want: 'count_values("value", some_metric)' },
  { input: "sum without(and, by, avg, count, alert, annotations)(some_metric)", want: "sum without (and, by, avg, count, alert, annotations) (some_metric)" },
  { input: "time()", want: "time()", type: "scalar" },
  { input: "round(some_metric, 5)", want: "round(some_metric, 5)" },
  { input: '"\\a\\b\\f\\n\\r\\t\\v\\\\\\" - \\u1234\\U00010111"', want: '"\\a\\b\\f\\n\\r\\t\\v\\\\\\" - \u1234\u{10111}"', type: "string" },
  { input: "`backtick-quoted string`", want: '"backtick-quoted string"' },
  { input: 'foo{bar="baz"}[10m5s:1h6ms]', want: 'foo{bar="baz"}[10m5s:1h6ms]' },
  { input: "foo[10m:]", want: "foo[10m:]" },
  { input: 'min_over_time(rate(foo{bar="baz"}[2s])[5m:] offset 4m)[4m:3s]', want: 'min_over_time(rate(foo{bar="baz"}[2s])[5m:] offset 4m)[4m:3s]' },
  { input: "some_metric @ 123 offset 1m [10m:5s]", want: "some_metric @ 123.000 offset 1m[10m:5s]" },
  { input: "some_metric[10m:5s] offset 1m @ 123", want: "some_metric[10m:5s] @ 123.000 offset 1m" },
  { input: "foo @ start()", want: "foo @ start()" },
  { input: "test[5y] @ end()", want: "test[5y] @ end()" },
  { input: "start()", want: "start()" },
  { input: "end", want: "end" },
  { input: 'start{end="foo"}', want: 'start{end="foo"}' },
  { input: "foo unless on(start) bar", want: "foo unless on (start) bar" },
  { input: 'info(http_request_counter_total{namespace="zzz"}, {foo="bar", bar="baz"})', want: 'info(http_request_counter_total{namespace="zzz"}, {bar="baz",foo="bar"})' },
  // Duration expressions: constants fold, step()/range() stay.
  { input: "foo[11s+10s-5*2^2]", want: "foo[1s]" },
  { input: "foo[-(10s-5s)+20s]", want: "foo[15s]" },
  { input: "foo[(5s)]", want: "foo[5s]" },
  { input: "foo[1h/2]", want: "foo[30m]" },
  { input: "foo[1h30m % 1h]", want: "foo[30m]" },
  { input: "foo[step()]", want: "foo[step()]" },
  { input: "foo[  -  step  (  )  ]", want: "foo[-step()]" },
  { input: "foo[1+(STep()-5)*2]", want: "foo[1 + (step() - 5) * 2]" },
  { input: "foo[max_of(step(),5s)]", want: "foo[max_of(step(), 5)]" },
  { input: "foo[min_of(1m, 2m)]", want: "foo[1m]" },
  { input: "foo offset step()", want: "foo offset step()" },
  { input: "foo offset -step()", want: "foo offset -step()" },
  { input: "foo offset -min_of(5s,step()+8s)", want: "foo offset -min_of(5, step() + 8)" },
  { input: "foo[2m/range()]", want: "foo[120 / range()]" },
  { input: "foo offset range()", want: "foo offset range()" },
  { input: "foo[4s+4s:1s*2] offset (5s-8)", want: "foo[8s:2s] offset -3s" },
  { input: "foo offset 5s-8", want: "foo offset 5s - 8" },
  { input: "foo offset -1^1", want: "foo offset -1s ^ 1" },
  { input: "foo offset -(1^2)", want: "foo offset -1s" },
  { input: "foo offset (-1^2)", want: "foo offset -1s" },
  { input: "foo[-2^2+5]", want: "foo[1s]" },
  { input: "foo offset step()*0", want: "foo offset step() * 0" },
  { input: "foo offset (step())*2", want: "foo offset (step()) * 2" },
  { input: "foo offset (100 + 2)", want: "foo offset 1m42s" },
  { input: "foo offset 100 + 2", want: "foo offset 1m40s + 2" },
  // Extended range selectors and fill modifiers.
  { input: "increase(foo[1m] anchored)", want: "increase(foo[1m] anchored)" },
  { input: "rate(foo[1m] smoothed offset 5m)", want: "rate(foo[1m] smoothed offset 5m)" },
  { input: "a + fill(0) b", want: "a + fill (0) b" },
  { input: "a + fill_left(5) fill_right(7) b", want: "a + fill_left (5) fill_right (7) b" },
  { input: "a + ignoring(job) group_left fill(-Inf) b", want: "a + ignoring (job) group_left () fill (-Inf) b" },
  { input: "other + fill(0) fill", want: "other + fill (0) fill" },
  { input: "h </ 5 >/ 1", want: "h </ 5 >/ 1" },
  { input: "min_of(1, 2)", want: "min_of(1, 2)", type: "scalar" },
  { input: "foo # comment\n + bar", want: "foo + bar" },
];

for (const c of goodCases) {
  test(`parses ${JSON.stringify(c.input)}`, () => {
    const e = parseExpr(c.input, allOn);
    if (c.want !== "") assert.equal(show(e), c.want);
    if (c.type !== undefined) assert.equal(typeOf(e), c.type);
  });
}

test("AST details follow Prometheus", () => {
  const bin = parseExpr("-1^-2");
  assert.equal(bin.kind, "UnaryExpr");
  const neg = parseExpr("-1*2");
  assert.ok(neg.kind === "BinaryExpr" && neg.lhs.kind === "NumberLiteral" && neg.lhs.val === -1);
  assert.deepEqual(neg.kind === "BinaryExpr" ? neg.lhs.pos : null, { start: 0, end: 2 });

  const vs = parseExpr('foo{a="b"}');
  assert.ok(vs.kind === "VectorSelector");
  assert.deepEqual(
    vs.matchers.map((m) => m.toString()),
    ['a="b"', '__name__="foo"'],
  );
  assert.deepEqual(vs.pos, { start: 0, end: 10 });

  const ms = parseExpr("foo[5m] offset 1m @ 10");
  assert.ok(ms.kind === "MatrixSelector");
  assert.equal(ms.range, 300000);
  assert.equal(ms.vectorSelector.originalOffset, 60000);
  assert.equal(ms.vectorSelector.timestamp, 10000);
  assert.deepEqual(ms.pos, { start: 0, end: 22 });

  const sq = parseExpr("rate(foo[1m])[5m:step()]");
  assert.ok(sq.kind === "SubqueryExpr");
  assert.equal(sq.range, 300000);
  assert.equal(sq.step, 0);
  assert.equal(sq.stepExpr?.op, "step");

  const set = parseExpr("a and b");
  assert.ok(set.kind === "BinaryExpr" && set.matching?.card === "many-to-many");
  const sc = parseExpr("a + 1");
  assert.ok(sc.kind === "BinaryExpr" && sc.matching === null);

  const agg = parseExpr("sum(foo) by (a)");
  assert.deepEqual(agg.pos, { start: 0, end: 15 });
  const call = parseExpr("rate(foo[5m])");
  assert.deepEqual(call.pos, { start: 0, end: 13 });

  const fill = parseExpr("a + fill_right(1) b", allOn);
  assert.ok(fill.kind === "BinaryExpr" && fill.matching?.fillLeft === null && fill.matching.fillRight === 1);

  const str = parseExpr('"\\xff\\u00e9"');
  assert.ok(str.kind === "StringLiteral" && str.val === "\udcff\u00e9" && !str.val.isWellFormed());
});

test("parseMetricSelector returns the matchers, name last", () => {
  assert.deepEqual(
    parseMetricSelector('up{job="a"}').map((m) => m.toString()),
    ['job="a"', '__name__="up"'],
  );
  assert.deepEqual(parseMetricSelector("{}"), []);
  assert.deepEqual(
    parseMetricSelector('{"my.metric", "a.b"="c"}').map((m) => m.toString()),
    ['__name__="my.metric"', '"a.b"="c"'],
  );
  assert.throws(() => parseMetricSelector("up + 1"), ParseError);
  assert.throws(() => parseMetricSelector("rate(x[5m])"), ParseError);
});

const durationCases: { input: string; want: number | string }[] = [
  { input: "0", want: 0 },
  { input: "5m", want: 300000 },
  { input: "1h30m", want: 5400000 },
  { input: "1y", want: 31536000000 },
  { input: "2w", want: 1209600000 },
  { input: "250ms", want: 250 },
  { input: "1d2h3m4s5ms", want: 93784005 },
  { input: "", want: "empty duration string" },
  { input: "5", want: 'not a valid duration string: "5"' },
  { input: "1h1d", want: 'not a valid duration string: "1h1d"' },
  { input: "5x", want: 'unknown unit "x" in duration "5x"' },
  { input: "-5m", want: 'not a valid duration string: "-5m"' },
  { input: "300000y", want: "duration out of range" },
];
for (const c of durationCases) {
  test(`parseDuration(${JSON.stringify(c.input)})`, () => {
    if (typeof c.want === "number") assert.equal(parseDuration(c.input), c.want);
    else assert.throws(() => parseDuration(c.input), { message: c.want });
  });
}

/** Parses every `eval` line of the reference PromQL test files (Prometheus's promqltest suite). */
test("parses every eval expression of the promql-tests", (t) => {
  const dir = path.resolve(process.cwd(), "../shared/reference/promql-tests");
  if (!fs.existsSync(dir)) {
    t.skip(`reference data not found at ${dir}`);
    return;
  }
  const evalLine =
    /^eval(?:_fail|_warn|_info|_ordered)?\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*)$/;
  let parsed = 0;
  const failures: string[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".test"))) {
    const lines = fs.readFileSync(path.join(dir, file), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const m = evalLine.exec(lines[i]!);
      if (m === null) continue;
      const failExpected = lines[i]!.startsWith("eval_fail") || /^\s*expect fail/.test(lines[i + 1] ?? "");
      try {
        const e = parseExpr(m[1]!, allOn);
        parsed++;
        // The canonical form is a fixed point.
        const s = formatExpr(e);
        assert.equal(formatExpr(parseExpr(s, allOn)), s, `${file}:${i + 1}`);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        if (!failExpected) failures.push(`${file}:${i + 1}: ${m[1]}: ${err.message}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(parsed > 2000, `only ${parsed} expressions found`);
});
