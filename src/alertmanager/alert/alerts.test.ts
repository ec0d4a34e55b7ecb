import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../../model/index.ts";
import { VirtualClock } from "../../util/index.ts";
import { Marker, newAlert } from "../types/index.ts";
import type { Alert } from "../types/index.ts";
import { AlertValidationError, Alerts, normalizeAlert } from "./index.ts";

const L = Labels.fromObject({ alertname: "A", job: "j" });
const mk = (startsAt: number, endsAt: number, updatedAt: number, timeout = false): Alert =>
  newAlert({ labels: L, annotations: Labels.EMPTY, startsAt, endsAt, generatorURL: "", updatedAt, timeout });

test("normalizeAlert fills start, end (resolve_timeout) and validates", () => {
  const a = normalizeAlert({ labels: L }, 1000, 300_000);
  assert.deepEqual([a.startsAt, a.endsAt, a.updatedAt, a.timeout], [1000, 301_000, 1000, true]);
  const b = normalizeAlert({ labels: L, endsAt: 500 }, 1000, 300_000);
  assert.deepEqual([b.startsAt, b.endsAt, b.timeout], [500, 500, false]);
  assert.throws(() => normalizeAlert({ labels: Labels.EMPTY }, 1000, 1), AlertValidationError);
  assert.throws(() => normalizeAlert({ labels: L, startsAt: 900, endsAt: 800 }, 1000, 1), /start time must be before end time/);
});

const mergeCases: ReadonlyArray<{ name: string; old: Alert; next: Alert; now: number; want: [number, number] }> = [
  { name: "re-sent firing alert keeps the earliest start and extends", old: mk(100, 400, 100, true), next: mk(200, 500, 200, true), now: 250, want: [100, 500] },
  { name: "explicit end of the older alert wins when later", old: mk(100, 900, 100, false), next: mk(200, 500, 200, true), now: 250, want: [100, 900] },
  { name: "timeout end of the older alert does not win", old: mk(100, 900, 100, true), next: mk(200, 500, 200, true), now: 250, want: [100, 500] },
  { name: "resolved update ends the alert", old: mk(100, 900, 100, true), next: mk(100, 240, 200, false), now: 250, want: [100, 240] },
];
for (const c of mergeCases) {
  test(`put merges: ${c.name}`, () => {
    const clock = new VirtualClock(c.now);
    const s = new Alerts({ clock, marker: new Marker() });
    s.put(c.old);
    s.put(c.next);
    const got = s.get(c.old.fingerprint)!;
    assert.deepEqual([got.startsAt, got.endsAt], c.want);
  });
}

test("a non-overlapping alert replaces the stored one", () => {
  const s = new Alerts({ clock: new VirtualClock(1000), marker: new Marker() });
  s.put(mk(100, 200, 100));
  s.put(mk(500, 900, 500));
  assert.deepEqual([s.get(mk(0, 0, 0).fingerprint)!.startsAt], [500]);
});

test("subscribe replays current alerts, then new ones; gc drops resolved alerts and their marks", () => {
  const clock = new VirtualClock(1000);
  const marker = new Marker();
  const s = new Alerts({ clock, marker, gcIntervalMs: 60_000 });
  const other = newAlert({ labels: Labels.fromObject({ alertname: "B" }), annotations: Labels.EMPTY, startsAt: 1000, endsAt: 5000, generatorURL: "", updatedAt: 1000, timeout: true });
  s.put(mk(1000, 2000, 1000));
  const seen: string[] = [];
  const unsub = s.subscribe((a) => seen.push(a.labels.get("alertname")));
  s.put(other);
  unsub();
  s.put(other);
  assert.deepEqual(seen, ["A", "B"]);
  marker.setInhibited(mk(0, 0, 0).fingerprint, []);
  const dropped: number[] = [];
  s.onGC((d) => dropped.push(d.length));
  s.start();
  clock.advance(60_000);
  assert.equal(s.size, 0);
  assert.deepEqual(dropped, [2]);
  assert.equal(marker.status(mk(0, 0, 0).fingerprint).state, "unprocessed");
  s.stop();
});
