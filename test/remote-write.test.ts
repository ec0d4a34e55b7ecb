/**
 * Remote write and read against the real thing: a real Prometheus (Debian's
 * 2.42) remote-writes into promstack's receiver, and each remote-reads from
 * the other. promstack writing into a real Prometheus, across a receiver
 * outage, is in remote-outage.test.ts. Skipped when /usr/bin/prometheus is
 * absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusServer, testServerOptions } from "../src/server/index.ts";
import { freePort } from "./net.ts";
import { exporter, maxTime, rangeAt, skipWithoutReal as skip, startReal, stopProcess as stopReal } from "./remote-util.ts";
import { until } from "./until.ts";

function newServer(dir: string, receiver: boolean): PrometheusServer {
  return new PrometheusServer(testServerOptions(dir, { enableRemoteWriteReceiver: receiver, remoteFlushDeadlineMs: 2000 }));
}

test("remote write: Prometheus 2.42 → promstack's receiver", { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-rw-in-"));
  const exp = await exporter();
  writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
  const ours = newServer(dir, true);
  await ours.start();
  const ourBase = `http://127.0.0.1:${ours.address.port}`;
  const realPort = await freePort();
  const realBase = `http://127.0.0.1:${realPort}`;
  writeFileSync(
    join(dir, "real.yml"),
    [
      "global:",
      "  scrape_interval: 500ms",
      "  external_labels:",
      "    origin: real",
      "scrape_configs:",
      "  - job_name: demo",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${exp.port}"]`,
      "remote_write:",
      `  - url: ${ourBase}/api/v1/write`,
      "    queue_config:",
      "      batch_send_deadline: 200ms",
      "",
    ].join("\n"),
  );
  const real = startReal([`--config.file=${join(dir, "real.yml")}`, `--storage.tsdb.path=${join(dir, "real-data")}`, `--web.listen-address=127.0.0.1:${realPort}`]);
  try {
    await until("real Prometheus ready", async () => ((await fetch(`${realBase}/-/ready`)).ok ? true : null), 60_000);
    await until("a few scrapes at the real Prometheus", async () => ((await rangeAt(realBase, 'demo_value{job="demo"}[10m]', Date.now() / 1000)).length >= 10 ? true : null), 60_000);
    const T = Date.now() / 1000;
    await until("samples up to T at promstack", async () => ((await maxTime(ourBase, 'up{origin="real"}')) >= T ? true : null), 60_000);
    const want = await rangeAt(realBase, '{job="demo"}[10m]', T);
    const got = await rangeAt(ourBase, '{origin="real"}[10m]', T, ["origin"]);
    assert.ok(want.length >= 10);
    assert.deepEqual(got, want);
    const metrics = await (await fetch(`${realBase}/metrics`)).text();
    assert.match(metrics, /prometheus_remote_storage_samples_failed_total\{[^}]*\} 0/);
  } finally {
    await stopReal(real);
    await ours.stop().catch(() => {});
    await exp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("remote read: promstack reads from Prometheus 2.42 and Prometheus 2.42 reads from promstack", { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-rr-"));
  const expReal = await exporter();
  const expOurs = await exporter();
  const realPort = await freePort();
  const realBase = `http://127.0.0.1:${realPort}`;
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 500ms",
      "scrape_configs:",
      "  - job_name: ours",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${expOurs.port}"]`,
      "remote_read:",
      `  - url: ${realBase}/api/v1/read`,
      "    read_recent: true",
      "",
    ].join("\n"),
  );
  const ours = newServer(dir, false);
  await ours.start();
  const ourBase = `http://127.0.0.1:${ours.address.port}`;
  writeFileSync(
    join(dir, "real.yml"),
    [
      "global:",
      "  scrape_interval: 500ms",
      "scrape_configs:",
      "  - job_name: real",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${expReal.port}"]`,
      "remote_read:",
      `  - url: ${ourBase}/api/v1/read`,
      "    read_recent: true",
      "",
    ].join("\n"),
  );
  const real = startReal([`--config.file=${join(dir, "real.yml")}`, `--storage.tsdb.path=${join(dir, "real-data")}`, `--web.listen-address=127.0.0.1:${realPort}`]);
  try {
    await until("real Prometheus ready", async () => ((await fetch(`${realBase}/-/ready`)).ok ? true : null), 60_000);
    // Both have scraped ten times (7 series per scrape; the real one discovers its target after about 5s).
    await until("scrapes at both", async () => {
      const now = Date.now() / 1000;
      const a = await rangeAt(realBase, '{job="real"}[10m]', now);
      const b = await rangeAt(ourBase, '{job="ours"}[10m]', now);
      return a.length >= 70 && b.length >= 70 ? true : null;
    }, 60_000);
    // A time in the past, so both sides hold all of their samples up to it.
    const T = Math.floor(Date.now() / 1000) - 2;
    // promstack answers about the real Prometheus's job through remote read, as the real one answers locally.
    const realLocal = await rangeAt(realBase, '{job="real"}[10m]', T);
    assert.ok(realLocal.length >= 5, `only ${realLocal.length} samples`);
    assert.deepEqual(await rangeAt(ourBase, '{job="real"}[10m]', T), realLocal);
    // And the real Prometheus answers about promstack's job through its remote read of us.
    const oursLocal = await rangeAt(ourBase, '{job="ours"}[10m]', T);
    assert.ok(oursLocal.length >= 5, `only ${oursLocal.length} samples`);
    assert.deepEqual(await rangeAt(realBase, '{job="ours"}[10m]', T), oursLocal);
  } finally {
    await stopReal(real);
    await ours.stop().catch(() => {});
    await expReal.close();
    await expOurs.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
