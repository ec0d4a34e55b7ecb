/**
 * The alert hash of the notification log (upstream notify.hashAlert):
 * 64-bit xxHash (seed 0) of each label's name, a 0xff byte, its value and
 * a 0xff byte, in name order. Per alert per flush, so BigInt is fine here.
 */

import type { Labels } from "../../model/index.ts";
import { xxhash64 } from "../../util/index.ts";

const encoder = new TextEncoder();

/** The nflog hash of an alert's label set (uint64). */
export function hashAlert(labels: Labels): bigint {
  const parts: number[] = [];
  for (let i = 0; i < labels.names.length; i++) {
    parts.push(...encoder.encode(labels.names[i]!), 0xff, ...encoder.encode(labels.values[i]!), 0xff);
  }
  return xxhash64(Uint8Array.from(parts));
}
