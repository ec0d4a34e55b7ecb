import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Fastify from "fastify";
import { registerAlertmanagerUI, registerUI } from "./index.ts";

const indexHTML = '<!doctype html><script type="module" src="./assets/index-abc.js"></script>';
const bigJS = "console.log(1);\n".repeat(200);

async function withUI(o: { prefix: string; externalPath: string; built: boolean }, fn: (inject: (url: string, gzip?: boolean) => Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "promstack-ui-"));
  if (o.built) {
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), indexHTML);
    writeFileSync(join(dir, "favicon.svg"), "<svg/>");
    writeFileSync(join(dir, "assets", "index-abc.js"), bigJS);
    writeFileSync(join(dir, "assets", "index-abc.css"), "body{}");
  }
  const app = Fastify();
  registerUI(app, { prefix: o.prefix, externalPath: o.externalPath, assetsDir: dir });
  try {
    await fn(async (url, gzip = false) => {
      const r = await app.inject({ url, headers: gzip ? { "accept-encoding": "gzip" } : {} });
      return { status: r.statusCode, headers: r.headers, body: r.rawPayload };
    });
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases = [
  { name: "root redirects to the query page", prefix: "", ext: "", url: "/", status: 302, location: "/query" },
  { name: "old graph page redirects with its query", prefix: "", ext: "", url: "/graph?g0.expr=up", status: 302, location: "/query?g0.expr=up" },
  { name: "prefix without slash redirects", prefix: "/prom", ext: "/prom", url: "/prom", status: 302, location: "/prom/query" },
  { name: "prefix with slash redirects", prefix: "/prom", ext: "/prom", url: "/prom/", status: 302, location: "/prom/query" },
  { name: "redirect goes to the external path", prefix: "", ext: "/ext", url: "/", status: 302, location: "/ext/query" },
  { name: "a page is index.html", prefix: "", ext: "", url: "/targets", status: 200, type: "text/html; charset=utf-8", body: indexHTML },
  { name: "a page under the prefix", prefix: "/prom", ext: "/prom", url: "/prom/tsdb-status", status: 200, type: "text/html; charset=utf-8", body: indexHTML },
  { name: "script asset", prefix: "/prom", ext: "/prom", url: "/prom/assets/index-abc.js", status: 200, type: "text/javascript; charset=utf-8", body: bigJS },
  { name: "style asset", prefix: "", ext: "", url: "/assets/index-abc.css", status: 200, type: "text/css; charset=utf-8", body: "body{}" },
  { name: "favicon", prefix: "", ext: "", url: "/favicon.svg", status: 200, type: "image/svg+xml", body: "<svg/>" },
  { name: "missing asset", prefix: "", ext: "", url: "/assets/nope.js", status: 404 },
  { name: "no climbing out of assets", prefix: "", ext: "", url: "/assets/..%2Findex.html", status: 404 },
  { name: "unknown page", prefix: "", ext: "", url: "/nope", status: 404 },
];
for (const c of cases) {
  test(`ui: ${c.name}`, async () => {
    await withUI({ prefix: c.prefix, externalPath: c.ext, built: true }, async (get) => {
      const r = await get(c.url);
      assert.equal(r.status, c.status);
      if (c.location !== undefined) assert.equal(r.headers.location, c.location);
      if (c.type !== undefined) assert.equal(r.headers["content-type"], c.type);
      if (c.body !== undefined) assert.equal(r.body.toString(), c.body);
    });
  });
}

test("ui: large text assets are gzipped when accepted, immutable", async () => {
  await withUI({ prefix: "", externalPath: "", built: true }, async (get) => {
    const r = await get("/assets/index-abc.js", true);
    assert.equal(r.headers["content-encoding"], "gzip");
    assert.equal(r.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(gunzipSync(r.body).toString(), bigJS);
    const small = await get("/assets/index-abc.css", true);
    assert.equal(small.headers["content-encoding"], undefined);
  });
});

test("ui: pages explain how to build a missing UI", async () => {
  await withUI({ prefix: "", externalPath: "", built: false }, async (get) => {
    const r = await get("/query");
    assert.equal(r.status, 500);
    assert.match(r.body.toString(), /web UI is not built .*npm run build:ui/);
  });
});

const amHTML = '<!doctype html><title>Alertmanager</title><script type="module" src="./assets/alertmanager-abc.js"></script>';

const amCases = [
  { name: "root is the page", prefix: "", ext: "", url: "/", status: 200, body: amHTML },
  { name: "page under the prefix", prefix: "/am", ext: "/am", url: "/am/", status: 200, body: amHTML },
  { name: "prefix without slash redirects", prefix: "/am", ext: "/am", url: "/am", status: 302, location: "/am/" },
  { name: "redirect goes to the external path", prefix: "/am", ext: "/ext/am", url: "/am", status: 302, location: "/ext/am/" },
  { name: "assets under the prefix", prefix: "/am", ext: "/am", url: "/am/assets/alertmanager-abc.js", status: 200, body: "render();" },
  { name: "favicon", prefix: "", ext: "", url: "/favicon.svg", status: 200, body: "<svg/>" },
  { name: "no server UI pages", prefix: "", ext: "", url: "/query", status: 404 },
  { name: "no climbing out of assets", prefix: "", ext: "", url: "/assets/..%2Falertmanager.html", status: 404 },
];
for (const c of amCases) {
  test(`alertmanager ui: ${c.name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "promstack-am-ui-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "alertmanager.html"), amHTML);
    writeFileSync(join(dir, "favicon.svg"), "<svg/>");
    writeFileSync(join(dir, "assets", "alertmanager-abc.js"), "render();");
    const app = Fastify();
    registerAlertmanagerUI(app, { prefix: c.prefix, externalPath: c.ext, assetsDir: dir });
    try {
      const r = await app.inject({ url: c.url });
      assert.equal(r.statusCode, c.status);
      if (c.location !== undefined) assert.equal(r.headers.location, c.location);
      if (c.body !== undefined) assert.equal(r.body, c.body);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("alertmanager ui: the page explains how to build a missing UI", async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-am-ui-"));
  const app = Fastify();
  registerAlertmanagerUI(app, { prefix: "", externalPath: "", assetsDir: dir });
  try {
    const r = await app.inject({ url: "/" });
    assert.equal(r.statusCode, 500);
    assert.match(r.body, /web UI is not built \(no .*alertmanager\.html\).*npm run build:ui/);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
