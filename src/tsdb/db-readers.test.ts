import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Labels } from "../model/index.ts";
import { ValueType } from "../storage/index.ts";
import { openDB } from "./index.ts";

const HOUR = 3600 * 1000;

test("head truncation waits for queriers opened before the block was written", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promstack-tsdb-readers-"));
  const db = await openDB(dir, { backgroundCompaction: false });
  try {
    // 4 hours of one sample a minute: the head is compactable ([0, 2h) goes to a block).
    const l = Labels.fromStrings("__name__", "m");
    const app = db.appender();
    for (let t = 0; t <= 4 * HOUR; t += 60_000) app.append(0, l, t, t / 1000);
    await app.commit();
    assert.ok(db.headCompactable());

    const q = await db.querier(0, 4 * HOUR);
    const ss = await q.select(false, null);
    assert.ok(ss.next());
    const series = ss.at();
    let compacted = false;
    const compaction = db.compact().then(() => (compacted = true));
    // The block is written, but the head keeps its chunks while q is open.
    while (db.blocks.length === 0) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(compacted, false);
    const it = series.iterator(null);
    let n = 0;
    while (it.next() !== ValueType.None) n++;
    assert.equal(n, 4 * 60 + 1, "every sample is still readable through the open querier");
    q.close();
    await compaction;
    assert.ok(db.head.minTime >= 2 * HOUR);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
