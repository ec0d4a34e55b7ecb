import * as fs from "node:fs";
import * as path from "node:path";
import { StorageError } from "../../storage/index.ts";
import { Decbuf, Encbuf, crc32c, readBE32 } from "../encoding/index.ts";
import { writeFileAtomic } from "../fileutil/index.ts";

/** File name of a block's tombstones. */
export const TOMBSTONES_FILENAME = "tombstones";
/** First 4 bytes of a tombstones file. */
export const TOMBSTONES_MAGIC = 0x0130ba30;
const TOMBSTONES_FORMAT_V1 = 1;

/** A deleted time range, ms, inclusive. */
export interface Interval {
  mint: number;
  maxt: number;
}

/** Adds iv to sorted, non-overlapping intervals, merging overlapping and adjacent ones (Go's Intervals.Add). */
export function addInterval(ivs: Interval[], iv: Interval): Interval[] {
  const out: Interval[] = [];
  let cur = { mint: iv.mint, maxt: iv.maxt };
  let placed = false;
  for (const x of ivs) {
    if (placed || x.maxt + 1 < cur.mint) {
      out.push(x);
    } else if (cur.maxt + 1 < x.mint) {
      out.push(cur);
      out.push(x);
      placed = true;
    } else {
      cur = { mint: Math.min(cur.mint, x.mint), maxt: Math.max(cur.maxt, x.maxt) };
    }
  }
  if (!placed) out.push(cur);
  return out;
}

/** Whether t falls in one of the sorted intervals. */
export function isDeleted(ivs: readonly Interval[], t: number): boolean {
  for (const iv of ivs) {
    if (t < iv.mint) return false;
    if (t <= iv.maxt) return true;
  }
  return false;
}

/** Tombstones by series ref (an index series id in a block, a series ref in the head). */
export class MemTombstones {
  readonly #m: Map<number, Interval[]>;

  constructor() {
    this.#m = new Map();
  }

  /** Deleted intervals of ref (sorted), or undefined. */
  get(ref: number): readonly Interval[] | undefined {
    return this.#m.get(ref);
  }

  add(ref: number, iv: Interval): void {
    this.#m.set(ref, addInterval(this.#m.get(ref) ?? [], iv));
  }

  delete(ref: number): void {
    this.#m.delete(ref);
  }

  /** Number of intervals (meta.json's numTombstones). */
  get total(): number {
    let n = 0;
    for (const ivs of this.#m.values()) n += ivs.length;
    return n;
  }

  get size(): number {
    return this.#m.size;
  }

  /** Refs in increasing order with their intervals. */
  entries(): [number, readonly Interval[]][] {
    return [...this.#m.entries()].sort((a, b) => a[0] - b[0]);
  }
}

/** Encodes tombstones as the tombstones file: magic | version | (ref <uvarint> mint <varint> maxt <varint>)* | CRC32C of the entries. */
export function encodeTombstonesFile(ts: MemTombstones): Uint8Array {
  const b = new Encbuf(64);
  b.putBE32(TOMBSTONES_MAGIC);
  b.putByte(TOMBSTONES_FORMAT_V1);
  for (const [ref, ivs] of ts.entries()) {
    for (const iv of ivs) {
      b.putUvarint(ref);
      b.putVarint(iv.mint);
      b.putVarint(iv.maxt);
    }
  }
  b.putCRC32C(5);
  return b.copy();
}

/** Decodes a tombstones file. Throws StorageError on a bad magic, version, checksum or entry. */
export function decodeTombstonesFile(b: Uint8Array, what = TOMBSTONES_FILENAME): MemTombstones {
  if (b.length < 9) throw new StorageError(`${what}: tombstones header: invalid size`);
  if (readBE32(b, 0) !== TOMBSTONES_MAGIC) throw new StorageError(`${what}: invalid magic number ${readBE32(b, 0).toString(16)}`);
  if (b[4] !== TOMBSTONES_FORMAT_V1) throw new StorageError(`${what}: invalid tombstone format ${b[4]}`);
  if (crc32c(b, 5, b.length - 4) !== readBE32(b, b.length - 4)) throw new StorageError(`${what}: checksum did not match`);
  const d = new Decbuf(b, 5, b.length - 4);
  const ts = new MemTombstones();
  while (d.length > 0) {
    const ref = d.uvarint();
    const mint = d.varint();
    const maxt = d.varint();
    if (d.err() !== null) throw new StorageError(`${what}: ${d.err()!.message}`);
    ts.add(ref, { mint, maxt });
  }
  return ts;
}

/** Reads dir/tombstones; a missing file means none. */
export function readTombstones(dir: string): MemTombstones {
  const file = path.join(dir, TOMBSTONES_FILENAME);
  let b: Uint8Array;
  try {
    b = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return new MemTombstones();
    throw new StorageError(`read ${file}`, { cause: e });
  }
  return decodeTombstonesFile(b, file);
}

/** Writes dir/tombstones atomically; returns its size in bytes. */
export function writeTombstones(dir: string, ts: MemTombstones): number {
  const b = encodeTombstonesFile(ts);
  writeFileAtomic(path.join(dir, TOMBSTONES_FILENAME), b);
  return b.length;
}
