import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { Labels } from "../model/index.ts";
import { BodySizeLimitError, HttpScraper, HttpStatusError, ScrapeHttpClient, ScrapeRequestError, Target, populateLabels, scrapeAcceptHeader } from "./index.ts";
import { DEADLINE_EXCEEDED } from "./http-client.ts";
import { L, scrapeConfig } from "./scrape-test-util.test.ts";

const TEXT = "# TYPE a counter\na_total 1\nb 2\n";
const OM = "# TYPE a counter\na_total 1\n# EOF\n";
const BIG = Array.from({ length: 10000 }, (_, i) => `m{i="${i}"} ${i}\n`).join("");
let server: Server;
let base = "";
let lastHeaders: IncomingHttpHeaders = {};

/** Answers 200 with text and no Content-Length, written in parts cut at the offsets given, 5 ms apart. */
function writeInParts(res: ServerResponse, text: string, cuts: number[]): void {
  res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
  const ends = [...cuts, text.length];
  const part = (i: number): void => {
    const chunk = text.slice(i === 0 ? 0 : ends[i - 1], ends[i]);
    if (i === ends.length - 1) res.end(chunk);
    else {
      res.write(chunk);
      setTimeout(() => part(i + 1), 5);
    }
  };
  part(0);
}

before(async () => {
  server = createServer((req, res) => {
    lastHeaders = req.headers;
    switch (req.url) {
      case "/metrics":
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(TEXT);
        return;
      case "/om":
        res.writeHead(200, { "content-type": "application/openmetrics-text; version=1.0.0" }).end(OM);
        return;
      case "/gzip":
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4", "content-encoding": "gzip" }).end(gzipSync(TEXT));
        return;
      case "/bad-gzip":
        res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" }).end("not gzip");
        return;
      case "/fail":
        res.writeHead(500).end("oops");
        return;
      case "/redirect":
        res.writeHead(302, { location: "/metrics" }).end();
        return;
      case "/chunked":
        // No Content-Length: the body arrives in several chunks.
        writeInParts(res, TEXT, [5, 12]);
        return;
      case "/big-chunked":
        // No Content-Length, and more than the first buffer (64 KiB) holds.
        writeInParts(res, BIG, [50_000, 120_000]);
        return;
      case "/big":
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4", "content-length": String(BIG.length) }).end(BIG);
        return;
      case "/big-fail":
        res.writeHead(503).end("x".repeat(300 * 1024));
        return;
      case "/cut":
        // Promises more than it sends, then closes the connection.
        res.writeHead(200, { "content-type": "text/plain", "content-length": "1000" });
        res.write("a 1\n", () => setTimeout(() => res.socket?.destroy(), 5));
        return;
      case "/early-hints":
        res.writeEarlyHints({ link: "</style.css>; rel=preload" }, () => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(TEXT));
        return;
      case "/fail-slowly":
        // An error status whose body never ends.
        res.writeHead(500, { "content-type": "text/plain" });
        res.write("oops");
        return;
      case "/no-answer":
        return;
      case "/slow":
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("a 1\n"); // and never ends
        return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

async function get(path: string, limit = 0, clientYaml = "job_name: j"): Promise<{ contentType: string; body: string }> {
  const client = new ScrapeHttpClient(scrapeConfig(clientYaml).httpClientConfig);
  try {
    const r = await client.get(base + path, {}, new AbortController().signal, limit);
    return { contentType: r.contentType, body: Buffer.from(r.body).toString() };
  } finally {
    await client.close();
  }
}

test("HttpScraper sends Prometheus's headers", async () => {
  const cfg = scrapeConfig("job_name: j\nscrape_timeout: 7s");
  const tl = L({ __address__: base.slice("http://".length) });
  const target = new Target(populateLabels(cfg, tl, Labels.EMPTY)!, cfg, tl, Labels.EMPTY);
  const client = new ScrapeHttpClient(cfg.httpClientConfig);
  const s = new HttpScraper(client, target, {
    timeoutMs: 7000,
    bodySizeLimit: 0,
    acceptHeader: scrapeAcceptHeader(cfg),
    acceptEncoding: "gzip",
    userAgent: "Prometheus/test",
    onBodySizeLimit: () => {},
  });
  const r = await s.scrape(new AbortController().signal);
  await client.close();
  assert.equal(Buffer.from(r.body).toString(), TEXT);
  assert.equal(
    lastHeaders["accept"],
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
  );
  assert.equal(lastHeaders["accept-encoding"], "gzip");
  assert.equal(lastHeaders["user-agent"], "Prometheus/test");
  assert.equal(lastHeaders["x-prometheus-scrape-timeout-seconds"], "7");
});

const okCases = [
  { name: "text format", path: "/metrics", body: TEXT, contentType: "text/plain; version=0.0.4" },
  { name: "OpenMetrics", path: "/om", body: OM, contentType: "application/openmetrics-text; version=1.0.0" },
  { name: "gzip is inflated", path: "/gzip", body: TEXT, contentType: "text/plain; version=0.0.4" },
  { name: "redirects are followed", path: "/redirect", body: TEXT, contentType: "text/plain; version=0.0.4" },
  { name: "an informational response before the answer", path: "/early-hints", body: TEXT, contentType: "text/plain; version=0.0.4" },
  { name: "a body in several chunks", path: "/chunked", body: TEXT, contentType: "text/plain; version=0.0.4" },
  { name: "a body one byte under the limit", path: "/metrics", body: TEXT, contentType: "text/plain; version=0.0.4", limit: TEXT.length + 1 },
];
for (const c of okCases) {
  test(`get: ${c.name}`, async () => assert.deepEqual(await get(c.path, c.limit ?? 0), { contentType: c.contentType, body: c.body }));
}

test("get: a body in chunks bigger than the first buffer arrives whole", async () => {
  assert.ok(BIG.length > 128 * 1024);
  assert.deepEqual(await get("/big-chunked"), { contentType: "text/plain; version=0.0.4", body: BIG });
  assert.deepEqual(await get("/big"), { contentType: "text/plain; version=0.0.4", body: BIG });
});

test("get: release() gives the body's buffer to the next response; a body not released keeps its own", async () => {
  const client = new ScrapeHttpClient(scrapeConfig("job_name: j").httpClientConfig);
  try {
    const get1 = (path: string) => client.get(base + path, {}, new AbortController().signal, 0);
    const r1 = await get1("/metrics");
    assert.equal(Buffer.from(r1.body).toString(), TEXT);
    r1.release?.();
    const r2 = await get1("/gzip");
    assert.equal(r2.body.buffer, r1.body.buffer, "the released buffer is reused (here for the inflated body)");
    assert.equal(Buffer.from(r2.body).toString(), TEXT);
    const r3 = await get1("/metrics");
    assert.notEqual(r3.body.buffer, r2.body.buffer, "r2 was not released: r3 gets another buffer");
    assert.equal(Buffer.from(r2.body).toString(), TEXT, "and r2 is intact");
    r2.release?.();
    r2.release?.();
    const r4 = await get1("/metrics");
    const r5 = await get1("/metrics");
    assert.equal(r4.body.buffer, r2.body.buffer, "released twice, handed out once");
    assert.notEqual(r5.body.buffer, r2.body.buffer);
  } finally {
    await client.close();
  }
});

const errCases = [
  { name: "body reaching the limit", path: "/metrics", limit: TEXT.length, cls: BodySizeLimitError, msg: "body size limit exceeded" },
  { name: "gzip body reaching the limit", path: "/gzip", limit: TEXT.length, cls: BodySizeLimitError, msg: "body size limit exceeded" },
  { name: "HTTP 500", path: "/fail", limit: 0, cls: HttpStatusError, msg: "server returned HTTP status 500 Internal Server Error" },
  { name: "HTTP 404", path: "/nope", limit: 0, cls: HttpStatusError, msg: "server returned HTTP status 404 Not Found" },
  { name: "broken gzip", path: "/bad-gzip", limit: 0, cls: ScrapeRequestError, msg: "gzip: invalid header" },
];
for (const c of errCases) {
  test(`get: ${c.name} fails`, async () => {
    await assert.rejects(get(c.path, c.limit), (e: unknown) => e instanceof c.cls && (e as Error).message === c.msg);
  });
}

test("get: a big error response fails with its status, and the client goes on scraping", async () => {
  const client = new ScrapeHttpClient(scrapeConfig("job_name: j").httpClientConfig);
  try {
    for (let i = 0; i < 2; i++) {
      await assert.rejects(client.get(base + "/big-fail", {}, new AbortController().signal, 0), (e: unknown) => e instanceof HttpStatusError && e.statusCode === 503);
      const r = await client.get(base + "/metrics", {}, new AbortController().signal, 0);
      assert.equal(Buffer.from(r.body).toString(), TEXT);
    }
  } finally {
    await client.close();
  }
});

test("get: an error status whose body never ends fails with the status at the deadline", async () => {
  const client = new ScrapeHttpClient(scrapeConfig("job_name: j").httpClientConfig);
  const ctl = new AbortController();
  const p = client.get(base + "/fail-slowly", {}, ctl.signal, 0);
  setTimeout(() => ctl.abort(DEADLINE_EXCEEDED), 20);
  await assert.rejects(p, (e: unknown) => e instanceof HttpStatusError && e.statusCode === 500);
  await client.close();
});

test("get: a connection closed during the body fails without naming the request", async () => {
  const client = new ScrapeHttpClient(scrapeConfig("job_name: j").httpClientConfig);
  try {
    await assert.rejects(client.get(base + "/cut", {}, new AbortController().signal, 0), (e: unknown) => e instanceof ScrapeRequestError && !e.message.startsWith("Get "));
  } finally {
    await client.close();
  }
});

test("get: the deadline before the response headers names the request", async () => {
  const client = new ScrapeHttpClient(scrapeConfig("job_name: j").httpClientConfig);
  const ctl = new AbortController();
  const p = client.get(base + "/no-answer", {}, ctl.signal, 0);
  setTimeout(() => ctl.abort(DEADLINE_EXCEEDED), 20);
  await assert.rejects(p, (e: unknown) => e instanceof ScrapeRequestError && e.message === `Get "${base}/no-answer": context deadline exceeded`);
  await client.close();
});

test("get: redirects are not followed when follow_redirects is false", async () => {
  await assert.rejects(get("/redirect", 0, "job_name: j\nfollow_redirects: false"), (e: unknown) => e instanceof HttpStatusError && e.statusCode === 302);
});

test("get: the deadline aborts a slow body with Go's message", async () => {
  const client = new ScrapeHttpClient(scrapeConfig("job_name: j").httpClientConfig);
  const ctl = new AbortController();
  const p = client.get(base + "/slow", {}, ctl.signal, 0);
  setTimeout(() => ctl.abort(DEADLINE_EXCEEDED), 20);
  await assert.rejects(p, (e: unknown) => e instanceof ScrapeRequestError && e.message === "context deadline exceeded");
  await client.close();
});

test("get: the deadline before the response names the request", async () => {
  const client = new ScrapeHttpClient(scrapeConfig("job_name: j").httpClientConfig);
  const ctl = new AbortController();
  ctl.abort(DEADLINE_EXCEEDED);
  await assert.rejects(client.get(base + "/metrics", {}, ctl.signal, 0), (e: unknown) => e instanceof Error && e.message === `Get "${base}/metrics": context deadline exceeded`);
  await client.close();
});

test("get: connection refused reads like Go's dial error", async () => {
  const client = new ScrapeHttpClient(scrapeConfig("job_name: j").httpClientConfig);
  await assert.rejects(
    client.get("http://127.0.0.1:1/metrics", {}, new AbortController().signal, 0),
    (e: unknown) => e instanceof ScrapeRequestError && e.message === 'Get "http://127.0.0.1:1/metrics": dial tcp 127.0.0.1:1: connect: connection refused',
  );
  await client.close();
});

const authCases = [
  { name: "basic auth", yaml: "job_name: j\nbasic_auth:\n  username: u\n  password: p", want: "Basic " + Buffer.from("u:p").toString("base64") },
  { name: "authorization", yaml: "job_name: j\nauthorization:\n  credentials: tok", want: "Bearer tok" },
];
for (const c of authCases) {
  test(`get: ${c.name} header`, async () => {
    await get("/metrics", 0, c.yaml);
    assert.equal(lastHeaders["authorization"], c.want);
  });
}
