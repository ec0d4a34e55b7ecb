import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Registry, type MetricValue } from "../exposition/index.ts";
import { Labels, Matcher, MatchType } from "../model/index.ts";
import { ValueType } from "../storage/index.ts";
import { VirtualClock } from "../util/index.ts";
import { MemChunkStore } from "./head/index.ts";
import { Head, listSegments, openDB, tsdbCollector, type DB, type DBOptions } from "./index.ts";

/** The unlabelled values of the collector's families, by name. */
async function values(db: Awaited<ReturnType<typeof openDB>>): Promise<Map<string, number>> {
  const r = new Registry();
  r.register(tsdbCollector(() => db));
  const g = await r.gather();
  assert.deepEqual(g.errors, []);
  const out = new Map<string, number>();
  for (const f of g.families) if (f.metrics.length === 1 && f.metrics[0]!.labelNames.length === 0) out.set(f.name, f.metrics[0]!.value as number);
  return out;
}

test("prometheus_tsdb_clean_start: 1 for a fresh lock, 0 when a dead process's lock file was replaced, -1 without a lock file", async () => {
  const cases = [
    { name: "no lock file before", staleLock: false, noLockfile: false, want: 1 },
    // A pid above Linux's pid_max on this host: its holder is gone.
    { name: "a lock file left behind", staleLock: true, noLockfile: false, want: 0 },
    { name: "--storage.tsdb.no-lockfile", staleLock: true, noLockfile: true, want: -1 },
  ];
  for (const c of cases) {
    const dir = mkdtempSync(join(tmpdir(), "promstack-tsdb-metrics-"));
    try {
      if (c.staleLock) writeFileSync(join(dir, "lock"), `${2 ** 22 + 1} ${hostname()}\n`);
      const db = await openDB(dir, { noLockfile: c.noLockfile, backgroundCompaction: false });
      try {
        const v = await values(db);
        assert.equal(v.get("prometheus_tsdb_clean_start"), c.want, c.name);
        // openDB loads the blocks once.
        assert.equal(v.get("prometheus_tsdb_reloads_total"), 1, c.name);
        assert.equal(v.get("prometheus_tsdb_reloads_failures_total"), 0, c.name);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("prometheus_tsdb_reloads_failures_total counts a reload that throws", async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-tsdb-metrics-"));
  const db = await openDB(dir, { backgroundCompaction: false });
  try {
    // A block directory with a broken meta.json cannot be opened.
    mkdirSync(join(dir, "01HZZZZZZZZZZZZZZZZZZZZZZZ"));
    writeFileSync(join(dir, "01HZZZZZZZZZZZZZZZZZZZZZZZ", "meta.json"), "{not json");
    assert.throws(() => db.reloadBlocks());
    const v = await values(db);
    assert.equal(v.get("prometheus_tsdb_reloads_total"), 2);
    assert.equal(v.get("prometheus_tsdb_reloads_failures_total"), 1);
  } finally {
    rmSync(join(dir, "01HZZZZZZZZZZZZZZZZZZZZZZZ"), { recursive: true, force: true });
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("head time bounds in seconds and the lowest timestamp: MaxInt64 when empty, the head's start, then the oldest block's", async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-tsdb-metrics-"));
  const MIN = 60_000;
  const db = await openDB(dir, { backgroundCompaction: false, minBlockDurationMs: 10 * MIN, maxBlockDurationMs: 10 * MIN });
  try {
    let v = await values(db);
    assert.equal(v.get("prometheus_tsdb_lowest_timestamp"), 9223372036854775807);
    assert.equal(v.get("prometheus_tsdb_lowest_timestamp_seconds"), 9223372036854775);
    assert.equal(v.get("prometheus_tsdb_head_min_time_seconds"), 9223372036854775.807);
    const app = db.appender();
    const l = Labels.fromStrings("__name__", "m");
    for (let t = 1_500; t <= 30 * MIN; t += 15_000) app.append(0, l, t, 1);
    await app.commit();
    v = await values(db);
    assert.equal(v.get("prometheus_tsdb_head_min_time_seconds"), 1.5);
    // The last sample: 1.5 s + 119 x 15 s.
    assert.equal(v.get("prometheus_tsdb_head_max_time_seconds"), 1_786.5);
    assert.equal(v.get("prometheus_tsdb_lowest_timestamp"), 1_500);
    assert.equal(v.get("prometheus_tsdb_lowest_timestamp_seconds"), 1);
    await db.compact();
    assert.ok(db.blocks.length > 0, "a block was cut");
    v = await values(db);
    assert.equal(v.get("prometheus_tsdb_lowest_timestamp"), db.blocks[0]!.minTime);
    assert.ok(v.get("prometheus_tsdb_head_min_time_seconds")! > 1.5, "the head was truncated");
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The values of the collector's unlabelled families, by name (histograms and summaries as objects). */
async function gather(db: DB): Promise<Map<string, MetricValue>> {
  const r = new Registry();
  r.register(tsdbCollector(() => db));
  const g = await r.gather();
  assert.deepEqual(g.errors, []);
  const out = new Map<string, MetricValue>();
  for (const f of g.families) if (f.metrics.length === 1 && f.metrics[0]!.labelNames.length === 0) out.set(f.name, f.metrics[0]!.value);
  return out;
}

function num(v: Map<string, MetricValue>, name: string): number {
  const x = v.get(name);
  assert.equal(typeof x, "number", name);
  return x as number;
}

/** count and sum of a histogram or summary family. */
function dist(v: Map<string, MetricValue>, name: string): { count: number; sum: number } {
  const x = v.get(name);
  assert.ok(x !== undefined && typeof x === "object", name);
  return { count: x.count, sum: x.sum };
}

const MIN = 60_000;
const small: DBOptions = { minBlockDurationMs: 10 * MIN, maxBlockDurationMs: 10 * MIN, walSegmentSizeBytes: 32 * 1024, walCompression: false, retentionMs: 0 };
const series = (i: number): Labels => Labels.fromStrings("__name__", "m", "i", String(i));

async function fill(db: DB, n: number, from: number, to: number): Promise<void> {
  for (let t = from; t <= to; t += 15_000) {
    const app = db.appender();
    for (let i = 0; i < n; i++) assert.notEqual(app.append(0, series(i), t, i), 0);
    await app.commit();
  }
}

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "promstack-tsdb-metrics-"));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("appends, a triggered head compaction and the WAL truncation after it move the head, compaction, WAL and checkpoint families", () =>
  withDir(async (dir) => {
    const clock = new VirtualClock(0);
    const db = await openDB(dir, { ...small, clock });
    try {
      let v = await gather(db);
      assert.equal(num(v, "prometheus_tsdb_head_chunks"), 0);
      assert.equal(num(v, "prometheus_tsdb_head_chunks_created_total"), 0);
      assert.equal(num(v, "prometheus_tsdb_compactions_triggered_total"), 0);
      assert.equal(num(v, "prometheus_tsdb_wal_segment_current"), db.wal.segment);
      assert.ok(num(v, "prometheus_tsdb_data_replay_duration_seconds") >= 0);

      const app = db.appender();
      assert.equal(num(await gather(db), "prometheus_tsdb_head_active_appenders"), 1);
      app.rollback();
      assert.equal(num(await gather(db), "prometheus_tsdb_head_active_appenders"), 0);

      await fill(db, 100, 0, 30 * MIN);
      v = await gather(db);
      assert.equal(num(v, "prometheus_tsdb_head_active_appenders"), 0);
      assert.ok(num(v, "prometheus_tsdb_head_chunks_created_total") >= 100 * 3, "a chunk per series and 10m chunk range at least");
      assert.equal(num(v, "prometheus_tsdb_head_chunks"), db.head.numChunks);
      assert.equal(num(v, "prometheus_tsdb_head_chunks_removed_total"), 0);
      assert.ok(num(v, "prometheus_tsdb_wal_page_flushes_total") >= 121, "a flush per commit at least");
      assert.ok(num(v, "prometheus_tsdb_wal_completed_pages_total") > 1);
      assert.ok(num(v, "prometheus_tsdb_wal_segment_current") > 0, "32 KiB segments filled");
      assert.equal(num(v, "prometheus_tsdb_wal_segment_current"), db.wal.segment);
      assert.equal(num(v, "prometheus_tsdb_compactions_total"), 0);

      // The last commit made the head compactable: the background loop runs now.
      assert.ok(db.headCompactable());
      await clock.advanceToAsync(0);
      await db.compact();
      v = await gather(db);
      assert.equal(num(v, "prometheus_tsdb_compactions_triggered_total"), 1);
      assert.equal(num(v, "prometheus_tsdb_compactions_skipped_total"), 0);
      assert.ok(db.blocks.length >= 1);
      const written = num(v, "prometheus_tsdb_compactions_total");
      assert.equal(written, db.blocks.length);
      assert.equal(num(v, "prometheus_tsdb_compactions_failed_total"), 0);
      assert.equal(dist(v, "prometheus_tsdb_compaction_duration_seconds").count, written);
      assert.equal(num(v, "prometheus_tsdb_compaction_populating_block"), 0);
      // Every chunk of the blocks, once.
      let chunks = 0;
      let samples = 0;
      for (const b of db.blocks) {
        chunks += b.meta.stats.numChunks;
        samples += b.meta.stats.numSamples;
      }
      assert.deepEqual(dist(v, "prometheus_tsdb_compaction_chunk_samples"), { count: chunks, sum: samples });
      assert.equal(dist(v, "prometheus_tsdb_compaction_chunk_size_bytes").count, chunks);
      const range = dist(v, "prometheus_tsdb_compaction_chunk_range_seconds");
      assert.equal(range.count, chunks);
      // In milliseconds, as upstream: 39 steps of 15 s per 10-minute chunk.
      assert.equal(range.sum, chunks * 39 * 15_000);
      assert.equal(num(v, "prometheus_tsdb_storage_blocks_bytes"), db.blocks.reduce((n, b) => n + b.size, 0));
      // 103 symbols per block (__name__, i, m, 0 to 99): every 32nd one's offset kept, 8 bytes each.
      assert.equal(num(v, "prometheus_tsdb_symbol_table_size_bytes"), 4 * 8 * db.blocks.length);

      // The head truncation behind it.
      const removed = num(v, "prometheus_tsdb_head_chunks_removed_total");
      assert.equal(removed, chunks);
      assert.equal(num(v, "prometheus_tsdb_head_chunks"), num(v, "prometheus_tsdb_head_chunks_created_total") - removed);
      assert.equal(num(v, "prometheus_tsdb_head_chunks"), db.head.numChunks);
      assert.equal(dist(v, "prometheus_tsdb_head_gc_duration_seconds").count, num(v, "prometheus_tsdb_head_truncations_total"));
      assert.equal(num(v, "prometheus_tsdb_head_truncations_failed_total"), 0);

      // And the WAL's.
      const checkpoints = num(v, "prometheus_tsdb_checkpoint_creations_total");
      assert.ok(checkpoints >= 1);
      assert.equal(num(v, "prometheus_tsdb_checkpoint_creations_failed_total"), 0);
      assert.equal(num(v, "prometheus_tsdb_checkpoint_deletions_total"), checkpoints);
      assert.equal(num(v, "prometheus_tsdb_checkpoint_deletions_failed_total"), 0);
      assert.equal(num(v, "prometheus_tsdb_wal_truncations_total"), checkpoints);
      assert.equal(num(v, "prometheus_tsdb_wal_truncations_failed_total"), 0);
      assert.equal(dist(v, "prometheus_tsdb_wal_truncate_duration_seconds").count, checkpoints);
    } finally {
      await db.close();
    }
  }));

test("prometheus_tsdb_wal_fsync_duration_seconds: a summary with 2.42's quantiles, observed per fsynced segment", () =>
  withDir(async (dir) => {
    const db = await openDB(dir, { backgroundCompaction: false });
    await fill(db, 2, 0, 60_000);
    let v = await gather(db);
    assert.deepEqual(dist(v, "prometheus_tsdb_wal_fsync_duration_seconds"), { count: 0, sum: 0 });
    await db.close();
    v = await gather(db);
    const s = v.get("prometheus_tsdb_wal_fsync_duration_seconds");
    assert.ok(s !== undefined && typeof s === "object" && s.kind === "summary");
    assert.deepEqual(s.quantiles, [0.5, 0.9, 0.99]);
    assert.equal(s.count, 1);
    for (const q of s.values) assert.ok(q >= 0 && q === s.sum);
  }));

test("prometheus_tsdb_wal_truncations_failed_total counts a truncation that threw", () =>
  withDir(async (dir) => {
    const db = await openDB(dir, { backgroundCompaction: false });
    try {
      db.wal.nextSegment();
      const next = db.wal.nextSegment();
      // A directory where a segment file should be: it cannot be removed as a file.
      const seg = listSegments(db.wal.dir)[1]!;
      rmSync(join(db.wal.dir, seg.name));
      mkdirSync(join(db.wal.dir, seg.name, "x"), { recursive: true });
      assert.throws(() => db.wal.truncate(next));
      const v = await gather(db);
      assert.equal(num(v, "prometheus_tsdb_wal_truncations_total"), 1);
      assert.equal(num(v, "prometheus_tsdb_wal_truncations_failed_total"), 1);
    } finally {
      await db.close();
    }
  }));

test("prometheus_tsdb_checkpoint_creations_failed_total counts a checkpoint that failed (a corrupt segment)", () =>
  withDir(async (dir) => {
    const db = await openDB(dir, { ...small, backgroundCompaction: false });
    try {
      await fill(db, 100, 0, 30 * MIN);
      const segs = listSegments(db.wal.dir);
      assert.ok(segs.length > 3);
      writeFileSync(join(db.wal.dir, segs[1]!.name), Buffer.alloc(32 * 1024, 0xfe));
      await assert.rejects(db.compact());
      const v = await gather(db);
      assert.equal(num(v, "prometheus_tsdb_checkpoint_creations_total"), 1);
      assert.equal(num(v, "prometheus_tsdb_checkpoint_creations_failed_total"), 1);
      assert.equal(num(v, "prometheus_tsdb_checkpoint_deletions_total"), 0);
      assert.equal(num(v, "prometheus_tsdb_wal_truncations_total"), 0);
      assert.equal(dist(v, "prometheus_tsdb_wal_truncate_duration_seconds").count, 0);
    } finally {
      await db.close();
    }
  }));

test("out-of-order blocks, tombstone cleaning and a reopen move vertical compactions, the cleanup histogram and the replay duration", () =>
  withDir(async (dir) => {
    const opts: DBOptions = { ...small, backgroundCompaction: false, outOfOrderTimeWindowMs: 60 * MIN };
    let db = await openDB(dir, opts);
    try {
      await fill(db, 3, 0, 40 * MIN);
      await db.compact();
      let v = await gather(db);
      assert.equal(num(v, "prometheus_tsdb_vertical_compactions_total"), 0);
      const before = num(v, "prometheus_tsdb_compactions_total");
      const chunksBefore = dist(v, "prometheus_tsdb_compaction_chunk_samples").count;
      // Behind the blocks: written to a block of its own, which overlaps one of them.
      const app = db.appender();
      assert.notEqual(app.append(0, series(0), 5 * MIN + 7_000, -1), 0);
      await app.commit();
      await db.compact();
      v = await gather(db);
      assert.equal(num(v, "prometheus_tsdb_vertical_compactions_total"), 1);
      // The out-of-order writes (a block range each, its one chunk observed) and the vertical compaction.
      const after = num(v, "prometheus_tsdb_compactions_total");
      assert.ok(after >= before + 2);
      assert.equal(dist(v, "prometheus_tsdb_compaction_chunk_samples").count, chunksBefore + 1);
      assert.equal(dist(v, "prometheus_tsdb_compaction_duration_seconds").count, after);

      assert.equal(dist(v, "prometheus_tsdb_tombstone_cleanup_seconds").count, 0);
      await db.deleteSeries([new Matcher(MatchType.Equal, "i", "1")], 0, 5 * MIN);
      await db.cleanTombstones();
      v = await gather(db);
      assert.equal(dist(v, "prometheus_tsdb_tombstone_cleanup_seconds").count, 1);
      assert.equal(num(v, "prometheus_tsdb_compactions_total"), after + 1);
    } finally {
      await db.close();
    }
    db = await openDB(dir, opts);
    try {
      const v = await gather(db);
      assert.ok(num(v, "prometheus_tsdb_data_replay_duration_seconds") > 0);
      assert.ok(num(v, "prometheus_tsdb_head_chunks_created_total") > 0, "chunks of the replayed samples");
      assert.equal(num(v, "prometheus_tsdb_head_chunks"), db.head.numChunks);
    } finally {
      await db.close();
    }
  }));

test("prometheus_tsdb_head_series_not_found_total counts series of a query's postings gone from the head", () =>
  withDir(async (dir) => {
    const db = await openDB(dir, { backgroundCompaction: false });
    try {
      await fill(db, 2, 0, 60_000);
      // What a truncation leaves for a moment: the series is gone, its postings not yet.
      db.head.postings.add(1_000, series(7));
      const q = await db.querier(0, 60_000);
      const ss = await q.select(true, null, new Matcher(MatchType.Equal, "__name__", "m"));
      let n = 0;
      while (ss.next()) {
        const it = ss.at().iterator();
        while (it.next() === ValueType.Float) n++;
      }
      q.close();
      assert.equal(n, 2 * 5);
      assert.equal(num(await gather(db), "prometheus_tsdb_head_series_not_found_total"), 1);
    } finally {
      await db.close();
    }
  }));

test("a head truncation that throws counts in HeadStats.truncationsFailed (prometheus_tsdb_head_truncations_failed_total)", async () => {
  class FailingStore extends MemChunkStore {
    override truncate(): void {
      throw new Error("disk gone");
    }
  }
  const head = new Head({ chunkRangeMs: 10 * MIN, chunkStore: new FailingStore() });
  const app = head.appender();
  for (let t = 0; t <= 30 * MIN; t += 15_000) app.append(0, series(0), t, 1);
  await app.commit();
  await assert.rejects(head.truncateMemory(20 * MIN), /disk gone/);
  assert.equal(head.stats.truncations, 1);
  assert.equal(head.stats.truncationsFailed, 1);
  assert.equal(head.stats.gcs, 1, "the garbage collection ran before the chunk store failed");
});
