import { test } from "node:test";
import assert from "node:assert/strict";
import { argMatchers, formatLabelPairs, formatSilenceMatchers, goFormatTime, tabTable } from "./index.ts";
import type { APISilence } from "./index.ts";

test("tabTable pads every cell to its column width plus two", () => {
  assert.equal(tabTable([["ID", "State"], ["abc", "x"]]), "ID   State  \nabc  x      \n");
});

const layouts = [
  { name: "amtool default", layout: "2006-01-02 15:04:05 MST", want: "2020-03-04 05:06:07 UTC" },
  { name: "RFC3339", layout: "2006-01-02T15:04:05Z07:00", want: "2020-03-04T05:06:07Z" },
  { name: "names and ms", layout: "Mon Jan 2 15:04:05.000", want: "Wed Mar 2 05:06:07.089" },
];
for (const c of layouts) {
  test(`goFormatTime: ${c.name}`, { skip: new Date().getTimezoneOffset() !== 0 ? "needs TZ=UTC" : false }, () => {
    assert.equal(goFormatTime(Date.UTC(2020, 2, 4, 5, 6, 7, 89), c.layout), c.want);
  });
}

test("label pairs and silence matchers as amtool prints them", () => {
  assert.equal(formatLabelPairs({ b: "2", a: 'x"y' }), 'a="x\\"y" b="2"');
  const s = { matchers: [{ name: "a", value: "1", isRegex: false, isEqual: true }, { name: "b", value: "2.*", isRegex: true, isEqual: false }] } as unknown as APISilence;
  assert.equal(formatSilenceMatchers(s, false), 'a="1" b!~"2.*"');
  assert.equal(formatSilenceMatchers(s, true), '{a="1",b!~"2.*"}');
});

const args = [
  { name: "bare first argument is the alertname", input: ["foo", "node=bar"], want: ['alertname="foo"', 'node="bar"'] },
  { name: "regex", input: ["alertname=~foo.*"], want: ['alertname=~"foo.*"'] },
  { name: "negative", input: ["a!=b"], want: ['a!="b"'] },
];
for (const c of args) {
  test(`argMatchers: ${c.name}`, () => assert.deepEqual(argMatchers(c.input).map((m) => `${m.name}${m.type}"${m.value}"`), c.want));
}
