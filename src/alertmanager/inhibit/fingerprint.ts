/**
 * Alert fingerprints: the 64-bit FNV-1a of the Prometheus ecosystem
 * (prometheus/common model.LabelSet.Fingerprint), over each label's name,
 * a 0xff byte, its value and a 0xff byte, in name order, UTF-8 encoded.
 * Computed on two 32-bit halves (no BigInt) straight from the UTF-16 code
 * units (no encoder call: it runs for every posted alert); printed as 16
 * hex digits like Go's Fingerprint.String().
 */

import type { Labels } from "../../model/index.ts";

// FNV-1a 64: offset 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3.
let hi = 0;
let lo = 0;

function add(b: number): void {
  lo = (lo ^ b) >>> 0;
  const t = lo * 0x1b3;
  const nlo = t >>> 0;
  // (h * 0x1b3) plus (h << 40), whose low 64 bits only reach the high word as lo << 8.
  hi = (Math.imul(hi, 0x1b3) + (t - nlo) / 0x1_0000_0000 + (lo << 8)) >>> 0;
  lo = nlo;
}

/** Adds the UTF-8 bytes of `s` (a lone surrogate as U+FFFD, like TextEncoder). */
function addString(s: string): void {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      add(c);
      continue;
    }
    if (c < 0x800) {
      add(0xc0 | (c >> 6));
      add(0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = c <= 0xdbff && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        add(0xf0 | (c >> 18));
        add(0x80 | ((c >> 12) & 0x3f));
        add(0x80 | ((c >> 6) & 0x3f));
        add(0x80 | (c & 0x3f));
        continue;
      }
      c = 0xfffd;
    }
    add(0xe0 | (c >> 12));
    add(0x80 | ((c >> 6) & 0x3f));
    add(0x80 | (c & 0x3f));
  }
}

/** The fingerprint of a label set as 16 lowercase hex digits. */
export function fingerprint(labels: Labels): string {
  hi = 0xcbf29ce4;
  lo = 0x84222325;
  const names = labels.names;
  const values = labels.values;
  for (let i = 0; i < names.length; i++) {
    addString(names[i]!);
    add(0xff);
    addString(values[i]!);
    add(0xff);
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}
