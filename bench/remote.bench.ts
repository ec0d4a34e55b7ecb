/**
 * Remote write benchmark, side by side with Prometheus: `npm run bench`
 * (or `npm run bench -- remote`), or `npx tsc -p tsconfig.json && node
 * dist/bench/remote.bench.js` from the repository root.
 *
 * Runs promstack's server (`bin/promstack prometheus`, from a snapshot of
 * the build) and /usr/bin/prometheus (Debian's 2.42) in turn, never at the
 * same time (the machine has 2 cores), and prints both figures and the
 * ratio ours/theirs for:
 *
 * 1. sending: each server scrapes the same TARGETS synthetic targets of
 *    SERIES_PER_TARGET series (100,000 active series) every SCRAPE_S and
 *    remote-writes them, with the same queue_config, to a sink (a separate
 *    process that snappy-decodes every request and counts its samples by
 *    walking the protobuf). Figures:
 *    - samples per second sent at steady state over WINDOW_MS (it keeps up
 *      when this equals the ingest rate);
 *    - the largest send rate: the sink refuses (503) for OUTAGE_MS, then
 *      accepts; samples sent per second from its first accepted request
 *      to the one that completes the backlog, timed by the sink (the
 *      queue's catch-up speed);
 *    - CPU-seconds per million samples sent: the server's CPU over the
 *      steady window, less what the same scrape load costs it without
 *      remote_write (a separate run, scaled by samples appended), divided
 *      by the samples sent;
 * 2. receiving: pre-encoded remote write 1.0 requests for RW_SERIES series
 *    (RW_SAMPLES_PER_REQUEST samples each) POSTed to /api/v1/write by
 *    RW_WORKERS concurrent senders, each owning a shard of the series so
 *    every series' samples stay in order: samples appended per wall second,
 *    and CPU-seconds per million samples accepted.
 *
 * BENCH_CPU_PROF=1 runs promstack with --cpu-prof in the sending and
 * receiving phases and prints where the profiles went (in the scratch
 * directory, kept then); BENCH_KINDS=promstack runs only promstack and
 * BENCH_PHASES=send or recv only that phase (for profiling rounds).
 *
 * The machine is shared: the load average is printed with the table; read
 * ratios of less than 2x with care.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { uncompressSync } from "snappy";
import {
  acceptsRemoteWrite,
  attempt,
  cpuSeconds,
  encodeWriteRequests,
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
  sendWriteRequests,
  type ServerRun,
  SkipError,
  sleep,
  snapshotBuild,
  startServer,
  stopServer,
} from "./common.ts";

const TARGETS = 100;
const SERIES_PER_TARGET = 1000;
const SCRAPE_S = 5;
/** Scrapes before the steady window: the first ones create the series. */
const WARMUP_MS = 20_000;
const WINDOW_MS = 30_000;
const OUTAGE_MS = 60_000;
/** The longest wait for the backlog to be sent after the outage. */
const DRAIN_MAX_MS = 90_000;
const APPENDED = "prometheus_tsdb_head_samples_appended_total";
/** The same queue for both (upstream 3.x's defaults, which 2.42 would otherwise not share). */
const QUEUE_CONFIG = ["    queue_config:", "      capacity: 10000", "      max_shards: 50", "      min_shards: 1", "      max_samples_per_send: 2000", "      batch_send_deadline: 5s"];

const RW_WORKERS = 4;
const RW_SERIES = 100_000;
const RW_SERIES_PER_REQUEST = 500;
const RW_SAMPLES_PER_SERIES = 4;
const RW_SAMPLES_PER_REQUEST = RW_SERIES_PER_REQUEST * RW_SAMPLES_PER_SERIES;
/** 2M samples, 20 per series. */
const RW_REQUESTS = 1000;
const RW_MAX_MS = 60_000;

// ---------------------------------------------------------------------------
// Child processes: the targets and the sink (this file with a flag).

/** Messages between the bench and its children. */
type ChildMessage =
  | { kind: "ports"; ports: number[] }
  | { kind: "refuse"; refuse: boolean }
  | { kind: "get-counts" }
  | { kind: "counts"; counts: Record<string, SinkCounts> };

/** What the sink saw from one sender (the first path segment). */
interface SinkCounts {
  samples: number;
  requests: number;
  refused: number;
  /** Since the sink last started accepting again: [epoch ms, samples so far] at each accepted request. */
  accepted: Array<[number, number]>;
}

/** The targets: TARGETS listeners serving the same body of SERIES_PER_TARGET gauges, rebuilt every 100 ms. */
async function serveTargets(): Promise<void> {
  let tick = -1;
  let body = Buffer.alloc(0);
  const handler = (_req: IncomingMessage, res: ServerResponse): void => {
    const now = Math.floor(Date.now() / 100);
    if (now !== tick) {
      tick = now;
      const parts = ["# HELP bench_value A value.\n# TYPE bench_value gauge\n"];
      for (let i = 0; i < SERIES_PER_TARGET; i++) parts.push(`bench_value{idx="${i}",group="g${i % 10}"} ${(i * 7919 + now) % 100_000}\n`);
      body = Buffer.from(parts.join(""));
    }
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Content-Length": body.length });
    res.end(body);
  };
  const ports: number[] = [];
  for (let i = 0; i < TARGETS; i++) {
    const s = createServer(handler);
    s.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    ports.push((s.address() as AddressInfo).port);
  }
  process.on("disconnect", () => process.exit(0));
  process.send?.({ kind: "ports", ports } satisfies ChildMessage);
}

/** Reads a protobuf varint at p; returns [value, next offset]. */
function varint(b: Buffer, p: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const c = b[p++]!;
    v += (c & 0x7f) * mul;
    if (c < 0x80) return [v, p];
    mul *= 128;
  }
}

/** Samples in a remote write 1.0 WriteRequest: the Sample fields (2) of its TimeSeries (1). */
function countSamples(b: Buffer): number {
  let n = 0;
  let p = 0;
  while (p < b.length) {
    let key: number;
    [key, p] = varint(b, p);
    let len: number;
    if ((key & 7) !== 2) throw new Error(`unexpected wire type ${key & 7}`);
    [len, p] = varint(b, p);
    const end = p + len;
    if (key >>> 3 === 1) {
      while (p < end) {
        let k: number;
        [k, p] = varint(b, p);
        let l: number;
        [l, p] = varint(b, p);
        if (k >>> 3 === 2) n++;
        p += l;
      }
    }
    p = end;
  }
  return n;
}

/** The sink: accepts (204) or refuses (503) remote write requests, counting samples per sender. */
async function serveSink(): Promise<void> {
  let refuse = false;
  const counts: Record<string, SinkCounts> = {};
  const s: Server = createServer((req, res) => {
    const who = (req.url ?? "/").split("/")[1] ?? "";
    const c = (counts[who] ??= { samples: 0, requests: 0, refused: 0, accepted: [] });
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => {
      if (refuse) {
        c.refused++;
        res.writeHead(503);
        res.end("sink refusing\n");
        return;
      }
      try {
        c.samples += countSamples(uncompressSync(Buffer.concat(parts), { asBuffer: true }) as Buffer);
        c.requests++;
        c.accepted.push([Date.now(), c.samples]);
        res.writeHead(204);
        res.end();
      } catch (e) {
        res.writeHead(400);
        res.end(`${e instanceof Error ? e.message : String(e)}\n`);
      }
    });
  });
  s.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  process.on("message", (m: ChildMessage) => {
    if (m.kind === "refuse") {
      refuse = m.refuse;
      // The catch-up is timed from the first request accepted after a refusal.
      if (!refuse) for (const c of Object.values(counts)) c.accepted = [];
    } else if (m.kind === "get-counts") {
      process.send?.({ kind: "counts", counts } satisfies ChildMessage);
    }
  });
  process.on("disconnect", () => process.exit(0));
  process.send?.({ kind: "ports", ports: [(s.address() as AddressInfo).port] } satisfies ChildMessage);
}

/** The bench's handle on a child process. */
class Child {
  readonly proc: ChildProcess;
  readonly ports: number[];
  #waiters: ((c: Record<string, SinkCounts>) => void)[];

  private constructor(proc: ChildProcess, ports: number[]) {
    this.proc = proc;
    this.ports = ports;
    this.#waiters = [];
    proc.on("message", (m: ChildMessage) => {
      if (m.kind === "counts") this.#waiters.shift()?.(m.counts);
    });
  }

  static async start(flag: string): Promise<Child> {
    const proc = fork(fileURLToPath(import.meta.url), [flag], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const ports = await new Promise<number[]>((resolve, reject) => {
      proc.once("message", (m: ChildMessage) => (m.kind === "ports" ? resolve(m.ports) : reject(new Error("unexpected message"))));
      proc.once("exit", (code) => reject(new Error(`${flag} process exited with ${code}`)));
    });
    return new Child(proc, ports);
  }

  /** The sink's counts of sender `who`. */
  async counts(who: string): Promise<SinkCounts> {
    const all = await new Promise<Record<string, SinkCounts>>((resolve) => {
      this.#waiters.push(resolve);
      this.proc.send({ kind: "get-counts" } satisfies ChildMessage);
    });
    return all[who] ?? { samples: 0, requests: 0, refused: 0, accepted: [] };
  }

  refuse(refuse: boolean): void {
    this.proc.send({ kind: "refuse", refuse } satisfies ChildMessage);
  }

  stop(): void {
    this.proc.disconnect();
  }
}

// ---------------------------------------------------------------------------
// Phases.

const isTargets = process.argv.includes("--serve-targets");
const isSink = process.argv.includes("--serve-sink");
const repoRoot = process.cwd();
/** Scratch space: configs, data dirs, logs; removed after a successful run. */
const work = isTargets || isSink ? "" : mkdtempSync(path.join(tmpdir(), "promstack-remote-bench-"));
const cpuProf = process.env.BENCH_CPU_PROF === "1";

/** The node flags of promstack in a phase: --cpu-prof into work/cpu-prof-<phase> with BENCH_CPU_PROF=1. */
function profFlags(kind: Kind, phase: string): string[] {
  return kind === "promstack" && cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${path.join(work, `cpu-prof-${phase}`)}`] : [];
}

/** Prints the profiles promstack wrote in a phase. */
function listProfiles(kind: Kind, phase: string): void {
  const dir = path.join(work, `cpu-prof-${phase}`);
  if (kind !== "promstack" || !cpuProf || !existsSync(dir)) return;
  for (const f of readdirSync(dir)) console.error(`  cpu profile: ${path.join(dir, f)}`);
}

function configYAML(ports: number[], sinkUrl: string | null): string {
  const lines = ["global:", `  scrape_interval: ${SCRAPE_S}s`, `  scrape_timeout: ${SCRAPE_S}s`, "scrape_configs:", "  - job_name: bench", "    static_configs:", "      - targets:"];
  for (const p of ports) lines.push(`          - 127.0.0.1:${p}`);
  if (sinkUrl !== null) lines.push("remote_write:", `  - url: ${sinkUrl}`, "    name: sink", ...QUEUE_CONFIG);
  return lines.join("\n") + "\n";
}

interface BaselineResult {
  appended: number;
  cpuS: number;
}

/** The scrape load without remote_write: CPU and samples appended over WINDOW_MS. */
async function baseline(kind: Kind, targets: Child): Promise<BaselineResult> {
  const s = await startServer(work, kind, "base", configYAML(targets.ports, null));
  try {
    await sleep(WARMUP_MS);
    const a0 = await metric(s, APPENDED, true);
    const c0 = cpuSeconds(s);
    await sleep(WINDOW_MS);
    const c1 = cpuSeconds(s);
    const a1 = await metric(s, APPENDED, true);
    return { appended: a1 - a0, cpuS: c1 - c0 };
  } finally {
    await stopServer(s);
  }
}

interface SendResult {
  appended: number;
  sent: number;
  cpuS: number;
  /** Samples sent during the catch-up, and its seconds. */
  drained: number;
  drainS: number;
  /** Whether the backlog was gone before DRAIN_MAX_MS. */
  drainDone: boolean;
  shardsAfter: number;
  failed: number;
}

/** The samples appended minus those sent: what the queue still has to send. */
async function backlog(s: ServerRun, sink: Child, who: string): Promise<{ appended: number; sent: number }> {
  const appended = await metric(s, APPENDED, true);
  const sent = (await sink.counts(who)).samples;
  return { appended, sent };
}

async function sending(kind: Kind, targets: Child, sink: Child): Promise<SendResult> {
  const who = `${kind}-send`;
  const s = await startServer(work, kind, "send", configYAML(targets.ports, `http://127.0.0.1:${sink.ports[0]}/${who}/api/v1/write`), { nodeFlags: profFlags(kind, "send") });
  try {
    await sleep(WARMUP_MS);
    // Samples appended before the queue started are not sent (it starts at the WAL's end): measure from here.
    const b0 = await backlog(s, sink, who);
    const c0 = cpuSeconds(s);
    // Samples appended but never to be sent (before the queue started): the
    // smallest difference seen in the window, when the queue had sent all.
    let offset = Infinity;
    const windowEnd = performance.now() + WINDOW_MS;
    while (performance.now() < windowEnd) {
      await sleep(Math.min(500, Math.max(0, windowEnd - performance.now())));
      const b = await backlog(s, sink, who);
      offset = Math.min(offset, b.appended - b.sent);
    }
    const c1 = cpuSeconds(s);
    const b1 = await backlog(s, sink, who);
    sink.refuse(true);
    await sleep(OUTAGE_MS);
    const before = await backlog(s, sink, who);
    sink.refuse(false);
    const reopened = performance.now();
    const target = before.appended - offset;
    let now = before;
    while (now.sent < target && performance.now() - reopened < DRAIN_MAX_MS) {
      await sleep(200);
      now = await backlog(s, sink, who);
    }
    // Timed by the sink: from its first accepted request to the one that completed the backlog.
    const log = (await sink.counts(who)).accepted;
    const doneAt = log.findIndex(([, n]) => n >= target);
    const [t0, n0] = log[0] ?? [0, 0];
    const [t1, n1] = log[doneAt < 0 ? log.length - 1 : doneAt] ?? [0, 0];
    const failed = await metric(s, "prometheus_remote_storage_samples_failed_total", true);
    const shardsAfter = await metric(s, "prometheus_remote_storage_shards", true);
    return {
      appended: b1.appended - b0.appended,
      sent: b1.sent - b0.sent,
      cpuS: c1 - c0,
      drained: n1 - n0,
      drainS: (t1 - t0) / 1000,
      drainDone: doneAt >= 0,
      shardsAfter,
      failed,
    };
  } finally {
    await stopServer(s);
    listProfiles(kind, "send");
  }
}

interface ReceiveResult {
  samples: number;
  seconds: number;
  failed: number;
  cpuS: number;
}

async function receiving(kind: Kind, bodies: Buffer[][]): Promise<ReceiveResult> {
  const s = await startServer(work, kind, "recv", "global:\n  scrape_interval: 15s\nscrape_configs: []\n", { remoteWrite: true, nodeFlags: profFlags(kind, "recv") });
  try {
    const probe = await acceptsRemoteWrite(s);
    if (!probe.ok) throw new SkipError(probe.why);
    const a0 = await metric(s, APPENDED, true);
    const c0 = cpuSeconds(s);
    const r = await sendWriteRequests(s.base, bodies, RW_MAX_MS);
    const c1 = cpuSeconds(s);
    const a1 = await metric(s, APPENDED, true);
    return { samples: a1 - a0, seconds: r.seconds, failed: r.failed, cpuS: c1 - c0 };
  } finally {
    await stopServer(s);
    listProfiles(kind, "recv");
  }
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!existsSync(path.join(repoRoot, "dist/src/cmd/main.js"))) throw new Error("run from the repository root after `npx tsc -p tsconfig.json`");
  const haveProm = existsSync(PROMETHEUS_BIN);
  if (!haveProm) console.log(`${PROMETHEUS_BIN} not found: the side-by-side half is skipped; only promstack's figures are printed.`);
  const kinds: Kind[] = haveProm && process.env.BENCH_KINDS !== "promstack" ? ["promstack", "prometheus"] : ["promstack"];
  snapshotBuild(work, repoRoot);
  const began = performance.now();
  const load0 = loadavg();
  const log = (m: string): void => console.error(`[${((performance.now() - began) / 1000).toFixed(0)}s] ${m}`);
  const rows: Row[] = [];
  const targets = await Child.start("--serve-targets");
  const sink = await Child.start("--serve-sink");
  try {
    const phases = (process.env.BENCH_PHASES ?? "send,recv").split(",");
    if (phases.includes("send")) await sendingRows(kinds, targets, sink, rows, log);
    if (phases.includes("recv")) await receivingRows(kinds, rows, log);
  } finally {
    targets.stop();
    sink.stop();
  }
  const load1 = loadavg();
  console.log("");
  console.log(
    `Remote write benchmark (promstack vs ${haveProm ? "Prometheus 2.42" : "nothing"}), ${((performance.now() - began) / 1000).toFixed(0)} s, load average ${load0[0]!.toFixed(1)} at start, ${load1[0]!.toFixed(1)} at end (2 cores, shared)`,
  );
  printTable(rows);
  if (phaseFailures.count > 0 || cpuProf) {
    console.log(`${phaseFailures.count} phase(s) failed; the servers' logs${cpuProf ? " and the CPU profiles" : ""} are in ${work}`);
    if (phaseFailures.count > 0) process.exitCode = 1;
  } else {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Phase 1: the rows of the sending side. */
async function sendingRows(kinds: Kind[], targets: Child, sink: Child, rows: Row[], log: (m: string) => void): Promise<void> {
  const base = new Map<Kind, Outcome<BaselineResult>>();
  const send = new Map<Kind, Outcome<SendResult>>();
  for (const k of kinds) {
    log(`sending: ${k}, ${TARGETS} targets x ${SERIES_PER_TARGET} series every ${SCRAPE_S}s, without remote_write`);
    base.set(k, await attempt(k, "baseline", () => baseline(k, targets)));
    log(`sending: ${k}, the same with remote_write to the sink; then the sink refuses for ${OUTAGE_MS / 1000}s`);
    send.set(k, await attempt(k, "sending", () => sending(k, targets, sink)));
  }
  const perSec = (r: SendResult): number => r.sent / (WINDOW_MS / 1000);
  rows.push({
    name: "samples sent, steady",
    ours: figure(send, "promstack", perSec),
    theirs: figure(send, "prometheus", perSec),
    unit: "samples/s",
    better: "higher",
    note: notes(kinds, send, (r) => `sent ${fmt(r.sent)} of ${fmt(r.appended)} samples appended in the ${WINDOW_MS / 1000}s window; ${fmt(r.failed)} failed`),
  });
  const drainRate = (r: SendResult): number => r.drained / r.drainS;
  rows.push({
    name: "samples sent, catching up",
    ours: figure(send, "promstack", drainRate),
    theirs: figure(send, "prometheus", drainRate),
    unit: "samples/s",
    better: "higher",
    note: notes(
      kinds,
      send,
      (r) => `${fmt(r.drained)} samples in ${r.drainS.toFixed(1)} s after a ${OUTAGE_MS / 1000}s outage${r.drainDone ? "" : ` (backlog NOT gone after ${DRAIN_MAX_MS / 1000}s)`}, ${fmt(r.shardsAfter)} shards at the end`,
    ),
  });
  const cpuPerM = (k: Kind): number | string => {
    const b = base.get(k);
    const s = send.get(k);
    if (b === undefined || s === undefined) return "-";
    if (!b.ok || !s.ok) return "error";
    const scrapeCpu = (b.value.cpuS / b.value.appended) * s.value.appended;
    return ((s.value.cpuS - scrapeCpu) / s.value.sent) * 1e6;
  };
  rows.push({
    name: "CPU per million sent",
    ours: cpuPerM("promstack"),
    theirs: cpuPerM("prometheus"),
    unit: "CPU-s/M samples",
    better: "lower",
    note:
      "the steady window's CPU less the scrape load's (a run without remote_write, scaled by samples appended); " +
      kinds
        .map((k) => {
          const b = base.get(k)!;
          const s = send.get(k)!;
          return b.ok && s.ok ? `${k} ${fmt(s.value.cpuS)} CPU-s with, ${fmt(b.value.cpuS)} CPU-s without (${fmt(b.value.appended)} samples appended)` : `${k} n/a`;
        })
        .join("; "),
  });

}

/** Phase 2: the rows of the receiving side. */
async function receivingRows(kinds: Kind[], rows: Row[], log: (m: string) => void): Promise<void> {
  log(`receiving: encoding ${RW_REQUESTS} requests of ${RW_SAMPLES_PER_REQUEST} samples for ${RW_SERIES} series`);
  const bodies = encodeWriteRequests({ workers: RW_WORKERS, series: RW_SERIES, seriesPerRequest: RW_SERIES_PER_REQUEST, samplesPerSeries: RW_SAMPLES_PER_SERIES, requests: RW_REQUESTS });
  const recv = new Map<Kind, Outcome<ReceiveResult>>();
  for (const k of kinds) {
    log(`receiving: ${k}, ${RW_WORKERS} concurrent senders`);
    recv.set(k, await attempt(k, "receiving", () => receiving(k, bodies)));
  }
  rows.push({
    name: "samples accepted by the receiver",
    ours: figure(recv, "promstack", (r) => r.samples / r.seconds),
    theirs: figure(recv, "prometheus", (r) => r.samples / r.seconds),
    unit: "samples/s",
    better: "higher",
    note: notes(kinds, recv, (r) => `${fmt(r.samples)} samples in ${r.seconds.toFixed(1)} s, ${(r.cpuS / r.seconds).toFixed(2)} cores, ${r.failed} failed requests`),
  });
  rows.push({
    name: "CPU per million accepted",
    ours: figure(recv, "promstack", (r) => (r.cpuS / r.samples) * 1e6),
    theirs: figure(recv, "prometheus", (r) => (r.cpuS / r.samples) * 1e6),
    unit: "CPU-s/M samples",
    better: "lower",
  });
}

if (isTargets) {
  await serveTargets();
} else if (isSink) {
  await serveSink();
} else {
  try {
    await main();
  } catch (e) {
    console.error(e);
    console.error(`work directory kept: ${work}`);
    process.exitCode = 1;
  }
}
