import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../../model/index.ts";
import { StorageError, ValueType, type SeriesIterator } from "../../storage/index.ts";
import { seededRandom } from "../../util/index.ts";
import { Encoding, XORChunk } from "../chunkenc/index.ts";
import { ChunksSeries, LoadedChunks, MergedSeries, MergeIterator } from "./index.ts";

/** One sample of a source: [t, v] or [t, "stale"]. */
type Sample = [number, number | "stale"];

/** A block series over loaded XOR chunks of at most 5 samples each, read within [mint, maxt]. */
function chunksSeries(samples: Sample[], mint = -1e15, maxt = 1e15, deleted: { mint: number; maxt: number }[] | null = null): ChunksSeries {
  const src = new LoadedChunks();
  for (let i = 0; i < samples.length; i += 5) {
    const part = samples.slice(i, i + 5);
    const c = XORChunk.create();
    const app = c.appender();
    for (const [t, v] of part) app.append(t, v === "stale" ? Number.NaN : v, v === "stale");
    src.push(c.bytes().slice(), part[0]![0], part[part.length - 1]![0]);
  }
  return new ChunksSeries(Labels.EMPTY, src, mint, maxt, deleted);
}

/** An iterator over loaded XOR chunks (what blocks hand the merge), chunks of at most 5 samples. */
function source(samples: Sample[]): SeriesIterator {
  return chunksSeries(samples).iterator();
}

/** What the merge must produce: every time once, from the first source that has it. */
function reference(sources: Sample[][]): Sample[] {
  const byT = new Map<number, Sample>();
  for (const s of sources) for (const x of s) if (!byT.has(x[0])) byT.set(x[0], x);
  return [...byT.values()].sort((a, b) => a[0] - b[0]);
}

function cur(it: SeriesIterator): Sample {
  return [it.atT(), it.isStale() ? "stale" : it.atF()];
}

function viaNext(it: SeriesIterator): Sample[] {
  const out: Sample[] = [];
  while (it.next() !== ValueType.None) out.push(cur(it));
  return out;
}

/** readInto in buffers of `size`, as the engine reads: until a call returns fewer than fit. */
function viaReadInto(it: SeriesIterator, size: number, withStale: boolean, maxt = 1e15): Sample[] {
  const out: Sample[] = [];
  const ts = new Float64Array(size);
  const vs = new Float64Array(size);
  const st = new Uint8Array(size);
  for (;;) {
    const k = it.readInto(ts, vs, withStale ? st : null, maxt);
    for (let i = 0; i < k; i++) out.push([ts[i]!, withStale && st[i] === 1 ? "stale" : vs[i]!]);
    if (k < size) return out;
  }
}

const cases: Array<{ name: string; sources: Sample[][] }> = [
  { name: "one source", sources: [[[1, 1], [2, 2], [3, 3]]] },
  { name: "two sources side by side (blocks)", sources: [Array.from({ length: 23 }, (_, i): Sample => [i * 10, i]), Array.from({ length: 17 }, (_, i): Sample => [300 + i * 10, -i])] },
  { name: "second source first in time", sources: [[[100, 1], [110, 2]], [[1, 9], [2, 8], [3, 7], [4, 6], [5, 5], [6, 4]]] },
  { name: "interleaved", sources: [[[1, 1], [3, 3], [5, 5], [7, 7]], [[2, 2], [4, 4], [6, 6], [8, 8]]] },
  { name: "equal times: the first source wins", sources: [[[1, 1], [2, 2], [3, 3]], [[2, 20], [3, 30], [4, 40]], [[3, 300], [5, 500]]] },
  { name: "stale markers kept and skipped", sources: [[[1, 1], [2, "stale"], [3, 3], [4, 4], [5, 5], [6, 6], [7, "stale"], [8, 8]], [[9, "stale"], [10, 10]]] },
  { name: "an empty source", sources: [[], [[1, 1], [2, 2]], []] },
  { name: "no sources", sources: [] },
  {
    name: "long runs with overlaps (bulk copies)",
    sources: [
      Array.from({ length: 40 }, (_, i): Sample => [i, i]),
      Array.from({ length: 40 }, (_, i): Sample => [30 + i, 100 + i]),
      Array.from({ length: 10 }, (_, i): Sample => [35 + i * 7, i % 3 === 0 ? "stale" : 200 + i]),
    ],
  },
];

for (const c of cases) {
  const want = reference(c.sources);
  test(`merge next: ${c.name}`, () => assert.deepEqual(viaNext(new MergeIterator(c.sources.map(source))), want));
  for (const size of [1, 3, 64]) {
    test(`merge readInto (${size}, with stale): ${c.name}`, () => assert.deepEqual(viaReadInto(new MergeIterator(c.sources.map(source)), size, true), want));
    test(`merge readInto (${size}, stale skipped): ${c.name}`, () =>
      assert.deepEqual(
        viaReadInto(new MergeIterator(c.sources.map(source)), size, false),
        want.filter((x) => x[1] !== "stale"),
      ));
  }
}

for (const c of cases) {
  if (c.sources.length === 0) continue;
  const want = reference(c.sources);
  test(`merged series (concatenated or merged) reads like the merge: ${c.name}`, () => {
    const s = new MergedSeries(Labels.EMPTY, c.sources.map((x) => chunksSeries(x)));
    assert.deepEqual(viaNext(s.iterator()), want);
    let reuse: SeriesIterator | null = null;
    for (const size of [1, 3, 64]) {
      const it: SeriesIterator = s.iterator(reuse);
      reuse = it;
      assert.deepEqual(viaReadInto(it, size, true), want, `size ${size}`);
    }
  });
}

const concatCases: { name: string; parts: () => ChunksSeries[]; concatenated: boolean }[] = [
  { name: "blocks side by side", parts: () => [chunksSeries([[1, 1], [2, 2]]), chunksSeries([[3, 3], [4, 4]])], concatenated: true },
  { name: "an empty part in between", parts: () => [chunksSeries([[1, 1]]), chunksSeries([]), chunksSeries([[3, 3]])], concatenated: true },
  { name: "overlapping chunks", parts: () => [chunksSeries([[1, 1], [3, 3]]), chunksSeries([[2, 2], [4, 4]])], concatenated: false },
  { name: "the same time in both", parts: () => [chunksSeries([[1, 1], [2, 2]]), chunksSeries([[2, 20], [4, 4]])], concatenated: false },
  { name: "out of order parts", parts: () => [chunksSeries([[3, 3]]), chunksSeries([[1, 1]])], concatenated: false },
  { name: "different read ranges", parts: () => [chunksSeries([[1, 1]], 0, 10), chunksSeries([[3, 3]], 0, 11)], concatenated: false },
  { name: "deleted intervals", parts: () => [chunksSeries([[1, 1]]), chunksSeries([[3, 3]], -1e15, 1e15, [{ mint: 3, maxt: 3 }])], concatenated: false },
];
for (const c of concatCases) {
  test(`ChunksSeries.concat: ${c.name}`, () => {
    const parts = c.parts();
    const cat = ChunksSeries.concat(Labels.EMPTY, parts);
    assert.equal(cat !== null, c.concatenated);
    if (cat !== null) assert.deepEqual(viaNext(cat.iterator()), reference(parts.map((p) => viaNext(p.iterator()))));
  });
}

/** A chunk file stand-in: chunks by ref (their index), counting reads. */
class FakeChunkFile {
  readonly dir: string;
  readonly chunks: { encoding: number; data: Uint8Array }[];
  reads: number;
  constructor(dir: string) {
    this.dir = dir;
    this.chunks = [];
    this.reads = 0;
  }
  add(samples: Sample[], encoding: number = Encoding.XOR): { ref: number; mint: number; maxt: number } {
    const c = XORChunk.create();
    const app = c.appender();
    for (const [t, v] of samples) app.append(t, v === "stale" ? Number.NaN : v, v === "stale");
    this.chunks.push({ encoding, data: c.bytes().slice() });
    return { ref: this.chunks.length - 1, mint: samples[0]![0], maxt: samples[samples.length - 1]![0] };
  }
  chunk(ref: number): { encoding: number; data: Uint8Array } {
    this.reads++;
    return this.chunks[ref]!;
  }
}

test("chunks by ref are read when an iterator reaches them, once per pass, across readers once concatenated", () => {
  const a = new FakeChunkFile("a");
  const b = new FakeChunkFile("b");
  const pa = new LoadedChunks();
  for (const part of [[[1, 1], [2, 2]], [[3, 3], [4, 4]]] as Sample[][]) {
    const m = a.add(part);
    pa.pushRef(a, m.ref, m.mint, m.maxt);
  }
  const pb = new LoadedChunks();
  const mb = b.add([[5, 5], [6, "stale"], [7, 7]]);
  pb.pushRef(b, mb.ref, mb.mint, mb.maxt);
  const cat = ChunksSeries.concat(Labels.EMPTY, [new ChunksSeries(Labels.EMPTY, pa, -1e15, 1e15, null), new ChunksSeries(Labels.EMPTY, pb, -1e15, 1e15, null)]);
  assert.notEqual(cat, null);
  assert.equal(a.reads + b.reads, 0, "nothing read before iterating");
  const want: Sample[] = [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, "stale"], [7, 7]];
  assert.deepEqual(viaNext(cat!.iterator()), want);
  assert.deepEqual([a.reads, b.reads], [2, 1]);
  assert.deepEqual(viaReadInto(cat!.iterator(), 3, true), want);
  assert.deepEqual([a.reads, b.reads], [4, 2]);
});

test("a chunk by ref that is not XOR fails the iteration with a StorageError", () => {
  const f = new FakeChunkFile("/data/01ABC/chunks");
  const src = new LoadedChunks();
  const m = f.add([[1, 1]], 3);
  src.pushRef(f, m.ref, m.mint, m.maxt);
  const it = new ChunksSeries(Labels.EMPTY, src, -1e15, 1e15, null).iterator();
  assert.throws(() => it.next(), (e: unknown) => e instanceof StorageError && /01ABC.*native histograms/.test(e.message));
});

test("ChunksSeries.concat keeps the read range: samples outside [mint, maxt] stay out", () => {
  const a = chunksSeries(Array.from({ length: 12 }, (_, i): Sample => [i, i]), 3, 17);
  const b = chunksSeries(Array.from({ length: 12 }, (_, i): Sample => [12 + i, 12 + i]), 3, 17);
  const cat = ChunksSeries.concat(Labels.EMPTY, [a, b]);
  assert.notEqual(cat, null);
  assert.deepEqual(viaNext(cat!.iterator()), Array.from({ length: 15 }, (_, i): Sample => [3 + i, 3 + i]));
});

test("merge: seek, then next and readInto up to maxt, as the engine mixes them", () => {
  const sources: Sample[][] = [Array.from({ length: 30 }, (_, i): Sample => [i * 2, i]), Array.from({ length: 30 }, (_, i): Sample => [i * 3, 100 + i])];
  const want = reference(sources);
  const it = new MergeIterator(sources.map(source));
  assert.equal(it.seek(7), ValueType.Float);
  assert.deepEqual(cur(it), want.find((x) => x[0] >= 7));
  assert.equal(it.seek(5), ValueType.Float, "never moves backwards");
  assert.deepEqual(cur(it), want.find((x) => x[0] >= 7));
  const got = viaReadInto(it, 4, true, 40);
  assert.deepEqual(got, want.filter((x) => x[0] > 8 && x[0] <= 40));
  assert.deepEqual(cur(it), got[got.length - 1], "left on the last sample copied");
  assert.equal(it.next(), ValueType.Float);
  assert.deepEqual(cur(it), want.find((x) => x[0] > 40));
  assert.equal(it.seek(1000), ValueType.None);
  assert.equal(it.next(), ValueType.None);
});

test("merge: seeded random sources, every way of reading agrees with the reference", () => {
  const rnd = seededRandom(4242);
  for (let round = 0; round < 200; round++) {
    const k = 1 + Math.floor(rnd() * 4);
    const sources: Sample[][] = [];
    for (let s = 0; s < k; s++) {
      const out: Sample[] = [];
      let t = Math.floor(rnd() * 50);
      const n = Math.floor(rnd() * 40);
      for (let i = 0; i < n; i++) {
        out.push([t, rnd() < 0.1 ? "stale" : Math.floor(rnd() * 1000)]);
        t += 1 + Math.floor(rnd() * (rnd() < 0.5 ? 2 : 20));
      }
      sources.push(out);
    }
    const want = reference(sources);
    const ctx = JSON.stringify(sources);
    assert.deepEqual(viaNext(new MergeIterator(sources.map(source))), want, ctx);
    const size = 1 + Math.floor(rnd() * 10);
    assert.deepEqual(viaReadInto(new MergeIterator(sources.map(source)), size, true), want, ctx);
    assert.deepEqual(viaReadInto(new MergeIterator(sources.map(source)), size, false), want.filter((x) => x[1] !== "stale"), ctx);
    // seek to a random time, then read the rest
    const at = Math.floor(rnd() * 400);
    const it = new MergeIterator(sources.map(source));
    const rest = want.filter((x) => x[0] >= at);
    if (it.seek(at) === ValueType.None) {
      assert.equal(rest.length, 0, ctx);
      continue;
    }
    assert.deepEqual([cur(it), ...viaReadInto(it, size, true)], rest, `${ctx} seek ${at}`);
  }
});
