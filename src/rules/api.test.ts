import { test } from "node:test";
import assert from "node:assert/strict";
import { formatFloatE, formatTime, tableLinkForExpression } from "./index.ts";

const floats = [
  { v: 1, want: "1e+00" },
  { v: 20, want: "2e+01" },
  { v: 14.5, want: "1.45e+01" },
  { v: 0.001, want: "1e-03" },
  { v: -2.5e-300, want: "-2.5e-300" },
  { v: 0, want: "0e+00" },
  { v: Number.NaN, want: "NaN" },
  { v: Infinity, want: "+Inf" },
  { v: -Infinity, want: "-Inf" },
];
for (const c of floats) test(`formatFloatE(${c.v}) is Go's 'e' format`, () => assert.equal(formatFloatE(c.v), c.want));

const times = [
  { t: null, want: "0001-01-01T00:00:00Z" },
  { t: 0, want: "1970-01-01T00:00:00Z" },
  { t: 1_700_000_000_120, want: "2023-11-14T22:13:20.12Z" },
  { t: 1_700_000_000_001, want: "2023-11-14T22:13:20.001Z" },
];
for (const c of times) test(`formatTime(${c.t}) is Go's RFC 3339 JSON time`, () => assert.equal(formatTime(c.t), c.want));

test("tableLinkForExpression escapes as url.QueryEscape", () => {
  assert.equal(tableLinkForExpression('sum(rate(x{a="b c"}[5m])) * 2'), "/graph?g0.expr=sum%28rate%28x%7Ba%3D%22b+c%22%7D%5B5m%5D%29%29+%2A+2&g0.tab=1");
});
