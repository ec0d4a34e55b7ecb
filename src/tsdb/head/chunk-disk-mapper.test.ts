import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Labels } from "../../model/index.ts";
import { ValueType } from "../../storage/index.ts";
import { crc32c } from "../encoding/index.ts";
import { seededRandom } from "../../util/index.ts";
import { ChunkDiskMapper, HEAD_CHUNK_FILE_HEADER_BYTES, Head, MAGIC_HEAD_CHUNKS, type LoadedHeadChunk } from "./index.ts";

const SEED = Number(process.env["TSDB_SEED"] ?? Date.now() % 100000);
const TWO_32 = 0x1_0000_0000;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "promstack-chunks-head-"));
}

interface Written {
  seriesRef: number;
  mint: number;
  maxt: number;
  data: Uint8Array;
  ref: number;
}

/** Writes n random chunks (2-byte sample count header first, as XOR chunks). */
function writeRandom(m: ChunkDiskMapper, rnd: () => number, n: number, maxLen: number): Written[] {
  const out: Written[] = [];
  const last = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const seriesRef = 1 + Math.floor(rnd() * 20);
    const mint = (last.get(seriesRef) ?? -1_000_000 + Math.floor(rnd() * 2_000_000)) + 1;
    const maxt = mint + Math.floor(rnd() * 100_000);
    last.set(seriesRef, maxt);
    const data = new Uint8Array(2 + Math.floor(rnd() * maxLen));
    for (let k = 0; k < data.length; k++) data[k] = Math.floor(rnd() * 256);
    out.push({ seriesRef, mint, maxt, data, ref: m.write(seriesRef, mint, maxt, data) });
  }
  return out;
}

async function loadAll(m: ChunkDiskMapper): Promise<LoadedHeadChunk[]> {
  const got: LoadedHeadChunk[] = [];
  await m.load((c) => got.push(c));
  return got;
}

for (const c of [
  { name: "small chunks, one file", n: 50, maxLen: 60, maxFileBytes: undefined, writeBufferBytes: undefined },
  { name: "many files", n: 400, maxLen: 300, maxFileBytes: 8 * 1024, writeBufferBytes: undefined },
  { name: "chunks larger than the write buffer", n: 40, maxLen: 9000, maxFileBytes: 64 * 1024, writeBufferBytes: 4096 },
]) {
  test(`head chunk files: round trip, ${c.name} (seed ${SEED})`, async () => {
    const rnd = seededRandom(SEED);
    const dir = tmpDir();
    try {
      const m = ChunkDiskMapper.open(dir, { maxFileBytes: c.maxFileBytes, writeBufferBytes: c.writeBufferBytes });
      assert.deepEqual(await loadAll(m), []);
      const w = writeRandom(m, rnd, c.n, c.maxLen);
      // Read back while being written (buffered and flushed alike).
      for (const x of w) assert.deepEqual(m.read(x.ref), x.data);
      m.close();
      const m2 = ChunkDiskMapper.open(dir);
      const got = await loadAll(m2);
      assert.equal(m2.stats.corruptions, 0);
      assert.deepEqual(
        got.map((g) => [g.seriesRef, g.ref, g.mint, g.maxt, g.numSamples, g.encoding, g.outOfOrder]),
        w.map((x) => [x.seriesRef, x.ref, x.mint, x.maxt, (x.data[0]! << 8) | x.data[1]!, 1, false]),
      );
      for (const x of w) assert.deepEqual(m2.read(x.ref), x.data);
      if (c.maxFileBytes !== undefined) {
        assert.ok(m2.files.length > 1);
        for (const seq of m2.files) assert.ok(fs.statSync(path.join(dir, String(seq).padStart(6, "0"))).size <= c.maxFileBytes + 9000 + 34);
      }
      m2.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("head chunk files: the bytes are Prometheus's format (header, chunk fields, CRC32C, ref = seq << 32 | offset)", () => {
  const dir = tmpDir();
  try {
    const m = ChunkDiskMapper.open(dir);
    const data = Uint8Array.of(0, 1, 0xaa, 0xbb, 0xcc);
    const ref = m.write(7, -5, 0x1_2345_6789, data);
    assert.equal(ref, 1 * TWO_32 + HEAD_CHUNK_FILE_HEADER_BYTES);
    const ref2 = m.write(8, 1, 2, data);
    m.close();
    const b = fs.readFileSync(path.join(dir, "000001"));
    assert.deepEqual([...b.subarray(0, 8)], [0x01, 0x30, 0xbc, 0x91, 1, 0, 0, 0]);
    assert.equal(b.readUInt32BE(0), MAGIC_HEAD_CHUNKS);
    assert.equal(b.readBigUInt64BE(8), 7n);
    assert.equal(b.readBigInt64BE(16), -5n);
    assert.equal(b.readBigInt64BE(24), 0x1_2345_6789n);
    assert.equal(b[32], 1); // XOR encoding
    assert.equal(b[33], data.length); // uvarint length
    assert.deepEqual([...b.subarray(34, 39)], [...data]);
    assert.equal(b.readUInt32BE(39), crc32c(b, 8, 39));
    assert.equal(ref2, TWO_32 + 43);
    assert.equal(b.length, 43 * 2 - 8);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Damages of the last file and how many of the 30 chunks written survive them. */
const damages: { name: string; damage: (file: string, ends: number[]) => void; keep: number; corrupt: boolean }[] = [
  { name: "torn last chunk", damage: (f, ends) => fs.truncateSync(f, ends[29]! - 3), keep: 29, corrupt: true },
  { name: "torn chunk header", damage: (f, ends) => fs.truncateSync(f, ends[28]! + 10), keep: 29, corrupt: true },
  {
    name: "flipped bit in a chunk's data",
    damage: (f, ends) => {
      const b = fs.readFileSync(f);
      b[ends[19]! + 30]! ^= 0x10;
      fs.writeFileSync(f, b);
    },
    keep: 20,
    corrupt: true,
  },
  { name: "garbage after the last chunk", damage: (f) => fs.appendFileSync(f, Buffer.from("garbage garbage garbage garbage garbage")), keep: 30, corrupt: true },
  { name: "zeros after the last chunk (Prometheus preallocates)", damage: (f) => fs.appendFileSync(f, Buffer.alloc(128 * 1024)), keep: 30, corrupt: false },
  { name: "a few zeros after the last chunk", damage: (f) => fs.appendFileSync(f, Buffer.alloc(7)), keep: 30, corrupt: false },
];

for (const d of damages) {
  test(`head chunk files: repair on open, ${d.name}`, async () => {
    const dir = tmpDir();
    try {
      const m = ChunkDiskMapper.open(dir);
      const w: Written[] = [];
      const ends: number[] = [];
      for (let i = 0; i < 30; i++) {
        const data = new Uint8Array(40).fill(i);
        w.push({ seriesRef: 1 + (i % 3), mint: i * 10, maxt: i * 10 + 9, data, ref: m.write(1 + (i % 3), i * 10, i * 10 + 9, data) });
        ends.push(Number(BigInt(w[i]!.ref) & 0xffffffffn) + 24 + 1 + 1 + 40 + 4);
      }
      m.close();
      const file = path.join(dir, "000001");
      d.damage(file, ends);
      const m2 = ChunkDiskMapper.open(dir);
      const got = await loadAll(m2);
      assert.equal(got.length, d.keep);
      assert.equal(m2.stats.corruptions, d.corrupt ? 1 : 0);
      for (const g of got) assert.deepEqual(m2.read(g.ref), w.find((x) => x.ref === g.ref)!.data);
      if (d.corrupt) assert.equal(fs.statSync(file).size, d.keep === 0 ? 8 : ends[d.keep - 1]);
      // New chunks go to a new file; a second open finds nothing to repair.
      const ref = m2.write(9, 1000, 1010, Uint8Array.of(0, 1, 2));
      assert.equal(Math.floor(ref / TWO_32), 2);
      m2.close();
      const m3 = ChunkDiskMapper.open(dir);
      assert.equal((await loadAll(m3)).length, d.keep + 1);
      assert.equal(m3.stats.corruptions, 0);
      m3.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("head chunk files: an out-of-sequence chunk ends the good data; an empty last file is removed; later files go with a corrupt one", async () => {
  const dir = tmpDir();
  try {
    const m = ChunkDiskMapper.open(dir, { maxFileBytes: 200 });
    const refs: number[] = [];
    for (let i = 0; i < 6; i++) refs.push(m.write(1, i * 10, i * 10 + 5, new Uint8Array(40)));
    refs.push(m.write(1, 3, 4, new Uint8Array(40))); // overlaps an earlier chunk of the series
    refs.push(m.write(1, 100, 110, new Uint8Array(40)));
    m.close();
    fs.writeFileSync(path.join(dir, String(Math.floor(refs[7]! / TWO_32) + 1).padStart(6, "0")), "");
    const m2 = ChunkDiskMapper.open(dir);
    const got = await loadAll(m2);
    assert.deepEqual(
      got.map((g) => g.mint),
      [0, 10, 20, 30, 40, 50],
    );
    assert.equal(m2.stats.corruptions, 1);
    assert.deepEqual(m2.files, [...new Set(refs.slice(0, 7).map((r) => Math.floor(r / TWO_32)))]);
    m2.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("head chunk files: truncate deletes the oldest files whose chunks all end before mint", async () => {
  const dir = tmpDir();
  try {
    const m = ChunkDiskMapper.open(dir, { maxFileBytes: 200 });
    await loadAll(m);
    for (let i = 0; i < 12; i++) m.write(1 + (i % 2), i * 100, i * 100 + 99, new Uint8Array(40));
    const before = m.files;
    assert.ok(before.length >= 4);
    m.truncate(450);
    // Files hold two chunks each: [0..199], [200..399] go, [400..599] stays.
    assert.deepEqual(m.files, before.slice(2));
    // All chunks end before mint: every file goes (the last one is no longer written to).
    m.truncate(1_000_000);
    assert.deepEqual(m.files, []);
    // The next write starts a new file after the last one.
    const ref = m.write(1, 5000, 5001, new Uint8Array(4));
    assert.equal(Math.floor(ref / TWO_32), before[before.length - 1]! + 1);
    m.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("memory bound: a head over chunks_head keeps only refs of complete chunks; reads go through a bounded cache", async () => {
  const dir = tmpDir();
  try {
    const m = ChunkDiskMapper.open(dir, { cacheBytes: 32 * 1024 });
    await loadAll(m);
    const head = new Head({ chunkStore: m, chunkRangeMs: 24 * 3600_000 });
    const N = 100;
    const T = 2000;
    const lsets = Array.from({ length: N }, (_, i) => Labels.fromObject({ __name__: "m", i: String(i) }));
    for (let t = 0; t < T; t++) {
      const app = head.appender();
      for (let i = 0; i < N; i++) app.append(0, lsets[i]!, t * 15_000, Math.sin(t + i));
      await app.commit();
    }
    let complete = 0;
    for (const l of lsets) {
      const s = head.seriesByLabels(l)!;
      assert.ok(s.numCompleteChunks >= 10);
      // Complete chunks are refs into the files (no negative in-memory refs), plus one open head chunk.
      for (let i = 0; i < s.numCompleteChunks; i++) assert.ok(Number.isInteger(s.chunkRef(i)) && s.chunkRef(i) >= TWO_32);
      assert.equal(s.numChunks, s.numCompleteChunks + 1);
      complete += s.numCompleteChunks;
    }
    assert.equal(m.stats.chunksWritten, complete);
    assert.equal(m.pinnedChunks, 0);
    // Every sample reads back, once, in order; the cache stays within its bound.
    const q = await head.querier(0, Number.MAX_SAFE_INTEGER);
    const ss = await q.select(false, null);
    let n = 0;
    while (ss.next()) {
      const it = ss.at().iterator();
      let prev = -1;
      while (it.next() === ValueType.Float) {
        assert.ok(it.atT() > prev);
        prev = it.atT();
        n++;
      }
      assert.ok(m.cacheBytes <= 32 * 1024);
    }
    assert.equal(n, N * T);
    head.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
