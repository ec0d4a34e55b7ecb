/**
 * PromQL engine benchmark: `npm run bench`.
 *
 * Loads synthetic data into MemoryStorage (10,000 counter series
 * `http_requests_total{job,instance,code,method}` and 5,000 classic histogram
 * bucket series `http_request_duration_seconds_bucket{job,instance,le}`,
 * 2 hours at a 15 s scrape interval: 480 samples each, 7.2M samples), then
 * runs each query once as an instant query at the end (which also warms the
 * JIT) and once as a range query over the 2 hours at a 60 s step. It prints
 * samples processed per second (stats.totalQueryableSamples / wall time) and
 * heap growth per sample (heapUsed after the query, result still held, minus
 * heapUsed after a full GC before it, divided by the samples).
 *
 * Re-executes itself with --expose-gc when global.gc is missing, so the
 * heap figures start from a collected heap.
 */
import { Labels } from "../../model/index.ts";
import { MemoryStorage } from "../../storage/index.ts";
import { Engine, type QueryResult } from "./index.ts";
import { exposedGc, seededRandom } from "../../util/index.ts";

const collect = exposedGc(import.meta.url);

const SCRAPE_MS = 15_000;
const DURATION_MS = 2 * 3600 * 1000;
const STEPS = DURATION_MS / SCRAPE_MS; // 480 samples per series
const JOBS = 10;
const INSTANCES_PER_JOB = 50;
const CODES = ["200", "201", "400", "404", "500"];
const METHODS = ["GET", "POST", "PUT", "DELETE"];
const LE = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];

interface SyntheticSeries {
  labels: Labels;
  /** Increase per scrape; a counter grows by rate * (1 + jitter). */
  rate: number;
  value: number;
}


function buildSeries(): SyntheticSeries[] {
  const rand = seededRandom(42);
  const out: SyntheticSeries[] = [];
  for (let j = 0; j < JOBS; j++) {
    for (let i = 0; i < INSTANCES_PER_JOB; i++) {
      const job = `job-${j}`;
      const instance = `10.0.${j}.${i}:9090`;
      for (const code of CODES) {
        for (const method of METHODS) {
          out.push({
            labels: Labels.fromStrings("__name__", "http_requests_total", "job", job, "instance", instance, "code", code, "method", method),
            rate: 1 + rand() * 100,
            value: 0,
          });
        }
      }
      // Cumulative buckets: each le gets a growing share of the requests.
      const total = 10 + rand() * 200;
      LE.forEach((le, k) => {
        out.push({
          labels: Labels.fromStrings("__name__", "http_request_duration_seconds_bucket", "job", job, "instance", instance, "le", le),
          rate: (total * (k + 1)) / LE.length,
          value: 0,
        });
      });
    }
  }
  return out;
}

async function load(storage: MemoryStorage, series: SyntheticSeries[]): Promise<number> {
  const rand = seededRandom(7);
  const refs = new Array<number>(series.length).fill(0);
  let n = 0;
  // One appender per scrape round, as the scrape loops commit.
  for (let step = 0; step < STEPS; step++) {
    const t = step * SCRAPE_MS;
    const app = storage.appender();
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      s.value += s.rate * (0.9 + rand() * 0.2);
      refs[i] = app.append(refs[i]!, s.labels, t, Math.round(s.value), undefined);
      n++;
    }
    await app.commit();
  }
  return n;
}

const queries = [
  "rate(http_requests_total[5m])",
  "sum by (job) (rate(http_requests_total[5m]))",
  "histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
  "topk(5, rate(http_requests_total[5m]))",
  "rate(http_requests_total[5m]) / on(job, instance, code, method) group_left rate(http_requests_total[10m])",
  "max_over_time(rate(http_requests_total[5m])[30m:1m])",
];

function fmt(n: number, digits = 1): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function resultSize(r: QueryResult): string {
  const v = r.value;
  if (v.type === "matrix") return `${v.matrix.length} series`;
  if (v.type === "vector") return `${v.vector.length} samples`;
  return v.type;
}

async function measure(label: string, run: () => Promise<QueryResult>): Promise<void> {
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const r = await run();
  const ms = performance.now() - t0;
  const heapAfter = process.memoryUsage().heapUsed;
  const samples = r.stats.totalQueryableSamples;
  const perSec = samples / (ms / 1000);
  const bytesPerSample = samples > 0 ? (heapAfter - heapBefore) / samples : 0;
  console.log(
    `  ${label.padEnd(7)} ${fmt(ms, 0).padStart(7)} ms  ${fmt(samples, 0).padStart(12)} samples  ${fmt(perSec / 1e6, 2).padStart(7)} M samples/s  ${fmt(bytesPerSample, 2).padStart(7)} B heap/sample  peak ${fmt(r.stats.peakSamples, 0)}  -> ${resultSize(r)}`,
  );
}

async function main(): Promise<void> {
  const storage = new MemoryStorage();
  const series = buildSeries();
  collect();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const n = await load(storage, series);
  const loadMs = performance.now() - t0;
  collect();
  const heap1 = process.memoryUsage().heapUsed;
  console.log(
    `loaded ${fmt(series.length, 0)} series x ${STEPS} samples = ${fmt(n, 0)} samples in ${fmt(loadMs, 0)} ms ` +
      `(${fmt(n / (loadMs / 1000) / 1e6, 2)} M samples/s, ${fmt((heap1 - heap0) / n, 1)} B heap/sample)`,
  );

  const engine = new Engine({ maxSamples: 50_000_000, timeoutMs: 120_000, lookbackDeltaMs: 5 * 60 * 1000 });
  const end = (STEPS - 1) * SCRAPE_MS;
  for (const q of queries) {
    console.log(q);
    await measure("instant", () => engine.newInstantQuery(storage, q, end).exec());
    await measure("range", () => engine.newRangeQuery(storage, q, 0, end, 60_000).exec());
  }
}

if (gc !== undefined) await main();
