import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../model/index.ts";
import { Target, TargetLabelsError, formatRFC3339, populateLabels, targetsFromGroup } from "./index.ts";
import { SCRAPE_PHASE_GRID_MS } from "./target.ts";
import { L, scrapeConfig } from "./scrape-test-util.test.ts";

const base = scrapeConfig("job_name: job\nscheme: https\nmetrics_path: /metrics\nscrape_interval: 1s\nscrape_timeout: 1s");
const withReplace = scrapeConfig(
  "job_name: job\nscheme: https\nmetrics_path: /metrics\nscrape_interval: 1s\nscrape_timeout: 1s\nrelabel_configs:\n  - source_labels: [custom]\n    target_label: __address__",
);
const withDrop = scrapeConfig("job_name: job\nrelabel_configs:\n  - source_labels: [custom]\n    regex: drop\n    action: drop");
const withParams = scrapeConfig("job_name: job\nparams:\n  module: [a, b]\n  target: [x]");

const std = { __scheme__: "https", __metrics_path__: "/metrics", job: "job", __scrape_interval__: "1s", __scrape_timeout__: "1s" };

// Re-typed from upstream's TestPopulateLabels (Prometheus 3: no default port).
const cases: Array<{ name: string; in: Record<string, string>; cfg?: typeof base; want?: Record<string, string> | null; err?: string }> = [
  {
    name: "regular population of scrape config options",
    in: { __address__: "1.2.3.4:1000", custom: "value" },
    want: { __address__: "1.2.3.4:1000", instance: "1.2.3.4:1000", custom: "value", ...std },
  },
  {
    name: "pre-defined labels win over the scrape config",
    in: { __address__: "1.2.3.4", __scheme__: "http", __metrics_path__: "/custom", job: "custom-job", __scrape_interval__: "2s", __scrape_timeout__: "2s" },
    want: { __address__: "1.2.3.4", instance: "1.2.3.4", __scheme__: "http", __metrics_path__: "/custom", job: "custom-job", __scrape_interval__: "2s", __scrape_timeout__: "2s" },
  },
  {
    name: "instance label given, IPv6 address without port kept",
    in: { __address__: "[::1]", instance: "custom-instance" },
    want: { __address__: "[::1]", instance: "custom-instance", ...std },
  },
  { name: "no default port is added", in: { __address__: "1.2.3.4" }, want: { __address__: "1.2.3.4", instance: "1.2.3.4", ...std } },
  { name: "a default port is not removed", in: { __address__: "1.2.3.4:443" }, want: { __address__: "1.2.3.4:443", instance: "1.2.3.4:443", ...std } },
  { name: "address label missing", in: { custom: "value" }, err: "no address" },
  {
    name: "address added by relabeling",
    in: { custom: "host:1234" },
    cfg: withReplace,
    want: { __address__: "host:1234", instance: "host:1234", custom: "host:1234", ...std },
  },
  { name: "meta labels are removed", in: { __address__: "a:1", __meta_x: "y" }, want: { __address__: "a:1", instance: "a:1", ...std } },
  { name: "URL as address", in: { __address__: "http://a:1/metrics" }, err: '"http://a:1/metrics" is not a valid hostname' },
  { name: "invalid UTF-8 in a label value", in: { __address__: "1.2.3.4:1000", custom: "\udcbd" }, err: 'invalid label value for "custom": "\\xbd"' },
  { name: "invalid interval", in: { __address__: "a:1", __scrape_interval__: "2notseconds" }, err: 'error parsing scrape interval: unknown unit "notseconds" in duration "2notseconds"' },
  { name: "invalid timeout", in: { __address__: "a:1", __scrape_timeout__: "2notseconds" }, err: 'error parsing scrape timeout: unknown unit "notseconds" in duration "2notseconds"' },
  { name: "zero interval", in: { __address__: "a:1", __scrape_interval__: "0s" }, err: "scrape interval cannot be 0" },
  { name: "zero timeout", in: { __address__: "a:1", __scrape_timeout__: "0s" }, err: "scrape timeout cannot be 0" },
  {
    name: "timeout greater than interval",
    in: { __address__: "a:1", __scrape_interval__: "1s", __scrape_timeout__: "2s" },
    err: 'scrape timeout cannot be greater than scrape interval ("2s" > "1s")',
  },
  { name: "dropped by relabeling", in: { __address__: "a:1", custom: "drop" }, cfg: withDrop, want: null },
];

for (const c of cases) {
  test(`populateLabels: ${c.name}`, () => {
    const run = (): Labels | null => populateLabels(c.cfg ?? base, L(c.in), Labels.EMPTY);
    if (c.err !== undefined) {
      assert.throws(run, (e: unknown) => e instanceof TargetLabelsError && e.message === c.err);
      return;
    }
    const got = run();
    assert.deepEqual(got === null ? null : got.toObject(), c.want);
  });
}

test("targetsFromGroup: group labels, dropped targets and failures", () => {
  const { targets, failures } = targetsFromGroup(
    { source: "file:0", targets: [L({ __address__: "a:1", env: "own" }), L({ custom: "x" }), L({ __address__: "b:1", custom: "drop" })], labels: L({ env: "group", team: "t" }) },
    withDrop,
  );
  assert.deepEqual(
    targets.map((t) => t.publicLabels().toObject()),
    [{ env: "own", instance: "a:1", job: "job", team: "t" }, {}],
  );
  assert.deepEqual(targets[1]!.discoveredLabels().toObject(), {
    __address__: "b:1",
    __metrics_path__: "/metrics",
    __scheme__: "http",
    __scrape_interval__: "1m",
    __scrape_timeout__: "10s",
    custom: "drop",
    env: "group",
    job: "job",
    team: "t",
  });
  assert.deepEqual(
    failures.map((f) => f.message),
    ["instance 1 in group file:0: no address"],
  );
});

const urlCases: Array<{ name: string; cfg: typeof base; labels: Record<string, string>; want: string }> = [
  { name: "plain", cfg: base, labels: { __address__: "h:9100" }, want: "https://h:9100/metrics" },
  { name: "config params, a __param_ label replacing the first value", cfg: withParams, labels: { __address__: "h:1", __param_module: "c d" }, want: "http://h:1/metrics?module=c+d&module=b&target=x" },
  { name: "path escaping", cfg: base, labels: { __address__: "h:1", __metrics_path__: "/a b?" }, want: "https://h:1/a%20b%3F" },
];
for (const c of urlCases) {
  test(`Target.url: ${c.name}`, () => {
    const lset = populateLabels(c.cfg, L(c.labels), Labels.EMPTY)!;
    assert.equal(new Target(lset, c.cfg, L(c.labels), Labels.EMPTY).url(), c.want);
  });
}

test("Target.offset stays within the interval and is stable across calls", () => {
  const lset = populateLabels(base, L({ __address__: "h:1" }), Labels.EMPTY)!;
  const t = new Target(lset, base, L({ __address__: "h:1" }), Labels.EMPTY);
  for (const now of [0, 1234, 15_000, 1_700_000_000_123]) {
    const off = t.offset(15_000, 42n, now);
    assert.ok(off >= 0 && off <= 15_000, `offset ${off}`);
    // The phase is pinned to absolute time: the first scrape lands on the same point of the interval.
    assert.equal((now + off) % 15_000, (0 + t.offset(15_000, 42n, 0)) % 15_000);
  }
  assert.notEqual(t.offset(15_000, 1n, 0), t.offset(15_000, 1n << 40n, 0));
});

test("Target.offset: phases are steps of the grid (at most a quarter of the interval) and spread over the interval", () => {
  const phases = (ivMs: number): Set<number> => {
    const got = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const l = L({ __address__: `h:${1000 + i}` });
      const t = new Target(populateLabels(base, l, Labels.EMPTY)!, base, l, Labels.EMPTY);
      got.add(t.offset(ivMs, 42n, 0) % ivMs);
    }
    return got;
  };
  assert.deepEqual([...phases(2_000)].sort((a, b) => a - b), [0, 500, 1000, 1500]);
  assert.deepEqual([...phases(1_000)].sort((a, b) => a - b), [0, 250, 500, 750]);
  const long = phases(60_000);
  for (const p of long) assert.equal(p % SCRAPE_PHASE_GRID_MS, 0, `phase ${p}`);
  // 200 targets over 120 steps: most steps are taken.
  assert.ok(long.size > 60, `${long.size} distinct phases`);
  // Intervals too short for a grid keep millisecond phases.
  assert.ok([...phases(3)].every((p) => p >= 0 && p < 3));
});

const timeCases = [
  { name: "never scraped", ms: null, want: "0001-01-01T00:00:00Z" },
  { name: "whole seconds", ms: 1_700_000_000_000, want: "2023-11-14T22:13:20Z" },
  { name: "trailing zeros trimmed", ms: 1_700_000_000_120, want: "2023-11-14T22:13:20.12Z" },
];
for (const c of timeCases) test(`formatRFC3339: ${c.name}`, () => assert.equal(formatRFC3339(c.ms), c.want));
