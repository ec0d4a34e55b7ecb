/**
 * Node exporter benchmark, side by side with Debian's node_exporter
 * (/usr/bin/prometheus-node-exporter, 1.5): build first, then
 * `node dist/src/node-exporter/node-exporter.bench.js` from the repository root.
 *
 * Each exporter runs as its own process (`node bin/promstack node-exporter`
 * for ours), one at a time (the machine has 2 cores), with its default
 * collectors and the same device and mount filters (see SHARED_FLAGS). After
 * WARMUP scrapes it is scraped SCRAPES times in a row over a keep-alive
 * connection with `Accept-Encoding: gzip`, as Prometheus scrapes. Printed,
 * with the ratio ours/theirs (lower is better for every row):
 *
 * - scrape latency p50 and p95 of /metrics, ms;
 * - CPU time per scrape: utime + stime of the exporter's process tree from
 *   /proc/<pid>/stat, before and after the measured scrapes, divided by SCRAPES;
 * - resident memory: VmRSS of the process tree after the scrapes.
 *
 * The machine is shared with other work: the load average is printed with
 * the table; read ratios under 2x with care.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { loadavg } from "node:os";
import path from "node:path";
import { DEFAULT_SETTINGS } from "./index.ts";

const DEBIAN_BIN = "/usr/bin/prometheus-node-exporter";
/** Scrapes measured per exporter (the brief's ~200). */
const SCRAPES = 200;
/** Scrapes before measuring: JIT warm-up for ours, first-scrape caches for both. */
const WARMUP = 20;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

/** Flags both get, so both read the same mounts and devices (Debian's packaging changes these defaults). */
const SHARED_FLAGS = [
  `--collector.filesystem.mount-points-exclude=${DEFAULT_SETTINGS.filesystemMountPointsExclude}`,
  `--collector.filesystem.fs-types-exclude=${DEFAULT_SETTINGS.filesystemFsTypesExclude}`,
  `--collector.diskstats.device-exclude=${DEFAULT_SETTINGS.diskstatsDeviceExclude}`,
  "--collector.netdev.device-exclude=",
];
/** Debian enables systemd by default (it fails without D-Bus); ours has no systemd collector. */
const DEBIAN_ONLY_FLAGS = ["--no-collector.systemd"];

interface Result {
  p50Ms: number;
  p95Ms: number;
  cpuMsPerScrape: number;
  rssMiB: number;
  bodyBytes: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The pid and all its descendants (scanning /proc for parent pids). */
function processTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(e), Number(fields[1]));
    } catch {
      // The process exited while scanning.
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  return out;
}

/** utime + stime of the tree, ms. */
function cpuMs(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of proc(5) (utime, stime) are at 11 and 12 after the comm field.
    ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1000) / CLK_TCK;
}

/** VmRSS of the tree, MiB. */
function rssMiB(root: number): number {
  let kib = 0;
  for (const pid of processTree(root)) {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (m !== null) kib += Number(m[1]);
  }
  return kib / 1024;
}

/** One gzip scrape over the keep-alive agent; resolves with the compressed body size. */
function scrape(agent: http.Agent, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/metrics", agent, headers: { "Accept-Encoding": "gzip" } }, (res) => {
        let n = 0;
        res.on("data", (c: Buffer) => (n += c.length));
        res.on("end", () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`status ${res.statusCode}`))));
      })
      .on("error", reject);
  });
}

async function waitUp(agent: http.Agent, port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exporter exited with code ${child.exitCode}`);
    try {
      await scrape(agent, port);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measure(cmd: string, args: string[]): Promise<Result> {
  const port = await freePort();
  const child = spawn(cmd, [...args, `--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "inherit"] });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await waitUp(agent, port, child);
    for (let i = 0; i < WARMUP; i++) await scrape(agent, port);
    const cpu0 = cpuMs(child.pid!);
    const lat: number[] = [];
    let bodyBytes = 0;
    for (let i = 0; i < SCRAPES; i++) {
      const t0 = performance.now();
      bodyBytes = await scrape(agent, port);
      lat.push(performance.now() - t0);
    }
    const cpu1 = cpuMs(child.pid!);
    const rss = rssMiB(child.pid!);
    lat.sort((a, b) => a - b);
    return { p50Ms: quantile(lat, 0.5), p95Ms: quantile(lat, 0.95), cpuMsPerScrape: (cpu1 - cpu0) / SCRAPES, rssMiB: rss, bodyBytes };
  } finally {
    agent.destroy();
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
  }
}

async function main(): Promise<void> {
  if (!existsSync(DEBIAN_BIN)) {
    console.log(`node exporter benchmark skipped: ${DEBIAN_BIN} is not installed (Debian package prometheus-node-exporter)`);
    return;
  }
  const bin = path.resolve("bin/promstack");
  const load0 = loadavg()[0]!;
  const theirs = await measure(DEBIAN_BIN, [...SHARED_FLAGS, ...DEBIAN_ONLY_FLAGS]);
  const ours = await measure(process.execPath, [bin, "node-exporter", ...SHARED_FLAGS]);
  const rows: [string, number, number, number][] = [
    ["scrape latency p50 (ms)", ours.p50Ms, theirs.p50Ms, 2],
    ["scrape latency p95 (ms)", ours.p95Ms, theirs.p95Ms, 2],
    ["CPU time per scrape (ms)", ours.cpuMsPerScrape, theirs.cpuMsPerScrape, 2],
    ["resident memory (MiB)", ours.rssMiB, theirs.rssMiB, 1],
    ["gzip body (KiB)", ours.bodyBytes / 1024, theirs.bodyBytes / 1024, 1],
  ];
  console.log(`node exporter: ${SCRAPES} scrapes after ${WARMUP} warm-up, gzip, keep-alive; load average ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}`);
  console.log(`${"".padEnd(28)}${"promstack".padStart(12)}${"node_exporter 1.5".padStart(20)}${"ours/theirs".padStart(14)}`);
  for (const [name, a, b, digits] of rows) {
    console.log(`${name.padEnd(28)}${a.toFixed(digits).padStart(12)}${b.toFixed(digits).padStart(20)}${(b === 0 ? "-" : (a / b).toFixed(2)).padStart(14)}`);
  }
}

await main();
