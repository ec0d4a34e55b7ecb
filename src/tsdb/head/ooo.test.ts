import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../../model/index.ts";
import { ValueType } from "../../storage/index.ts";
import { seededRandom } from "../../util/index.ts";
import { Head, RejectReason } from "./index.ts";

const SEED = Number(process.env["TSDB_SEED"] ?? Date.now() % 100000);
const A = Labels.fromObject({ __name__: "a" });
const B = Labels.fromObject({ __name__: "b" });

async function samplesOf(head: Head, l: Labels): Promise<[number, number][]> {
  const q = await head.querier(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const ss = await q.select(false, null);
  while (ss.next()) {
    if (ss.at().labels.key !== l.key) continue;
    const it = ss.at().iterator();
    const out: [number, number][] = [];
    while (it.next() === ValueType.Float) out.push([it.atT(), it.atF()]);
    return out;
  }
  return [];
}

/** A head with series a at 1s..100s (value t/1000) and b at 1s..10s. */
async function setup(windowMs: number): Promise<Head> {
  const head = new Head({ outOfOrderTimeWindowMs: windowMs });
  const app = head.appender();
  for (let t = 1000; t <= 100_000; t += 1000) app.append(0, A, t, t / 1000);
  for (let t = 1000; t <= 10_000; t += 1000) app.append(0, B, t, t / 1000);
  await app.commit();
  return head;
}

const cases: {
  name: string;
  window: number;
  appends: [Labels, number, number][];
  /** Per append: accepted (ref returned) or the reject reason. */
  want: (RejectReason | "ok")[];
  stats: { outOfOrder?: number; tooOld?: number; ooo?: number; duplicate?: number; outOfBound?: number };
  /** Samples of a expected besides the in-order ones, and in-order ones whose value must stay. */
  extraA?: [number, number][];
}[] = [
  { name: "window 0: out of order rejected", window: 0, appends: [[A, 50_500, 7]], want: [RejectReason.OutOfOrder], stats: { outOfOrder: 1 } },
  { name: "within the window: kept", window: 30_000, appends: [[A, 80_500, 7]], want: ["ok"], stats: { ooo: 1 }, extraA: [[80_500, 7]] },
  { name: "beyond the window: too old", window: 30_000, appends: [[A, 60_000, 7]], want: [RejectReason.TooOld], stats: { tooOld: 1 } },
  { name: "at the window's edge, at an in-order sample's time: kept, the in-order value wins", window: 30_000, appends: [[A, 70_000, 7]], want: ["ok"], stats: { ooo: 1 }, extraA: [[70_000, 70]] },
  {
    name: "several, unsorted, one twice: each time once",
    window: 30_000,
    appends: [
      [A, 90_700, 1],
      [A, 75_300, 2],
      [A, 90_700, 3],
      [A, 99_999, 4],
    ],
    want: ["ok", "ok", "ok", "ok"],
    stats: { ooo: 3 },
    extraA: [
      [75_300, 2],
      [90_700, 1],
      [99_999, 4],
    ],
  },
  { name: "the newest sample again: dropped silently", window: 30_000, appends: [[A, 100_000, 100]], want: ["ok"], stats: {} },
  { name: "the newest time, other value: duplicate", window: 30_000, appends: [[A, 100_000, 5]], want: [RejectReason.Duplicate], stats: { duplicate: 1 } },
  {
    name: "older than the head's newest but newer than its series': in order",
    window: 30_000,
    appends: [[B, 75_000, 75]],
    want: ["ok"],
    stats: {},
  },
  { name: "older than the window for another series: too old", window: 30_000, appends: [[B, 5_500, 1]], want: [RejectReason.TooOld], stats: { tooOld: 1 } },
  {
    name: "same batch: a sample before one appended earlier goes out of order",
    window: 30_000,
    appends: [
      [A, 101_000, 101],
      [A, 100_500, 7],
    ],
    want: ["ok", "ok"],
    stats: { ooo: 1 },
    extraA: [
      [100_500, 7],
      [101_000, 101],
    ],
  },
];

for (const c of cases) {
  test(`out-of-order window: ${c.name}`, async () => {
    const head = await setup(c.window);
    const app = head.appender();
    const got: (RejectReason | "ok")[] = [];
    for (const [l, t, v] of c.appends) got.push(app.append(0, l, t, v) === 0 ? app.lastReject : "ok");
    await app.commit();
    assert.deepEqual(got, c.want);
    const st = head.stats;
    assert.deepEqual(
      { outOfOrder: st.outOfOrderSamples, tooOld: st.tooOldSamples, ooo: st.oooSamplesAppended, duplicate: st.duplicateSamples, outOfBound: st.outOfBoundSamples },
      { outOfOrder: 0, tooOld: 0, ooo: 0, duplicate: 0, outOfBound: 0, ...c.stats },
    );
    const want = new Map<number, number>();
    for (let t = 1000; t <= 100_000; t += 1000) want.set(t, t / 1000);
    for (const [t, v] of c.extraA ?? []) if (!want.has(t)) want.set(t, v);
    const a = await samplesOf(head, A);
    assert.deepEqual(
      a,
      [...want.entries()].sort((x, y) => x[0] - y[0]),
    );
  });
}

test(`out-of-order window: queries merge in-order and out-of-order samples, sorted, through next, seek and readInto (seed ${SEED})`, async () => {
  const rnd = seededRandom(SEED);
  const head = new Head({ outOfOrderTimeWindowMs: 3_600_000, samplesPerChunk: 30 });
  const want = new Map<number, number>();
  let app = head.appender();
  for (let t = 0; t <= 2_000_000; t += 10_000) {
    app.append(0, A, t, t);
    want.set(t, t);
  }
  await app.commit();
  app = head.appender();
  for (let k = 0; k < 300; k++) {
    const t = Math.floor(rnd() * 2_000_000);
    const v = -t;
    assert.notEqual(app.append(0, A, t, v), 0);
    if (!want.has(t)) want.set(t, v);
    if (rnd() < 0.1) {
      await app.commit();
      app = head.appender();
    }
  }
  await app.commit();
  const sorted = [...want.entries()].sort((x, y) => x[0] - y[0]);
  assert.deepEqual(await samplesOf(head, A), sorted);
  // readInto in small batches.
  const q = await head.querier(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const ss = await q.select(false, null);
  assert.ok(ss.next());
  const it = ss.at().iterator();
  const ts = new Float64Array(7);
  const vs = new Float64Array(7);
  const viaRead: [number, number][] = [];
  for (;;) {
    const n = it.readInto(ts, vs, null, 1_500_000);
    if (n === 0) break;
    for (let i = 0; i < n; i++) viaRead.push([ts[i]!, vs[i]!]);
  }
  assert.deepEqual(
    viaRead,
    sorted.filter(([t]) => t <= 1_500_000),
  );
  // seek lands on the first sample at or after t, in either kind.
  const it2 = ss.at().iterator();
  for (const probe of [0, 5, 123_456, 1_999_999, 2_000_000]) {
    const first = sorted.find(([t]) => t >= probe)!;
    assert.equal(it2.seek(probe), ValueType.Float);
    assert.deepEqual([it2.atT(), it2.atF()], first);
  }
  assert.equal(it2.seek(2_000_001), ValueType.None);
});

test("out-of-order window: a new series' sample before the in-order bound is out of order, queried, and keeps the series", async () => {
  const head = new Head({ outOfOrderTimeWindowMs: 30_000, chunkRangeMs: 20_000 });
  let app = head.appender();
  for (let t = 1000; t <= 100_000; t += 1000) app.append(0, A, t, 1);
  await app.commit();
  const C = Labels.fromObject({ __name__: "c" });
  app = head.appender();
  // In-order bound: 100s - 20s / 2 = 90s; window: 100s - 30s = 70s.
  assert.notEqual(app.append(0, C, 80_000, 8), 0);
  assert.equal(app.append(0, C, 60_000, 6), 0);
  assert.equal(app.lastReject, RejectReason.TooOld);
  await app.commit();
  assert.equal(head.stats.oooSamplesAppended, 1);
  assert.equal(head.seriesByLabels(C)!.numChunks, 0);
  assert.deepEqual(await samplesOf(head, C), [[80_000, 8]]);
  // Truncating the in-order data does not drop the series while it holds out-of-order samples.
  await head.truncateMemory(95_000);
  assert.ok(head.seriesByLabels(C) !== undefined);
  assert.deepEqual(await samplesOf(head, C), [[80_000, 8]]);
});
