/**
 * Federation and self-metrics with the real peer: promstack scrapes an
 * exporter; /federate serves its series; Debian's Prometheus 2.42 (when
 * installed) federates from promstack and scrapes promstack's /metrics.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusServer, testServerOptions } from "../src/server/index.ts";
import { freePort, listen } from "./net.ts";
import { until } from "./until.ts";

async function instant(base: string, q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const r = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  return r.data.result;
}

test("federation: /federate serves the newest samples, a real Prometheus federates and scrapes us", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-fed-"));
  const exporter = createServer((_req, res) => {
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end('# TYPE demo_requests_total counter\ndemo_requests_total{code="200"} 100\ndemo_requests_total{code="500"} 7\n');
  });
  const exporterPort = await listen(exporter);
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global:\n  scrape_interval: 1s\n  external_labels:\n    cluster: dev\nscrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ["127.0.0.1:${exporterPort}"]\n`,
  );
  const server = new PrometheusServer(testServerOptions(dir));
  await server.start();
  const ours = `127.0.0.1:${server.address.port}`;
  try {
    const body = await until("federated samples", async () => {
      const text = await (await fetch(`http://${ours}/federate?match[]=${encodeURIComponent('{job="demo"}')}`)).text();
      return text.includes("demo_requests_total") && text.includes("up{") ? text : null;
    }, 30_000);
    const lines = body.trim().split("\n");
    assert.equal(lines[0], "# TYPE demo_requests_total untyped");
    assert.match(lines[1]!, /^demo_requests_total\{code="200",instance="127\.0\.0\.1:\d+",job="demo",cluster="dev"\} 100 \d+$/);
    assert.match(lines[2]!, /^demo_requests_total\{code="500",instance="127\.0\.0\.1:\d+",job="demo",cluster="dev"\} 7 \d+$/);
    assert.ok(lines.includes("# TYPE up untyped"));
    assert.equal((await fetch(`http://${ours}/federate`)).status, 200);
    assert.equal((await fetch(`http://${ours}/federate?match[]=${encodeURIComponent("{")}`)).status, 400);

    const real = "/usr/bin/prometheus";
    if (!existsSync(real)) {
      t.diagnostic(`${real} is not installed: the real-Prometheus half did not run`);
      return;
    }
    const port = await freePort();
    const realDir = join(dir, "real");
    writeFileSync(
      join(dir, "real.yml"),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: federate\n    honor_labels: true\n    metrics_path: /federate\n    params:\n      'match[]': ['{job="demo"}']\n    static_configs:\n      - targets: ["${ours}"]\n  - job_name: promstack\n    static_configs:\n      - targets: ["${ours}"]\n`,
    );
    const proc = spawn(real, [`--config.file=${join(dir, "real.yml")}`, `--storage.tsdb.path=${realDir}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: "ignore",
    });
    try {
      const realBase = `http://127.0.0.1:${port}`;
      const fed = await until("federated series in Prometheus", async () => {
        const r = await instant(realBase, 'demo_requests_total{cluster="dev"}');
        return r.length === 2 ? r : null;
      }, 30_000);
      assert.deepEqual(
        fed.map((s) => [s.metric.code, s.metric.job, s.value[1]]).sort(),
        [
          ["200", "demo", "100"],
          ["500", "demo", "7"],
        ],
      );
      const up = await until("promstack scraped by Prometheus", async () => {
        const r = await instant(realBase, 'up{job="promstack"}');
        return r.length === 1 ? r : null;
      }, 30_000);
      assert.equal(up[0]!.value[1], "1");
      const reloads = await until("self-metrics in Prometheus", async () => {
        const r = await instant(realBase, 'prometheus_config_last_reload_successful{job="promstack"}');
        return r.length === 1 ? r : null;
      }, 30_000);
      assert.equal(reloads[0]!.value[1], "1");
    } finally {
      proc.kill();
    }
  } finally {
    await server.stop();
    exporter.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
