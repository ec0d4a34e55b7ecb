import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Labels } from "../model/index.ts";
import { ValueType } from "../storage/index.ts";
import { openDB, type DB } from "./index.ts";

const PROMETHEUS = "/usr/bin/prometheus";
const PROMTOOL = "/usr/bin/promtool";
const have = fs.existsSync(PROMETHEUS) && fs.existsSync(PROMTOOL);
const skip = have ? false : `${PROMETHEUS} and ${PROMTOOL} are not installed (apt-get install prometheus)`;
const MIN = 60_000;
const HOUR = 60 * MIN;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "promstack-compat-"));
}

const series = (i: number) => Labels.fromObject({ __name__: "compat_metric", i: String(i), job: "j" });

/** 30 series, one sample every `step` ms from t0 to t1, value i * 1000 + step index (plus a fraction). */
async function fill(db: DB, t0: number, t1: number, step = MIN): Promise<void> {
  for (let t = t0; t <= t1; t += step) {
    const app = db.appender();
    for (let i = 0; i < 30; i++) app.append(0, series(i), t, i * 1000 + (t - t0) / step + 0.25);
    await app.commit();
  }
}

/** Every sample in dir as promstack reads it; check() may look at the opened DB first. */
async function ours(dir: string, check?: (db: DB) => void): Promise<Map<string, [number, number][]>> {
  const db = await openDB(dir, { backgroundCompaction: false });
  check?.(db);
  const out = new Map<string, [number, number][]>();
  const q = await db.querier(0, Number.MAX_SAFE_INTEGER);
  const ss = await q.select(true, null);
  while (ss.next()) {
    const it = ss.at().iterator();
    const s: [number, number][] = [];
    while (it.next() === ValueType.Float) s.push([it.atT(), it.atF()]);
    out.set(ss.at().labels.toString(), s);
  }
  q.close();
  await db.close();
  return out;
}

/**
 * Writes 5h of recent data, one sample per `step`: blocks cut from the
 * head (2h each) plus a head in the WAL and, for the complete head
 * chunks, in chunks_head/.
 */
async function writeOurDir(dir: string, step = MIN): Promise<{ t0: number; t1: number }> {
  const t1 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
  const t0 = t1 - 5 * HOUR;
  const db = await openDB(dir, { backgroundCompaction: false });
  await fill(db, t0, t1, step);
  await db.compact();
  assert.ok(db.blocks.length >= 1, "no block cut");
  await db.close();
  return { t0, t1 };
}

/** Bytes of chunk records in the chunks_head files of dir (headers and trailing zeros aside, roughly). */
function headChunkBytes(dir: string): number {
  const d = path.join(dir, "chunks_head");
  if (!fs.existsSync(d)) return 0;
  let n = 0;
  for (const f of fs.readdirSync(d)) {
    const b = fs.readFileSync(path.join(d, f));
    let end = b.length;
    while (end > 8 && b[end - 1] === 0) end--;
    n += end - 8;
  }
  return n;
}

/** A TCP port nothing listens on right now (the machine is shared: a random one may be taken). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Starts Prometheus 2.42 on data; resolves with its base URL and a stop function once it is ready. */
async function startPrometheus(dir: string, data: string, extraConfig = ""): Promise<{ base: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const cfg = path.join(dir, "prometheus.yml");
  fs.writeFileSync(cfg, "global:\n  scrape_interval: 1h\n" + extraConfig);
  const p = spawn(PROMETHEUS, [`--config.file=${cfg}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
  const exited = new Promise<void>((r) => p.once("exit", () => r()));
  const stop = async () => {
    p.kill("SIGTERM");
    await exited;
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/-/ready`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error("Prometheus did not become ready");
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { base, stop };
}

/** Every raw sample of `metric` in the 6h before t1, as Prometheus returns them. */
async function theirs(base: string, t1: number, metric = "compat_metric"): Promise<Map<string, [number, number][]>> {
  const url = `${base}/api/v1/query?query=${encodeURIComponent(`${metric}[6h]`)}&time=${t1 / 1000}`;
  const body = (await (await fetch(url)).json()) as { status: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  assert.equal(body.status, "success");
  const out = new Map<string, [number, number][]>();
  for (const r of body.data.result) {
    out.set(
      Labels.fromObject(r.metric).toString(),
      r.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]),
    );
  }
  return out;
}

/** The value of a counter in Prometheus's own /metrics. */
async function selfMetric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  assert.ok(m !== null, `${name} not in /metrics`);
  return Number(m[1]);
}

test("real Prometheus: promtool tsdb list and analyze read promstack's blocks", { skip, timeout: 60_000 }, async () => {
  const dir = tmpDir();
  await writeOurDir(dir);
  const blocks = fs.readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n));
  const list = execFileSync(PROMTOOL, ["tsdb", "list", dir], { encoding: "utf8" });
  for (const b of blocks) assert.match(list, new RegExp(`^${b}\\s`, "m"));
  assert.match(list, /BLOCK ULID\s+MIN TIME\s+MAX TIME/);
  const analyze = execFileSync(PROMTOOL, ["tsdb", "analyze", dir, blocks[0]!], { encoding: "utf8" });
  assert.match(analyze, /Series: 30/);
  assert.match(analyze, /Label names: 3/);
  assert.match(analyze, /compat_metric/);
  const dump = execFileSync(PROMTOOL, ["tsdb", "dump", dir], { encoding: "utf8", maxBuffer: 64 << 20 });
  const mine = await ours(dir);
  let n = 0;
  for (const v of mine.values()) n += v.length;
  assert.equal(dump.trim().split("\n").length, n);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("real Prometheus: Prometheus 2.42 started on promstack's directory (blocks + WAL + chunks_head) returns the same data", { skip, timeout: 120_000 }, async () => {
  const dir = tmpDir();
  const data = path.join(dir, "data");
  // 10s samples: the head left after cutting blocks holds several complete chunks per series.
  const { t0, t1 } = await writeOurDir(data, 10_000);
  let stored = 0;
  const want = await ours(data, (db) => {
    stored = db.stats.storedChunksLoaded;
    for (let i = 0; i < 30; i++) assert.ok(db.head.seriesByLabels(series(i))!.numCompleteChunks >= 2, "fewer than 2 complete head chunks");
  });
  assert.ok(stored >= 60, `only ${stored} chunks in chunks_head`);
  assert.ok(headChunkBytes(data) > 0);
  let n = 0;
  for (const v of want.values()) n += v.length;
  assert.equal(n, 30 * ((t1 - t0) / 10_000 + 1));
  const prom = await startPrometheus(dir, data);
  try {
    assert.deepEqual(await theirs(prom.base, t1), want);
    // It read our chunk files without finding a corrupt one (it would have dropped them and replayed the WAL).
    assert.equal(await selfMetric(prom.base, "prometheus_tsdb_mmap_chunk_corruptions_total"), 0);
  } finally {
    await prom.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("real Prometheus: promstack opens the chunks_head files and WAL that Prometheus 2.42 wrote", { skip, timeout: 120_000 }, async () => {
  const dir = tmpDir();
  const data = path.join(dir, "data");
  const { t1 } = await writeOurDir(data, 10_000);
  const want = await ours(data);
  // Prometheus rebuilds the head from our WAL and writes its own chunks_head while doing so.
  fs.rmSync(path.join(data, "chunks_head"), { recursive: true, force: true });
  const prom = await startPrometheus(dir, data);
  try {
    assert.deepEqual(await theirs(prom.base, t1), want);
  } finally {
    await prom.stop();
  }
  try {
    assert.ok(headChunkBytes(data) > 0, "Prometheus wrote no head chunks");
    const got = await ours(data, (db) => {
      assert.ok(db.stats.storedChunksLoaded >= 60, `loaded ${db.stats.storedChunksLoaded} chunks`);
      assert.equal(db.stats.storedChunksOrphaned, 0);
      assert.equal(db.stats.walCorruptions, 0);
    });
    assert.deepEqual(got, want);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("real Prometheus: Prometheus 2.42 with out_of_order_time_window replays promstack's out-of-order samples (WBL); promstack reads the directory the same afterwards", { skip, timeout: 120_000 }, async () => {
  const dir = tmpDir();
  const data = path.join(dir, "data");
  const t1 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
  const t0 = t1 - HOUR;
  const l = (i: number) => Labels.fromObject({ __name__: "ooo_metric", i: String(i) });
  const db = await openDB(data, { backgroundCompaction: false, outOfOrderTimeWindowMs: 2 * HOUR });
  for (let t = t0; t <= t1; t += MIN) {
    const app = db.appender();
    for (let i = 0; i < 5; i++) app.append(0, l(i), t, i * 1000 + (t - t0) / MIN);
    await app.commit();
  }
  // Between the in-order samples, committed late.
  for (let t = t0 + 30_000; t < t1; t += 10 * MIN) {
    const app = db.appender();
    for (let i = 0; i < 5; i++) assert.notEqual(app.append(0, l(i), t, -i - (t - t0) / MIN), 0);
    await app.commit();
  }
  assert.equal(db.stats.oooSamplesAppended, 5 * 6);
  await db.close();
  const want = await ours(data);
  for (const v of want.values()) assert.equal(v.length, 61 + 6);
  const ooo = "storage:\n  tsdb:\n    out_of_order_time_window: 2h\n";
  const prom = await startPrometheus(dir, data, ooo);
  try {
    // Its in-order WAL replay drops the late samples; they come from the WBL.
    assert.deepEqual(await theirs(prom.base, t1, "ooo_metric"), want);
  } finally {
    await prom.stop();
  }
  try {
    const again = await ours(data, (d) => assert.ok(d.stats.replayedOOOSamples >= 30));
    assert.deepEqual(again, want);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("real Prometheus: promstack reads blocks that promtool backfilled from OpenMetrics", { skip, timeout: 60_000 }, async () => {
  const dir = tmpDir();
  const om = path.join(dir, "in.om");
  const t0 = 1_700_000_000;
  let text = "# TYPE backfill gauge\n";
  const want = new Map<string, [number, number][]>();
  for (let i = 0; i < 10; i++) {
    const s: [number, number][] = [];
    for (let k = 0; k < 500; k++) {
      const t = t0 + k * 30;
      const v = i * 1.5 + k;
      text += `backfill{i="${i}"} ${v} ${t}\n`;
      s.push([t * 1000, v]);
    }
    want.set(Labels.fromObject({ __name__: "backfill", i: String(i) }).toString(), s);
  }
  // OpenMetrics wants samples grouped per series in time order; promtool sorts what it reads.
  text += "# EOF\n";
  fs.writeFileSync(om, text);
  const data = path.join(dir, "data");
  execFileSync(PROMTOOL, ["tsdb", "create-blocks-from", "openmetrics", om, data], { encoding: "utf8" });
  assert.ok(fs.readdirSync(data).some((n) => /^[0-9A-Z]{26}$/.test(n)));
  const got = await ours(data);
  assert.deepEqual(got, want);
  fs.rmSync(dir, { recursive: true, force: true });
});
