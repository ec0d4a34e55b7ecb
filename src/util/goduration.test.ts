import { test } from "node:test";
import assert from "node:assert/strict";
import { formatGoDuration, parseGoDuration } from "./index.ts";

const HOUR = 3_600_000;
// Expected texts are Go's time.Duration(ms * 1e6).String().
const formats = [
  { ms: 0, want: "0s" },
  { ms: 500, want: "500ms" },
  { ms: 1.5, want: "1.5ms" },
  { ms: 0.5, want: "500µs" },
  { ms: 0.0015, want: "1.5µs" },
  { ms: 0.0001, want: "100ns" },
  { ms: 1000, want: "1s" },
  { ms: 1500, want: "1.5s" },
  { ms: 60_000, want: "1m0s" },
  { ms: 61_001, want: "1m1.001s" },
  { ms: 179_999, want: "2m59.999s" },
  { ms: 2 * HOUR, want: "2h0m0s" },
  { ms: HOUR + 600_000 + 250, want: "1h10m0.25s" },
  { ms: 2400 * HOUR, want: "2400h0m0s" },
  { ms: 5000 * HOUR + 0.5, want: "5000h0m0.0005s" },
  { ms: -90_000, want: "-1m30s" },
  { ms: -0.25, want: "-250µs" },
];
for (const c of formats) test(`formatGoDuration(${c.ms}) = ${c.want}`, () => assert.equal(formatGoDuration(c.ms), c.want));

const parses = [
  { s: "0", want: 0 },
  { s: "5s", want: 5000 },
  { s: "1m30s", want: 90_000 },
  { s: "1.5h", want: 1.5 * HOUR },
  { s: "1h2m3.5s", want: 3_723_500 },
  { s: "1500us", want: 1.5 },
  { s: "250ms", want: 250 },
  { s: "10us", want: 0.01 },
  { s: "10µs", want: 0.01 },
  { s: "-2m", want: -120_000 },
  { s: "+.5s", want: 500 },
  { s: "1d", want: null },
  { s: "5", want: null },
  { s: "", want: null },
  { s: "s", want: null },
];
for (const c of parses) test(`parseGoDuration(${JSON.stringify(c.s)}) = ${c.want}`, () => assert.equal(parseGoDuration(c.s), c.want));
