import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { defaultQueueConfig, newHTTPClientConfig, type QueueConfig } from "../config/index.ts";
import { Registry, writeText } from "../exposition/index.ts";
import { Labels, newRelabelConfig, RelabelAction, RelabelRegex, type RelabelConfig } from "../model/index.ts";
import { MemoryStorage } from "../storage/index.ts";
import { openDB, type DB } from "../tsdb/index.ts";
import { HTTPWriteClient, QueueManager, RemoteWriteMetrics, RemoteWriteProtoMsg, WriteHandler, retryAfterMs } from "./index.ts";
import { dumpSamples } from "./remote-test-util.test.ts";

/** A local receiver: each request first goes through `script` (status to answer, or 0 to hand it to the real handler). */
async function startReceiver(script: (n: number) => number, storage = new MemoryStorage()) {
  const handler = new WriteHandler({ appendable: storage });
  let n = 0;
  const statuses: number[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      headers.push(req.headers);
      const forced = script(n++);
      if (forced !== 0) {
        statuses.push(forced);
        if (forced === 429) res.setHeader("Retry-After", "0");
        res.writeHead(forced).end("scripted failure\n");
        return;
      }
      void handler
        .handle({ contentType: req.headers["content-type"] ?? "", contentEncoding: req.headers["content-encoding"] ?? "", body: Buffer.concat(chunks) })
        .then((r) => {
          statuses.push(r.status);
          res.writeHead(r.status, r.headers).end(r.body);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  return { storage, url, statuses, headers, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "promstack-remote-"));
}

interface QueueSetup {
  dir: string;
  url: string;
  registry?: Registry;
  queue?: Partial<QueueConfig>;
  relabel?: RelabelConfig[];
  external?: Labels;
  protoMsg?: RemoteWriteProtoMsg;
  positionFile?: string | null;
  flushDeadlineMs?: number;
}

function newQueue(s: QueueSetup): QueueManager {
  const metrics = new RemoteWriteMetrics();
  if (s.registry !== undefined) metrics.register(s.registry);
  const qc = { ...defaultQueueConfig(), batchSendDeadlineMs: 50, minBackoffMs: 5, maxBackoffMs: 20, ...s.queue };
  const protoMsg = s.protoMsg ?? RemoteWriteProtoMsg.V1;
  return new QueueManager({
    name: "test",
    url: s.url,
    queueConfig: qc,
    writeRelabelConfigs: s.relabel ?? [],
    externalLabels: s.external ?? Labels.EMPTY,
    protoMsg,
    client: new HTTPWriteClient({
      url: s.url,
      timeoutMs: 5000,
      headers: new Map([["X-Custom", "yes"]]),
      httpClientConfig: newHTTPClientConfig(),
      retryOnRateLimit: qc.retryOnRateLimit,
      protoMsg,
      userAgent: "Prometheus/test",
    }),
    walDir: path.join(s.dir, "wal"),
    positionFile: s.positionFile === undefined ? path.join(s.dir, "remote-write", "pos.json") : s.positionFile,
    metrics,
    walPollIntervalMs: 10,
    flushDeadlineMs: s.flushDeadlineMs ?? 2000,
  });
}

/** Appends n samples of `series` series at t = base + i*1000 in one commit per step. */
async function appendSteps(db: DB, base: number, steps: number, series = 3, name = "m"): Promise<string[]> {
  const want: string[] = [];
  for (let i = 0; i < steps; i++) {
    const app = db.appender();
    for (let k = 0; k < series; k++) {
      const t = base + i * 1000;
      app.append(0, Labels.fromStrings("__name__", name, "k", String(k)), t, i * 10 + k);
      want.push(`{__name__="${name}", k="${k}"} ${t} ${i * 10 + k}`);
    }
    await app.commit();
  }
  return want;
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function sortSamples(lines: string[]): string[] {
  return [...lines].sort((a, b) => {
    const ia = a.lastIndexOf(" ", a.lastIndexOf(" ") - 1);
    const ib = b.lastIndexOf(" ", b.lastIndexOf(" ") - 1);
    const la = a.slice(0, ia);
    const lb = b.slice(0, ib);
    if (la !== lb) return la < lb ? -1 : 1;
    return Number(a.slice(ia + 1).split(" ")[0]) - Number(b.slice(ib + 1).split(" ")[0]);
  });
}

async function metricsText(r: Registry): Promise<string> {
  return writeText((await r.gather()).families);
}

test("sender → receiver: samples appended after start arrive exactly once (1.0 and 2.0)", async () => {
  for (const protoMsg of [RemoteWriteProtoMsg.V1, RemoteWriteProtoMsg.V2]) {
    const dir = tmpDir();
    const db = await openDB(dir, { backgroundCompaction: false });
    const rx = await startReceiver(() => 0);
    const registry = new Registry();
    const q = newQueue({ dir, url: rx.url, registry, protoMsg, queue: { maxSamplesPerSend: 7 } });
    q.start();
    const base = Date.now() - 60_000;
    const want = await appendSteps(db, base, 20);
    await waitFor(async () => (await dumpSamples(rx.storage)).length >= want.length);
    assert.deepEqual(await dumpSamples(rx.storage), sortSamples(want));
    await q.stop();
    const text = await metricsText(registry);
    assert.match(text, new RegExp(`prometheus_remote_storage_samples_total\\{remote_name="test",url="${rx.url.replace(/[.]/g, "\\.")}"\\} 60`));
    assert.match(text, /prometheus_remote_storage_samples_pending\{[^}]*\} 0/);
    assert.match(text, /prometheus_remote_storage_shards\{[^}]*\} 1/);
    // Upstream's request headers.
    const h = rx.headers[0]!;
    assert.equal(h["content-encoding"], "snappy");
    assert.equal(h["x-prometheus-remote-write-version"], protoMsg === RemoteWriteProtoMsg.V1 ? "0.1.0" : "2.0.0");
    assert.equal(h["content-type"], protoMsg === RemoteWriteProtoMsg.V1 ? "application/x-protobuf" : "application/x-protobuf;proto=io.prometheus.write.v2.Request");
    assert.equal(h["user-agent"], "Prometheus/test");
    assert.equal(h["x-custom"], "yes");
    await rx.close();
    await db.close();
  }
});

test("sender: 500 is retried with backoff until it succeeds", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { backgroundCompaction: false });
  const rx = await startReceiver((n) => (n < 3 ? 500 : 0));
  const registry = new Registry();
  const q = newQueue({ dir, url: rx.url, registry });
  q.start();
  const want = await appendSteps(db, Date.now() - 10_000, 2);
  await waitFor(async () => (await dumpSamples(rx.storage)).length >= want.length);
  assert.deepEqual(await dumpSamples(rx.storage), sortSamples(want));
  assert.deepEqual(rx.statuses.slice(0, 3), [500, 500, 500]);
  assert.equal(rx.headers[1]!["retry-attempt"], "1");
  await q.stop();
  assert.match(await metricsText(registry), /prometheus_remote_storage_samples_retried_total\{[^}]*\} [1-9]/);
  await rx.close();
  await db.close();
});

test("sender: 400 drops the batch and counts it as failed; later batches go through", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { backgroundCompaction: false });
  const rx = await startReceiver((n) => (n === 0 ? 400 : 0));
  const registry = new Registry();
  const q = newQueue({ dir, url: rx.url, registry });
  q.start();
  const first = await appendSteps(db, Date.now() - 10_000, 1);
  await waitFor(() => rx.statuses.length >= 1);
  const second = await appendSteps(db, Date.now() - 5_000, 1);
  await waitFor(async () => (await dumpSamples(rx.storage)).length >= second.length);
  assert.deepEqual(await dumpSamples(rx.storage), sortSamples(second));
  await q.stop();
  assert.match(await metricsText(registry), new RegExp(`prometheus_remote_storage_samples_failed_total\\{[^}]*\\} ${first.length}`));
  await rx.close();
  await db.close();
});

for (const retry of [true, false]) {
  test(`sender: 429 is ${retry ? "retried with retry_on_http_429" : "dropped without retry_on_http_429"}`, async () => {
    const dir = tmpDir();
    const db = await openDB(dir, { backgroundCompaction: false });
    const rx = await startReceiver((n) => (n === 0 ? 429 : 0));
    const q = newQueue({ dir, url: rx.url, queue: { retryOnRateLimit: retry } });
    q.start();
    const first = await appendSteps(db, Date.now() - 10_000, 1);
    await waitFor(() => rx.statuses.length >= 1);
    const second = await appendSteps(db, Date.now() - 5_000, 1, 3, "n");
    await waitFor(async () => (await dumpSamples(rx.storage)).some((l) => l.startsWith('{__name__="n"')));
    await q.stop();
    assert.deepEqual(await dumpSamples(rx.storage), sortSamples(retry ? [...first, ...second] : second));
    await rx.close();
    await db.close();
  });
}

test("sender: write relabelling and external labels shape the series sent", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { backgroundCompaction: false });
  const rx = await startReceiver(() => 0);
  const drop = newRelabelConfig({ sourceLabels: ["k"], regex: new RelabelRegex("1"), action: RelabelAction.Drop });
  const q = newQueue({ dir, url: rx.url, relabel: [drop], external: Labels.fromStrings("cluster", "c1", "k", "ignored") });
  q.start();
  const t = Date.now() - 1000;
  await appendSteps(db, t, 1, 3);
  await waitFor(async () => (await dumpSamples(rx.storage)).length >= 2);
  await q.stop();
  assert.deepEqual(await dumpSamples(rx.storage), [`{__name__="m", cluster="c1", k="0"} ${t} 0`, `{__name__="m", cluster="c1", k="2"} ${t} 2`]);
  await rx.close();
  await db.close();
});

test("sender: a restart resumes from the saved WAL position, losing nothing written while it was down", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { backgroundCompaction: false });
  const rx = await startReceiver(() => 0);
  const q1 = newQueue({ dir, url: rx.url });
  q1.start();
  const base = Date.now() - 100_000;
  const a = await appendSteps(db, base, 5);
  await waitFor(async () => (await dumpSamples(rx.storage)).length >= a.length);
  await q1.stop();
  assert.ok(fs.existsSync(path.join(dir, "remote-write", "pos.json")));
  // Written while no queue runs.
  const b = await appendSteps(db, base + 50_000, 5);
  const q2 = newQueue({ dir, url: rx.url });
  q2.start();
  await waitFor(async () => (await dumpSamples(rx.storage)).length >= a.length + b.length);
  await q2.stop();
  // Exactly once: the receiver would have answered 400 to a resent sample.
  assert.deepEqual(await dumpSamples(rx.storage), sortSamples([...a, ...b]));
  assert.ok(rx.statuses.every((s) => s === 204), String(rx.statuses));
  await rx.close();
  await db.close();
});

test("sender: samples not delivered before stop (receiver down) are sent after restart", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { backgroundCompaction: false });
  let down = true;
  const rx = await startReceiver(() => (down ? 503 : 0));
  const q1 = newQueue({ dir, url: rx.url, flushDeadlineMs: 100 });
  q1.start();
  const a = await appendSteps(db, Date.now() - 50_000, 3);
  await waitFor(() => rx.statuses.length >= 2);
  await q1.stop();
  down = false;
  const q2 = newQueue({ dir, url: rx.url });
  q2.start();
  await waitFor(async () => (await dumpSamples(rx.storage)).length >= a.length);
  await q2.stop();
  assert.deepEqual(await dumpSamples(rx.storage), sortSamples(a));
  await rx.close();
  await db.close();
});

test("sender: a queue without a saved position starts at the WAL's end", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { backgroundCompaction: false });
  const old = await appendSteps(db, Date.now() - 100_000, 2, 1, "old");
  await new Promise((r) => setTimeout(r, 5));
  const rx = await startReceiver(() => 0);
  const q = newQueue({ dir, url: rx.url, positionFile: null });
  q.start();
  const fresh = await appendSteps(db, Date.now() + 1000, 2, 1, "new");
  await waitFor(async () => (await dumpSamples(rx.storage)).length >= fresh.length);
  await q.stop();
  assert.equal(old.length, 2);
  assert.deepEqual(await dumpSamples(rx.storage), sortSamples(fresh));
  await rx.close();
  await db.close();
});

test("sender: many series over several shards keep per-series order", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { backgroundCompaction: false });
  const rx = await startReceiver(() => 0);
  const q = newQueue({ dir, url: rx.url, queue: { minShards: 4, maxShards: 4, maxSamplesPerSend: 50, capacity: 100 } });
  q.start();
  assert.equal(q.numShards, 4);
  const want = await appendSteps(db, Date.now() - 200_000, 30, 40);
  await waitFor(async () => (await dumpSamples(rx.storage)).length >= want.length, 20_000);
  await q.stop();
  assert.deepEqual(await dumpSamples(rx.storage), sortSamples(want));
  assert.ok(rx.statuses.every((s) => s === 204));
  await rx.close();
  await db.close();
});

test("retryAfterMs reads seconds and HTTP dates", () => {
  assert.equal(retryAfterMs("3"), 3000);
  assert.equal(retryAfterMs(undefined), 0);
  assert.equal(retryAfterMs("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT")), 10_000);
  assert.equal(retryAfterMs("soon"), 0);
});
