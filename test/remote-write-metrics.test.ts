/**
 * FEATURES.md section 4, check 48 ("use remote write for long-term
 * storage"): the real server process (`bin/promstack prometheus` with a
 * config file) remote-writes to a test receiver, which decodes the
 * requests on its own (protobufjs and snappy, not promstack's code); the
 * samples it gets are the ones promstack stored, and the
 * prometheus_remote_storage_* lag metrics are on /metrics, named, typed
 * and labelled as Debian's Prometheus 2.42 shows them when it remote-writes
 * the same way (skipped without /usr/bin/prometheus: the comparison needs it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import protobuf from "protobufjs";
import { uncompressSync } from "snappy";
import { freePort, listen } from "./net.ts";
import { exporter, metricValue, parseMetrics, rangeAt, skipWithoutReal, startReal, stopProcess, waitReady } from "./remote-util.ts";
import { until } from "./until.ts";

const WRITE_PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

interface DecodedSeries {
  labels: Array<{ name: string; value: string }>;
  samples: Array<{ value: number; timestamp: number | { toNumber(): number } }>;
}

/**
 * A remote write 1.0 receiver that decodes every request and keeps its
 * samples per sender (the first path segment) as rangeAt-style lines.
 */
async function testReceiver(): Promise<{ port: number; samples: Map<string, string[]>; problems: string[]; close: () => Promise<void> }> {
  const WriteRequest = protobuf.parse(WRITE_PROTO).root.lookupType("prometheus.WriteRequest");
  const samples = new Map<string, string[]>();
  const problems: string[] = [];
  const s = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const who = (req.url ?? "/").split("/")[1]!;
      const want = { "content-encoding": "snappy", "content-type": "application/x-protobuf", "x-prometheus-remote-write-version": "0.1.0" };
      for (const [h, v] of Object.entries(want)) if (req.headers[h] !== v) problems.push(`${who}: ${h} is ${String(req.headers[h])}`);
      const msg = WriteRequest.toObject(WriteRequest.decode(uncompressSync(Buffer.concat(parts), { asBuffer: true }) as Buffer), { longs: Number, defaults: true }) as { timeseries?: DecodedSeries[] };
      const list = samples.get(who) ?? [];
      for (const ts of msg.timeseries ?? []) {
        const m = Object.fromEntries(ts.labels.map((l) => [l.name, l.value]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
        const key = JSON.stringify(m);
        for (const x of ts.samples ?? []) list.push(`${key} ${Number(x.timestamp) / 1000} ${x.value}`);
      }
      samples.set(who, list);
      res.writeHead(204);
      res.end();
    });
  });
  const port = await listen(s);
  return { port, samples, problems, close: () => new Promise<void>((r) => s.close(() => r())) };
}

/**
 * The lag metrics of check 48 and the rest of the float-sample queue
 * families, as upstream names them (2.42 and 3.x alike).
 */
const REQUIRED = [
  "prometheus_remote_storage_highest_timestamp_in_seconds",
  "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
  "prometheus_remote_storage_samples_pending",
  "prometheus_remote_storage_samples_in_total",
  "prometheus_remote_storage_samples_total",
  "prometheus_remote_storage_samples_failed_total",
  "prometheus_remote_storage_samples_retried_total",
  "prometheus_remote_storage_samples_dropped_total",
  "prometheus_remote_storage_shards",
  "prometheus_remote_storage_shards_desired",
  "prometheus_remote_storage_shards_min",
  "prometheus_remote_storage_shards_max",
  "prometheus_remote_storage_shard_capacity",
  "prometheus_remote_storage_max_samples_per_send",
  "prometheus_remote_storage_bytes_total",
  "prometheus_remote_storage_enqueue_retries_total",
  "prometheus_remote_storage_sent_batch_duration_seconds",
];

/**
 * Families of 2.42's queue that promstack does not have: it sends float
 * samples only (no exemplars, native histograms or metadata over remote
 * write), and has no string interner.
 */
const NOT_OURS = /^prometheus_remote_storage_(exemplars|histograms|metadata)_|^prometheus_remote_storage_string_interner_/;

/** `prometheus_remote_storage_*` families of a /metrics page: name → "type {label names}". */
function remoteFamilies(text: string): Map<string, string> {
  const { lines, types } = parseMetrics(text);
  const out = new Map<string, string>();
  for (const [name, type] of types) {
    if (!name.startsWith("prometheus_remote_storage_")) continue;
    const sample = lines.find((l) => l.name === name || l.name === `${name}_count`);
    const labels = sample === undefined ? [] : Object.keys(sample.labels).filter((k) => k !== "le").sort();
    out.set(name, `${type} {${labels.join(",")}}`);
  }
  return out;
}

function config(exporterPort: number, receiverUrl: string): string {
  return [
    "global:",
    "  scrape_interval: 1s",
    "scrape_configs:",
    "  - job_name: demo",
    "    static_configs:",
    `      - targets: ["127.0.0.1:${exporterPort}"]`,
    "remote_write:",
    `  - url: ${receiverUrl}`,
    "    name: longterm",
    "    queue_config:",
    "      batch_send_deadline: 1s",
    "",
  ].join("\n");
}

test("check 48: remote_write in prometheus.yml delivers samples; the prometheus_remote_storage_* lag metrics are upstream's", { skip: skipWithoutReal, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-rw-check48-"));
  const exp = await exporter();
  const recv = await testReceiver();
  const ourPort = await freePort();
  const realPort = await freePort();
  const ourBase = `http://127.0.0.1:${ourPort}`;
  const realBase = `http://127.0.0.1:${realPort}`;
  writeFileSync(join(dir, "ours.yml"), config(exp.port, `http://127.0.0.1:${recv.port}/ours/api/v1/write`));
  writeFileSync(join(dir, "real.yml"), config(exp.port, `http://127.0.0.1:${recv.port}/real/api/v1/write`));
  const flags = (name: string, port: number): string[] => [`--config.file=${join(dir, `${name}.yml`)}`, `--storage.tsdb.path=${join(dir, `${name}-data`)}`, `--web.listen-address=127.0.0.1:${port}`];
  const ours: ChildProcess = spawn(process.execPath, ["bin/promstack", "prometheus", ...flags("ours", ourPort), "--log.level=error"], { stdio: ["ignore", "ignore", "inherit"] });
  const real = startReal(flags("real", realPort));
  try {
    await waitReady(ourBase, "promstack ready");
    await waitReady(realBase, "real Prometheus ready");
    // Ten scrapes' worth of samples at the receiver from each.
    const has = (who: string): number => (recv.samples.get(who) ?? []).filter((l) => l.startsWith('{"__name__":"demo_value"')).length;
    await until("samples from both at the receiver", async () => (has("ours") >= 20 && has("real") >= 20 ? true : null), 90_000);

    // What the receiver got is what promstack stored, up to a time both have.
    const got = [...(recv.samples.get("ours") ?? [])].sort();
    const T = Math.max(...got.filter((l) => l.startsWith('{"__name__":"up"')).map((l) => Number(l.split(" ")[1])));
    const stored = await rangeAt(ourBase, '{job="demo"}[10m]', T);
    assert.ok(stored.length >= 20);
    assert.deepEqual(
      got.filter((l) => Number(l.split(" ")[1]) <= T),
      stored,
    );
    assert.deepEqual(recv.problems, []);

    // The lag metrics: present, and the queue is not behind.
    const ourMetrics = await (await fetch(`${ourBase}/metrics`)).text();
    const realMetrics = await (await fetch(`${realBase}/metrics`)).text();
    const oursF = remoteFamilies(ourMetrics);
    const realF = remoteFamilies(realMetrics);
    for (const name of REQUIRED) {
      assert.ok(oursF.has(name), `${name} missing from promstack's /metrics`);
      assert.ok(realF.has(name), `${name} missing from Prometheus 2.42's /metrics (the list is wrong)`);
    }
    const l = { remote_name: "longterm", url: `http://127.0.0.1:${recv.port}/ours/api/v1/write` };
    const highestIn = metricValue(ourMetrics, "prometheus_remote_storage_highest_timestamp_in_seconds");
    const highestSent = metricValue(ourMetrics, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds", l);
    assert.ok(highestSent >= T, `highest sent ${highestSent} < ${T}`);
    assert.ok(highestIn - highestSent < 30, `lag ${highestIn - highestSent} s`);
    assert.ok(metricValue(ourMetrics, "prometheus_remote_storage_samples_total", l) >= got.length);
    assert.equal(metricValue(ourMetrics, "prometheus_remote_storage_samples_failed_total", l), 0);
    assert.equal(metricValue(ourMetrics, "prometheus_remote_storage_shards", l), 1);

    // Every family of 2.42's queue that applies to float samples is ours too, same type and labels.
    const want = new Map([...realF].filter(([name]) => !NOT_OURS.test(name)));
    const have = new Map([...oursF].filter(([name]) => want.has(name)));
    assert.deepEqual(have, want);
  } finally {
    await stopProcess(ours);
    await stopProcess(real);
    await recv.close();
    await exp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
