import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Labels, Matcher, MatchType } from "../../model/index.ts";
import { TimeSlice } from "../../util/index.ts";
import { ValueType, storageConformance } from "../../storage/index.ts";
import { Encbuf } from "../encoding/index.ts";
import { RefSamples, encodeSamples, encodeSeries, type RefSeries } from "../record/index.ts";
import { Wlog } from "../wal/index.ts";
import {
  Head,
  MemPostings,
  RejectReason,
  SeriesTimes,
  computeChunkEndTime,
  intersect,
  merge,
  postingsForMatchers,
  rangeForTimestamp,
  subtract,
} from "./index.ts";

for (const c of storageConformance()) test(`Head (no WAL): ${c.name}`, () => c.run(new Head()));

test("postings: intersect, merge, subtract", () => {
  assert.deepEqual(intersect([1, 3, 5, 7], [2, 3, 7, 9]), [3, 7]);
  assert.deepEqual(merge([[1, 4], [2, 4, 6], [], [0]]), [0, 1, 2, 4, 6]);
  assert.deepEqual(subtract([1, 2, 3, 4], [2, 4, 5]), [1, 3]);
  assert.deepEqual(subtract([1, 2], []), [1, 2]);
});

const ix = new MemPostings();
const seriesByRef: Labels[] = [];
for (const [ref, obj] of [
  [1, { __name__: "up", job: "api", env: "prod" }],
  [2, { __name__: "up", job: "api", env: "dev" }],
  [3, { __name__: "up", job: "db" }],
  [4, { __name__: "down", job: "db", env: "" }],
  [5, { __name__: "up", job: "web", env: "prod", extra: "x" }],
] as const) {
  const l = Labels.fromObject(obj);
  seriesByRef[ref] = l;
  ix.add(ref, l);
}

const m = (type: MatchType, name: string, value: string) => new Matcher(type, name, value);
const postingCases = [
  { name: "no matchers: all", ms: [], want: [1, 2, 3, 4, 5] },
  { name: "equal", ms: [m(MatchType.Equal, "job", "api")], want: [1, 2] },
  { name: "equal on a missing value", ms: [m(MatchType.Equal, "job", "nope")], want: [] },
  { name: "equal empty: series without the label", ms: [m(MatchType.Equal, "env", "")], want: [3, 4] },
  { name: "not equal empty: series with the label", ms: [m(MatchType.NotEqual, "env", "")], want: [1, 2, 5] },
  { name: "not equal a value keeps series without the label", ms: [m(MatchType.NotEqual, "env", "prod")], want: [2, 3, 4] },
  { name: "regex", ms: [m(MatchType.Regexp, "job", "a.*|w.*")], want: [1, 2, 5] },
  { name: "regex matching empty", ms: [m(MatchType.Regexp, "env", "prod|")], want: [1, 3, 4, 5] },
  { name: "regex .* matches all", ms: [m(MatchType.Regexp, "env", ".*")], want: [1, 2, 3, 4, 5] },
  { name: "regex .+ needs the label", ms: [m(MatchType.Regexp, "env", ".+")], want: [1, 2, 5] },
  { name: "not regex", ms: [m(MatchType.NotRegexp, "job", "api|db")], want: [5] },
  { name: "not regex rejecting empty", ms: [m(MatchType.NotRegexp, "env", "|dev")], want: [1, 5] },
  {
    name: "intersection of several",
    ms: [m(MatchType.Equal, "__name__", "up"), m(MatchType.NotEqual, "env", "dev"), m(MatchType.Regexp, "job", ".*b")],
    want: [3, 5],
  },
];
for (const c of postingCases) {
  test(`postingsForMatchers: ${c.name}`, () => {
    const got = [...postingsForMatchers(ix, c.ms)];
    assert.deepEqual(got, c.want);
    // Cross-check against brute force over the label sets.
    const brute = [1, 2, 3, 4, 5].filter((r) => c.ms.every((mm) => mm.matches(seriesByRef[r]!.get(mm.name))));
    assert.deepEqual(got, brute);
  });
}

test("rangeForTimestamp and computeChunkEndTime follow Prometheus", () => {
  const h2 = 7_200_000;
  assert.equal(rangeForTimestamp(0, h2), h2);
  assert.equal(rangeForTimestamp(h2 - 1, h2), h2);
  assert.equal(rangeForTimestamp(h2, h2), 2 * h2);
  // 30 samples at 15s fill 435s of a 2h range: n = 7200000/(435001*4) = 4.13 -> 4 chunks of 30 min.
  assert.equal(computeChunkEndTime(0, 435_000, h2, 4), 1_800_000);
  // Sparse samples: the range end stays.
  assert.equal(computeChunkEndTime(0, 3_000_000, h2, 4), h2);
});

async function appendSeries(head: Head, lset: Labels, n: number, stepMs: number, t0 = 0): Promise<void> {
  const app = head.appender();
  for (let i = 0; i < n; i++) assert.notEqual(app.append(0, lset, t0 + i * stepMs, i), 0);
  await app.commit();
}

test("chunks are cut per Prometheus: 15s scrapes give 120-sample chunks, none crosses the 2h range", async () => {
  const head = new Head();
  const l = Labels.fromObject({ __name__: "x" });
  // 3h of 15s samples = 720 samples.
  await appendSeries(head, l, 720, 15_000);
  const s = head.seriesByLabels(l)!;
  const counts = [];
  for (let i = 0; i <= s.lastChunk; i++) counts.push(s.chunk(i).numSamples());
  assert.deepEqual(counts, [120, 120, 120, 120, 120, 120]);
  for (let i = 0; i <= s.lastChunk; i++) {
    assert.equal(rangeForTimestamp(s.chunkMinTime(i), head.chunkRange) >= s.chunkMaxTime(i), true, `chunk ${i} crosses a range`);
  }
});

test("chunks are cut at 2 * samplesPerChunk when the rate jumps, and at 1 KiB", async () => {
  const head = new Head();
  const l = Labels.fromObject({ __name__: "fast" });
  // 1 ms apart from the start: the prediction at 30 samples ends the chunk at t=120.
  await appendSeries(head, l, 1000, 1);
  assert.equal(head.seriesByLabels(l)!.chunk(0).numSamples(), 120);
  // 60s apart, the prediction keeps the range end; then 1 ms apart: the 240-sample cap cuts.
  const j = Labels.fromObject({ __name__: "jump" });
  await appendSeries(head, j, 31, 60_000);
  await appendSeries(head, j, 500, 1, 1_800_001);
  assert.equal(head.seriesByLabels(j)!.chunk(0).numSamples(), 240);
  const app = head.appender();
  const r = Labels.fromObject({ __name__: "random" });
  // Random values take ~8 bytes per sample: the 1 KiB limit cuts first.
  for (let i = 0; i < 300; i++) app.append(0, r, i * 1000, Math.sin(i) * 1e6 + i / 7);
  await app.commit();
  const rs = head.seriesByLabels(r)!;
  assert.ok(rs.chunk(0).bytes().length <= 1024);
  assert.ok(rs.chunk(0).numSamples() < 120);
});

test("iterators cross chunk boundaries: next, seek and readInto agree", async () => {
  const head = new Head();
  const l = Labels.fromObject({ __name__: "x" });
  await appendSeries(head, l, 1000, 1);
  const q = await head.querier(100, 899);
  const ss = await q.select(false, null);
  assert.ok(ss.next());
  const it = ss.at().iterator();
  const seen: number[] = [];
  while (it.next() === ValueType.Float) seen.push(it.atT());
  assert.equal(seen.length, 800);
  assert.equal(seen[0], 100);
  assert.equal(seen[799], 899);
  const it2 = ss.at().iterator(it);
  assert.equal(it2.seek(239), ValueType.Float);
  assert.equal(it2.atT(), 239);
  const ts = new Float64Array(300);
  const vs = new Float64Array(300);
  assert.equal(it2.readInto(ts, vs, null, 10_000), 300);
  assert.equal(ts[0], 240);
  assert.equal(ts[299], 539);
  assert.equal(vs[299], 539);
  assert.equal(it2.next(), ValueType.Float);
  assert.equal(it2.atT(), 540);
  // readInto on an unpositioned iterator starts at mint.
  const it3 = ss.at().iterator();
  assert.equal(it3.readInto(ts, vs, null, 150), 51);
  assert.equal(ts[0], 100);
  assert.equal(it3.atT(), 150);
});

test("a query does not see samples committed after its select", async () => {
  const head = new Head();
  const l = Labels.fromObject({ __name__: "x" });
  await appendSeries(head, l, 10, 1000);
  const ss = await (await head.querier(0, 100_000)).select(false, null);
  await appendSeries(head, l, 5, 1000, 20_000);
  assert.ok(ss.next());
  const it = ss.at().iterator();
  let n = 0;
  while (it.next() === ValueType.Float) n++;
  assert.equal(n, 10);
});

test("rejections are counted by reason", async () => {
  const head = new Head();
  const l = Labels.fromObject({ __name__: "x" });
  await appendSeries(head, l, 10, 1000, 10_000_000);
  const app = head.appender();
  assert.equal(app.append(0, l, 10_000_000 + 5000, 1), 0);
  assert.equal(app.lastReject, RejectReason.OutOfOrder);
  assert.equal(app.append(0, l, 10_000_000 + 9000, 42), 0);
  assert.equal(app.lastReject, RejectReason.Duplicate);
  assert.notEqual(app.append(0, l, 10_000_000 + 9000, 9), 0);
  // Older than maxt - chunkRange/2 (1h): out of bounds, even for a new series.
  assert.equal(app.append(0, Labels.fromObject({ __name__: "y" }), 10_000_000 - 3_700_000, 1), 0);
  assert.equal(app.lastReject, RejectReason.OutOfBounds);
  // Within the batch: order is checked against the batch's own samples.
  assert.notEqual(app.append(0, l, 10_000_000 + 20_000, 1), 0);
  assert.equal(app.append(0, l, 10_000_000 + 15_000, 1), 0);
  await app.commit();
  assert.equal(head.stats.outOfOrderSamples, 2);
  assert.equal(head.stats.duplicateSamples, 1);
  assert.equal(head.stats.outOfBoundSamples, 1);
  assert.equal(head.stats.samplesAppended, 11);
});

test("postings: deleteMany removes refs from every list, and drops emptied values and names", async () => {
  const p = new MemPostings();
  const ls = [
    Labels.fromObject({ __name__: "up", job: "a", only: "x" }),
    Labels.fromObject({ __name__: "up", job: "a" }),
    Labels.fromObject({ __name__: "up", job: "b" }),
  ];
  ls.forEach((l, i) => p.add(i + 1, l));
  await p.deleteMany(new Map([[1, ls[0]!], [3, ls[2]!]]), new TimeSlice());
  assert.deepEqual(p.all(), [2]);
  assert.deepEqual(p.get("__name__", "up"), [2]);
  assert.deepEqual(p.get("job", "b"), []);
  assert.deepEqual(p.labelValues("job"), ["a"]);
  assert.deepEqual(p.labelNames(), ["__name__", "job"]);
});

test("series whose label hashes collide stay apart: looked up, appended and truncated separately", async () => {
  // Found by search: these two label sets have the same 32-bit Labels.hash.
  const a = Labels.fromObject({ __name__: "c", i: "95773" });
  const b = Labels.fromObject({ __name__: "c", i: "1161750" });
  assert.equal(a.hash, b.hash);
  const head = new Head();
  let app = head.appender();
  const ra = app.append(0, a, 1000, 1);
  const rb = app.append(0, b, 1000, 2);
  await app.commit();
  assert.notEqual(ra, rb);
  assert.equal(head.seriesByLabels(a)!.ref, ra);
  assert.equal(head.seriesByLabels(b)!.ref, rb);
  assert.equal(head.seriesByLabels(Labels.fromObject({ __name__: "c", i: "95773" }))!.ref, ra);
  // Only b gets newer samples, so truncation drops a alone.
  app = head.appender();
  assert.equal(app.append(0, b, 50_000_000, 3), rb);
  await app.commit();
  await head.truncateMemory(10_000_000);
  assert.equal(head.seriesByLabels(a), undefined);
  assert.equal(head.seriesByLabels(b)!.ref, rb);
  app = head.appender();
  const ra2 = app.append(0, a, 60_000_000, 4);
  await app.commit();
  assert.ok(ra2 > rb);
  assert.equal(head.seriesByLabels(a)!.ref, ra2);
  assert.equal(head.seriesByLabels(b)!.ref, rb);
});

/** A WAL in a new temp dir: one series record of n series (as one large commit writes it), then one samples record. */
function bigCommitWal(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promstack-head-wal-"));
  const wal = Wlog.open(dir);
  const enc = new Encbuf(1 << 16);
  const refs: RefSeries[] = [];
  const samples = new RefSamples(n);
  for (let i = 0; i < n; i++) {
    refs.push({ ref: i + 1, labels: Labels.fromObject({ __name__: "big", job: `j${i % 7}`, id: String(i) }) });
    samples.push(i + 1, 60_000, i, false);
  }
  encodeSeries(enc, refs);
  wal.log(enc.copy());
  enc.reset();
  encodeSamples(enc, samples);
  wal.log(enc.get());
  wal.close();
  return dir;
}

/** Counts the turns a 1 ms timer gets while fn runs. */
async function timerTurns(fn: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  const timer = setInterval(() => turns++, 1);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return turns;
}

test("replaying a WAL record of many series gives the event loop turns, and replays everything", async () => {
  const n = 60_000;
  const dir = bigCommitWal(n);
  try {
    const head = new Head();
    const turns = await timerTurns(() => head.replayWal(dir));
    assert.ok(turns > 0, "no timer ran during the replay");
    assert.equal(head.numSeries, n);
    assert.equal(head.stats.replayedSamples, n);
    assert.deepEqual(head.seriesByLabels(Labels.fromObject({ __name__: "big", job: "j2", id: "59999" }))?.ref, n);
    const q = await head.querier(0, 100_000);
    assert.deepEqual(await q.labelValues("job"), ["j0", "j1", "j2", "j3", "j4", "j5", "j6"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("truncateMemory yields; series and samples committed meanwhile stay and count towards minTime", async () => {
  const n = 60_000;
  const head = new Head();
  // The first series, so the truncation walks it first, while its sample is not committed yet.
  const late = Labels.fromObject({ __name__: "late" });
  const pending = head.appender();
  pending.append(0, late, 2_000_000, 1);
  const app = head.appender();
  for (let i = 0; i < n; i++) app.append(0, Labels.fromObject({ __name__: "old", id: String(i) }), 1000, i);
  await app.commit();
  let committedDuring = false;
  let done = false;
  const truncation = head.truncateMemory(1_000_000).then(() => (done = true));
  setImmediate(() => {
    void pending.commit().then(() => (committedDuring = !done));
  });
  await truncation;
  assert.ok(committedDuring, "the commit did not run during the truncation");
  assert.equal(head.numSeries, 1);
  assert.equal(head.minTime, 2_000_000);
  const q = await head.querier(0, 3_000_000);
  const set = await q.select(false, null);
  assert.ok(set.next());
  assert.deepEqual(set.at().labels, late);
  assert.ok(!set.next());
  assert.deepEqual(await q.labelValues("__name__"), ["late"]);
  assert.deepEqual(await q.labelValues("id"), []);
});

test("appender batches are reused: no samples, series or pending marks leak into the next appender", async () => {
  const head = new Head();
  const a = Labels.fromObject({ __name__: "a" });
  const b = Labels.fromObject({ __name__: "b" });
  const read = async (l: Labels): Promise<number[]> => {
    const set = await (await head.querier(0, 1_000_000)).select(false, null, new Matcher(MatchType.Equal, "__name__", l.get("__name__")));
    assert.ok(set.next());
    const it = set.at().iterator();
    const out: number[] = [];
    while (it.next() === ValueType.Float) out.push(it.atT(), it.atF());
    return out;
  };
  const app1 = head.appender();
  app1.append(0, a, 1000, 1);
  app1.append(0, b, 1000, 1);
  await app1.commit();
  const app2 = head.appender();
  assert.notEqual(app2.append(0, a, 2000, 2), 0);
  app2.rollback();
  // app2's batch now serves app3: the rolled back sample is gone, and so is its pending mark on a.
  const app3 = head.appender();
  assert.notEqual(app3.append(0, a, 2000, 7), 0, "not a duplicate of the rolled back sample");
  assert.notEqual(app3.append(0, b, 3000, 3), 0);
  await assert.rejects(app1.commit(), /closed appender/);
  assert.throws(() => app2.append(0, a, 2500, 1), /closed appender/);
  await app3.commit();
  assert.deepEqual(await read(a), [1000, 1, 2000, 7]);
  assert.deepEqual(await read(b), [1000, 1, 3000, 3]);
  assert.equal(head.stats.samplesAppended, 4);
  // Many appenders at once (one per scrape loop), then all committed: each gets its own batch.
  const apps = Array.from({ length: 40 }, () => head.appender());
  apps.forEach((app, i) => app.append(0, Labels.fromObject({ __name__: "c", i: String(i) }), 5000, i));
  for (const app of apps) await app.commit();
  assert.equal(head.stats.samplesAppended, 44);
  assert.equal(head.numSeries, 42);
});

test("head chunks live in the head's arena: a query keeps the samples of a chunk cut and reused meanwhile", async () => {
  const head = new Head({ samplesPerChunk: 8 });
  const l = Labels.fromObject({ __name__: "x" });
  await appendSeries(head, l, 5, 1000);
  const set = await (await head.querier(0, 4000)).select(false, null);
  assert.ok(set.next());
  const it = set.at().iterator();
  assert.equal(it.next(), ValueType.Float);
  // Cut the head chunk (its region goes back to the arena), then fill the arena's small regions with other series.
  await appendSeries(head, l, 40, 1000, 5000);
  const app = head.appender();
  for (let i = 0; i < 500; i++) app.append(0, Labels.fromObject({ __name__: "y", i: String(i) }), 100_000, 1e9 + i);
  await app.commit();
  const got: number[] = [it.atT()];
  while (it.next() === ValueType.Float) got.push(it.atT());
  assert.deepEqual(got, [0, 1000, 2000, 3000, 4000]);
  assert.ok(head.chunkArena.slabs >= 1);
  await head.truncateMemory(Number.MAX_SAFE_INTEGER);
  assert.equal(head.numSeries, 0);
  assert.ok(head.chunkArena.slabs <= 8, `one slab at most per region size once every chunk is gone, ${head.chunkArena.slabs} left`);
});

test("SeriesTimes: slots fill pages of 4096 series, released slots are reused first", () => {
  const times = new SeriesTimes();
  const slots = Array.from({ length: 4097 }, () => times.alloc());
  assert.deepEqual([slots[0], slots[4095], slots[4096]], [0, 4095, 4096]);
  assert.notEqual(times.page(4095), times.page(4096));
  assert.equal(times.page(4095), times.page(0));
  assert.deepEqual([times.offset(0), times.offset(1), times.offset(4096)], [0, 4, 0]);
  times.release(7);
  assert.equal(times.live, 4096);
  assert.equal(times.alloc(), 7);
  assert.equal(times.alloc(), 4097);
});

test("series times: a series dropped by truncation keeps its own times; its slot serves a new series without sharing", async () => {
  const head = new Head();
  const old = Labels.fromObject({ __name__: "old" });
  const keep = Labels.fromObject({ __name__: "keep" });
  let app = head.appender();
  app.append(0, old, 1000, 1);
  app.append(0, keep, 1000, 1);
  await app.commit();
  app = head.appender();
  app.append(0, keep, 50_000_000, 2);
  await app.commit();
  const dropped = head.seriesByLabels(old)!;
  const live = head.seriesTimes.live;
  await head.truncateMemory(10_000_000);
  assert.equal(head.seriesByLabels(old), undefined);
  assert.equal(head.seriesTimes.live, live - 1);
  assert.equal(dropped.maxTime, 1000);
  // The new series takes the released slot; neither sees the other's times.
  app = head.appender();
  app.append(0, Labels.fromObject({ __name__: "new" }), 60_000_000, 3);
  await app.commit();
  assert.equal(head.seriesTimes.live, live);
  const fresh = head.seriesByLabels(Labels.fromObject({ __name__: "new" }))!;
  assert.deepEqual([fresh.minTime, fresh.maxTime], [60_000_000, 60_000_000]);
  assert.equal(dropped.maxTime, 1000);
  assert.equal(head.seriesByLabels(keep)!.maxTime, 50_000_000);
});

test("postings: interned labels share strings, and one names array per distinct list of names", () => {
  const p = new MemPostings();
  const decoded = (obj: Record<string, string>) => Labels.fromObject(JSON.parse(JSON.stringify(obj)) as Record<string, string>);
  const a = p.add(1, decoded({ __name__: "up", job: "a" }), true);
  const b = p.add(2, decoded({ __name__: "up", job: "b" }), true);
  const c = p.add(3, decoded({ __name__: "up", job: "a", zone: "z" }), true);
  const d = p.add(4, decoded({ __name__: "down", job: "a" }), true);
  assert.deepEqual(a, Labels.fromObject({ __name__: "up", job: "a" }));
  assert.deepEqual(b, Labels.fromObject({ __name__: "up", job: "b" }));
  assert.deepEqual(d, Labels.fromObject({ __name__: "down", job: "a" }));
  assert.equal(a.names, b.names, "same names: one array");
  assert.equal(a.names, d.names);
  assert.notEqual(a.names, c.names, "other names: another array");
  assert.notEqual(a.values, b.values);
  assert.equal(p.get("job", "a").length, 3);
  // Without intern the labels are kept as given.
  const given = Labels.fromObject({ __name__: "up", job: "c" });
  assert.equal(p.add(5, given), given);
});

test("Head appender: takes its batch at the first append, so appenders waiting for a scrape hold none", async () => {
  const head = new Head();
  const pooled = head.takeBatch();
  head.returnBatch(pooled);
  // Appenders created and not appended to yet (scrapes waiting for their targets).
  const idle = [head.appender(), head.appender()];
  assert.equal(head.stats.activeAppenders, 2, "counted from creation, as upstream's head_active_appenders");
  const app = head.appender();
  const lset = Labels.fromObject({ __name__: "m" });
  assert.notEqual(app.append(0, lset, 1000, 1), 0);
  const mine = head.takeBatch();
  assert.notEqual(mine, pooled, "the first append took the pooled batch; none went to the idle appenders");
  head.returnBatch(mine);
  await app.commit();
  await idle[0]!.commit();
  idle[1]!.rollback();
  assert.equal(head.stats.activeAppenders, 0);
  assert.equal(head.stats.commits, 2, "an appender with nothing appended still commits");
  assert.equal(head.takeBatch(), pooled, "the batch is back in the pool after commit");
  assert.equal(head.numSeries, 1);
});
