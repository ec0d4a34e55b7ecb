/**
 * FEATURES.md section 4, check 45 ("retention per environment"), loopback
 * form with a short retention: old data imported with `promtool tsdb
 * create-blocks-from openmetrics` into the server's data directory is
 * served after a restart while it is within the retention, and its block is
 * deleted by the retention pass once the server restarts with a retention
 * shorter than its age; a recent block is kept. Real processes throughout
 * (`node bin/promstack promtool ...` and `node bin/promstack prometheus ...`).
 *
 * Prometheus measures time retention between blocks: a block is beyond the
 * retention when the newest block's end minus its end is at least the
 * retention (the head does not count). So the import holds two series: one
 * ten days old and one three hours old, each in its own 2h block.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Daemon, answers200, freePorts, getJSON, instantQuery, waitFor } from "./fixtures/ha/processes.ts";

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;

/** Block directories (ULIDs) of a data directory. */
function blocks(data: string): string[] {
  return readdirSync(data).filter((n) => /^[0-9A-Z]{26}$/.test(n));
}

/** The time range of a block from its meta.json: [minTime, maxTime) in ms. */
function blockRange(data: string, ulid: string): [number, number] {
  const meta = JSON.parse(readFileSync(join(data, ulid, "meta.json"), "utf8")) as { minTime: number; maxTime: number };
  return [meta.minTime, meta.maxTime];
}

/** An OpenMetrics file with 10 samples a minute apart starting at each start (seconds), one series per start. */
function openMetrics(series: Array<{ name: string; startS: number }>): string {
  let out = "";
  for (const s of series) {
    out += `# TYPE ${s.name} gauge\n`;
    for (let i = 0; i < 10; i++) out += `${s.name}{check="45"} ${i} ${s.startS + i * 60}\n`;
  }
  return `${out}# EOF\n`;
}

test("check 45: imported old blocks are served within the retention and deleted beyond it; storageRetention as given", { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-guide-retention-"));
  const data = join(dir, "data");
  const [port] = await freePorts(1);
  const base = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
  let server: Daemon | null = null;
  t.after(async () => {
    await server?.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (retention: string): Promise<Daemon> => {
    const d = Daemon.promstack("prometheus", "prometheus", [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${data}`, `--storage.tsdb.retention.time=${retention}`, `--web.listen-address=127.0.0.1:${port}`]);
    await waitFor("the server ready", () => answers200(`${base}/-/ready`), 60_000, [d]);
    const info = await getJSON<{ data: { storageRetention: string } }>(`${base}/api/v1/status/runtimeinfo`);
    assert.equal(info.data.storageRetention, retention);
    return d;
  };
  const stop = async (d: Daemon): Promise<void> => assert.equal((await d.stop("SIGTERM")).code, 0, d.tail());

  // The server's data directory exists; stopped, old data is imported into it.
  server = await start("30d");
  await stop(server);
  const nowS = Math.floor(Date.now() / 1000);
  const oldS = Math.floor((nowS - 10 * DAY_S) / (2 * HOUR_S)) * 2 * HOUR_S + 600;
  const recentS = Math.floor((nowS - 3 * HOUR_S) / (2 * HOUR_S)) * 2 * HOUR_S - 2 * HOUR_S + 600;
  writeFileSync(join(dir, "old.om"), openMetrics([{ name: "guide_old", startS: oldS }, { name: "guide_recent", startS: recentS }]));
  const imp = spawnSync(process.execPath, ["bin/promstack", "promtool", "tsdb", "create-blocks-from", "openmetrics", join(dir, "old.om"), data], { encoding: "utf8", timeout: 60_000 });
  assert.equal(imp.status, 0, imp.stdout + imp.stderr);
  const imported = blocks(data);
  assert.equal(imported.length, 2, imp.stdout);
  const oldBlock = imported.find((b) => blockRange(data, b)[0] <= oldS * 1000 && oldS * 1000 < blockRange(data, b)[1]);
  assert.ok(oldBlock !== undefined, "a block holds the old samples");

  // Within the 30 days: the restarted server serves the imported samples.
  server = await start("30d");
  const atOld = oldS + 9 * 60;
  assert.deepEqual((await instantQuery(base, "guide_old", atOld)).map((s) => s.value), [[atOld, "9"]]);
  assert.equal((await instantQuery(base, "guide_recent", recentS + 9 * 60)).length, 1);
  await stop(server);
  assert.ok(existsSync(join(data, oldBlock)), "the old block is kept within the retention");

  // A retention of 2 days: the old block goes with the retention pass, the recent one stays.
  server = await start("2d");
  await waitFor("the old block deleted", () => !existsSync(join(data, oldBlock)), 90_000, [server]);
  assert.deepEqual(blocks(data), imported.filter((b) => b !== oldBlock));
  assert.equal((await instantQuery(base, "guide_old", atOld)).length, 0);
  assert.equal((await instantQuery(base, "guide_recent", recentS + 9 * 60)).length, 1);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^prometheus_tsdb_time_retentions_total [1-9]/m);
  await stop(server);
  server = null;
});
