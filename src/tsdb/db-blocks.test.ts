import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Labels, Matcher, MatchType } from "../model/index.ts";
import { ValueType, storageConformance, type Queryable } from "../storage/index.ts";
import { seededRandom } from "../util/index.ts";
import { LOCK_FILENAME, LockError, listSegments, openDB, planCompaction, type BlockMeta, type DB, type DBOptions } from "./index.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "promstack-dbb-"));
}

const series = (i: number) => Labels.fromObject({ __name__: "m", i: String(i) });

async function fill(db: DB, n: number, from: number, to: number, step: number): Promise<void> {
  for (let t = from; t <= to; t += step) {
    const app = db.appender();
    for (let i = 0; i < n; i++) assert.notEqual(app.append(0, series(i), t, t / 1000 + i), 0, `t=${t}`);
    await app.commit();
  }
}

async function dump(q: Queryable, mint = Number.MIN_SAFE_INTEGER, maxt = Number.MAX_SAFE_INTEGER): Promise<Map<string, [number, number][]>> {
  const out = new Map<string, [number, number][]>();
  const querier = await q.querier(mint, maxt);
  const ss = await querier.select(true, null);
  while (ss.next()) {
    const s = ss.at();
    const it = s.iterator();
    const samples: [number, number][] = [];
    while (it.next() === ValueType.Float) samples.push([it.atT(), it.atF()]);
    out.set(s.labels.toString(), samples);
  }
  querier.close();
  return out;
}

const small: DBOptions = { minBlockDurationMs: 10 * MIN, backgroundCompaction: false, walSegmentSizeBytes: 32 * 1024, retentionMs: 0 };

for (const c of storageConformance()) {
  test(`DB with blocks (merged querier): ${c.name}`, async () => {
    const dir = tmpDir();
    const db = await openDB(dir, small);
    try {
      await c.run(db);
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("head compaction: the head is cut into blocks at 1.5x the block range, truncated, and the WAL checkpointed", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { ...small, maxBlockDurationMs: 10 * MIN });
  await fill(db, 20, 0, 50 * MIN, 15_000);
  const before = await dump(db);
  assert.ok(db.headCompactable());
  await db.compact();
  // Blocks [0,10m), [10m,20m), [20m,30m), [30m,40m) cut; the head keeps [40m, 50m].
  assert.deepEqual(
    db.blocks.map((b) => [b.minTime, b.maxTime]),
    [[0, 10 * MIN], [10 * MIN, 20 * MIN], [20 * MIN, 30 * MIN], [30 * MIN, 40 * MIN]],
  );
  assert.ok(!db.headCompactable());
  assert.equal(db.blocks[0]!.meta.stats.numSeries, 20);
  assert.equal(db.blocks[0]!.meta.stats.numSamples, 20 * 40);
  assert.ok(db.head.minTime >= db.blocks[db.blocks.length - 1]!.maxTime);
  assert.ok(db.dbStats.checkpoints > 0);
  assert.ok(fs.readdirSync(path.join(dir, "wal")).some((n) => n.startsWith("checkpoint.")));
  assert.deepEqual(await dump(db), before);
  // Too old for the head now.
  const app = db.appender();
  assert.equal(app.append(0, series(0), 5 * MIN, 1), 0);
  app.rollback();
  await db.close();
  const db2 = await openDB(dir, { ...small, maxBlockDurationMs: 10 * MIN });
  assert.deepEqual(await dump(db2), before);
  assert.equal(db2.stats.walCorruptions, 0);
  await db2.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("block compaction: leveled ranges 3x, sources and parents, old blocks deleted", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { ...small, maxBlockDurationMs: 90 * MIN });
  assert.deepEqual(db.ranges, [10 * MIN, 30 * MIN, 90 * MIN]);
  await fill(db, 5, 0, 100 * MIN, 60_000);
  const before = await dump(db);
  await db.compact();
  const metas = db.blocks.map((b) => b.meta);
  // [0,30m) and [30m,60m) compacted to level 2; [60m,90m)'s level-1 blocks wait until the range is full.
  assert.deepEqual(metas[0]!.compaction.level, 2);
  assert.equal(metas[0]!.minTime, 0);
  assert.equal(metas[0]!.maxTime, 30 * MIN);
  assert.equal(metas[0]!.compaction.sources.length, 3);
  assert.equal(metas[0]!.compaction.parents.length, 3);
  const dirs = fs.readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n));
  assert.equal(dirs.length, db.blocks.length);
  assert.deepEqual(await dump(db), before);
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("planCompaction: overlapping blocks first, then full ranges, never the newest block", () => {
  const m = (minTime: number, maxTime: number, level = 1): BlockMeta => ({
    ulid: `${minTime}-${maxTime}`,
    minTime,
    maxTime,
    stats: { numSamples: 1, numSeries: 1, numChunks: 1, numTombstones: 0 },
    compaction: { level, sources: [], parents: [], deletable: false, failed: false },
    version: 1,
  });
  const d = (metas: BlockMeta[]) => metas.map((meta) => ({ dir: meta.ulid, meta }));
  const ranges = [20, 60, 180];
  const cases = [
    { name: "nothing to do with one block", in: [m(0, 20)], want: [] },
    { name: "three blocks fill a 3x range but the newest is left out", in: [m(0, 20), m(20, 40), m(40, 60)], want: [] },
    { name: "full range before the newest block", in: [m(0, 20), m(20, 40), m(40, 60), m(60, 80)], want: ["0-20", "20-40", "40-60"] },
    { name: "a range with a gap before the newest", in: [m(0, 20), m(40, 60), m(60, 80), m(80, 100)], want: ["0-20", "40-60"] },
    { name: "overlapping blocks", in: [m(0, 20), m(10, 30), m(40, 60)], want: ["0-20", "10-30"] },
  ];
  for (const c of cases) assert.deepEqual(planCompaction(d(c.in), ranges), c.want, c.name);
});

test("retention by time and by size deletes whole blocks, oldest first", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { ...small, maxBlockDurationMs: 10 * MIN });
  await fill(db, 5, 0, 100 * MIN, 60_000);
  await db.compact();
  const n = db.blocks.length;
  assert.ok(n >= 8, `${n} blocks`);
  await db.close();
  // Time: blocks whose maxTime is more than 30m behind the newest block's go.
  const db2 = await openDB(dir, { ...small, maxBlockDurationMs: 10 * MIN, retentionMs: 30 * MIN });
  const newest = Math.max(...db2.blocks.map((b) => b.maxTime));
  for (const b of db2.blocks) assert.ok(newest - b.maxTime <= 30 * MIN);
  assert.ok(db2.blocks.length < n);
  assert.ok(db2.dbStats.timeRetentionDeletions > 0);
  const left = db2.blocks.length;
  const oneBlock = db2.blocks[0]!.size;
  await db2.close();
  // Size: WAL plus blocks within the budget.
  const walBytes = fs.readdirSync(path.join(dir, "wal")).length > 0 ? 0 : 0;
  const db3 = await openDB(dir, { ...small, maxBlockDurationMs: 10 * MIN, retentionSizeBytes: walBytes + 1 });
  assert.equal(db3.blocks.length, 0);
  assert.equal(db3.dbStats.sizeRetentionDeletions, left);
  assert.ok(oneBlock > 0);
  await db3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("deleteSeries hides samples in blocks and head; cleanTombstones rewrites the block; snapshot links blocks and persists the head", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, small);
  await fill(db, 3, 0, 30 * MIN, 60_000);
  await db.compact();
  assert.ok(db.blocks.length >= 1);
  const sel = [new Matcher(MatchType.Equal, "i", "1")];
  await db.deleteSeries(sel, 5 * MIN, 25 * MIN);
  const got = (await dump(db)).get(series(1).toString())!;
  assert.ok(got.every(([t]) => t < 5 * MIN || t > 25 * MIN));
  assert.equal(got.length, 31 - 21);
  const first = db.blocks[0]!;
  assert.ok(first.meta.stats.numTombstones > 0);
  await db.cleanTombstones();
  assert.ok(db.blocks.every((b) => b.tombstones.size === 0));
  assert.ok(!fs.existsSync(first.dir));
  assert.deepEqual((await dump(db)).get(series(1).toString()), got);
  const snap = path.join(tmpDir(), "snap");
  await db.snapshot(snap, true);
  const before = await dump(db);
  await db.close();
  const sdb = await openDB(snap, small);
  assert.equal(sdb.blocks.length, db.blocks.length + 1);
  assert.deepEqual(await dump(sdb), before);
  await sdb.close();
  // Reopen: head tombstones replay from the WAL.
  const db2 = await openDB(dir, small);
  assert.deepEqual(await dump(db2), before);
  await db2.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(path.dirname(snap), { recursive: true, force: true });
});

test("lock file: a second openDB fails clearly; stale locks (dead pid, Prometheus's empty file) are taken over", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, small);
  await assert.rejects(openDB(dir, small), (e: unknown) => e instanceof LockError && /is held by pid \d+/.test(e.message) && /--storage.tsdb.no-lockfile/.test(e.message));
  const db2 = await openDB(dir, { ...small, noLockfile: true });
  await db2.close();
  await db.close();
  assert.equal(fs.existsSync(path.join(dir, LOCK_FILENAME)), false);
  // A pid that is not running on this host.
  fs.writeFileSync(path.join(dir, LOCK_FILENAME), `999999999 ${os.hostname()}\n`);
  const db3 = await openDB(dir, small);
  await db3.close();
  // Left by a Prometheus that has exited (no flock held).
  fs.writeFileSync(path.join(dir, LOCK_FILENAME), "");
  const db4 = await openDB(dir, small);
  await db4.close();
  // Another host, refreshed recently: held.
  fs.writeFileSync(path.join(dir, LOCK_FILENAME), "1 some-other-host\n");
  await assert.rejects(openDB(dir, small), /held by pid 1 on some-other-host/);
  const old = new Date(Date.now() - 120_000);
  fs.utimesSync(path.join(dir, LOCK_FILENAME), old, old);
  const db5 = await openDB(dir, small);
  await db5.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const CRASH_SEED = Number(process.env["TSDB_SEED"] ?? Date.now() % 100000);
test(`crash: a child appending and committing is killed with SIGKILL; every committed sample survives (seed ${CRASH_SEED})`, { timeout: 120_000 }, async () => {
  const rnd = seededRandom(CRASH_SEED);
  const dir = tmpDir();
  const child = path.join(dir, "child.mjs");
  const dbDir = path.join(dir, "data");
  const indexJs = path.resolve(process.cwd(), "dist/src/tsdb/index.js");
  const modelJs = path.resolve(process.cwd(), "dist/src/model/index.js");
  fs.writeFileSync(
    child,
    `import { openDB } from ${JSON.stringify(indexJs)};
import { Labels } from ${JSON.stringify(modelJs)};
const db = await openDB(${JSON.stringify(dbDir)}, { minBlockDurationMs: 600000, backgroundCompaction: false, walSegmentSizeBytes: 65536, retentionMs: 0 });
let t = Number(process.argv[2]);
for (let b = 0; ; b++) {
  const app = db.appender();
  for (let i = 0; i < 50; i++) app.append(0, Labels.fromObject({ __name__: "c", i: String(i) }), t, t + i);
  await app.commit();
  process.stdout.write(t + "\\n");
  t += 15000;
  if (b % 40 === 39) await db.compact();
}
`,
  );
  let t0 = 0;
  const ranges: [number, number][] = [];
  try {
    for (let round = 0; round < 3; round++) {
      const p = spawn(process.execPath, [child, String(t0)], { stdio: ["ignore", "pipe", "inherit"] });
      let committed = -1;
      let buf = "";
      p.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split("\n");
        buf = lines.pop()!;
        for (const l of lines) committed = Number(l);
      });
      const exited = new Promise<void>((r) => p.once("exit", () => r()));
      const waitMs = 300 + Math.floor(rnd() * 1500);
      await new Promise((r) => setTimeout(r, waitMs));
      p.kill("SIGKILL");
      await exited;
      const db = await openDB(dbDir, { minBlockDurationMs: 10 * MIN, backgroundCompaction: false, retentionMs: 0 });
      const got = await dump(db);
      await db.close();
      if (committed >= 0) ranges.push([t0, committed]);
      for (const i of [0, 49]) {
        const s = got.get(Labels.fromObject({ __name__: "c", i: String(i) }).toString()) ?? [];
        const ts = new Set(s.map(([t]) => t));
        for (const [from, to] of ranges) {
          for (let t = from; t <= to; t += 15_000) assert.ok(ts.has(t), `round ${round}: committed sample t=${t} of series ${i} missing (committed ${from}..${to})`);
        }
        for (const [t, v] of s) assert.equal(v, t + i);
        // Exactly once: chunks_head, the WAL and blocks never hand back a sample twice.
        for (let k = 1; k < s.length; k++) assert.ok(s[k]![0] > s[k - 1]![0], `round ${round}: series ${i} repeats or reorders t=${s[k]![0]}`);
      }
      t0 = Math.max(committed, t0) + 15_000 * 10;
      // The next child continues after whatever made it to disk.
      for (const samples of got.values()) for (const [t] of samples) if (t + 15_000 > t0) t0 = t + 15_000;
    }
    assert.ok(listSegments(path.join(dbDir, "wal")).length > 0);
    assert.ok(fs.readdirSync(path.join(dbDir, "chunks_head")).length > 0, "no head chunk files written");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
