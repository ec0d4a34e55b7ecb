import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels, Matcher, MatchType } from "../model/index.ts";
import { MemoryStorage, ValueType } from "./index.ts";

const up = (job: string) => Labels.fromObject({ __name__: "up", job });

async function fill(): Promise<MemoryStorage> {
  const db = new MemoryStorage();
  const app = db.appender();
  for (let t = 0; t <= 100_000; t += 10_000) {
    app.append(0, up("a"), t, t / 1000);
    app.append(0, up("b"), t, -t);
  }
  app.append(0, up("a"), 110_000, 0, { stale: true });
  await app.commit();
  return db;
}

test("appends become visible on commit only", async () => {
  const db = new MemoryStorage();
  const app = db.appender();
  assert.notEqual(app.append(0, up("a"), 1, 1), 0);
  let q = await db.querier(0, 10);
  let ss = await q.select(false, null);
  assert.equal(ss.next(), false);
  await app.commit();
  q = await db.querier(0, 10);
  ss = await q.select(false, null);
  assert.equal(ss.next(), true);
});

test("rollback discards the batch", async () => {
  const db = new MemoryStorage();
  const app = db.appender();
  app.append(0, up("a"), 1, 1);
  app.rollback();
  await app.commit();
  assert.equal(db.numSeries, 0);
});

const rejectCases = [
  { name: "out of order", t: 50_000, v: 1, want: false },
  { name: "duplicate timestamp, other value", t: 100_000, v: 7, want: false },
  { name: "duplicate timestamp, same value", t: 100_000, v: -100_000, want: true },
  { name: "newer sample", t: 120_000, v: 1, want: true },
];
for (const c of rejectCases) {
  test(`append outcome: ${c.name}`, async () => {
    const db = await fill();
    const app = db.appender();
    assert.equal(app.append(0, up("b"), c.t, c.v) !== 0, c.want);
  });
}

test("select filters by matchers and time, iterators read typed arrays", async () => {
  const db = await fill();
  const q = await db.querier(20_000, 50_000);
  const ss = await q.select(true, null, new Matcher(MatchType.Equal, "job", "a"));
  assert.ok(ss.next());
  const s = ss.at();
  assert.equal(s.labels.get("job"), "a");
  const it = s.iterator();
  assert.equal(it.seek(25_000), ValueType.Float);
  assert.equal(it.atT(), 30_000);
  assert.equal(it.atF(), 30);
  const ts = new Float64Array(8);
  const vs = new Float64Array(8);
  const n = it.readInto(ts, vs, null, 45_000);
  assert.deepEqual([...ts.subarray(0, n)], [40_000]);
  assert.equal(it.next(), ValueType.Float);
  assert.equal(it.atT(), 50_000);
  assert.equal(it.next(), ValueType.None);
  assert.equal(ss.next(), false);
});

test("stale markers are flagged, or skipped without a flag array", async () => {
  const db = await fill();
  const q = await db.querier(100_000, 200_000);
  const ss = await q.select(false, null, new Matcher(MatchType.Equal, "job", "a"));
  assert.ok(ss.next());
  const ts = new Float64Array(4);
  const vs = new Float64Array(4);
  const stale = new Uint8Array(4);
  let it = ss.at().iterator();
  assert.equal(it.readInto(ts, vs, stale, 200_000), 2);
  assert.deepEqual([...stale.subarray(0, 2)], [0, 1]);
  it = ss.at().iterator();
  assert.equal(it.readInto(ts, vs, null, 200_000), 1);
  it = ss.at().iterator();
  it.seek(110_000);
  assert.ok(it.isStale());
});

test("label names and values", async () => {
  const db = await fill();
  const q = await db.querier(0, 200_000);
  assert.deepEqual(await q.labelNames(), ["__name__", "job"]);
  assert.deepEqual(await q.labelValues("job"), ["a", "b"]);
  assert.deepEqual(await q.labelValues("job", new Matcher(MatchType.Regexp, "job", "b|c")), ["b"]);
});

test("sorted select returns series in label order", async () => {
  const db = new MemoryStorage();
  const app = db.appender();
  for (const j of ["c", "a", "b"]) app.append(0, up(j), 0, 1);
  await app.commit();
  const ss = await (await db.querier(0, 0)).select(true, null);
  const got: string[] = [];
  while (ss.next()) got.push(ss.at().labels.get("job"));
  assert.deepEqual(got, ["a", "b", "c"]);
});
