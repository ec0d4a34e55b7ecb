/**
 * The silences snapshot format of Alertmanager: a sequence of
 * length-delimited protobuf `silencepb.MeshSilence` messages (a varint
 * byte length, then the message), as written by pbutil.WriteDelimited:
 *
 *   MeshSilence { Silence silence = 1; Timestamp expires_at = 2; }
 *   Silence     { string id = 1; repeated Matcher matchers = 2;
 *                 Timestamp starts_at = 3; ends_at = 4; updated_at = 5;
 *                 string created_by = 8; string comment = 9; }
 *   Matcher     { Type type = 1 (EQUAL 0, REGEXP 1, NOT_EQUAL 2, NOT_REGEXP 3);
 *                 string name = 2; string pattern = 3; }
 *   Timestamp   { int64 seconds = 1; int32 nanos = 2; }
 *
 * Hand-written encoder and decoder for exactly these messages; unknown
 * fields are skipped when reading.
 */

import { MatchType } from "../../model/index.ts";

/** A silence as stored: matchers as type/name/pattern, times in ms. */
export interface StoredSilence {
  id: string;
  matchers: Array<{ type: MatchType; name: string; pattern: string }>;
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  createdBy: string;
  comment: string;
}

/** A stored silence and the time after which it may be garbage-collected (ms). */
export interface MeshSilence {
  silence: StoredSilence;
  expiresAt: number;
}

/** A snapshot that cannot be decoded. */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnapshotError";
  }
}

const PB_TYPE: Readonly<Record<MatchType, number>> = { "=": 0, "=~": 1, "!=": 2, "!~": 3 };
const FROM_PB: readonly MatchType[] = [MatchType.Equal, MatchType.Regexp, MatchType.NotEqual, MatchType.NotRegexp];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Writer {
  readonly bytes: number[] = [];
  varint(v: number): void {
    // Non-negative integers up to 2^53; negative int64 values take 10 bytes (two's complement).
    if (v < 0) {
      let big = BigInt.asUintN(64, BigInt(v));
      while (big >= 0x80n) {
        this.bytes.push(Number(big & 0x7fn) | 0x80);
        big >>= 7n;
      }
      this.bytes.push(Number(big));
      return;
    }
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }
  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  bytesField(field: number, b: ArrayLike<number>): void {
    this.tag(field, 2);
    this.varint(b.length);
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]!);
  }
  stringField(field: number, s: string): void {
    if (s !== "") this.bytesField(field, encoder.encode(s));
  }
  intField(field: number, v: number): void {
    if (v !== 0) {
      this.tag(field, 0);
      this.varint(v);
    }
  }
}

function timestamp(ms: number): number[] {
  const w = new Writer();
  const seconds = Math.floor(ms / 1000);
  w.intField(1, seconds);
  w.intField(2, Math.round((ms - seconds * 1000) * 1e6));
  return w.bytes;
}

function encodeSilence(s: StoredSilence): number[] {
  const w = new Writer();
  w.stringField(1, s.id);
  for (const m of s.matchers) {
    const mw = new Writer();
    mw.intField(1, PB_TYPE[m.type]);
    mw.stringField(2, m.name);
    mw.stringField(3, m.pattern);
    w.bytesField(2, mw.bytes);
  }
  w.bytesField(3, timestamp(s.startsAt));
  w.bytesField(4, timestamp(s.endsAt));
  w.bytesField(5, timestamp(s.updatedAt));
  w.stringField(8, s.createdBy);
  w.stringField(9, s.comment);
  return w.bytes;
}

/** Encodes silences as a delimited MeshSilence stream. */
export function encodeSnapshot(silences: Iterable<MeshSilence>): Uint8Array {
  const out = new Writer();
  for (const ms of silences) {
    const w = new Writer();
    w.bytesField(1, encodeSilence(ms.silence));
    w.bytesField(2, timestamp(ms.expiresAt));
    out.varint(w.bytes.length);
    for (const b of w.bytes) out.bytes.push(b);
  }
  return Uint8Array.from(out.bytes);
}

class Reader {
  readonly buf: Uint8Array;
  pos: number;
  end: number;
  constructor(buf: Uint8Array, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }
  varint(): number {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new SnapshotError("unexpected end of snapshot");
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7n;
      if (shift > 63n) throw new SnapshotError("varint overflow");
    }
    return Number(BigInt.asIntN(64, v));
  }
  /** Reads fields until the end, calling fn(field, wire, sub-reader for length-delimited). */
  fields(fn: (field: number, wire: number, value: number, sub: Reader | null) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (wire === 0) fn(field, wire, this.varint(), null);
      else if (wire === 2) {
        const len = this.varint();
        if (this.pos + len > this.end) throw new SnapshotError("unexpected end of snapshot");
        fn(field, wire, len, new Reader(this.buf, this.pos, this.pos + len));
        this.pos += len;
      } else if (wire === 1) this.pos += 8;
      else if (wire === 5) this.pos += 4;
      else throw new SnapshotError(`unsupported wire type ${wire}`);
    }
  }
  text(): string {
    return decoder.decode(this.buf.subarray(this.pos, this.end));
  }
}

function readTimestamp(r: Reader): number {
  let s = 0;
  let n = 0;
  r.fields((f, _w, v) => {
    if (f === 1) s = v;
    else if (f === 2) n = v;
  });
  return s * 1000 + n / 1e6;
}

function readSilence(r: Reader): StoredSilence {
  const s: StoredSilence = { id: "", matchers: [], startsAt: 0, endsAt: 0, updatedAt: 0, createdBy: "", comment: "" };
  r.fields((f, _w, _v, sub) => {
    if (sub === null) return;
    if (f === 1) s.id = sub.text();
    else if (f === 2) {
      const m = { type: MatchType.Equal as MatchType, name: "", pattern: "" };
      sub.fields((mf, _mw, mv, ms) => {
        if (mf === 1) m.type = FROM_PB[mv] ?? MatchType.Equal;
        else if (mf === 2 && ms !== null) m.name = ms.text();
        else if (mf === 3 && ms !== null) m.pattern = ms.text();
      });
      s.matchers.push(m);
    } else if (f === 3) s.startsAt = readTimestamp(sub);
    else if (f === 4) s.endsAt = readTimestamp(sub);
    else if (f === 5) s.updatedAt = readTimestamp(sub);
    else if (f === 8) s.createdBy = sub.text();
    else if (f === 9) s.comment = sub.text();
  });
  return s;
}

/** Decodes a delimited MeshSilence stream. Throws SnapshotError on malformed input. */
export function decodeSnapshot(buf: Uint8Array): MeshSilence[] {
  const out: MeshSilence[] = [];
  const r = new Reader(buf, 0, buf.length);
  while (r.pos < r.end) {
    const len = r.varint();
    if (r.pos + len > r.end) throw new SnapshotError("unexpected end of snapshot");
    const msg = new Reader(buf, r.pos, r.pos + len);
    r.pos += len;
    let silence: StoredSilence | null = null;
    let expiresAt = 0;
    msg.fields((f, _w, _v, sub) => {
      if (f === 1 && sub !== null) silence = readSilence(sub);
      else if (f === 2 && sub !== null) expiresAt = readTimestamp(sub);
    });
    if (silence === null) throw new SnapshotError("mesh silence without silence");
    out.push({ silence, expiresAt });
  }
  return out;
}
