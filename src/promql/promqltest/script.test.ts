import { test } from "node:test";
import assert from "node:assert/strict";
import { type EvalCmd, ExpectType, ScriptParseError, parseExpectLine, parseExpectString, parseScript, almostEqual } from "./index.ts";
import { parseDuration } from "../../model/index.ts";

const expectCases = [
  { name: "fail", line: "expect fail", type: ExpectType.Fail, message: "", regex: "^.*$" },
  { name: "fail msg", line: 'expect fail msg: vector cannot contain metrics with the same labelset', type: ExpectType.Fail, message: "vector cannot contain metrics with the same labelset", regex: null },
  { name: "fail regex", line: "expect fail regex: vector cannot .*|other", type: ExpectType.Fail, message: "", regex: "vector cannot .*|other" },
  { name: "warn", line: "expect warn", type: ExpectType.Warn, message: "", regex: "^.*$" },
  { name: "warn msg", line: "expect warn msg: PromQL warning: x (1:2)", type: ExpectType.Warn, message: "PromQL warning: x (1:2)", regex: null },
  { name: "info regex", line: "expect info regex: something went (wrong|boom)", type: ExpectType.Info, message: "", regex: "something went (wrong|boom)" },
  { name: "no_warn", line: "expect no_warn", type: ExpectType.NoWarn, message: "", regex: "^.*$" },
  { name: "no_info", line: "expect no_info", type: ExpectType.NoInfo, message: "", regex: "^.*$" },
  { name: "ordered", line: "expect ordered", type: ExpectType.Ordered, message: "", regex: "^.*$" },
];
for (const c of expectCases) {
  test(`expect line: ${c.name}`, () => {
    const r = parseExpectLine(c.line);
    assert.equal(r.type, c.type);
    assert.equal(r.expectation.message, c.message);
    assert.equal(r.expectation.regex?.source ?? null, c.regex);
  });
}

const badExpect = [
  { name: "unknown type", line: "expect failure", want: /invalid expect statement/ },
  { name: "unknown match type", line: "expect warn text: x", want: /invalid expect statement/ },
  { name: "bad regex", line: "expect fail regex: (", want: /invalid regex \( for fail/ },
];
for (const c of badExpect) test(`expect line rejects: ${c.name}`, () => assert.throws(() => parseExpectLine(c.line), c.want));

const stringCases = [
  { line: 'expect string "Foo"', want: "Foo" },
  { line: "expect string `Foo`", want: "Foo" },
  { line: 'expect string " Foo "', want: " Foo " },
  { line: 'expect string ""', want: "" },
  { line: 'expect string "a\\tb"', want: "a\tb" },
];
for (const c of stringCases) test(`expect string: ${c.line}`, () => assert.equal(parseExpectString(c.line), c.want));
test("expect string rejects a missing literal", () => assert.throws(() => parseExpectString("expect string"), /a quoted string literal is required/));
test("expect string rejects a bad literal", () => assert.throws(() => parseExpectString("expect string Foo"), /correctly quoted/));

const durations = [
  { s: "0", want: 0 },
  { s: "1m", want: 60_000 },
  { s: "1h30m", want: 5_400_000 },
  { s: "500ms", want: 500 },
  { s: "9m10s", want: 550_000 },
  { s: "1d", want: 86_400_000 },
];
for (const c of durations) test(`duration ${c.s}`, () => assert.equal(parseDuration(c.s), c.want));
for (const s of ["", "1", "1.5m", "1s1m", "abc"]) test(`duration rejects ${JSON.stringify(s)}`, () => assert.throws(() => parseDuration(s)));

const equalCases = [
  { name: "equal", a: 1, b: 1, want: true },
  { name: "within 1e-6 relative", a: 1.0000001, b: 1, want: true },
  { name: "outside 1e-6 relative", a: 1.00001, b: 1, want: false },
  { name: "NaN equals NaN", a: NaN, b: NaN, want: true },
  { name: "NaN not a number", a: NaN, b: 1, want: false },
  { name: "Inf", a: Infinity, b: Infinity, want: true },
  { name: "zero vs tiny", a: 0, b: 1e-300, want: false },
];
for (const c of equalCases) test(`almostEqual: ${c.name}`, () => assert.equal(almostEqual(c.a, c.b, 1e-6), c.want));

const script = `
# a comment
load 1m
  foo{a="1"} 1+1x2
  foo{a="2"} _ 5

load_with_nhcb 30s
  h_bucket{le="1"} 1

clear

eval instant at 1m foo
  expect no_warn
  foo{a="1"} 2
  foo{a="2"} 5

eval range from 0 to 2m step 1m foo{a="1"}
  {__name__="foo", a="1"} 1 2 3

eval instant at 0 1 + 1
  2

eval_fail instant at 0 foo
  expected_fail_message some error

eval_ordered instant at 2m sort(foo)
  foo{a="1"} 3

eval instant at 1m foo[1m]
  expect range vector from 0 to 1m step 30s
  foo{a="1"} 1 _ 2

eval instant at 0 "x"
  expect string "x"
`;

test("script: commands, times and expectations", () => {
  const cmds = parseScript(script);
  assert.deepEqual(
    cmds.map((c) => `${c.kind}@${c.line}`),
    ["load@3", "load@7", "clear@10", "eval@12", "eval@17", "eval@20", "eval@23", "eval@26", "eval@29", "eval@33"],
  );
  const load = cmds[0]!;
  assert.ok(load.kind === "load");
  assert.equal(load.stepMs, 60_000);
  assert.equal(load.series.length, 2);
  const nhcb = cmds[1]!;
  assert.ok(nhcb.kind === "load" && nhcb.withNHCB && nhcb.stepMs === 30_000);

  const evals = cmds.filter((c): c is EvalCmd => c.kind === "eval");
  const [inst, rng, scalar, fail, ordered, rv, str] = evals as [EvalCmd, EvalCmd, EvalCmd, EvalCmd, EvalCmd, EvalCmd, EvalCmd];
  assert.equal(inst.evalTime, 60_000);
  assert.equal(inst.expects.no_warn.length, 1);
  assert.equal(inst.expected.size, 2);
  assert.deepEqual([...inst.expected.values()].map((e) => e.pos), [1, 2]);
  assert.ok(rng.isRange && rng.start === 0 && rng.end === 120_000 && rng.stepMs === 60_000);
  assert.equal([...rng.expected.values()][0]!.values.length, 3);
  assert.ok(scalar.expectScalar && scalar.expectedScalar?.value === 2);
  assert.ok(fail.legacyFail && fail.expectedFailMessage === "some error");
  assert.ok(ordered.legacyOrdered && ordered.evalTime === 120_000);
  assert.ok(rv.excludeFromRangeQuery && rv.start === 0 && rv.end === 60_000 && rv.stepMs === 30_000 && rv.evalTime === 60_000);
  assert.ok(str.excludeFromRangeQuery && str.expectedString === "x");
});

const badScripts = [
  { name: "unknown command", text: "frobnicate 1m", line: 1, want: /invalid command/ },
  { name: "bad load step", text: "load 1x", line: 1, want: /invalid step definition/ },
  { name: "bad series", text: "load 1m\n  foo{ 1", line: 2, want: /parse error/ },
  { name: "bad eval", text: "eval sometime foo", line: 1, want: /invalid evaluation command/ },
  { name: "end before start", text: "eval range from 2m to 1m step 1m foo", line: 1, want: /end timestamp \(1m\) is before start timestamp \(2m\)/ },
  { name: "multiple values for instant", text: "eval instant at 0 foo\n  foo 1 2", line: 1, want: /expecting multiple values in instant evaluation not allowed/ },
  { name: "warn with no_warn", text: "eval instant at 0 foo\n  expect warn\n  expect no_warn", line: 1, want: /warn and no_warn cannot be used together/ },
  { name: "two expect fail", text: "eval instant at 0 foo\n  expect fail\n  expect fail", line: 1, want: /multiple expect fail lines/ },
];
for (const c of badScripts) {
  test(`script rejects: ${c.name}`, () => {
    assert.throws(
      () => parseScript(c.text),
      (e: unknown) => e instanceof ScriptParseError && e.line === c.line && c.want.test(e.message),
    );
  });
}
