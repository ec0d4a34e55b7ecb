/**
 * The request patterns of Grafana's Prometheus data source (form POSTs for
 * queries, start/end on metadata calls, match[] on label values), against
 * an in-process server that scrapes a real HTTP exporter.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusServer, testServerOptions } from "../src/server/index.ts";
import { listen } from "./net.ts";

interface Envelope<T> {
  status: string;
  data: T;
}

test("Grafana's data source request patterns", async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-grafana-"));
  let n = 0;
  const exporter = createServer((_req, res) => {
    n++;
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end(
      `# HELP app_requests_total Requests served.\n# TYPE app_requests_total counter\napp_requests_total{code="200"} ${n * 10}\napp_requests_total{code="500"} ${n}\n`,
    );
  });
  const port = await listen(exporter);
  writeFileSync(join(dir, "prometheus.yml"), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ["127.0.0.1:${port}"]\n`);
  const server = new PrometheusServer(testServerOptions(dir));
  await server.start();
  const base = `http://127.0.0.1:${server.address.port}`;
  const form = (path: string, params: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "accept-encoding": "gzip, deflate" },
      body: new URLSearchParams(params).toString(),
    });
  try {
    const build = (await (await fetch(`${base}/api/v1/status/buildinfo`)).json()) as Envelope<{ version: string }>;
    assert.equal(build.status, "success");
    // Wait for three scrapes.
    for (let i = 0; i < 100 && n < 3; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    const now = Math.floor(Date.now() / 1000);
    const start = String(now - 300);
    const end = String(now);

    const range = (await (
      await form("/api/v1/query_range", { query: 'sum by (code) (rate(app_requests_total{job="app"}[1m]))', start, end, step: "1" })
    ).json()) as Envelope<{ resultType: string; result: Array<{ metric: Record<string, string>; values: [number, string][] }> }>;
    assert.equal(range.data.resultType, "matrix");
    assert.deepEqual(range.data.result.map((s) => s.metric.code).sort(), ["200", "500"]);
    for (const s of range.data.result) for (const [t, v] of s.values) assert.ok(Number.isInteger(t) && Number.isFinite(Number(v)));

    const inst = (await (await form("/api/v1/query", { query: "app_requests_total", time: end })).json()) as Envelope<{ result: unknown[] }>;
    assert.equal(inst.data.result.length, 2);

    const labels = (await (await fetch(`${base}/api/v1/labels?start=${start}&end=${end}`)).json()) as Envelope<string[]>;
    assert.deepEqual(labels.data, ["__name__", "code", "instance", "job"]);

    const names = (await (await fetch(`${base}/api/v1/label/__name__/values?start=${start}&end=${end}`)).json()) as Envelope<string[]>;
    assert.ok(names.data.includes("app_requests_total") && names.data.includes("up"));

    const codes = (await (
      await fetch(`${base}/api/v1/label/code/values?match[]=${encodeURIComponent('app_requests_total{job="app"}')}&start=${start}&end=${end}`)
    ).json()) as Envelope<string[]>;
    assert.deepEqual(codes.data, ["200", "500"]);

    const series = (await (
      await form("/api/v1/series", { "match[]": '{__name__="app_requests_total"}', start, end })
    ).json()) as Envelope<Array<Record<string, string>>>;
    assert.equal(series.data.length, 2);

    const meta = (await (await fetch(`${base}/api/v1/metadata?limit=1000`)).json()) as Envelope<Record<string, Array<{ type: string; help: string }>>>;
    assert.deepEqual(meta.data.app_requests_total, [{ type: "counter", help: "Requests served.", unit: "" }]);
  } finally {
    await server.stop();
    exporter.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
