import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { crc32c } from "../encoding/index.ts";
import {
  PAGE_SIZE,
  RECORD_HEADER_SIZE,
  WalCompression,
  WalDirReader,
  WalReader,
  Wlog,
  listSegments,
  WalUnsupportedError,
  WalWriter,
  segmentName,
  type WalSegment,
  type WalSegmentSink,
} from "./index.ts";
import { seededRandom } from "../../util/index.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Collects written bytes per segment, like files opened for append. */
class MemSink implements WalSegmentSink {
  readonly segs = new Map<number, number[]>();
  writes = 0;
  write(index: number, bytes: Uint8Array): void {
    let s = this.segs.get(index);
    if (s === undefined) this.segs.set(index, (s = []));
    for (const b of bytes) s.push(b);
    this.writes++;
  }
  segments(): WalSegment[] {
    return [...this.segs.entries()].sort((a, b) => a[0] - b[0]).map(([index, d]) => ({ index, data: Uint8Array.from(d) }));
  }
}

function readAll(segs: readonly WalSegment[]): { recs: Uint8Array[]; err: string | null } {
  const r = new WalReader(segs);
  const recs: Uint8Array[] = [];
  while (r.next()) recs.push(r.record().slice());
  return { recs, err: r.err()?.message ?? null };
}

const rec = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test("golden: one small record, then close pads the page", () => {
  const sink = new MemSink();
  const w = new WalWriter(sink);
  w.log(new TextEncoder().encode("abc"));
  assert.equal(crc32c(new TextEncoder().encode("abc")), 0x364b3fb7);
  // type Full | length 3 | CRC32C("abc") | data
  assert.equal(hex(Uint8Array.from(sink.segs.get(0)!)), "01" + "0003" + "364b3fb7" + "616263");
  assert.equal(w.offset, 10);
  w.close();
  const seg = Uint8Array.from(sink.segs.get(0)!);
  assert.equal(seg.length, PAGE_SIZE);
  assert.ok(seg.subarray(10).every((b) => b === 0));
  assert.deepEqual(readAll(sink.segments()).recs.map(hex), ["616263"]);
});

test("a record larger than a page is split first/middle/last at page boundaries", () => {
  const sink = new MemSink();
  const w = new WalWriter(sink);
  const big = rec(2 * PAGE_SIZE + 100, 1);
  w.log(big);
  w.close();
  const seg = Uint8Array.from(sink.segs.get(0)!);
  const payload = PAGE_SIZE - RECORD_HEADER_SIZE;
  assert.equal(seg.length, 3 * PAGE_SIZE);
  assert.deepEqual([seg[0], seg[PAGE_SIZE], seg[2 * PAGE_SIZE]], [2, 3, 4]);
  assert.equal((seg[1]! << 8) | seg[2]!, payload);
  const lastLen = big.length - 2 * payload;
  assert.equal((seg[2 * PAGE_SIZE + 1]! << 8) | seg[2 * PAGE_SIZE + 2]!, lastLen);
  const { recs, err } = readAll(sink.segments());
  assert.equal(err, null);
  assert.equal(recs.length, 1);
  assert.deepEqual(recs[0], big);
});

test("a page with fewer than 7 bytes left is padded and the next record starts a new page", () => {
  const sink = new MemSink();
  const w = new WalWriter(sink);
  w.log(rec(PAGE_SIZE - RECORD_HEADER_SIZE - 3, 2));
  assert.equal(w.offset, PAGE_SIZE);
  w.log(rec(5, 3));
  assert.equal(w.offset, PAGE_SIZE + RECORD_HEADER_SIZE + 5);
  const seg = Uint8Array.from(sink.segs.get(0)!);
  assert.deepEqual(Array.from(seg.subarray(PAGE_SIZE - 3, PAGE_SIZE)), [0, 0, 0]);
  assert.equal(seg[PAGE_SIZE], 1);
  assert.equal(readAll(sink.segments()).recs.length, 2);
});

test("zero-length records are framed and read back", () => {
  const sink = new MemSink();
  const w = new WalWriter(sink);
  w.log(new Uint8Array(0), rec(3, 0), new Uint8Array(0));
  assert.equal(sink.writes, 1, "one batch, one write");
  assert.equal(hex(Uint8Array.from(sink.segs.get(0)!).subarray(0, 7)), "01" + "0000" + "00000000");
  assert.deepEqual(readAll(sink.segments()).recs.map((r) => r.length), [0, 3, 0]);
});

test("records never cross segments; the reader continues across them", () => {
  const sink = new MemSink();
  const w = new WalWriter(sink, { segmentSizeBytes: 2 * PAGE_SIZE, firstSegment: 7 });
  const recs = [rec(PAGE_SIZE, 1), rec(PAGE_SIZE, 2), rec(100, 3)];
  w.log(...recs);
  w.close();
  // The second record does not fit what is left of segment 7 and opens segment 8.
  assert.deepEqual([...sink.segs.keys()], [7, 8]);
  assert.equal(sink.segs.get(7)!.length, 2 * PAGE_SIZE);
  const got = readAll(sink.segments());
  assert.equal(got.err, null);
  assert.deepEqual(got.recs, recs);
});

test("a short last segment reads as zero-padded", () => {
  const sink = new MemSink();
  const w = new WalWriter(sink);
  w.log(rec(10, 1));
  w.log(rec(20, 2));
  const got = readAll(sink.segments());
  assert.equal(got.err, null);
  assert.deepEqual(got.recs, [rec(10, 1), rec(20, 2)]);
});

test("torn tail: a record cut after its first fragment is reported as torn", () => {
  const sink = new MemSink();
  const w = new WalWriter(sink);
  w.log(rec(50, 1));
  w.log(rec(PAGE_SIZE * 2, 2));
  const full = sink.segments()[0]!.data;
  const torn = [{ index: 0, data: full.subarray(0, PAGE_SIZE) }];
  const got = readAll(torn);
  assert.deepEqual(got.recs, [rec(50, 1)]);
  assert.equal(got.err, `corruption in segment ${segmentName(0)} at ${PAGE_SIZE}: last record is torn`);
});

test("torn tail: a fragment cut mid-page fails its checksum after the good records", () => {
  const sink = new MemSink();
  const w = new WalWriter(sink);
  w.log(rec(50, 1));
  w.log(rec(500, 2));
  const full = sink.segments()[0]!.data;
  const got = readAll([{ index: 0, data: full.subarray(0, full.length - 100) }]);
  assert.deepEqual(got.recs, [rec(50, 1)]);
  assert.match(got.err ?? "", /^corruption in segment 00000000 at 564: unexpected checksum /);
});

const corruptions = [
  { name: "flipped data byte", at: 7 + 10, value: -1, want: /unexpected checksum/ },
  { name: "non-zero byte in padding", at: PAGE_SIZE - 1, value: 9, want: /unexpected non-zero byte in padded page/ },
  { name: "oversized length", at: 1, value: 0xff, want: /invalid record size/ },
  { name: "middle without first", at: 0, value: 3, want: /unexpected middle record/ },
  { name: "snappy flag on uncompressed data", at: 0, value: 1 | 8, want: /at 47: snappy: corrupt input/ },
  { name: "unknown fragment type", at: 0, value: 7, want: /unexpected record type 7/ },
];
for (const c of corruptions) {
  test(`corruption: ${c.name}`, () => {
    const sink = new MemSink();
    const w = new WalWriter(sink);
    w.log(rec(40, 1));
    w.close();
    const data = sink.segments()[0]!.data;
    data[c.at] = c.value === -1 ? data[c.at]! ^ 0xff : c.value;
    const got = readAll([{ index: 0, data }]);
    assert.match(got.err ?? "", c.want);
  });
}

test("seeded: random records and batches round trip across pages and segments", () => {
  const r = seededRandom(11);
  for (let k = 0; k < 8; k++) {
    const sink = new MemSink();
    const w = new WalWriter(sink, { segmentSizeBytes: 4 * PAGE_SIZE });
    const all: Uint8Array[] = [];
    for (let b = 0; b < 40; b++) {
      const batch: Uint8Array[] = [];
      const n = 1 + Math.floor(r() * 4);
      for (let i = 0; i < n; i++) {
        const size = r() < 0.1 ? Math.floor(r() * 3 * PAGE_SIZE) : Math.floor(r() * 2000);
        batch.push(rec(size, b * 10 + i));
      }
      w.log(...batch);
      all.push(...batch);
    }
    if (k % 2 === 0) w.close();
    const segs = sink.segments();
    for (const s of segs.slice(0, -1)) assert.equal(s.data.length % PAGE_SIZE, 0, "closed segments end on a page boundary");
    const got = readAll(segs);
    assert.equal(got.err, null);
    assert.equal(got.recs.length, all.length);
    for (let i = 0; i < all.length; i++) assert.deepEqual(got.recs[i], all[i], `record ${i}`);
  }
});

test("invalid segment size is rejected", () => {
  assert.throws(() => new WalWriter(new MemSink(), { segmentSizeBytes: 1000 }), RangeError);
});

/** Compressible records: runs of repeated bytes of random lengths. */
function textRec(r: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; ) {
    const b = Math.floor(r() * 8) + 97;
    const run = 1 + Math.floor(r() * 20);
    for (let k = 0; k < run && i < n; k++) out[i++] = b;
  }
  return out;
}

for (const compression of [WalCompression.None, WalCompression.Snappy]) {
  test(`seeded: records round trip with compression ${compression}`, () => {
    const r = seededRandom(5);
    const sink = new MemSink();
    const w = new WalWriter(sink, { segmentSizeBytes: 8 * PAGE_SIZE, compression });
    const all: Uint8Array[] = [];
    for (let b = 0; b < 60; b++) {
      const sizes = [0, 3, 100, 5000, PAGE_SIZE + 17, 3 * PAGE_SIZE];
      const rec = textRec(r, sizes[Math.floor(r() * sizes.length)]!);
      all.push(rec);
      w.log(rec);
    }
    w.close();
    const segs = sink.segments();
    const { recs, err } = readAll(segs);
    assert.equal(err, null);
    assert.equal(recs.length, all.length);
    for (let i = 0; i < all.length; i++) assert.deepEqual(recs[i], all[i], `record ${i}`);
    const flagged = segs.some((s) => s.data.some((_, i) => i % PAGE_SIZE === 0 && (s.data[i]! & 8) !== 0));
    assert.equal(flagged, compression === WalCompression.Snappy);
    if (compression === WalCompression.Snappy) assert.ok(w.counters.bytesSaved > 0);
  });
}

test("snappy: a record compression would not shrink is written uncompressed", () => {
  const sink = new MemSink();
  const w = new WalWriter(sink, { compression: WalCompression.Snappy });
  w.log(Uint8Array.from([1, 2, 3]));
  assert.equal(sink.segs.get(0)![0], 1);
  assert.equal(w.counters.bytesSaved, 0);
});

test("zstd records: a clear error, not a corruption", () => {
  const sink = new MemSink();
  const w = new WalWriter(sink);
  w.log(rec(40, 1));
  w.close();
  const data = sink.segments()[0]!.data;
  data[0] = 1 | 16;
  const r = new WalReader([{ index: 0, data }]);
  assert.throws(() => r.next(), (e: unknown) => e instanceof WalUnsupportedError && /zstd WAL compression is not supported/.test(e.message));
});

test("WalDirReader: segments read ahead with preload() give the same records as synchronous reads", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promstack-wal-preload-"));
  try {
    const wal = Wlog.open(dir, { segmentSizeBytes: 2 * PAGE_SIZE, compression: WalCompression.None });
    const all: Uint8Array[] = [];
    for (let i = 0; i < 80; i++) {
      all.push(rec(4000 + i * 37, i));
      wal.log(all[i]!);
    }
    wal.close();
    const segs = listSegments(dir);
    assert.ok(segs.length >= 3, `${segs.length} segments`);
    for (const preload of [false, true]) {
      const r = new WalDirReader(dir, segs);
      const got: Uint8Array[] = [];
      if (preload) await r.preload();
      while (r.next()) {
        got.push(Uint8Array.from(r.record()));
        // Reads the segment after the current one; the next() that reaches it takes it.
        if (preload) await r.preload();
      }
      assert.equal(r.err(), null);
      assert.deepEqual(got, all, preload ? "with preload" : "without");
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("page flushes and completed pages are counted as upstream's flushPage: every flush, and each page filled or padded", () => {
  const cases: { name: string; run: (w: WalWriter) => void; flushes: number; completed: number }[] = [
    { name: "nothing logged", run: () => {}, flushes: 0, completed: 0 },
    { name: "a small record: one partial flush", run: (w) => w.log(rec(100, 1)), flushes: 1, completed: 0 },
    { name: "two small records at once: one flush", run: (w) => w.log(rec(100, 1), rec(100, 2)), flushes: 1, completed: 0 },
    { name: "then close pads the page", run: (w) => (w.log(rec(100, 1)), w.close()), flushes: 2, completed: 1 },
    { name: "then nextSegment pads the page", run: (w) => (w.log(rec(100, 1)), w.nextSegment()), flushes: 2, completed: 1 },
    // First fragment fills page 1, middle fragment page 2 (each a completing flush), last one a partial flush.
    { name: "a record over two pages", run: (w) => w.log(rec(2 * PAGE_SIZE, 3)), flushes: 3, completed: 2 },
  ];
  for (const c of cases) {
    const w = new WalWriter(new MemSink());
    c.run(w);
    assert.equal(w.counters.pageFlushes, c.flushes, c.name);
    assert.equal(w.counters.completedPages, c.completed, c.name);
  }
});
