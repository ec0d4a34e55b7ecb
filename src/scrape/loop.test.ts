import { after, test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../model/index.ts";
import { MemoryStorage } from "../storage/index.ts";
import { VirtualClock, newLogger } from "../util/index.ts";
import { BodySizeLimitError, ParsePool, ScrapeCache, ScrapeLoop, ScrapeMetrics, Target, TargetHealth, populateLabels } from "./index.ts";
import type { ScrapeResponse } from "./index.ts";
import { FakeScraper, L, dump, scrapeConfig, text } from "./scrape-test-util.test.ts";
import type { Point } from "./scrape-test-util.test.ts";

const T0 = 1_700_000_000_000;
const TL = 'instance="t:1", job="j"';

/**
 * Where bodies are parsed: on the calling thread, or (every body, however
 * small) on a worker. The timing and stop tests run inline only: the
 * virtual clock cannot wait for a worker thread, and they do not parse
 * anything the other tests do not.
 */
type Mode = "inline" | "worker";
const MODES: readonly Mode[] = ["inline", "worker"];
const workers = new ParsePool({ size: 1 });
after(() => workers.close());

/** Registers the test once per parse mode. */
function both(name: string, fn: (mode: Mode) => Promise<void>): void {
  for (const mode of MODES) test(`${name} [${mode}]`, () => fn(mode));
}

function setup(mode: Mode, job: string, answers: Array<ScrapeResponse | Error>, o: { skipOffsetting?: boolean; seed?: bigint } = {}) {
  const cfg = scrapeConfig(job);
  const db = new MemoryStorage();
  const clock = new VirtualClock(T0);
  const metrics = new ScrapeMetrics(clock);
  const tl = L({ __address__: "t:1" });
  const target = new Target(populateLabels(cfg, tl, Labels.EMPTY)!, cfg, tl, Labels.EMPTY);
  const scraper = new FakeScraper(...answers);
  const abort = new AbortController();
  const logs: string[] = [];
  const { intervalMs, timeoutMs } = target.intervalAndTimeout();
  const loop = new ScrapeLoop({
    target,
    scraper,
    cache: new ScrapeCache(metrics),
    appendable: db,
    config: cfg,
    intervalMs,
    timeoutMs,
    offsetSeed: o.seed ?? 0n,
    clock,
    logger: newLogger({ level: "debug", write: (l) => logs.push(l) }),
    metrics,
    parentSignal: abort.signal,
    skipOffsetting: o.skipOffsetting ?? true,
    parsePool: mode === "worker" ? workers : null,
    workerParseMinBytes: 0,
  });
  const series = async (): Promise<Record<string, Point[]>> => Object.fromEntries(await dump(db));
  return { cfg, db, clock, metrics, target, scraper, abort, logs, loop, series };
}

const report = (up: number, scraped: number, post: number, added: number, t: number): Record<string, Point[]> => ({
  [`{__name__="scrape_duration_seconds", ${TL}}`]: [[t, 0]],
  [`{__name__="scrape_samples_post_metric_relabeling", ${TL}}`]: [[t, post]],
  [`{__name__="scrape_samples_scraped", ${TL}}`]: [[t, scraped]],
  [`{__name__="scrape_series_added", ${TL}}`]: [[t, added]],
  [`{__name__="up", ${TL}}`]: [[t, up]],
});

both("report series and metric relabeling on a good scrape", async (mode) => {
  const s = setup(mode, "job_name: j\nmetric_relabel_configs:\n  - source_labels: [__name__]\n    regex: drop_me\n    action: drop", [text("a 1\nb{x=\"y\"} 2\ndrop_me 3\n")]);
  await s.loop.scrapeAndReport(null, T0);
  assert.deepEqual(await s.series(), {
    [`{__name__="a", ${TL}}`]: [[T0, 1]],
    [`{__name__="b", ${TL}, x="y"}`]: [[T0, 2]],
    ...report(1, 3, 2, 2, T0),
  });
  assert.equal(s.target.health, TargetHealth.Good);
  assert.equal(s.target.lastError, null);
  assert.equal(s.target.lastScrape, T0);
  // A second scrape adds no series.
  await s.loop.scrapeAndReport(T0, T0 + 15_000);
  const got = await s.series();
  assert.deepEqual(got[`{__name__="scrape_series_added", ${TL}}`], [[T0, 2], [T0 + 15_000, 0]]);
});

both("extra scrape metrics", async (mode) => {
  const body = "a 1\n";
  const s = setup(mode, "job_name: j\nextra_scrape_metrics: true\nsample_limit: 7\nscrape_timeout: 3s", [text(body)]);
  await s.loop.scrapeAndReport(null, T0);
  const got = await s.series();
  assert.deepEqual(got[`{__name__="scrape_timeout_seconds", ${TL}}`], [[T0, 3]]);
  assert.deepEqual(got[`{__name__="scrape_sample_limit", ${TL}}`], [[T0, 7]]);
  assert.deepEqual(got[`{__name__="scrape_body_size_bytes", ${TL}}`], [[T0, body.length]]);
});

both("body size limit reports -1 bytes and fails the scrape", async (mode) => {
  const s = setup(mode, "job_name: j\nextra_scrape_metrics: true", [new BodySizeLimitError()]);
  await s.loop.scrapeAndReport(null, T0);
  const got = await s.series();
  assert.deepEqual(got[`{__name__="scrape_body_size_bytes", ${TL}}`], [[T0, -1]]);
  assert.deepEqual(got[`{__name__="up", ${TL}}`], [[T0, 0]]);
  assert.equal(s.target.lastError?.message, "body size limit exceeded");
});

both("series that disappear get stale markers; a failed scrape marks all stale", async (mode) => {
  const s = setup(mode, "job_name: j", [text("a 1\nb 2\n"), text("a 3\n"), new Error('Get "http://t:1/metrics": context deadline exceeded')]);
  await s.loop.scrapeAndReport(null, T0);
  await s.loop.scrapeAndReport(T0, T0 + 1000);
  await s.loop.scrapeAndReport(T0 + 1000, T0 + 2000);
  const got = await s.series();
  assert.deepEqual(got[`{__name__="a", ${TL}}`], [[T0, 1], [T0 + 1000, 3], [T0 + 2000, "stale"]]);
  assert.deepEqual(got[`{__name__="b", ${TL}}`], [[T0, 2], [T0 + 1000, "stale"]]);
  assert.deepEqual(got[`{__name__="up", ${TL}}`], [[T0, 1], [T0 + 1000, 1], [T0 + 2000, 0]]);
  assert.equal(s.target.health, TargetHealth.Bad);
  assert.equal(s.target.lastError?.message, 'Get "http://t:1/metrics": context deadline exceeded');
});

both("an empty body is a successful scrape that marks everything stale", async (mode) => {
  const s = setup(mode, "job_name: j", [text("a 1\n"), text("")]);
  await s.loop.scrapeAndReport(null, T0);
  await s.loop.scrapeAndReport(T0, T0 + 1000);
  const got = await s.series();
  assert.deepEqual(got[`{__name__="a", ${TL}}`], [[T0, 1], [T0 + 1000, "stale"]]);
  assert.deepEqual(got[`{__name__="up", ${TL}}`], [[T0, 1], [T0 + 1000, 1]]);
});

both("a malformed exposition marks the target down with the parser's message and appends only the report", async (mode) => {
  const s = setup(mode, "job_name: j", [text("a 1\nb 2\n"), text("a 1\nb\n")]);
  await s.loop.scrapeAndReport(null, T0);
  await s.loop.scrapeAndReport(T0, T0 + 1000);
  const got = await s.series();
  assert.equal(s.target.health, TargetHealth.Bad);
  assert.equal(s.target.lastError?.message, 'expected value after metric, got "\\n" ("INVALID") while parsing: "b\\n"');
  // The half-parsed scrape was rolled back. NOTE: as upstream, `a` (parsed before the error) counts as
  // seen for staleness, so only `b` gets a stale marker.
  assert.deepEqual(got[`{__name__="a", ${TL}}`], [[T0, 1]]);
  assert.deepEqual(got[`{__name__="b", ${TL}}`], [[T0, 2], [T0 + 1000, "stale"]]);
  assert.deepEqual(got[`{__name__="up", ${TL}}`], [[T0, 1], [T0 + 1000, 0]]);
  assert.deepEqual(got[`{__name__="scrape_samples_scraped", ${TL}}`], [[T0, 2], [T0 + 1000, 1]]);
});

const contentTypeCases = [
  {
    name: "blank Content-Type without fallback fails",
    job: "job_name: j",
    err: "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target",
  },
  { name: "blank Content-Type with fallback_scrape_protocol parses", job: "job_name: j\nfallback_scrape_protocol: PrometheusText0.0.4", err: null },
];
for (const c of contentTypeCases) {
  both(`content type: ${c.name}`, async (mode) => {
    const s = setup(mode, c.job, [{ contentType: "", body: Buffer.from("a 1\n") }]);
    await s.loop.scrapeAndReport(null, T0);
    assert.equal(s.target.lastError?.message ?? null, c.err);
  });
}

both("content type: a protobuf body fails the scrape: the format is not supported", async (mode) => {
  const s = setup(mode, "job_name: j", [{ contentType: "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", body: Buffer.from("x") }]);
  await s.loop.scrapeAndReport(null, T0);
  assert.equal(s.target.lastError?.message, "the protobuf exposition format (application/vnd.google.protobuf) is not supported; remove PrometheusProto from scrape_protocols");
  assert.deepEqual((await s.series())[`{__name__="up", ${TL}}`], [[T0, 0]]);
});

both("content type: each scrape is parsed by the Content-Type it came with", async (mode) => {
  const s = setup(mode, "job_name: j", [text("a 1\n"), { contentType: "", body: Buffer.from("a 2\n") }, text("a 3\n")]);
  const lastError = async (from: number | null, t: number): Promise<string | null> => {
    await s.loop.scrapeAndReport(from, t);
    return s.target.lastError?.message ?? null;
  };
  assert.equal(await lastError(null, T0), null);
  assert.equal(await lastError(T0, T0 + 1000), contentTypeCases[0]!.err);
  assert.equal(await lastError(T0 + 1000, T0 + 2000), null);
  assert.deepEqual((await s.series())[`{__name__="a", ${TL}}`], [[T0, 1], [T0 + 1000, "stale"], [T0 + 2000, 3]]);
});

const honorCases = [
  {
    name: "conflicting labels move to exported_",
    job: "job_name: j",
    body: 'm{job="other",instance="x"} 1\n',
    want: '{__name__="m", exported_instance="x", exported_job="other", instance="t:1", job="j"}',
  },
  {
    name: "exported_ prefixes stack until free",
    job: "job_name: j",
    body: 'm{job="a",exported_job="b"} 1\n',
    want: '{__name__="m", exported_exported_job="a", exported_job="b", instance="t:1", job="j"}',
  },
  { name: "honor_labels keeps the scraped values", job: "job_name: j\nhonor_labels: true", body: 'm{job="other"} 1\n', want: '{__name__="m", instance="t:1", job="other"}' },
  {
    name: "metric relabelling sees the target labels",
    job: "job_name: j\nmetric_relabel_configs:\n  - source_labels: [job, instance]\n    separator: /\n    target_label: origin",
    body: 'm{a="1"} 1\n',
    want: '{__name__="m", a="1", instance="t:1", job="j", origin="j/t:1"}',
  },
  {
    name: "metric relabelling sees the exported_ labels",
    job: "job_name: j\nmetric_relabel_configs:\n  - source_labels: [exported_job]\n    target_label: was",
    body: 'm{job="other"} 1\n',
    want: '{__name__="m", exported_job="other", instance="t:1", job="j", was="other"}',
  },
];
for (const c of honorCases) {
  both(`honor_labels: ${c.name}`, async (mode) => {
    const s = setup(mode, c.job, [text(c.body)]);
    await s.loop.scrapeAndReport(null, T0);
    assert.deepEqual((await s.series())[c.want], [[T0, 1]]);
  });
}

const limitCases: Array<{ name: string; job: string; body: string; err: string; scraped: number; post: number; added?: number }> = [
  // NOTE: as upstream, series appended before the limit was hit count as added although rolled back.
  { name: "sample_limit", job: "job_name: j\nsample_limit: 2", body: "a 1\nb 1\nc 1\n", err: "sample limit exceeded", scraped: 3, post: 3, added: 2 },
  { name: "label_limit", job: "job_name: j\nlabel_limit: 3", body: 'm{a="1"} 1\n', err: "label_limit exceeded (metric: m, number of labels: 4, limit: 3)", scraped: 1, post: 0 },
  {
    name: "label_name_length_limit",
    job: "job_name: j\nlabel_name_length_limit: 10",
    body: 'm{abcdefghijk="1"} 1\n',
    err: "label_name_length_limit exceeded (metric: m, label name: abcdefghijk, length: 11, limit: 10)",
    scraped: 1,
    post: 0,
  },
  {
    name: "label_value_length_limit",
    job: "job_name: j\nlabel_value_length_limit: 4",
    body: 'm{a="abcde"} 1\n',
    err: 'label_value_length_limit exceeded (metric: m, label name: a, value: "abcde", length: 5, limit: 4)',
    scraped: 1,
    post: 0,
  },
];
for (const c of limitCases) {
  both(`limits: ${c.name} fails the scrape`, async (mode) => {
    const s = setup(mode, c.job, [text(c.body)]);
    await s.loop.scrapeAndReport(null, T0);
    assert.equal(s.target.lastError?.message, c.err);
    assert.deepEqual(await s.series(), report(0, c.scraped, c.post, c.added ?? 0, T0));
  });
}

both("limits: sample_limit bumps its counter", async (mode) => {
  const s = setup(mode, "job_name: j\nsample_limit: 1", [text("a 1\nb 1\n")]);
  await s.loop.scrapeAndReport(null, T0);
  assert.equal(s.metrics.exceededSampleLimit.with().value, 1);
});

both("honor_timestamps: explicit timestamps are used, and their series get no stale markers", async (mode) => {
  const s = setup(mode, "job_name: j", [text("a 1 1000\nb 2\n"), text("")]);
  await s.loop.scrapeAndReport(null, T0);
  await s.loop.scrapeAndReport(T0, T0 + 1000);
  const got = await s.series();
  assert.deepEqual(got[`{__name__="a", ${TL}}`], [[1000, 1]]);
  assert.deepEqual(got[`{__name__="b", ${TL}}`], [[T0, 2], [T0 + 1000, "stale"]]);
});

both("honor_timestamps false: the scrape time is used", async (mode) => {
  const s = setup(mode, "job_name: j\nhonor_timestamps: false", [text("a 1 1000\n")]);
  await s.loop.scrapeAndReport(null, T0);
  assert.deepEqual((await s.series())[`{__name__="a", ${TL}}`], [[T0, 1]]);
});

both("track_timestamps_staleness: explicit timestamps get stale markers", async (mode) => {
  const s = setup(mode, "job_name: j\ntrack_timestamps_staleness: true", [text("a 1 1000\n"), text("")]);
  await s.loop.scrapeAndReport(null, T0);
  await s.loop.scrapeAndReport(T0, T0 + 1000);
  assert.deepEqual((await s.series())[`{__name__="a", ${TL}}`], [[1000, 1], [T0 + 1000, "stale"]]);
});

both("rejected samples are counted and logged, the scrape stays up", async (mode) => {
  const s = setup(mode, "job_name: j", [text("a 1 2000\n"), text("a 2 1000\nb 1\nb 2\n")]);
  await s.loop.scrapeAndReport(null, T0);
  await s.loop.scrapeAndReport(T0, T0 + 1000);
  assert.equal(s.target.health, TargetHealth.Good);
  assert.equal(s.metrics.sampleOutOfOrder.with().value, 1);
  assert.equal(s.metrics.sampleDuplicate.with().value, 1);
  const logged = (msg: string): boolean => s.logs.some((l) => l.includes("level=WARN") && l.includes(`msg="${msg}"`) && l.includes("num_dropped=1"));
  assert.ok(logged("Error on ingesting out-of-order samples"));
  assert.ok(logged("Error on ingesting samples with different value but same timestamp"));
});

both("samples too far in the future are out of bounds", async (mode) => {
  const s = setup(mode, "job_name: j", [text(`a 1 ${T0 + 11 * 60_000}\n`)]);
  await s.loop.scrapeAndReport(null, T0);
  assert.equal(s.metrics.sampleOutOfBounds.with().value, 1);
  assert.equal((await s.series())[`{__name__="a", ${TL}}`], undefined);
});

both("OpenMetrics: samples, and TYPE/HELP/UNIT kept as target metadata", async (mode) => {
  const body = "# TYPE foo_seconds counter\n# HELP foo_seconds Foo.\n# UNIT foo_seconds seconds\nfoo_seconds_total 3\n# EOF\n";
  const s = setup(mode, "job_name: j", [{ contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8", body: Buffer.from(body) }]);
  await s.loop.scrapeAndReport(null, T0);
  assert.deepEqual((await s.series())[`{__name__="foo_seconds_total", ${TL}}`], [[T0, 3]]);
  assert.deepEqual(s.target.metadata?.listMetadata(), [{ metricFamily: "foo_seconds", type: "counter", help: "Foo.", unit: "seconds" }]);
});

both("OpenMetrics after the text format: a series text OpenMetrics rejects fails the scrape, however it was cached", async (mode) => {
  // The text format allows a blank after a comma; OpenMetrics does not.
  const series = 'a{b="c", d="e"}';
  const om = (body: string): ScrapeResponse => ({ contentType: "application/openmetrics-text; version=1.0.0", body: Buffer.from(body) });
  const s = setup(mode, "job_name: j", [text(`${series} 1\n`), om(`${series} 2\n# EOF\n`), om('a{b="c",d="e"} 3\n# EOF\n'), om('a{b="c",d="e"} 4\n# EOF\n')]);
  const lastError = (): string | null => s.target.lastError?.message ?? null;
  await s.loop.scrapeAndReport(null, T0);
  assert.equal(lastError(), null);
  await s.loop.scrapeAndReport(T0, T0 + 1000);
  assert.equal(lastError(), 'expected label name, got " " ("INVALID") while parsing: "a{b=\\"c\\", "');
  // The OpenMetrics spelling of the same series is read and appended.
  await s.loop.scrapeAndReport(T0 + 1000, T0 + 2000);
  await s.loop.scrapeAndReport(T0 + 2000, T0 + 3000);
  assert.equal(lastError(), null);
  assert.deepEqual((await s.series())[`{__name__="a", b="c", d="e", ${TL}}`], [[T0, 1], [T0 + 1000, "stale"], [T0 + 2000, 3], [T0 + 3000, 4]]);
});

both("the body is released once per scrape, after the loop is done reading it", async (mode) => {
  const s = setup(mode, "job_name: j", [text("a 1\nb 2\n")]);
  let released = 0;
  // A released body serves the next scrape: overwrite it, as reuse would (a worker took a whole buffer: detached).
  s.scraper.onRelease = (body) => {
    released++;
    if (body.byteLength > 0) body.fill(0x78);
  };
  await s.loop.scrapeAndReport(null, T0);
  assert.equal(released, 1);
  await s.loop.scrapeAndReport(T0, T0 + 15_000);
  assert.equal(released, 2);
  const got = await s.series();
  assert.deepEqual(got[`{__name__="a", ${TL}}`], [[T0, 1], [T0 + 15_000, 1]]);
  assert.deepEqual(got[`{__name__="b", ${TL}}`], [[T0, 2], [T0 + 15_000, 2]]);
  assert.deepEqual(got[`{__name__="up", ${TL}}`], [[T0, 1], [T0 + 15_000, 1]]);
});

test("timing: scrapes on the interval after the target's offset, with aligned timestamps", async () => {
  const s = setup("inline", "job_name: j\nscrape_interval: 10s", [text("a 1\n")], { skipOffsetting: false, seed: 7n });
  const offset = s.target.offset(10_000, 7n, T0);
  s.loop.start();
  await s.clock.advanceAsync(offset - 1);
  assert.equal(s.scraper.calls, 0);
  await s.clock.advanceAsync(1);
  assert.equal(s.scraper.calls, 1);
  await s.clock.advanceAsync(30_000);
  assert.equal(s.scraper.calls, 4);
  const first = T0 + offset;
  assert.deepEqual(
    (await s.series())[`{__name__="a", ${TL}}`]!.map((p) => p[0]),
    [first, first + 10_000, first + 20_000, first + 30_000],
  );
  assert.equal(s.metrics.intervalLength.desc.name, "prometheus_target_interval_length_seconds");
  await s.loop.stop();
});

test("stop: stale markers for every series two intervals later", async () => {
  const s = setup("inline", "job_name: j\nscrape_interval: 10s", [text("a 1\n")]);
  s.loop.start();
  await s.clock.advanceAsync(10_000); // scrapes at T0 and T0+10s
  await s.loop.stop();
  await s.clock.advanceAsync(30_000);
  const got = await s.series();
  assert.deepEqual(got[`{__name__="a", ${TL}}`], [[T0, 1], [T0 + 10_000, 1], [T0 + 20_000, "stale"]]);
  assert.deepEqual(got[`{__name__="up", ${TL}}`], [[T0, 1], [T0 + 10_000, 1], [T0 + 20_000, "stale"]]);
});

test("stop after the pool's signal aborted: no stale markers", async () => {
  const s = setup("inline", "job_name: j\nscrape_interval: 10s", [text("a 1\n")]);
  s.loop.start();
  await s.clock.advanceAsync(0);
  s.abort.abort();
  await s.loop.stop();
  await s.clock.advanceAsync(30_000);
  assert.deepEqual((await s.series())[`{__name__="a", ${TL}}`], [[T0, 1]]);
});

test("stop with end-of-run staleness disabled (a reload took the cache over): no stale markers", async () => {
  const s = setup("inline", "job_name: j\nscrape_interval: 10s", [text("a 1\n")]);
  s.loop.start();
  await s.clock.advanceAsync(0);
  s.loop.disableEndOfRunStalenessMarkers();
  await s.loop.stop();
  await s.clock.advanceAsync(30_000);
  assert.deepEqual((await s.series())[`{__name__="a", ${TL}}`], [[T0, 1]]);
});

test("a forced error (target_limit) fails scrapes without scraping", async () => {
  const s = setup("inline", "job_name: j", [text("a 1\n")]);
  s.loop.setForcedError(new Error("target_limit exceeded (number of targets: 2, limit: 1)"));
  await s.loop.scrapeAndReport(null, T0);
  assert.equal(s.scraper.calls, 0);
  assert.equal(s.target.lastError?.message, "target_limit exceeded (number of targets: 2, limit: 1)");
});
