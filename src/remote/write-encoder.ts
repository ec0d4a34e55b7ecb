import type { Labels } from "../model/index.ts";
import { StaleNaNBits } from "../model/index.ts";

const TWO_32 = 4294967296;

/**
 * A minimal protobuf writer into a growable buffer for the sender's hot
 * path: lengths of nested messages are computed up front, so nothing is
 * forked or copied. Reused across requests; finish() returns a view valid
 * until the next reset().
 */
export class WireWriter {
  #buf: Buffer;
  #pos: number;

  constructor(initialBytes = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
    this.#pos = 0;
  }

  /** Starts over, keeping capacity. */
  reset(): void {
    this.#pos = 0;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#pos + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.#buf.copy(nb, 0, 0, this.#pos);
    this.#buf = nb;
  }

  /** Writes an unsigned varint below 2^53. */
  uvarint(v: number): void {
    this.#ensure(10);
    const b = this.#buf;
    while (v >= 0x80) {
      b[this.#pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    b[this.#pos++] = v;
  }

  /** Writes a signed 64-bit varint (two's complement for negatives, 10 bytes), exact for |v| < 2^53. */
  int64(v: number): void {
    if (v >= 0) {
      this.uvarint(v);
      return;
    }
    this.#ensure(10);
    const hiSigned = Math.floor(v / TWO_32);
    let lo = (v - hiSigned * TWO_32) >>> 0;
    let hi = hiSigned >>> 0;
    const b = this.#buf;
    for (let i = 0; i < 9; i++) {
      b[this.#pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    b[this.#pos++] = lo & 0x01;
  }

  /** Writes a little-endian double; `stale` writes Prometheus's stale NaN bits instead. */
  double(v: number, stale: boolean): void {
    this.#ensure(8);
    if (stale) {
      this.#buf.writeUInt32LE(StaleNaNBits.lo, this.#pos);
      this.#buf.writeUInt32LE(StaleNaNBits.hi, this.#pos + 4);
    } else {
      this.#buf.writeDoubleLE(v, this.#pos);
    }
    this.#pos += 8;
  }

  /** Writes raw bytes. */
  raw(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /** Writes a length-delimited string field. */
  stringField(field: number, s: string): void {
    const n = Buffer.byteLength(s);
    this.uvarint((field << 3) | 2);
    this.uvarint(n);
    this.#ensure(n);
    this.#pos += this.#buf.write(s, this.#pos, "utf8");
  }

  /** The bytes written so far, a view valid until the next reset() or write. */
  finish(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }
}

/** Bytes of v as an unsigned varint. */
export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Bytes of v as an int64 varint. */
export function int64Size(v: number): number {
  return v < 0 ? 10 : uvarintSize(v);
}

/** Size of an encoded prometheus.Sample / io.prometheus.write.v2.Sample (proto3: zero fields are omitted). */
function sampleSize(t: number, v: number, stale: boolean): number {
  let n = 0;
  if (stale || v !== 0 || Object.is(v, -0)) n += 9;
  if (t !== 0) n += 1 + int64Size(t);
  return n;
}

function writeSample(w: WireWriter, t: number, v: number, stale: boolean): void {
  const size = sampleSize(t, v, stale);
  w.uvarint((2 << 3) | 2);
  w.uvarint(size);
  if (stale || v !== 0 || Object.is(v, -0)) {
    w.uvarint((1 << 3) | 1);
    w.double(v, stale);
  }
  if (t !== 0) {
    w.uvarint(2 << 3);
    w.int64(t);
  }
}

/** The encoded repeated `labels` fields (prometheus.Label, field 1) of a TimeSeries, cached per series by the sender. */
export function encodeLabelsV1(lset: Labels): Uint8Array {
  const w = new WireWriter(256);
  const names = lset.names;
  const values = lset.values;
  for (let i = 0; i < names.length; i++) {
    const nl = Buffer.byteLength(names[i]!);
    const vl = Buffer.byteLength(values[i]!);
    const inner = 1 + uvarintSize(nl) + nl + 1 + uvarintSize(vl) + vl;
    w.uvarint((1 << 3) | 2);
    w.uvarint(inner);
    w.stringField(1, names[i]!);
    w.stringField(2, values[i]!);
  }
  return Uint8Array.from(w.finish());
}

/**
 * A batch of samples to send: parallel arrays, entries [0, length). The
 * sender groups them by series (`series[i]` indexes the batch's series
 * list), samples of a series in timestamp order.
 */
export interface SampleBatch {
  length: number;
  series: Int32Array;
  ts: Float64Array;
  vs: Float64Array;
  stale: Uint8Array;
}

/**
 * Encodes a prometheus.WriteRequest (remote write 1.0) with one TimeSeries
 * per series of the batch, its samples in batch order. `labels[k]` is the
 * pre-encoded label fields of series k (encodeLabelsV1). Returns a view of
 * w's buffer.
 */
export function encodeWriteRequestV1(w: WireWriter, batch: SampleBatch, labels: readonly Uint8Array[]): Buffer {
  w.reset();
  const nSeries = labels.length;
  // Per series: the size of its TimeSeries message.
  const sizes = new Float64Array(nSeries);
  for (let k = 0; k < nSeries; k++) sizes[k] = labels[k]!.length;
  for (let i = 0; i < batch.length; i++) {
    const s = sampleSize(batch.ts[i]!, batch.vs[i]!, batch.stale[i] === 1);
    sizes[batch.series[i]!]! += 1 + uvarintSize(s) + s;
  }
  const order = groupBySeries(batch, nSeries);
  for (let k = 0; k < nSeries; k++) {
    w.uvarint((1 << 3) | 2);
    w.uvarint(sizes[k]!);
    w.raw(labels[k]!);
    for (let j = order.start[k]!; j < order.start[k + 1]!; j++) {
      const i = order.idx[j]!;
      writeSample(w, batch.ts[i]!, batch.vs[i]!, batch.stale[i] === 1);
    }
  }
  return w.finish();
}

/**
 * Encodes an io.prometheus.write.v2.Request (remote write 2.0): a symbols
 * table starting with "", then one TimeSeries per series with packed
 * labels_refs and its samples. Returns a view of w's buffer.
 */
export function encodeWriteRequestV2(w: WireWriter, batch: SampleBatch, labels: readonly Labels[]): Buffer {
  w.reset();
  const symbols = new Map<string, number>([["", 0]]);
  const intern = (s: string): number => {
    let r = symbols.get(s);
    if (r === undefined) {
      r = symbols.size;
      symbols.set(s, r);
    }
    return r;
  };
  const refs: number[][] = labels.map((l) => {
    const out: number[] = [];
    for (let i = 0; i < l.names.length; i++) out.push(intern(l.names[i]!), intern(l.values[i]!));
    return out;
  });
  for (const s of symbols.keys()) w.stringField(4, s);
  const order = groupBySeries(batch, labels.length);
  for (let k = 0; k < labels.length; k++) {
    let packed = 0;
    for (const r of refs[k]!) packed += uvarintSize(r);
    let size = packed > 0 ? 1 + uvarintSize(packed) + packed : 0;
    for (let j = order.start[k]!; j < order.start[k + 1]!; j++) {
      const i = order.idx[j]!;
      const s = sampleSize(batch.ts[i]!, batch.vs[i]!, batch.stale[i] === 1);
      size += 1 + uvarintSize(s) + s;
    }
    w.uvarint((5 << 3) | 2);
    w.uvarint(size);
    if (packed > 0) {
      w.uvarint((1 << 3) | 2);
      w.uvarint(packed);
      for (const r of refs[k]!) w.uvarint(r);
    }
    for (let j = order.start[k]!; j < order.start[k + 1]!; j++) {
      const i = order.idx[j]!;
      writeSample(w, batch.ts[i]!, batch.vs[i]!, batch.stale[i] === 1);
    }
  }
  return w.finish();
}

/** Counting sort of batch indexes by series, stable (keeps each series' samples in order). */
function groupBySeries(batch: SampleBatch, nSeries: number): { start: Int32Array; idx: Int32Array } {
  const start = new Int32Array(nSeries + 1);
  for (let i = 0; i < batch.length; i++) start[batch.series[i]! + 1]!++;
  for (let k = 0; k < nSeries; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, nSeries);
  const idx = new Int32Array(batch.length);
  for (let i = 0; i < batch.length; i++) idx[fill[batch.series[i]!]!++] = i;
  return { start, idx };
}
