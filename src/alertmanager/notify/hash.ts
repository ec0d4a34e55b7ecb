/**
 * The alert hash of the notification log (upstream notify.hashAlert):
 * 64-bit xxHash (seed 0) of each label's name, a 0xff byte, its value and
 * a 0xff byte, in name order. Every flush hashes every alert of the group,
 * so the hash is remembered per label set (Labels are immutable and shared
 * by an alert's versions in a group).
 */

import type { Labels } from "../../model/index.ts";
import { xxhash64 } from "../../util/index.ts";

const encoder = new TextEncoder();
const cache = new WeakMap<Labels, bigint>();

/** The nflog hash of an alert's label set (uint64). */
export function hashAlert(labels: Labels): bigint {
  const hit = cache.get(labels);
  if (hit !== undefined) return hit;
  let size = 0;
  for (let i = 0; i < labels.names.length; i++) size += 3 * (labels.names[i]!.length + labels.values[i]!.length) + 2;
  const bytes = new Uint8Array(size);
  let n = 0;
  for (let i = 0; i < labels.names.length; i++) {
    n += encoder.encodeInto(labels.names[i]!, bytes.subarray(n)).written;
    bytes[n++] = 0xff;
    n += encoder.encodeInto(labels.values[i]!, bytes.subarray(n)).written;
    bytes[n++] = 0xff;
  }
  const h = xxhash64(bytes.subarray(0, n));
  cache.set(labels, h);
  return h;
}
