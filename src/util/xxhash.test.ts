import { test } from "node:test";
import assert from "node:assert/strict";
import { xxhash64 } from "./index.ts";

const enc = new TextEncoder();
const cases: ReadonlyArray<{ name: string; input: string; want: bigint }> = [
  { name: "empty", input: "", want: 0xef46db3751d8e999n },
  { name: "abc", input: "abc", want: 0x44bc2cf5ad770999n },
];
for (const c of cases) test(`xxhash64: ${c.name}`, () => assert.equal(xxhash64(enc.encode(c.input)), c.want));

test("xxhash64 agrees with the BigInt transcription of the specification for every length up to 100 bytes", () => {
  let seed = 12345;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  for (let n = 0; n <= 100; n++) {
    for (const fill of ["random", "zero", "ff"] as const) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = fill === "random" ? next() : fill === "zero" ? 0 : 0xff;
      assert.equal(xxhash64(b), referenceXXHash64(b), `${fill} ${n}`);
    }
  }
});

// xxHash64 primes.
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;
const M64 = (1n << 64n) - 1n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & M64;
}

function round(acc: bigint, input: bigint): bigint {
  acc = (acc + input * P2) & M64;
  return (rotl(acc, 31n) * P1) & M64;
}

function mergeRound(acc: bigint, val: bigint): bigint {
  acc ^= round(0n, val);
  return (acc * P1 + P4) & M64;
}

function u64(b: Uint8Array, i: number): bigint {
  const dv = new DataView(b.buffer, b.byteOffset + i, 8);
  return dv.getBigUint64(0, true);
}

function u32(b: Uint8Array, i: number): bigint {
  const dv = new DataView(b.buffer, b.byteOffset + i, 4);
  return BigInt(dv.getUint32(0, true));
}

/** The BigInt transcription of the xxHash64 specification: the oracle of the fast implementation. */
function referenceXXHash64(b: Uint8Array): bigint {
  const n = b.length;
  let i = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (P1 + P2) & M64;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (-P1) & M64;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, u64(b, i));
      v2 = round(v2, u64(b, i + 8));
      v3 = round(v3, u64(b, i + 16));
      v4 = round(v4, u64(b, i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & M64;
  for (; i + 8 <= n; i += 8) {
    h ^= round(0n, u64(b, i));
    h = (rotl(h, 27n) * P1 + P4) & M64;
  }
  if (i + 4 <= n) {
    h ^= (u32(b, i) * P1) & M64;
    h = (rotl(h, 23n) * P2 + P3) & M64;
    i += 4;
  }
  for (; i < n; i++) {
    h ^= (BigInt(b[i]!) * P5) & M64;
    h = (rotl(h, 11n) * P1) & M64;
  }
  h ^= h >> 33n;
  h = (h * P2) & M64;
  h ^= h >> 29n;
  h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}

