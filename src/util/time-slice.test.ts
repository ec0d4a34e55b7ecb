import { test } from "node:test";
import assert from "node:assert/strict";
import { TimeSlice, seededRandom, sortCooperative } from "./index.ts";

const cases = [
  { name: "empty", n: 0, keys: 10 },
  { name: "one run", n: 1000, keys: 50 },
  { name: "exactly two runs", n: 4096, keys: 1000 },
  { name: "uneven runs with many ties", n: 10_001, keys: 7 },
  { name: "large, mostly distinct", n: 100_000, keys: 1_000_000 },
];

for (const c of cases) {
  test(`sortCooperative: ${c.name} sorts as a stable Array.prototype.sort`, async () => {
    const rand = seededRandom(c.n + 1);
    const items = Array.from({ length: c.n }, (_, i) => ({ k: Math.floor(rand() * c.keys), i }));
    const cmp = (a: { k: number }, b: { k: number }): number => a.k - b.k;
    const want = items.slice().sort(cmp);
    const got = await sortCooperative(items.slice(), cmp, new TimeSlice());
    assert.deepEqual(got, want);
  });
}

test("sortCooperative: yields when the slice is used up", async () => {
  const rand = seededRandom(3);
  const items = Array.from({ length: 50_000 }, () => String(rand()));
  // A zero-length slice is always due, so every check yields.
  const slice = new TimeSlice(0);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const got = await sortCooperative(items.slice(), (a, b) => (a < b ? -1 : a > b ? 1 : 0), slice);
  clearInterval(timer);
  assert.deepEqual(got, items.slice().sort());
  assert.ok(slice.yields > 10, `yields ${slice.yields}`);
  assert.ok(ticks > 0, "timers ran during the sort");
});
