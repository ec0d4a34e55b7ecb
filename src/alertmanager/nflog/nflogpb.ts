/**
 * The notification log's wire and snapshot format (upstream nflog/nflogpb):
 * a sequence of length-delimited protobuf `MeshEntry` messages (a varint
 * byte length, then the message), as pbutil.WriteDelimited writes them:
 *
 *   MeshEntry { Entry entry = 1; Timestamp expires_at = 2; }
 *   Entry     { bytes group_key = 1; Receiver receiver = 2;
 *               bytes group_hash = 3 (deprecated); bool resolved = 4 (deprecated);
 *               Timestamp timestamp = 5;
 *               repeated uint64 firing_alerts = 6 [packed];
 *               repeated uint64 resolved_alerts = 7 [packed]; }
 *   Receiver  { string group_name = 1; string integration = 2; uint32 idx = 3; }
 *   Timestamp { int64 seconds = 1; int32 nanos = 2; }
 *
 * Alert hashes are uint64, held as bigint. Hand-written encoder and
 * decoder for exactly these messages; unknown fields are skipped, and
 * repeated uint64 fields are read packed or not.
 */

/** A notification target: receiver name, integration name and its index within the receiver. */
export interface NflogReceiver {
  readonly groupName: string;
  readonly integration: string;
  readonly idx: number;
}

/** One notification: what was firing and resolved when a group was last notified. Times are ms. */
export interface NflogEntry {
  readonly groupKey: string;
  readonly receiver: NflogReceiver;
  readonly timestamp: number;
  readonly firingAlerts: readonly bigint[];
  readonly resolvedAlerts: readonly bigint[];
}

/** An entry and when it may be garbage-collected (ms). */
export interface MeshEntry {
  readonly entry: NflogEntry;
  readonly expiresAt: number;
}

/** Bytes that cannot be decoded as nflog entries. */
export class NflogDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NflogDecodeError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Writer {
  readonly bytes: number[] = [];
  varint(v: number): void {
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }
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
  stringField(field: number, s: string): void {
    if (s !== "") this.bytesField(field, encoder.encode(s));
  }
  intField(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, 0);
    if (v < 0) this.bigVarint(BigInt(v));
    else this.varint(v);
  }
  packedField(field: number, vs: readonly bigint[]): void {
    if (vs.length === 0) return;
    const w = new Writer();
    for (const v of vs) w.bigVarint(v);
    this.bytesField(field, w.bytes);
  }
}

function timestamp(ms: number): number[] {
  const w = new Writer();
  const seconds = Math.floor(ms / 1000);
  w.intField(1, seconds);
  w.intField(2, Math.round((ms - seconds * 1000) * 1e6));
  return w.bytes;
}

function encodeEntry(e: NflogEntry): number[] {
  const w = new Writer();
  w.bytesField(1, encoder.encode(e.groupKey));
  const r = new Writer();
  r.stringField(1, e.receiver.groupName);
  r.stringField(2, e.receiver.integration);
  r.intField(3, e.receiver.idx);
  w.bytesField(2, r.bytes);
  w.bytesField(5, timestamp(e.timestamp));
  w.packedField(6, e.firingAlerts);
  w.packedField(7, e.resolvedAlerts);
  return w.bytes;
}

/** Encodes one MeshEntry as a delimited message (what the cluster broadcasts). */
export function encodeMeshEntry(me: MeshEntry): Uint8Array {
  return encodeMeshEntries([me]);
}

/** Encodes entries as a delimited MeshEntry stream (the snapshot format). */
export function encodeMeshEntries(entries: Iterable<MeshEntry>): Uint8Array {
  const out = new Writer();
  for (const me of entries) {
    const w = new Writer();
    w.bytesField(1, encodeEntry(me.entry));
    w.bytesField(2, timestamp(me.expiresAt));
    out.varint(w.bytes.length);
    for (const b of w.bytes) out.bytes.push(b);
  }
  return Uint8Array.from(out.bytes);
}

class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  constructor(buf: Uint8Array, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }
  bigVarint(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new NflogDecodeError("unexpected end of data");
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, v);
      shift += 7n;
      if (shift > 63n) throw new NflogDecodeError("varint overflow");
    }
  }
  varint(): number {
    // Lengths, tags and small values: a plain loop, no BigInt.
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new NflogDecodeError("unexpected end of data");
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
    throw new NflogDecodeError("varint overflow");
  }
  sub(len: number): Reader {
    if (this.pos + len > this.end) throw new NflogDecodeError("unexpected end of data");
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }
  text(): string {
    return decoder.decode(this.buf.subarray(this.pos, this.end));
  }
  /** Calls fn(field, reader-of-value) for length-delimited fields and fn(field, null, varint) for varints. */
  fields(fn: (field: number, sub: Reader | null, v: Reader) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (wire === 0) {
        fn(field, null, this);
      } else if (wire === 2) {
        fn(field, this.sub(this.varint()), this);
      } else if (wire === 1) this.pos += 8;
      else if (wire === 5) this.pos += 4;
      else throw new NflogDecodeError(`unsupported wire type ${wire}`);
    }
  }
}

function readTimestamp(r: Reader): number {
  let s = 0;
  let n = 0;
  r.fields((f, sub, v) => {
    if (sub !== null) return;
    const x = Number(BigInt.asIntN(64, v.bigVarint()));
    if (f === 1) s = x;
    else if (f === 2) n = x;
  });
  return s * 1000 + n / 1e6;
}

function readUint64s(sub: Reader | null, v: Reader, into: bigint[]): void {
  if (sub === null) {
    into.push(v.bigVarint());
    return;
  }
  while (sub.pos < sub.end) into.push(sub.bigVarint());
}

function readEntry(r: Reader): NflogEntry {
  let groupKey = "";
  let receiver: NflogReceiver = { groupName: "", integration: "", idx: 0 };
  let ts = 0;
  const firing: bigint[] = [];
  const resolved: bigint[] = [];
  r.fields((f, sub, v) => {
    if (f === 6) return readUint64s(sub, v, firing);
    if (f === 7) return readUint64s(sub, v, resolved);
    if (sub === null) {
      v.bigVarint();
      return;
    }
    if (f === 1) groupKey = sub.text();
    else if (f === 2) {
      const rc = { groupName: "", integration: "", idx: 0 };
      sub.fields((rf, rs, rv) => {
        if (rs === null) {
          const x = rv.varint();
          if (rf === 3) rc.idx = x;
        } else if (rf === 1) rc.groupName = rs.text();
        else if (rf === 2) rc.integration = rs.text();
      });
      receiver = rc;
    } else if (f === 5) ts = readTimestamp(sub);
  });
  return { groupKey, receiver, timestamp: ts, firingAlerts: firing, resolvedAlerts: resolved };
}

/** Decodes a delimited MeshEntry stream. Throws NflogDecodeError on malformed input. */
export function decodeMeshEntries(buf: Uint8Array): MeshEntry[] {
  const out: MeshEntry[] = [];
  const r = new Reader(buf, 0, buf.length);
  while (r.pos < r.end) {
    const msg = r.sub(r.varint());
    let entry: NflogEntry | null = null;
    let expiresAt = 0;
    msg.fields((f, sub, v) => {
      if (sub === null) v.bigVarint();
      else if (f === 1) entry = readEntry(sub);
      else if (f === 2) expiresAt = readTimestamp(sub);
    });
    if (entry === null) throw new NflogDecodeError("mesh entry without entry");
    out.push({ entry, expiresAt });
  }
  return out;
}
