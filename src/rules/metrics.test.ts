import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type MetricFamily, Registry, type SummaryValue } from "../exposition/index.ts";
import { Engine } from "../promql/engine/index.ts";
import { MemoryStorage } from "../storage/index.ts";
import { VirtualClock } from "../util/index.ts";
import { engineQueryFunc, Manager, type QueryFunc } from "./index.ts";

const SEC = 1000;

/** A manager on a virtual clock with its metrics in a registry; `slow` queries take 25s, `bad` ones fail. */
function setup(): { m: Manager; registry: Registry; clock: VirtualClock; file(name: string, yaml: string): string } {
  const st = new MemoryStorage();
  const clock = new VirtualClock(0);
  const engineFn = engineQueryFunc(new Engine(), st);
  const queryFn: QueryFunc = async (qs, t) => {
    if (qs === "bad") throw new Error("query failed");
    if (qs === "slow") await new Promise<void>((r) => clock.setTimeout(r, 25 * SEC));
    return engineFn(qs === "slow" ? "vector(1)" : qs, t);
  };
  const registry = new Registry();
  const m = new Manager({ queryFn, appendable: st, queryable: st, clock, registry });
  const dir = mkdtempSync(path.join(tmpdir(), "rule-metrics-test-"));
  return {
    m,
    registry,
    clock,
    file(name, yaml) {
      const f = path.join(dir, name);
      writeFileSync(f, yaml);
      return f;
    },
  };
}

async function families(r: Registry): Promise<Map<string, MetricFamily>> {
  const g = await r.gather();
  assert.deepEqual(g.errors, []);
  return new Map(g.families.map((f) => [f.name, f]));
}

/** rule_group → value of a per-group family. */
async function byGroup(r: Registry, name: string): Promise<Record<string, number>> {
  const f = (await families(r)).get(name);
  const out: Record<string, number> = {};
  for (const x of f?.metrics ?? []) {
    assert.deepEqual(x.labelNames, ["rule_group"]);
    out[x.labelValues[0]!] = x.value as number;
  }
  return out;
}

const GROUPS = (extra = ""): string => `groups:
  - name: good
    interval: 10s
    rules:
      - record: one
        expr: vector(1)
      - record: two
        expr: vector(2) or vector(3)
  - name: failing
    interval: 10s
    rules:
      - record: fails
        expr: bad
      - record: works
        expr: vector(1)
${extra}`;

test("rule metrics: evaluations, failures, iterations, samples, rules and interval by group", async () => {
  const { m, registry, clock, file } = setup();
  const f = file("rules.yml", GROUPS());
  await m.update([f], { evaluationIntervalMs: 60 * SEC });
  const good = `${f};good`;
  const failing = `${f};failing`;
  // The series exist at zero before the first evaluation, as upstream's NewGroup creates them.
  assert.deepEqual(await byGroup(registry, "prometheus_rule_evaluations_total"), { [failing]: 0, [good]: 0 });
  assert.deepEqual(await byGroup(registry, "prometheus_rule_group_rules"), { [failing]: 2, [good]: 2 });
  assert.deepEqual(await byGroup(registry, "prometheus_rule_group_interval_seconds"), { [failing]: 10, [good]: 10 });

  m.start();
  await clock.advanceAsync(35 * SEC); // 3 or 4 slots each, by the groups' offsets
  const iterations = await byGroup(registry, "prometheus_rule_group_iterations_total");
  for (const g of [good, failing]) assert.ok(iterations[g]! >= 3 && iterations[g]! <= 4, `${g}: ${iterations[g]}`);
  const evals = await byGroup(registry, "prometheus_rule_evaluations_total");
  const failures = await byGroup(registry, "prometheus_rule_evaluation_failures_total");
  const cases = [
    { group: good, evals: 2 * iterations[good]!, failures: 0, samples: 2 },
    { group: failing, evals: 2 * iterations[failing]!, failures: iterations[failing]!, samples: 1 },
  ];
  for (const c of cases) {
    assert.equal(evals[c.group], c.evals, c.group);
    assert.equal(failures[c.group], c.failures, c.group);
  }
  const samples = await byGroup(registry, "prometheus_rule_group_last_evaluation_samples");
  for (const c of cases) assert.equal(samples[c.group], c.samples, c.group);
  assert.deepEqual(await byGroup(registry, "prometheus_rule_group_iterations_missed_total"), { [failing]: 0, [good]: 0 });
  const last = await byGroup(registry, "prometheus_rule_group_last_evaluation_timestamp_seconds");
  for (const g of [good, failing]) assert.ok(last[g]! > 25 && last[g]! <= 35, `${g}: ${last[g]}`);

  const fams = await families(registry);
  const groupDuration = fams.get("prometheus_rule_group_duration_seconds")!;
  assert.equal(groupDuration.type, "summary");
  const gv = groupDuration.metrics[0]!.value as SummaryValue;
  assert.deepEqual(gv.quantiles, [0.01, 0.05, 0.5, 0.9, 0.99]);
  assert.equal(gv.count, iterations[good]! + iterations[failing]!);
  const evalDuration = fams.get("prometheus_rule_evaluation_duration_seconds")!.metrics[0]!.value as SummaryValue;
  assert.deepEqual(evalDuration.quantiles, [0.5, 0.9, 0.99]);
  assert.equal(evalDuration.count, evals[good]! + evals[failing]!);
  await m.stop();
});

test("rule metrics: iterations missed while an evaluation runs long count as missed and as scheduled", async () => {
  const { m, registry, clock, file } = setup();
  const f = file("slow.yml", "groups:\n  - name: slow\n    interval: 10s\n    rules:\n      - record: slow\n        expr: slow\n");
  await m.update([f], { evaluationIntervalMs: 60 * SEC });
  m.start();
  // The first evaluation, at slot s within the first 10s, takes 25s: when
  // it ends, slot s+10 is missed and slot s+20 evaluated late (until s+50),
  // as upstream's ticker does.
  await clock.advanceAsync(40 * SEC);
  const key = `${f};slow`;
  const missed = (await byGroup(registry, "prometheus_rule_group_iterations_missed_total"))[key]!;
  const scheduled = (await byGroup(registry, "prometheus_rule_group_iterations_total"))[key]!;
  assert.equal(missed, 1);
  assert.equal(scheduled, 3); // the first evaluation, the missed slot, the late one
  const last = (await byGroup(registry, "prometheus_rule_group_last_duration_seconds"))[key]!;
  assert.equal(last, 25);
  // stop() waits for the running (slow) evaluation.
  const stopped = m.stop();
  await clock.advanceAsync(30 * SEC);
  await stopped;
});

test("rule metrics: a group removed by a reload has its series deleted; a kept group keeps counting", async () => {
  const { m, registry, clock, file } = setup();
  const f = file("rules.yml", GROUPS());
  await m.update([f], { evaluationIntervalMs: 60 * SEC });
  m.start();
  await clock.advanceAsync(25 * SEC);
  const before = (await byGroup(registry, "prometheus_rule_evaluations_total"))[`${f};good`]!;
  assert.ok(before > 0);
  writeFileSync(f, "groups:\n  - name: good\n    interval: 10s\n    rules:\n      - record: one\n        expr: vector(1)\n      - record: two\n        expr: vector(2) or vector(3)\n");
  await m.update([f], { evaluationIntervalMs: 60 * SEC });
  const fams = await families(registry);
  const perGroup = [
    "prometheus_rule_evaluations_total",
    "prometheus_rule_evaluation_failures_total",
    "prometheus_rule_group_iterations_total",
    "prometheus_rule_group_iterations_missed_total",
    "prometheus_rule_group_interval_seconds",
    "prometheus_rule_group_last_duration_seconds",
    "prometheus_rule_group_last_evaluation_timestamp_seconds",
    "prometheus_rule_group_last_evaluation_samples",
    "prometheus_rule_group_rules",
  ];
  for (const name of perGroup) assert.deepEqual(fams.get(name)?.metrics.map((x) => x.labelValues[0]), [`${f};good`], name);
  await clock.advanceAsync(10 * SEC);
  assert.ok((await byGroup(registry, "prometheus_rule_evaluations_total"))[`${f};good`]! > before);
  await m.stop();
});
