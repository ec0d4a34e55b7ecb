import { test } from "node:test";
import assert from "node:assert/strict";
import { ValueType } from "../../storage/index.ts";
import { DecodeError, floatBitsHi, floatBitsLo } from "../encoding/index.ts";
import { XORChunk, XORIterator } from "./index.ts";
import { seededRandom } from "../../util/index.ts";

// The iterator decodes in runs into a window (256 samples) and reads the
// stream 32 bits at a time; these tests check every way of reading against
// a plain list of the samples written, across window boundaries, reuse,
// chunks inside larger buffers, and truncated data.

interface Sample {
  t: number;
  hi: number;
  lo: number;
}

const STALE_HI = 0x7ff00000;
const STALE_LO = 2;
const bitsOf = (v: number): [number, number] => [floatBitsHi(v), floatBitsLo(v)];

/** Values mixing counters, gauges, random bits, NaN, stale markers, ±Inf, -0 and repeats. */
function value(r: () => number, i: number): [number, number] {
  const k = Math.floor(r() * 10);
  if (k === 0) return [STALE_HI, STALE_LO];
  if (k === 1) return [0x7ff80000, 1];
  if (k === 2) return bitsOf([Infinity, -Infinity, -0, 0][Math.floor(r() * 4)]!);
  if (k === 3) return [Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32)];
  if (k === 4) return bitsOf(Math.round(r() * 1000) / 10);
  if (k === 5) return bitsOf(r());
  return bitsOf(i * 3 + Math.floor(r() * 4));
}

/** Random samples: regular steps, small jitter, and now and then huge gaps (64-bit delta-of-deltas). */
function samples(r: () => number, n: number): Sample[] {
  let t = Math.floor((r() - 0.3) * 2e12);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const [hi, lo] = value(r, i);
    out.push({ t, hi, lo });
    const k = r();
    t += k < 0.7 ? 15000 : k < 0.9 ? 15000 + Math.floor((r() - 0.5) * 200) : k < 0.97 ? 1 + Math.floor(r() * 2e6) : 1 + Math.floor(r() * 2 ** 45);
  }
  return out;
}

function encode(ss: readonly Sample[]): Uint8Array {
  const c = XORChunk.create();
  const app = c.appender();
  for (const s of ss) app.appendBits(s.t, s.hi, s.lo);
  return c.bytes().slice();
}

const isStale = (s: Sample): boolean => s.hi === STALE_HI && s.lo === STALE_LO;

/** The chunk bytes placed inside a larger buffer, between bytes of 0xff (a page of a chunk file). */
function embedded(data: Uint8Array, before: number): Uint8Array {
  const buf = new Uint8Array(before + data.length + 11).fill(0xff);
  buf.set(data, before);
  return buf.subarray(before, before + data.length);
}

test("next() visits every sample with its exact bits, across windows and in larger buffers", () => {
  const r = seededRandom(1);
  const it = new XORIterator(new Uint8Array(2));
  for (let k = 0; k < 80; k++) {
    const n = 1 + Math.floor(r() * (k % 4 === 0 ? 900 : 150));
    const ss = samples(r, n);
    const data = k % 2 === 0 ? encode(ss) : embedded(encode(ss), Math.floor(r() * 9));
    it.reset(data);
    const got: Sample[] = [];
    while (it.next() === ValueType.Float) {
      got.push({ t: it.atT(), hi: it.vHi, lo: it.vLo });
      const s = got[got.length - 1]!;
      assert.equal(it.isStale(), isStale(s));
      if (!isStale(s) && s.hi !== 0x7ff80000) assert.equal(floatBitsHi(it.atF()), s.hi);
    }
    assert.equal(it.err(), null);
    assert.deepEqual(got, ss, `case ${k} (${n} samples)`);
    // The decoder ends where the appender resumes: the last sample's bits.
    assert.equal(it.atT(), ss[n - 1]!.t);
  }
});

test("readInto in pieces of any size and up to any maxt equals next() sample by sample", () => {
  const r = seededRandom(2);
  const it = new XORIterator(new Uint8Array(2));
  for (let k = 0; k < 120; k++) {
    const n = 1 + Math.floor(r() * (k % 5 === 0 ? 700 : 140));
    const ss = samples(r, n);
    it.reset(embedded(encode(ss), Math.floor(r() * 5)));
    const withFlags = r() < 0.5;
    const cap = 1 + Math.floor(r() * 300);
    const maxt = r() < 0.3 ? Number.POSITIVE_INFINITY : ss[Math.floor(r() * n)]!.t + (r() < 0.5 ? 0 : 0.5);
    // Optionally consume a few with next() first, as the engine's seek does.
    const skip = Math.floor(r() * 3);
    let pos = 0;
    for (let i = 0; i < skip && it.next() === ValueType.Float; i++) pos++;
    const ts = new Float64Array(cap);
    const vs = new Float64Array(cap);
    const st = withFlags ? new Uint8Array(cap) : null;
    const want = ss.slice(pos).filter((s) => s.t <= maxt && (withFlags || !isStale(s)));
    let w = 0;
    for (;;) {
      const got = it.readInto(ts, vs, st, maxt);
      for (let i = 0; i < got; i++, w++) {
        const s = want[w]!;
        assert.equal(ts[i], s.t, `case ${k} sample ${w}`);
        if (st !== null) assert.equal(st[i], isStale(s) ? 1 : 0);
        if (isStale(s) || s.hi === 0x7ff80000) assert.ok(Number.isNaN(vs[i]));
        else assert.equal(floatBitsHi(vs[i]!) === s.hi && floatBitsLo(vs[i]!) === s.lo, true);
      }
      if (got < cap) break;
    }
    assert.equal(w, want.length, `case ${k}: all samples up to maxt`);
    // next() continues with the first sample past maxt.
    const after = ss.find((s) => s.t > maxt);
    assert.equal(it.next() === ValueType.Float ? it.atT() : null, after === undefined ? null : after.t);
  }
});

test("seek, next and readInto interleaved follow a model of the sample list", () => {
  const r = seededRandom(3);
  const it = new XORIterator(new Uint8Array(2));
  const ts = new Float64Array(7);
  const vs = new Float64Array(7);
  const st = new Uint8Array(7);
  for (let k = 0; k < 60; k++) {
    const ss = samples(r, 1 + Math.floor(r() * 600));
    it.reset(encode(ss));
    // cur: index of the current sample (-1 before the first); end: past the last.
    let cur = -1;
    for (let op = 0; op < 200; op++) {
      const x = r();
      if (x < 0.4) {
        const ok = it.next() === ValueType.Float;
        const want = cur + 1 < ss.length;
        assert.equal(ok, want, `case ${k} op ${op} next`);
        if (!want) break;
        cur++;
        assert.equal(it.atT(), ss[cur]!.t);
      } else if (x < 0.8) {
        const base = ss[Math.min(ss.length - 1, Math.max(0, cur) + Math.floor(r() * 40))]!.t;
        const t = base + Math.floor((r() - 0.5) * 20000);
        const ok = it.seek(t) === ValueType.Float;
        let want = Math.max(cur, 0);
        while (want < ss.length && ss[want]!.t < t) want++;
        assert.equal(ok, want < ss.length, `case ${k} op ${op} seek ${t}`);
        if (!ok) break;
        cur = want;
        assert.equal(it.atT(), ss[cur]!.t);
      } else {
        const maxt = ss[Math.min(ss.length - 1, cur + 1 + Math.floor(r() * 20))]!.t;
        const n = it.readInto(ts, vs, st, maxt);
        let want = 0;
        while (want < ts.length && cur + 1 < ss.length && ss[cur + 1]!.t <= maxt) {
          cur++;
          assert.equal(ts[want], ss[cur]!.t);
          assert.equal(st[want], isStale(ss[cur]!) ? 1 : 0);
          want++;
        }
        assert.equal(n, want, `case ${k} op ${op} readInto`);
        if (n > 0) assert.equal(it.atT(), ss[cur]!.t);
      }
    }
    assert.equal(it.err(), null);
  }
});

test("truncated chunk: the samples before the cut are read exactly, then an EOF error", () => {
  const r = seededRandom(4);
  const it = new XORIterator(new Uint8Array(2));
  for (let k = 0; k < 30; k++) {
    const ss = samples(r, 2 + Math.floor(r() * 40));
    const data = encode(ss);
    for (let len = 2; len < data.length - 1; len += 1 + Math.floor(r() * 3)) {
      // Followed by non-zero bytes: what lies past the end must not be read as data.
      it.reset(embedded(data.subarray(0, len), 3));
      let n = 0;
      while (it.next() === ValueType.Float) {
        assert.equal(it.atT(), ss[n]!.t, `case ${k} len ${len} sample ${n}`);
        assert.equal(it.vHi, ss[n]!.hi);
        assert.equal(it.vLo, ss[n]!.lo);
        n++;
      }
      assert.ok(n < ss.length);
      assert.ok(it.err() instanceof DecodeError, `case ${k} len ${len}: EOF after ${n} samples`);
      assert.equal(it.seek(0), ValueType.None);
      assert.equal(it.readInto(new Float64Array(4), new Float64Array(4), null, Infinity), 0);
    }
  }
});

test("reset() after an error or a longer chunk starts clean", () => {
  const r = seededRandom(5);
  const it = new XORIterator(new Uint8Array(Buffer.from("0005d00f3ff0", "hex")));
  while (it.next() === ValueType.Float) {
    // Drain to the error.
  }
  assert.ok(it.err() instanceof DecodeError);
  const long = samples(r, 1000);
  it.reset(encode(long));
  assert.equal(it.err(), null);
  assert.equal(it.seek(long[600]!.t), ValueType.Float);
  assert.equal(it.atT(), long[600]!.t);
  const short = samples(r, 3);
  it.reset(encode(short));
  const got: number[] = [];
  while (it.next() === ValueType.Float) got.push(it.atT());
  assert.deepEqual(got, short.map((s) => s.t));
  assert.equal(it.err(), null);
});
