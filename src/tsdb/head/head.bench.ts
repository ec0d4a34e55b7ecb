/**
 * Head benchmark, in process: `npx tsc -p tsconfig.json && node
 * dist/src/tsdb/head/head.bench.js` (re-executes itself with --expose-gc).
 *
 * (a) WAL replay of HEAD_BENCH_SERIES series (default 200,000) x 3 samples,
 *     written as commits of RECORD_SERIES series (one series record and
 *     one samples record each, as one large scrape or remote-write batch
 *     writes them): wall and CPU time, the longest event-loop stall while
 *     it runs (a timer every millisecond), and the head's memory per series
 *     after a forced GC (V8 heap plus array buffers, over the series).
 * (b) A head querier's select() of every series, then
 *     Head.truncateMemory() of every series: wall and CPU time, longest stall.
 * (c) Appender throughput (no WAL): APPEND_SERIES series, APPEND_SCRAPES
 *     commits of one sample per series, with refs cached as the scrape
 *     loop does and with ref 0 (labels looked up each time, as a
 *     remote-write receiver without a ref cache); samples per CPU-second.
 * (d) Steady scraping: SCRAPE_SERIES series in targets of 1000, one
 *     appender per target and all of a round's appenders open at once (as
 *     the scrape loops), refs cached, after WARM_ROUNDS rounds: samples per
 *     CPU-second over SCRAPE_ROUNDS rounds, then the bytes allocated per
 *     sample over as many more (V8's sampling heap profiler, counting the
 *     objects minor and major GCs collected: the garbage the head makes).
 *
 * CPU times are what count: the machine may be shared.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Labels } from "../../model/index.ts";
import { Encbuf } from "../encoding/index.ts";
import { RefSamples, encodeSamples, encodeSeries, type RefSeries } from "../record/index.ts";
import { WalCompression, Wlog } from "../wal/index.ts";
import { allocatedBytes, envInt, exposedGc } from "../../util/index.ts";
import { Head } from "./head.ts";

const gc = exposedGc(import.meta.url);
const SERIES = envInt("HEAD_BENCH_SERIES", 200_000);
const RECORD_SERIES = envInt("RECORD_SERIES", 50_000);
const APPEND_SERIES = envInt("APPEND_SERIES", 10_000);
const APPEND_SCRAPES = envInt("APPEND_SCRAPES", 200);
const SCRAPE_MS = 15_000;
const SCRAPE_SERIES = envInt("SCRAPE_SERIES", 50_000);
const SCRAPE_ROUNDS = envInt("SCRAPE_ROUNDS", 100);
const WARM_ROUNDS = 30;
/** Series per target (per appender) in (d). */
const TARGET_SERIES = 1000;

function log(msg: string): void {
  process.stdout.write(`[head bench] ${msg}\n`);
}

function labelsOf(id: number): Labels {
  return Labels.fromStrings(
    "__name__",
    `bench_metric_${id % 100}`,
    "instance",
    `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}:9100`,
    "job",
    "node",
    "pod",
    `pod-${Math.floor(id / 100)}`,
  );
}

function writeWal(dir: string): void {
  const wal = Wlog.open(dir, { compression: WalCompression.Snappy });
  const enc = new Encbuf(1 << 20);
  const tEnd = Math.floor(Date.now() / SCRAPE_MS) * SCRAPE_MS;
  const refs: RefSeries[] = [];
  for (let n = 0; n < SERIES; n += RECORD_SERIES) {
    const m = Math.min(RECORD_SERIES, SERIES - n);
    refs.length = 0;
    for (let i = 0; i < m; i++) refs.push({ ref: n + i + 1, labels: labelsOf(n + i) });
    enc.reset();
    encodeSeries(enc, refs);
    wal.log(enc.get());
    const samples = new RefSamples(m);
    for (let k = 0; k < 3; k++) {
      samples.clear();
      for (let i = 0; i < m; i++) samples.push(n + i + 1, tEnd - (2 - k) * SCRAPE_MS, (n + i) * 0.5 + k);
      enc.reset();
      encodeSamples(enc, samples);
      wal.log(enc.get());
    }
  }
  wal.close();
}

/** Runs fn while a 1 ms timer records the longest gap between its ticks; returns wall ms, CPU s and the stall ms. */
async function measure<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number; cpuS: number; stallMs: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > stall) stall = now - last;
    last = now;
  }, 1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const end = performance.now();
  if (end - last > stall) stall = end - last;
  clearInterval(timer);
  return { value, ms, cpuS: (cpu.user + cpu.system) / 1e6, stallMs: stall };
}

function heapBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function benchReplay(work: string): Promise<void> {
  const walDir = path.join(work, "wal");
  writeWal(walDir);
  let walBytes = 0;
  for (const f of fs.readdirSync(walDir)) walBytes += fs.statSync(path.join(walDir, f)).size;
  log(`(a) WAL: ${SERIES} series x 3 samples in records of ${RECORD_SERIES} series, ${(walBytes / 1e6).toFixed(1)} MB`);
  const base = heapBytes();
  const rss0 = process.memoryUsage().rss;
  const head = new Head();
  const r = await measure(() => head.replayWal(walDir));
  if (r.value !== null || head.numSeries !== SERIES) throw new Error(`BUG: replay: ${r.value?.error.message ?? ""} ${head.numSeries} series`);
  const rss1 = process.memoryUsage().rss;
  const perSeries = (heapBytes() - base) / SERIES;
  log(`(a) replay: ${r.ms.toFixed(0)} ms wall, ${r.cpuS.toFixed(2)} CPU-s, longest stall ${r.stallMs.toFixed(1)} ms`);
  log(`(a) memory per series: ${perSeries.toFixed(0)} B heap + array buffers after GC; RSS grew ${((rss1 - rss0) / SERIES).toFixed(0)} B/series (no GC)`);

  const q = await head.querier(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const sel = await measure(() => q.select(false, null));
  let n = 0;
  const set = sel.value;
  while (set.next()) n++;
  if (n !== SERIES) throw new Error(`BUG: select returned ${n} series`);
  log(`(b) select of ${SERIES} series: ${sel.ms.toFixed(0)} ms wall, ${sel.cpuS.toFixed(2)} CPU-s, longest stall ${sel.stallMs.toFixed(1)} ms`);
  const tr = await measure(() => head.truncateMemory(Number.MAX_SAFE_INTEGER));
  if (head.numSeries !== 0) throw new Error(`BUG: ${head.numSeries} series left after truncation`);
  log(`(b) truncateMemory of ${SERIES} series: ${tr.ms.toFixed(0)} ms wall, ${tr.cpuS.toFixed(2)} CPU-s, longest stall ${tr.stallMs.toFixed(1)} ms`);
}

async function appendRun(cacheRefs: boolean): Promise<number> {
  const head = new Head();
  const lsets: Labels[] = [];
  for (let i = 0; i < APPEND_SERIES; i++) {
    lsets.push(Labels.fromStrings("__name__", `app_metric_${i % 50}`, "instance", `host-${i % 100}:9100`, "job", "bench", "series", String(i)));
  }
  const refs = new Float64Array(APPEND_SERIES);
  const t0 = Math.floor(Date.now() / SCRAPE_MS) * SCRAPE_MS - APPEND_SCRAPES * SCRAPE_MS;
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < APPEND_SCRAPES; k++) {
    const app = head.appender();
    const t = t0 + k * SCRAPE_MS;
    for (let i = 0; i < APPEND_SERIES; i++) {
      const r = app.append(cacheRefs ? refs[i]! : 0, lsets[i]!, t, k * 8 + (i & 7));
      if (r === 0) throw new Error("BUG: sample rejected");
      refs[i] = r;
    }
    await app.commit();
  }
  const cpu = process.cpuUsage(cpu0);
  return (APPEND_SERIES * APPEND_SCRAPES) / ((cpu.user + cpu.system) / 1e6);
}

async function benchAppend(): Promise<void> {
  // A warm-up run each, then the measured one.
  for (const cacheRefs of [true, false]) {
    await appendRun(cacheRefs);
    const rate = await appendRun(cacheRefs);
    log(`(c) appender, ${cacheRefs ? "refs cached" : "ref 0 (lookup by labels)"}: ${Math.round(rate).toLocaleString("en-US")} samples per CPU-second`);
  }
}

async function benchScrape(): Promise<void> {
  const head = new Head();
  const lsets: Labels[] = [];
  for (let i = 0; i < SCRAPE_SERIES; i++) {
    const target = Math.floor(i / TARGET_SERIES);
    lsets.push(Labels.fromStrings("__name__", `scrape_metric_${i % 50}`, "instance", `host-${target}:9100`, "job", "bench", "series", String(i)));
  }
  const refs = new Float64Array(SCRAPE_SERIES);
  const values = new Float64Array(SCRAPE_SERIES);
  let t = Math.floor(Date.now() / SCRAPE_MS) * SCRAPE_MS - (WARM_ROUNDS + 2 * SCRAPE_ROUNDS) * SCRAPE_MS;
  const round = async (): Promise<void> => {
    t += SCRAPE_MS;
    const apps = [];
    for (let from = 0; from < SCRAPE_SERIES; from += TARGET_SERIES) apps.push(head.appender());
    for (let k = 0; k < apps.length; k++) {
      const app = apps[k]!;
      const to = Math.min((k + 1) * TARGET_SERIES, SCRAPE_SERIES);
      for (let i = k * TARGET_SERIES; i < to; i++) {
        // Counters with varied increments, so values take the usual XOR paths.
        values[i] = values[i]! + 1 + (i & 15) * 0.25;
        const r = app.append(refs[i]!, lsets[i]!, t, values[i]!);
        if (r === 0) throw new Error("BUG: sample rejected");
        refs[i] = r;
      }
    }
    for (const app of apps) await app.commit();
  };
  for (let r = 0; r < WARM_ROUNDS; r++) await round();
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < SCRAPE_ROUNDS; r++) await round();
  const cpu = process.cpuUsage(cpu0);
  const samples = SCRAPE_ROUNDS * SCRAPE_SERIES;
  const rate = samples / ((cpu.user + cpu.system) / 1e6);
  const perSample =
    (await allocatedBytes(async () => {
      for (let r = 0; r < SCRAPE_ROUNDS; r++) await round();
    })) / samples;
  log(
    `(d) steady scraping, ${SCRAPE_SERIES} series in appenders of ${TARGET_SERIES}: ${Math.round(rate).toLocaleString("en-US")} samples per CPU-second, ${perSample.toFixed(0)} B allocated per sample (the bench's own calls included)`,
  );
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "promstack-head-bench-"));
try {
  const only = process.argv[2];
  if (only === undefined || only === "replay") await benchReplay(work);
  if (only === undefined || only === "append") await benchAppend();
  if (only === undefined || only === "scrape") await benchScrape();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
