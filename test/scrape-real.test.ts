/**
 * promstack scrapes the real exporters: Debian's node_exporter and
 * Prometheus 2.42's own /metrics, every second for several scrapes, so
 * that later scrapes take their lines by the series texts of earlier ones
 * (skipped with the reason when a package is absent). Both answer our
 * Accept header, which prefers OpenMetrics, with the text format.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusServer, testServerOptions } from "../src/server/index.ts";
import { freePort } from "./net.ts";
import { until } from "./until.ts";

const nodeExporter = "/usr/bin/prometheus-node-exporter";
const prometheus = "/usr/bin/prometheus";
const missing = [nodeExporter, prometheus].filter((p) => !existsSync(p));

test("promstack scrapes Debian's node_exporter and Prometheus", { skip: missing.length > 0 ? `not installed: ${missing.join(", ")}` : false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-scrape-real-"));
  const nePort = await freePort();
  const promPort = await freePort();
  writeFileSync(join(dir, "real.yml"), "global:\n  scrape_interval: 1m\n");
  const procs: ChildProcess[] = [
    spawn(nodeExporter, [`--web.listen-address=127.0.0.1:${nePort}`], { stdio: "ignore" }),
    spawn(prometheus, [`--config.file=${join(dir, "real.yml")}`, `--storage.tsdb.path=${join(dir, "real-data")}`, `--web.listen-address=127.0.0.1:${promPort}`], {
      stdio: "ignore",
    }),
  ];
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ["127.0.0.1:${nePort}"]\n  - job_name: prometheus\n    static_configs:\n      - targets: ["127.0.0.1:${promPort}"]\n`,
  );
  const server = new PrometheusServer(testServerOptions(dir));
  await server.start();
  const base = `http://127.0.0.1:${server.address.port}`;
  const query = async (q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> =>
    ((await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } })
      .data.result;
  try {
    const both = async (q: string) => {
      const r = await query(q);
      return r.length === 2 ? r : null;
    };
    const up = await until("both targets up", () => both("up == 1"), 30_000);
    assert.deepEqual(up.map((s) => s.metric.job).sort(), ["node", "prometheus"]);
    for (const q of ['node_cpu_seconds_total{job="node",mode="idle"}', 'node_memory_MemAvailable_bytes{job="node"}', 'prometheus_build_info{job="prometheus"}', 'go_goroutines{job="prometheus"}']) {
      assert.ok((await query(q)).length > 0, `no ${q}`);
    }
    const samples = await query('scrape_samples_scraped{job="node"}');
    assert.ok(Number(samples[0]!.value[1]) > 100, "node_exporter scrape too small");
    // Five scrapes of each, all up, each appending every sample it scraped.
    await until("five scrapes of each target", () => both("count_over_time(up[1m]) >= 5"), 20_000);
    assert.deepEqual((await query("min_over_time(up[1m]) < 1")).map((s) => s.metric.job), []);
    assert.deepEqual((await query("scrape_samples_scraped != scrape_samples_post_metric_relabeling")).map((s) => s.metric.job), []);
    const targets = (await (await fetch(`${base}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastError: string }> } };
    for (const t of targets.data.activeTargets) assert.deepEqual([t.health, t.lastError], ["up", ""]);
  } finally {
    await server.stop();
    for (const p of procs) p.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
