import { test } from "node:test";
import assert from "node:assert/strict";
import { CounterVec, GaugeFunc, GaugeVec, HistogramVec, Registry, writeText } from "./index.ts";

test("instruments gather into the text format", async () => {
  const r = new Registry();
  const reqs = new CounterVec("http_requests_total", "Requests.", ["code", "handler"]);
  reqs.with("200", "/a").inc();
  reqs.with("200", "/a").inc(2);
  reqs.with("500", "/b").inc();
  const up = new GaugeVec("ready", "Readiness.");
  up.with().set(1);
  const h = new HistogramVec("duration_seconds", "Durations.", [], [0.1, 1]);
  h.with().observe(0.05);
  h.with().observe(0.5);
  h.with().observe(5);
  const f = new GaugeFunc("answer", "The answer.", () => 42);
  for (const c of [reqs, up, h, f]) r.register(c);
  const { families, errors } = await r.gather();
  assert.deepEqual(errors, []);
  assert.equal(
    writeText(families),
    [
      "# HELP answer The answer.",
      "# TYPE answer gauge",
      "answer 42",
      "# HELP duration_seconds Durations.",
      "# TYPE duration_seconds histogram",
      'duration_seconds_bucket{le="0.1"} 1',
      'duration_seconds_bucket{le="1"} 2',
      'duration_seconds_bucket{le="+Inf"} 3',
      "duration_seconds_sum 5.55",
      "duration_seconds_count 3",
      "# HELP http_requests_total Requests.",
      "# TYPE http_requests_total counter",
      'http_requests_total{code="200",handler="/a"} 3',
      'http_requests_total{code="500",handler="/b"} 1',
      "# HELP ready Readiness.",
      "# TYPE ready gauge",
      "ready 1",
      "",
    ].join("\n"),
  );
});

test("a counter refuses to go down", () => {
  assert.throws(() => new CounterVec("c", "h").with().inc(-1), /BUG/);
});
