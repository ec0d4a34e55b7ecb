import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
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

/** 30 series, one sample a minute from t0 to t1, value i * 1000 + minute index (plus a fraction). */
async function fill(db: DB, t0: number, t1: number): Promise<void> {
  for (let t = t0; t <= t1; t += MIN) {
    const app = db.appender();
    for (let i = 0; i < 30; i++) app.append(0, series(i), t, i * 1000 + (t - t0) / MIN + 0.25);
    await app.commit();
  }
}

async function ours(dir: string): Promise<Map<string, [number, number][]>> {
  const db = await openDB(dir, { backgroundCompaction: false });
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

/** Writes 5h of recent data: blocks cut from the head (2h each) plus a head in the WAL. */
async function writeOurDir(dir: string): Promise<{ t0: number; t1: number }> {
  const t1 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
  const t0 = t1 - 5 * HOUR;
  const db = await openDB(dir, { backgroundCompaction: false });
  await fill(db, t0, t1);
  await db.compact();
  assert.ok(db.blocks.length >= 1, "no block cut");
  await db.close();
  return { t0, t1 };
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

test("real Prometheus: Prometheus 2.42 started on promstack's directory (blocks + WAL) returns the same data", { skip, timeout: 90_000 }, async () => {
  const dir = tmpDir();
  const data = path.join(dir, "data");
  const { t0, t1 } = await writeOurDir(data);
  const want = await ours(data);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const cfg = path.join(dir, "prometheus.yml");
  fs.writeFileSync(cfg, "global:\n  scrape_interval: 1h\n");
  const p = spawn(PROMETHEUS, [`--config.file=${cfg}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
  const exited = new Promise<void>((r) => p.once("exit", () => r()));
  try {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/-/ready`)).ok) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error("Prometheus did not become ready");
      await new Promise((r) => setTimeout(r, 250));
    }
    const url = `${base}/api/v1/query_range?query=compat_metric&start=${t0 / 1000}&end=${t1 / 1000}&step=60`;
    const body = (await (await fetch(url)).json()) as { status: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
    assert.equal(body.status, "success");
    assert.equal(body.data.result.length, 30);
    for (const r of body.data.result) {
      const key = Labels.fromObject(r.metric).toString();
      const mine = want.get(key);
      assert.ok(mine !== undefined, key);
      assert.deepEqual(
        r.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]),
        mine,
        key,
      );
    }
  } finally {
    p.kill("SIGTERM");
    await exited;
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
