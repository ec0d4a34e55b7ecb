import { Labels, LabelsBuilder } from "../../model/index.ts";
import {
  Decbuf,
  DecodeError,
  DecodeErrorReason,
  Encbuf,
  GO_NAN_HI,
  GO_NAN_LO,
  STALE_NAN_HI,
  STALE_NAN_LO,
  floatBitsHi,
  floatBitsLo,
  floatFromBits,
} from "../encoding/index.ts";

/** WAL record types, with Prometheus's numeric values (tsdb/record/record.go). */
export const RecordType = {
  Unknown: 255,
  Series: 1,
  Samples: 2,
  Tombstones: 3,
  Exemplars: 4,
  MmapMarkers: 5,
  Metadata: 6,
  HistogramSamples: 7,
  FloatHistogramSamples: 8,
  CustomBucketsHistogramSamples: 9,
  CustomBucketsFloatHistogramSamples: 10,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** The type of a record from its first byte; Unknown for empty or unrecognised records. */
export function recordType(rec: Uint8Array): RecordType {
  if (rec.length < 1) return RecordType.Unknown;
  const t = rec[0]!;
  return t >= RecordType.Series && t <= RecordType.CustomBucketsFloatHistogramSamples ? (t as RecordType) : RecordType.Unknown;
}

/** A series and its head ref (Go's record.RefSeries). Refs are positive integers below 2^53. */
export interface RefSeries {
  ref: number;
  labels: Labels;
}

/** A deleted interval [mint, maxt] (ms, inclusive) of one series (one entry of a tombstones record). */
export interface RefTombstone {
  ref: number;
  mint: number;
  maxt: number;
}

/**
 * A growable batch of float samples as parallel typed arrays (series ref,
 * timestamp in ms, value, stale flag): what a samples record holds.
 * Entries [0, length) are valid; the arrays are replaced when growing, so
 * read them after filling.
 */
export class RefSamples {
  refs: Float64Array;
  ts: Float64Array;
  vs: Float64Array;
  /** 1 where the sample is a stale marker (its value then reads NaN). */
  stale: Uint8Array;
  length: number;

  /** capacity is the initial number of samples the arrays hold. */
  constructor(capacity = 64) {
    const c = Math.max(1, capacity);
    this.refs = new Float64Array(c);
    this.ts = new Float64Array(c);
    this.vs = new Float64Array(c);
    this.stale = new Uint8Array(c);
    this.length = 0;
  }

  /** Empties the batch, keeping capacity. */
  clear(): void {
    this.length = 0;
  }

  /** Adds a sample; `stale` marks a stale marker (v is then ignored). */
  push(ref: number, t: number, v: number, stale = false): void {
    if (this.length === this.refs.length) this.#grow();
    const i = this.length++;
    this.refs[i] = ref;
    this.ts[i] = t;
    this.vs[i] = stale ? Number.NaN : v;
    this.stale[i] = stale ? 1 : 0;
  }

  #grow(): void {
    const c = this.refs.length * 2;
    const refs = new Float64Array(c);
    refs.set(this.refs);
    const ts = new Float64Array(c);
    ts.set(this.ts);
    const vs = new Float64Array(c);
    vs.set(this.vs);
    const st = new Uint8Array(c);
    st.set(this.stale);
    this.refs = refs;
    this.ts = ts;
    this.vs = vs;
    this.stale = st;
  }
}

/** Appends the labels as Go's record.EncodeLabels: a count, then names and values as uvarint strings. */
export function encodeLabels(buf: Encbuf, l: Labels): void {
  const n = l.names.length;
  buf.putUvarint(n);
  for (let i = 0; i < n; i++) {
    buf.putUvarintStr(l.names[i]!);
    buf.putUvarintStr(l.values[i]!);
  }
}

/**
 * Reads labels written by encodeLabels. Sorted, unique, non-empty input
 * (what Prometheus writes) is wrapped as is; anything else goes through a
 * builder, which sorts and drops empty values.
 */
export function decodeLabels(d: Decbuf): Labels {
  const n = d.uvarint();
  if (n === 0 || d.err() !== null) return Labels.EMPTY;
  // Each label needs at least two length bytes: bound n before allocating.
  if (n > d.length) {
    d.skip(d.length + 1);
    return Labels.EMPTY;
  }
  const names: string[] = new Array<string>(n);
  const values: string[] = new Array<string>(n);
  let ordered = true;
  for (let i = 0; i < n; i++) {
    names[i] = d.uvarintStr();
    values[i] = d.uvarintStr();
    if (values[i] === "" || (i > 0 && names[i]! <= names[i - 1]!)) ordered = false;
  }
  if (d.err() !== null) return Labels.EMPTY;
  if (ordered) return Labels.fromSortedUnchecked(names, values);
  const b = new LabelsBuilder();
  for (let i = 0; i < n; i++) b.set(names[i]!, values[i]!);
  return b.labels();
}

/** Appends a series record (type 1): per series its ref as BE64, then its labels. */
export function encodeSeries(buf: Encbuf, series: readonly RefSeries[]): void {
  buf.putByte(RecordType.Series);
  for (const s of series) {
    buf.putBE64Int(s.ref);
    encodeLabels(buf, s.labels);
  }
}

/**
 * Appends a samples record (type 2) for samples [0, batch.length): the
 * first ref and timestamp as BE64, then per sample (the first included) the
 * ref and timestamp as varint deltas to those, and the value's bits as BE64.
 * Stale markers are written as the stale NaN; other NaNs as Go's math.NaN().
 */
export function encodeSamples(buf: Encbuf, batch: RefSamples): void {
  buf.putByte(RecordType.Samples);
  const n = batch.length;
  if (n === 0) return;
  const { refs, ts, vs, stale } = batch;
  const ref0 = refs[0]!;
  const t0 = ts[0]!;
  buf.putBE64Int(ref0);
  buf.putBE64Int(t0);
  for (let i = 0; i < n; i++) {
    buf.putVarint(refs[i]! - ref0);
    buf.putVarint(ts[i]! - t0);
    const v = vs[i]!;
    if (stale[i] === 1) buf.putBE64Bits(STALE_NAN_HI, STALE_NAN_LO);
    else if (v !== v) buf.putBE64Bits(GO_NAN_HI, GO_NAN_LO);
    else buf.putBE64Bits(floatBitsHi(v), floatBitsLo(v));
  }
}

/** Appends a tombstones record (type 3): per interval the ref as BE64, mint and maxt as varints. */
export function encodeTombstones(buf: Encbuf, stones: readonly RefTombstone[]): void {
  buf.putByte(RecordType.Tombstones);
  for (const s of stones) {
    buf.putBE64Int(s.ref);
    buf.putVarint(s.mint);
    buf.putVarint(s.maxt);
  }
}

function expectType(d: Decbuf, want: RecordType): void {
  if (d.byte() !== want) throw new DecodeError(DecodeErrorReason.InvalidData, "invalid record type");
}

function expectEnd(d: Decbuf): void {
  if (d.length > 0) throw new DecodeError(DecodeErrorReason.InvalidData, `unexpected ${d.length} bytes left in entry`);
}

/** Decodes a series record, appending to `out` (returned). Throws DecodeError on malformed input. */
export function decodeSeries(rec: Uint8Array, out: RefSeries[] = []): RefSeries[] {
  const d = new Decbuf(rec);
  expectType(d, RecordType.Series);
  while (d.length > 0) {
    const ref = d.be64Uint();
    const labels = decodeLabels(d);
    const err = d.err();
    if (err !== null) throw err;
    out.push({ ref, labels });
  }
  const err = d.err();
  if (err !== null) throw err;
  return out;
}

/**
 * Decodes a samples record (type 2), appending to `out` (returned). Stale
 * markers are recognised by their exact bits. Throws DecodeError on
 * malformed input; `out` may then hold a prefix of the samples.
 */
export function decodeSamples(rec: Uint8Array, out: RefSamples = new RefSamples()): RefSamples {
  const d = new Decbuf(rec);
  expectType(d, RecordType.Samples);
  if (d.length === 0) return out;
  const ref0 = d.be64Uint();
  const t0 = d.be64Int();
  let n = 0;
  while (d.length > 0) {
    const dref = d.varint();
    const dt = d.varint();
    d.be64Bits();
    if (d.err() !== null) break;
    const hi = d.hi;
    const lo = d.lo;
    const isStale = hi === STALE_NAN_HI && lo === STALE_NAN_LO;
    out.push(ref0 + dref, t0 + dt, floatFromBits(hi, lo), isStale);
    n++;
  }
  const err = d.err();
  if (err !== null) throw new DecodeError(err.reason, `decode error after ${n} samples: ${err.message}`);
  expectEnd(d);
  return out;
}

/** Decodes a tombstones record, appending to `out` (returned). Throws DecodeError on malformed input. */
export function decodeTombstones(rec: Uint8Array, out: RefTombstone[] = []): RefTombstone[] {
  const d = new Decbuf(rec);
  expectType(d, RecordType.Tombstones);
  while (d.length > 0) {
    const ref = d.be64Uint();
    const mint = d.varint();
    const maxt = d.varint();
    if (d.err() !== null) break;
    out.push({ ref, mint, maxt });
  }
  const err = d.err();
  if (err !== null) throw err;
  return out;
}
