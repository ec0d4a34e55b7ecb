import assert from "node:assert/strict";
import { Labels, Matcher, MatchType } from "../model/index.ts";
import type { Appendable, Queryable } from "./interface.ts";
import { ValueType } from "./interface.ts";

/** A storage under test: appendable and queryable. */
export type StorageUnderTest = Appendable & Queryable;

/** One conformance case: `run` throws an assertion error on failure. */
export interface ConformanceCase {
  name: string;
  run(db: StorageUnderTest): Promise<void>;
}

const up = (job: string) => Labels.fromObject({ __name__: "up", job });

/** Appends up{job="a"} = t/1000 and up{job="b"} = -t every 10s over [0, 100s], then a stale marker for "a" at 110s. */
async function fill(db: StorageUnderTest): Promise<void> {
  const app = db.appender();
  for (let t = 0; t <= 100_000; t += 10_000) {
    app.append(0, up("a"), t, t / 1000);
    app.append(0, up("b"), t, -t);
  }
  app.append(0, up("a"), 110_000, 0, { stale: true });
  await app.commit();
}

async function count(db: Queryable, mint: number, maxt: number): Promise<number> {
  const ss = await (await db.querier(mint, maxt)).select(false, null);
  let n = 0;
  while (ss.next()) n++;
  return n;
}

/**
 * The behaviour every implementation of Appendable + Queryable must share
 * (the in-memory storage, the TSDB head, blocks and merged queriers). Each
 * case gets a fresh, empty storage. Run them with node:test:
 *
 *   for (const c of storageConformance()) test(c.name, () => c.run(make()));
 */
export function storageConformance(): ConformanceCase[] {
  return [
    {
      name: "appends become visible on commit only",
      async run(db) {
        const app = db.appender();
        assert.notEqual(app.append(0, up("a"), 1, 1), 0);
        assert.equal(await count(db, 0, 10), 0);
        await app.commit();
        assert.equal(await count(db, 0, 10), 1);
      },
    },
    {
      name: "rollback discards the batch",
      async run(db) {
        const app = db.appender();
        app.append(0, up("a"), 1, 1);
        app.rollback();
        assert.equal(await count(db, 0, 10), 0);
      },
    },
    ...[
      { what: "out of order", t: 50_000, v: 1, want: false },
      { what: "duplicate timestamp, other value", t: 100_000, v: 7, want: false },
      { what: "duplicate timestamp, same value", t: 100_000, v: -100_000, want: true },
      { what: "newer sample", t: 120_000, v: 1, want: true },
    ].map((c) => ({
      name: `append outcome: ${c.what}`,
      async run(db: StorageUnderTest) {
        await fill(db);
        const app = db.appender();
        assert.equal(app.append(0, up("b"), c.t, c.v) !== 0, c.want);
        app.rollback();
      },
    })),
    {
      name: "select filters by matchers and time; iterators seek and read typed arrays",
      async run(db) {
        await fill(db);
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
        assert.deepEqual([...vs.subarray(0, n)], [40]);
        assert.equal(it.next(), ValueType.Float);
        assert.equal(it.atT(), 50_000);
        assert.equal(it.next(), ValueType.None);
        assert.equal(ss.next(), false);
        q.close();
      },
    },
    {
      name: "stale markers are flagged, or skipped when no flag array is given",
      async run(db) {
        await fill(db);
        const q = await db.querier(100_000, 200_000);
        const ss = await q.select(false, null, new Matcher(MatchType.Equal, "job", "a"));
        assert.ok(ss.next());
        const ts = new Float64Array(4);
        const vs = new Float64Array(4);
        const stale = new Uint8Array(4);
        let it = ss.at().iterator();
        assert.equal(it.seek(0), ValueType.Float);
        assert.equal(it.atT(), 100_000);
        assert.equal(it.readInto(ts, vs, stale, 200_000), 1);
        assert.equal(stale[0], 1);
        assert.ok(Number.isNaN(vs[0]!));
        it = ss.at().iterator();
        it.seek(0);
        assert.equal(it.readInto(ts, vs, null, 200_000), 0);
        it = ss.at().iterator();
        it.seek(110_000);
        assert.ok(it.isStale());
        q.close();
      },
    },
    {
      name: "special float values keep their identity",
      async run(db) {
        const app = db.appender();
        const vals = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MIN_VALUE, Number.MAX_VALUE];
        vals.forEach((v, i) => app.append(0, up("x"), i * 1000, v));
        await app.commit();
        const ss = await (await db.querier(0, 10_000)).select(false, null);
        assert.ok(ss.next());
        const it = ss.at().iterator();
        const got: number[] = [];
        while (it.next() === ValueType.Float) {
          assert.equal(it.isStale(), false);
          got.push(it.atF());
        }
        assert.equal(got.length, vals.length);
        for (let i = 0; i < vals.length; i++) assert.ok(Object.is(got[i], vals[i]), `value ${i}: ${got[i]} != ${vals[i]}`);
      },
    },
    {
      name: "appendSample reads the time and value from its array, at the call",
      async run(db) {
        const app = db.appender();
        const sample = new Float64Array(2);
        let ref = 0;
        for (let i = 0; i < 3; i++) {
          sample[0] = (i + 1) * 1000;
          sample[1] = i === 2 ? Number.NaN : i * 1.5;
          ref = app.appendSample(ref, up("s"), sample, { stale: i === 2 });
          assert.notEqual(ref, 0);
        }
        sample[0] = 2000;
        sample[1] = 99;
        assert.equal(app.appendSample(ref, up("s"), sample), 0, "out of order: rejected");
        await app.commit();
        const ss = await (await db.querier(0, 10_000)).select(false, null);
        assert.ok(ss.next());
        const it = ss.at().iterator();
        const got: [number, number, boolean][] = [];
        while (it.next() === ValueType.Float) got.push([it.atT(), it.atF(), it.isStale()]);
        assert.deepEqual(got.slice(0, 2), [
          [1000, 0, false],
          [2000, 1.5, false],
        ]);
        assert.deepEqual([got[2]![0], got[2]![2]], [3000, true]);
      },
    },
    {
      name: "label names and values, with and without matchers",
      async run(db) {
        await fill(db);
        const q = await db.querier(0, 200_000);
        assert.deepEqual(await q.labelNames(), ["__name__", "job"]);
        assert.deepEqual(await q.labelValues("job"), ["a", "b"]);
        assert.deepEqual(await q.labelValues("job", new Matcher(MatchType.Regexp, "job", "b|c")), ["b"]);
        q.close();
      },
    },
    {
      name: "sorted select returns series in label order",
      async run(db) {
        const app = db.appender();
        for (const j of ["c", "a", "b"]) app.append(0, up(j), 0, 1);
        await app.commit();
        const ss = await (await db.querier(0, 0)).select(true, null);
        const got: string[] = [];
        while (ss.next()) got.push(ss.at().labels.get("job"));
        assert.deepEqual(got, ["a", "b", "c"]);
      },
    },
    {
      name: "a matcher on a missing label sees the empty string",
      async run(db) {
        const app = db.appender();
        app.append(0, Labels.fromObject({ __name__: "m", env: "prod" }), 0, 1);
        app.append(0, Labels.fromObject({ __name__: "m" }), 0, 2);
        await app.commit();
        const q = await db.querier(0, 0);
        const ss = await q.select(false, null, new Matcher(MatchType.Equal, "env", ""));
        assert.ok(ss.next());
        assert.equal(ss.at().labels.has("env"), false);
        assert.equal(ss.next(), false);
      },
    },
  ];
}
