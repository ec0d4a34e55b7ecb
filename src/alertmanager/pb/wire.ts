/**
 * The protobuf wire format of the Alertmanager's cluster messages and
 * snapshots (nflogpb, silencepb): a writer and a reader for varints,
 * length-delimited fields, packed uint64s and google.protobuf.Timestamp,
 * and streams of length-delimited messages as pbutil.WriteDelimited writes
 * them. Unknown fields are skipped when reading.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Appends protobuf fields to `bytes`. */
export class PBWriter {
  readonly bytes: number[] = [];

  /** A non-negative integer up to 2^53. */
  varint(v: number): void {
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }

  /** A 64-bit value; negative ones in two's complement (10 bytes). */
  bigVarint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytesField(field: number, b: ArrayLike<number>): void {
    this.tag(field, 2);
    this.varint(b.length);
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]!);
  }

  /** A string field, left out when empty (proto3 default). */
  stringField(field: number, s: string): void {
    if (s !== "") this.bytesField(field, encoder.encode(s));
  }

  /** An integer field (int32, int64, uint32), left out when 0. */
  intField(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, 0);
    if (v < 0) this.bigVarint(BigInt(v));
    else this.varint(v);
  }

  /** A packed repeated uint64 field, left out when empty. */
  packedField(field: number, vs: readonly bigint[]): void {
    if (vs.length === 0) return;
    const w = new PBWriter();
    for (const v of vs) w.bigVarint(v);
    this.bytesField(field, w.bytes);
  }

  /** A message of a delimited stream: its byte length, then its bytes. */
  delimited(message: readonly number[]): void {
    this.varint(message.length);
    for (const b of message) this.bytes.push(b);
  }
}

/** A google.protobuf.Timestamp message for a time in ms. */
export function pbTimestamp(ms: number): number[] {
  const w = new PBWriter();
  const seconds = Math.floor(ms / 1000);
  w.intField(1, seconds);
  w.intField(2, Math.round((ms - seconds * 1000) * 1e6));
  return w.bytes;
}

/** Reads protobuf fields from buf[pos, end); malformed input throws what `fail` makes of the reason. */
export class PBReader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  readonly #fail: (message: string) => Error;

  constructor(buf: Uint8Array, pos: number, end: number, fail: (message: string) => Error) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.#fail = fail;
  }

  /** A varint as an unsigned 64-bit value. */
  bigVarint(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw this.#fail("unexpected end of data");
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, v);
      shift += 7n;
      if (shift > 63n) throw this.#fail("varint overflow");
    }
  }

  /** A varint known to be small (tags, lengths): a plain loop, no BigInt. */
  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw this.#fail("unexpected end of data");
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
    throw this.#fail("varint overflow");
  }

  /** A reader of the next `len` bytes, which it skips. */
  sub(len: number): PBReader {
    if (this.pos + len > this.end) throw this.#fail("unexpected end of data");
    const r = new PBReader(this.buf, this.pos, this.pos + len, this.#fail);
    this.pos += len;
    return r;
  }

  /** The rest of the bytes as UTF-8. */
  text(): string {
    return decoder.decode(this.buf.subarray(this.pos, this.end));
  }

  /**
   * Reads fields to the end: fn(field, reader of the value, 0n) for
   * length-delimited fields, fn(field, null, value) for varints; fixed-size
   * fields are skipped.
   */
  fields(fn: (field: number, sub: PBReader | null, v: bigint) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (wire === 0) fn(field, null, this.bigVarint());
      else if (wire === 2) fn(field, this.sub(this.varint()), 0n);
      else if (wire === 1) this.pos += 8;
      else if (wire === 5) this.pos += 4;
      else throw this.#fail(`unsupported wire type ${wire}`);
    }
  }

  /** Calls fn with a reader of each message of a delimited stream. */
  delimited(fn: (message: PBReader) => void): void {
    while (this.pos < this.end) fn(this.sub(this.varint()));
  }
}

/** A varint field's value as a signed 64-bit number (int32, int64). */
export function pbInt(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** A google.protobuf.Timestamp message as a time in ms. */
export function readPBTimestamp(r: PBReader): number {
  let s = 0;
  let n = 0;
  r.fields((f, sub, v) => {
    if (sub !== null) return;
    if (f === 1) s = pbInt(v);
    else if (f === 2) n = pbInt(v);
  });
  return s * 1000 + n / 1e6;
}
