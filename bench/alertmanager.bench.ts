/**
 * Alertmanager benchmark, side by side with Alertmanager 0.25: `npm run bench`,
 * or `npx tsc -p tsconfig.json && node dist/bench/alertmanager.bench.js` from
 * the repository root (it starts `node bin/promstack alertmanager`, so build
 * first).
 *
 * Runs `promstack alertmanager` and /usr/bin/prometheus-alertmanager
 * (Debian's 0.25) in turn, never at the same time (the machine has 2 cores),
 * with the same configuration (one route grouping by alertname, group_wait
 * and group_interval 1s, a webhook receiver served by this process) and
 * `--cluster.listen-address=` (no cluster). Per server, in this order:
 *
 * 1. notification delay: LATENCY_SAMPLES new alert groups (one alert each,
 *    a distinct alertname), posted LATENCY_SPACING_MS apart; for each, the
 *    time from the start of its POST until its webhook request arrives,
 *    minus group_wait; p50 (p95 in the note). Measured first, on a quiet
 *    server;
 * 2. ingest: THROUGHPUT_ALERTS distinct alerts through POST /api/v2/alerts in
 *    batches of BATCH, POST_WORKERS requests in flight; alerts per second;
 * 3. memory: more distinct alerts up to MEMORY_ALERTS active ones (the
 *    rate of these posts is a row too: ingest with many alerts active), then,
 *    after MEMORY_SETTLE_MS, VmRSS of the server's process tree.
 *
 * The load alerts of (2) and (3) share one alertname, so they make one group;
 * the webhook has max_alerts 1 so that the group's notification is not a
 * 100,000-alert body for this process to read. They end in an hour, so they
 * all stay active.
 *
 * Our server runs from a copy of bin/ and dist/src/ taken when the bench
 * starts (node_modules linked), so a rebuild of dist/ meanwhile does not
 * break it. The machine is shared: the load average is printed with the
 * table; read ratios of less than 2x with care.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { type Row, fmt, freePort, printTable, rssBytes, sleep, snapshotBuild } from "./common.ts";

const ALERTMANAGER_BIN = "/usr/bin/prometheus-alertmanager";
const GROUP_WAIT_MS = 1000;
const BATCH = 100;
const POST_WORKERS = 4;
const THROUGHPUT_ALERTS = 10_000;
const MEMORY_ALERTS = 100_000;
const MEMORY_SETTLE_MS = 3000;
const LATENCY_SAMPLES = 20;
const LATENCY_SPACING_MS = 250;
/** The longest wait for the last webhook of the latency phase. */
const LATENCY_TIMEOUT_MS = 15_000;

/** Which server a run is. */
type Kind = "promstack" | "alertmanager";

/** A running server. */
interface ServerRun {
  kind: Kind;
  proc: ChildProcess;
  base: string;
}

const repoRoot = process.cwd();
/** Scratch space: configs, data dirs, logs; removed after a successful run. */
const work = mkdtempSync(path.join(tmpdir(), "promstack-alertmanager-bench-"));

function configYAML(webhookPort: number): string {
  return [
    "route:",
    "  receiver: bench",
    "  group_by: [alertname]",
    `  group_wait: ${GROUP_WAIT_MS / 1000}s`,
    "  group_interval: 1s",
    "  repeat_interval: 1h",
    "receivers:",
    "  - name: bench",
    "    webhook_configs:",
    `      - url: http://127.0.0.1:${webhookPort}/hook`,
    "        send_resolved: false",
    "        max_alerts: 1",
    "",
  ].join("\n");
}

/**
 * The webhook receiver: when each group's first notification arrived
 * (performance.now() at the request, before its body is read), by the group's
 * alertname.
 */
class Webhook {
  readonly server: HttpServer;
  readonly arrivals: Map<string, number>;
  #waiters: Map<string, () => void>;

  constructor() {
    this.arrivals = new Map();
    this.#waiters = new Map();
    this.server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      const at = performance.now();
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(200).end();
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { groupLabels?: Record<string, string> };
          const name = body.groupLabels?.alertname;
          if (name !== undefined && !this.arrivals.has(name)) {
            this.arrivals.set(name, at);
            this.#waiters.get(name)?.();
          }
        } catch {
          // not a webhook body: ignored
        }
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Resolves when the group's first notification has arrived, or after timeoutMs. */
  wait(name: string, timeoutMs: number): Promise<void> {
    if (this.arrivals.has(name)) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => this.#waiters.set(name, resolve)), sleep(timeoutMs)]);
  }
}

async function startServer(kind: Kind, webhookPort: number): Promise<ServerRun> {
  const dir = path.join(work, kind);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(work, `${kind}.yml`);
  writeFileSync(configFile, configYAML(webhookPort));
  const port = await freePort();
  const flags = [`--config.file=${configFile}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="];
  const logFile = path.join(work, `${kind}.log`);
  const log = openSync(logFile, "w");
  const proc =
    kind === "promstack"
      ? spawn(process.execPath, [path.join(work, "app/bin/promstack"), "alertmanager", ...flags], { stdio: ["ignore", log, log] })
      : spawn(ALERTMANAGER_BIN, flags, { stdio: ["ignore", log, log] });
  closeSync(log);
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${kind} exited with ${proc.exitCode}; see ${logFile}`);
    try {
      const r = await fetch(`${base}/-/ready`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${kind} not ready after 60 s; see ${logFile}`);
    }
    await sleep(100);
  }
  console.error(`  ${kind} ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { kind, proc, base };
}

async function stopServer(s: ServerRun): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const started = performance.now();
  const exited = new Promise<void>((resolve) => s.proc.once("exit", () => resolve()));
  s.proc.kill("SIGTERM");
  const killed = await Promise.race([exited.then(() => false), sleep(15_000).then(() => true)]);
  if (killed) {
    console.error(`  ${s.kind} still running 15 s after SIGTERM: killed`);
    s.proc.kill("SIGKILL");
    await exited;
  }
  console.error(`  ${s.kind} stopped in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** One alert of the API v2 body. */
interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

function loadAlert(i: number, startsAt: string, endsAt: string): PostableAlert {
  return {
    labels: { alertname: "BenchLoad", instance: `host-${i}:9100`, job: "node", severity: i % 10 === 0 ? "critical" : "warning" },
    annotations: { summary: `Load alert ${i}`, description: "Synthetic alert of the Alertmanager benchmark." },
    startsAt,
    endsAt,
    generatorURL: `http://prometheus.example:9090/graph?g0.expr=bench_load%7Binstance%3D%22host-${i}%22%7D`,
  };
}

async function post(s: ServerRun, alerts: PostableAlert[]): Promise<void> {
  const r = await fetch(`${s.base}/api/v2/alerts`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(alerts) });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${s.kind}: POST /api/v2/alerts answered ${r.status} ${text.trim().slice(0, 200)}`);
}

/** Posts the load alerts [from, to) in batches, POST_WORKERS in flight; the bodies are built before the clock starts. Seconds taken. */
async function postLoad(s: ServerRun, from: number, to: number): Promise<number> {
  const startsAt = new Date().toISOString();
  const endsAt = new Date(Date.now() + 3600_000).toISOString();
  const batches: PostableAlert[][] = [];
  for (let i = from; i < to; i += BATCH) {
    const b: PostableAlert[] = [];
    for (let j = i; j < Math.min(to, i + BATCH); j++) b.push(loadAlert(j, startsAt, endsAt));
    batches.push(b);
  }
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: POST_WORKERS }, async () => {
      while (next < batches.length) await post(s, batches[next++]!);
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** Per-sample delays (ms, sorted) of the latency phase. */
async function notificationDelays(s: ServerRun, hook: Webhook): Promise<number[]> {
  const run = `${s.kind}${Date.now()}`;
  const endsAt = new Date(Date.now() + 3600_000).toISOString();
  const samples = Array.from({ length: LATENCY_SAMPLES }, async (_, i) => {
    await sleep(i * LATENCY_SPACING_MS);
    const name = `BenchLatency_${run}_${i}`;
    const t0 = performance.now();
    await post(s, [{ labels: { alertname: name, severity: "page" }, annotations: { summary: "latency probe" }, startsAt: new Date().toISOString(), endsAt, generatorURL: "" }]);
    await hook.wait(name, LATENCY_TIMEOUT_MS);
    const at = hook.arrivals.get(name);
    if (at === undefined) throw new Error(`${s.kind}: no webhook for ${name} within ${LATENCY_TIMEOUT_MS / 1000} s`);
    return at - t0 - GROUP_WAIT_MS;
  });
  return (await Promise.all(samples)).sort((a, b) => a - b);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One server's figures. */
interface Result {
  alertsPerS: number;
  postS: number;
  /** Seconds to post the alerts of the memory phase (THROUGHPUT_ALERTS to MEMORY_ALERTS active). */
  memS: number;
  rss: number;
  rssReady: number;
  delays: number[];
}

async function measure(kind: Kind, hook: Webhook, hookPort: number): Promise<Result> {
  const s = await startServer(kind, hookPort);
  try {
    const rssReady = rssBytes(s);
    console.error(`  ${kind}: notification delay, ${LATENCY_SAMPLES} new groups`);
    const delays = await notificationDelays(s, hook);
    console.error(`  ${kind}: ingest, ${THROUGHPUT_ALERTS} alerts in batches of ${BATCH}`);
    const postS = await postLoad(s, 0, THROUGHPUT_ALERTS);
    console.error(`  ${kind}: memory, up to ${MEMORY_ALERTS} active alerts`);
    const memS = await postLoad(s, THROUGHPUT_ALERTS, MEMORY_ALERTS);
    console.error(`  ${kind}: ${fmt(MEMORY_ALERTS - THROUGHPUT_ALERTS)} more alerts in ${memS.toFixed(1)} s`);
    await sleep(MEMORY_SETTLE_MS);
    return { alertsPerS: THROUGHPUT_ALERTS / postS, postS, memS, rss: rssBytes(s), rssReady, delays };
  } finally {
    await stopServer(s);
  }
}

// ---------------------------------------------------------------------------
// The table.

async function main(): Promise<void> {
  if (!existsSync(path.join(repoRoot, "dist/src/cmd/main.js"))) throw new Error("run from the repository root after `npx tsc -p tsconfig.json`");
  const haveAM = existsSync(ALERTMANAGER_BIN);
  if (!haveAM) console.log(`${ALERTMANAGER_BIN} not found: the side-by-side half is skipped; only promstack's figures are printed.`);
  const kinds: Kind[] = haveAM ? ["promstack", "alertmanager"] : ["promstack"];
  snapshotBuild(work, repoRoot);
  const began = performance.now();
  const load0 = loadavg();
  const hook = new Webhook();
  const hookPort = await hook.listen();
  const results = new Map<Kind, Result | string>();
  let failures = 0;
  try {
    for (const k of kinds) {
      console.error(`[${((performance.now() - began) / 1000).toFixed(0)}s] ${k}`);
      try {
        results.set(k, await measure(k, hook, hookPort));
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        console.error(`  ${k} failed: ${why}`);
        results.set(k, `error`);
        failures++;
      }
    }
  } finally {
    hook.server.close();
  }
  const fig = (k: Kind, f: (r: Result) => number): number | string => {
    const r = results.get(k);
    return r === undefined ? "-" : typeof r === "string" ? r : f(r);
  };
  const rows: Row[] = [
    { name: `POST /api/v2/alerts ingest (${BATCH}/batch)`, ours: fig("promstack", (r) => r.alertsPerS), theirs: fig("alertmanager", (r) => r.alertsPerS), unit: "alerts/s", better: "higher" },
    {
      name: `  same, ${fmt(THROUGHPUT_ALERTS)} -> ${fmt(MEMORY_ALERTS)} active`,
      ours: fig("promstack", (r) => (MEMORY_ALERTS - THROUGHPUT_ALERTS) / r.memS),
      theirs: fig("alertmanager", (r) => (MEMORY_ALERTS - THROUGHPUT_ALERTS) / r.memS),
      unit: "alerts/s",
      better: "higher",
    },
    { name: `RSS with ${fmt(MEMORY_ALERTS)} active alerts`, ours: fig("promstack", (r) => r.rss / 2 ** 20), theirs: fig("alertmanager", (r) => r.rss / 2 ** 20), unit: "MiB", better: "lower" },
    { name: "flush-to-webhook delay p50", ours: fig("promstack", (r) => percentile(r.delays, 50)), theirs: fig("alertmanager", (r) => percentile(r.delays, 50)), unit: "ms", better: "lower" },
  ];
  const load1 = loadavg();
  console.log("");
  console.log(
    `Alertmanager benchmark (promstack vs ${haveAM ? "Alertmanager 0.25" : "nothing"}), ${((performance.now() - began) / 1000).toFixed(0)} s, load average ${load0[0]!.toFixed(1)} at start, ${load1[0]!.toFixed(1)} at end (2 cores, shared)`,
  );
  printTable(rows, "alertmanager 0.25");
  for (const k of kinds) {
    const r = results.get(k);
    if (r === undefined || typeof r === "string") continue;
    console.log(
      `- ${k}: ${fmt(THROUGHPUT_ALERTS)} alerts in ${r.postS.toFixed(2)} s (${POST_WORKERS} requests in flight); RSS ${fmt(r.rssReady / 2 ** 20)} MiB when ready; delay p95 ${fmt(percentile(r.delays, 95))} ms, min ${fmt(r.delays[0]!)} ms, max ${fmt(r.delays[r.delays.length - 1]!)} ms over ${r.delays.length} groups`,
    );
  }
  if (failures > 0) {
    console.log(`${failures} server(s) failed; the servers' logs are in ${work}`);
    process.exitCode = 1;
  } else {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  console.error(e);
  console.error(`work directory kept: ${work}`);
  process.exitCode = 1;
}
