/**
 * The server end to end, in-process: it scrapes a real HTTP exporter,
 * evaluates rules from its config, and sends the alert they fire to an
 * Alertmanager — a local receiver, and Debian's real Alertmanager when it
 * is installed (checked with Debian's amtool).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PrometheusServer, testServerOptions } from "../src/server/index.ts";
import { freePort, listen } from "./net.ts";
import { until } from "./until.ts";

const run = promisify(execFile);

async function queryValue(base: string, q: string): Promise<string | null> {
  const r = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
    data: { result: Array<{ value: [number, string] }> };
  };
  return r.data.result.length > 0 ? r.data.result[0]!.value[1] : null;
}

test("server scrapes, records, alerts and notifies", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-e2e-"));
  const exporter = createServer((_req, res) => {
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end('# TYPE demo_requests_total counter\ndemo_requests_total{code="200"} 100\ndemo_requests_total{code="500"} 7\n');
  });
  const exporterPort = await listen(exporter);
  const received: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> = [];
  const am = createServer(async (req, res) => {
    let body = "";
    for await (const c of req) body += c;
    if (req.url === "/api/v2/alerts") received.push(...(JSON.parse(body) as typeof received));
    res.end();
  });
  const amPort = await listen(am);

  const realAM = "/usr/bin/prometheus-alertmanager";
  const amtool = "/usr/bin/amtool";
  let realAMPort = 0;
  let realAMProc: ChildProcess | null = null;
  if (existsSync(realAM) && existsSync(amtool)) {
    realAMPort = await freePort();
    writeFileSync(join(dir, "alertmanager.yml"), "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
    realAMProc = spawn(
      realAM,
      [
        `--config.file=${join(dir, "alertmanager.yml")}`,
        `--storage.path=${join(dir, "am-data")}`,
        `--web.listen-address=127.0.0.1:${realAMPort}`,
        "--cluster.listen-address=",
      ],
      { stdio: "ignore" },
    );
  }
  const amTargets = [`"127.0.0.1:${amPort}"`, ...(realAMPort > 0 ? [`"127.0.0.1:${realAMPort}"`] : [])].join(", ");
  writeFileSync(
    join(dir, "rules.yml"),
    `groups:
  - name: demo
    interval: 1s
    rules:
      - record: job:demo_errors:ratio
        expr: sum by (job) (demo_requests_total{code="500"}) / sum by (job) (demo_requests_total)
      - alert: DemoErrors
        expr: job:demo_errors:ratio > 0.05
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.job }} errors at {{ $value | humanizePercentage }}"
`,
  );
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
  external_labels:
    replica: a
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - static_configs:
        - targets: [${amTargets}]
scrape_configs:
  - job_name: demo
    static_configs:
      - targets: ["127.0.0.1:${exporterPort}"]
`,
  );
  const server = new PrometheusServer(testServerOptions(dir, { enableLifecycle: true, resendDelayMs: 1_000, tsdb: { retentionMs: 15 * 86_400_000, retentionSizeBytes: 0, minBlockDurationMs: 7_200_000, maxBlockDurationMs: 0, noLockfile: false, walCompression: true }, enableAdminApi: true }));
  await server.start();
  const base = `http://127.0.0.1:${server.address.port}`;
  try {
    assert.equal(await until("up", () => queryValue(base, 'up{job="demo"}')), "1");
    const ratio = await until("recording", () => queryValue(base, "job:demo_errors:ratio"));
    assert.equal(Number(ratio).toFixed(4), (7 / 107).toFixed(4));
    const targets = (await (await fetch(`${base}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string }> } };
    assert.equal(targets.data.activeTargets[0]!.health, "up");
    const alert = await until("notification", async () => (received.length > 0 ? received[0]! : null));
    assert.equal(alert.labels.alertname, "DemoErrors");
    assert.equal(alert.labels.replica, "a");
    assert.equal(alert.labels.severity, "page");
    assert.equal(alert.annotations.summary, "demo errors at 6.542%");
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> } };
    assert.deepEqual(
      rules.data.groups[0]!.rules.map((r) => [r.name, r.health]),
      [
        ["job:demo_errors:ratio", "ok"],
        ["DemoErrors", "ok"],
      ],
    );
    if (realAMProc === null) {
      t.diagnostic("Debian's Alertmanager is not installed: the amtool check did not run");
    } else {
      const out = await until(
        "amtool alert query",
        async () => {
          const r = await run(amtool, ["alert", "query", `--alertmanager.url=http://127.0.0.1:${realAMPort}`, "alertname=DemoErrors"]);
          return r.stdout.includes("DemoErrors") ? r.stdout : null;
        },
        30_000,
      );
      assert.match(out, /DemoErrors\s.*demo errors at 6\.542%/);
    }
  } finally {
    await server.stop();
    realAMProc?.kill();
    exporter.close();
    am.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
