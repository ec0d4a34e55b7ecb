import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../../model/index.ts";
import { VirtualClock } from "../../util/index.ts";
import { Alerts } from "../alert/index.ts";
import { loadConfig } from "../config/index.ts";
import type { NotifyContext, Stage } from "../notify/index.ts";
import { Marker, newAlert } from "../types/index.ts";
import type { Alert } from "../types/index.ts";
import { Dispatcher, labelSetString, newRoute } from "./index.ts";

const CONFIG = `
route:
  receiver: default
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
  - matchers: ['team="db"']
    receiver: db
    group_by: ['...']
receivers:
- name: default
- name: db
`;

interface Flush {
  at: number;
  receiver: string;
  groupKey: string;
  alerts: string[];
}

function setup(start = 0): { clock: VirtualClock; store: Alerts; flushes: Flush[]; d: Dispatcher } {
  const clock = new VirtualClock(start);
  const marker = new Marker();
  const store = new Alerts({ clock, marker });
  const flushes: Flush[] = [];
  const stage: Stage = {
    async exec(ctx: NotifyContext, alerts: readonly Alert[]) {
      flushes.push({
        at: ctx.now,
        receiver: ctx.receiver,
        groupKey: ctx.groupKey,
        alerts: alerts.map((a) => `${a.labels.get("instance")}${a.endsAt === 0 ? "" : "(resolved)"}`),
      });
      return { ctx, alerts: [] };
    },
  };
  const d = new Dispatcher({ route: newRoute(loadConfig(CONFIG).route), alerts: store, stage, marker, clock });
  d.start();
  return { clock, store, flushes, d };
}

function alert(labels: Record<string, string>, startsAt: number, endsAt: number, updatedAt: number): Alert {
  return newAlert({ labels: Labels.fromObject(labels), annotations: Labels.EMPTY, startsAt, endsAt, generatorURL: "", updatedAt, timeout: false });
}

test("timeline: group_wait, then group_interval; late alerts wait for the next tick; resolved alerts leave after being sent", async () => {
  const { clock, store, flushes, d } = setup();
  const H = 3_600_000 * 10;
  await clock.advanceToAsync(1000);
  store.put(alert({ alertname: "Down", instance: "a" }, 1000, H, 1000));
  await clock.advanceToAsync(30_999);
  assert.equal(flushes.length, 0);
  await clock.advanceToAsync(31_000);
  assert.deepEqual(flushes, [{ at: 31_000, receiver: "default", groupKey: '{}:{alertname="Down"}', alerts: ["a"] }]);
  await clock.advanceToAsync(40_000);
  store.put(alert({ alertname: "Down", instance: "b" }, 40_000, H, 40_000));
  await clock.advanceToAsync(330_999);
  assert.equal(flushes.length, 1);
  await clock.advanceToAsync(331_000);
  assert.deepEqual(flushes[1]!.alerts, ["a", "b"]);
  await clock.advanceToAsync(400_000);
  store.put(alert({ alertname: "Down", instance: "a" }, 1000, 400_000, 400_000));
  await clock.advanceToAsync(631_000);
  assert.deepEqual(flushes[2], { at: 631_000, receiver: "default", groupKey: '{}:{alertname="Down"}', alerts: ["a(resolved)", "b"] });
  await clock.advanceToAsync(931_000);
  assert.deepEqual(flushes[3]!.alerts, ["b"]);
  d.stop();
});

test("an alert older than group_wait in a new group flushes at once", async () => {
  const { clock, store, flushes, d } = setup(100_000);
  store.put(alert({ alertname: "Old", instance: "x" }, 1000, 10_000_000, 100_000));
  await clock.advanceAsync(0);
  assert.deepEqual(flushes.map((f) => f.at), [100_000]);
  d.stop();
});

test("routes with `...` group by all labels; groups() lists them sorted with receivers", async () => {
  const { clock, store, d } = setup(1000);
  store.put(alert({ alertname: "Q", team: "db", instance: "1" }, 1000, 9e6, 1000));
  store.put(alert({ alertname: "Q", team: "db", instance: "2" }, 1000, 9e6, 1000));
  store.put(alert({ alertname: "Q", instance: "3" }, 1000, 9e6, 1000));
  await clock.advanceAsync(0);
  const { groups, receivers } = d.groups();
  assert.deepEqual(
    groups.map((g) => [g.receiver, labelSetString(g.labels), g.alerts.length]),
    [
      ["default", '{alertname="Q"}', 1],
      ["db", '{alertname="Q", instance="1", team="db"}', 1],
      ["db", '{alertname="Q", instance="2", team="db"}', 1],
    ],
  );
  assert.deepEqual([...receivers.values()].sort(), [["db"], ["db"], ["default"]]);
  assert.equal(groups[1]!.groupKey, '{}/{team="db"}:{alertname="Q", instance="1", team="db"}');
  d.stop();
});

test("maintenance removes groups emptied by a flush", async () => {
  const { clock, store, d } = setup(0);
  store.put(alert({ alertname: "R", instance: "a" }, 0, 10_000, 0));
  await clock.advanceToAsync(30_000);
  assert.equal(d.aggrGroups().length, 1);
  await clock.advanceToAsync(60_000);
  assert.equal(d.aggrGroups().length, 0);
  d.stop();
});
