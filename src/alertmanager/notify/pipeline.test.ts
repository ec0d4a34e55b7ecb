import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Labels } from "../../model/index.ts";
import { VirtualClock } from "../../util/index.ts";
import { loadConfig } from "../config/index.ts";
import { Inhibitor } from "../inhibit/index.ts";
import { NotificationLog } from "../nflog/index.ts";
import { Silences } from "../silence/index.ts";
import { NotificationTemplate } from "../template/index.ts";
import { Marker, newAlert } from "../types/index.ts";
import type { Alert } from "../types/index.ts";
import { NotifyMetrics, RetryFailedError, buildPipeline, buildReceiverIntegrations, hashAlert } from "./index.ts";
import type { NotifyContext } from "./index.ts";

interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A local HTTP endpoint answering with the given statuses in turn (the last one repeats). */
async function endpoint(statuses: number[]): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
  const got: Received[] = [];
  const srv = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ path: req.url ?? "", headers: req.headers, body });
      res.statusCode = statuses[Math.min(got.length - 1, statuses.length - 1)]!;
      res.end(res.statusCode >= 400 ? "boom" : "ok");
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return { url, got, close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
}

/** Drives virtual time while real I/O completes, until `p` settles. */
async function settle<T>(p: Promise<T>, clock: VirtualClock, stepMs = 250): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    await new Promise((r) => setTimeout(r, 2));
    if (!done) await clock.advanceAsync(stepMs);
  }
  return p;
}

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

function alert(instance: string, endsAt = 0): Alert {
  return newAlert({
    labels: Labels.fromObject({ alertname: "Down", instance, job: "node" }),
    annotations: Labels.fromObject({ summary: `${instance} <down> & out` }),
    startsAt: T0,
    endsAt,
    generatorURL: "http://prom/graph",
    updatedAt: T0,
    timeout: false,
  });
}

function setup(url: string, nflog: NotificationLog, clock: VirtualClock, extra = "") {
  const cfg = loadConfig(`
route:
  receiver: hook
receivers:
- name: hook
  webhook_configs:
  - url: '${url}/hook'
    max_alerts: 1
${extra}
`);
  const tmpl = new NotificationTemplate({ externalURL: "http://am:9093" });
  const metrics = new NotifyMetrics();
  const marker = new Marker();
  const receivers = new Map(cfg.receivers.map((r) => [r.name, buildReceiverIntegrations(r, { tmpl })]));
  const stage = buildPipeline(receivers, {
    clock,
    marker,
    metrics,
    nflog,
    inhibitor: new Inhibitor([]),
    silences: new Silences({ clock, retentionMs: 1e9 }),
    timeIntervals: new Map(),
    random: () => 0.5,
  });
  return { stage, metrics, marker };
}

function ctx(clock: VirtualClock, deadlineMs = 300_000): NotifyContext {
  const ac = new AbortController();
  clock.setTimeout(() => ac.abort(new Error("context deadline exceeded")), deadlineMs);
  return {
    now: clock.now(),
    groupKey: '{}:{alertname="Down"}',
    groupLabels: Labels.fromObject({ alertname: "Down" }),
    receiver: "hook",
    repeatIntervalMs: 4 * 3_600_000,
    muteTimeIntervals: [],
    activeTimeIntervals: [],
    routeID: "{}",
    signal: ac.signal,
    firingAlerts: null,
    resolvedAlerts: null,
  };
}

test("webhook payload is upstream's version 4 message (golden JSON), truncated by max_alerts", async () => {
  const ep = await endpoint([200]);
  const clock = new VirtualClock(T0 + 60_000);
  const nflog = new NotificationLog({ clock, retentionMs: 1e9 });
  const { stage, metrics } = setup(ep.url, nflog, clock);
  await settle(stage.exec(ctx(clock), [alert("a"), alert("b")]), clock);
  await ep.close();
  assert.equal(ep.got.length, 1);
  assert.equal(ep.got[0]!.path, "/hook");
  assert.equal(ep.got[0]!.headers["content-type"], "application/json");
  assert.match(String(ep.got[0]!.headers["user-agent"]), /^Alertmanager\//);
  const want =
    '{"receiver":"hook","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Down","instance":"a","job":"node"},' +
    '"annotations":{"summary":"a \\u003cdown\\u003e \\u0026 out"},"startsAt":"2024-05-01T12:00:00Z","endsAt":"0001-01-01T00:00:00Z",' +
    `"generatorURL":"http://prom/graph","fingerprint":"${alert("a").fingerprint}"}],"groupLabels":{"alertname":"Down"},` +
    '"commonLabels":{"alertname":"Down","instance":"a","job":"node"},"commonAnnotations":{"summary":"a \\u003cdown\\u003e \\u0026 out"},' +
    '"externalURL":"http://am:9093","version":"4","groupKey":"{}:{alertname=\\"Down\\"}","truncatedAlerts":1}\n';
  assert.equal(ep.got[0]!.body, want);
  assert.equal(metrics.notificationsTotal.with("webhook").value, 1);
  assert.equal(metrics.requestsTotal.with("webhook").value, 1);
});

test("retries on 500 with backoff until 200; dedup then skips the same alerts; a restart keeps that via the snapshot", async () => {
  const ep = await endpoint([500, 503, 200]);
  const clock = new VirtualClock(T0 + 60_000);
  const nflog = new NotificationLog({ clock, retentionMs: 1e9 });
  const { stage, metrics } = setup(ep.url, nflog, clock);
  await settle(stage.exec(ctx(clock), [alert("a")]), clock);
  assert.equal(ep.got.length, 3);
  assert.equal(metrics.requestsFailedTotal.with("webhook").value, 2);
  assert.equal(metrics.notificationsFailedTotal.with("webhook", "serverError").value, 0);

  await clock.advanceAsync(300_000);
  await settle(stage.exec(ctx(clock), [alert("a")]), clock);
  assert.equal(ep.got.length, 3, "nothing new: deduplicated");

  const path = join(mkdtempSync(join(tmpdir(), "am-")), "nflog");
  nflog.writeSnapshotFile(path);
  const restarted = new NotificationLog({ clock, retentionMs: 1e9 });
  restarted.loadSnapshotFile(path);
  const again = setup(ep.url, restarted, clock);
  await settle(again.stage.exec(ctx(clock), [alert("a")]), clock);
  assert.equal(ep.got.length, 3, "no resend after a restart");
  await settle(again.stage.exec(ctx(clock), [alert("a"), alert("b")]), clock);
  assert.equal(ep.got.length, 4, "a new firing alert is sent");
  await ep.close();
});

test("no retry on 400; 429 is retried; the failure reason is counted", async () => {
  const ep = await endpoint([400]);
  const clock = new VirtualClock(T0);
  const { stage, metrics } = setup(ep.url, new NotificationLog({ clock, retentionMs: 1e9 }), clock);
  await assert.rejects(settle(stage.exec(ctx(clock), [alert("a")]), clock), /notify retry canceled due to unrecoverable error after 1 attempts: unexpected status code 400: boom/);
  assert.equal(ep.got.length, 1);
  assert.equal(metrics.notificationsFailedTotal.with("webhook", "clientError").value, 1);
  await ep.close();

  const ep2 = await endpoint([429, 200]);
  const s2 = setup(ep2.url, new NotificationLog({ clock, retentionMs: 1e9 }), clock);
  await settle(s2.stage.exec(ctx(clock), [alert("a")]), clock);
  assert.equal(ep2.got.length, 2);
  await ep2.close();
});

test("retries stop at the flush deadline with the last error", async () => {
  const ep = await endpoint([500]);
  const clock = new VirtualClock(T0);
  const { stage, metrics } = setup(ep.url, new NotificationLog({ clock, retentionMs: 1e9 }), clock);
  const err = await settle(stage.exec(ctx(clock, 5_000), [alert("a")]), clock, 500).then(
    () => null,
    (e: Error) => e,
  );
  assert.ok(err !== null && /notify retry canceled after \d+ attempts: unexpected status code 500/.test(err.message), String(err));
  assert.ok(ep.got.length >= 3 && ep.got.length <= 8, `attempts: ${ep.got.length}`);
  assert.equal(metrics.notificationsFailedTotal.with("webhook", "serverError").value, 1);
  assert.ok(err instanceof Error && (err as { errors?: unknown[] }).errors?.[0] instanceof RetryFailedError);
  await ep.close();
});

test("resolved alerts: sent with send_resolved, not without", async () => {
  const ep = await endpoint([200]);
  const clock = new VirtualClock(T0 + 60_000);
  const nflog = new NotificationLog({ clock, retentionMs: 1e9 });
  const { stage } = setup(ep.url, nflog, clock, `- name: quiet\n  webhook_configs:\n  - url: '${ep.url}/quiet'\n    send_resolved: false`);
  const quietCtx = (): NotifyContext => ({ ...ctx(clock), receiver: "quiet" });
  await settle(stage.exec(ctx(clock), [alert("a")]), clock);
  await settle(stage.exec(quietCtx(), [alert("a")]), clock);
  await clock.advanceAsync(300_000);
  const resolved = alert("a", T0 + 120_000);
  await settle(stage.exec(ctx(clock), [resolved]), clock);
  await settle(stage.exec(quietCtx(), [resolved]), clock);
  await ep.close();
  assert.deepEqual(ep.got.map((g) => `${g.path} ${(JSON.parse(g.body) as { status: string }).status}`), ["/hook firing", "/quiet firing", "/hook resolved"]);
});

test("dedup: a flush older than the group's last notification sends nothing (a peer told the receiver a later state meanwhile)", async () => {
  const a = alert("a");
  const b = alert("b");
  const h = (x: Alert): bigint => hashAlert(x.labels);
  const cases: ReadonlyArray<{ name: string; firing: Alert[]; resolved: Alert[]; entryAfterFlushMs: number; alerts: Alert[]; sent: boolean }> = [
    // The restarted replica of the HA end-to-end test: it took the group while still firing, waited 2 x peer timeout, and a peer notified the resolution meanwhile.
    { name: "peer notified the resolution after this flush", firing: [], resolved: [a], entryAfterFlushMs: 5_000, alerts: [a], sent: false },
    { name: "peer notified after this flush without an alert this flush has", firing: [a], resolved: [], entryAfterFlushMs: 5_000, alerts: [a, b], sent: false },
    { name: "resolution notified before this flush; it fires again", firing: [], resolved: [a], entryAfterFlushMs: -5_000, alerts: [a], sent: true },
    { name: "notified at the flush time itself; a new alert", firing: [a], resolved: [], entryAfterFlushMs: 0, alerts: [a, b], sent: true },
    { name: "notified before this flush; nothing new", firing: [a], resolved: [], entryAfterFlushMs: -5_000, alerts: [a], sent: false },
  ];
  for (const c of cases) {
    const ep = await endpoint([200]);
    const clock = new VirtualClock(T0 + 60_000);
    const nflog = new NotificationLog({ clock, retentionMs: 1e9 });
    const { stage } = setup(ep.url, nflog, clock);
    const flush = ctx(clock);
    nflog.log({ groupName: "hook", integration: "webhook", idx: 0 }, flush.groupKey, c.firing.map(h), c.resolved.map(h));
    await settle(stage.exec({ ...flush, now: flush.now - c.entryAfterFlushMs }, c.alerts), clock);
    await ep.close();
    assert.equal(ep.got.length, c.sent ? 1 : 0, c.name);
  }
});

test("silenced and inhibited alerts are not sent and are marked", async () => {
  const ep = await endpoint([200]);
  const clock = new VirtualClock(T0 + 60_000);
  const cfg = loadConfig(`
route: {receiver: hook}
receivers:
- name: hook
  webhook_configs: [{url: '${ep.url}/hook'}]
inhibit_rules:
- source_matchers: ['instance="src"']
  target_matchers: ['instance="b"']
`);
  const tmpl = new NotificationTemplate();
  const marker = new Marker();
  const silences = new Silences({ clock, retentionMs: 1e9 });
  const { Matcher, MatchType } = await import("../../model/index.ts");
  const sid = silences.set({ matchers: [new Matcher(MatchType.Equal, "instance", "a")], startsAt: T0, endsAt: T0 + 3_600_000, createdBy: "t", comment: "c" });
  const inhibitor = new Inhibitor(cfg.inhibitRules);
  inhibitor.observe(alert("src"));
  const stage = buildPipeline(new Map(cfg.receivers.map((r) => [r.name, buildReceiverIntegrations(r, { tmpl })])), {
    clock,
    marker,
    metrics: new NotifyMetrics(),
    nflog: new NotificationLog({ clock, retentionMs: 1e9 }),
    inhibitor,
    silences,
    timeIntervals: new Map(),
  });
  await settle(stage.exec(ctx(clock), [alert("a"), alert("b"), alert("c")]), clock);
  await ep.close();
  const sent = (JSON.parse(ep.got[0]!.body) as { alerts: Array<{ labels: { instance: string } }> }).alerts.map((a) => a.labels.instance);
  assert.deepEqual(sent, ["c"]);
  assert.deepEqual(marker.status(alert("a").fingerprint), { state: "suppressed", silencedBy: [sid], inhibitedBy: [], mutedBy: [] });
  assert.deepEqual(marker.status(alert("b").fingerprint).inhibitedBy, [alert("src").fingerprint]);
  assert.equal(marker.status(alert("c").fingerprint).state, "active");
});

test("mute_time_intervals drop the whole flush and mark the group", async () => {
  const ep = await endpoint([200]);
  const clock = new VirtualClock(Date.UTC(2024, 4, 4, 10)); // a Saturday
  const cfg = loadConfig(`
route: {receiver: hook}
receivers: [{name: hook, webhook_configs: [{url: '${ep.url}/hook'}]}]
time_intervals:
- name: weekend
  time_intervals: [{weekdays: ['saturday', 'sunday']}]
`);
  const marker = new Marker();
  const stage = buildPipeline(new Map(cfg.receivers.map((r) => [r.name, buildReceiverIntegrations(r, { tmpl: new NotificationTemplate() })])), {
    clock,
    marker,
    metrics: new NotifyMetrics(),
    nflog: new NotificationLog({ clock, retentionMs: 1e9 }),
    inhibitor: new Inhibitor([]),
    silences: new Silences({ clock, retentionMs: 1e9 }),
    timeIntervals: new Map(cfg.timeIntervals.map((t) => [t.name, t.timeIntervals])),
  });
  await settle(stage.exec({ ...ctx(clock), muteTimeIntervals: ["weekend"] }, [alert("a")]), clock);
  assert.equal(ep.got.length, 0);
  assert.deepEqual(marker.muted("{}", '{}:{alertname="Down"}'), ["weekend"]);
  await settle(stage.exec({ ...ctx(clock), activeTimeIntervals: ["weekend"] }, [alert("a")]), clock);
  assert.equal(ep.got.length, 1);
  await ep.close();
});
