import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "./index.ts";

test("virtual clock fires timers in time order with now() at their due time", () => {
  const c = new VirtualClock(1000);
  const seen: string[] = [];
  c.setTimeout(() => seen.push(`b@${c.now()}`), 20);
  c.setTimeout(() => seen.push(`a@${c.now()}`), 10);
  c.setTimeout(() => seen.push(`a2@${c.now()}`), 10);
  const t = c.setTimeout(() => seen.push("canceled"), 15);
  t.cancel();
  c.advance(15);
  assert.deepEqual(seen, ["a@1010", "a2@1010"]);
  assert.equal(c.now(), 1015);
  c.advance(100);
  assert.deepEqual(seen, ["a@1010", "a2@1010", "b@1020"]);
  assert.equal(c.pendingTimers, 0);
});

test("virtual clock runs timers scheduled by timers within the same advance", () => {
  const c = new VirtualClock();
  let n = 0;
  const tick = () => {
    n++;
    c.setTimeout(tick, 10);
  };
  c.setTimeout(tick, 10);
  c.advance(55);
  assert.equal(n, 5);
});

test("advanceAsync lets awaited work finish between timers", async () => {
  const c = new VirtualClock();
  const seen: number[] = [];
  c.setTimeout(async () => {
    await Promise.resolve();
    seen.push(c.now());
    c.setTimeout(() => seen.push(c.now()), 5);
  }, 10);
  await c.advanceAsync(20);
  assert.deepEqual(seen, [10, 15]);
});
