import { test } from "node:test";
import assert from "node:assert/strict";
import { type IncomingMessage, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { LogFormat, VirtualClock, newLogger, systemClock } from "../util/index.ts";
import { DemoService, ErrorRatioError, RequestKind, TrafficMix, parseErrorRatio } from "./index.ts";

const mixCases = [
  { name: "no errors", errorRatio: 0, badRatio: 0, n: 1000, want: { query: 1000, bad_query: 0, failing: 0 } },
  { name: "every 100th fails", errorRatio: 0.01, badRatio: 0, n: 1000, want: { query: 990, bad_query: 0, failing: 10 } },
  { name: "the default: 1 in 2000 fails, 2 % malformed (a collision defers the malformed one)", errorRatio: 0.0005, badRatio: 0.02, n: 4001, want: { query: 3919, bad_query: 80, failing: 2 } },
  { name: "all fail", errorRatio: 1, badRatio: 0.5, n: 10, want: { query: 0, bad_query: 0, failing: 10 } },
];
for (const c of mixCases) {
  test(`TrafficMix: ${c.name}`, () => {
    const m = new TrafficMix(c.errorRatio, c.badRatio);
    const got: Record<string, number> = { query: 0, bad_query: 0, failing: 0 };
    for (let i = 0; i < c.n; i++) got[m.next()]!++;
    assert.deepEqual(got, c.want);
  });
}

test("TrafficMix spreads failures evenly", () => {
  const m = new TrafficMix(0.25, 0);
  assert.deepEqual(Array.from({ length: 8 }, () => m.next()), [
    RequestKind.Query,
    RequestKind.Query,
    RequestKind.Query,
    RequestKind.Failing,
    RequestKind.Query,
    RequestKind.Query,
    RequestKind.Query,
    RequestKind.Failing,
  ]);
});

const ratioCases = [
  { in: "0", want: 0 },
  { in: "0.0005", want: 0.0005 },
  { in: "1", want: 1 },
  { in: "1e-3", want: 0.001 },
  { in: "", want: null },
  { in: "-0.1", want: null },
  { in: "1.5", want: null },
  { in: "NaN", want: null },
  { in: "5%", want: null },
];
for (const c of ratioCases) {
  test(`parseErrorRatio(${JSON.stringify(c.in)})`, () => {
    if (c.want === null) assert.throws(() => parseErrorRatio(c.in), ErrorRatioError);
    else assert.equal(parseErrorRatio(c.in), c.want);
  });
}

/** A stand-in for the server's API: 400 for a query that does not close its parentheses, 503 for the admin API. */
async function fakeServer(): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const s = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    seen.push(`${req.method} ${u.pathname}`);
    if (u.pathname === "/api/v1/query") {
      const q = u.searchParams.get("query") ?? "";
      const ok = q !== "" && q.split("(").length === q.split(")").length;
      res.writeHead(ok ? 200 : 400, { "Content-Type": "application/json" });
      res.end(ok ? '{"status":"success","data":{"resultType":"vector","result":[]}}' : '{"status":"error","errorType":"bad_data","error":"parse error"}');
    } else if (u.pathname.startsWith("/api/v1/admin/")) {
      res.writeHead(503, { "Content-Type": "application/json" });
      res.end('{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}

function demo(serverUrl: string, opts: { requestsPerSecond: number; errorRatio: number; clock?: VirtualClock; serverReady?: () => boolean }) {
  const logs: Array<Record<string, string>> = [];
  const d = new DemoService({
    host: "127.0.0.1",
    port: 0,
    serverUrl,
    errorRatio: opts.errorRatio,
    requestsPerSecond: opts.requestsPerSecond,
    ...(opts.serverReady !== undefined ? { serverReady: opts.serverReady } : {}),
    clock: opts.clock ?? systemClock,
    logger: newLogger({ format: LogFormat.Json, write: (l) => logs.push(JSON.parse(l) as Record<string, string>) }),
  });
  return { d, logs, base: () => `http://127.0.0.1:${d.port()}` };
}

async function metricLines(base: string): Promise<string[]> {
  const body = await (await fetch(`${base}/metrics`)).text();
  return body.split("\n").filter((l) => l.startsWith("http_requests_total") || l.startsWith("demo_"));
}

test("DemoService proxies queries and the failing endpoint to the server, and counts outcomes by code and handler", async () => {
  const srv = await fakeServer();
  const { d, base } = demo(srv.url, { requestsPerSecond: 0, errorRatio: 0.0005 });
  await d.start();
  try {
    const cases = [
      { name: "a good query", method: "GET", path: "/api/query?query=up", want: 200 },
      { name: "a malformed query", method: "GET", path: "/api/query?query=sum(", want: 400 },
      { name: "the failing endpoint", method: "POST", path: "/api/compact", want: 503 },
      { name: "the failing endpoint needs POST", method: "GET", path: "/api/compact", want: 405 },
      { name: "an unknown path", method: "GET", path: "/nope", want: 404 },
    ];
    for (const c of cases) {
      const r = await fetch(`${base()}${c.path}`, { method: c.method });
      await r.text();
      assert.equal(r.status, c.want, c.name);
    }
    assert.deepEqual(srv.seen, ["GET /api/v1/query", "GET /api/v1/query", "POST /api/v1/admin/tsdb/clean_tombstones"]);
    const lines = await metricLines(base());
    for (const want of [
      'http_requests_total{code="200",handler="/api/query"} 1',
      'http_requests_total{code="400",handler="/api/query"} 1',
      'http_requests_total{code="503",handler="/api/compact"} 1',
      'http_requests_total{code="405",handler="/api/compact"} 1',
      'http_requests_total{code="404",handler="other"} 1',
      "demo_error_ratio 0.0005",
    ]) {
      assert.ok(lines.includes(want), `${want} in ${lines.join("\n")}`);
    }
    const hist = (await (await fetch(`${base()}/metrics`)).text()).split("\n");
    assert.ok(hist.includes('http_request_duration_seconds_count{handler="/api/query"} 2'));
  } finally {
    await d.stop();
    await srv.close();
  }
});

test("DemoService: an unreachable server is a 502 of the demo", async () => {
  const srv = await fakeServer();
  await srv.close();
  const { d, base } = demo(srv.url, { requestsPerSecond: 0, errorRatio: 0 });
  await d.start();
  try {
    const r = await fetch(`${base()}/api/query?query=up`);
    assert.equal(r.status, 502);
    assert.match(await r.text(), /^server unreachable: /);
  } finally {
    await d.stop();
  }
});

test("DemoService generates requestsPerSecond requests with the configured shares, on its clock", async () => {
  const srv = await fakeServer();
  const clock = new VirtualClock(0);
  const { d } = demo(srv.url, { requestsPerSecond: 10, errorRatio: 0.25, clock });
  await d.start();
  try {
    clock.advance(2000);
    const t0 = Date.now();
    while (srv.seen.length < 20 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
    assert.equal(srv.seen.length, 20);
    assert.equal(srv.seen.filter((s) => s === "POST /api/v1/admin/tsdb/clean_tombstones").length, 5);
    assert.equal(srv.seen.filter((s) => s === "GET /api/v1/query").length, 15);
  } finally {
    await d.stop();
    await srv.close();
  }
});

test("DemoService sends no traffic while the server is not ready", async () => {
  const srv = await fakeServer();
  const clock = new VirtualClock(0);
  let ready = false;
  const { d } = demo(srv.url, { requestsPerSecond: 10, errorRatio: 0, clock, serverReady: () => ready });
  await d.start();
  try {
    clock.advance(1000);
    ready = true;
    clock.advance(500);
    const t0 = Date.now();
    while (srv.seen.length < 5 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(srv.seen.length, 5, "only the ticks after the server became ready");
  } finally {
    await d.stop();
    await srv.close();
  }
});

test("DemoService: POST /-/error-ratio changes the share at run time; bad values are refused", async () => {
  const srv = await fakeServer();
  const { d, base, logs } = demo(srv.url, { requestsPerSecond: 0, errorRatio: 0.0005 });
  await d.start();
  try {
    const set = async (v: string) => {
      const r = await fetch(`${base()}/-/error-ratio?value=${encodeURIComponent(v)}`, { method: "POST" });
      return [r.status, await r.text()];
    };
    assert.deepEqual(await set("0.05"), [200, "0.05\n"]);
    assert.equal(d.errorRatio, 0.05);
    assert.deepEqual(await set("2"), [400, 'invalid error ratio "2": want a number in [0, 1]\n']);
    assert.equal(d.errorRatio, 0.05);
    assert.deepEqual(await (await fetch(`${base()}/-/error-ratio`)).text(), "0.05\n");
    assert.ok(logs.some((l) => l.msg === "error ratio changed" && l.burn_rate === "50"));
    assert.ok((await metricLines(base())).includes("demo_error_ratio 0.05"));
  } finally {
    await d.stop();
    await srv.close();
  }
});

test("DemoService receives the Alertmanager's webhooks and logs each alert, the heartbeat once", async () => {
  const srv = await fakeServer();
  const { d, base, logs } = demo(srv.url, { requestsPerSecond: 0, errorRatio: 0 });
  await d.start();
  try {
    const notify = async (path: string, alerts: Array<{ status: string; labels: Record<string, string> }>) => {
      const r = await fetch(`${base()}${path}`, { method: "POST", body: JSON.stringify({ version: "4", status: alerts[0]!.status, alerts }) });
      await r.text();
      assert.equal(r.status, 200);
    };
    await notify("/on-call", [{ status: "firing", labels: { alertname: "SLOAvailabilityFastBurn", severity: "critical" } }]);
    await notify("/heartbeat", [{ status: "firing", labels: { alertname: "Watchdog" } }]);
    await notify("/heartbeat", [{ status: "firing", labels: { alertname: "Watchdog" } }]);
    await notify("/on-call", [{ status: "resolved", labels: { alertname: "SLOAvailabilityFastBurn", severity: "critical" } }]);
    assert.deepEqual(
      logs.filter((l) => l.msg === "alert notification").map((l) => [l.receiver, l.status, l.alertname]),
      [
        ["/on-call", "firing", "SLOAvailabilityFastBurn"],
        ["/heartbeat", "firing", "Watchdog"],
        ["/on-call", "resolved", "SLOAvailabilityFastBurn"],
      ],
    );
    const lines = (await (await fetch(`${base()}/metrics`)).text()).split("\n");
    for (const want of [
      'demo_alert_notifications_total{receiver="/heartbeat",status="firing"} 2',
      'demo_alert_notifications_total{receiver="/on-call",status="firing"} 1',
      'demo_alert_notifications_total{receiver="/on-call",status="resolved"} 1',
    ]) {
      assert.ok(lines.includes(want), want);
    }
  } finally {
    await d.stop();
    await srv.close();
  }
});
