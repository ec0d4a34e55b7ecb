import { test } from "node:test";
import assert from "node:assert/strict";
import { DurationParseError, formatDuration, parseDuration } from "./index.ts";

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// From prometheus/common model/time_test.go TestParseDuration: input, value,
// and the String() output when it differs from the input.
const good: Array<{ in: string; ms: number; str?: string }> = [
  { in: "0", ms: 0, str: "0s" },
  { in: "0w", ms: 0, str: "0s" },
  { in: "0s", ms: 0 },
  { in: "324ms", ms: 324 },
  { in: "3s", ms: 3 * SEC },
  { in: "5m", ms: 5 * MIN },
  { in: "1h", ms: HOUR },
  { in: "4d", ms: 4 * DAY },
  { in: "4d1h", ms: 4 * DAY + HOUR },
  { in: "14d", ms: 14 * DAY, str: "2w" },
  { in: "3w", ms: 21 * DAY },
  { in: "3w2d1h", ms: 23 * DAY + HOUR, str: "23d1h" },
  { in: "10y", ms: 3650 * DAY },
  { in: "1h30m", ms: HOUR + 30 * MIN },
  { in: "90d", ms: 90 * DAY },
  { in: "1y2w", ms: 379 * DAY, str: "379d" },
  { in: "1m500ms", ms: MIN + 500 },
  { in: "007s", ms: 7 * SEC, str: "7s" },
];

for (const c of good) {
  test(`parseDuration(${JSON.stringify(c.in)}) = ${c.ms}ms, prints ${c.str ?? c.in}`, () => {
    const ms = parseDuration(c.in);
    assert.equal(ms, c.ms);
    assert.equal(formatDuration(ms), c.str ?? c.in);
  });
}

const bad: Array<{ in: string; err: string }> = [
  { in: "", err: "empty duration string" },
  { in: "1", err: 'not a valid duration string: "1"' },
  { in: "1y1m1d", err: 'not a valid duration string: "1y1m1d"' },
  { in: "-1w", err: 'not a valid duration string: "-1w"' },
  { in: "1.5d", err: 'unknown unit "." in duration "1.5d"' },
  { in: "1h1h", err: 'not a valid duration string: "1h1h"' },
  { in: "5x", err: 'unknown unit "x" in duration "5x"' },
  { in: "1 h", err: 'unknown unit " h" in duration "1 h"' },
  { in: "300y", err: "duration out of range" },
  { in: "106751d23h47m16s855ms", err: "duration out of range" },
  { in: "99999999999999999999s", err: 'not a valid duration string: "99999999999999999999s"' },
];

for (const c of bad) {
  test(`parseDuration(${JSON.stringify(c.in)}) fails: ${c.err}`, () => {
    assert.throws(() => parseDuration(c.in), (e: unknown) => {
      assert.ok(e instanceof DurationParseError);
      assert.equal(e.message, c.err);
      return true;
    });
  });
}

test("the largest duration Go can hold parses", () => {
  // 2^63-1 ns truncated to milliseconds.
  assert.equal(parseDuration("106751d23h47m16s854ms"), 9223372036854);
});

const formats: Array<{ ms: number; want: string }> = [
  { ms: -5 * MIN, want: "-5m" },
  { ms: 365 * DAY, want: "1y" },
  { ms: 366 * DAY, want: "366d" },
  { ms: 1500.9, want: "1s500ms" },
];
for (const c of formats) {
  test(`formatDuration(${c.ms}) = ${c.want}`, () => assert.equal(formatDuration(c.ms), c.want));
}
