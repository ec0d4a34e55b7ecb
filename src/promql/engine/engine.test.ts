import assert from "node:assert/strict";
import { test } from "node:test";
import { Labels } from "../../model/index.ts";
import { MemoryStorage } from "../../storage/index.ts";
import { natLess } from "./functions.ts";
import {
  Engine,
  EvalError,
  InvalidQueryError,
  QueryCanceledError,
  QueryTimeoutError,
  TooManySamplesError,
  type Value,
} from "./index.ts";
import { xxhash64 } from "../../util/index.ts";
import { labelsHashFraction } from "./xxhash.ts";

/** Loads `series` (label object -> [t ms, v | "stale"][]) into a fresh MemoryStorage. */
async function load(series: [Record<string, string>, [number, number | "stale"][]][]): Promise<MemoryStorage> {
  const db = new MemoryStorage();
  const app = db.appender();
  for (const [lbls, pts] of series) {
    const l = Labels.fromObject(lbls);
    for (const [t, v] of pts) {
      if (v === "stale") app.append(0, l, t, NaN, { stale: true });
      else app.append(0, l, t, v);
    }
  }
  await app.commit();
  return db;
}

/** Samples every 10 s from 0 to 100 s with value = t / 1000 (a counter). */
function counter(): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t <= 100_000; t += 10_000) out.push([t, t / 1000]);
  return out;
}

/** A result as a sorted list of "labels value" strings (instant) or "labels t=v,..." (range). */
function render(v: Value): string[] {
  switch (v.type) {
    case "scalar":
      return [`scalar ${v.v}`];
    case "string":
      return [`string ${v.v}`];
    case "vector":
      return v.vector.map((s) => `${s.metric.toString()} ${s.f}`).sort();
    case "matrix":
      return v.matrix.map((s) => `${s.metric.toString()} ${[...s.ts].map((t, i) => `${t / 1000}=${s.fs[i]}`).join(",")}`);
  }
}

const instantCases: { name: string; q: string; t: number; want: string[] }[] = [
  { name: "selector takes the newest sample in the lookback", q: "m", t: 55_000, want: ['{__name__="m", a="1"} 50'] },
  { name: "lookback is left-open", q: "m", t: 400_000, want: [] },
  { name: "lookback includes t - lookback + 1ms", q: "m", t: 399_999, want: ['{__name__="m", a="1"} 100'] },
  { name: "a stale marker ends the series", q: "s", t: 25_000, want: [] },
  { name: "offset moves the reference time", q: "m offset 20s", t: 55_000, want: ['{__name__="m", a="1"} 30'] },
  { name: "@ fixes the reference time", q: "m @ 30", t: 100_000, want: ['{__name__="m", a="1"} 30'] },
  { name: "rate extrapolates and drops the name", q: "rate(m[50s])", t: 100_000, want: ['{a="1"} 1'] },
  { name: "last_over_time keeps the name", q: "last_over_time(m[1m])", t: 100_000, want: ['{__name__="m", a="1"} 100'] },
  { name: "sum by groups", q: "sum by (g) (x)", t: 0, want: ['{g="a"} 3', '{g="b"} 4'] },
  { name: "count_values adds the label", q: 'count_values("v", x)', t: 0, want: ['{v="1"} 2', '{v="2"} 1', '{v="3"} 1'] },
  { name: "topk keeps full labels", q: "topk(1, x)", t: 0, want: ['{__name__="x", g="b", i="2"} 3'] },
  { name: "vector/scalar arithmetic drops the name", q: "x * 2", t: 0, want: ['{g="a", i="1"} 2', '{g="a", i="2"} 4', '{g="b", i="1"} 2', '{g="b", i="2"} 6'] },
  { name: "comparison filters and keeps the name", q: "x > 1", t: 0, want: ['{__name__="x", g="a", i="2"} 2', '{__name__="x", g="b", i="2"} 3'] },
  { name: "bool comparison drops the name", q: "x{g=\"a\"} == bool 1", t: 0, want: ['{g="a", i="1"} 1', '{g="a", i="2"} 0'] },
  { name: "one-to-one matching with on", q: 'x{g="a"} + on(i) x{g="b"}', t: 0, want: ['{i="1"} 2', '{i="2"} 5'] },
  { name: "group_left copies include labels", q: "x * on(i) group_left(k) z", t: 0, want: ['{g="a", i="1", k="v1"} 1', '{g="a", i="2", k="v2"} 2', '{g="b", i="1", k="v1"} 1', '{g="b", i="2", k="v2"} 3'] },
  { name: "unless removes matches", q: 'x unless on(i) y{i="1"}', t: 0, want: ['{__name__="x", g="a", i="2"} 2', '{__name__="x", g="b", i="2"} 3'] },
  { name: "subquery steps align to multiples of the step", q: "count_over_time(m[30s:10s])", t: 55_000, want: ['{a="1"} 3'] },
  { name: "label_replace uses captures", q: 'label_replace(y, "j", "v$1", "i", "(.*)")', t: 0, want: ['{__name__="y", i="1", j="v1"} 10', '{__name__="y", i="2", j="v2"} 10'] },
  { name: "absent reports equality matchers", q: 'absent(nope{a="b", c=~"d"})', t: 0, want: ['{a="b"} 1'] },
  { name: "scalar of a single series", q: 'scalar(y{i="1"})', t: 0, want: ["scalar 10"] },
  { name: "histogram_quantile over classic buckets", q: "histogram_quantile(0.5, h)", t: 0, want: ["{} 1"] },
  { name: "string literal", q: '"hello"', t: 0, want: ["string hello"] },
];

async function fixture(): Promise<MemoryStorage> {
  return load([
    [{ __name__: "m", a: "1" }, counter()],
    [{ __name__: "s" }, [[0, 1], [10_000, 2], [20_000, "stale"]]],
    [{ __name__: "x", g: "a", i: "1" }, [[0, 1]]],
    [{ __name__: "x", g: "a", i: "2" }, [[0, 2]]],
    [{ __name__: "x", g: "b", i: "1" }, [[0, 1]]],
    [{ __name__: "x", g: "b", i: "2" }, [[0, 3]]],
    [{ __name__: "y", i: "1" }, [[0, 10]]],
    [{ __name__: "y", i: "2" }, [[0, 10]]],
    [{ __name__: "z", i: "1", k: "v1" }, [[0, 1]]],
    [{ __name__: "z", i: "2", k: "v2" }, [[0, 1]]],
    [{ __name__: "h", le: "1" }, [[0, 2]]],
    [{ __name__: "h", le: "2" }, [[0, 4]]],
    [{ __name__: "h", le: "+Inf" }, [[0, 4]]],
  ]);
}

for (const c of instantCases) {
  test(`instant: ${c.name}`, async () => {
    const db = await fixture();
    const r = await new Engine().newInstantQuery(db, c.q, c.t).exec();
    assert.deepEqual(render(r.value), [...c.want].sort());
  });
}

const rangeCases: { name: string; q: string; start: number; end: number; step: number; want: string[] }[] = [
  {
    name: "selector over steps",
    q: "m",
    start: 0,
    end: 30_000,
    step: 15_000,
    want: ['{__name__="m", a="1"} 0=0,15=10,30=30'],
  },
  {
    name: "stale marker ends the series within the range",
    q: "s",
    start: 0,
    end: 30_000,
    step: 10_000,
    want: ['{__name__="s"} 0=1,10=2'],
  },
  {
    name: "step-invariant @ repeats the value",
    q: "m @ 10",
    start: 0,
    end: 20_000,
    step: 10_000,
    want: ['{__name__="m", a="1"} 0=10,10=10,20=10'],
  },
  { name: "sum over steps", q: "sum(m)", start: 50_000, end: 70_000, step: 10_000, want: ["{} 50=50,60=60,70=70"] },
  { name: "time()", q: "time()", start: 0, end: 2_000, step: 1_000, want: ["{} 0=0,1=1,2=2"] },
];

test("range: series longer than a series' first allocation (5000 points) keep every point", async () => {
  const db = new MemoryStorage();
  const app = db.appender();
  const l = Labels.fromObject({ __name__: "m" });
  for (let t = 0; t <= 11_000_000; t += 1000) app.append(0, l, t, t / 1000);
  await app.commit();
  for (const q of ["m", "rate(m[5s])", "sum(m)"]) {
    const r = await new Engine().newRangeQuery(db, q, 10_000, 10_999_000, 1000).exec();
    assert.equal(r.value.type, "matrix");
    if (r.value.type !== "matrix") continue;
    const s = r.value.matrix[0]!;
    assert.equal(s.ts.length, 10_990, q);
    assert.equal(s.ts[10_989], 10_999_000, q);
    assert.equal(s.fs[6000], q === "rate(m[5s])" ? 1 : 6010, q);
  }
  const r = await new Engine().newInstantQuery(db, "m[3h]", 11_000_000).exec();
  assert.equal(r.value.type, "matrix");
  if (r.value.type === "matrix") assert.equal(r.value.matrix[0]!.ts.length, 10_800, "a range selector's raw points");
});

for (const c of rangeCases) {
  test(`range: ${c.name}`, async () => {
    const db = await fixture();
    const r = await new Engine().newRangeQuery(db, c.q, c.start, c.end, c.step).exec();
    assert.deepEqual(render(r.value), c.want);
  });
}

const errorCases: { name: string; q: string; want: RegExp; opts?: ConstructorParameters<typeof Engine>[0] }[] = [
  { name: "many-to-many", q: "x + on(i) x", want: /found duplicate series for the match group \{i="1"\} on the right hand-side/ },
  { name: "bad regex", q: 'label_replace(x, "a", "b", "c", "(")', want: /invalid regular expression in label_replace\(\): \(/ },
  { name: "too many samples", q: "x", want: /too many samples into memory in query execution/, opts: { maxSamples: 2 } },
];

test("error: vector cannot contain metrics with the same labelset", async () => {
  const db = await fixture();
  const q = new Engine().newInstantQuery(db, "label_replace(x, \"g\", \"\", \"g\", \".*\")", 0);
  await assert.rejects(q.exec(), (e: unknown) => e instanceof EvalError && /same labelset/.test(e.message));
});

for (const c of errorCases) {
  test(`error: ${c.name}`, async () => {
    const db = await fixture();
    const q = new Engine(c.opts).newInstantQuery(db, c.q, 0);
    await assert.rejects(q.exec(), (e: unknown) => {
      assert.ok(e instanceof EvalError || e instanceof TooManySamplesError, String(e));
      assert.match((e as Error).message, c.want);
      return true;
    });
  });
}

test("error: one-to-one with several matches needs group_left", async () => {
  const db = await fixture();
  const q = new Engine().newInstantQuery(db, 'y + on(i) x', 0);
  await assert.rejects(q.exec(), /found duplicate series|multiple matches for labels/);
});

test("range query over a range vector is rejected", async () => {
  const db = await fixture();
  assert.throws(() => new Engine().newRangeQuery(db, "m[1m]", 0, 10, 1), InvalidQueryError);
});

test("an aborted signal cancels the query", async () => {
  const db = await fixture();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(new Engine().newInstantQuery(db, "m", 0).exec(ac.signal), QueryCanceledError);
});

test("the deadline times the query out", async () => {
  const db = await fixture();
  let now = 0;
  // Every clock read advances a minute, so the first check is past the deadline.
  const clock = (): number => (now += 60_000);
  const q = new Engine({ timeoutMs: 1, clock }).newInstantQuery(db, "m", 0);
  await assert.rejects(q.exec(), (e: unknown) => e instanceof QueryTimeoutError && e.message === "query timed out in expression evaluation");
});

/** 2,000 counters scraped every 15 s for 2 hours: heavy enough that a range query takes many time slices. */
async function heavyFixture(): Promise<MemoryStorage> {
  const db = new MemoryStorage();
  const labels = Array.from({ length: 2000 }, (_, i) => Labels.fromObject({ __name__: "c_total", i: String(i), g: String(i % 10) }));
  for (let t = 0; t <= 7_200_000; t += 15_000) {
    const app = db.appender();
    for (let i = 0; i < labels.length; i++) app.append(0, labels[i]!, t, t / 1000 + i);
    await app.commit();
  }
  return db;
}

const HEAVY_QUERY = "sum by (g) (rate(c_total[5m])) / on (g) group_left count by (g) (c_total)";

test("evaluation yields to the event loop: timers fire during a heavy query", async () => {
  const db = await heavyFixture();
  const run = (): Promise<{ value: Value }> => new Engine().newRangeQuery(db, HEAVY_QUERY, 0, 7_200_000, 15_000).exec();
  let ticks = 0;
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 1);
  const t0 = performance.now();
  const res = await run();
  const took = performance.now() - t0;
  clearInterval(timer);
  assert.equal(res.value.type, "matrix");
  assert.equal(res.value.type === "matrix" ? res.value.matrix.length : 0, 10);
  // A query that takes several slices lets timers run in between.
  if (took > 50) assert.ok(ticks > 1, `${ticks} timer ticks during a ${took.toFixed(0)} ms query`);
  assert.ok(maxGap < 1000, `longest stall ${maxGap.toFixed(0)} ms`);
});

test("an abort during evaluation cancels the query at the next yield", async () => {
  const db = await heavyFixture();
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 5);
  const q = new Engine().newRangeQuery(db, HEAVY_QUERY, 0, 7_200_000, 15_000);
  await assert.rejects(q.exec(ac.signal), (e: unknown) => e instanceof QueryCanceledError && e.message === "query was canceled in expression evaluation");
});

test("rate on a non-counter name gives Prometheus's info with position", async () => {
  const db = await fixture();
  const r = await new Engine().newInstantQuery(db, "sum(rate(m[1m]))", 100_000).exec();
  assert.deepEqual(r.infos, [
    'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "m" (1:10)',
  ]);
});

test("quantile out of range warns", async () => {
  const db = await fixture();
  const r = await new Engine().newInstantQuery(db, "quantile(2, x)", 0).exec();
  assert.deepEqual(r.warnings, ["PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)"]);
});

test("stats count samples", async () => {
  const db = await fixture();
  const r = await new Engine().newRangeQuery(db, "m", 0, 30_000, 10_000).exec();
  assert.equal(r.stats.totalQueryableSamples, 4);
  assert.ok(r.stats.peakSamples >= 4);
});

const natCases = [
  { a: "a2", b: "a10", want: true },
  { a: "a10", b: "a2", want: false },
  { a: "abc", b: "abd", want: true },
  { a: "1", b: "1", want: true },
];
for (const c of natCases) {
  test(`natural order ${c.a} < ${c.b} is ${c.want}`, () => assert.equal(natLess(c.a, c.b), c.want));
}

test("xxhash64 matches the reference vectors", () => {
  assert.equal(xxhash64(new Uint8Array()), 0xef46db3751d8e999n);
  assert.equal(xxhash64(new TextEncoder().encode("a")), 0xd24ec4f1a98c6e5bn);
  assert.equal(
    xxhash64(new TextEncoder().encode("Nobody inspects the spammish repetition")),
    0xfbcea83c8a378bf1n,
  );
});

test("labels hash fraction is in [0, 1] and stable", () => {
  const l = Labels.fromStrings("a", "b");
  const f = labelsHashFraction(l);
  assert.ok(f >= 0 && f <= 1);
  assert.equal(labelsHashFraction(Labels.fromStrings("a", "b")), f);
});

/**
 * Aggregations are computed series by series (in blocks of steps when
 * groups times steps exceed AGGREGATION_MAX_CELLS, and folded straight
 * from the selector when they fit in one block). Whatever the path, the
 * values must be the same to the bit: `x * 1` forces the input through a
 * binary operation (a materialized matrix, never folded from the
 * selector), and a query over the last steps only fits in one block.
 */
async function manyGroups(groups: number, perGroup: number, steps: number): Promise<MemoryStorage> {
  const db = new MemoryStorage();
  const app = db.appender();
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < perGroup; i++) {
      const l = Labels.fromObject({ __name__: "x", g: String(g), i: String(i) });
      for (let k = 0; k < steps; k++) {
        // Gaps (every 7th step of some series) and values that make the compensated sums matter.
        if ((g + i + k) % 7 === 3 && i === 1) continue;
        app.append(0, l, k * 10_000, Math.sin(g * 31 + i * 7 + k) * 10 ** ((g + k) % 9) + 0.1);
      }
    }
  }
  await app.commit();
  return db;
}

const blockCases = [
  { name: "one block, folded from the selector", groups: 12, perGroup: 3, steps: 50 },
  { name: "several blocks of steps", groups: 140, perGroup: 2, steps: 480 },
];
for (const c of blockCases) {
  test(`aggregation: folded, materialized and single-block results agree: ${c.name}`, async () => {
    const db = await manyGroups(c.groups, c.perGroup, c.steps);
    const end = (c.steps - 1) * 10_000;
    for (const op of ["sum", "avg", "count", "group", "min", "max", "stddev", "stdvar"]) {
      const got = await new Engine().newRangeQuery(db, `${op} by (g) (x)`, 0, end, 10_000).exec();
      const want = await new Engine().newRangeQuery(db, `${op} by (g) (x * 1)`, 0, end, 10_000).exec();
      assert.deepEqual(render(got.value), render(want.value), op);
      assert.equal(got.stats.totalQueryableSamples, want.stats.totalQueryableSamples, op);
      // The last 20 steps alone: one block whatever the number of groups.
      const tailStart = end - 19 * 10_000;
      const tail = await new Engine().newRangeQuery(db, `${op} by (g) (x)`, tailStart, end, 10_000).exec();
      const cut = (v: Value): string[] =>
        v.type !== "matrix" ? [] : v.matrix.map((m) => `${m.metric.toString()} ${[...m.ts].flatMap((t, i) => (t >= tailStart ? [`${t}=${m.fs[i]}`] : [])).join(",")}`);
      assert.deepEqual(cut(got.value), cut(tail.value), `${op} tail`);
    }
  });
}
