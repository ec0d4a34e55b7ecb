import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import http from "node:http";
import { nopLogger } from "../util/index.ts";
import { COLLECTORS, DEFAULT_SETTINGS, createNodeExporter, parseListenAddress } from "./index.ts";

const PROC = path.resolve(process.cwd(), "../shared/reference/node-exporter/proc");

function get(port: number, p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: p, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on("error", reject);
  });
}

test("HTTP: /metrics, gzip, collect[] filter, landing page and 404", async () => {
  const ne = createNodeExporter({
    listenAddress: "127.0.0.1:0",
    telemetryPath: "/metrics",
    settings: { ...DEFAULT_SETTINGS, procfs: PROC },
    collectors: COLLECTORS.filter((c) => ["loadavg", "meminfo", "stat"].includes(c.name)),
    disableExporterMetrics: false,
    maxRequests: 40,
    logger: nopLogger,
  });
  const { port } = await ne.start();
  try {
    const r = await get(port, "/metrics");
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    const body = r.body.toString("utf8");
    for (const line of [
      "# HELP node_load1 1m load average.",
      "# TYPE node_load1 gauge",
      "node_load1 0.21",
      "node_memory_MemTotal_bytes 3.831959552e+09",
      "node_boot_time_seconds 1.418183276e+09",
      'node_scrape_collector_success{collector="loadavg"} 1',
      "promhttp_metric_handler_requests_in_flight 1",
    ]) {
      assert.ok(body.split("\n").includes(line), `missing line: ${line}`);
    }

    const z = await get(port, "/metrics", { "Accept-Encoding": "gzip, deflate" });
    assert.equal(z.headers["content-encoding"], "gzip");
    assert.match(gunzipSync(z.body).toString("utf8"), /^node_load5 0\.37$/m);
    assert.match(gunzipSync(z.body).toString("utf8"), /^promhttp_metric_handler_requests_total\{code="200"\} 1$/m);

    const f = (await get(port, "/metrics?collect[]=loadavg")).body.toString("utf8");
    assert.match(f, /^node_load1 /m);
    assert.doesNotMatch(f, /node_memory_/);
    assert.equal((await get(port, "/metrics?collect[]=nope")).status, 400);

    const home = await get(port, "/");
    assert.equal(home.status, 200);
    assert.match(home.body.toString("utf8"), /<a href="\/metrics">Metrics<\/a>/);
    assert.equal((await get(port, "/other")).status, 404);
  } finally {
    await ne.stop();
  }
});

const addrs = [
  { name: "all interfaces", addr: ":9100", want: { host: null, port: 9100 } },
  { name: "ipv4", addr: "127.0.0.1:0", want: { host: "127.0.0.1", port: 0 } },
  { name: "ipv6", addr: "[::1]:9100", want: { host: "::1", port: 9100 } },
];
for (const c of addrs) test(`parseListenAddress: ${c.name}`, () => assert.deepEqual(parseListenAddress(c.addr), c.want));
test("parseListenAddress: missing port", () => assert.throws(() => parseListenAddress("localhost"), /missing port/));
