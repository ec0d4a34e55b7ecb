import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Labels, Matcher, MatchType } from "../model/index.ts";
import { ValueType, storageConformance, type Queryable } from "../storage/index.ts";
import type { Logger } from "../util/index.ts";
import {
  PAGE_SIZE,
  RecordType,
  WalCompression,
  WalDirReader,
  Wlog,
  checkpoint,
  checkpointDirName,
  decodeSamples,
  decodeSeries,
  lastCheckpoint,
  listSegments,
  openDB,
  recordType,
  type DB,
} from "./index.ts";

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "promstack-tsdb-"));
}

for (const c of storageConformance()) {
  test(`DB: ${c.name}`, async () => {
    const dir = tmpDir();
    const db = await openDB(dir);
    try {
      await c.run(db);
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

const series = (i: number) => Labels.fromObject({ __name__: "m", i: String(i), job: "test" });

/** Commits `batches` batches of one sample per series for n series, 15s apart, value = t / 1000 + i. */
async function fill(db: DB, n: number, batches: number, t0 = 0): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const app = db.appender();
    const t = t0 + b * 15_000;
    for (let i = 0; i < n; i++) assert.notEqual(app.append(0, series(i), t, t / 1000 + i), 0);
    await app.commit();
  }
}

/** series key -> [t, v][] of everything in q. */
async function dump(q: Queryable): Promise<Map<string, [number, number][]>> {
  const out = new Map<string, [number, number][]>();
  const ss = await (await q.querier(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).select(true, null);
  while (ss.next()) {
    const s = ss.at();
    const it = s.iterator();
    const samples: [number, number][] = [];
    while (it.next() === ValueType.Float) samples.push([it.atT(), it.atF()]);
    out.set(s.labels.toString(), samples);
  }
  return out;
}

for (const walCompression of [true, false]) {
  test(`restart: data committed before close() is there after reopen (compression ${walCompression})`, async () => {
    const dir = tmpDir();
    const db = await openDB(dir, { walCompression });
    await fill(db, 50, 300);
    const stale = db.appender();
    stale.append(0, series(0), 300 * 15_000, 0, { stale: true });
    await stale.commit();
    const before = await dump(db);
    await db.close();
    const db2 = await openDB(dir, { walCompression });
    assert.deepEqual(await dump(db2), before);
    // Complete chunks come back from chunks_head; the WAL replays only the samples after them.
    let stored = 0;
    for (let i = 0; i < 50; i++) {
      const s = db2.head.seriesByLabels(series(i))!;
      for (let c = 0; c < s.numCompleteChunks; c++) stored += s.chunk(c).numSamples();
    }
    assert.ok(db2.stats.storedChunksLoaded > 0);
    assert.equal(db2.stats.replayedSamples + stored, 50 * 300 + 1);
    assert.equal(db2.stats.walCorruptions, 0);
    // The stale marker survives as a stale marker.
    const ss = await (await db2.querier(0, Number.MAX_SAFE_INTEGER)).select(false, null, new Matcher(MatchType.Equal, "i", "0"));
    assert.ok(ss.next());
    const it = ss.at().iterator();
    assert.equal(it.seek(300 * 15_000), ValueType.Float);
    assert.ok(it.isStale());
    // New appends continue after the replayed data, with refs that do not collide.
    const app = db2.appender();
    assert.equal(app.append(0, series(1), 1, 1), 0);
    const ref = app.append(0, series(999), 301 * 15_000, 1);
    assert.equal(ref, 51);
    await app.commit();
    await db2.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test("restart without close(): every committed sample is in the files", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { noLockfile: true });
  await fill(db, 20, 40);
  const before = await dump(db);
  // Simulate a crash: never close db, open a second DB on the same files.
  const db2 = await openDB(dir, { noLockfile: true });
  assert.deepEqual(await dump(db2), before);
  assert.equal(db2.stats.walCorruptions, 0);
  await db2.close();
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("segments rotate at the configured size and replay in order", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { walSegmentSizeBytes: 2 * PAGE_SIZE, walCompression: false });
  await fill(db, 100, 300);
  const before = await dump(db);
  await db.close();
  const segs = listSegments(path.join(dir, "wal"));
  assert.ok(segs.length > 3, `only ${segs.length} segments`);
  for (const s of segs) assert.ok(fs.statSync(path.join(dir, "wal", s.name)).size <= 2 * PAGE_SIZE);
  const db2 = await openDB(dir);
  assert.deepEqual(await dump(db2), before);
  await db2.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("torn tail: a segment cut mid-record is repaired, earlier records kept, later segments deleted", async () => {
  const dir = tmpDir();
  const walDir = path.join(dir, "wal");
  const db = await openDB(dir, { walCompression: false, noLockfile: true });
  await fill(db, 10, 5);
  const good = await dump(db);
  const seg = db.wal.segment;
  const file = path.join(walDir, String(seg).padStart(8, "0"));
  const goodSize = fs.statSync(file).size;
  await fill(db, 10, 1, 5 * 15_000);
  const fullSize = fs.statSync(file).size;
  // A crash left an empty later segment and half of the last record.
  fs.truncateSync(file, goodSize + Math.floor((fullSize - goodSize) / 2));
  fs.writeFileSync(path.join(walDir, String(seg + 1).padStart(8, "0")), new Uint8Array(0));
  const logs: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (msg: string) => logs.push(msg),
    error: (msg: string) => logs.push(msg),
    with() {
      return logger;
    },
  };
  const db2 = await openDB(dir, { logger, noLockfile: true });
  assert.equal(db2.stats.walCorruptions, 1);
  assert.ok(logs.includes("Starting corruption repair"), logs.join("; "));
  assert.deepEqual(await dump(db2), good);
  // Repaired: cut at the last intact record, padded to the page; the later segment is gone.
  assert.equal(fs.statSync(file).size, PAGE_SIZE);
  assert.equal(db2.wal.segment, seg + 1);
  await fill(db2, 10, 1, 5 * 15_000);
  await db2.close();
  const db3 = await openDB(dir);
  assert.equal(db3.stats.walCorruptions, 0);
  assert.equal((await dump(db3)).get(series(3).toString())!.length, 6);
  await db3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const compression of [WalCompression.None, WalCompression.Snappy]) {
  test(`the WAL our writer wrote reads back through our reader (compression ${compression})`, async () => {
    const dir = tmpDir();
    const db = await openDB(dir, { walCompression: compression === WalCompression.Snappy });
    await fill(db, 30, 10);
    await db.close();
    const walDir = path.join(dir, "wal");
    const r = new WalDirReader(walDir, listSegments(walDir));
    let nSeries = 0;
    let nSamples = 0;
    let first = -1;
    while (r.next()) {
      const rec = r.record();
      if (first < 0) first = recordType(rec);
      if (recordType(rec) === RecordType.Series) nSeries += decodeSeries(rec).length;
      if (recordType(rec) === RecordType.Samples) nSamples += decodeSamples(rec).length;
    }
    assert.equal(r.err(), null);
    assert.equal(first, RecordType.Series);
    assert.equal(nSeries, 30);
    assert.equal(nSamples, 300);
    const seg0 = fs.readFileSync(path.join(walDir, "00000000"));
    assert.equal((seg0[0]! & 8) !== 0, compression === WalCompression.Snappy);
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test("checkpoint keeps live series and recent samples; replay reads checkpoint then later segments", async () => {
  const dir = tmpDir();
  const walDir = path.join(dir, "wal");
  const db = await openDB(dir, { walSegmentSizeBytes: 2 * PAGE_SIZE });
  await fill(db, 10, 20);
  const next = db.wal.nextSegment();
  await fill(db, 10, 5, 20 * 15_000);
  const mint = 10 * 15_000;
  // Drop series i=9; keep samples from mint on.
  const keepRef = (ref: number) => ref !== db.head.seriesByLabels(series(9))!.ref;
  const st = checkpoint(walDir, 0, next - 1, keepRef, mint);
  assert.equal(st.droppedSeries, 1);
  assert.equal(st.totalSamples, 200);
  assert.equal(st.droppedSamples, 100);
  db.wal.truncate(next);
  await db.close();
  assert.deepEqual(lastCheckpoint(walDir), { dir: path.join(walDir, checkpointDirName(next - 1)), index: next - 1 });
  assert.equal(listSegments(walDir)[0]!.index, next);
  const db2 = await openDB(dir);
  const got = await dump(db2);
  assert.equal(got.size, 9);
  const s3 = got.get(series(3).toString())!;
  assert.equal(s3.length, 15);
  assert.equal(s3[0]![0], mint);
  // Samples of the dropped series have no series record any more: counted, not applied.
  assert.equal(db2.stats.replayUnknownRefs, 15);
  await db2.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("Wlog.open starts a new segment after the existing ones", () => {
  const dir = tmpDir();
  const w = Wlog.open(dir, { compression: WalCompression.None });
  w.log(Uint8Array.from([1, 2, 3]));
  w.close();
  const w2 = Wlog.open(dir);
  assert.equal(w2.segment, 1);
  w2.close();
  assert.deepEqual(
    listSegments(dir).map((s) => s.name),
    ["00000000", "00000001"],
  );
  fs.writeFileSync(path.join(dir, "00000005"), "");
  assert.throws(() => listSegments(dir), /segments are not sequential/);
  fs.rmSync(dir, { recursive: true, force: true });
});

const PROMETHEUS = "/usr/bin/prometheus";
const PROMTOOL = "/usr/bin/promtool";
const havePrometheus = fs.existsSync(PROMETHEUS) && fs.existsSync(PROMTOOL);
const skipReason = havePrometheus ? false : `${PROMETHEUS} and ${PROMTOOL} are not installed (apt-get install prometheus)`;

test("real Prometheus: promtool tsdb dump reads the WAL promstack wrote", { skip: skipReason }, async () => {
  const dir = tmpDir();
  const db = await openDB(dir);
  const t0 = Date.now() - 10 * 60_000;
  await fill(db, 40, 20, t0);
  const stale = db.appender();
  stale.append(0, series(0), t0 + 20 * 15_000, 0, { stale: true });
  await stale.commit();
  await db.close();
  const out = execFileSync(PROMTOOL, ["tsdb", "dump", dir], { encoding: "utf8", maxBuffer: 64 << 20 });
  // Lines: {labels} value timestamp, the value printed with Go's %g.
  const got = new Map<string, number>();
  for (const line of out.trim().split("\n")) {
    const m = /^(\{.*\}) (\S+) (\d+)$/.exec(line);
    assert.ok(m !== null, line);
    got.set(`${m[1]} ${m[3]}`, Number(m[2]));
  }
  assert.equal(got.size, 40 * 20 + 1);
  for (const [i, b] of [[7, 1], [39, 19], [0, 0]] as const) {
    const t = t0 + b * 15_000;
    assert.equal(got.get(`{__name__="m", i="${i}", job="test"} ${t}`), t / 1000 + i);
  }
  assert.ok(Number.isNaN(got.get(`{__name__="m", i="0", job="test"} ${t0 + 20 * 15_000}`)));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("real Prometheus: promstack replays the WAL Prometheus wrote while scraping itself", { skip: skipReason, timeout: 60_000 }, async () => {
  const dir = tmpDir();
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const cfg = path.join(dir, "prometheus.yml");
  fs.writeFileSync(
    cfg,
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
  );
  const data = path.join(dir, "data");
  const p = spawn(PROMETHEUS, [`--config.file=${cfg}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
  // Prometheus syncs scrape targets about 5s after start. Wait for the WAL to
  // grow, let it scrape itself a few more times, then stop it gracefully.
  const seg0 = path.join(data, "wal", "00000000");
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline && !(fs.existsSync(seg0) && fs.statSync(seg0).size > 0)) {
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 3000));
  p.kill("SIGTERM");
  await exited;
  const db = await openDB(data);
  try {
    assert.equal(db.stats.walCorruptions, 0);
    assert.ok(db.stats.replayedSamples > 100, `only ${db.stats.replayedSamples} samples`);
    const q = await db.querier(0, Number.MAX_SAFE_INTEGER);
    const ss = await q.select(false, null, new Matcher(MatchType.Equal, "__name__", "up"));
    assert.ok(ss.next(), "no up series");
    assert.equal(ss.at().labels.get("job"), "self");
    const it = ss.at().iterator();
    assert.equal(it.next(), ValueType.Float);
    assert.equal(it.atF(), 1);
    assert.ok((await q.labelValues("__name__")).includes("prometheus_tsdb_head_series"));
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
