/**
 * xxHash64 with seed 0, as github.com/cespare/xxhash's Sum64, which the
 * Prometheus ecosystem uses for label hashes (limit_ratio sampling, rule
 * group slots, the Alertmanager's notification log). Computed on pairs of
 * unsigned 32-bit halves (several times faster than BigInt arithmetic; the
 * Alertmanager hashes every new alert's labels): 64-bit values live in
 * (hi, lo) pairs; helpers leave their result in `rh`/`rl`.
 */

let rh = 0;
let rl = 0;

const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

/** (ah, al) * (bh, bl) mod 2^64; every intermediate stays below 2^53. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const low = a0 * b0 + (mid % 0x10000) * 0x10000;
  rl = low >>> 0;
  rh = (a1 * b1 + Math.floor(mid / 0x10000) + Math.floor(low / 0x1_0000_0000) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (ah, al) + (bh, bl) mod 2^64. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const low = al + bl;
  rl = low >>> 0;
  rh = (ah + bh + (low > 0xffffffff ? 1 : 0)) >>> 0;
}

/** Rotates (h, l) left by r, 0 < r < 32. */
function rotl(h: number, l: number, r: number): void {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** xxh64 round: rotl(acc + input * P2, 31) * P1. */
function round(ah: number, al: number, ih: number, il: number): void {
  mul(ih, il, P2H, P2L);
  add(ah, al, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

/** h = (h ^ round(0, v)) * P1 + P4. */
function mergeRound(hh: number, hl: number, vh: number, vl: number): void {
  round(0, 0, vh, vl);
  mul((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, P1H, P1L);
  add(rh, rl, P4H, P4L);
}

function u32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** xxHash64 (seed 0) of `b` as an unsigned 64-bit BigInt, as github.com/cespare/xxhash's Sum64. */
export function xxhash64(b: Uint8Array): bigint {
  const n = b.length;
  let i = 0;
  let hh: number;
  let hl: number;
  if (n >= 32) {
    add(P1H, P1L, P2H, P2L);
    let v1h = rh;
    let v1l = rl;
    let v2h = P2H;
    let v2l = P2L;
    let v3h = 0;
    let v3l = 0;
    // -P1 mod 2^64: P1's low half is not 0, so no carry reaches the high half.
    let v4h = ~P1H >>> 0;
    let v4l = (-P1L) >>> 0;
    for (; i + 32 <= n; i += 32) {
      round(v1h, v1l, u32(b, i + 4), u32(b, i));
      v1h = rh;
      v1l = rl;
      round(v2h, v2l, u32(b, i + 12), u32(b, i + 8));
      v2h = rh;
      v2l = rl;
      round(v3h, v3l, u32(b, i + 20), u32(b, i + 16));
      v3h = rh;
      v3l = rl;
      round(v4h, v4l, u32(b, i + 28), u32(b, i + 24));
      v4h = rh;
      v4l = rl;
    }
    rotl(v1h, v1l, 1);
    hh = rh;
    hl = rl;
    rotl(v2h, v2l, 7);
    add(hh, hl, rh, rl);
    hh = rh;
    hl = rl;
    rotl(v3h, v3l, 12);
    add(hh, hl, rh, rl);
    hh = rh;
    hl = rl;
    rotl(v4h, v4l, 18);
    add(hh, hl, rh, rl);
    mergeRound(rh, rl, v1h, v1l);
    mergeRound(rh, rl, v2h, v2l);
    mergeRound(rh, rl, v3h, v3l);
    mergeRound(rh, rl, v4h, v4l);
    hh = rh;
    hl = rl;
  } else {
    hh = P5H;
    hl = P5L;
  }
  add(hh, hl, 0, n);
  hh = rh;
  hl = rl;
  for (; i + 8 <= n; i += 8) {
    round(0, 0, u32(b, i + 4), u32(b, i));
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 27);
    mul(rh, rl, P1H, P1L);
    add(rh, rl, P4H, P4L);
    hh = rh;
    hl = rl;
  }
  if (i + 4 <= n) {
    mul(0, u32(b, i), P1H, P1L);
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 23);
    mul(rh, rl, P2H, P2L);
    add(rh, rl, P3H, P3L);
    hh = rh;
    hl = rl;
    i += 4;
  }
  for (; i < n; i++) {
    mul(0, b[i]!, P5H, P5L);
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 11);
    mul(rh, rl, P1H, P1L);
    hh = rh;
    hl = rl;
  }
  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
  hl = (hl ^ (hh >>> 1)) >>> 0;
  mul(hh, hl, P2H, P2L);
  hh = rh;
  hl = (rl ^ ((rl >>> 29) | (rh << 3))) >>> 0;
  hh = (hh ^ (hh >>> 29)) >>> 0;
  mul(hh, hl, P3H, P3L);
  hh = rh;
  hl = (rl ^ rh) >>> 0;
  return (BigInt(hh) << 32n) | BigInt(hl);
}
