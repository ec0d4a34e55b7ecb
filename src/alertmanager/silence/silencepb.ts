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
 * Encoder and decoder for exactly these messages on the shared wire format
 * of ../pb.
 */

import { MatchType } from "../../model/index.ts";
import { PBReader, PBWriter, pbInt, pbTimestamp, readPBTimestamp } from "../pb/index.ts";

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
const fail = (message: string): Error => new SnapshotError(message);

function encodeSilence(s: StoredSilence): number[] {
  const w = new PBWriter();
  w.stringField(1, s.id);
  for (const m of s.matchers) {
    const mw = new PBWriter();
    mw.intField(1, PB_TYPE[m.type]);
    mw.stringField(2, m.name);
    mw.stringField(3, m.pattern);
    w.bytesField(2, mw.bytes);
  }
  w.bytesField(3, pbTimestamp(s.startsAt));
  w.bytesField(4, pbTimestamp(s.endsAt));
  w.bytesField(5, pbTimestamp(s.updatedAt));
  w.stringField(8, s.createdBy);
  w.stringField(9, s.comment);
  return w.bytes;
}

/** Encodes silences as a delimited MeshSilence stream. */
export function encodeSnapshot(silences: Iterable<MeshSilence>): Uint8Array {
  const out = new PBWriter();
  for (const ms of silences) {
    const w = new PBWriter();
    w.bytesField(1, encodeSilence(ms.silence));
    w.bytesField(2, pbTimestamp(ms.expiresAt));
    out.delimited(w.bytes);
  }
  return Uint8Array.from(out.bytes);
}

function readSilence(r: PBReader): StoredSilence {
  const s: StoredSilence = { id: "", matchers: [], startsAt: 0, endsAt: 0, updatedAt: 0, createdBy: "", comment: "" };
  r.fields((f, sub) => {
    if (sub === null) return;
    if (f === 1) s.id = sub.text();
    else if (f === 2) {
      const m = { type: MatchType.Equal as MatchType, name: "", pattern: "" };
      sub.fields((mf, ms, mv) => {
        if (mf === 1 && ms === null) m.type = FROM_PB[pbInt(mv)] ?? MatchType.Equal;
        else if (mf === 2 && ms !== null) m.name = ms.text();
        else if (mf === 3 && ms !== null) m.pattern = ms.text();
      });
      s.matchers.push(m);
    } else if (f === 3) s.startsAt = readPBTimestamp(sub);
    else if (f === 4) s.endsAt = readPBTimestamp(sub);
    else if (f === 5) s.updatedAt = readPBTimestamp(sub);
    else if (f === 8) s.createdBy = sub.text();
    else if (f === 9) s.comment = sub.text();
  });
  return s;
}

/** Decodes a delimited MeshSilence stream. Throws SnapshotError on malformed input. */
export function decodeSnapshot(buf: Uint8Array): MeshSilence[] {
  const out: MeshSilence[] = [];
  new PBReader(buf, 0, buf.length, fail).delimited((msg) => {
    let silence: StoredSilence | null = null;
    let expiresAt = 0;
    msg.fields((f, sub) => {
      if (f === 1 && sub !== null) silence = readSilence(sub);
      else if (f === 2 && sub !== null) expiresAt = readPBTimestamp(sub);
    });
    if (silence === null) throw new SnapshotError("mesh silence without silence");
    out.push({ silence, expiresAt });
  });
  return out;
}
