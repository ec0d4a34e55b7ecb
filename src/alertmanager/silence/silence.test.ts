import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Labels, Matcher, MatchType } from "../../model/index.ts";
import { VirtualClock } from "../../util/index.ts";
import { parseMatchers } from "../matchers/index.ts";
import { SilenceState, Silences, decodeSnapshot, encodeSnapshot, validateSilence } from "./index.ts";
import type { Silence } from "./index.ts";

const T0 = Date.parse("2024-01-01T00:00:00Z");
const MIN = 60_000;
const HOUR = 60 * MIN;

function store(): { clock: VirtualClock; s: Silences } {
  const clock = new VirtualClock(T0);
  return { clock, s: new Silences({ clock, retentionMs: 120 * HOUR }) };
}

const valid: Silence = { id: "x", matchers: parseMatchers("a=b"), startsAt: T0, endsAt: T0 + HOUR, updatedAt: T0, createdBy: "me", comment: "c" };
const invalid: ReadonlyArray<{ name: string; s: Partial<Silence>; err: string }> = [
  { name: "id", s: { id: "" }, err: "ID missing" },
  { name: "no matchers", s: { matchers: [] }, err: "at least one matcher required" },
  { name: "label name", s: { matchers: [new Matcher(MatchType.Equal, "a-b", "c")] }, err: 'invalid label matcher 0: invalid label name "a-b"' },
  { name: "all match empty", s: { matchers: parseMatchers('a="", b=~".*"') }, err: "at least one matcher must not match the empty string" },
  { name: "zero start", s: { startsAt: 0 }, err: "invalid zero start timestamp" },
  { name: "zero end", s: { endsAt: 0 }, err: "invalid zero end timestamp" },
  { name: "end before start", s: { endsAt: T0 - 1 }, err: "end time must not be before start time" },
  { name: "zero update", s: { updatedAt: 0 }, err: "invalid zero update timestamp" },
];
for (const c of invalid) test(`validate: ${c.name}`, () => assert.throws(() => validateSilence({ ...valid, ...c.s }), { name: "SilenceValidationError", message: c.err }));
test("validate: a negative matcher alone is accepted", () => assert.doesNotThrow(() => validateSilence({ ...valid, matchers: parseMatchers('a!=""') })));

test("set creates, starts a past start now, and mutes matching labels while active", () => {
  const { clock, s } = store();
  const id = s.set({ matchers: parseMatchers("job=node"), startsAt: T0 - HOUR, endsAt: T0 + HOUR, createdBy: "me", comment: "x" });
  assert.equal(s.get(id)?.startsAt, T0);
  assert.deepEqual(s.mutes(Labels.fromObject({ job: "node", i: "1" })), [id]);
  assert.deepEqual(s.mutes(Labels.fromObject({ job: "other" })), []);
  clock.advance(HOUR + 1);
  assert.deepEqual(s.mutes(Labels.fromObject({ job: "node" })), []);
  assert.equal(s.query({ states: [SilenceState.Expired] }).length, 1);
});

test("a pending silence mutes only from its start", () => {
  const { clock, s } = store();
  const id = s.set({ matchers: parseMatchers("a=b"), startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR });
  assert.deepEqual(s.query({ states: [SilenceState.Pending] }).map((x) => x.id), [id]);
  assert.deepEqual(s.mutes(Labels.fromObject({ a: "b" })), []);
  clock.advance(HOUR);
  assert.deepEqual(s.mutes(Labels.fromObject({ a: "b" })), [id]);
});

const updates: ReadonlyArray<{ name: string; pending: boolean; change: (sil: Silence) => Partial<Silence>; inPlace: boolean }> = [
  { name: "active: new end and comment update in place", pending: false, change: (x) => ({ endsAt: x.endsAt + HOUR, comment: "longer" }), inPlace: true },
  { name: "active: end moved to now updates in place", pending: false, change: () => ({ endsAt: T0 + 10 * MIN }), inPlace: true },
  { name: "active: new start replaces", pending: false, change: (x) => ({ startsAt: x.startsAt + MIN }), inPlace: false },
  { name: "active: new matchers replace", pending: false, change: () => ({ matchers: parseMatchers("a=c") }), inPlace: false },
  { name: "pending: new start in the future updates in place", pending: true, change: (x) => ({ startsAt: x.startsAt + MIN }), inPlace: true },
  { name: "pending: start in the past replaces", pending: true, change: () => ({ startsAt: T0 }), inPlace: false },
];
for (const c of updates) {
  test(`update: ${c.name}`, () => {
    const { clock, s } = store();
    const start = c.pending ? T0 + HOUR : T0;
    const id = s.set({ matchers: parseMatchers("a=b"), startsAt: start, endsAt: start + HOUR, comment: "c" });
    clock.advance(10 * MIN);
    const prev = s.get(id)!;
    const next = { ...prev, ...c.change(prev) };
    const got = s.set({ id, matchers: next.matchers, startsAt: next.startsAt, endsAt: next.endsAt, comment: next.comment });
    assert.equal(got === id, c.inPlace);
    assert.equal(s.get(got)!.updatedAt, T0 + 10 * MIN);
    if (!c.inPlace) {
      assert.equal(s.size, 2);
      assert.equal(s.get(id)!.endsAt, T0 + 10 * MIN, "the replaced silence is expired now");
    }
  });
}

test("update: an end in the past is rejected and the old silence kept", () => {
  const { clock, s } = store();
  const id = s.set({ matchers: parseMatchers("a=b"), startsAt: T0, endsAt: T0 + HOUR });
  clock.advance(10 * MIN);
  assert.throws(() => s.set({ id, matchers: parseMatchers("a=b"), startsAt: T0, endsAt: T0 + 5 * MIN }), { message: "end time must not be before start time" });
  assert.equal(s.size, 1);
  assert.equal(s.get(id)!.endsAt, T0 + HOUR);
});

test("set with an unknown id fails", () => {
  const { s } = store();
  assert.throws(() => s.set({ id: "nope", matchers: parseMatchers("a=b"), startsAt: T0, endsAt: T0 + HOUR }), { name: "SilenceNotFoundError" });
});

test("set rejects an end in the past (start moves to now)", () => {
  const { s } = store();
  assert.throws(() => s.set({ matchers: parseMatchers("a=b"), startsAt: T0 - 2 * HOUR, endsAt: T0 - HOUR }), { message: "end time must not be before start time" });
});

test("expire: active ends now, pending starts and ends now, expired fails", () => {
  const { clock, s } = store();
  const a = s.set({ matchers: parseMatchers("a=b"), startsAt: T0, endsAt: T0 + HOUR });
  const p = s.set({ matchers: parseMatchers("a=b"), startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR });
  clock.advance(MIN);
  s.expire(a);
  s.expire(p);
  assert.deepEqual([s.get(a)!.endsAt, s.get(p)!.startsAt, s.get(p)!.endsAt], [T0 + MIN, T0 + MIN, T0 + MIN]);
  clock.advance(1);
  assert.throws(() => s.expire(a), { message: `silence ${a} already expired` });
  assert.throws(() => s.expire("nope"), { name: "SilenceNotFoundError" });
});

test("gc deletes silences after the retention", () => {
  const { clock, s } = store();
  s.set({ matchers: parseMatchers("a=b"), startsAt: T0, endsAt: T0 + HOUR });
  clock.advance(HOUR + 120 * HOUR - 1);
  assert.equal(s.gc(), 0);
  clock.advance(1);
  assert.equal(s.gc(), 1);
  assert.equal(s.size, 0);
});

test("query by ids and API filter", () => {
  const { s } = store();
  const a = s.set({ matchers: parseMatchers('job="node", env=~"prod.*"'), startsAt: T0, endsAt: T0 + HOUR });
  s.set({ matchers: parseMatchers("job=db"), startsAt: T0, endsAt: T0 + HOUR });
  assert.deepEqual(s.query({ ids: [a] }).map((x) => x.id), [a]);
  assert.deepEqual(s.query({ filter: parseMatchers("job=node") }).map((x) => x.id), [a]);
  assert.deepEqual(s.query({ filter: parseMatchers("env=~prod.*") }).map((x) => x.id), [a]);
  assert.deepEqual(s.query({ filter: parseMatchers("team=x") }), []);
});

test("snapshot round trip in silencepb format", () => {
  const { clock, s } = store();
  const a = s.set({ matchers: parseMatchers('job="node", env=~"prod.*", x!="1", y!~"2"'), startsAt: T0, endsAt: T0 + HOUR + 1.5, createdBy: "me", comment: "ünïcode" });
  const bytes = s.snapshot();
  const other = new Silences({ clock, retentionMs: 120 * HOUR });
  other.loadSnapshot(bytes);
  const got = other.get(a)!;
  assert.deepEqual(
    got.matchers.map((m) => [m.type, m.name, m.value]),
    s.get(a)!.matchers.map((m) => [m.type, m.name, m.value]),
  );
  assert.deepEqual([got.startsAt, got.endsAt, got.updatedAt, got.createdBy, got.comment], [T0, T0 + HOUR + 1.5, T0, "me", "ünïcode"]);
  const dir = mkdtempSync(path.join(tmpdir(), "silences-"));
  try {
    s.writeSnapshotFile(path.join(dir, "silences"));
    const third = new Silences({ clock, retentionMs: 0 });
    third.loadSnapshotFile(path.join(dir, "silences"));
    assert.equal(third.size, 1);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("snapshot bytes follow protobuf encoding", () => {
  const bytes = encodeSnapshot([
    { silence: { id: "a", matchers: [{ type: MatchType.Regexp, name: "n", pattern: "p" }], startsAt: 1000, endsAt: 2000, updatedAt: 1500, createdBy: "", comment: "" }, expiresAt: 3000 },
  ]);
  // MeshSilence{1: Silence{1:"a", 2:Matcher{1:1,2:"n",3:"p"}, 3:{1:1}, 4:{1:2}, 5:{1:1,2:500000000}}, 2:{1:3}}
  const silence = [0x0a, 1, 0x61, 0x12, 8, 0x08, 1, 0x12, 1, 0x6e, 0x1a, 1, 0x70, 0x1a, 2, 0x08, 1, 0x22, 2, 0x08, 2, 0x2a, 8, 0x08, 1, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01];
  const mesh = [0x0a, silence.length, ...silence, 0x12, 2, 0x08, 3];
  assert.deepEqual([...bytes], [mesh.length, ...mesh]);
  assert.equal(decodeSnapshot(bytes)[0]!.silence.updatedAt, 1500);
});

test("merge: newer updates win, expired entries are ignored, local changes are broadcast", () => {
  const clock = new VirtualClock(1_000_000);
  const sent: Uint8Array[] = [];
  const a = new Silences({ clock, retentionMs: 3_600_000, broadcast: (b) => sent.push(b) });
  const b = new Silences({ clock, retentionMs: 3_600_000 });
  const id = a.set({ matchers: [new Matcher(MatchType.Equal, "x", "1")], startsAt: clock.now(), endsAt: clock.now() + 60_000, comment: "c" });
  assert.equal(sent.length, 1);
  assert.deepEqual(b.merge(sent[0]!), [id]);
  assert.deepEqual(b.merge(sent[0]!), [], "same update twice changes nothing");
  clock.advance(1000);
  a.expire(id);
  assert.deepEqual(b.merge(sent[1]!), [id]);
  assert.equal(b.get(id)!.endsAt, clock.now());
  const d = new Silences({ clock, retentionMs: 0 });
  d.set({ matchers: [new Matcher(MatchType.Equal, "y", "1")], startsAt: clock.now(), endsAt: clock.now() + 1000 });
  clock.advance(2000);
  assert.deepEqual(new Silences({ clock, retentionMs: 0 }).merge(d.snapshot()), [], "entries past their expiry are not merged");
});
