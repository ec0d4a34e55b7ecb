import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusServer, externalURLAndPrefix, testServerOptions } from "./index.ts";

const goodConfig = "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['localhost:9090']\n";

async function withServer(opts: { lifecycle: boolean; prefix?: string }, fn: (base: string, s: PrometheusServer, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "promstack-server-"));
  writeFileSync(join(dir, "prometheus.yml"), goodConfig);
  const s = new PrometheusServer(
    testServerOptions(dir, {
      routePrefix: opts.prefix ?? "",
      enableLifecycle: opts.lifecycle,
      tsdb: { retentionMs: 15 * 86_400_000, retentionSizeBytes: 0, minBlockDurationMs: 7_200_000, maxBlockDurationMs: 0, noLockfile: false, walCompression: true },
      enableAdminApi: true,
      flags: { "web.enable-lifecycle": String(opts.lifecycle) },
    }),
  );
  await s.start();
  try {
    await fn(`http://127.0.0.1:${s.address.port}${opts.prefix ?? ""}`, s, dir);
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("server: health, readiness and the API answer", async () => {
  await withServer({ lifecycle: false }, async (base) => {
    assert.equal(await (await fetch(`${base}/-/healthy`)).text(), "Prometheus Server is Healthy.\n");
    assert.equal(await (await fetch(`${base}/-/ready`)).text(), "Prometheus Server is Ready.\n");
    const r = await fetch(`${base}/api/v1/query?query=vector(3)&time=10`);
    assert.equal(await r.text(), '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[10,"3"]}]}}');
    const nf = await fetch(`${base}/nope`);
    assert.equal(nf.status, 404);
  });
});

test("server: admin API snapshots and deletes series", async () => {
  await withServer({ lifecycle: false }, async (base, _s, dir) => {
    const snap = await fetch(`${base}/api/v1/admin/tsdb/snapshot`, { method: "POST" });
    assert.equal(snap.status, 200);
    const body = (await snap.json()) as { data: { name: string } };
    assert.match(body.data.name, /^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
    assert.ok(existsSync(join(dir, "data", "snapshots", body.data.name)));
    const del = await fetch(`${base}/api/v1/admin/tsdb/delete_series?match[]=up`, { method: "POST" });
    assert.equal(del.status, 204);
    const noMatch = await fetch(`${base}/api/v1/admin/tsdb/delete_series`, { method: "POST" });
    assert.equal(noMatch.status, 400);
    assert.equal((await fetch(`${base}/api/v1/admin/tsdb/clean_tombstones`, { method: "PUT" })).status, 204);
  });
});

test("server: response body sizes by handler; federation counters; remote read queries in flight", async () => {
  await withServer({ lifecycle: false }, async (base) => {
    const plain = await (await fetch(`${base}/api/v1/labels`, { headers: { "accept-encoding": "identity" } })).arrayBuffer();
    const buckets = (m: string, handler: string): Map<string, number> =>
      new Map([...m.matchAll(new RegExp(`^prometheus_http_response_size_bytes_bucket\\{handler="${handler.replace(/[/]/g, "\\/")}",le="([^"]+)"\\} (\\S+)$`, "gm"))].map((x) => [x[1]!, Number(x[2])]));
    const m = await (await fetch(`${base}/metrics`)).text();
    assert.match(m, /^# TYPE prometheus_http_response_size_bytes histogram$/m);
    const b = buckets(m, "/api/v1/labels");
    assert.equal(b.get("+Inf"), 1);
    // The one response falls in the first bucket at least as large as its body.
    const le = [100, 1e3, 1e4].find((x) => x >= plain.byteLength)!;
    assert.equal(b.get(String(le === 1e3 ? "1000" : le === 1e4 ? "10000" : "100")), 1);
    assert.match(m, new RegExp(`^prometheus_http_response_size_bytes_sum\\{handler="/api/v1/labels"\\} ${plain.byteLength}$`, "m"));
    assert.match(m, /^prometheus_api_remote_read_queries 0$/m);
    // A bad remote read request: counted while answered, not after.
    assert.equal((await fetch(`${base}/api/v1/read`, { method: "POST", body: "not snappy" })).status, 400);
    assert.match(await (await fetch(`${base}/metrics`)).text(), /^prometheus_api_remote_read_queries 0$/m);
    assert.match(m, /^prometheus_web_federation_errors_total 0$/m);
    assert.match(m, /^prometheus_web_federation_warnings_total 0$/m);
  });
});

test("server: lifecycle endpoints are refused unless enabled", async () => {
  await withServer({ lifecycle: false }, async (base) => {
    const r = await fetch(`${base}/-/reload`, { method: "POST" });
    assert.equal(r.status, 403);
    assert.equal(await r.text(), "Lifecycle API is not enabled.\n");
    assert.equal((await fetch(`${base}/-/reload`)).status, 405);
  });
});

test("server: a broken config is rejected on reload and the old one keeps running", async () => {
  await withServer({ lifecycle: true }, async (base, _s, dir) => {
    assert.equal((await fetch(`${base}/-/reload`, { method: "POST" })).status, 200);
    writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 15s\n  bogus_field: 1\n");
    const r = await fetch(`${base}/-/reload`, { method: "POST" });
    assert.equal(r.status, 500);
    assert.match(await r.text(), /^failed to reload config: .*field bogus_field not found/s);
    const m = await (await fetch(`${base}/metrics`)).text();
    assert.match(m, /^prometheus_config_last_reload_successful 0$/m);
    assert.match(m, /^prometheus_config_reloads_total 2$/m);
    assert.match(m, /^prometheus_config_last_reload_success_timestamp_seconds \d/m);
    assert.match(m, /^prometheus_http_requests_total\{code="200",handler="\/-\/reload"\} 1$/m);
    assert.match(m, /^prometheus_http_requests_total\{code="500",handler="\/-\/reload"\} 1$/m);
    assert.match(m, /^prometheus_tsdb_head_series 0$/m);
    assert.match(m, /^process_resident_memory_bytes /m);
    assert.match(m, /^prometheus_build_info\{/m);
    const cfg = (await (await fetch(`${base}/api/v1/status/config`)).json()) as { data: { yaml: string } };
    assert.match(cfg.data.yaml, /job_name: self/);
  });
});

test("server: routes live under the route prefix", async () => {
  await withServer({ lifecycle: false, prefix: "/prom" }, async (base) => {
    assert.equal((await fetch(`${base}/-/healthy`)).status, 200);
    assert.equal((await fetch(`${base}/api/v1/query?query=1`)).status, 200);
    assert.equal((await fetch(base.replace("/prom", "") + "/-/healthy")).status, 404);
  });
});

const promtool = "/usr/bin/promtool";
test("server: Debian's promtool queries it", { skip: existsSync(promtool) ? false : `${promtool} is not installed (apt-get install prometheus)` }, async () => {
  await withServer({ lifecycle: false }, async (base) => {
    // The server runs in this process: promtool must run without blocking the event loop.
    const run = promisify(execFile);
    const out = await run(promtool, ["query", "instant", "--time=100", base, "vector(7) + 1"]);
    assert.equal(out.stdout.trim(), "{} => 8 @[100]");
    const range = await run(promtool, ["query", "range", "--start=0", "--end=120", "--step=60s", base, "vector(2)"]);
    assert.equal(range.stdout.trim(), "{} =>\n2 @[0]\n2 @[60]\n2 @[120]");
  });
});

const urlCases = [
  { name: "derived from the host", ext: "", prefix: "", want: "/" },
  { name: "path of the external URL", ext: "http://example.com/prometheus/", prefix: "", want: "/prometheus" },
  { name: "explicit prefix wins", ext: "http://example.com/a", prefix: "b/", want: "/b" },
];
for (const c of urlCases) {
  test(`route prefix: ${c.name}`, () => assert.equal(externalURLAndPrefix(c.ext, c.prefix, ":9090").prefix, c.want));
}

test("server: prometheus_ready once started; a broken rule file on reload answers upstream's error and keeps the rule group metrics", async () => {
  await withServer({ lifecycle: true }, async (base, _s, dir) => {
    const metrics = async (): Promise<string> => (await fetch(`${base}/metrics`)).text();
    assert.match(await metrics(), /^prometheus_ready 1$/m);
    const cfg = join(dir, "prometheus.yml");
    const rules = join(dir, "rules.yml");
    writeFileSync(rules, "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: vector(1)\n");
    writeFileSync(cfg, `${goodConfig}rule_files: [rules.yml]\n`);
    assert.equal((await fetch(`${base}/-/reload`, { method: "POST" })).status, 200);
    const group = `prometheus_rule_group_rules{rule_group="${rules};g"} 1`;
    assert.ok((await metrics()).includes(group));
    writeFileSync(rules, "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: sum(\n");
    const r = await fetch(`${base}/-/reload`, { method: "POST" });
    assert.equal(r.status, 500);
    assert.equal(await r.text(), `failed to reload config: one or more errors occurred while applying the new configuration (--config.file=${JSON.stringify(cfg)})\n`);
    const after = await metrics();
    assert.ok(after.includes(group), "the running group keeps its series");
    assert.match(after, /^prometheus_config_last_reload_successful 0$/m);
  });
});

test("server: template expansions of firing alerts are counted, failures too; a template that does not parse rejects the reload", async () => {
  await withServer({ lifecycle: true }, async (base, _s, dir) => {
    writeFileSync(
      join(dir, "rules.yml"),
      [
        "groups:",
        "  - name: g",
        "    interval: 100ms",
        "    rules:",
        "      - alert: Good",
        "        expr: vector(1)",
        "        annotations: { summary: 'value {{ $value }}' }",
        "      - alert: Bad",
        "        expr: vector(1)",
        "        annotations: { summary: '{{ $value | noSuchFunction }}' }",
        "",
      ].join("\n"),
    );
    writeFileSync(join(dir, "prometheus.yml"), `${goodConfig}rule_files: [rules.yml]\n`);
    // NOTE: matches Prometheus: rule loading parses alert templates (function "noSuchFunction" not defined).
    assert.equal((await fetch(`${base}/-/reload`, { method: "POST" })).status, 500);
    // Parses, but fails when executed: indexing a map with a number.
    writeFileSync(join(dir, "rules.yml"), readFileSync(join(dir, "rules.yml"), "utf8").replace("$value | noSuchFunction", "index $labels 5"));
    assert.equal((await fetch(`${base}/-/reload`, { method: "POST" })).status, 200);
    const counter = (m: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(m)?.[1] ?? "NaN");
    let m = "";
    for (let i = 0; i < 100; i++) {
      m = await (await fetch(`${base}/metrics`)).text();
      if (counter(m, "prometheus_template_text_expansion_failures_total") >= 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const failures = counter(m, "prometheus_template_text_expansion_failures_total");
    assert.ok(failures >= 1, `failures ${failures}`);
    assert.ok(counter(m, "prometheus_template_text_expansions_total") > failures, "the good alert's expansions count too");
  });
});
