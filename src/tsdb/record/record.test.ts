import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../../model/index.ts";
import { DecodeError, Encbuf } from "../encoding/index.ts";
import {
  RecordType,
  RefSamples,
  decodeSamples,
  decodeSeries,
  decodeTombstones,
  encodeSamples,
  encodeSeries,
  encodeTombstones,
  recordType,
} from "./index.ts";
import { seededRandom } from "../../util/index.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const ascii = (s: string) => Buffer.from(s).toString("hex");

test("series record: golden bytes and back", () => {
  const buf = new Encbuf();
  const series = [
    { ref: 1, labels: Labels.fromObject({ __name__: "up", job: "a" }) },
    { ref: 2 ** 40, labels: Labels.EMPTY },
  ];
  encodeSeries(buf, series);
  const want =
    "01" +
    "0000000000000001" + "02" + "08" + ascii("__name__") + "02" + ascii("up") + "03" + ascii("job") + "01" + ascii("a") +
    "0000010000000000" + "00";
  assert.equal(hex(buf.get()), want);
  assert.equal(recordType(buf.get()), RecordType.Series);
  const back = decodeSeries(buf.get());
  assert.deepEqual(
    back.map((s) => [s.ref, s.labels.toString()]),
    series.map((s) => [s.ref, s.labels.toString()]),
  );
});

test("series record: unsorted labels from a foreign writer are sorted on decode", () => {
  const rec = bytes("01" + "0000000000000007" + "02" + "01" + ascii("b") + "01" + ascii("x") + "01" + ascii("a") + "01" + ascii("y"));
  const [s] = decodeSeries(rec);
  assert.equal(s!.labels.toString(), '{a="y", b="x"}');
});

test("samples record: golden bytes, stale and NaN bits, and back", () => {
  const b = new RefSamples(1);
  b.push(5, 1000, 1);
  b.push(6, 1015, 0, true);
  b.push(4, 990, NaN);
  const buf = new Encbuf();
  encodeSamples(buf, b);
  // Base ref 5 and time 1000, then per sample varint deltas (the first is 0, 0) and the value bits.
  const want =
    "02" + "0000000000000005" + "00000000000003e8" +
    "00" + "00" + "3ff0000000000000" +
    "02" + "1e" + "7ff0000000000002" +
    "01" + "13" + "7ff8000000000001";
  assert.equal(hex(buf.get()), want);
  const back = decodeSamples(buf.get());
  assert.equal(back.length, 3);
  assert.deepEqual(Array.from(back.refs.subarray(0, 3)), [5, 6, 4]);
  assert.deepEqual(Array.from(back.ts.subarray(0, 3)), [1000, 1015, 990]);
  assert.deepEqual(Array.from(back.stale.subarray(0, 3)), [0, 1, 0]);
  assert.equal(back.vs[0], 1);
  assert.ok(Number.isNaN(back.vs[1]) && Number.isNaN(back.vs[2]));
});

test("samples record: empty batch is the type byte alone", () => {
  const buf = new Encbuf();
  encodeSamples(buf, new RefSamples());
  assert.equal(hex(buf.get()), "02");
  assert.equal(decodeSamples(buf.get()).length, 0);
});

test("tombstones record: golden bytes with Go's MinInt64/MaxInt64 sentinels survive a round trip", () => {
  const buf = new Encbuf();
  encodeTombstones(buf, [
    { ref: 3, mint: -(2 ** 63), maxt: 2 ** 63 },
    { ref: 4, mint: 1000, maxt: 2000 },
  ]);
  const want = "03" + "0000000000000003" + "ffffffffffffffffff01" + "feffffffffffffffff01" + "0000000000000004" + "d00f" + "a01f";
  assert.equal(hex(buf.get()), want);
  const back = decodeTombstones(buf.get());
  assert.deepEqual(back, [
    { ref: 3, mint: -(2 ** 63), maxt: 2 ** 63 },
    { ref: 4, mint: 1000, maxt: 2000 },
  ]);
  const again = new Encbuf();
  encodeTombstones(again, back);
  assert.equal(hex(again.get()), want);
});

const bad = [
  { name: "series: wrong type", fn: () => decodeSeries(bytes("02")), msg: /invalid record type/ },
  { name: "series: truncated labels", fn: () => decodeSeries(bytes("01" + "0000000000000001" + "01" + "05" + "6162")), msg: /invalid size/ },
  { name: "samples: truncated value", fn: () => decodeSamples(bytes("02" + "0000000000000001" + "0000000000000001" + "0000" + "3ff0")), msg: /decode error after 0 samples/ },
  { name: "samples: wrong type", fn: () => decodeSamples(bytes("03")), msg: /invalid record type/ },
  { name: "tombstones: truncated", fn: () => decodeTombstones(bytes("03" + "00000000000000")), msg: /invalid size/ },
];
for (const c of bad) {
  test(`malformed ${c.name}`, () => {
    assert.throws(c.fn, (e: unknown) => e instanceof DecodeError && c.msg.test(e.message));
  });
}

const typeCases = [
  { name: "empty", rec: "", want: RecordType.Unknown },
  { name: "series", rec: "01", want: RecordType.Series },
  { name: "float histograms", rec: "08", want: RecordType.FloatHistogramSamples },
  { name: "zero", rec: "00", want: RecordType.Unknown },
  { name: "unknown", rec: "2a", want: RecordType.Unknown },
];
for (const c of typeCases) {
  test(`recordType: ${c.name}`, () => assert.equal(recordType(bytes(c.rec)), c.want));
}

test("seeded: samples records round trip exactly", () => {
  const r = seededRandom(5);
  for (let k = 0; k < 50; k++) {
    const b = new RefSamples(4);
    const n = Math.floor(r() * 300);
    for (let i = 0; i < n; i++) {
      const kind = r();
      const v = kind < 0.05 ? -0 : kind < 0.1 ? Infinity : kind < 0.15 ? NaN : (r() - 0.5) * 1e6;
      b.push(1 + Math.floor(r() * 1e6), Math.floor(1.7e12 + (r() - 0.5) * 1e9), v, r() < 0.05);
    }
    const buf = new Encbuf(16);
    encodeSamples(buf, b);
    const back = decodeSamples(buf.get());
    assert.equal(back.length, n);
    for (let i = 0; i < n; i++) {
      assert.equal(back.refs[i], b.refs[i]);
      assert.equal(back.ts[i], b.ts[i]);
      assert.equal(back.stale[i], b.stale[i]);
      assert.ok(Object.is(back.vs[i], b.vs[i]), `sample ${i}: ${back.vs[i]} vs ${b.vs[i]}`);
    }
  }
});
