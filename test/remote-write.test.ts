/**
 * Remote write against the real thing: promstack's sender writes into
 * Debian's Prometheus 2.42 (started with its remote write receiver),
 * survives the receiver going away and coming back, and every sample
 * arrives exactly once; and a real Prometheus remote-writes into
 * promstack's receiver. Skipped when /usr/bin/prometheus is absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusServer } from "../src/server/index.ts";
import { testServerOptions } from "./server-options.ts";

const REAL = "/usr/bin/prometheus";
const skip = existsSync(REAL) ? false : `${REAL} is not installed`;

async function listen(s: Server, port = 0): Promise<number> {
  await new Promise<void>((r) => s.listen(port, "127.0.0.1", r));
  return (s.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  const p = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function until<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    const v = await fn().catch((e: unknown) => {
      last = e;
      return null;
    });
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Matrix = Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;

/** The range-vector result of `q` at time `t` (seconds), series keyed and sorted for comparison. */
async function rangeAt(base: string, q: string, t: number, dropLabels: string[] = []): Promise<string[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}&time=${t}`);
  const body = (await res.json()) as { status: string; data: { resultType: string; result: Matrix }; warnings?: string[] };
  assert.equal(body.status, "success");
  assert.deepEqual(body.warnings ?? [], [], `warnings of ${q} at ${base}`);
  const out: string[] = [];
  for (const s of body.data.result) {
    const m = { ...s.metric };
    for (const d of dropLabels) delete m[d];
    const key = JSON.stringify(Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1))));
    for (const [ts, v] of s.values) out.push(`${key} ${ts} ${v}`);
  }
  return out.sort();
}

async function maxTime(base: string, q: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(`max(timestamp(${q}))`)}`);
  const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
  const r = body.data.result[0];
  return r === undefined ? 0 : Number(r.value[1]);
}

function startReal(args: string[]): ChildProcess {
  const proc = spawn(REAL, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr!.on("data", (c: Buffer) => {
    log += c.toString();
    if (log.length > 20_000) log = log.slice(-10_000);
  });
  proc.on("exit", (code) => {
    if (code !== 0 && code !== null) process.stderr.write(`prometheus exited with ${code}:\n${log}\n`);
  });
  return proc;
}

async function stopReal(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  await new Promise<void>((r) => {
    p.once("exit", () => r());
    p.kill("SIGTERM");
  });
}

function newServer(dir: string, receiver: boolean): PrometheusServer {
  return new PrometheusServer(testServerOptions(dir, { enableRemoteWriteReceiver: receiver, remoteFlushDeadlineMs: 2000 }));
}

/** A tiny exporter whose value changes on every scrape. */
async function exporter(): Promise<{ port: number; close: () => Promise<void> }> {
  let n = 0;
  const s = createServer((_req, res) => {
    n++;
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end(`# TYPE demo_value gauge\ndemo_value{kind="a"} ${n}\ndemo_value{kind="b"} ${n * 0.5}\n`);
  });
  const port = await listen(s);
  return { port, close: () => new Promise<void>((r) => s.close(() => r())) };
}

test("remote write: promstack → Prometheus 2.42 receiver, exactly once across a receiver outage", { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-rw-out-"));
  const exp = await exporter();
  const realPort = await freePort();
  writeFileSync(join(dir, "real.yml"), "global:\n  scrape_interval: 1m\n");
  const realArgs = [`--config.file=${join(dir, "real.yml")}`, `--storage.tsdb.path=${join(dir, "real-data")}`, `--web.listen-address=127.0.0.1:${realPort}`, "--web.enable-remote-write-receiver"];
  let real = startReal(realArgs);
  const realBase = `http://127.0.0.1:${realPort}`;
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 500ms",
      "scrape_configs:",
      "  - job_name: demo",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${exp.port}"]`,
      "remote_write:",
      `  - url: ${realBase}/api/v1/write`,
      "    name: real",
      "    queue_config:",
      "      batch_send_deadline: 200ms",
      "      min_backoff: 50ms",
      "      max_backoff: 500ms",
      "",
    ].join("\n"),
  );
  const ours = newServer(dir, false);
  try {
    await until("real Prometheus ready", async () => ((await fetch(`${realBase}/-/ready`)).ok ? true : null));
    await ours.start();
    const ourBase = `http://127.0.0.1:${ours.address.port}`;
    await until("first samples at the receiver", async () => ((await maxTime(realBase, 'demo_value{job="demo"}')) > 0 ? true : null));
    // The receiver goes away for a few seconds while we keep scraping.
    await stopReal(real);
    const downAt = Date.now() / 1000;
    await new Promise((r) => setTimeout(r, 4000));
    real = startReal(realArgs);
    await until("real Prometheus back", async () => ((await fetch(`${realBase}/-/ready`)).ok ? true : null));
    // Everything scraped up to T must arrive exactly once.
    const T = Date.now() / 1000 + 1;
    await until("receiver caught up", async () => ((await maxTime(realBase, 'up{job="demo"}')) >= T ? true : null), 60_000);
    const q = '{job="demo"}[10m]';
    const want = await rangeAt(ourBase, q, T);
    const got = await rangeAt(realBase, q, T);
    assert.ok(want.length > 20, `only ${want.length} samples scraped`);
    assert.ok(want.some((l) => Number(l.split(" ")[1]) > downAt && Number(l.split(" ")[1]) < downAt + 4), "no samples scraped during the outage");
    assert.deepEqual(got, want);
    // Our metrics report the queue.
    const metrics = await (await fetch(`${ourBase}/metrics`)).text();
    assert.match(metrics, /prometheus_remote_storage_samples_total\{remote_name="real",url="[^"]+"\} \d+/);
    assert.match(metrics, /prometheus_remote_storage_samples_retried_total\{remote_name="real",url="[^"]+"\} [1-9]/);
  } finally {
    await ours.stop().catch(() => {});
    await stopReal(real);
    await exp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("remote write: Prometheus 2.42 → promstack's receiver", { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-rw-in-"));
  const exp = await exporter();
  writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
  const ours = newServer(dir, true);
  await ours.start();
  const ourBase = `http://127.0.0.1:${ours.address.port}`;
  const realPort = await freePort();
  const realBase = `http://127.0.0.1:${realPort}`;
  writeFileSync(
    join(dir, "real.yml"),
    [
      "global:",
      "  scrape_interval: 500ms",
      "  external_labels:",
      "    origin: real",
      "scrape_configs:",
      "  - job_name: demo",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${exp.port}"]`,
      "remote_write:",
      `  - url: ${ourBase}/api/v1/write`,
      "    queue_config:",
      "      batch_send_deadline: 200ms",
      "",
    ].join("\n"),
  );
  const real = startReal([`--config.file=${join(dir, "real.yml")}`, `--storage.tsdb.path=${join(dir, "real-data")}`, `--web.listen-address=127.0.0.1:${realPort}`]);
  try {
    await until("real Prometheus ready", async () => ((await fetch(`${realBase}/-/ready`)).ok ? true : null));
    await until("a few scrapes at the real Prometheus", async () => ((await rangeAt(realBase, 'demo_value{job="demo"}[10m]', Date.now() / 1000)).length >= 10 ? true : null));
    const T = Date.now() / 1000;
    await until("samples up to T at promstack", async () => ((await maxTime(ourBase, 'up{origin="real"}')) >= T ? true : null));
    const want = await rangeAt(realBase, '{job="demo"}[10m]', T);
    const got = await rangeAt(ourBase, '{origin="real"}[10m]', T, ["origin"]);
    assert.ok(want.length >= 10);
    assert.deepEqual(got, want);
    const metrics = await (await fetch(`${realBase}/metrics`)).text();
    assert.match(metrics, /prometheus_remote_storage_samples_failed_total\{[^}]*\} 0/);
  } finally {
    await stopReal(real);
    await ours.stop().catch(() => {});
    await exp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("remote read: promstack reads from Prometheus 2.42 and Prometheus 2.42 reads from promstack", { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-rr-"));
  const expReal = await exporter();
  const expOurs = await exporter();
  const realPort = await freePort();
  const realBase = `http://127.0.0.1:${realPort}`;
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 500ms",
      "scrape_configs:",
      "  - job_name: ours",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${expOurs.port}"]`,
      "remote_read:",
      `  - url: ${realBase}/api/v1/read`,
      "    read_recent: true",
      "",
    ].join("\n"),
  );
  const ours = newServer(dir, false);
  await ours.start();
  const ourBase = `http://127.0.0.1:${ours.address.port}`;
  writeFileSync(
    join(dir, "real.yml"),
    [
      "global:",
      "  scrape_interval: 500ms",
      "scrape_configs:",
      "  - job_name: real",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${expReal.port}"]`,
      "remote_read:",
      `  - url: ${ourBase}/api/v1/read`,
      "    read_recent: true",
      "",
    ].join("\n"),
  );
  const real = startReal([`--config.file=${join(dir, "real.yml")}`, `--storage.tsdb.path=${join(dir, "real-data")}`, `--web.listen-address=127.0.0.1:${realPort}`]);
  try {
    await until("real Prometheus ready", async () => ((await fetch(`${realBase}/-/ready`)).ok ? true : null));
    // Both have scraped ten times (7 series per scrape; the real one discovers its target after about 5s).
    await until("scrapes at both", async () => {
      const now = Date.now() / 1000;
      const a = await rangeAt(realBase, '{job="real"}[10m]', now);
      const b = await rangeAt(ourBase, '{job="ours"}[10m]', now);
      return a.length >= 70 && b.length >= 70 ? true : null;
    });
    // A time in the past, so both sides hold all of their samples up to it.
    const T = Math.floor(Date.now() / 1000) - 2;
    // promstack answers about the real Prometheus's job through remote read, as the real one answers locally.
    const realLocal = await rangeAt(realBase, '{job="real"}[10m]', T);
    assert.ok(realLocal.length >= 5, `only ${realLocal.length} samples`);
    assert.deepEqual(await rangeAt(ourBase, '{job="real"}[10m]', T), realLocal);
    // And the real Prometheus answers about promstack's job through its remote read of us.
    const oursLocal = await rangeAt(ourBase, '{job="ours"}[10m]', T);
    assert.ok(oursLocal.length >= 5, `only ${oursLocal.length} samples`);
    assert.deepEqual(await rangeAt(realBase, '{job="ours"}[10m]', T), oursLocal);
  } finally {
    await stopReal(real);
    await ours.stop().catch(() => {});
    await expReal.close();
    await expOurs.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
