import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Labels } from "../model/index.ts";
import { Engine } from "../promql/engine/index.ts";
import { MemoryStorage } from "../storage/index.ts";
import { VirtualClock } from "../util/index.ts";
import {
  AlertingRule,
  alertsAPIData,
  engineQueryFunc,
  type Group,
  Manager,
  type ManagerOptions,
  type NotifyAlert,
  RuleHealth,
  RuleLoadError,
  rulesAPIData,
  RulesAPIParamError,
} from "./index.ts";

const MIN = 60_000;

interface Env {
  m: Manager;
  st: MemoryStorage;
  engine: Engine;
  clock: VirtualClock;
  sent: NotifyAlert[][];
  dir: string;
  write(name: string, yaml: string): string;
  group(i?: number): Group;
  query(qs: string, t: number): Promise<Record<string, number>>;
}

/** A manager over memory storage on a virtual clock; `restored` skips the first-load `for` restore. */
function setup(opts: Partial<ManagerOptions> = {}, startMs = 0): Env {
  const st = new MemoryStorage();
  const engine = new Engine();
  const clock = new VirtualClock(startMs);
  const sent: NotifyAlert[][] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "rules-test-"));
  const m = new Manager({
    queryFn: engineQueryFunc(engine, st),
    appendable: st,
    queryable: st,
    clock,
    notify: (a) => sent.push(a),
    ...opts,
  });
  return {
    m,
    st,
    engine,
    clock,
    sent,
    dir,
    write(name, yaml) {
      const f = path.join(dir, name);
      writeFileSync(f, yaml);
      return f;
    },
    group(i = 0) {
      return m.ruleGroups()[i]!;
    },
    async query(qs, t) {
      const res = await engine.newInstantQuery(st, qs, t).exec();
      const out: Record<string, number> = {};
      if (res.value.type === "vector") for (const s of res.value.vector) out[s.metric.toString()] = s.f;
      return out;
    },
  };
}

/** Appends `v(t)` for series `lset` every `step` ms over [from, to]. */
async function load(st: MemoryStorage, lset: Record<string, string>, from: number, to: number, step: number, v: (t: number) => number): Promise<void> {
  const app = st.appender();
  const l = Labels.fromObject(lset);
  for (let t = from; t <= to; t += step) app.append(0, l, t, v(t));
  await app.commit();
}

/** Loads a rule file after an empty load, so rules count as restored (a reload, as after the first config load). */
async function loadRules(e: Env, yaml: string, intervalMs = MIN): Promise<string> {
  await e.m.update([], { evaluationIntervalMs: intervalMs });
  const f = e.write("rules.yml", yaml);
  await e.m.update([f], { evaluationIntervalMs: intervalMs });
  return f;
}

test("recording rules chain within a group: later rules see earlier results", async () => {
  const e = setup();
  await load(e.st, { __name__: "req", i: "1" }, 0, 10 * MIN, MIN, () => 3);
  await load(e.st, { __name__: "req", i: "2" }, 0, 10 * MIN, MIN, () => 4);
  await loadRules(
    e,
    `groups:
- name: chain
  rules:
  - record: job:req:sum
    expr: sum(req)
    labels: {env: prod}
  - record: job:req:double
    expr: job:req:sum * 2
`,
  );
  await e.group().evalIteration(MIN);
  assert.deepEqual(await e.query("job:req:sum", MIN), { '{__name__="job:req:sum", env="prod"}': 7 });
  assert.deepEqual(await e.query("job:req:double", MIN), { '{__name__="job:req:double", env="prod"}': 14 });
  const [r1, r2] = e.group().rules;
  assert.equal(r1!.health, RuleHealth.Good);
  assert.equal(r2!.health, RuleHealth.Good);
  assert.equal(e.group().lastEvalTimestamp, MIN);
});

test("a recording rule's vanished series gets a stale marker", async () => {
  const e = setup();
  await load(e.st, { __name__: "x", i: "1" }, 0, 10 * MIN, MIN, () => 10);
  await load(e.st, { __name__: "x", i: "2" }, 0, 10 * MIN, MIN, (t) => (t < 3 * MIN ? 10 : 0));
  await loadRules(e, "groups:\n- name: g\n  rules:\n  - record: x:high\n    expr: x > 5\n");
  for (const t of [MIN, 2 * MIN, 3 * MIN]) await e.group().evalIteration(t);
  // Without the marker, x:high{i="2"} would still show within the 5m lookback.
  assert.deepEqual(Object.keys(await e.query("x:high", 3 * MIN)), ['{__name__="x:high", i="1"}']);
  assert.deepEqual(Object.keys(await e.query("x:high", 2 * MIN)).length, 2);
});

test("recording rule limit and duplicate label sets make the rule unhealthy", async () => {
  const e = setup();
  await load(e.st, { __name__: "m", l: "1" }, 0, MIN, MIN, () => 1);
  await load(e.st, { __name__: "m", l: "2" }, 0, MIN, MIN, () => 1);
  await loadRules(
    e,
    `groups:
- name: g
  limit: 1
  rules:
  - record: too_many
    expr: m > 0
  - record: dup
    expr: m
    labels: {l: same}
`,
  );
  await e.group().evalIteration(MIN);
  const [a, b] = e.group().rules;
  assert.equal(a!.health, RuleHealth.Bad);
  assert.equal(a!.lastError?.message, "exceeded limit of 1 with 2 series");
  assert.equal(b!.health, RuleHealth.Bad);
  assert.equal(b!.lastError?.message, "vector contains metrics with the same labelset after applying rule labels");
});

test("query_offset shifts the query and the written samples", async () => {
  const e = setup();
  await load(e.st, { __name__: "c" }, 0, 10 * MIN, MIN, (t) => t / MIN);
  await loadRules(e, "groups:\n- name: g\n  query_offset: 1m\n  rules:\n  - record: c:copy\n    expr: c\n");
  await e.group().evalIteration(5 * MIN);
  assert.deepEqual(await e.query("c:copy", 4 * MIN), { '{__name__="c:copy"}': 4 });
  assert.deepEqual(await e.query("timestamp(c:copy)", 4 * MIN), { "{}": 240 });
});

const ALERT_RULES = `groups:
- name: alerts
  rules:
  - alert: HighX
    expr: x > 10
    for: 2m
    labels: {severity: page}
    annotations: {summary: "x is high"}
`;

test("alert goes pending, firing, resolved; ALERTS and ALERTS_FOR_STATE follow", async () => {
  const e = setup();
  // x is high from 1m to 4m (inclusive), then low.
  await load(e.st, { __name__: "x", job: "j" }, 0, 30 * MIN, MIN, (t) => (t >= MIN && t <= 4 * MIN ? 20 : 0));
  await loadRules(e, ALERT_RULES);
  const g = e.group();
  const rule = g.rules[0] as AlertingRule;
  const series = async (t: number): Promise<Record<string, number>> => e.query('{__name__=~"ALERTS|ALERTS_FOR_STATE"}', t);
  const steps = [
    { t: 0, state: "inactive", series: {} },
    {
      t: MIN,
      state: "pending",
      series: {
        '{__name__="ALERTS", alertname="HighX", alertstate="pending", job="j", severity="page"}': 1,
        '{__name__="ALERTS_FOR_STATE", alertname="HighX", job="j", severity="page"}': 60,
      },
    },
    {
      t: 2 * MIN,
      state: "pending",
      series: {
        '{__name__="ALERTS", alertname="HighX", alertstate="pending", job="j", severity="page"}': 1,
        '{__name__="ALERTS_FOR_STATE", alertname="HighX", job="j", severity="page"}': 60,
      },
    },
    {
      t: 3 * MIN,
      state: "firing",
      // The pending series got a stale marker: only the firing one shows.
      series: {
        '{__name__="ALERTS", alertname="HighX", alertstate="firing", job="j", severity="page"}': 1,
        '{__name__="ALERTS_FOR_STATE", alertname="HighX", job="j", severity="page"}': 60,
      },
    },
    {
      t: 4 * MIN,
      state: "firing",
      series: {
        '{__name__="ALERTS", alertname="HighX", alertstate="firing", job="j", severity="page"}': 1,
        '{__name__="ALERTS_FOR_STATE", alertname="HighX", job="j", severity="page"}': 60,
      },
    },
    { t: 5 * MIN, state: "inactive", series: {} },
    { t: 6 * MIN, state: "inactive", series: {} },
  ];
  for (const s of steps) {
    await g.evalIteration(s.t);
    assert.equal(rule.state(), s.state, `state at ${s.t}`);
    assert.deepEqual(await series(s.t), s.series, `series at ${s.t}`);
  }
  // Sent: firing at 3m, not again at 4m nor 6m (last sent + resend delay is not before them), resolved at 5m.
  assert.deepEqual(
    e.sent.map((batch) => batch.map((a) => [a.labels.toString(), a.startsAt, a.endsAt])),
    [
      [['{alertname="HighX", job="j", severity="page"}', 3 * MIN, 3 * MIN + 4 * MIN]],
      [['{alertname="HighX", job="j", severity="page"}', 3 * MIN, 5 * MIN]],
    ],
  );
  // Resent as resolved once the resend delay has passed.
  await g.evalIteration(7 * MIN);
  assert.deepEqual(e.sent[2]?.map((a) => a.endsAt), [5 * MIN]);
  assert.equal(e.sent[0]![0]!.generatorURL, "/graph?g0.expr=x+%3E+10&g0.tab=1");
  assert.equal(e.sent[0]![0]!.annotations.get("summary"), "x is high");
  // Resolved alerts are kept 15m, then dropped.
  await g.evalIteration(20 * MIN);
  assert.equal(rule.active.size, 1);
  await g.evalIteration(21 * MIN);
  assert.equal(rule.active.size, 0);
});

test("keep_firing_for keeps a resolved alert firing", async () => {
  const e = setup();
  await load(e.st, { __name__: "x" }, 0, 10 * MIN, MIN, (t) => (t === MIN ? 20 : 0));
  await loadRules(e, "groups:\n- name: g\n  rules:\n  - alert: Flap\n    expr: x > 10\n    keep_firing_for: 2m\n");
  const g = e.group();
  const rule = g.rules[0] as AlertingRule;
  const want = [
    { t: MIN, state: "firing", keepFiringSince: null },
    { t: 2 * MIN, state: "firing", keepFiringSince: 2 * MIN },
    { t: 3 * MIN, state: "firing", keepFiringSince: 2 * MIN },
    { t: 4 * MIN, state: "inactive", keepFiringSince: 2 * MIN },
  ];
  for (const w of want) {
    await g.evalIteration(w.t);
    const a = rule.currentAlerts()[0]!;
    assert.equal(a.state, w.state, `state at ${w.t}`);
    assert.equal(a.keepFiringSince, w.keepFiringSince, `keepFiringSince at ${w.t}`);
  }
  assert.deepEqual(await e.query("ALERTS", 3 * MIN), { '{__name__="ALERTS", alertname="Flap", alertstate="firing"}': 1 });
  assert.deepEqual(await e.query("ALERTS", 4 * MIN), {});
});

test("templates are expanded with labels, value and external labels; errors become the text", async () => {
  const e = setup({
    expandTemplate: async (text, data, ctx) => {
      if (text.includes("boom")) throw new Error(`template: ${ctx.name}:1: boom`);
      return text
        .replace("{{ $labels.job }}", data.labels.job ?? "")
        .replace("{{ $value }}", String(data.value))
        .replace("{{ $externalLabels.dc }}", data.externalLabels.dc ?? "");
    },
  });
  await load(e.st, { __name__: "x", job: "api" }, 0, MIN, MIN, () => 42);
  await e.m.update([], { evaluationIntervalMs: MIN });
  const f = e.write(
    "t.yml",
    `groups:
- name: g
  rules:
  - alert: T
    expr: x > 10
    labels: {team: "{{ $labels.job }}-team"}
    annotations:
      summary: "{{ $labels.job }} at {{ $value }} in {{ $externalLabels.dc }}"
      bad: "{{ boom }}"
`,
  );
  await e.m.update([f], { evaluationIntervalMs: MIN, externalLabels: Labels.fromObject({ dc: "eu1" }) });
  await e.group().evalIteration(MIN);
  const a = (e.group().rules[0] as AlertingRule).activeAlerts()[0]!;
  assert.equal(a.labels.toString(), '{alertname="T", job="api", team="api-team"}');
  assert.equal(a.annotations.get("summary"), "api at 42 in eu1");
  assert.equal(a.annotations.get("bad"), "<error expanding template: template: __alert_T:1: boom>");
});

test("groups run on their slot: evaluations every interval at a stable offset", async () => {
  const e = setup({}, 1_000_000);
  await load(e.st, { __name__: "up" }, 0, 60 * MIN, 15_000, () => 1);
  await loadRules(e, "groups:\n- name: slotted\n  interval: 30s\n  rules:\n  - record: up:copy\n    expr: up\n");
  const g = e.group();
  const first = g.evalTimestamp(e.clock.now()) + 30_000;
  assert.ok(first > e.clock.now() && first <= e.clock.now() + 30_000);
  assert.equal(g.evalTimestamp(first + 12_345), first);
  e.m.start();
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) {
    await e.clock.advanceToAsync(first + i * 30_000);
    seen.push(g.lastEvalTimestamp ?? -1);
  }
  assert.deepEqual(seen, [first, first + 30_000, first + 60_000, first + 90_000]);
  assert.equal(g.lastEvaluation, first + 90_000);
  await e.m.stop();
  await e.clock.advanceAsync(5 * MIN);
  assert.equal(g.lastEvalTimestamp, first + 90_000);
});

test("reload: unchanged groups keep running, changed ones keep alert state, removed rules go stale", async () => {
  const e = setup();
  await load(e.st, { __name__: "x" }, 0, 30 * MIN, MIN, () => 20);
  const f = await loadRules(e, ALERT_RULES + "  - record: x:copy\n    expr: x\n");
  await e.write("other.yml", "groups:\n- name: other\n  rules:\n  - record: y\n    expr: vector(1)\n");
  const other = path.join(e.dir, "other.yml");
  await e.m.update([f, other], { evaluationIntervalMs: MIN });
  const byName = (n: string): Group => e.m.ruleGroups().find((g) => g.name === n)!;
  const alerts = byName("alerts");
  const otherGroup = byName("other");
  await alerts.evalIteration(MIN);
  assert.equal((alerts.rules[0] as AlertingRule).state(), "pending");

  // Change the alerts group (drop the recording rule), keep the other one as is.
  e.write("rules.yml", ALERT_RULES);
  await e.m.update([f, other], { evaluationIntervalMs: MIN });
  const alerts2 = byName("alerts");
  const other2 = byName("other");
  assert.notEqual(alerts2, alerts);
  assert.equal(other2, otherGroup);
  const rule = alerts2.rules[0] as AlertingRule;
  assert.equal(rule.activeAlerts()[0]!.activeAt, MIN);
  await alerts2.evalIteration(2 * MIN);
  assert.equal(rule.state(), "pending");
  // The dropped rule's series was marked stale by the new group's evaluation.
  assert.deepEqual(await e.query("x:copy", MIN), { '{__name__="x:copy"}': 20 });
  assert.deepEqual(await e.query("x:copy", 2 * MIN), {});
  await alerts2.evalIteration(3 * MIN);
  assert.equal(rule.state(), "firing");

  // A broken file rejects the whole update and keeps the running groups.
  e.write("rules.yml", "groups:\n- name: alerts\n  rules:\n  - alert: A\n    expr: rate(x)\n");
  await assert.rejects(e.m.update([f, other], { evaluationIntervalMs: MIN }), (err: unknown) => {
    assert.ok(err instanceof RuleLoadError);
    assert.match(err.errors[0]!.message, /could not parse expression/);
    return true;
  });
  assert.equal(byName("alerts"), alerts2);
});

test("a removed group's series are marked stale two intervals later", async () => {
  const e = setup({}, 10 * MIN);
  await load(e.st, { __name__: "x" }, 0, 30 * MIN, MIN, () => 1);
  await loadRules(e, "groups:\n- name: g\n  rules:\n  - record: x:copy\n    expr: x\n");
  await e.group().evalIteration(10 * MIN);
  await e.clock.advanceAsync(30_000);
  await e.m.update([], { evaluationIntervalMs: MIN });
  assert.equal(e.m.ruleGroups().length, 0);
  assert.deepEqual(await e.query("x:copy", 11 * MIN), { '{__name__="x:copy"}': 1 });
  await e.clock.advanceAsync(2 * MIN - 1);
  assert.deepEqual(await e.query("x:copy", 11 * MIN), { '{__name__="x:copy"}': 1 });
  await e.clock.advanceAsync(1);
  // Marked stale at the time of the removal.
  assert.deepEqual(await e.query("x:copy", 11 * MIN), {});
  assert.deepEqual(await e.query("x:copy", 10 * MIN + 29_999), { '{__name__="x:copy"}': 1 });
});

/** Writes ALERTS_FOR_STATE as a previous run would have, for an alert active since `activeAt` until `downAt` (ms). */
async function previousRun(st: MemoryStorage, activeAt: number, downAt: number): Promise<void> {
  await load(st, { __name__: "ALERTS_FOR_STATE", alertname: "HighX", severity: "page" }, activeAt, downAt, MIN, () => activeAt / 1000);
}

const RESTORE_CASES = [
  {
    name: "restores `for` state shifted by the downtime",
    forExpr: "30m",
    // Pending for 5m before going down: 25m remain, more than the grace period.
    want: (restoreAt: number) => restoreAt - 5 * MIN,
  },
  {
    name: "restores `for` state firing no sooner than the grace period",
    forExpr: "10m",
    // 5m remain, less than the 10m grace period: fire 10m from the restore.
    want: (restoreAt: number) => restoreAt,
  },
];

for (const c of RESTORE_CASES) {
  test(c.name, async () => {
    const e = setup({}, 40 * MIN);
    await load(e.st, { __name__: "x" }, 0, 60 * MIN, MIN, () => 20);
    await previousRun(e.st, 30 * MIN, 35 * MIN);
    const f = e.write("r.yml", ALERT_RULES.replace("for: 2m", `for: ${c.forExpr}`));
    await e.m.update([f], { evaluationIntervalMs: MIN });
    const g = e.group();
    const rule = g.rules[0] as AlertingRule;
    assert.equal(rule.restored, false);
    e.m.start();
    const first = g.evalTimestamp(e.clock.now()) + MIN;
    await e.clock.advanceToAsync(first);
    // Not restored yet: no ALERTS written during the first evaluations.
    assert.deepEqual(await e.query("ALERTS", first), {});
    await e.clock.advanceToAsync(first + MIN);
    assert.equal(rule.restored, true);
    assert.equal(rule.activeAlerts()[0]!.activeAt, c.want(first + MIN));
    await e.m.stop();
  });
}

test("SLOAvailabilityFastBurn fires 2 minutes after both windows exceed 14.4, not when only one does", async () => {
  const guide = readFileSync(path.resolve(process.cwd(), "../shared/deployment-guide.md"), "utf8");
  const manifest = /\*\*Custom PrometheusRule\*\*[^\n]*\n```yaml\n([\s\S]*?)```/.exec(guide)![1]!;
  for (const c of [
    { name: "both windows", sixHour: (t: number) => (t >= 10 * MIN ? 20 : 1), fires: true },
    { name: "only the 1h window", sixHour: () => 1, fires: false },
  ]) {
    const e = setup();
    await load(e.st, { __name__: "slo:availability:burn_rate:1h", service: "api" }, 0, 30 * MIN, 15_000, (t) => (t >= 10 * MIN ? 20 : 1));
    await load(e.st, { __name__: "slo:availability:burn_rate:6h", service: "api" }, 0, 30 * MIN, 15_000, c.sixHour);
    await loadRules(e, manifest);
    e.m.start();
    await e.clock.advanceToAsync(20 * MIN);
    await e.m.stop();
    const firing = e.sent.flat();
    if (!c.fires) {
      assert.deepEqual(firing, [], c.name);
      continue;
    }
    const rule = e.group().rules[0] as AlertingRule;
    const a = rule.activeAlerts()[0]!;
    assert.equal(a.state, "firing", c.name);
    // Active from the first evaluation seeing both windows high, firing exactly `for` later.
    assert.ok(a.activeAt >= 10 * MIN && a.activeAt < 10 * MIN + 15_000, `activeAt ${a.activeAt}`);
    assert.equal(a.firedAt, a.activeAt + 2 * MIN);
    assert.equal(firing[0]!.startsAt, a.activeAt + 2 * MIN);
    assert.equal(firing[0]!.labels.toString(), '{alertname="SLOAvailabilityFastBurn", service="api", severity="critical"}');
    assert.deepEqual(await e.query("ALERTS", a.activeAt + 2 * MIN - 15_000), {
      '{__name__="ALERTS", alertname="SLOAvailabilityFastBurn", alertstate="pending", service="api", severity="critical"}': 1,
    });
  }
});

test("API data: rules and alerts in Prometheus's shape, with filters", async () => {
  const e = setup();
  await load(e.st, { __name__: "x", job: "j" }, 0, 10 * MIN, MIN, () => 20);
  const f = await loadRules(e, ALERT_RULES + "  - record: x:sum\n    expr: sum(x)\n");
  e.clock.advance(MIN);
  await e.group().evalIteration(MIN);
  const groups = e.m.ruleGroups();
  assert.deepEqual(JSON.parse(JSON.stringify(rulesAPIData(groups))), {
    groups: [
      {
        name: "alerts",
        file: f,
        rules: [
          {
            state: "pending",
            name: "HighX",
            query: "x > 10",
            duration: 120,
            keepFiringFor: 0,
            labels: { severity: "page" },
            annotations: { summary: "x is high" },
            alerts: [
              {
                labels: { alertname: "HighX", job: "j", severity: "page" },
                annotations: { summary: "x is high" },
                state: "pending",
                activeAt: "1970-01-01T00:01:00Z",
                value: "2e+01",
              },
            ],
            health: "ok",
            evaluationTime: 0,
            lastEvaluation: "1970-01-01T00:01:00Z",
            type: "alerting",
          },
          {
            name: "x:sum",
            query: "sum(x)",
            labels: {},
            health: "ok",
            evaluationTime: 0,
            lastEvaluation: "1970-01-01T00:01:00Z",
            type: "recording",
          },
        ],
        interval: 60,
        limit: 0,
        evaluationTime: 0,
        lastEvaluation: "1970-01-01T00:01:00Z",
      },
    ],
  });
  const names = (flt: Parameters<typeof rulesAPIData>[1]): string[] => rulesAPIData(groups, flt).groups.flatMap((g) => g.rules.map((r) => r.name));
  assert.deepEqual(names({ type: "record" }), ["x:sum"]);
  assert.deepEqual(names({ type: "alert" }), ["HighX"]);
  assert.deepEqual(names({ ruleNames: ["x:sum"] }), ["x:sum"]);
  assert.deepEqual(names({ ruleGroups: ["nope"] }), []);
  assert.deepEqual(names({ files: [f] }), ["HighX", "x:sum"]);
  assert.equal(rulesAPIData(groups, { excludeAlerts: true }).groups[0]!.rules[0]!.type, "alerting");
  assert.throws(() => rulesAPIData(groups, { type: "bogus" }), RulesAPIParamError);
  assert.deepEqual(alertsAPIData(e.m.alertingRules()).alerts.map((a) => a.state), ["pending"]);
});

test("a rule that fails to evaluate reports its error", async () => {
  const e = setup();
  await load(e.st, { __name__: "a", x: "1" }, 0, MIN, MIN, () => 1);
  await load(e.st, { __name__: "b", x: "1", y: "1" }, 0, MIN, MIN, () => 1);
  await load(e.st, { __name__: "b", x: "1", y: "2" }, 0, MIN, MIN, () => 1);
  await loadRules(e, "groups:\n- name: g\n  rules:\n  - record: joined\n    expr: a + on(x) b\n");
  await e.group().evalIteration(MIN);
  const r = e.group().rules[0]!;
  assert.equal(r.health, RuleHealth.Bad);
  assert.match(r.lastError?.message ?? "", /many-to-many matching not allowed/);
  const data = rulesAPIData(e.m.ruleGroups()).groups[0]!.rules[0]!;
  assert.equal(data.health, "err");
  assert.match(data.lastError ?? "", /many-to-many/);
});

test("an alerting rule over its group's limit drops its alerts and reports the error", async () => {
  const e = setup();
  await load(e.st, { __name__: "x", i: "1" }, 0, MIN, MIN, () => 20);
  await load(e.st, { __name__: "x", i: "2" }, 0, MIN, MIN, () => 20);
  await loadRules(e, "groups:\n- name: g\n  limit: 1\n  rules:\n  - alert: Many\n    expr: x > 10\n");
  await e.group().evalIteration(MIN);
  const r = e.group().rules[0] as AlertingRule;
  assert.equal(r.health, RuleHealth.Bad);
  assert.equal(r.lastError?.message, "exceeded limit of 1 with 2 alerts");
  assert.equal(r.active.size, 0);
  assert.deepEqual(await e.query("ALERTS", MIN), {});
});
