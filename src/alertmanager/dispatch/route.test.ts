import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../../model/index.ts";
import { loadConfig } from "../config/index.ts";
import { formatMatchingTree, formatRouteTree, newRoute } from "./index.ts";

// The routing tree of upstream's dispatch/route_test.go TestRouteMatch.
const TREE = `
route:
  receiver: 'notify-def'
  routes:
  - match:
      owner: 'team-A'
    receiver: 'notify-A'
    routes:
    - match:
        env: 'testing'
      receiver: 'notify-testing'
      group_by: [...]
    - match:
        env: "production"
      receiver: 'notify-productionA'
      group_wait: 1m
      continue: true
    - match_re:
        env: "produ.*"
        job: ".*"
      receiver: 'notify-productionB'
      group_wait: 30s
      group_interval: 5m
      repeat_interval: 1h
      group_by: ['job']
  - match_re:
      owner: 'team-(B|C)'
    group_by: ['foo', 'bar']
    group_wait: 2m
    receiver: 'notify-BC'
  - match:
      group_by: 'role'
    group_by: ['role']
    routes:
    - match:
        env: 'testing'
      receiver: 'notify-testing'
      routes:
      - match:
          wait: 'long'
        group_wait: 2m
receivers:
- name: notify-def
- name: notify-A
- name: notify-testing
- name: notify-productionA
- name: notify-productionB
- name: notify-BC
`;

const root = newRoute(loadConfig(TREE).route);

const cases: ReadonlyArray<{ name: string; labels: Record<string, string>; want: Array<{ receiver: string; key: string; groupBy: string[]; groupByAll?: boolean; groupWaitMs: number; groupIntervalMs: number; repeatIntervalMs: number }> }> = [
  { name: "no match goes to the root", labels: { owner: "team-A" }, want: [{ receiver: "notify-A", key: '{}/{owner="team-A"}', groupBy: [], groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 }] },
  { name: "root only", labels: { owner: "team-X" }, want: [{ receiver: "notify-def", key: "{}", groupBy: [], groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 }] },
  {
    name: "group by all",
    labels: { owner: "team-A", env: "testing" },
    want: [{ receiver: "notify-testing", key: '{}/{owner="team-A"}/{env="testing"}', groupBy: [], groupByAll: true, groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 }],
  },
  {
    name: "continue reaches the next sibling",
    labels: { owner: "team-A", env: "production" },
    want: [
      { receiver: "notify-productionA", key: '{}/{owner="team-A"}/{env="production"}', groupBy: [], groupWaitMs: 60_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 },
      { receiver: "notify-productionB", key: '{}/{owner="team-A"}/{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}', groupBy: ["job"], groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 3_600_000 },
    ],
  },
  { name: "regex sibling", labels: { owner: "team-C" }, want: [{ receiver: "notify-BC", key: '{}/{owner=~"^(?:team-(B|C))$"}', groupBy: ["bar", "foo"], groupWaitMs: 120_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 }] },
  {
    name: "inherited receiver and group_by",
    labels: { group_by: "role", env: "testing", wait: "long" },
    want: [{ receiver: "notify-testing", key: '{}/{group_by="role"}/{env="testing"}/{wait="long"}', groupBy: ["role"], groupWaitMs: 120_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 }],
  },
];
for (const c of cases) {
  test(`match: ${c.name}`, () => {
    const got = root.match(Labels.fromObject(c.labels)).map((r) => ({
      receiver: r.opts.receiver,
      key: r.key(),
      groupBy: [...r.opts.groupBy],
      ...(r.opts.groupByAll ? { groupByAll: true } : {}),
      groupWaitMs: r.opts.groupWaitMs,
      groupIntervalMs: r.opts.groupIntervalMs,
      repeatIntervalMs: r.opts.repeatIntervalMs,
    }));
    assert.deepEqual(got, c.want);
  });
}

test("ids add the sibling index", () => {
  const ids: string[] = [];
  root.walk((r) => ids.push(r.id()));
  assert.deepEqual(ids.slice(0, 3), ["{}", '{}/{owner="team-A"}/0', '{}/{owner="team-A"}/0/{env="testing"}/0']);
  assert.equal(ids.length, 9);
});

test("routes with equal matchers have equal keys but distinct ids", () => {
  const r = newRoute(loadConfig("route:\n  receiver: a\n  routes:\n  - matchers: ['x=1']\n  - matchers: ['x=1']\nreceivers:\n- name: a\n").route);
  assert.equal(r.routes[0]!.key(), r.routes[1]!.key());
  assert.notEqual(r.routes[0]!.id(), r.routes[1]!.id());
});

test("time intervals are not inherited", () => {
  const r = newRoute(
    loadConfig("time_intervals:\n- name: t\nroute:\n  receiver: a\n  routes:\n  - matchers: ['x=1']\n    mute_time_intervals: [t]\n    routes:\n    - matchers: ['y=1']\nreceivers:\n- name: a\n").route,
  );
  assert.deepEqual(r.routes[0]!.opts.muteTimeIntervals, ["t"]);
  assert.deepEqual(r.routes[0]!.routes[0]!.opts.muteTimeIntervals, []);
});

test("tree print as amtool config routes show", () => {
  const r = newRoute(loadConfig("route:\n  receiver: a\n  routes:\n  - matchers: ['x=1']\n    continue: true\n    routes:\n    - matchers: ['y=~\"2|3\"']\n      receiver: b\n  - matchers: ['z!=4']\nreceivers:\n- name: a\n- name: b\n").route);
  assert.equal(
    formatRouteTree(r, { showContinue: true, showReceiver: true }),
    `.
└── default-route  receiver: a
    ├── {x="1"}, continue: true  receiver: a
    │   └── {y=~"2|3"}  receiver: b
    └── {z!="4"}  receiver: a
`,
  );
  assert.equal(
    formatMatchingTree(r, Labels.fromObject({ x: "1", y: "2" })),
    `.
└── default-route
    ├── {x="1"}
    │   └── {y=~"2|3"}  receiver: b
    └── {z!="4"}  receiver: a
`,
  );
});
