/**
 * TSDB benchmark, side by side with Prometheus 2.42 (Debian's prometheus
 * package) on the same machine and the same data: `npm run bench`, or
 * `npx tsc -p tsconfig.json && node dist/src/tsdb/tsdb.bench.js`.
 *
 * (a) Bytes per sample on disk: one OpenMetrics file (BACKFILL_SERIES
 *     series, 2h at 15s: half counters with integer steps, half gauges with
 *     two decimals, seeded) is backfilled by `promtool tsdb
 *     create-blocks-from openmetrics` and by ours; the figure is the size of
 *     the resulting block directories over the samples in them. Wall time
 *     and CPU time (ours in process; promtool's as its shell's cutime +
 *     cstime) of each backfill are reported too.
 * (b) WAL replay: one WAL directory written with our WAL writer (snappy
 *     records, as both write by default): as many series as fit in
 *     WAL_GEN_BUDGET_MS of generation (at most WAL_MAX_SERIES), 3 samples
 *     each. A copy is opened by each: Prometheus started on it (dummy
 *     config) and polled on /-/ready every 20 ms; ours (openDB) in a child
 *     process that says when it is ready. Replay time is from spawn to
 *     ready (process start included on both sides), CPU time likewise
 *     (process.cpuUsage / utime + stime); resident memory per
 *     series is VmRSS of the process at ready (no forced GC on either side)
 *     over the series in the head (Prometheus's from /api/v1/status/tsdb).
 * (c) Appender throughput, ours only (in process): APPEND_SERIES series,
 *     APPEND_SCRAPES commits of one sample each, refs cached as the scrape
 *     loop does, WAL on disk; samples per CPU-second (process.cpuUsage,
 *     user + system).
 *
 * Wall times depend on the load of the machine (other processes share the
 * 2 cores); CPU times much less. Sizes can be changed with the environment variables of the same names.
 * The Prometheus half is skipped with a message when /usr/bin/prometheus
 * or /usr/bin/promtool is absent. Prints a table: ours, Prometheus, and
 * the ratio oriented so that above 1 means ours is better.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Labels } from "../model/index.ts";
import { envInt, seededRandom } from "../util/index.ts";
import { Encbuf, RefSamples, Wlog, WalCompression, createBlocksFromOpenMetrics, encodeSamples, encodeSeries, openDB, type RefSeries } from "./index.ts";

const PROMETHEUS = "/usr/bin/prometheus";
const PROMTOOL = "/usr/bin/promtool";
const BACKFILL_SERIES = envInt("BACKFILL_SERIES", 2000);
const WAL_MAX_SERIES = envInt("WAL_MAX_SERIES", 1_000_000);
const WAL_GEN_BUDGET_MS = envInt("WAL_GEN_BUDGET_MS", 60_000);
const APPEND_SERIES = envInt("APPEND_SERIES", 10_000);
const APPEND_SCRAPES = envInt("APPEND_SCRAPES", 200);
const SCRAPE_MS = 15_000;
const HOUR = 3_600_000;
/** Samples per series in the WAL of (b). */
const WAL_SAMPLES = 3;

const self = fileURLToPath(import.meta.url);

// --- child: open a data directory, report replay -------------------------

if (process.argv[2] === "--replay-child") {
  const dir = process.argv[3]!;
  const t0 = performance.now();
  const db = await openDB(dir, { backgroundCompaction: false, retentionMs: 0 });
  const openMs = performance.now() - t0;
  const rss = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(JSON.stringify({ ready: true, openMs, rss, cpuS, series: db.head.numSeries, samples: db.head.stats.replayedSamples }) + "\n");
  await db.close();
  process.exit(0);
}

// --- helpers ---------------------------------------------------------------

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

/** Bytes and samples of the block directories (ULID names) in dir. */
function blocksBytesAndSamples(dir: string): { bytes: number; samples: number; blocks: number } {
  let bytes = 0;
  let samples = 0;
  let blocks = 0;
  for (const n of fs.readdirSync(dir)) {
    if (!/^[0-9A-Z]{26}$/.test(n)) continue;
    blocks++;
    bytes += dirBytes(path.join(dir, n));
    const meta = JSON.parse(fs.readFileSync(path.join(dir, n, "meta.json"), "utf8")) as { stats: { numSamples: number } };
    samples += meta.stats.numSamples;
  }
  return { bytes, samples, blocks };
}

function log(msg: string): void {
  process.stdout.write(`[tsdb bench] ${msg}\n`);
}

function freePort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU seconds (user + system) a live process has used, from /proc/<pid>/stat. */
function procCPU(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name.
  return (Number(f[11]) + Number(f[12])) / USER_HZ;
}

/**
 * Runs a command through sh and returns its wall and CPU seconds: the
 * shell's cutime + cstime (fields 16, 17 of /proc/<sh>/stat) after it
 * waited for the command. Throws with stderr when the command fails.
 */
function runTimed(argv: string[]): { wallS: number; cpuS: number } {
  const t0 = performance.now();
  const script = '"$@" >/dev/null || exit $?; cat /proc/$$/stat';
  const r = spawnSync("sh", ["-c", script, "sh", ...argv], { encoding: "utf8" });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr}`);
  const f = r.stdout.slice(r.stdout.lastIndexOf(")") + 2).split(" ");
  return { wallS, cpuS: (Number(f[13]) + Number(f[14])) / USER_HZ };
}

function vmRSS(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? Number.NaN : Number(m[1]) * 1024;
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once("exit", () => r()));
  p.kill("SIGTERM");
  const timer = setTimeout(() => p.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

// --- (a) backfill ------------------------------------------------------------

/** The OpenMetrics input of (a): 2h at 15s, block-aligned, counters and gauges. */
function writeOpenMetrics(file: string, series: number): number {
  const rand = seededRandom(7);
  const t0 = 1_700_006_400; // a multiple of 2h, in seconds
  const steps = (2 * HOUR) / SCRAPE_MS;
  const fd = fs.openSync(file, "w");
  let samples = 0;
  let buf = "";
  const flush = (): void => {
    fs.writeSync(fd, buf);
    buf = "";
  };
  const counters = Math.floor(series / 2);
  buf += "# HELP bench_requests_total Requests.\n# TYPE bench_requests_total counter\n";
  for (let i = 0; i < counters; i++) {
    const name = `bench_requests_total{instance="host-${i % 50}:9100",job="bench",handler="/api/v${i}"}`;
    let v = Math.floor(rand() * 1000);
    for (let k = 0; k < steps; k++) {
      v += Math.floor(rand() * 20);
      buf += `${name} ${v} ${t0 + k * 15}\n`;
    }
    samples += steps;
    if (buf.length > 1 << 20) flush();
  }
  buf += "# HELP bench_temperature A gauge.\n# TYPE bench_temperature gauge\n";
  for (let i = counters; i < series; i++) {
    const name = `bench_temperature{instance="host-${i % 50}:9100",job="bench",sensor="s${i}"}`;
    let v = 20 + rand() * 10;
    for (let k = 0; k < steps; k++) {
      v += (rand() - 0.5) * 0.2;
      buf += `${name} ${v.toFixed(2)} ${t0 + k * 15}\n`;
    }
    samples += steps;
    if (buf.length > 1 << 20) flush();
  }
  buf += "# EOF\n";
  flush();
  fs.closeSync(fd);
  return samples;
}

interface Row {
  what: string;
  ours: number;
  theirs: number | null;
  unit: string;
  /** Whether a lower figure is better (bytes, time, memory). */
  lowerIsBetter: boolean;
}

async function benchBackfill(work: string, havePrometheus: boolean): Promise<Row[]> {
  const om = path.join(work, "backfill.om");
  const samples = writeOpenMetrics(om, BACKFILL_SERIES);
  log(`(a) OpenMetrics file: ${BACKFILL_SERIES} series, ${samples} samples, ${(fs.statSync(om).size / 1e6).toFixed(1)} MB`);
  const oursDir = path.join(work, "backfill-ours");
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  await createBlocksFromOpenMetrics(om, oursDir, { quiet: true });
  const cpu = process.cpuUsage(cpu0);
  const ours = { wallS: (performance.now() - t) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 };
  const o = blocksBytesAndSamples(oursDir);
  if (o.samples !== samples) throw new Error(`BUG: our backfill has ${o.samples} samples, want ${samples}`);
  let theirs: { bytes: number; samples: number } | null = null;
  let timed: { wallS: number; cpuS: number } | null = null;
  if (havePrometheus) {
    const theirsDir = path.join(work, "backfill-promtool");
    timed = runTimed([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", "-q", om, theirsDir]);
    theirs = blocksBytesAndSamples(theirsDir);
    if (theirs.samples !== samples) throw new Error(`promtool's backfill has ${theirs.samples} samples, want ${samples}`);
  }
  fs.rmSync(om, { force: true });
  return [
    { what: "(a) block bytes per sample", ours: o.bytes / o.samples, theirs: theirs === null ? null : theirs.bytes / theirs.samples, unit: "B", lowerIsBetter: true },
    { what: "(a) backfill wall time", ours: ours.wallS, theirs: timed?.wallS ?? null, unit: "s", lowerIsBetter: true },
    { what: "(a) backfill CPU time", ours: ours.cpuS, theirs: timed?.cpuS ?? null, unit: "s", lowerIsBetter: true },
  ];
}

// --- (b) WAL replay ------------------------------------------------------------

/** Writes the WAL of (b) into dir/wal; returns the number of series. */
function writeWal(dir: string): number {
  const wal = Wlog.open(path.join(dir, "wal"), { compression: WalCompression.Snappy });
  const enc = new Encbuf(1 << 20);
  const batch = 1000;
  const tEnd = Math.floor(Date.now() / SCRAPE_MS) * SCRAPE_MS - SCRAPE_MS;
  const started = performance.now();
  let n = 0;
  const refs: RefSeries[] = [];
  const samples = new RefSamples(batch * WAL_SAMPLES);
  while (n < WAL_MAX_SERIES && performance.now() - started < WAL_GEN_BUDGET_MS) {
    refs.length = 0;
    for (let i = 0; i < batch; i++) {
      const id = n + i;
      refs.push({
        ref: id + 1,
        labels: Labels.fromStrings(
          "__name__",
          `bench_metric_${id % 100}`,
          "instance",
          `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}:9100`,
          "job",
          "node",
          "pod",
          `pod-${Math.floor(id / 100)}`,
        ),
      });
    }
    enc.reset();
    encodeSeries(enc, refs);
    wal.log(enc.get());
    for (let k = 0; k < WAL_SAMPLES; k++) {
      samples.clear();
      for (let i = 0; i < batch; i++) samples.push(n + i + 1, tEnd - (WAL_SAMPLES - 1 - k) * SCRAPE_MS, (n + i) * 0.5 + k);
      enc.reset();
      encodeSamples(enc, samples);
      wal.log(enc.get());
    }
    n += batch;
  }
  wal.close();
  return n;
}

/** Spawns our replay child on dir: wall time to ready, its RSS and head series. */
interface Replay {
  ms: number;
  cpuS: number;
  rss: number;
  series: number;
}

async function replayOurs(dir: string): Promise<Replay> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ["--max-old-space-size=16384", self, "--replay-child", dir], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      const i = out.indexOf("\n");
      if (i >= 0) resolve(out.slice(0, i));
    });
    child.once("exit", (code) => reject(new Error(`replay child exited with ${code} before ready`)));
  });
  const ms = performance.now() - t0;
  const r = JSON.parse(line) as { rss: number; cpuS: number; series: number };
  await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
  return { ms, cpuS: r.cpuS, rss: r.rss, series: r.series };
}

/** Starts Prometheus on dir: wall time to /-/ready, VmRSS then, head series. */
async function replayPrometheus(dir: string, work: string): Promise<Replay> {
  const cfg = path.join(work, "prometheus.yml");
  fs.writeFileSync(cfg, "global:\n  scrape_interval: 1h\n");
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const p = spawn(PROMETHEUS, [`--config.file=${cfg}`, `--storage.tsdb.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, "--storage.tsdb.retention.time=1y"], {
    stdio: "ignore",
  });
  try {
    for (;;) {
      try {
        if ((await fetch(`${base}/-/ready`)).ok) break;
      } catch {
        // Not listening yet.
      }
      if (p.exitCode !== null) throw new Error(`prometheus exited with ${p.exitCode}`);
      if (performance.now() - t0 > 300_000) throw new Error("prometheus did not become ready in 5 minutes");
      await sleep(20);
    }
    const ms = performance.now() - t0;
    const rss = vmRSS(p.pid!);
    const cpuS = procCPU(p.pid!);
    const st = (await (await fetch(`${base}/api/v1/status/tsdb`)).json()) as { data: { headStats: { numSeries: number } } };
    return { ms, cpuS, rss, series: st.data.headStats.numSeries };
  } finally {
    await stop(p);
  }
}

async function benchReplay(work: string, havePrometheus: boolean): Promise<Row[]> {
  const src = path.join(work, "wal-src");
  const t = performance.now();
  const series = writeWal(src);
  log(`(b) WAL: ${series} series x ${WAL_SAMPLES} samples, ${(dirBytes(src) / 1e6).toFixed(1)} MB, written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const oursDir = path.join(work, "wal-ours");
  fs.cpSync(src, oursDir, { recursive: true });
  const o = await replayOurs(oursDir);
  if (o.series !== series) throw new Error(`BUG: our head has ${o.series} series after replay, want ${series}`);
  fs.rmSync(oursDir, { recursive: true, force: true });
  let th: Replay | null = null;
  if (havePrometheus) {
    const theirsDir = path.join(work, "wal-prometheus");
    fs.cpSync(src, theirsDir, { recursive: true });
    th = await replayPrometheus(theirsDir, work);
    if (th.series !== series) throw new Error(`Prometheus's head has ${th.series} series after replay, want ${series}`);
    fs.rmSync(theirsDir, { recursive: true, force: true });
  }
  fs.rmSync(src, { recursive: true, force: true });
  return [
    { what: `(b) WAL replay, ${series} series (to ready)`, ours: o.ms / 1000, theirs: th === null ? null : th.ms / 1000, unit: "s", lowerIsBetter: true },
    { what: "(b) WAL replay CPU time (to ready)", ours: o.cpuS, theirs: th === null ? null : th.cpuS, unit: "s", lowerIsBetter: true },
    { what: "(b) resident memory per series", ours: o.rss / series, theirs: th === null ? null : th.rss / series, unit: "B", lowerIsBetter: true },
  ];
}

// --- (c) appender ----------------------------------------------------------------

async function benchAppender(work: string): Promise<Row[]> {
  const dir = path.join(work, "append");
  const db = await openDB(dir, { backgroundCompaction: false, retentionMs: 0 });
  const lsets: Labels[] = [];
  for (let i = 0; i < APPEND_SERIES; i++) {
    lsets.push(Labels.fromStrings("__name__", `app_metric_${i % 50}`, "instance", `host-${i % 100}:9100`, "job", "bench", "series", String(i)));
  }
  const refs = new Float64Array(APPEND_SERIES);
  const rand = seededRandom(3);
  const vals = new Float64Array(APPEND_SERIES);
  for (let i = 0; i < APPEND_SERIES; i++) vals[i] = Math.floor(rand() * 1000);
  const t0 = Math.floor(Date.now() / SCRAPE_MS) * SCRAPE_MS - APPEND_SCRAPES * SCRAPE_MS;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let n = 0;
  for (let k = 0; k < APPEND_SCRAPES; k++) {
    const app = db.appender();
    const t = t0 + k * SCRAPE_MS;
    for (let i = 0; i < APPEND_SERIES; i++) {
      vals[i]! += (i & 7) + 1;
      const r = app.append(refs[i]!, lsets[i]!, t, vals[i]!);
      if (r === 0) throw new Error("BUG: sample rejected");
      refs[i] = r;
    }
    await app.commit();
    n += APPEND_SERIES;
  }
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - wall0) / 1000;
  await db.close();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  log(`(c) appended ${n} samples in ${wallS.toFixed(2)} s wall, ${cpuS.toFixed(2)} CPU-s`);
  return [{ what: "(c) appender samples per CPU-second", ours: n / cpuS, theirs: null, unit: "", lowerIsBetter: false }];
}

// --- main --------------------------------------------------------------------

function fmt(v: number | null, unit: string): string {
  if (v === null) return "—";
  const s = v >= 1e5 ? Math.round(v).toLocaleString("en-US") : v >= 100 ? v.toFixed(0) : v.toFixed(2);
  return unit === "" ? s : `${s} ${unit}`;
}

function printTable(rows: Row[]): void {
  const header = ["figure", "promstack", "Prometheus 2.42", "ratio (>1: ours better)"];
  const lines = rows.map((r) => {
    const ratio = r.theirs === null ? "—" : (r.lowerIsBetter ? r.theirs / r.ours : r.ours / r.theirs).toFixed(2);
    return [r.what, fmt(r.ours, r.unit), fmt(r.theirs, r.unit), ratio];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  console.log(row(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|")}|`);
  for (const l of lines) console.log(row(l));
}

const havePrometheus = fs.existsSync(PROMETHEUS) && fs.existsSync(PROMTOOL);
if (!havePrometheus) log(`${PROMETHEUS} or ${PROMTOOL} is absent (apt-get install prometheus): the Prometheus half is skipped`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "promstack-tsdb-bench-"));
try {
  const rows: Row[] = [];
  rows.push(...(await benchBackfill(work, havePrometheus)));
  rows.push(...(await benchReplay(work, havePrometheus)));
  rows.push(...(await benchAppender(work)));
  console.log(`\nTSDB benchmark (${os.cpus().length} CPUs, Node ${process.version})\n`);
  printTable(rows);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
