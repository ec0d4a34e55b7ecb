/**
 * A remote write receiver away for a full minute: promstack remote-writes
 * to two Debian Prometheus 2.42 receivers at once while it keeps scraping.
 * One sits behind a proxy that answers 503 for 30 s and then resets every
 * connection for 30 s (the receiver itself stays up); the other is killed
 * with SIGKILL and restarted on the same data directory 60 s later. When
 * they are back, every sample promstack holds arrives exactly once at both
 * (same series, same timestamps, same values, as the receivers' query API
 * shows), and the prometheus_remote_storage_* metrics show the retries.
 * Skipped when /usr/bin/prometheus is absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusServer, testServerOptions } from "../src/server/index.ts";
import { freePort, listen } from "./net.ts";
import { countsPerSeries, exporter, maxTime, metricValue, minLastTime, rangeAt, skipWithoutReal, startReal, stopProcess, waitReady } from "./remote-util.ts";
import { until } from "./until.ts";

const OUTAGE_MS = 60_000;

/** How the proxy treats requests: forward them, answer 503, or reset the connection. */
const ProxyMode = { Forward: "forward", Unavailable: "503", Reset: "reset" } as const;
type ProxyMode = (typeof ProxyMode)[keyof typeof ProxyMode];

/** A reverse proxy in front of a receiver that can play an outage; counts what it did. */
async function outageProxy(target: string): Promise<{ port: number; mode: { current: ProxyMode }; counts: Record<ProxyMode, number>; close: () => Promise<void> }> {
  const mode = { current: ProxyMode.Forward as ProxyMode };
  const counts: Record<ProxyMode, number> = { forward: 0, "503": 0, reset: 0 };
  const sockets = new Set<Socket>();
  const body = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => resolve(Buffer.concat(parts)));
      req.on("error", reject);
    });
  const s = createServer((req, res) => {
    const m = mode.current;
    counts[m]++;
    if (m === ProxyMode.Reset) {
      req.socket.destroy();
      return;
    }
    void body(req).then(async (b) => {
      if (m === ProxyMode.Unavailable) {
        res.writeHead(503, { "content-type": "text/plain" });
        res.end("receiver on a break\n");
        return;
      }
      const headers: Record<string, string> = {};
      for (const h of ["content-type", "content-encoding", "x-prometheus-remote-write-version", "user-agent", "retry-attempt"]) {
        const v = req.headers[h];
        if (typeof v === "string") headers[h] = v;
      }
      try {
        const r = await fetch(`${target}${req.url}`, { method: req.method, headers, body: b });
        const text = Buffer.from(await r.arrayBuffer());
        res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "text/plain" });
        res.end(text);
      } catch (e) {
        res.writeHead(502);
        res.end(`proxy: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    });
  });
  s.on("connection", (c: Socket) => {
    sockets.add(c);
    c.on("close", () => sockets.delete(c));
  });
  const port = await listen(s);
  return {
    port,
    mode,
    counts,
    close: () =>
      new Promise<void>((r) => {
        for (const c of sockets) c.destroy();
        s.close(() => r());
      }),
  };
}

test("remote write: a receiver away for a minute (503s and resets behind a proxy; killed and restarted), every sample arrives exactly once", { skip: skipWithoutReal, timeout: 360_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-rw-outage-"));
  const exp = await exporter();
  writeFileSync(join(dir, "real.yml"), "global:\n  scrape_interval: 1m\n");
  const realArgs = async (name: string): Promise<{ args: string[]; base: string }> => {
    const port = await freePort();
    return {
      args: [`--config.file=${join(dir, "real.yml")}`, `--storage.tsdb.path=${join(dir, `${name}-data`)}`, `--web.listen-address=127.0.0.1:${port}`, "--web.enable-remote-write-receiver"],
      base: `http://127.0.0.1:${port}`,
    };
  };
  const proxied = await realArgs("proxied");
  const killed = await realArgs("killed");
  const realProxied = startReal(proxied.args);
  let realKilled = startReal(killed.args);
  const proxy = await outageProxy(proxied.base);
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "scrape_configs:",
      "  - job_name: demo",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${exp.port}"]`,
      "remote_write:",
      // A small queue: it fills during the outage, so the rest waits in the WAL.
      `  - url: http://127.0.0.1:${proxy.port}/api/v1/write`,
      "    name: proxied",
      "    queue_config:",
      "      capacity: 100",
      "      max_samples_per_send: 50",
      "      batch_send_deadline: 1s",
      // Upstream's defaults otherwise (max_backoff 5s).
      `  - url: ${killed.base}/api/v1/write`,
      "    name: killed",
      "    queue_config:",
      "      batch_send_deadline: 1s",
      "",
    ].join("\n"),
  );
  const ours = new PrometheusServer(testServerOptions(dir, { remoteFlushDeadlineMs: 2000 }));
  try {
    await waitReady(proxied.base, "real Prometheus (proxied) ready");
    await waitReady(killed.base, "real Prometheus (killed) ready");
    await ours.start();
    const ourBase = `http://127.0.0.1:${ours.address.port}`;
    await until("first samples at both receivers", async () =>
      (await maxTime(proxied.base, 'demo_value{job="demo"}')) > 0 && (await maxTime(killed.base, 'demo_value{job="demo"}')) > 0 ? true : null,
      60_000,
    );

    // The outage: a minute for both, while promstack keeps scraping.
    const downAt = Date.now() / 1000;
    proxy.mode.current = ProxyMode.Unavailable;
    await stopProcess(realKilled, "SIGKILL");
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    proxy.mode.current = ProxyMode.Reset;
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    proxy.mode.current = ProxyMode.Forward;
    realKilled = startReal(killed.args);
    const upAt = Date.now() / 1000;
    await waitReady(killed.base, "real Prometheus (killed) back");

    // Everything scraped up to T must arrive exactly once, at both.
    const T = Date.now() / 1000 + 1;
    const q = '{job="demo"}';
    for (const base of [proxied.base, killed.base]) {
      await until(`${base} caught up`, async () => ((await minLastTime(base, q)) >= T ? true : null), 120_000);
    }
    const want = await rangeAt(ourBase, `${q}[10m]`, T);
    const during = want.filter((l) => {
      const ts = Number(l.split(" ")[1]);
      return ts > downAt + 1 && ts < upAt - 1;
    });
    assert.ok(during.length >= 7 * 40, `only ${during.length} samples scraped during the outage`);
    for (const [name, base] of [
      ["proxied", proxied.base],
      ["killed", killed.base],
    ] as const) {
      const got = await rangeAt(base, `${q}[10m]`, T);
      assert.deepEqual(countsPerSeries(got), countsPerSeries(want), `samples per series at the ${name} receiver`);
      assert.deepEqual(got, want, `samples at the ${name} receiver`);
    }

    // The proxy played both kinds of failure.
    assert.ok(proxy.counts["503"] > 0, `no request answered 503: ${JSON.stringify(proxy.counts)}`);
    assert.ok(proxy.counts.reset > 0, `no connection reset: ${JSON.stringify(proxy.counts)}`);

    // Our metrics tell the story: retries, nothing failed or dropped, all sent.
    const metrics = await (await fetch(`${ourBase}/metrics`)).text();
    for (const [name, url] of [
      ["proxied", `http://127.0.0.1:${proxy.port}/api/v1/write`],
      ["killed", `${killed.base}/api/v1/write`],
    ] as const) {
      const l = { remote_name: name, url };
      assert.ok(metricValue(metrics, "prometheus_remote_storage_samples_retried_total", l) > 0, `${name}: no retries counted`);
      assert.equal(metricValue(metrics, "prometheus_remote_storage_samples_failed_total", l), 0, `${name}: failed samples`);
      assert.equal(metricValue(metrics, "prometheus_remote_storage_samples_dropped_total", l), 0, `${name}: dropped samples`);
      assert.ok(metricValue(metrics, "prometheus_remote_storage_samples_total", l) >= want.length, `${name}: fewer samples sent than scraped`);
      assert.ok(metricValue(metrics, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds", l) >= T - 1, `${name}: highest sent timestamp behind`);
    }
    // The small queue filled up: the WAL watcher had to wait.
    assert.ok(
      metricValue(metrics, "prometheus_remote_storage_enqueue_retries_total", { remote_name: "proxied" }) > 0,
      "proxied: the queue never filled during the outage",
    );
  } finally {
    await ours.stop().catch(() => {});
    await proxy.close();
    await stopProcess(realProxied);
    await stopProcess(realKilled);
    await exp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
