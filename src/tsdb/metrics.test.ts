import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "../exposition/index.ts";
import { Labels } from "../model/index.ts";
import { openDB, tsdbCollector } from "./index.ts";

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
