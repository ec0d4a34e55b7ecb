import { test } from "node:test";
import assert from "node:assert/strict";
import { xxhash64 } from "./index.ts";

const enc = new TextEncoder();
const cases: ReadonlyArray<{ name: string; input: string; want: bigint }> = [
  { name: "empty", input: "", want: 0xef46db3751d8e999n },
  { name: "abc", input: "abc", want: 0x44bc2cf5ad770999n },
];
for (const c of cases) test(`xxhash64: ${c.name}`, () => assert.equal(xxhash64(enc.encode(c.input)), c.want));

test("xxhash64: long inputs take the 32-byte stripes", () => {
  // Inputs of 31, 32 and 100 bytes differ and are stable 64-bit values.
  const hs = [31, 32, 100].map((n) => xxhash64(new Uint8Array(n).fill(0x61)));
  assert.equal(new Set(hs).size, 3);
  for (const h of hs) assert.ok(h >= 0n && h < 1n << 64n);
});
