/**
 * Helpers shared by the side-by-side benchmarks of the Prometheus server
 * (server.bench.ts, remote.bench.ts): starting promstack (from a snapshot
 * of the build) or /usr/bin/prometheus in a scratch directory, reading a
 * process tree's CPU time and resident memory from /proc, summing a metric
 * of /metrics, the remote write 1.0 wire format, and the result table.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, cpSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import path from "node:path";
import protobuf from "protobufjs";
import { compressSync } from "snappy";

/** Debian's Prometheus 2.42. */
export const PROMETHEUS_BIN = "/usr/bin/prometheus";

/** Which server a run is. */
export type Kind = "promstack" | "prometheus";

/** A running server under test. */
export interface ServerRun {
  kind: Kind;
  proc: ChildProcess;
  base: string;
  dataDir: string;
  configFile: string;
}

/** Clock ticks per second of /proc/<pid>/stat, read once. */
let clkTck = 0;

/** Resolves after ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port free at the time of the call. */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * Copies what `node bin/promstack` needs into work/app, so a rebuild of
 * dist/ by someone else while the bench runs does not break it.
 */
export function snapshotBuild(work: string, repoRoot: string): void {
  const app = path.join(work, "app");
  cpSync(path.join(repoRoot, "bin"), path.join(app, "bin"), { recursive: true });
  cpSync(path.join(repoRoot, "package.json"), path.join(app, "package.json"));
  cpSync(path.join(repoRoot, "dist/src"), path.join(app, "dist/src"), {
    recursive: true,
    filter: (f) => !/\.(test|bench)\.js$|\.map$/.test(f),
  });
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(app, "node_modules"), "dir");
}

/** Options of startServer. */
export interface StartOptions {
  /** --web.enable-remote-write-receiver. */
  remoteWrite?: boolean;
  /** A data directory copied in before the start. */
  seedDir?: string;
  /** Extra flags (both servers). */
  flags?: string[];
  /** Extra node flags for promstack (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

/** How often startServer asks /-/ready. */
const READY_POLL_MS = 10;

/**
 * Starts one server in work/<phase>-<kind> with config (the YAML text),
 * its log in work/<phase>-<kind>.log, and waits until /-/ready answers 200
 * (at most 120 s). promstack runs from the snapshot of snapshotBuild.
 */
export async function startServer(work: string, kind: Kind, phase: string, config: string, opts: StartOptions = {}): Promise<ServerRun> {
  const dir = path.join(work, `${phase}-${kind}`);
  const dataDir = path.join(dir, "data");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (opts.seedDir !== undefined) cpSync(opts.seedDir, dataDir, { recursive: true });
  const configFile = path.join(work, `${phase}-${kind}.yml`);
  writeFileSync(configFile, config);
  const port = await freePort();
  const flags = [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, "--web.enable-lifecycle", ...(opts.flags ?? [])];
  if (opts.remoteWrite === true) flags.push("--web.enable-remote-write-receiver");
  const logFile = path.join(work, `${phase}-${kind}.log`);
  const log = openSync(logFile, "w");
  const proc =
    kind === "promstack"
      ? spawn(process.execPath, [...(opts.nodeFlags ?? []), path.join(work, "app/bin/promstack"), "prometheus", ...flags], { stdio: ["ignore", log, log], cwd: dir })
      : spawn(PROMETHEUS_BIN, flags, { stdio: ["ignore", log, log] });
  closeSync(log);
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const deadline = Date.now() + 120_000;
  // Polled often: promstack starts scraping the moment it is ready, and
  // what it does before the poll sees 200 (up to one poll interval of its
  // costliest CPU) falls outside the first window of the scrape phase.
  // Prometheus's first scrapes come about 5 s after ready.
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${kind} exited with ${proc.exitCode}; see ${logFile}`);
    try {
      const r = await fetch(`${base}/-/ready`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${kind} not ready after 120 s`);
    await sleep(READY_POLL_MS);
  }
  console.error(`  ${kind} ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { kind, proc, base, dataDir, configFile };
}

/** SIGTERM, then SIGKILL after 30 s; waits for the exit. */
export async function stopServer(s: ServerRun): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => s.proc.once("exit", () => resolve()));
  const started = performance.now();
  s.proc.kill("SIGTERM");
  const killed = await Promise.race([exited.then(() => false), sleep(30_000).then(() => true)]);
  if (killed) {
    console.error(`  ${s.kind} still running 30 s after SIGTERM: killed`);
    s.proc.kill("SIGKILL");
    await exited;
  }
  console.error(`  ${s.kind} stopped in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** The process and its descendants (bin/promstack may re-run itself under a cgroup memory limit). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${out[i]}/task/${t}/children`, "utf8").trim().split(/\s+/)) if (c !== "") out.push(Number(c));
      } catch {
        // the task ended
      }
    }
  }
  return out;
}

/** CPU seconds (user + system) of the process tree of pid, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  if (clkTck === 0) clkTck = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]); // utime, stime: fields 14 and 15
    } catch {
      // the process ended
    }
  }
  return ticks / clkTck;
}

/** CPU seconds (user + system) of the server's process tree. */
export function cpuSeconds(s: ServerRun): number {
  return cpuSecondsOf(s.proc.pid!);
}

/** Resident memory of the server's process tree, bytes. */
export function rssBytes(s: { proc: ChildProcess }): number {
  let kb = 0;
  for (const pid of processTree(s.proc.pid!)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m !== null) kb += Number(m[1]);
    } catch {
      // the process ended
    }
  }
  return kb * 1024;
}

/**
 * The sum over all label sets of a metric in the server's /metrics. With
 * missingIsZero, an absent metric is 0: Prometheus 2.42 shows no
 * prometheus_tsdb_head_samples_appended_total{type="float"} before the
 * first append.
 */
export async function metric(s: ServerRun, name: string, missingIsZero = false): Promise<number> {
  const text = await (await fetch(`${s.base}/metrics`)).text();
  let sum = 0;
  let found = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    const v = Number(rest.slice(rest.lastIndexOf(" ") + 1));
    if (Number.isFinite(v)) {
      sum += v;
      found = true;
    }
  }
  if (!found && !missingIsZero) throw new Error(`${s.kind}: ${name} missing from /metrics`);
  return sum;
}

/** A phase that cannot run on a server (a missing feature), as opposed to one that failed. */
export class SkipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SkipError";
  }
}

// ---------------------------------------------------------------------------
// Remote write 1.0 requests.

/** The remote write 1.0 messages, for protobufjs. */
export const WRITE_PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

/** The headers of a remote write 1.0 request. */
export const RW_HEADERS = {
  "Content-Type": "application/x-protobuf",
  "Content-Encoding": "snappy",
  "X-Prometheus-Remote-Write-Version": "0.1.0",
};

/** The shape of a remote-write load sent by encodeWriteRequests. */
export interface WriteLoad {
  /** Concurrent senders; each owns series/workers series, so each series' samples stay in order. */
  workers: number;
  series: number;
  seriesPerRequest: number;
  samplesPerSeries: number;
  /** Requests in all (spread over the workers). */
  requests: number;
}

/**
 * Pre-encoded remote-write bodies (snappy protobuf), per worker, in send
 * order: worker w cycles through its groups of seriesPerRequest series,
 * each request carrying samplesPerSeries consecutive samples (1 s apart,
 * starting 30 minutes ago) of each.
 */
export function encodeWriteRequests(load: WriteLoad): Buffer[][] {
  const WriteRequest = protobuf.parse(WRITE_PROTO).root.lookupType("prometheus.WriteRequest");
  const perWorker = load.series / load.workers;
  const groups = perWorker / load.seriesPerRequest;
  const t0 = Date.now() - 30 * 60_000;
  const out: Buffer[][] = [];
  for (let w = 0; w < load.workers; w++) {
    const bodies: Buffer[] = [];
    for (let k = 0; k < load.requests / load.workers; k++) {
      const group = k % groups;
      const block = Math.floor(k / groups);
      const timeseries = [];
      for (let j = 0; j < load.seriesPerRequest; j++) {
        const id = w * perWorker + group * load.seriesPerRequest + j;
        const samples = [];
        for (let n = 0; n < load.samplesPerSeries; n++) {
          const step = block * load.samplesPerSeries + n;
          samples.push({ value: id + step * 0.5, timestamp: t0 + step * 1000 });
        }
        timeseries.push({
          labels: [
            { name: "__name__", value: "bench_rw_samples" },
            { name: "instance", value: `writer-${w}` },
            { name: "job", value: "remote" },
            { name: "series", value: String(id) },
          ],
          samples,
        });
      }
      bodies.push(compressSync(Buffer.from(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish()), { copyOutputData: true }));
    }
    out.push(bodies);
  }
  return out;
}

/** Whether the server answers 204 to a small valid write request, and what it said. */
export async function acceptsRemoteWrite(s: ServerRun): Promise<{ ok: boolean; why: string }> {
  const WriteRequest = protobuf.parse(WRITE_PROTO).root.lookupType("prometheus.WriteRequest");
  const body = compressSync(
    Buffer.from(
      WriteRequest.encode(
        WriteRequest.fromObject({ timeseries: [{ labels: [{ name: "__name__", value: "bench_rw_probe" }], samples: [{ value: 1, timestamp: Date.now() - 60_000 }] }] }),
      ).finish(),
    ),
    { copyOutputData: true },
  );
  const r = await fetch(`${s.base}/api/v1/write`, { method: "POST", headers: RW_HEADERS, body });
  const text = await r.text();
  return { ok: r.status === 204, why: `POST /api/v1/write answered ${r.status} ${text.trim()}` };
}

/** Sends each worker's bodies in order, the workers concurrently, until done or maxMs passed; returns the seconds taken and the non-204 answers. */
export async function sendWriteRequests(base: string, bodies: Buffer[][], maxMs: number): Promise<{ seconds: number; failed: number; sent: number }> {
  const t0 = performance.now();
  let failed = 0;
  let sent = 0;
  await Promise.all(
    bodies.map(async (list) => {
      for (const body of list) {
        if (performance.now() - t0 > maxMs) return;
        const r = await fetch(`${base}/api/v1/write`, { method: "POST", headers: RW_HEADERS, body });
        await r.arrayBuffer();
        sent++;
        if (r.status !== 204) failed++;
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, failed, sent };
}

// ---------------------------------------------------------------------------
// The table.

/** One row of the result table. */
export interface Row {
  name: string;
  ours: number | string;
  theirs: number | string;
  unit: string;
  better: "higher" | "lower";
  /** Servers whose figure is only a lower bound (they passed the last step of a load test). */
  atCap?: Kind[];
  note?: string;
}

/** A figure for the table: thousands separated, 1 or 2 decimals when small. */
export function fmt(v: number | string): string {
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Prints the rows as a markdown table with the ratio ours/theirs and a verdict, then the notes. */
export function printTable(rows: Row[], theirsName = "prometheus 2.42"): void {
  const header = ["metric", "promstack", theirsName, "unit", "ours/theirs", "better", "verdict"];
  const body = rows.map((r) => {
    let ratio = "n/a";
    let verdict = "n/a";
    const oursCap = r.atCap?.includes("promstack") === true;
    const theirsCap = r.atCap?.includes("prometheus") === true;
    if (typeof r.ours === "number" && typeof r.theirs === "number" && r.theirs !== 0) {
      const q = r.ours / r.theirs;
      const good = r.better === "higher" ? q >= 1 : q <= 1;
      const factor = (r.better === "higher" ? 1 / q : q).toFixed(1);
      if (oursCap && theirsCap) {
        ratio = "n/a";
        verdict = "both at the cap";
      } else if (theirsCap) {
        // Theirs is a lower bound (higher is better here): ours/theirs is at most q.
        ratio = `<= ${q.toFixed(2)}`;
        verdict = good ? "ours as good or better" : `ours >= ${factor}x worse`;
      } else if (oursCap) {
        ratio = `>= ${q.toFixed(2)}`;
        verdict = good ? "ours as good or better" : `ours <= ${factor}x worse`;
      } else {
        ratio = q.toFixed(2);
        verdict = Math.abs(q - 1) < 0.05 ? "about equal" : good ? "ours better" : `ours ${factor}x worse`;
      }
    }
    const val = (v: number | string, cap: boolean): string => (cap ? `>= ${fmt(v)}` : fmt(v));
    return [r.name, val(r.ours, oursCap), val(r.theirs, theirsCap), r.unit, ratio, r.better, verdict];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  console.log(line(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const b of body) console.log(line(b));
  for (const r of rows) if (r.note !== undefined) console.log(`- ${r.name}: ${r.note}`);
}

/** A phase's figures for one server, or why there are none (the error, or a skip message). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; why: string };

/** Phases that failed (not skipped) so far: a bench keeps its scratch directory and exits 1 when there are any. */
export const phaseFailures = { count: 0 };

/** Runs one server's part of a phase; a failure is reported in the table (and counted) instead of ending the bench. */
export async function attempt<T>(kind: Kind, phase: string, fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (e instanceof SkipError) {
      console.error(`  ${kind} ${phase} skipped: ${why}`);
      return { ok: false, why: `skipped: ${why}` };
    }
    console.error(`  ${kind} ${phase} failed: ${why}`);
    phaseFailures.count++;
    return { ok: false, why: `failed: ${why}` };
  }
}

/** One server's figure for a row: a number, "-" without that server, or "error"/"skipped". */
export function figure<T>(m: Map<Kind, Outcome<T>>, k: Kind, f: (v: T) => number): number | string {
  const o = m.get(k);
  if (o === undefined) return "-";
  if (!o.ok) return o.why.startsWith("skipped") ? "skipped" : "error";
  return f(o.value);
}

/** The note of a row: per server, its details or why it has none. */
export function notes<T>(kinds: Kind[], m: Map<Kind, Outcome<T>>, f: (v: T) => string): string {
  return kinds
    .map((k) => {
      const o = m.get(k)!;
      return `${k} ${o.ok ? f(o.value) : o.why}`;
    })
    .join("; ");
}
