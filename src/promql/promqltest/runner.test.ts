import { test } from "node:test";
import assert from "node:assert/strict";
import { runScript } from "./index.ts";

const load = `
load 1m
  foo{a="1"} 1+1x10
  foo{a="2"} 10+10x10
  hist{a="1"} {{schema:0 sum:1 count:1}}x10
`;

const cases = [
  { name: "instant vector", script: "eval instant at 2m foo\n  foo{a=\"1\"} 3\n  foo{a=\"2\"} 30", want: "passed", msg: "" },
  { name: "value within tolerance", script: "eval instant at 2m foo{a=\"1\"}\n  foo{a=\"1\"} 3.0000001", want: "passed", msg: "" },
  { name: "wrong value", script: "eval instant at 2m foo{a=\"1\"}\n  foo{a=\"1\"} 4", want: "failed", msg: 'expected 4 for {__name__="foo", a="1"} but got 3' },
  { name: "missing series", script: "eval instant at 2m foo{a=\"1\"}\n  foo{a=\"1\"} 3\n  foo{a=\"3\"} 3", want: "failed", msg: 'expected metric {__name__="foo", a="3"} with [3] not found' },
  { name: "unexpected series", script: "eval instant at 2m foo\n  foo{a=\"1\"} 3", want: "failed", msg: 'unexpected metric {__name__="foo", a="2"} in result, has value 30' },
  { name: "range with omitted points", script: "eval range from 0 to 2m step 1m foo{a=\"1\"} > 1\n  foo{a=\"1\"} _ 2 3", want: "passed", msg: "" },
  { name: "range wrong timestamp count", script: "eval range from 0 to 2m step 1m foo{a=\"1\"}\n  foo{a=\"1\"} 1 2", want: "failed", msg: "expected 2 float points and 0 histogram points" },
  { name: "scalar", script: "eval instant at 0 1 + 2\n  3", want: "passed", msg: "" },
  { name: "string", script: "eval instant at 0 \"x\"\n  expect string \"x\"", want: "passed", msg: "" },
  { name: "ordered", script: "eval instant at 1m sort_desc(foo)\n  expect ordered\n  foo{a=\"2\"} 20\n  foo{a=\"1\"} 2", want: "passed", msg: "" },
  { name: "wrong order", script: "eval instant at 1m sort(foo)\n  expect ordered\n  foo{a=\"2\"} 20\n  foo{a=\"1\"} 2", want: "failed", msg: "at position 2 but was at 1" },
  { name: "expected failure", script: "eval instant at 1m label_replace(foo, \"dst\", \"\", \"src\", \"(.*\")\n  expect fail", want: "passed", msg: "" },
  { name: "expected failure message mismatch", script: "eval instant at 1m label_replace(foo, \"dst\", \"\", \"src\", \"(.*\")\n  expect fail msg: nope", want: "failed", msg: 'expected error matching "nope"' },
  { name: "expected failure that succeeds", script: "eval instant at 1m foo\n  expect fail", want: "failed", msg: "but got none" },
  { name: "no_warn with a warning", script: "eval instant at 1m quantile(2, foo)\n  expect no_warn\n  {} +Inf", want: "failed", msg: "unexpected warning annotations" },
  { name: "expected warning", script: "eval instant at 1m quantile(2, foo)\n  expect warn\n  {} +Inf", want: "passed", msg: "" },
  { name: "histogram series skipped", script: "eval instant at 1m hist\n  hist{a=\"1\"} 1", want: "skipped", msg: "native histograms: the query selects" },
  { name: "histogram expected skipped", script: "eval instant at 1m foo{a=\"1\"}\n  foo{a=\"1\"} {{schema:0 sum:1 count:1}}", want: "skipped", msg: "expected result contains a native histogram" },
  { name: "range vector of an instant query", script: "eval instant at 2m foo{a=\"1\"}[2m]\n  expect range vector from 1m to 2m step 1m\n  foo{a=\"1\"} 2 3", want: "passed", msg: "" },
];

for (const c of cases) {
  test(`runner: ${c.name}`, async () => {
    const r = await runScript(`${load}\n${c.script}\n`);
    assert.equal(r.outcomes.length, 1, JSON.stringify(r.outcomes));
    const o = r.outcomes[0]!;
    assert.equal(o.status, c.want, o.message);
    assert.ok(o.message.includes(c.msg), o.message);
  });
}

test("runner: a whole experimental file is skipped with its reason", async () => {
  const r = await runScript(`${load}\neval instant at 0 foo\n  foo{a="1"} 1\n`, { file: "dir/native_histograms.test" });
  assert.deepEqual([r.passed, r.failed, r.skipped], [0, 0, 1]);
  assert.match(r.outcomes[0]!.message, /native histograms/);
});

test("runner: a malformed script is one failure", async () => {
  const r = await runScript("load 1m\n  foo{ 1\n");
  assert.deepEqual([r.passed, r.failed, r.skipped], [0, 1, 0]);
  assert.match(r.outcomes[0]!.message, /error parsing test script: 2:/);
});

test("runner: clear drops loaded data", async () => {
  const r = await runScript(`${load}\nclear\n\neval instant at 1m foo\n`);
  assert.deepEqual([r.passed, r.failed, r.skipped], [1, 0, 0]);
});
