import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Labels } from "../model/index.ts";
import { ValueType, type Queryable } from "../storage/index.ts";
import { ChunkDiskMapper, HEAD_CHUNKS_DIR, WBL_DIR, listSegments, openDB, type DB, type DBOptions } from "./index.ts";

const MIN = 60_000;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "promstack-dbhc-"));
}

const series = (i: number) => Labels.fromObject({ __name__: "m", i: String(i) });

async function fill(db: DB, n: number, from: number, to: number, step: number): Promise<void> {
  for (let t = from; t <= to; t += step) {
    const app = db.appender();
    for (let i = 0; i < n; i++) assert.notEqual(app.append(0, series(i), t, t / 1000 + i), 0, `t=${t}`);
    await app.commit();
  }
}

async function dump(q: Queryable): Promise<Map<string, [number, number][]>> {
  const out = new Map<string, [number, number][]>();
  const qr = await q.querier(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const ss = await qr.select(true, null);
  while (ss.next()) {
    const it = ss.at().iterator();
    const s: [number, number][] = [];
    while (it.next() === ValueType.Float) s.push([it.atT(), it.atF()]);
    out.set(ss.at().labels.toString(), s);
  }
  qr.close();
  return out;
}

function chunkFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(dir, HEAD_CHUNKS_DIR))
    .sort()
    .map((f) => path.join(dir, HEAD_CHUNKS_DIR, f));
}

const small: DBOptions = { minBlockDurationMs: 10 * MIN, backgroundCompaction: false, retentionMs: 0 };

test("chunks_head: restart loads complete chunks from disk and replays only newer WAL samples; every sample once", async () => {
  const dir = tmpDir();
  try {
    const db = await openDB(dir, small);
    await fill(db, 20, 0, 9 * MIN, 1000); // 540 samples per series in one 10m range: several complete chunks
    const want = await dump(db);
    const written = (db.head.chunkStore as ChunkDiskMapper).stats.chunksWritten;
    assert.ok(written >= 20 * 3);
    await db.close();
    const db2 = await openDB(dir, small);
    assert.equal(db2.stats.storedChunksLoaded, written);
    assert.equal(db2.stats.storedChunksOrphaned, 0);
    assert.ok(db2.stats.replayedSamples < 20 * 540 / 2);
    assert.deepEqual(await dump(db2), want);
    // Appends go on after the loaded chunks; older ones count as out of order.
    const app = db2.appender();
    assert.notEqual(app.append(0, series(0), 9 * MIN + 1000, 1), 0);
    await app.commit();
    await db2.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const damages: { name: string; damage: (file: string) => void }[] = [
  { name: "torn tail", damage: (f) => fs.truncateSync(f, fs.statSync(f).size - 5) },
  {
    name: "corrupt chunk in the middle",
    damage: (f) => {
      const b = fs.readFileSync(f);
      b[Math.floor(b.length / 2)]! ^= 0xff;
      fs.writeFileSync(f, b);
    },
  },
  { name: "garbage appended", damage: (f) => fs.appendFileSync(f, Buffer.from("\x01\x02\x03 not a chunk record at all, really not one")) },
];

for (const d of damages) {
  test(`chunks_head: ${d.name} of the last file is repaired on open (logged, counted); the WAL fills the gap`, async () => {
    const dir = tmpDir();
    try {
      const db = await openDB(dir, small);
      await fill(db, 10, 0, 9 * MIN, 1000);
      const want = await dump(db);
      await db.close();
      const files = chunkFiles(dir);
      d.damage(files[files.length - 1]!);
      const logs: string[] = [];
      const logger = {
        debug() {},
        info() {},
        warn(msg: string) {
          logs.push(msg);
        },
        error(msg: string) {
          logs.push(msg);
        },
        with() {
          return logger;
        },
      };
      const db2 = await openDB(dir, { ...small, logger });
      assert.equal((db2.head.chunkStore as ChunkDiskMapper).stats.corruptions, 1);
      assert.ok(logs.some((l) => /Head chunk file corrupt/.test(l)), logs.join("\n"));
      assert.deepEqual(await dump(db2), want);
      await db2.close();
      // Repaired for good.
      const db3 = await openDB(dir, small);
      assert.equal((db3.head.chunkStore as ChunkDiskMapper).stats.corruptions, 0);
      assert.deepEqual(await dump(db3), want);
      await db3.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("chunks_head: head truncation after a block is persisted deletes files whose chunks are all older", async () => {
  const dir = tmpDir();
  try {
    const db = await openDB(dir, small);
    const m = db.head.chunkStore as ChunkDiskMapper;
    await fill(db, 5, 0, 16 * MIN, 1000);
    assert.deepEqual(m.files, [1]);
    // Block [0, 10m): file 1 still holds chunks up to 16m, so it stays; the next chunks go to file 2.
    await db.compact();
    assert.equal(db.blocks.length, 1);
    assert.deepEqual(m.files, [1]);
    await fill(db, 5, 16 * MIN + 1000, 40 * MIN, 1000);
    assert.deepEqual(m.files, [1, 2]);
    // Block [10m, 20m) and on: file 1 ends before the head now and is deleted.
    await db.compact();
    assert.ok(db.blocks.length >= 2);
    assert.equal(m.files[0], 2, `files ${m.files.join(",")}`);
    assert.ok(m.stats.filesDeleted >= 1);
    const want = await dump(db);
    await db.close();
    const db2 = await openDB(dir, small);
    assert.deepEqual(await dump(db2), want);
    await db2.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("out-of-order: samples within the window survive a restart (WBL), are compacted into blocks of their own, and read once", async () => {
  const dir = tmpDir();
  try {
    const opts: DBOptions = { ...small, outOfOrderTimeWindowMs: 60 * MIN };
    const db = await openDB(dir, opts);
    await fill(db, 3, 0, 40 * MIN, 15_000);
    await db.compact();
    const blocksBefore = db.blocks.length;
    assert.ok(db.head.minValidTime >= 20 * MIN);
    // Behind the persisted blocks, and inside the head's range.
    const app = db.appender();
    assert.notEqual(app.append(0, series(0), 5 * MIN + 7000, -1), 0);
    assert.notEqual(app.append(0, series(1), 35 * MIN + 7000, -2), 0);
    // Older than the window (head max 40m - 60m < 0): too old.
    assert.equal(app.append(0, series(2), -30 * MIN, -3), 0);
    await app.commit();
    assert.equal(db.stats.oooSamplesAppended, 2);
    assert.equal(db.stats.tooOldSamples, 1);
    const want = await dump(db);
    const s0 = want.get(series(0).toString())!;
    assert.ok(s0.some(([t, v]) => t === 5 * MIN + 7000 && v === -1));
    for (const s of want.values()) for (let k = 1; k < s.length; k++) assert.ok(s[k]![0] > s[k - 1]![0]);
    await db.close();
    assert.ok(listSegments(path.join(dir, WBL_DIR)).length > 0);

    const db2 = await openDB(dir, opts);
    assert.equal(db2.stats.replayedOOOSamples, 2);
    assert.deepEqual(await dump(db2), want);
    // The sample behind the blocks goes to an out-of-order block; the other stays in the head.
    await db2.compact();
    assert.equal(db2.head.oooSeries.size, 1);
    assert.ok(db2.blocks.length > blocksBefore || db2.blocks.some((b) => b.minTime <= 5 * MIN + 7000 && b.maxTime > 5 * MIN + 7000));
    assert.deepEqual(await dump(db2), want);
    await db2.close();

    const db3 = await openDB(dir, opts);
    assert.equal(db3.stats.replayedOOOSamples, 1);
    assert.deepEqual(await dump(db3), want);
    // Once the head moves past it, the other one is compacted too.
    await fill(db3, 3, 40 * MIN + 15_000, 70 * MIN, 15_000);
    await db3.compact();
    assert.equal(db3.head.oooSeries.size, 0);
    const after = await dump(db3);
    for (const [k, s] of want) {
      const got = after.get(k)!;
      assert.deepEqual(got.slice(0, s.length), s);
    }
    await db3.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("out-of-order: enabling the window on a running DB (configuration reload) starts the WBL", async () => {
  const dir = tmpDir();
  try {
    const db = await openDB(dir, small);
    await fill(db, 1, 0, 5 * MIN, 15_000);
    let app = db.appender();
    assert.equal(app.append(0, series(0), 60_500, 1), 0);
    app.rollback();
    db.setOutOfOrderTimeWindow(10 * MIN);
    app = db.appender();
    assert.notEqual(app.append(0, series(0), 60_500, 1), 0);
    await app.commit();
    await db.close();
    const db2 = await openDB(dir, small);
    assert.equal(db2.stats.replayedOOOSamples, 1);
    assert.ok((await dump(db2)).get(series(0).toString())!.some(([t]) => t === 60_500));
    await db2.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
