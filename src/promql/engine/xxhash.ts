import type { Labels } from "../../model/index.ts";
import { xxhash64 } from "../../util/index.ts";

const encoder = new TextEncoder();
const cache = new WeakMap<Labels, number>();

/**
 * Prometheus's labels.Hash() (xxHash64 of name 0xff value 0xff ...) scaled
 * to [0, 1] as float64(hash) / MaxUint64, cached per label set. Used by
 * limit_ratio so it samples the same series as Prometheus.
 */
export function labelsHashFraction(l: Labels): number {
  let v = cache.get(l);
  if (v === undefined) {
    const parts: Uint8Array[] = [];
    let len = 0;
    for (let i = 0; i < l.names.length; i++) {
      for (const s of [l.names[i]!, l.values[i]!]) {
        const e = encoder.encode(s);
        parts.push(e, SEP);
        len += e.length + 1;
      }
    }
    const buf = new Uint8Array(len);
    let o = 0;
    for (const p of parts) {
      buf.set(p, o);
      o += p.length;
    }
    v = Number(xxhash64(buf)) / 18446744073709551615;
    cache.set(l, v);
  }
  return v;
}

const SEP = new Uint8Array([0xff]);
