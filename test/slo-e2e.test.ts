/**
 * Checks 11, 12 and 34 of the deployment guide's workflow against the
 * server: the shipped SLO recordings produce slo:availability:ratio_rate5m
 * from the server's own metrics after a cold start; the guide's
 * PrometheusRule manifest loads as a rule file and the API shows its alert;
 * an edited rule file is picked up by POST /-/reload.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusServer, testServerOptions } from "../src/server/index.ts";
import { freePort } from "./net.ts";

const prometheusRule = `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: slo-alerts
  namespace: monitoring
spec:
  groups:
    - name: slo_availability
      interval: 15s
      rules:
        - alert: SLOAvailabilityFastBurn
          expr: |
            slo:availability:burn_rate:1h > 14.4
            and
            slo:availability:burn_rate:6h > 14.4
          for: 2m
          labels:
            severity: critical
          annotations:
            summary: "Fast SLO burn detected"
            description: "Burning error budget at 14.4x rate"
`;

test("SLO recordings from a cold start, the guide's PrometheusRule, reload of edited rules", async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-slo-"));
  const port = await freePort();
  copyFileSync("config/prometheus/recording_rules.yml", join(dir, "recording_rules.yml"));
  writeFileSync(join(dir, "slo-alerts.yaml"), prometheusRule);
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [recording_rules.yml, slo-alerts.yaml]\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ["127.0.0.1:${port}"]\n`,
  );
  const server = new PrometheusServer(testServerOptions(dir, { listenAddress: `127.0.0.1:${port}`, enableLifecycle: true }));
  const t0 = Date.now();
  await server.start();
  const base = `http://127.0.0.1:${port}`;
  try {
    // Check 12: ≥ 1 sample in [0, 1] named slo:availability:ratio_rate5m.
    type QueryBody = { status: string; data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    let body: QueryBody = { status: "", data: { resultType: "", result: [] } };
    while (Date.now() - t0 < 40_000) {
      const r = await fetch(`${base}/api/v1/query?query=slo:availability:ratio_rate5m`);
      assert.equal(r.status, 200);
      body = (await r.json()) as QueryBody;
      if (body.data.result.length > 0) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    assert.ok(body.data.result.length > 0, "no slo:availability:ratio_rate5m within 40s");
    assert.equal(body.status, "success");
    assert.equal(body.data.resultType, "vector");
    const s = body.data.result[0]!;
    assert.equal(s.metric.__name__, "slo:availability:ratio_rate5m");
    const v = Number(s.value[1]);
    assert.ok(v >= 0 && v <= 1, `ratio ${v}`);

    // Check 34: the PrometheusRule's group and alert through the rules API.
    const rules = (await (await fetch(`${base}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: Array<{ name: string; interval: number; rules: Array<Record<string, unknown>> }> };
    };
    const g = rules.data.groups.find((x) => x.name === "slo_availability");
    assert.ok(g !== undefined, "group slo_availability");
    assert.equal(g.interval, 15);
    const a = g.rules[0]!;
    assert.equal(a.name, "SLOAvailabilityFastBurn");
    assert.equal(a.duration, 120);
    assert.deepEqual(a.labels, { severity: "critical" });
    assert.deepEqual(a.annotations, { summary: "Fast SLO burn detected", description: "Burning error budget at 14.4x rate" });
    assert.notEqual(a.health, "err");

    // Check 11: an edited rule file is loaded by POST /-/reload.
    writeFileSync(
      join(dir, "slo-alerts.yaml"),
      prometheusRule.replace("severity: critical", "severity: page"),
    );
    const reload = await fetch(`${base}/-/reload`, { method: "POST" });
    assert.equal(reload.status, 200);
    assert.equal(await reload.text(), "");
    const after = (await (await fetch(`${base}/api/v1/rules?type=alert`)).json()) as typeof rules;
    assert.deepEqual(after.data.groups.find((x) => x.name === "slo_availability")!.rules[0]!.labels, { severity: "page" });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
