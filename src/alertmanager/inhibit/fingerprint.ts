/**
 * Alert fingerprints: the 64-bit FNV-1a of the Prometheus ecosystem
 * (prometheus/common model.LabelSet.Fingerprint), over each label's name,
 * a 0xff byte, its value and a 0xff byte, in name order, UTF-8 encoded.
 * Computed on two 32-bit halves (no BigInt); printed as 16 hex digits like
 * Go's Fingerprint.String().
 */

import type { Labels } from "../../model/index.ts";

const encoder = new TextEncoder();

/** The fingerprint of a label set as 16 lowercase hex digits. */
export function fingerprint(labels: Labels): string {
  // FNV-1a 64: offset 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const add = (b: number): void => {
    lo = (lo ^ b) >>> 0;
    const t = lo * 0x1b3;
    const carry = Math.floor(t / 0x1_0000_0000);
    const nlo = t >>> 0;
    // (h * 0x1b3) plus (h << 40), whose low 64 bits only reach the high word as lo << 8.
    hi = ((hi * 0x1b3 + carry + ((lo << 8) >>> 0)) % 0x1_0000_0000) >>> 0;
    lo = nlo;
  };
  const addStr = (s: string): void => {
    for (const b of encoder.encode(s)) add(b);
  };
  for (let i = 0; i < labels.names.length; i++) {
    addStr(labels.names[i]!);
    add(0xff);
    addStr(labels.values[i]!);
    add(0xff);
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}
