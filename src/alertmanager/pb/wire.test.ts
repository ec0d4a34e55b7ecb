import { test } from "node:test";
import assert from "node:assert/strict";
import { PBReader, PBWriter, pbInt, pbTimestamp, readPBTimestamp } from "./index.ts";

class TestError extends Error {}
const fail = (m: string): Error => new TestError(m);

for (const ms of [0, 1_700_000_000_123.5, -1500, 999]) {
  test(`pb: Timestamp round trip of ${ms} ms`, () => {
    const b = Uint8Array.from(pbTimestamp(ms));
    assert.equal(readPBTimestamp(new PBReader(b, 0, b.length, fail)), ms);
  });
}

test("pb: fields, packed uint64s, negative ints and delimited streams", () => {
  const m = new PBWriter();
  m.stringField(1, "héllo");
  m.intField(2, -7);
  m.packedField(3, [1n, 2n ** 64n - 1n]);
  m.intField(4, 0);
  const stream = new PBWriter();
  stream.delimited(m.bytes);
  stream.delimited(m.bytes);
  const b = Uint8Array.from(stream.bytes);
  const seen: string[] = [];
  new PBReader(b, 0, b.length, fail).delimited((msg) =>
    msg.fields((f, sub, v) => {
      if (f === 1) seen.push(sub!.text());
      else if (f === 2) seen.push(String(pbInt(v)));
      else if (f === 3) while (sub!.pos < sub!.end) seen.push(String(sub!.bigVarint()));
      else seen.push(`unexpected field ${f}`);
    }),
  );
  assert.deepEqual(seen, ["héllo", "-7", "1", "18446744073709551615", "héllo", "-7", "1", "18446744073709551615"]);
});

test("pb: truncated input throws the caller's error", () => {
  const w = new PBWriter();
  w.stringField(1, "abc");
  const b = Uint8Array.from(w.bytes.slice(0, -1));
  assert.throws(() => new PBReader(b, 0, b.length, fail).fields(() => {}), (e: unknown) => e instanceof TestError && e.message === "unexpected end of data");
});
