import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { newHTTPClientConfig } from "../config/index.ts";
import type { HTTPSDConfig } from "../config/index.ts";
import { VirtualClock, nopLogger } from "../util/index.ts";
import { HTTPDiscoverer } from "./http.ts";
import { DiscoveryMetrics } from "./index.ts";
import type { TargetGroup } from "./index.ts";

interface Reply {
  status?: number;
  type?: string;
  body: string;
}

/** A local SD endpoint answering the queued replies in order (the last one repeats). */
async function serve(replies: Reply[]): Promise<{ url: string; requests: IncomingHttpHeaders[]; server: Server }> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    const r = replies.length > 1 ? replies.shift()! : replies[0]!;
    res.writeHead(r.status ?? 200, { "content-type": r.type ?? "application/json" });
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sd`, requests, server };
}

function discoverer(url: string, clock = new VirtualClock(0)) {
  const metrics = new DiscoveryMetrics();
  const httpClientConfig = newHTTPClientConfig();
  httpClientConfig.basicAuth = { username: "prom", usernameFile: "", usernameRef: "", password: "secret", passwordFile: "", passwordRef: "" };
  const cfg: HTTPSDConfig = { mechanism: "http", url, refreshIntervalMs: 60_000, httpClientConfig };
  return { d: new HTTPDiscoverer(cfg, { logger: nopLogger, clock, metrics, setName: "job" }), metrics, clock };
}

function plain(gs: TargetGroup[]): unknown {
  return gs.map((g) => ({ source: g.source, targets: g.targets.map((t) => t.get("__address__")), labels: g.labels.toObject() }));
}

test("http_sd: decodes the groups, sends upstream's headers, clears vanished sources", async (t) => {
  const { url, requests, server } = await serve([
    { body: JSON.stringify([{ targets: ["a:1"], labels: { env: "prod" } }, { targets: ["b:1"] }]) },
    { type: "application/json; charset=utf-8", body: JSON.stringify([{ targets: ["c:1"] }]) },
  ]);
  t.after(() => server.close());
  const { d } = discoverer(url);
  const signal = new AbortController().signal;
  assert.deepEqual(plain(await d.refresh(signal)), [
    { source: `${url}:0`, targets: ["a:1"], labels: { __meta_url: url, env: "prod" } },
    { source: `${url}:1`, targets: ["b:1"], labels: { __meta_url: url } },
  ]);
  assert.deepEqual(plain(await d.refresh(signal)), [
    { source: `${url}:0`, targets: ["c:1"], labels: { __meta_url: url } },
    { source: `${url}:1`, targets: [], labels: {} },
  ]);
  const h = requests[0]!;
  assert.equal(h.accept, "application/json");
  assert.equal(h["x-prometheus-refresh-interval-seconds"], "60");
  assert.match(h["user-agent"] ?? "", /^Prometheus\//);
  assert.equal(h.authorization, `Basic ${Buffer.from("prom:secret").toString("base64")}`);
});

const failures = [
  { name: "a non-200 status", reply: { status: 500, body: "oops" }, want: /^server returned HTTP status 500 Internal Server Error$/ },
  { name: "another content type", reply: { type: "text/plain", body: "[]" }, want: /^unsupported content type "text\/plain"$/ },
  { name: "a body that is not a list", reply: { body: '{"targets":[]}' }, want: /cannot unmarshal object/ },
  { name: "a null group", reply: { body: "[null]" }, want: /^nil target group item found$/ },
];
for (const c of failures) {
  test(`http_sd: fails the refresh on ${c.name}`, async (t) => {
    const { url, server } = await serve([c.reply]);
    t.after(() => server.close());
    const { d, metrics } = discoverer(url);
    await assert.rejects(d.refresh(new AbortController().signal), (e: Error) => c.want.test(e.message));
    assert.equal(metrics.value("prometheus_sd_http_failures_total"), 1);
  });
}

test("http_sd: polls every refresh_interval; a failed poll keeps the last groups", async (t) => {
  const { url, requests, server } = await serve([
    { body: JSON.stringify([{ targets: ["a:1"] }]) },
    { status: 503, body: "" },
    { body: JSON.stringify([{ targets: ["a:2"] }]) },
  ]);
  t.after(() => server.close());
  const { d, metrics, clock } = discoverer(url);
  const sent: TargetGroup[][] = [];
  const abort = new AbortController();
  const done = d.run(abort.signal, (g) => sent.push(g));
  // Waits (bounded) until the n-th poll has been answered and handled.
  const waitRequests = async (n: number): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (metrics.value("prometheus_sd_refresh_failures_total", "http", "job") + sent.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for poll ${n}`);
      await new Promise<void>((r) => setImmediate(r));
    }
    assert.equal(requests.length, n);
  };
  await waitRequests(1);
  assert.deepEqual(sent.map(plain), [[{ source: `${url}:0`, targets: ["a:1"], labels: { __meta_url: url } }]]);
  await clock.advanceAsync(60_000);
  await waitRequests(2);
  assert.equal(sent.length, 1, "the failed poll sends nothing");
  assert.equal(metrics.value("prometheus_sd_refresh_failures_total", "http", "job"), 1);
  await clock.advanceAsync(60_000);
  await waitRequests(3);
  assert.deepEqual(plain(sent[1]!), [{ source: `${url}:0`, targets: ["a:2"], labels: { __meta_url: url } }]);
  abort.abort();
  await done;
});
