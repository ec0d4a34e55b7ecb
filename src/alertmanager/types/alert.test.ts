import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../../model/index.ts";
import { compareAlerts, newAlert, sortAlerts } from "./index.ts";

const alert = (labels: Record<string, string>) =>
  newAlert({ labels: Labels.fromObject(labels), annotations: Labels.EMPTY, startsAt: 1, endsAt: 0, generatorURL: "", updatedAt: 1, timeout: false });

test("sortAlerts orders as compareAlerts does", () => {
  const cases: ReadonlyArray<ReadonlyArray<Record<string, string>>> = [
    [],
    [{ a: "1" }],
    [
      { alertname: "X", job: "b", instance: "2" },
      { alertname: "X", instance: "1" },
      { alertname: "X", job: "a" },
      { alertname: "X", job: "b", instance: "1" },
      { alertname: "Y" },
      { alertname: "X" },
      { alertname: "X", z: "1" },
      { alertname: "X", job: "a", instance: "1", c: "2" },
      { alertname: "X", job: "a", instance: "1", c: "1" },
      { alertname: "X", job: "a", instance: "1", b: "9" },
    ],
  ];
  for (const c of cases) {
    const alerts = c.map(alert);
    const want = [...alerts].sort(compareAlerts).map((a) => a.labels.toString());
    assert.deepEqual(sortAlerts([...alerts]).map((a) => a.labels.toString()), want);
    assert.deepEqual(sortAlerts([...alerts].reverse()).map((a) => a.labels.toString()), want);
  }
});
