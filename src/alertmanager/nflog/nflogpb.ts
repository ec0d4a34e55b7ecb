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
 * Alert hashes are uint64, held as bigint. Encoder and decoder for exactly
 * these messages on the shared wire format of ../pb; repeated uint64
 * fields are read packed or not.
 */

import { PBReader, PBWriter, pbTimestamp, readPBTimestamp } from "../pb/index.ts";

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
const fail = (message: string): Error => new NflogDecodeError(message);

function encodeEntry(e: NflogEntry): number[] {
  const w = new PBWriter();
  w.bytesField(1, encoder.encode(e.groupKey));
  const r = new PBWriter();
  r.stringField(1, e.receiver.groupName);
  r.stringField(2, e.receiver.integration);
  r.intField(3, e.receiver.idx);
  w.bytesField(2, r.bytes);
  w.bytesField(5, pbTimestamp(e.timestamp));
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
  const out = new PBWriter();
  for (const me of entries) {
    const w = new PBWriter();
    w.bytesField(1, encodeEntry(me.entry));
    w.bytesField(2, pbTimestamp(me.expiresAt));
    out.delimited(w.bytes);
  }
  return Uint8Array.from(out.bytes);
}

function readUint64s(sub: PBReader | null, v: bigint, into: bigint[]): void {
  if (sub === null) {
    into.push(v);
    return;
  }
  while (sub.pos < sub.end) into.push(sub.bigVarint());
}

function readEntry(r: PBReader): NflogEntry {
  let groupKey = "";
  let receiver: NflogReceiver = { groupName: "", integration: "", idx: 0 };
  let ts = 0;
  const firing: bigint[] = [];
  const resolved: bigint[] = [];
  r.fields((f, sub, v) => {
    if (f === 6) return readUint64s(sub, v, firing);
    if (f === 7) return readUint64s(sub, v, resolved);
    if (sub === null) return;
    if (f === 1) groupKey = sub.text();
    else if (f === 2) {
      const rc = { groupName: "", integration: "", idx: 0 };
      sub.fields((rf, rs, rv) => {
        if (rs === null) {
          if (rf === 3) rc.idx = Number(rv);
        } else if (rf === 1) rc.groupName = rs.text();
        else if (rf === 2) rc.integration = rs.text();
      });
      receiver = rc;
    } else if (f === 5) ts = readPBTimestamp(sub);
  });
  return { groupKey, receiver, timestamp: ts, firingAlerts: firing, resolvedAlerts: resolved };
}

/** Decodes a delimited MeshEntry stream. Throws NflogDecodeError on malformed input. */
export function decodeMeshEntries(buf: Uint8Array): MeshEntry[] {
  const out: MeshEntry[] = [];
  new PBReader(buf, 0, buf.length, fail).delimited((msg) => {
    let entry: NflogEntry | null = null;
    let expiresAt = 0;
    msg.fields((f, sub) => {
      if (sub === null) return;
      if (f === 1) entry = readEntry(sub);
      else if (f === 2) expiresAt = readPBTimestamp(sub);
    });
    if (entry === null) throw new NflogDecodeError("mesh entry without entry");
    out.push({ entry, expiresAt });
  });
  return out;
}
