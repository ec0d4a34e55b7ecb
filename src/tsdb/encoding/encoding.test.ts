import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Decbuf,
  DecodeErrorReason,
  Encbuf,
  crc32c,
  crc32cUpdate,
  floatBitsHi,
  floatBitsLo,
  floatFromBits,
  isStaleNaNBits,
} from "./index.ts";
import { seededRandom } from "../../util/index.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));

// RFC 3720 (iSCSI) appendix B.4 vectors and the classic check value.
const crcCases = [
  { name: "empty", input: new Uint8Array(0), want: 0x00000000 },
  { name: "check value 123456789", input: new TextEncoder().encode("123456789"), want: 0xe3069283 },
  { name: "32 zero bytes", input: new Uint8Array(32), want: 0x8a9136aa },
  { name: "32 0xff bytes", input: new Uint8Array(32).fill(0xff), want: 0x62a8ab43 },
  { name: "ascending 0..31", input: Uint8Array.from({ length: 32 }, (_, i) => i), want: 0x46dd794e },
  { name: "descending 31..0", input: Uint8Array.from({ length: 32 }, (_, i) => 31 - i), want: 0x113fdb5c },
];
for (const c of crcCases) {
  test(`crc32c: ${c.name}`, () => assert.equal(crc32c(c.input), c.want));
}

test("crc32c: incremental update equals one pass, over all split points", () => {
  const r = seededRandom(7);
  const buf = Uint8Array.from({ length: 100 }, () => Math.floor(r() * 256));
  const whole = crc32c(buf);
  for (let k = 0; k <= buf.length; k++) {
    assert.equal(crc32cUpdate(crc32cUpdate(0, buf, 0, k), buf, k, buf.length), whole, `split at ${k}`);
  }
});

const uvarintCases = [
  { name: "0", x: 0, want: "00" },
  { name: "127", x: 127, want: "7f" },
  { name: "128", x: 128, want: "8001" },
  { name: "300", x: 300, want: "ac02" },
  { name: "2^28-1", x: 2 ** 28 - 1, want: "ffffff7f" },
  { name: "2^32", x: 2 ** 32, want: "8080808010" },
  { name: "2^53-1", x: 2 ** 53 - 1, want: "ffffffffffffff0f" },
];
for (const c of uvarintCases) {
  test(`uvarint ${c.name}: bytes and back`, () => {
    const e = new Encbuf();
    e.putUvarint(c.x);
    assert.equal(hex(e.get()), c.want);
    const d = new Decbuf(e.get());
    assert.equal(d.uvarint(), c.x);
    assert.equal(d.length, 0);
    assert.equal(d.err(), null);
  });
}

const varintCases = [
  { name: "0", x: 0, want: "00", back: 0 },
  { name: "-1", x: -1, want: "01", back: -1 },
  { name: "1", x: 1, want: "02", back: 1 },
  { name: "-64", x: -64, want: "7f", back: -64 },
  { name: "64", x: 64, want: "8001", back: 64 },
  { name: "ms timestamp", x: 1_700_000_000_123, want: "f6a1abfef962", back: 1_700_000_000_123 },
  { name: "-2^52", x: -(2 ** 52), want: "ffffffffffffff0f", back: -(2 ** 52) },
  { name: "2^53 (slow path)", x: 2 ** 53, want: "8080808080808020", back: 2 ** 53 },
  { name: "math.MinInt64", x: -(2 ** 63), want: "ffffffffffffffffff01", back: -(2 ** 63) },
  { name: "math.MaxInt64 as 2^63", x: 2 ** 63, want: "feffffffffffffffff01", back: 2 ** 63 },
  { name: "beyond int64 clamps", x: -(2 ** 70), want: "ffffffffffffffffff01", back: -(2 ** 63) },
];
for (const c of varintCases) {
  test(`varint ${c.name}: bytes and back`, () => {
    const e = new Encbuf();
    e.putVarint(c.x);
    assert.equal(hex(e.get()), c.want);
    const d = new Decbuf(e.get());
    assert.equal(d.varint(), c.back);
    assert.equal(d.err(), null);
  });
}

const be64Cases = [
  { name: "0", x: 0, want: "0000000000000000" },
  { name: "-1", x: -1, want: "ffffffffffffffff" },
  { name: "2^32+5", x: 2 ** 32 + 5, want: "0000000100000005" },
  { name: "-2^40", x: -(2 ** 40), want: "ffffff0000000000" },
  { name: "math.MaxInt64", x: 2 ** 63, want: "7fffffffffffffff" },
  { name: "math.MinInt64", x: -(2 ** 63), want: "8000000000000000" },
];
for (const c of be64Cases) {
  test(`be64 int ${c.name}`, () => {
    const e = new Encbuf();
    e.putBE64Int(c.x);
    assert.equal(hex(e.get()), c.want);
    assert.equal(new Decbuf(e.get()).be64Int(), c.x);
  });
}

test("strings: uvarint length in bytes, UTF-8, short and long", () => {
  const e = new Encbuf(16);
  e.putUvarintStr("");
  e.putUvarintStr("a");
  e.putUvarintStr("é");
  e.putUvarintStr("ab\u00e9c");
  const long = "x".repeat(200) + "ü";
  e.putUvarintStr(long);
  assert.equal(hex(e.get().subarray(0, 12)), "000161" + "02c3a9" + "056162c3a963");
  const d = new Decbuf(e.get());
  assert.deepEqual([d.uvarintStr(), d.uvarintStr(), d.uvarintStr(), d.uvarintStr(), d.uvarintStr()], ["", "a", "é", "abéc", long]);
  assert.equal(d.length, 0);
});

test("float bits keep -0, infinities and the stale marker pattern", () => {
  assert.deepEqual([floatBitsHi(-0), floatBitsLo(-0)], [0x80000000, 0]);
  assert.deepEqual([floatBitsHi(Infinity), floatBitsLo(Infinity)], [0x7ff00000, 0]);
  assert.deepEqual([floatBitsHi(-Infinity), floatBitsLo(-Infinity)], [0xfff00000, 0]);
  assert.deepEqual([floatBitsHi(1), floatBitsLo(1)], [0x3ff00000, 0]);
  assert.ok(Object.is(floatFromBits(0x80000000, 0), -0));
  assert.ok(Number.isNaN(floatFromBits(0x7ff00000, 2)));
  assert.ok(isStaleNaNBits(0x7ff00000, 2));
  assert.ok(!isStaleNaNBits(0x7ff80000, 1));
});

test("decbuf: errors are sticky and reads after them return zero", () => {
  const d = new Decbuf(bytes("01 02"));
  assert.equal(d.byte(), 1);
  assert.equal(d.be32(), 0);
  assert.equal(d.err()?.reason, DecodeErrorReason.InvalidSize);
  assert.equal(d.byte(), 0);
  assert.equal(d.length, 0);
});

const badVarints = [
  { name: "truncated", input: "8080", reason: DecodeErrorReason.InvalidSize },
  { name: "11 bytes", input: "ffffffffffffffffffff01", reason: DecodeErrorReason.InvalidVarint },
  { name: "10th byte above 1", input: "ffffffffffffffffff02", reason: DecodeErrorReason.InvalidVarint },
];
for (const c of badVarints) {
  test(`decbuf: bad uvarint, ${c.name}`, () => {
    const d = new Decbuf(bytes(c.input));
    d.uvarint();
    assert.equal(d.err()?.reason, c.reason);
  });
}

test("decbuf: be64 bits keep a NaN payload that a number would not", () => {
  const d = new Decbuf(bytes("7ff0000000000002"));
  d.be64Bits();
  assert.deepEqual([d.hi, d.lo], [0x7ff00000, 2]);
});

test("decbuf.at: length, content and checksum", () => {
  const e = new Encbuf();
  e.putBE32(0);
  e.putUvarintStr("hello");
  e.putVarint(-3);
  e.patchBE32(0, e.length - 4);
  e.putCRC32C(4);
  const good = e.copy();
  const d = Decbuf.at(good, 0, true);
  assert.equal(d.err(), null);
  assert.equal(d.uvarintStr(), "hello");
  assert.equal(d.varint(), -3);
  assert.equal(d.length, 0);

  const bad = good.slice();
  bad[5]! ^= 1;
  assert.equal(Decbuf.at(bad, 0, true).err()?.reason, DecodeErrorReason.InvalidChecksum);
  assert.equal(Decbuf.at(bad, 0, false).err(), null);
  assert.equal(Decbuf.at(good.subarray(0, good.length - 1), 0, true).err()?.reason, DecodeErrorReason.InvalidSize);
});

test("decbuf.uvarintAt: uvarint length prefix with checksum", () => {
  const e = new Encbuf();
  e.putUvarint(3);
  e.putBytes(bytes("aabbcc"));
  e.putCRC32C(1);
  e.putBytes(new Uint8Array(4)); // Room for the 5-byte look-ahead Prometheus requires.
  const d = Decbuf.uvarintAt(e.get(), 0);
  assert.equal(d.err(), null);
  assert.equal(d.length, 3);
  assert.deepEqual([d.byte(), d.byte(), d.byte()], [0xaa, 0xbb, 0xcc]);

  const bad = e.copy();
  bad[2]! ^= 0xff;
  assert.equal(Decbuf.uvarintAt(bad, 0).err()?.reason, DecodeErrorReason.InvalidChecksum);
});

test("seeded round trip of mixed fields", () => {
  const r = seededRandom(42);
  type Op = { kind: "u" | "v" | "b" | "f"; x: number };
  const ops: Op[] = [];
  for (let i = 0; i < 5000; i++) {
    const k = Math.floor(r() * 4);
    const mag = 2 ** Math.floor(r() * 53);
    const x = Math.floor(r() * mag);
    const neg = x === 0 ? 0 : -x;
    if (k === 0) ops.push({ kind: "u", x });
    else if (k === 1) ops.push({ kind: "v", x: r() < 0.5 ? neg : x });
    else if (k === 2) ops.push({ kind: "b", x: r() < 0.5 ? neg : x });
    else ops.push({ kind: "f", x: (r() - 0.5) * mag });
  }
  const e = new Encbuf(8);
  for (const o of ops) {
    if (o.kind === "u") e.putUvarint(o.x);
    else if (o.kind === "v") e.putVarint(o.x);
    else if (o.kind === "b") e.putBE64Int(o.x);
    else e.putBEFloat64(o.x);
  }
  const d = new Decbuf(e.get());
  for (const o of ops) {
    const got = o.kind === "u" ? d.uvarint() : o.kind === "v" ? d.varint() : o.kind === "b" ? d.be64Int() : d.be64Float();
    assert.ok(Object.is(got, o.x), `${o.kind} ${o.x} came back as ${got}`);
  }
  assert.equal(d.length, 0);
  assert.equal(d.err(), null);
});
