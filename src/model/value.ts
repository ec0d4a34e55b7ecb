/**
 * Sample values. Timestamps are integer milliseconds in a `number`.
 *
 * The stale marker is a flag, never a NaN payload: JavaScript does not keep
 * NaN bits. Storage carries it beside the value; its float value reads NaN.
 */

/** Bit pattern of Prometheus's stale NaN, as written to disk (0x7ff0000000000002). */
export const StaleNaNBits = { hi: 0x7ff00000, lo: 0x00000002 } as const;

/** Float value reported for a stale sample. */
export const STALE_VALUE = Number.NaN;

/** Milliseconds of a Date or a time in seconds (float) rounded as Prometheus does. */
export function secondsToMs(s: number): number {
  return Math.round(s * 1000);
}
