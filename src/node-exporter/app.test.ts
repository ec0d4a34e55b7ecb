import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import http from "node:http";
import https from "node:https";
import bcrypt from "bcryptjs";
import { LogLevel, newLogger, nopLogger } from "../util/index.ts";
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
    webConfigFile: null,
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

test("collectors are built once: start-up messages are logged once, collect[] still filters", async () => {
  const logged: string[] = [];
  const ne = createNodeExporter({
    listenAddress: "127.0.0.1:0",
    telemetryPath: "/metrics",
    settings: { ...DEFAULT_SETTINGS, procfs: PROC, arpNetlink: true },
    collectors: COLLECTORS.filter((c) => ["arp", "loadavg"].includes(c.name)),
    disableExporterMetrics: true,
    maxRequests: 0,
    webConfigFile: null,
    logger: newLogger({ level: LogLevel.Info, write: (l) => logged.push(l) }),
  });
  assert.equal(logged.filter((l) => l.includes("arp collector: netlink is not available")).length, 1);
  assert.equal(logged.filter((l) => l.includes("collector=loadavg")).length, 1);
  const only = await ne.render(new Set(["loadavg"]));
  assert.match(only, /^node_scrape_collector_success\{collector="loadavg"\} 1$/m);
  assert.doesNotMatch(only, /collector="arp"/);
  assert.match(await ne.render(null), /^node_scrape_collector_success\{collector="arp"\} 1$/m);
});

const OPENSSL = "/usr/bin/openssl";
const noOpenssl = existsSync(OPENSSL) ? false : `${OPENSSL} not installed`;

/** GETs an https URL trusting `ca`; resolves with the status, or rejects on a TLS/connection error. */
function getTLS(port: number, p: string, ca: string, auth: string | null): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = auth === null ? {} : { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` };
    https
      .get({ host: "127.0.0.1", port, path: p, ca, headers, servername: "localhost" }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString("utf8") }));
      })
      .on("error", reject);
  });
}

/** Runs a loadavg-only exporter under the web config `yaml` (written to dir/web.yml) while fn runs. */
async function withWebConfig(dir: string, yaml: string, fn: (port: number) => Promise<void>): Promise<void> {
  writeFileSync(path.join(dir, "web.yml"), yaml);
  const ne = createNodeExporter({
    listenAddress: "127.0.0.1:0",
    telemetryPath: "/metrics",
    settings: { ...DEFAULT_SETTINGS, procfs: PROC },
    collectors: COLLECTORS.filter((c) => c.name === "loadavg"),
    disableExporterMetrics: true,
    maxRequests: 0,
    webConfigFile: path.join(dir, "web.yml"),
    logger: nopLogger,
  });
  const { port } = await ne.start();
  try {
    await fn(port);
  } finally {
    await ne.stop();
  }
}

const basic = (auth: string): Record<string, string> => ({ Authorization: `Basic ${Buffer.from(auth).toString("base64")}` });

test("--web.config.file: basic auth guards every endpoint", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "promstack-ne-web-"));
  try {
    await withWebConfig(dir, `basic_auth_users:\n  alice: ${bcrypt.hashSync("secret", 4)}\n`, async (port) => {
      const cases = [
        { name: "metrics, no credentials", path: "/metrics", headers: {}, want: 401 },
        { name: "landing page, no credentials", path: "/", headers: {}, want: 401 },
        { name: "metrics, wrong password", path: "/metrics", headers: basic("alice:nope"), want: 401 },
        { name: "metrics, unknown user", path: "/metrics", headers: basic("bob:secret"), want: 401 },
        { name: "metrics, right password", path: "/metrics", headers: basic("alice:secret"), want: 200 },
        { name: "landing page, right password", path: "/", headers: basic("alice:secret"), want: 200 },
      ];
      for (const c of cases) assert.equal((await get(port, c.path, c.headers)).status, c.want, c.name);
      assert.match((await get(port, "/metrics", basic("alice:secret"))).body.toString("utf8"), /^node_load1 0\.21$/m);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--web.config.file: TLS with basic auth", { skip: noOpenssl }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "promstack-ne-tls-"));
  try {
    // P-256: RSA key generation takes seconds on a busy machine.
    const r = spawnSync(OPENSSL, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.crt", "-subj", "/CN=localhost", "-days", "1", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const ca = readFileSync(path.join(dir, "server.crt"), "utf8");
    const yaml = `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  alice: ${bcrypt.hashSync("secret", 4)}\n`;
    await withWebConfig(dir, yaml, async (port) => {
      assert.equal((await getTLS(port, "/metrics", ca, null)).status, 401);
      const ok = await getTLS(port, "/metrics", ca, "alice:secret");
      assert.equal(ok.status, 200);
      assert.match(ok.body, /^node_load1 0\.21$/m);
      // Plain HTTP to the TLS port gets no metrics.
      await assert.rejects(get(port, "/metrics", basic("alice:secret")));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--web.config.file: an invalid file refuses to start", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "promstack-ne-web-"));
  try {
    writeFileSync(path.join(dir, "web.yml"), "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n");
    const ne = createNodeExporter({
      listenAddress: "127.0.0.1:0",
      telemetryPath: "/metrics",
      settings: DEFAULT_SETTINGS,
      collectors: [],
      disableExporterMetrics: true,
      maxRequests: 0,
      webConfigFile: path.join(dir, "web.yml"),
      logger: nopLogger,
    });
    await assert.rejects(ne.start(), { name: "WebConfigError" });
    await ne.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
