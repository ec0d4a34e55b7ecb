import { test } from "node:test";
import assert from "node:assert/strict";
import { type MetricFamily, Registry, type SummaryValue } from "../../exposition/index.ts";
import { MemoryStorage, type Queryable } from "../../storage/index.ts";
import { Engine } from "./index.ts";

async function families(engine: Engine): Promise<Map<string, MetricFamily>> {
  const r = new Registry();
  engine.metrics.register(r);
  const g = await r.gather();
  assert.deepEqual(g.errors, []);
  return new Map(g.families.map((f) => [f.name, f]));
}

function gauge(fams: Map<string, MetricFamily>, name: string): number {
  return fams.get(name)!.metrics[0]!.value as number;
}

test("engine metrics: queries in flight, the max concurrency, the query log off", async () => {
  const st = new MemoryStorage();
  let release: () => void = () => {};
  const opened = new Promise<void>((r) => {
    release = r;
  });
  // A storage whose querier waits: the query is in flight meanwhile.
  const slow: Queryable = { querier: async (mint, maxt) => opened.then(() => st.querier(mint, maxt)) };
  const cases = [
    { name: "--query.max-concurrency=7", engine: new Engine({ maxConcurrency: 7 }), max: 7 },
    { name: "no query tracker", engine: new Engine(), max: -1 },
  ];
  for (const c of cases) {
    const fams = await families(c.engine);
    assert.equal(gauge(fams, "prometheus_engine_queries_concurrent_max"), c.max, c.name);
    assert.equal(gauge(fams, "prometheus_engine_query_log_enabled"), 0, c.name);
    assert.equal(gauge(fams, "prometheus_engine_query_log_failures_total"), 0, c.name);
  }
  const engine = new Engine();
  const q = engine.newInstantQuery(slow, "vector(1)", 0).exec();
  assert.equal(gauge(await families(engine), "prometheus_engine_queries"), 1);
  release();
  await q;
  assert.equal(gauge(await families(engine), "prometheus_engine_queries"), 0);
  // A failing query leaves the gauge too.
  const failing: Queryable = { querier: async () => Promise.reject(new Error("storage down")) };
  await assert.rejects(engine.newInstantQuery(failing, "up", 0).exec());
  assert.equal(gauge(await families(engine), "prometheus_engine_queries"), 0);
});

test("engine metrics: query timings by slice, result_sort for range queries only", async () => {
  const st = new MemoryStorage();
  const engine = new Engine();
  await engine.newInstantQuery(st, "vector(1)", 0).exec();
  await engine.newInstantQuery(st, "vector(1)", 0).exec();
  await engine.newRangeQuery(st, "vector(1)", 0, 60_000, 15_000).exec();
  const f = (await families(engine)).get("prometheus_engine_query_duration_seconds")!;
  assert.equal(f.type, "summary");
  const counts = Object.fromEntries(f.metrics.map((m) => [m.labelValues[0], (m.value as SummaryValue).count]));
  assert.deepEqual(counts, { inner_eval: 3, prepare_time: 3, queue_time: 3, result_sort: 1 });
  assert.deepEqual((f.metrics[0]!.value as SummaryValue).quantiles, [0.5, 0.9, 0.99]);
});
