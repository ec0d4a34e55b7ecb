/**
 * Server benchmark, side by side with Prometheus: `npm run bench`, or
 * `npx tsc -p tsconfig.json && node dist/bench/server.bench.js` from the
 * repository root (it starts `node bin/promstack prometheus`, so build first).
 *
 * Runs promstack's server and /usr/bin/prometheus (Debian's 2.42) in turn,
 * never at the same time (the machine has 2 cores), with the same
 * configuration and the same synthetic targets, and prints both figures and
 * the ratio ours/theirs for:
 *
 * 1. scrape ingest: TARGETS_A targets of SERIES_PER_TARGET series scraped
 *    every INTERVAL_A_S for WINDOW_A_MS; samples appended
 *    (prometheus_tsdb_head_samples_appended_total) per CPU-second of the
 *    server process tree (utime + stime from /proc/<pid>/stat). Measured
 *    twice: over the first window after ready (series creation and, for
 *    promstack, the JIT's warm-up included), then over the next window of
 *    the same length (the steady state a long-running server is sized by);
 * 2. remote-write ingest: pre-encoded WriteRequests (snappy protobuf,
 *    RW_SAMPLES_PER_REQUEST samples each) sent by RW_WORKERS concurrent
 *    senders, each owning a shard of the series so samples stay in order;
 *    samples appended per wall second (skipped when our server does not
 *    answer 204 to a valid request);
 * 3. resident memory per active series: VmRSS at the end of the first
 *    window of (1) divided by prometheus_tsdb_head_series (also the growth
 *    since ready, per series);
 * 4. query latency, p50 and p95 over a dashboard-style query set, each run
 *    as query_range over 2 h at a 30 s step: the 2 h of data are written as
 *    an OpenMetrics file, turned into blocks once by `promtool tsdb
 *    create-blocks-from openmetrics`, and copied into each server's data
 *    directory before it starts;
 * 5. the largest scrape load sustained: the job reads its targets from a
 *    file_sd file, which grows in steps (LOAD_STEPS targets, 1 s interval;
 *    no config reload). Once every target of a step has been scraped, one
 *    LOAD_WINDOW_MS window counts the scrapes the targets served and the
 *    samples appended; the step misses when either is below 95 % of what
 *    the interval asks for, and stepping stops there. A server that passes
 *    the last step (MAX_TARGETS) is shown as ">=": the cap, not its limit.
 *    The target process and the rest of the machine share the 2 cores:
 *    each step also reports the target process's event-loop utilisation
 *    and CPU and how busy the machine's CPUs were. A miss while the target
 *    process was saturated (ELU of at least GENERATOR_SATURATED) is the
 *    generator's limit, not the server's: that server's figure is shown as
 *    ">=" too. (Serving a scrape costs the target process about 0.02 ms of
 *    CPU, so it is rarely the limit; a machine busy near 100 % is.)
 *
 * The targets run in a child process (this file with --serve-targets): one
 * node:http listener per target, all serving the same text-format body of
 * SERIES_PER_TARGET series whose counters advance every 100 ms (the body is
 * built once per 100 ms and shared). Their instance labels differ, so every
 * target's series are distinct.
 *
 * Our server runs from a copy of bin/ and dist/src/ taken when the bench
 * starts (in its scratch directory, with node_modules linked), so a rebuild
 * of dist/ by someone else during the ~9 minutes does not break it.
 *
 * The machine is shared: the load average is printed with the table; read
 * ratios of less than 2x with care.
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  acceptsRemoteWrite,
  attempt,
  cpuSeconds,
  cpuSecondsOf,
  encodeWriteRequests as encodeLoad,
  figure,
  fmt,
  type Kind,
  metric,
  notes,
  type Outcome,
  phaseFailures,
  PROMETHEUS_BIN,
  printTable,
  type Row,
  rssBytes,
  type ServerRun,
  SkipError,
  sleep,
  snapshotBuild as snapshotBuildIn,
  startServer as startServerIn,
  type StartOptions,
  stopServer,
  sendWriteRequests,
} from "./common.ts";

const PROMTOOL_BIN = "/usr/bin/promtool";
/** Series each synthetic target exposes (the report series come on top). */
const SERIES_PER_TARGET = 1000;
const APPENDED = "prometheus_tsdb_head_samples_appended_total";
/** Series Prometheus adds per target: up, scrape_duration_seconds, scrape_samples_scraped, scrape_samples_post_metric_relabeling, scrape_series_added. */
const REPORT_SERIES = 5;
/** The most targets the target process listens for (the cap of the load test). */
const MAX_TARGETS = 960;

const TARGETS_A = 50;
const INTERVAL_A_S = 2;
const WINDOW_A_MS = 60_000;

const RW_WORKERS = 4;
const RW_SERIES = 20_000;
/** Series per request and samples per series per request: 2000 samples, Prometheus 3's max_samples_per_send. */
const RW_SERIES_PER_REQUEST = 500;
const RW_SAMPLES_PER_SERIES = 4;
const RW_SAMPLES_PER_REQUEST = RW_SERIES_PER_REQUEST * RW_SAMPLES_PER_SERIES;
/** 12M samples: about 10 s at the rates seen here, 600 samples per series at a 1 s step. */
const RW_REQUESTS = 6000;
/** Sending stops after this even if requests remain (the figure is still samples per second). */
const RW_MAX_MS = 20_000;

/** Backfilled data: BACKFILL_INSTANCES targets' worth of series over 2 h at a 30 s interval. */
const BACKFILL_INSTANCES = 5;
const BACKFILL_RANGE_MS = 2 * 3600_000;
const BACKFILL_INTERVAL_MS = 30_000;
const QUERY_STEP_S = 30;
const QUERY_ROUNDS = 20;
/** A slow server gets fewer rounds (at least 3); the table says how many ran. */
const QUERY_MAX_MS = 45_000;

/** Targets per step of the load test, at a 1 s interval. */
const LOAD_STEPS = [20, 40, 80, 160, 320, 480, 640, 960];
/** The longest wait for every target of a step to be scraped once (discovery throttles to 5 s). */
const LOAD_SETTLE_MAX_MS = 15_000;
const LOAD_WINDOW_MS = 10_000;
const LOAD_PASS_RATIO = 0.95;
/** Event-loop utilisation of the target process above which a missed step is the generator's limit. */
const GENERATOR_SATURATED = 0.9;

const DASHBOARD_QUERIES = [
  "sum by (handler) (rate(bench_requests_total[5m]))",
  'rate(bench_requests_total{code="500"}[5m])',
  "histogram_quantile(0.99, sum by (le, handler) (rate(bench_request_duration_seconds_bucket[5m])))",
  "topk(5, sum by (instance) (rate(bench_requests_total[5m])))",
  'sum by (instance) (rate(bench_requests_total{code=~"5.."}[5m])) / sum by (instance) (rate(bench_requests_total[5m]))',
  "max by (instance) (bench_gauge) - min by (instance) (bench_gauge)",
];

// ---------------------------------------------------------------------------
// The synthetic exposition, shared by the targets and the backfill.

const HANDLERS = Array.from({ length: 20 }, (_, i) => `/api/v1/h${String(i).padStart(2, "0")}`);
const METHODS = ["GET", "POST"];
const CODES = ["200", "201", "400", "404", "500"];
const LE = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];
/** 200 counters + 20 histograms of 12 buckets, sum and count (280) + the gauges make SERIES_PER_TARGET. */
const GAUGES = SERIES_PER_TARGET - HANDLERS.length * METHODS.length * CODES.length - HANDLERS.length * (LE.length + 2);

/** One series of the exposition: its family, labels (without instance and job) and value at a tick (100 ms units). */
interface SeriesDef {
  family: "requests" | "duration" | "gauge";
  name: string;
  labels: string;
  value: (tick: number) => number;
}

function seriesDefs(): SeriesDef[] {
  const out: SeriesDef[] = [];
  let i = 0;
  for (const handler of HANDLERS)
    for (const method of METHODS)
      for (const code of CODES) {
        const base = i * 1000;
        const inc = 1 + (i % 7);
        out.push({ family: "requests", name: "bench_requests_total", labels: `handler="${handler}",method="${method}",code="${code}"`, value: (k) => base + k * inc });
        i++;
      }
  HANDLERS.forEach((handler, h) => {
    const rate = 1 + (h % 3);
    LE.forEach((le, j) => {
      out.push({ family: "duration", name: "bench_request_duration_seconds_bucket", labels: `handler="${handler}",le="${le}"`, value: (k) => k * rate * (j + 1) });
    });
    out.push({ family: "duration", name: "bench_request_duration_seconds_sum", labels: `handler="${handler}"`, value: (k) => k * rate * LE.length * 0.137 });
    out.push({ family: "duration", name: "bench_request_duration_seconds_count", labels: `handler="${handler}"`, value: (k) => k * rate * LE.length });
  });
  for (let g = 0; g < GAUGES; g++) {
    out.push({ family: "gauge", name: "bench_gauge", labels: `shard="${g}"`, value: (k) => ((g * 7919 + k) % 1000) / 10 });
  }
  return out;
}

/** The text-format (0.0.4) body at a tick. */
function exposition(defs: SeriesDef[], tick: number): string {
  const parts: string[] = [
    "# HELP bench_requests_total Requests.\n# TYPE bench_requests_total counter\n",
  ];
  let family = "requests";
  for (const d of defs) {
    if (d.family !== family) {
      family = d.family;
      parts.push(
        family === "duration"
          ? "# HELP bench_request_duration_seconds Latency.\n# TYPE bench_request_duration_seconds histogram\n"
          : "# HELP bench_gauge A gauge.\n# TYPE bench_gauge gauge\n",
      );
    }
    parts.push(`${d.name}{${d.labels}} ${d.value(tick)}\n`);
  }
  return parts.join("");
}

// ---------------------------------------------------------------------------
// Target process: `node server.bench.js --serve-targets`.

/** Messages between the bench and its target process; elu is the target process's cumulative event-loop idle and active time (ms). */
type TargetMessage =
  | { kind: "ports"; ports: number[] }
  | { kind: "counts"; counts: number[]; atMs: number; elu: { idle: number; active: number } }
  | { kind: "get-counts" };

async function serveTargets(): Promise<void> {
  const defs = seriesDefs();
  let cachedTick = -1;
  let cached = Buffer.alloc(0);
  const served = new Array<number>(MAX_TARGETS).fill(0);
  const handler = (i: number, res: ServerResponse): void => {
    const tick = Math.floor(Date.now() / 100);
    if (tick !== cachedTick) {
      cached = Buffer.from(exposition(defs, tick));
      cachedTick = tick;
    }
    served[i]!++;
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Content-Length": cached.length });
    res.end(cached);
  };
  const servers: HttpServer[] = [];
  for (let i = 0; i < MAX_TARGETS; i++) {
    const s = createHttpServer((_req: IncomingMessage, res: ServerResponse) => handler(i, res));
    s.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    servers.push(s);
  }
  process.on("message", (m: TargetMessage) => {
    if (m.kind !== "get-counts") return;
    const { idle, active } = performance.eventLoopUtilization();
    process.send?.({ kind: "counts", counts: served, atMs: performance.timeOrigin + performance.now(), elu: { idle, active } } satisfies TargetMessage);
  });
  process.on("disconnect", () => process.exit(0));
  process.send?.({ kind: "ports", ports: servers.map((s) => (s.address() as AddressInfo).port) } satisfies TargetMessage);
}

/** The machine's CPU time so far (all cores, clock ticks): busy (not idle or waiting for I/O) and in total. */
function machineCpu(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - (f[4] ?? 0), total };
}

/** A reading of the target process: scrapes served per target, when (epoch ms), its event-loop time and CPU seconds. */
interface TargetReading {
  counts: number[];
  atMs: number;
  elu: { idle: number; active: number };
  cpuS: number;
}

/** The bench's handle on the target process. */
class Targets {
  readonly child: ChildProcess;
  readonly ports: number[];
  #waiters: ((r: TargetReading) => void)[];

  constructor(child: ChildProcess, ports: number[]) {
    this.child = child;
    this.ports = ports;
    this.#waiters = [];
    child.on("message", (m: TargetMessage) => {
      if (m.kind === "counts") this.#waiters.shift()?.({ counts: m.counts, atMs: m.atMs, elu: m.elu, cpuS: cpuSecondsOf(child.pid!) });
    });
  }

  static async start(): Promise<Targets> {
    const child = fork(fileURLToPath(import.meta.url), ["--serve-targets"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const ports = await new Promise<number[]>((resolve, reject) => {
      child.once("message", (m: TargetMessage) => (m.kind === "ports" ? resolve(m.ports) : reject(new Error("unexpected message"))));
      child.once("exit", (code) => reject(new Error(`target process exited with ${code}`)));
    });
    return new Targets(child, ports);
  }

  /** Scrapes served so far, per target (in the order of ports), when the target process read them (epoch ms), and its load. */
  counts(): Promise<TargetReading> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.child.send({ kind: "get-counts" } satisfies TargetMessage);
    });
  }

  /** Scrapes served so far by the first n targets, and the rest of the reading. */
  async total(n: number): Promise<TargetReading & { count: number }> {
    const r = await this.counts();
    return { ...r, count: r.counts.slice(0, n).reduce((a, b) => a + b, 0) };
  }

  stop(): void {
    this.child.disconnect();
  }
}

// ---------------------------------------------------------------------------
// Servers under test.

const isTargetProcess = process.argv.includes("--serve-targets");
const repoRoot = process.cwd();
/** Scratch space: configs, data dirs, logs; removed after a successful run. */
const work = isTargetProcess ? "" : mkdtempSync(path.join(tmpdir(), "promstack-server-bench-"));

function configYAML(ports: number[], intervalS: number): string {
  const lines = ["global:", `  scrape_interval: ${intervalS}s`, `  scrape_timeout: ${intervalS}s`, "scrape_configs:"];
  if (ports.length > 0) {
    lines.push("  - job_name: bench", "    static_configs:", "      - targets:");
    for (const p of ports) lines.push(`          - 127.0.0.1:${p}`);
  } else {
    lines[lines.length - 1] = "scrape_configs: []";
  }
  return lines.join("\n") + "\n";
}

/** A configuration whose one job reads its targets from a file_sd file (so steps of the load test need no reload). */
function fileSDConfigYAML(file: string, intervalS: number): string {
  return [
    "global:",
    `  scrape_interval: ${intervalS}s`,
    `  scrape_timeout: ${intervalS}s`,
    "scrape_configs:",
    "  - job_name: bench",
    "    file_sd_configs:",
    `      - files: [${JSON.stringify(file)}]`,
    "",
  ].join("\n");
}

/** Replaces the file_sd file atomically (write, then rename: both servers watch the directory). */
function writeTargetsFile(file: string, ports: number[]): void {
  writeFileSync(file + ".tmp", JSON.stringify([{ targets: ports.map((p) => `127.0.0.1:${p}`) }]));
  renameSync(file + ".tmp", file);
}

/** Copies what `node bin/promstack` needs into work/app (see the header). */
function snapshotBuild(): void {
  snapshotBuildIn(work, repoRoot);
}

function startServer(kind: Kind, phase: string, config: string, opts: StartOptions = {}): Promise<ServerRun> {
  return startServerIn(work, kind, phase, config, opts);
}

// ---------------------------------------------------------------------------
// Phases. Each returns the figures of one server.

interface IngestWindow {
  samples: number;
  cpuS: number;
  /** Scrapes the targets served during the window. */
  scrapes: number;
}

interface ScrapeResult extends IngestWindow {
  rss: number;
  rssReady: number;
  series: number;
  /** The window after the first one. */
  steady: IngestWindow;
}

/** How many samples a window appended, of how many scrapes, in how much CPU. */
function ingestNote(w: IngestWindow): string {
  const full = w.scrapes * (SERIES_PER_TARGET + REPORT_SERIES);
  return `appended ${fmt(w.samples)} samples (${((w.samples / full) * 100).toFixed(0)}% of the ${fmt(w.scrapes)} scrapes served; less means failed scrapes) in ${fmt(w.cpuS)} CPU-s (${(w.cpuS / (WINDOW_A_MS / 1000)).toFixed(2)} cores)`;
}

async function scrapeIngest(kind: Kind, targets: Targets): Promise<ScrapeResult> {
  const s = await startServer(kind, "scrape", configYAML(targets.ports.slice(0, TARGETS_A), INTERVAL_A_S));
  try {
    const rssReady = rssBytes(s);
    const window = async (): Promise<IngestWindow> => {
      const r0 = (await targets.total(TARGETS_A)).count;
      const a0 = await metric(s, APPENDED, true);
      const c0 = cpuSeconds(s);
      await sleep(WINDOW_A_MS);
      const c1 = cpuSeconds(s);
      const a1 = await metric(s, APPENDED, true);
      const r1 = (await targets.total(TARGETS_A)).count;
      return { samples: a1 - a0, cpuS: c1 - c0, scrapes: r1 - r0 };
    };
    const first = await window();
    const rss = rssBytes(s);
    const series = await metric(s, "prometheus_tsdb_head_series");
    const steady = await window();
    return { ...first, rss, rssReady, series, steady };
  } finally {
    await stopServer(s);
  }
}

interface WriteResult {
  samples: number;
  seconds: number;
  failed: number;
  cpuS: number;
}

/** Throws SkipError when the server does not take a valid write request. */
async function remoteWriteIngest(kind: Kind, bodies: Buffer[][]): Promise<WriteResult> {
  const s = await startServer(kind, "rw", configYAML([], 15), { remoteWrite: true });
  try {
    const probe = await acceptsRemoteWrite(s);
    if (!probe.ok) throw new SkipError(probe.why);
    const a0 = await metric(s, APPENDED, true);
    const c0 = cpuSeconds(s);
    const { seconds, failed } = await sendWriteRequests(s.base, bodies, RW_MAX_MS);
    const c1 = cpuSeconds(s);
    const a1 = await metric(s, APPENDED, true);
    return { samples: a1 - a0, seconds, failed, cpuS: c1 - c0 };
  } finally {
    await stopServer(s);
  }
}

/** Writes the OpenMetrics file of the backfill and runs promtool on it; returns the blocks directory and the range (ms). */
async function backfill(): Promise<{ dir: string; start: number; end: number; samples: number; series: number }> {
  const end = Math.floor(Date.now() / BACKFILL_INTERVAL_MS) * BACKFILL_INTERVAL_MS - 5 * 60_000;
  const start = end - BACKFILL_RANGE_MS;
  const defs = seriesDefs();
  const file = path.join(work, "backfill.om.txt");
  const out = createWriteStream(file);
  let buf: string[] = [];
  let samples = 0;
  const flush = async (): Promise<void> => {
    if (buf.length === 0) return;
    const chunk = buf.join("");
    buf = [];
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  };
  const types = { requests: "# TYPE bench_requests counter\n", duration: "# TYPE bench_request_duration_seconds histogram\n", gauge: "# TYPE bench_gauge gauge\n" };
  for (const family of ["requests", "duration", "gauge"] as const) {
    buf.push(types[family]);
    const fam = defs.filter((d) => d.family === family);
    for (let inst = 0; inst < BACKFILL_INSTANCES; inst++) {
      const target = `instance="host-${inst}:9100",job="bench"`;
      // A histogram's buckets, sum and count are written together per timestamp (one OpenMetrics
      // MetricPoint); each series still gets its samples in time order.
      const groups: SeriesDef[][] =
        family === "duration" ? HANDLERS.map((h) => fam.filter((d) => d.labels.startsWith(`handler="${h}"`))) : fam.map((d) => [d]);
      for (const g of groups) {
        for (let t = start; t <= end; t += BACKFILL_INTERVAL_MS) {
          const ts = (t / 1000).toFixed(3);
          for (const d of g) {
            buf.push(`${d.name}{${target},${d.labels}} ${d.value(Math.floor(t / 100))} ${ts}\n`);
            samples++;
          }
          if (buf.length > 10_000) await flush();
        }
      }
    }
  }
  buf.push("# EOF\n");
  await flush();
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  const dir = path.join(work, "backfill-blocks");
  execFileSync(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", file, dir], { stdio: ["ignore", "ignore", "inherit"] });
  rmSync(file);
  return { dir, start, end, samples, series: defs.length * BACKFILL_INSTANCES };
}

interface QueryResult {
  p50: number;
  p95: number;
  rounds: number;
  perQueryP50: number[];
  errors: string[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function queryLatency(kind: Kind, data: { dir: string; start: number; end: number }): Promise<QueryResult> {
  const s = await startServer(kind, "query", configYAML([], 15), { seedDir: data.dir });
  try {
    const url = (q: string): string =>
      `${s.base}/api/v1/query_range?${new URLSearchParams({ query: q, start: String(data.start / 1000), end: String(data.end / 1000), step: String(QUERY_STEP_S) })}`;
    const errors: string[] = [];
    const run = async (q: string): Promise<number> => {
      const t0 = performance.now();
      const r = await fetch(url(q));
      const body = (await r.json()) as { status: string; error?: string; data?: { result?: unknown[] } };
      const ms = performance.now() - t0;
      if (r.status !== 200 || body.status !== "success") errors.push(`${q}: ${r.status} ${body.error ?? ""}`);
      else if ((body.data?.result?.length ?? 0) === 0) errors.push(`${q}: empty result`);
      return ms;
    };
    for (const q of DASHBOARD_QUERIES) await run(q); // warm-up: loads chunks, JIT
    const per: number[][] = DASHBOARD_QUERIES.map(() => []);
    const t0 = performance.now();
    let rounds = 0;
    while (rounds < QUERY_ROUNDS && (rounds < 3 || performance.now() - t0 < QUERY_MAX_MS)) {
      for (let i = 0; i < DASHBOARD_QUERIES.length; i++) per[i]!.push(await run(DASHBOARD_QUERIES[i]!));
      rounds++;
    }
    const all = per.flat().sort((a, b) => a - b);
    return {
      p50: percentile(all, 50),
      p95: percentile(all, 95),
      rounds,
      perQueryP50: per.map((l) => percentile([...l].sort((a, b) => a - b), 50)),
      errors: [...new Set(errors)],
    };
  } finally {
    await stopServer(s);
  }
}

interface LoadStep {
  targets: number;
  scrapeRatio: number;
  sampleRatio: number;
  cpuCores: number;
  /** The target process's event-loop utilisation and CPU (cores) over the window. */
  genElu: number;
  genCores: number;
  pass: boolean;
  /** A miss while the target process was saturated: the generator's limit, not the server's. */
  generatorLimited: boolean;
  /** The step's outcome in words. */
  why: string;
}

async function maxLoad(kind: Kind, targets: Targets): Promise<LoadStep[]> {
  const file = path.join(work, `load-${kind}-targets.json`);
  writeTargetsFile(file, targets.ports.slice(0, LOAD_STEPS[0]));
  const s = await startServer(kind, "load", fileSDConfigYAML(file, 1));
  const steps: LoadStep[] = [];
  try {
    for (const [i, n] of LOAD_STEPS.entries()) {
      const before = (await targets.counts()).counts;
      if (i > 0) writeTargetsFile(file, targets.ports.slice(0, n));
      // Discovery delivers at most every 5 s (upstream's updatert), and each new target waits
      // for its offset: the window opens once every target has been scraped, plus one interval.
      const settleEnd = performance.now() + LOAD_SETTLE_MAX_MS;
      let all = false;
      while (!all && performance.now() < settleEnd) {
        await sleep(250);
        const now = (await targets.counts()).counts;
        all = now.slice(0, n).every((c, j) => c > before[j]!);
      }
      if (!all) {
        steps.push({ targets: n, scrapeRatio: 0, sampleRatio: 0, cpuCores: 0, genElu: 0, genCores: 0, pass: false, generatorLimited: false, why: `not every target scraped within ${LOAD_SETTLE_MAX_MS / 1000} s` });
        console.error(`  ${kind}: ${n} targets: not every target scraped within ${LOAD_SETTLE_MAX_MS / 1000} s -> missed`);
        break;
      }
      await sleep(1000);
      // Each figure is divided by the time between its own two readings: under load the
      // readings (IPC to the target process, GET /metrics) take a while themselves.
      const r0 = await targets.total(n);
      const ta0s = Date.now();
      const a0 = await metric(s, APPENDED, true);
      const ta0 = (ta0s + Date.now()) / 2;
      const c0 = cpuSeconds(s);
      const tc0 = Date.now();
      const m0 = machineCpu();
      await sleep(LOAD_WINDOW_MS);
      const m1 = machineCpu();
      const r1 = await targets.total(n);
      const ta1s = Date.now();
      const a1 = await metric(s, APPENDED, true);
      const ta1 = (ta1s + Date.now()) / 2;
      const c1 = cpuSeconds(s);
      const tc1 = Date.now();
      // 1 s interval: n scrapes per second expected. The scrape counts are timed by the target
      // process; /metrics readings by the middle of their request.
      const scrapeRatio = (r1.count - r0.count) / ((n * (r1.atMs - r0.atMs)) / 1000);
      const sampleRatio = (a1 - a0) / (((n * (ta1 - ta0)) / 1000) * (SERIES_PER_TARGET + REPORT_SERIES));
      const cpuCores = (c1 - c0) / ((tc1 - tc0) / 1000);
      const active = r1.elu.active - r0.elu.active;
      const genElu = active / (active + r1.elu.idle - r0.elu.idle);
      const genCores = (r1.cpuS - r0.cpuS) / ((r1.atMs - r0.atMs) / 1000);
      const pass = scrapeRatio >= LOAD_PASS_RATIO && sampleRatio >= LOAD_PASS_RATIO;
      const generatorLimited = !pass && genElu >= GENERATOR_SATURATED;
      const machine = (m1.busy - m0.busy) / (m1.total - m0.total);
      const gen = `target process ${(genElu * 100).toFixed(0)}% busy, ${genCores.toFixed(2)} cores; machine CPUs ${(machine * 100).toFixed(0)}% busy`;
      const why = `${(scrapeRatio * 100).toFixed(0)}% of scrapes, ${(sampleRatio * 100).toFixed(0)}% of samples; ${gen}${generatorLimited ? ": the generator's limit" : ""}`;
      steps.push({ targets: n, scrapeRatio, sampleRatio, cpuCores, genElu, genCores, pass, generatorLimited, why });
      console.error(`  ${kind}: ${n} targets: ${why}; server ${cpuCores.toFixed(2)} cores${pass ? "" : " -> missed"}`);
      if (!pass) break;
    }
    return steps;
  } finally {
    await stopServer(s);
  }
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!existsSync(path.join(repoRoot, "dist/src/cmd/main.js"))) throw new Error("run from the repository root after `npx tsc -p tsconfig.json`");
  const haveProm = existsSync(PROMETHEUS_BIN);
  const havePromtool = existsSync(PROMTOOL_BIN);
  if (!haveProm) console.log(`${PROMETHEUS_BIN} not found: the side-by-side half is skipped; only promstack's figures are printed.`);
  const kinds: Kind[] = haveProm ? ["promstack", "prometheus"] : ["promstack"];
  snapshotBuild();
  const began = performance.now();
  const load0 = loadavg();
  const log = (m: string): void => console.error(`[${((performance.now() - began) / 1000).toFixed(0)}s] ${m}`);
  const targets = await Targets.start();
  const rows: Row[] = [];
  try {
    // 1 and 3: scrape ingest and memory.
    const scrape = new Map<Kind, Outcome<ScrapeResult>>();
    for (const k of kinds) {
      log(`scrape ingest: ${k}, ${TARGETS_A} targets x ${SERIES_PER_TARGET} series every ${INTERVAL_A_S}s for 2 x ${WINDOW_A_MS / 1000}s`);
      scrape.set(k, await attempt(k, "scrape ingest", () => scrapeIngest(k, targets)));
    }
    rows.push({
      name: "scrape ingest",
      ours: figure(scrape, "promstack", (r) => r.samples / r.cpuS),
      theirs: figure(scrape, "prometheus", (r) => r.samples / r.cpuS),
      unit: "samples/CPU-s",
      better: "higher",
      note: notes(kinds, scrape, (r) => `first ${WINDOW_A_MS / 1000} s after ready: ${ingestNote(r)}`),
    });
    rows.push({
      name: "  steady state",
      ours: figure(scrape, "promstack", (r) => r.steady.samples / r.steady.cpuS),
      theirs: figure(scrape, "prometheus", (r) => r.steady.samples / r.steady.cpuS),
      unit: "samples/CPU-s",
      better: "higher",
      note: notes(kinds, scrape, (r) => `the next ${WINDOW_A_MS / 1000} s: ${ingestNote(r.steady)}`),
    });

    // 2: remote write.
    log(`remote write: encoding ${RW_REQUESTS} requests of ${RW_SAMPLES_PER_REQUEST} samples`);
    const bodies = encodeLoad({ workers: RW_WORKERS, series: RW_SERIES, seriesPerRequest: RW_SERIES_PER_REQUEST, samplesPerSeries: RW_SAMPLES_PER_SERIES, requests: RW_REQUESTS });
    const rw = new Map<Kind, Outcome<WriteResult>>();
    for (const k of kinds) {
      log(`remote write: ${k}, ${RW_WORKERS} concurrent senders`);
      rw.set(k, await attempt(k, "remote write", () => remoteWriteIngest(k, bodies)));
      // Without our receiver the row is skipped: there is nothing to compare with.
      const ours = rw.get("promstack");
      if (ours !== undefined && !ours.ok) break;
    }
    rows.push({
      name: "remote-write ingest",
      ours: figure(rw, "promstack", (r) => r.samples / r.seconds),
      theirs: figure(rw, "prometheus", (r) => r.samples / r.seconds),
      unit: "samples/s",
      better: "higher",
      note: notes(
        kinds.filter((k) => rw.has(k)),
        rw,
        (r) => `${fmt(r.samples)} samples in ${r.seconds.toFixed(1)} s, ${(r.cpuS / r.seconds).toFixed(2)} cores, ${r.failed} failed requests`,
      ),
    });

    rows.push({
      name: "memory per active series",
      ours: figure(scrape, "promstack", (r) => r.rss / r.series),
      theirs: figure(scrape, "prometheus", (r) => r.rss / r.series),
      unit: "bytes RSS/series",
      better: "lower",
      note: notes(kinds, scrape, (r) => `${fmt(r.rss / 2 ** 20)} MiB RSS / ${fmt(r.series)} series`),
    });
    rows.push({
      name: "  growth since ready",
      ours: figure(scrape, "promstack", (r) => (r.rss - r.rssReady) / r.series),
      theirs: figure(scrape, "prometheus", (r) => (r.rss - r.rssReady) / r.series),
      unit: "bytes RSS/series",
      better: "lower",
      note: notes(kinds, scrape, (r) => `${fmt(r.rssReady / 2 ** 20)} MiB RSS when ready`),
    });

    // 4: query latency.
    if (!havePromtool) {
      rows.push({ name: "query_range latency", ours: "skipped", theirs: "skipped", unit: "ms", better: "lower", note: `${PROMTOOL_BIN} not found: no backfill` });
    } else {
      log(`query latency: backfilling 2h of ${BACKFILL_INSTANCES * SERIES_PER_TARGET} series with promtool`);
      const data = await backfill();
      const ql = new Map<Kind, Outcome<QueryResult>>();
      for (const k of kinds) {
        log(`query latency: ${k}, ${DASHBOARD_QUERIES.length} queries x up to ${QUERY_ROUNDS} rounds`);
        ql.set(k, await attempt(k, "query latency", () => queryLatency(k, data)));
      }
      rows.push({
        name: "query_range latency p50",
        ours: figure(ql, "promstack", (r) => r.p50),
        theirs: figure(ql, "prometheus", (r) => r.p50),
        unit: "ms",
        better: "lower",
        note:
          `${DASHBOARD_QUERIES.length} queries over ${fmt(data.series)} series, 2h at ${QUERY_STEP_S}s step (${fmt(data.samples)} samples backfilled); ` +
          notes(
            kinds,
            ql,
            (r) =>
              `${r.rounds} rounds, per-query p50 ms [${r.perQueryP50.map((v) => v.toFixed(0)).join(", ")}]${r.errors.length > 0 ? `; ERRORS: ${r.errors.join(" | ")}` : ""}`,
          ),
      });
      rows.push({ name: "query_range latency p95", ours: figure(ql, "promstack", (r) => r.p95), theirs: figure(ql, "prometheus", (r) => r.p95), unit: "ms", better: "lower" });
    }

    // 5: largest sustained scrape load.
    const load = new Map<Kind, Outcome<LoadStep[]>>();
    for (const k of kinds) {
      log(`max scrape load: ${k}, steps ${LOAD_STEPS.join(", ")} targets at 1s`);
      load.set(k, await attempt(k, "max scrape load", () => maxLoad(k, targets)));
    }
    const passedAll = (steps: LoadStep[]): boolean => steps.length === LOAD_STEPS.length && steps.every((st) => st.pass);
    const best = (steps: LoadStep[]): number => {
      const passed = steps.filter((st) => st.pass);
      return passed.length === 0 ? 0 : passed[passed.length - 1]!.targets * SERIES_PER_TARGET;
    };
    rows.push({
      name: "max sustained scrape load",
      ours: figure(load, "promstack", best),
      theirs: figure(load, "prometheus", best),
      unit: "samples/s (1s int.)",
      better: "higher",
      // A lower bound: passed the last step, or missed one only because the target process was saturated.
      atCap: kinds.filter((k) => {
        const o = load.get(k)!;
        return o.ok && (passedAll(o.value) || o.value[o.value.length - 1]!.generatorLimited);
      }),
      note:
        notes(kinds, load, (steps) => {
          const last = steps[steps.length - 1]!;
          return last.pass
            ? `passed every step up to the cap of ${last.targets} targets (${last.cpuCores.toFixed(2)} cores there)`
            : last.generatorLimited
              ? `limited by the target generator at ${last.targets} targets (${last.why}): at least the last step passed`
              : `missed at ${last.targets} targets (${last.why})`;
        }) + `; one ${LOAD_WINDOW_MS / 1000}s window per step, pass = at least ${LOAD_PASS_RATIO * 100}% of expected scrapes and samples`,
    });
  } finally {
    targets.stop();
  }
  const load1 = loadavg();
  console.log("");
  console.log(
    `Server benchmark (promstack vs ${haveProm ? "Prometheus 2.42" : "nothing"}), ${((performance.now() - began) / 1000).toFixed(0)} s, load average ${load0[0]!.toFixed(1)} at start, ${load1[0]!.toFixed(1)} at end (2 cores, shared)`,
  );
  printTable(rows);
  if (phaseFailures.count > 0) {
    console.log(`${phaseFailures.count} phase(s) failed; the servers' logs are in ${work}`);
    process.exitCode = 1;
  } else {
    rmSync(work, { recursive: true, force: true });
  }
}

if (isTargetProcess) {
  await serveTargets();
} else {
  try {
    await main();
  } catch (e) {
    console.error(e);
    console.error(`work directory kept: ${work}`);
    process.exitCode = 1;
  }
}
