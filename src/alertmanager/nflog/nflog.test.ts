import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock, seededRandom } from "../../util/index.ts";
import { NflogQueryError, NotificationLog, decodeMeshEntries, encodeMeshEntries, encodeMeshEntry } from "./index.ts";
import type { MeshEntry } from "./index.ts";

const R = { groupName: "team", integration: "webhook", idx: 0 };
const H = 3n ** 40n; // a hash above 2^53

test("log then query; the receiver index is part of the key", () => {
  const clock = new VirtualClock(10_000);
  const l = new NotificationLog({ clock, retentionMs: 3_600_000 });
  l.log(R, "{}:{a=\"b\"}", [H, 1n], [2n]);
  assert.deepEqual(l.query({ groupKey: "{}:{a=\"b\"}", receiver: R }), [
    { groupKey: "{}:{a=\"b\"}", receiver: R, timestamp: 10_000, firingAlerts: [H, 1n], resolvedAlerts: [2n] },
  ]);
  assert.deepEqual(l.query({ groupKey: "{}:{a=\"b\"}", receiver: { ...R, idx: 1 } }), []);
  assert.throws(() => l.query({ groupKey: "x" }), NflogQueryError);
});

test("entries expire after the retention or the shorter expiry", () => {
  const clock = new VirtualClock(0);
  const l = new NotificationLog({ clock, retentionMs: 100_000 });
  l.log(R, "g1", [1n], []);
  l.log(R, "g2", [1n], [], 10_000);
  clock.advance(10_000);
  assert.equal(l.gc(), 1);
  clock.advance(90_000);
  assert.equal(l.gc(), 1);
  assert.equal(l.size, 0);
});

test("merge keeps the newer timestamp and ignores expired entries; broadcast carries new entries", () => {
  const clock = new VirtualClock(50_000);
  const sent: Uint8Array[] = [];
  const l = new NotificationLog({ clock, retentionMs: 100_000, broadcast: (b) => sent.push(b) });
  l.log(R, "g", [1n], []);
  const entry = (ts: number, firing: bigint[], expiresAt = 1e9): MeshEntry => ({ entry: { groupKey: "g", receiver: R, timestamp: ts, firingAlerts: firing, resolvedAlerts: [] }, expiresAt });
  assert.equal(l.merge(encodeMeshEntry(entry(40_000, [9n]))).length, 0);
  assert.equal(l.merge(encodeMeshEntry(entry(60_000, [7n]))).length, 1);
  assert.equal(l.merge(encodeMeshEntry({ ...entry(70_000, [8n]), expiresAt: 10 })).length, 0);
  assert.deepEqual(l.query({ groupKey: "g", receiver: R })[0]!.firingAlerts, [7n]);
  assert.deepEqual(decodeMeshEntries(sent[0]!)[0]!.entry.firingAlerts, [1n]);
});

test("snapshot file round trip, atomically written", () => {
  const dir = mkdtempSync(join(tmpdir(), "nflog-"));
  const clock = new VirtualClock(1_700_000_000_123);
  const l = new NotificationLog({ clock, retentionMs: 3_600_000 });
  l.log(R, "g", [H], [5n]);
  l.log({ groupName: "other", integration: "slack", idx: 2 }, "h", [], [6n]);
  const path = join(dir, "nflog");
  l.writeSnapshotFile(path);
  const l2 = new NotificationLog({ clock, retentionMs: 3_600_000 });
  l2.loadSnapshotFile(path);
  assert.deepEqual(l2.entries(), l.entries());
  assert.deepEqual(readFileSync(path), Buffer.from(l.snapshot()));
});

test("the encoding is upstream's: packed uint64s, delimited messages (golden bytes)", () => {
  const b = encodeMeshEntries([{ entry: { groupKey: "g", receiver: { groupName: "r", integration: "w", idx: 1 }, timestamp: 1500, firingAlerts: [1n, 300n], resolvedAlerts: [] }, expiresAt: 2000 }]);
  // MeshEntry{entry{1:"g" 2:{1:"r" 2:"w" 3:1} 5:{1:1 2:500000000} 6:[1,300]} 2:{1:2}}
  const want = [0x22, 0x0a, 0x1c, 0x0a, 0x01, 0x67, 0x12, 0x08, 0x0a, 0x01, 0x72, 0x12, 0x01, 0x77, 0x18, 0x01, 0x2a, 0x08, 0x08, 0x01, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01, 0x32, 0x03, 0x01, 0xac, 0x02, 0x12, 0x02, 0x08, 0x02];
  assert.deepEqual([...b], want);
  assert.deepEqual(decodeMeshEntries(b)[0]!.entry.timestamp, 1500);
});

test("seeded random round trips", () => {
  const rnd = seededRandom(42);
  const entries: MeshEntry[] = [];
  for (let i = 0; i < 50; i++) {
    const hashes = Array.from({ length: Math.floor(rnd() * 5) }, () => BigInt.asUintN(64, BigInt(Math.floor(rnd() * 2 ** 52)) * 4099n));
    entries.push({
      entry: { groupKey: `g${i}:{x="${rnd()}"}`, receiver: { groupName: `r${i}`, integration: "webhook", idx: Math.floor(rnd() * 3) }, timestamp: Math.floor(rnd() * 2e12), firingAlerts: hashes, resolvedAlerts: hashes.slice(1) },
      expiresAt: Math.floor(rnd() * 2e12),
    });
  }
  assert.deepEqual(decodeMeshEntries(encodeMeshEntries(entries)), entries);
});
