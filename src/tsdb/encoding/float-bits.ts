/**
 * Float64 <-> bit pattern conversion on 32-bit halves, without BigInt and
 * without allocating. A NaN's payload is only kept while it travels as bits:
 * a JavaScript number may canonicalize it, so code that must keep exact bits
 * (the stale marker) holds the halves, never the number.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the high (sign/exponent) half in u32: 1 on little-endian hosts. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** High 32 bits (sign, exponent, top of mantissa) of v's IEEE 754 encoding, unsigned. */
export function floatBitsHi(v: number): number {
  f64[0] = v;
  return u32[HI]!;
}

/** Low 32 bits of v's IEEE 754 encoding, unsigned. */
export function floatBitsLo(v: number): number {
  f64[0] = v;
  return u32[LO]!;
}

/** The float64 whose IEEE 754 encoding is hi:lo (both unsigned 32-bit). */
export function floatFromBits(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0]!;
}

/** High half of Prometheus's stale marker, the NaN 0x7ff0000000000002. */
export const STALE_NAN_HI = 0x7ff00000;
/** Low half of Prometheus's stale marker. */
export const STALE_NAN_LO = 0x00000002;

/**
 * High half of Go's math.NaN() (0x7ff8000000000001).
 * NOTE: matches Prometheus, which stores a scraped or parsed "NaN" with
 * these bits; promstack writes every non-stale NaN this way.
 */
export const GO_NAN_HI = 0x7ff80000;
/** Low half of Go's math.NaN(). */
export const GO_NAN_LO = 0x00000001;

/** Whether hi:lo is exactly the stale marker's bit pattern. */
export function isStaleNaNBits(hi: number, lo: number): boolean {
  return hi === STALE_NAN_HI && lo === STALE_NAN_LO;
}
