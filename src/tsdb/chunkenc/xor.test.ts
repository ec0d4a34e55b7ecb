import { test } from "node:test";
import assert from "node:assert/strict";
import { ValueType } from "../../storage/index.ts";
import { DecodeError, floatBitsHi, floatBitsLo } from "../encoding/index.ts";
import { ChunkArena, XORChunk, XORIterator } from "./index.ts";
import { seededRandom } from "../../util/index.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const MASK64 = (1n << 64n) - 1n;

/**
 * Test oracle: a literal, slow model of Go's bstream + xorAppender on
 * BigInt, statement for statement as tsdb/chunkenc (xor.go, bstream.go),
 * to compare the fast encoder against on many inputs. Hand-derived golden
 * bytes below pin the oracle itself.
 */
class GoXOR {
  stream: number[] = [0, 0];
  count = 0;
  t = 0n;
  v = 0n;
  tDelta = 0n;
  leading = 0xff;
  trailing = 0;

  writeBit(bit: boolean): void {
    if (this.count === 0) {
      this.stream.push(0);
      this.count = 8;
    }
    if (bit) this.stream[this.stream.length - 1]! |= 1 << (this.count - 1);
    this.count--;
  }
  writeByte(byt: number): void {
    if (this.count === 0) {
      this.stream.push(0);
      this.count = 8;
    }
    this.stream[this.stream.length - 1]! |= byt >> (8 - this.count);
    this.stream.push((byt << this.count) & 0xff);
  }
  writeBits(u: bigint, nbits: number): void {
    u = (u << BigInt(64 - nbits)) & MASK64;
    while (nbits >= 8) {
      this.writeByte(Number(u >> 56n));
      u = (u << 8n) & MASK64;
      nbits -= 8;
    }
    while (nbits > 0) {
      this.writeBit(u >> 63n === 1n);
      u = (u << 1n) & MASK64;
      nbits--;
    }
  }
  putUvarint(x: bigint): void {
    while (x >= 0x80n) {
      this.writeByte(Number((x & 0x7fn) | 0x80n));
      x >>= 7n;
    }
    this.writeByte(Number(x));
  }
  append(t: bigint, v: bigint): void {
    const num = (this.stream[0]! << 8) | this.stream[1]!;
    let tDelta = 0n;
    if (num === 0) {
      this.putUvarint(BigInt.asUintN(64, t < 0n ? ~(t << 1n) : t << 1n));
      this.writeBits(v, 64);
    } else if (num === 1) {
      tDelta = BigInt.asUintN(64, t - this.t);
      this.putUvarint(tDelta);
      this.writeVDelta(v);
    } else {
      tDelta = BigInt.asUintN(64, t - this.t);
      const dod = BigInt.asIntN(64, tDelta - this.tDelta);
      const inRange = (n: number) => -((1n << BigInt(n - 1)) - 1n) <= dod && dod <= 1n << BigInt(n - 1);
      const u = BigInt.asUintN(64, dod);
      if (dod === 0n) this.writeBit(false);
      else if (inRange(14)) (this.writeBits(0b10n, 2), this.writeBits(u, 14));
      else if (inRange(17)) (this.writeBits(0b110n, 3), this.writeBits(u, 17));
      else if (inRange(20)) (this.writeBits(0b1110n, 4), this.writeBits(u, 20));
      else (this.writeBits(0b1111n, 4), this.writeBits(u, 64));
      this.writeVDelta(v);
    }
    this.t = t;
    this.v = v;
    this.stream[0] = (num + 1) >> 8;
    this.stream[1] = (num + 1) & 0xff;
    this.tDelta = tDelta;
  }
  writeVDelta(v: bigint): void {
    const d = v ^ this.v;
    if (d === 0n) return this.writeBit(false);
    this.writeBit(true);
    let leading = 0;
    while (leading < 64 && ((d >> BigInt(63 - leading)) & 1n) === 0n) leading++;
    let trailing = 0;
    while (trailing < 64 && ((d >> BigInt(trailing)) & 1n) === 0n) trailing++;
    if (leading >= 32) leading = 31;
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      this.writeBit(false);
      this.writeBits(d >> BigInt(this.trailing), 64 - this.leading - this.trailing);
    } else {
      this.leading = leading;
      this.trailing = trailing;
      this.writeBit(true);
      this.writeBits(BigInt(leading), 5);
      const sig = 64 - leading - trailing;
      this.writeBits(BigInt(sig), 6);
      this.writeBits(d >> BigInt(trailing), sig);
    }
  }
  /** Go's Appender() on a non-empty chunk: the window as an iterator leaves it. */
  reopen(): void {
    if (this.leading === 0xff) {
      this.leading = 0;
      this.trailing = 0;
    }
  }
  bytes(): string {
    return hex(Uint8Array.from(this.stream));
  }
}

const bitsOf = (hi: number, lo: number) => (BigInt(hi) << 32n) | BigInt(lo);

interface Sample {
  t: number;
  hi: number;
  lo: number;
}

function encode(samples: readonly Sample[]): XORChunk {
  const c = XORChunk.create();
  const app = c.appender();
  for (const s of samples) app.appendBits(s.t, s.hi, s.lo);
  return c;
}

function oracle(samples: readonly Sample[]): string {
  const g = new GoXOR();
  for (const s of samples) g.append(BigInt(s.t), bitsOf(s.hi, s.lo));
  return g.bytes();
}

function decode(c: XORChunk): Sample[] {
  const it = c.iterator();
  const out: Sample[] = [];
  while (it.next() === ValueType.Float) out.push({ t: it.atT(), hi: it.vHi, lo: it.vLo });
  assert.equal(it.err(), null);
  return out;
}

const f = (t: number, v: number): Sample => ({ t, hi: floatBitsHi(v), lo: floatBitsLo(v) });
const stale = (t: number): Sample => ({ t, hi: 0x7ff00000, lo: 2 });

// Golden bytes derived by hand from docs/format/chunks.md and xor.go:
//   t=1000 -> varint zigzag 2000 = d0 0f; 1.0 = 3ff0000000000000; writeByte leaves an
//   extra 00. t=2000 -> uvarint delta 1000 = e8 07 (fills the extra byte, adds another);
//   v unchanged -> bit 0. t=3000 -> dod 0 -> bit 0; 2.0 xor 1.0 = 0x7ff0000000000000:
//   1 1 leading=00001 sigbits=001011 then 11 ones -> 30 97 ff c0.
const golden = [
  { name: "one sample", samples: [f(1000, 1)], want: "0001" + "d00f" + "3ff0000000000000" + "00" },
  { name: "stale marker alone", samples: [stale(0)], want: "0001" + "00" + "7ff0000000000002" + "00" },
  {
    name: "two equal values",
    samples: [f(1000, 1), f(2000, 1)],
    want: "0002" + "d00f" + "3ff0000000000000" + "e807" + "00",
  },
  {
    name: "three samples with a new xor window",
    samples: [f(1000, 1), f(2000, 1), f(3000, 2)],
    want: "0003" + "d00f" + "3ff0000000000000" + "e807" + "3097ffc0",
  },
  {
    // dod = +1 -> 10 then 14 bits 00000000000001; value same -> 0. The byte after
    // e807 already holds the 0 of sample 2: 0|10|00000 -> 40, 00000000 -> 00, 1|0 -> 80.
    name: "dod in the 14-bit bucket",
    samples: [f(1000, 1), f(2000, 1), f(3001, 1)],
    want: "0003" + "d00f" + "3ff0000000000000" + "e807" + "400080",
  },
];
for (const c of golden) {
  test(`golden: ${c.name}`, () => {
    const chunk = encode(c.samples);
    assert.equal(hex(chunk.bytes()), c.want);
    assert.equal(oracle(c.samples), c.want, "oracle agrees with the hand derivation");
    assert.deepEqual(decode(chunk), c.samples);
  });
}

// Delta-of-delta bucket edges: (-(2^(n-1)-1), 2^(n-1)] per bucket, then 64 bits.
const dods = [0, 1, -1, 8192, -8191, 8193, -8192, 65536, -65535, 65537, -65536, 524288, -524287, 524289, -524288, 2 ** 40, -(2 ** 40)];
for (const dod of dods) {
  test(`dod ${dod}: matches Go's encoding and decodes back`, () => {
    const samples = [f(1_000_000_000, 1), f(1_000_015_000, 2), f(1_000_030_000 + dod, 3), f(1_000_045_000 + dod, 3)];
    const c = encode(samples);
    assert.equal(hex(c.bytes()), oracle(samples));
    assert.deepEqual(decode(c), samples);
  });
}

const specialValues = [
  { name: "-0", v: -0 },
  { name: "+Inf", v: Infinity },
  { name: "-Inf", v: -Infinity },
  { name: "smallest subnormal", v: 5e-324 },
  { name: "-smallest subnormal (64 significant bits)", v: -5e-324 },
  { name: "max float", v: Number.MAX_VALUE },
];
for (const c of specialValues) {
  test(`value ${c.name} keeps its exact bits`, () => {
    const samples = [f(0, 1), f(10, c.v), f(20, 1), f(30, c.v)];
    const chunk = encode(samples);
    assert.equal(hex(chunk.bytes()), oracle(samples));
    assert.deepEqual(decode(chunk), samples);
    const it = chunk.iterator();
    it.next();
    it.next();
    assert.ok(Object.is(it.atF(), c.v));
  });
}

test("append(): NaN is written as Go's math.NaN(), stale as the stale NaN", () => {
  const c = XORChunk.create();
  const app = c.appender();
  app.append(0, NaN);
  app.append(1, 5, true);
  app.append(2, -0);
  const it = c.iterator();
  assert.equal(it.next(), ValueType.Float);
  assert.deepEqual([it.vHi, it.vLo, it.isStale()], [0x7ff80000, 1, false]);
  assert.ok(Number.isNaN(it.atF()));
  assert.equal(it.next(), ValueType.Float);
  assert.deepEqual([it.vHi, it.vLo, it.isStale()], [0x7ff00000, 2, true]);
  assert.ok(Number.isNaN(it.atF()));
  assert.equal(it.next(), ValueType.Float);
  assert.ok(Object.is(it.atF(), -0));
  assert.equal(it.isStale(), false);
  assert.equal(it.next(), ValueType.None);
});

const valueGens: { name: string; gen: (r: () => number, i: number, t: number) => [number, number] }[] = [
  { name: "constant", gen: () => [floatBitsHi(42), floatBitsLo(42)] },
  {
    name: "counter",
    gen: (r, i) => {
      const v = i * 17 + Math.floor(r() * 10);
      return [floatBitsHi(v), floatBitsLo(v)];
    },
  },
  {
    name: "random floats",
    gen: (r) => {
      const v = (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10);
      return [floatBitsHi(v), floatBitsLo(v)];
    },
  },
  { name: "random bits (any NaN payload)", gen: (r) => [Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32)] },
  {
    name: "mix of specials",
    gen: (r, i) => {
      const pick = [1, -0, Infinity, -Infinity, 0, 1e300, -1e-300, i];
      const k = Math.floor(r() * (pick.length + 2));
      if (k === pick.length) return [0x7ff00000, 2];
      if (k === pick.length + 1) return [0x7ff80000, 1];
      const v = pick[k]!;
      return [floatBitsHi(v), floatBitsLo(v)];
    },
  },
];

function randomSamples(r: () => number, gen: (r: () => number, i: number, t: number) => [number, number], n: number): Sample[] {
  let t = Math.floor((r() - 0.2) * 2e12);
  const step = [1, 1000, 15000, 60000][Math.floor(r() * 4)]!;
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const [hi, lo] = gen(r, i, t);
    out.push({ t, hi, lo });
    const jitter = r() < 0.1 ? Math.floor((r() - 0.5) * 2000) : r() < 0.02 ? Math.floor(r() * 1e9) : 0;
    t += Math.max(1, step + jitter);
  }
  return out;
}

for (const g of valueGens) {
  test(`seeded: ${g.name}: bytes equal Go's, decode is exact`, () => {
    const r = seededRandom(g.name.length * 7919);
    for (let k = 0; k < 60; k++) {
      const n = 1 + Math.floor(r() * (k % 10 === 0 ? 1000 : 130));
      const samples = randomSamples(r, g.gen, n);
      const c = encode(samples);
      assert.equal(hex(c.bytes()), oracle(samples), `case ${k}`);
      assert.equal(c.numSamples(), n);
      assert.deepEqual(decode(c), samples);
    }
  });
}

test("byteLength: the length of bytes() after every append, across buffer growth and for fromBytes chunks", () => {
  const r = seededRandom(4242);
  const samples = randomSamples(r, valueGens[0]!.gen, 400);
  const c = XORChunk.create();
  assert.equal(c.byteLength, 2);
  const app = c.appender();
  for (const s of samples) {
    app.appendBits(s.t, s.hi, s.lo);
    assert.equal(c.byteLength, c.bytes().length);
  }
  assert.ok(c.byteLength > 128, "grew past the initial capacity");
  const back = XORChunk.fromBytes(c.bytes().slice());
  assert.equal(back.byteLength, c.byteLength);
  const more = back.appender();
  more.appendBits(samples[samples.length - 1]!.t + 1000, 0, 0);
  assert.equal(back.byteLength, back.bytes().length);
});

test("arena: interleaved chunks sharing one arena encode like Go, across growth and release", () => {
  const r = seededRandom(777);
  const arena = new ChunkArena();
  interface Live {
    chunk: XORChunk;
    samples: Sample[];
    at: number;
  }
  const fresh = (k: number): Live => {
    // Every 7th chunk grows past the arena's largest region (random bits take ~16 bytes a sample).
    const n = k % 7 === 0 ? 600 : 1 + Math.floor(r() * 200);
    return { chunk: XORChunk.create(arena), samples: randomSamples(r, valueGens[k % valueGens.length]!.gen, n), at: 0 };
  };
  let made = 0;
  const live: Live[] = [];
  for (let i = 0; i < 40; i++) live.push(fresh(made++));
  let checked = 0;
  while (live.length > 0) {
    // One sample to each chunk in turn, so their regions move around each other.
    for (let i = 0; i < live.length; i++) {
      const l = live[i]!;
      const s = l.samples[l.at++]!;
      l.chunk.appendBits(Float64Array.of(s.t), 0, s.hi, s.lo);
      assert.equal(l.chunk.lastT, s.t);
      assert.equal(l.chunk.lastHi, s.hi);
      assert.equal(l.chunk.lastLo, s.lo);
      if (l.at < l.samples.length) continue;
      const copy = l.chunk.bytes();
      assert.equal(hex(copy), oracle(l.samples), `chunk of ${l.samples.length} samples`);
      assert.equal(l.chunk.byteLength, copy.length);
      assert.equal(hex(l.chunk.view()), hex(copy), "view() shows the same bytes");
      // A chunk still in the arena (not grown past its 4 KiB regions) hands out copies.
      if (copy.length <= 4096) assert.notEqual(l.chunk.view().buffer, copy.buffer, "bytes() of a chunk in an arena is a copy");
      assert.deepEqual(decode(l.chunk), l.samples);
      l.chunk.release();
      assert.equal(l.chunk.byteLength, 0);
      assert.equal(l.chunk.numSamples(), 0);
      // The copy stays intact while the region is reused.
      const again = XORChunk.create(arena);
      again.appendBits(Float64Array.of(1), 0, 0xffffffff, 0xffffffff);
      assert.equal(hex(copy), oracle(l.samples));
      again.release();
      checked++;
      if (made < 120) {
        live[i] = fresh(made++);
      } else {
        live[i] = live[live.length - 1]!;
        live.pop();
        i--;
      }
    }
  }
  assert.equal(checked, 120);
  assert.ok(arena.slabs <= 8, `every slab but one per region size dropped, ${arena.slabs} left`);
});

// Go's Appender() on a chunk read with FromData would restart at a fresh byte
// (its bit count is not stored) and leave undecodable padding in the middle;
// promstack resumes at the exact bit instead, so both a live chunk and one
// read back from its bytes continue like Go's Appender() on the live chunk.
test("reopened chunk: a new appender continues like Go's Appender() on a non-empty chunk", () => {
  const r = seededRandom(99);
  for (let k = 0; k < 40; k++) {
    const all = randomSamples(r, valueGens[k % valueGens.length]!.gen, 2 + Math.floor(r() * 60));
    const cut = 1 + Math.floor(r() * (all.length - 1));
    const live = encode(all.slice(0, cut));
    const c = XORChunk.fromBytes(live.bytes().slice());
    const app = c.appender();
    const liveApp = live.appender();
    for (const s of all.slice(cut)) {
      app.appendBits(s.t, s.hi, s.lo);
      liveApp.appendBits(s.t, s.hi, s.lo);
    }

    const g = new GoXOR();
    for (const s of all.slice(0, cut)) g.append(BigInt(s.t), bitsOf(s.hi, s.lo));
    g.reopen();
    for (const s of all.slice(cut)) g.append(BigInt(s.t), bitsOf(s.hi, s.lo));
    assert.equal(hex(c.bytes()), g.bytes(), `case ${k}, cut ${cut}`);
    assert.equal(hex(live.bytes()), g.bytes(), `live case ${k}, cut ${cut}`);
    assert.deepEqual(decode(c), all);
  }
});

function chunkOf(ts: number[], staleAt: number[] = []): XORChunk {
  const c = XORChunk.create();
  const app = c.appender();
  for (const t of ts) app.append(t, t / 10, staleAt.includes(t));
  return c;
}

const seekCases = [
  { name: "before the first", ts: [10, 20, 30], seeks: [5], want: [10] },
  { name: "exact", ts: [10, 20, 30], seeks: [20], want: [20] },
  { name: "between", ts: [10, 20, 30], seeks: [21], want: [30] },
  { name: "past the end", ts: [10, 20, 30], seeks: [31], want: [null] },
  { name: "never backwards", ts: [10, 20, 30], seeks: [25, 5], want: [30, 30] },
  { name: "stays put", ts: [10, 20, 30], seeks: [20, 20, 11], want: [20, 20, 20] },
];
for (const c of seekCases) {
  test(`seek: ${c.name}`, () => {
    const it = chunkOf(c.ts).iterator();
    const got = c.seeks.map((t) => (it.seek(t) === ValueType.Float ? it.atT() : null));
    assert.deepEqual(got, c.want);
  });
}

test("seek after next continues from the current sample", () => {
  const it = chunkOf([10, 20, 30]).iterator();
  it.next();
  assert.equal(it.seek(0), ValueType.Float);
  assert.equal(it.atT(), 10);
  assert.equal(it.next(), ValueType.Float);
  assert.equal(it.atT(), 20);
});

interface ReadIntoCase {
  name: string;
  ts: number[];
  stale: number[];
  skip: number;
  cap: number;
  maxt: number;
  flags: boolean;
  want: number[];
  after: number | null;
}
const readIntoCases: ReadIntoCase[] = [
  { name: "all", ts: [10, 20, 30, 40], stale: [], skip: 0, cap: 10, maxt: 100, flags: true, want: [10, 20, 30, 40], after: null },
  { name: "stops at maxt, next() resumes", ts: [10, 20, 30, 40], stale: [], skip: 0, cap: 10, maxt: 25, flags: true, want: [10, 20], after: 30 },
  { name: "bounded by the arrays", ts: [10, 20, 30, 40], stale: [], skip: 1, cap: 2, maxt: 100, flags: true, want: [20, 30], after: 40 },
  { name: "flags stale markers", ts: [10, 20, 30], stale: [20], skip: 0, cap: 10, maxt: 100, flags: true, want: [10, 20, 30], after: null },
  { name: "skips stale markers without flags", ts: [10, 20, 30], stale: [20], skip: 0, cap: 10, maxt: 100, flags: false, want: [10, 30], after: null },
];
for (const c of readIntoCases) {
  test(`readInto: ${c.name}`, () => {
    const it = chunkOf(c.ts, c.stale).iterator();
    for (let i = 0; i < c.skip; i++) it.next();
    const ts = new Float64Array(c.cap);
    const vs = new Float64Array(c.cap);
    const st = c.flags ? new Uint8Array(c.cap) : null;
    const n = it.readInto(ts, vs, st, c.maxt);
    assert.deepEqual(Array.from(ts.subarray(0, n)), c.want);
    for (let i = 0; i < n; i++) {
      const isStale = c.stale.includes(ts[i]!);
      if (st !== null) assert.equal(st[i], isStale ? 1 : 0);
      if (isStale) assert.ok(Number.isNaN(vs[i]));
      else assert.equal(vs[i], ts[i]! / 10);
    }
    const next = it.next() === ValueType.Float ? it.atT() : null;
    assert.equal(next, c.after);
  });
}

test("iterator reuse: chunk.iterator(reuse) resets and returns the same object", () => {
  const a = chunkOf([1, 2, 3]);
  const b = chunkOf([7, 8]);
  const it = a.iterator();
  while (it.next() !== ValueType.None) {
    // Drain.
  }
  const again = b.iterator(it);
  assert.equal(again, it);
  assert.equal(again.next(), ValueType.Float);
  assert.equal(again.atT(), 7);
});

test("an iterator taken before more appends sees the samples of its time", () => {
  const c = XORChunk.create();
  const app = c.appender();
  app.append(1, 1);
  app.append(2, 2);
  const it = c.iterator();
  for (let t = 3; t < 200; t++) app.append(t, t * 1.5);
  let n = 0;
  while (it.next() === ValueType.Float) n++;
  assert.equal(n, 2);
  assert.equal(c.numSamples(), 199);
});

const corrupt = [
  { name: "header only, count 1", data: "0001" },
  { name: "truncated first value", data: "0001d00f3ff0" },
  { name: "count larger than data", data: "0005d00f3ff000000000000000" },
  { name: "shorter than header", data: "00" },
  { name: "window wider than 64 bits", data: "0003d00f3ff0000000000000e807" + "3ffe0000000000000000" },
];
for (const c of corrupt) {
  test(`corrupt chunk: ${c.name}`, () => {
    const it = new XORIterator(new Uint8Array(Buffer.from(c.data, "hex")));
    let n = 0;
    while (it.next() === ValueType.Float) n++;
    assert.ok(it.err() instanceof DecodeError, `err after ${n} samples`);
    assert.equal(it.next(), ValueType.None);
    assert.equal(it.seek(0), ValueType.None);
  });
}

test("appender on a corrupt chunk throws the decode error", () => {
  const c = XORChunk.fromBytes(new Uint8Array(Buffer.from("0002d00f3ff0000000000000", "hex")));
  assert.throws(() => c.appender(), DecodeError);
});

test("times on both sides of 2^31 ms and below zero: lastT and the decoded times are exact", () => {
  const times = [-(2 ** 40) - 3, -5, -1, 0, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 1_732_000_000_123, 2 ** 52 + 7];
  const c = XORChunk.create();
  const app = c.appender();
  for (const t of times) {
    app.append(t, t / 1000);
    assert.equal(c.lastT, t);
  }
  const it = c.iterator();
  const got: number[] = [];
  while (it.next() === ValueType.Float) got.push(it.atT());
  assert.deepEqual(got, times);
  // A reopened chunk takes over the last time from its iterator.
  const again = XORChunk.fromBytes(c.bytes().slice());
  again.appender().append(2 ** 52 + 9, 1);
  assert.equal(again.lastT, 2 ** 52 + 9);
  const it2 = again.iterator();
  let last = 0;
  while (it2.next() === ValueType.Float) last = it2.atT();
  assert.equal(last, 2 ** 52 + 9);
});
