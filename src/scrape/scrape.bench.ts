/**
 * Scrape path benchmark (parse → cache lookup → relabel → append → commit):
 * `npx tsc -p tsconfig.json && node dist/src/scrape/scrape.bench.js`.
 *
 * TARGETS scrape loops, each scraping a fake target whose text-format body
 * has SERIES_PER_TARGET series (default 1000; the server benchmark's
 * exposition: 200 counters, 20 histograms of 12 buckets, gauges; about
 * 70 KiB for 1000), append into
 * a TSDB opened in a scratch directory (WAL on disk, no compaction). Every
 * round scrapes all targets concurrently at the next timestamp (15 s
 * apart) with fresh values. The first round fills the caches and the head
 * (reported apart as "cold"); the next ROUNDS are measured. Run twice:
 * bodies parsed inline on the main thread (as the server does for bodies
 * under 512 KiB, like these), and every body on a ParsePool of one worker
 * (as the server does for bigger ones, when a worker is free).
 *
 * FORMAT=openmetrics serves the same series as OpenMetrics 1.0.0 (counter
 * families named without `_total`, `# EOF` at the end).
 *
 * Prints samples per CPU-second of the whole process (worker threads
 * included, process.cpuUsage), per CPU-second of the main thread alone
 * (on Linux) and per wall second. Sizes can be changed
 * with the environment variables of the same names. With --cpu-prof node
 * writes a profile of the whole run (the measured rounds dominate it).
 */
import { setMaxListeners } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../config/index.ts";
import { Labels } from "../model/index.ts";
import { openDB } from "../tsdb/index.ts";
import { envInt, nopLogger, systemClock } from "../util/index.ts";
import { ParsePool, ScrapeCache, ScrapeLoop, ScrapeMetrics, Target, populateLabels } from "./index.ts";
import type { ScrapeResponse, Scraper } from "./index.ts";

const TARGETS = envInt("TARGETS", 50);
const SERIES_PER_TARGET = envInt("SERIES_PER_TARGET", 1000);
const ROUNDS = envInt("ROUNDS", 40);
const OPENMETRICS = process.env.FORMAT === "openmetrics";
const CONTENT_TYPE = OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8";
const INTERVAL_MS = 15_000;
/** Distinct bodies cycled through (values change between rounds; building one costs outside the measurement). */
const BODIES = 4;

const HANDLERS = Array.from({ length: 20 }, (_, i) => `/api/v1/h${String(i).padStart(2, "0")}`);
const CODES = ["200", "201", "400", "404", "500"];
const LE = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];

/** The server benchmark's exposition at tick k (same series, same shapes of values). */
function exposition(k: number): string {
  const family = OPENMETRICS ? "bench_requests" : "bench_requests_total";
  const out: string[] = [`# HELP ${family} Requests.\n# TYPE ${family} counter\n`];
  let i = 0;
  for (const h of HANDLERS)
    for (const m of ["GET", "POST"])
      for (const c of CODES) {
        out.push(`bench_requests_total{handler="${h}",method="${m}",code="${c}"} ${i * 1000 + k * (1 + (i % 7))}\n`);
        i++;
      }
  out.push("# HELP bench_request_duration_seconds Latency.\n# TYPE bench_request_duration_seconds histogram\n");
  HANDLERS.forEach((h, hi) => {
    const rate = 1 + (hi % 3);
    LE.forEach((le, j) => out.push(`bench_request_duration_seconds_bucket{handler="${h}",le="${le}"} ${k * rate * (j + 1)}\n`));
    out.push(`bench_request_duration_seconds_sum{handler="${h}"} ${k * rate * LE.length * 0.137}\n`);
    out.push(`bench_request_duration_seconds_count{handler="${h}"} ${k * rate * LE.length}\n`);
  });
  out.push("# HELP bench_gauge A gauge.\n# TYPE bench_gauge gauge\n");
  const gauges = SERIES_PER_TARGET - HANDLERS.length * 2 * CODES.length - HANDLERS.length * (LE.length + 2);
  for (let g = 0; g < gauges; g++) out.push(`bench_gauge{shard="${g}"} ${((g * 7919 + k) % 1000) / 10}\n`);
  if (OPENMETRICS) out.push("# EOF\n");
  return out.join("");
}

/**
 * CPU seconds of the main thread alone (user + system, Linux's
 * /proc/thread-self/stat; NaN elsewhere): what the event loop spends, with
 * worker and GC helper threads left out.
 */
function mainThreadCpuS(): number {
  try {
    const f = readFileSync("/proc/thread-self/stat", "utf8");
    const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Answers with the body of the current round; a fresh copy each time (the loop may transfer it to a worker). */
class RoundScraper implements Scraper {
  readonly bodies: Buffer[];
  round: number;
  constructor(bodies: Buffer[]) {
    this.bodies = bodies;
    this.round = 0;
  }
  async scrape(_signal: AbortSignal): Promise<ScrapeResponse> {
    return { contentType: CONTENT_TYPE, body: Uint8Array.prototype.slice.call(this.bodies[this.round % this.bodies.length]!) };
  }
}

async function run(mode: "inline" | "worker"): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "promstack-scrape-bench-"));
  const db = await openDB(dir, { backgroundCompaction: false });
  const pool = mode === "worker" ? new ParsePool({ size: 1 }) : null;
  const cfg = loadConfig("scrape_configs:\n  - job_name: bench\n", "prometheus.yml").scrapeConfigs[0]!;
  const metrics = new ScrapeMetrics(systemClock);
  const abort = new AbortController();
  // Every loop's in-flight scrape listens on it, as in a scrape pool.
  setMaxListeners(0, abort.signal);
  const bodies = Array.from({ length: BODIES }, (_, k) => Buffer.from(exposition(k + 1)));
  const scrapers: RoundScraper[] = [];
  const loops: ScrapeLoop[] = [];
  for (let i = 0; i < TARGETS; i++) {
    const tl = Labels.fromObject({ __address__: `127.0.0.1:${10_000 + i}` });
    const target = new Target(populateLabels(cfg, tl, Labels.EMPTY)!, cfg, tl, Labels.EMPTY);
    const scraper = new RoundScraper(bodies);
    scrapers.push(scraper);
    loops.push(
      new ScrapeLoop({
        target,
        scraper,
        cache: new ScrapeCache(metrics),
        appendable: db,
        config: cfg,
        intervalMs: INTERVAL_MS,
        timeoutMs: INTERVAL_MS,
        offsetSeed: 0n,
        clock: systemClock,
        logger: nopLogger,
        metrics,
        parentSignal: abort.signal,
        skipOffsetting: true,
        parsePool: pool,
        workerParseMinBytes: 0,
      }),
    );
  }
  const t0 = Date.now() - (ROUNDS + 2) * INTERVAL_MS;
  const round = async (r: number): Promise<void> => {
    for (const s of scrapers) s.round = r;
    await Promise.all(loops.map((l) => l.scrapeAndReport(null, t0 + r * INTERVAL_MS)));
  };
  const measure = async (from: number, to: number): Promise<{ samples: number; cpuS: number; mainCpuS: number; wallS: number }> => {
    const a0 = db.head.stats.samplesAppended;
    const c0 = process.cpuUsage();
    const m0 = mainThreadCpuS();
    const w0 = performance.now();
    for (let r = from; r < to; r++) await round(r);
    const c = process.cpuUsage(c0);
    return { samples: db.head.stats.samplesAppended - a0, cpuS: (c.user + c.system) / 1e6, mainCpuS: mainThreadCpuS() - m0, wallS: (performance.now() - w0) / 1000 };
  };
  const cold = await measure(0, 1);
  const warm = await measure(1, ROUNDS + 1);
  const line = (name: string, m: { samples: number; cpuS: number; mainCpuS: number; wallS: number }): string =>
    `${mode} ${name}: ${m.samples} samples, ${Math.round(m.samples / m.cpuS).toLocaleString("en-US")} samples/CPU-s, ` +
    `${Number.isNaN(m.mainCpuS) ? "" : `${Math.round(m.samples / m.mainCpuS).toLocaleString("en-US")} per main-thread CPU-s, `}${Math.round(m.samples / m.wallS).toLocaleString("en-US")} samples/s wall`;
  console.log(`${OPENMETRICS ? "OpenMetrics" : "text format"} bodies`);
  console.log(line("cold (first scrape)", cold));
  console.log(line(`warm (${ROUNDS} rounds of ${TARGETS} targets)`, warm));
  abort.abort();
  await pool?.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

const modes = process.argv.includes("--inline") ? (["inline"] as const) : process.argv.includes("--worker") ? (["worker"] as const) : (["inline", "worker"] as const);
for (const m of modes) await run(m);
