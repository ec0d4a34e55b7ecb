import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Labels, Matcher, MatchType } from "../../model/index.ts";
import { StorageError, storageConformance, type Appendable, type Appender, type Querier, type Queryable } from "../../storage/index.ts";
import { seededRandom } from "../../util/index.ts";
import { Head } from "../head/index.ts";
import { IndexReader, IndexWriter, type ChunkMeta } from "../index/index.ts";
import { PageCache } from "../fileutil/index.ts";
import { MemTombstones, decodeTombstonesFile, encodeTombstonesFile } from "../tombstones/index.ts";
import { headSeriesChunks } from "../compact/index.ts";
import { MergedQuerier } from "../db.ts";
import {
  Block,
  ChunkReader,
  ChunkWriter,
  decodeMeta,
  encodeMeta,
  isULID,
  newULID,
  ulidTime,
  writeBlock,
  type BlockMeta,
} from "./index.ts";

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "promstack-block-"));
}

const SEED = Number(process.env["TSDB_SEED"] ?? Date.now() % 100000);

function seeded(name: string, fn: (rnd: () => number) => void | Promise<void>): void {
  test(`${name} (seed ${SEED})`, async () => {
    try {
      await fn(seededRandom(SEED));
    } catch (e) {
      console.error(`${name} failed with TSDB_SEED=${SEED}`);
      throw e;
    }
  });
}

test("ULIDs: 26 Crockford characters, time first, sortable", () => {
  const a = newULID(1_700_000_000_000);
  const b = newULID(1_700_000_000_001);
  assert.ok(isULID(a), a);
  assert.equal(ulidTime(a), 1_700_000_000_000);
  assert.ok(a < b);
  assert.equal(newULID(0, () => new Uint8Array(10)), "0".repeat(26));
  assert.equal(newULID(0, () => new Uint8Array(10).fill(255)), "0".repeat(10) + "Z".repeat(16));
  assert.equal(isULID("01BX5ZZKBKACTAV9WEVGEMMVRZ"), true);
  assert.equal(isULID("01BX5ZZKBKACTAV9WEVGEMMVRI"), false);
});

seeded("index round trip: symbols, series, chunk metas, postings", async (rnd) => {
  const dir = tmpDir();
  const file = path.join(dir, "index");
  const n = 1 + Math.floor(rnd() * 300);
  const series = new Map<string, { labels: Labels; chunks: ChunkMeta[] }>();
  for (let i = 0; i < n; i++) {
    const obj: Record<string, string> = { __name__: `m${Math.floor(rnd() * 5)}` };
    if (rnd() < 0.7) obj["job"] = ["a", "b", "ü", "x y"][Math.floor(rnd() * 4)]!;
    obj["i"] = String(Math.floor(rnd() * 1e6));
    const labels = Labels.fromObject(obj);
    const chunks: ChunkMeta[] = [];
    let t = Math.floor((rnd() - 0.5) * 1e12);
    let ref = 8 + Math.floor(rnd() * 1000);
    for (let c = Math.floor(rnd() * 4); c > 0; c--) {
      const mint = t + 1 + Math.floor(rnd() * 1e6);
      const maxt = mint + Math.floor(rnd() * 1e7);
      chunks.push({ mint, maxt, ref });
      t = maxt;
      ref += 1 + Math.floor(rnd() * 5e9);
    }
    series.set(labels.key, { labels, chunks });
  }
  const sorted = [...series.values()].sort((a, b) => (a.labels.toString() < b.labels.toString() ? -1 : 1));
  // Sort the way the index requires (pairwise name, value).
  sorted.sort((a, b) => {
    const x = a.labels;
    const y = b.labels;
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x.names[i] !== y.names[i]) return x.names[i]! < y.names[i]! ? -1 : 1;
      if (x.values[i] !== y.values[i]) return x.values[i]! < y.values[i]! ? -1 : 1;
    }
    return x.length - y.length;
  });
  const syms = new Set<string>();
  for (const s of sorted) s.labels.forEach((k, v) => (syms.add(k), syms.add(v)));
  const w = new IndexWriter(file);
  w.addSymbols([...syms].sort());
  const ids = sorted.map((s) => w.addSeries(s.labels, s.chunks));
  await w.close();
  const r = new IndexReader(file, new PageCache(1 << 20));
  assert.deepEqual(r.symbols(), [...syms].sort());
  const metas: ChunkMeta[] = [];
  sorted.forEach((s, i) => {
    const got = r.series(ids[i]!, metas);
    assert.equal(got.key, s.labels.key);
    assert.deepEqual(metas, s.chunks);
  });
  assert.deepEqual(r.allPostings(), ids);
  assert.deepEqual(r.labelNames(), [...new Set(sorted.flatMap((s) => s.labels.names))].sort());
  for (const job of r.labelValues("job")) {
    const want = ids.filter((_, i) => sorted[i]!.labels.get("job") === job);
    assert.deepEqual(r.postings("job", job), want);
  }
  r.close();
  // A flipped byte in the series section is a checksum error, not garbage.
  const bytes = fs.readFileSync(file);
  bytes[ids[0]! * 16 + 2] ^= 0xff;
  fs.writeFileSync(file, bytes);
  const r2 = new IndexReader(file, new PageCache(1 << 20));
  assert.throws(() => r2.series(ids[0]!, metas), StorageError);
  r2.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

seeded("chunk segment files: refs are segment << 32 | offset, files are cut at the size limit", (rnd) => {
  const dir = tmpDir();
  const w = new ChunkWriter(dir, 4096);
  const written: { ref: number; data: Uint8Array }[] = [];
  for (let i = 0; i < 200; i++) {
    const data = new Uint8Array(2 + Math.floor(rnd() * 300)).map(() => Math.floor(rnd() * 256));
    written.push({ ref: w.write(1, data), data });
  }
  w.close();
  const files = fs.readdirSync(dir).sort();
  assert.ok(files.length > 5, files.join());
  assert.equal(files[0], "000001");
  for (const f of files) assert.ok(fs.statSync(path.join(dir, f)).size <= 4096);
  assert.equal(written[0]!.ref, 8);
  const r = new ChunkReader(dir, new PageCache(8192));
  for (const c of written) {
    const got = r.chunk(c.ref);
    assert.equal(got.encoding, 1);
    assert.deepEqual(got.data, c.data);
  }
  r.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

seeded("tombstones file round trip", (rnd) => {
  const ts = new MemTombstones();
  for (let i = 0; i < 50; i++) {
    const mint = Math.floor((rnd() - 0.5) * 1e13);
    ts.add(Math.floor(rnd() * 1e6), { mint, maxt: mint + Math.floor(rnd() * 1e6) });
  }
  const b = encodeTombstonesFile(ts);
  assert.deepEqual(decodeTombstonesFile(b).entries(), ts.entries());
  const empty = encodeTombstonesFile(new MemTombstones());
  assert.deepEqual([...empty], [0x01, 0x30, 0xba, 0x30, 1, 0, 0, 0, 0]);
  b[6] ^= 1;
  assert.throws(() => decodeTombstonesFile(b), /checksum did not match/);
});

test("meta.json: Go's field order, tab indented, zero fields omitted", () => {
  const m: BlockMeta = {
    ulid: "01BX6V6TY06G5MFQ0GPH7EMXRH",
    minTime: 1,
    maxTime: 2,
    stats: { numSamples: 5, numSeries: 1, numChunks: 1, numTombstones: 0 },
    compaction: { level: 1, sources: ["01BX6V6TY06G5MFQ0GPH7EMXRH"], parents: [], deletable: false, failed: false },
    version: 1,
  };
  const text = encodeMeta(m);
  assert.equal(
    text,
    '{\n\t"ulid": "01BX6V6TY06G5MFQ0GPH7EMXRH",\n\t"minTime": 1,\n\t"maxTime": 2,\n\t"stats": {\n\t\t"numSamples": 5,\n\t\t"numSeries": 1,\n\t\t"numChunks": 1\n\t},\n\t"compaction": {\n\t\t"level": 1,\n\t\t"sources": [\n\t\t\t"01BX6V6TY06G5MFQ0GPH7EMXRH"\n\t\t]\n\t},\n\t"version": 1\n}',
  );
  assert.deepEqual(decodeMeta(text), m);
  assert.throws(() => decodeMeta('{"version": 2}'), /unexpected meta file version 2/);
});

/**
 * Storage under test for the conformance suite: appends go to a head; each
 * commit persists the whole head as a block, and queries read only the
 * block (or, with merged, the block and the head, which hold the same
 * samples, so the merge must deduplicate).
 */
class PersistingStorage implements Appendable, Queryable {
  readonly head = new Head();
  readonly dir = tmpDir();
  readonly cache = new PageCache(1 << 20);
  block: Block | null = null;
  readonly merged: boolean;

  constructor(merged: boolean) {
    this.merged = merged;
  }

  appender(): Appender {
    const app = this.head.appender();
    return {
      append: (ref, l, t, v, o) => app.append(ref, l, t, v, o),
      appendSample: (ref, l, sample, o) => app.appendSample(ref, l, sample, o),
      rollback: () => app.rollback(),
      commit: async () => {
        await app.commit();
        this.block?.close();
        if (this.block !== null) fs.rmSync(this.block.dir, { recursive: true });
        const meta = await writeBlock(this.dir, await headSeriesChunks(this.head, -1e15, 1e15), this.head.minTime, this.head.maxTime + 1, { level: 1, sources: null, parents: [], deletable: false, failed: false }, { now: Date.now() });
        this.block = meta === null ? null : Block.open(path.join(this.dir, meta.ulid), this.cache);
      },
    };
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    const qs: Querier[] = [];
    if (this.block !== null) qs.push(this.block.querier(mint, maxt));
    if (this.merged || this.block === null) qs.push(await this.head.querier(this.block === null ? 1 : mint, this.block === null ? 0 : maxt));
    return new MergedQuerier(qs);
  }

  cleanup(): void {
    this.block?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

for (const merged of [false, true]) {
  for (const c of storageConformance()) {
    test(`${merged ? "merged block+head" : "block"} querier: ${c.name}`, async () => {
      const s = new PersistingStorage(merged);
      try {
        await c.run(s);
      } finally {
        s.cleanup();
      }
    });
  }
}

test("block querier: reads are positional and bounded by the page cache", async () => {
  const s = new PersistingStorage(false);
  const app = s.appender();
  for (let i = 0; i < 2000; i++) for (let t = 0; t < 30; t++) app.append(0, Labels.fromObject({ __name__: "m", i: String(i) }), t * 15_000, i + t);
  await app.commit();
  const cache = new PageCache(128 * 1024);
  const b = Block.open(s.block!.dir, cache);
  const q = b.querier(0, 1e9);
  const ss = await q.select(false, null, new Matcher(MatchType.Regexp, "i", "1.*"));
  let n = 0;
  while (ss.next()) n++;
  assert.equal(n, 1111);
  assert.ok(cache.bytes <= 128 * 1024, `cache holds ${cache.bytes}`);
  q.close();
  b.close();
  s.cleanup();
});
