import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as undiciIndex from "undici";
import { Agent, redirectInterceptor, request } from "./undici.ts";

test("undici modules: the paths give the Agent and redirect interceptor that undici's index exports", () => {
  assert.equal(Agent, undiciIndex.Agent);
  assert.equal(redirectInterceptor, undiciIndex.interceptors.redirect);
});

test("undici request(): method, headers, body, path with query, through the given dispatcher; a redirect is followed only when composed", async (t) => {
  const seen: string[] = [];
  const srv = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push(`${req.method} ${req.url} ${req.headers["x-test"] ?? ""} ${body}`);
      if (req.url === "/old") {
        res.writeHead(302, { location: "/new?b=2" }).end();
        return;
      }
      res.writeHead(201, { "content-type": "text/plain" }).end(`got ${req.url}`);
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const agent = new Agent();
  t.after(async () => {
    await agent.close();
    srv.close();
  });
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;

  const res = await request(`${base}/write?a=1`, { method: "POST", headers: { "x-test": "yes" }, body: "payload", dispatcher: agent });
  assert.equal(res.statusCode, 201);
  assert.equal(await res.body.text(), "got /write?a=1");

  const plain = await request(new URL(`${base}/old`), { method: "GET", dispatcher: agent });
  assert.equal(plain.statusCode, 302);
  await plain.body.dump();

  const followed = await request(`${base}/old`, { method: "GET", dispatcher: agent.compose(redirectInterceptor({ maxRedirections: 1 })) });
  assert.equal(followed.statusCode, 201);
  assert.equal(await followed.body.text(), "got /new?b=2");

  assert.deepEqual(seen, ["POST /write?a=1 yes payload", "GET /old  ", "GET /old  ", "GET /new?b=2  "]);
});

test("undici modules: the prometheus and alertmanager commands load none of undici's index (fetch, WebSocket, cache, mocks)", () => {
  for (const cmd of ["prometheus", "alertmanager"]) {
    const url = new URL(`../cmd/${cmd}.js`, import.meta.url).href;
    const script = `await import(${JSON.stringify(url)});
      const { createRequire } = await import("node:module");
      const cache = createRequire(import.meta.url).cache;
      const undici = Object.keys(cache).filter((k) => k.includes("/node_modules/undici/"));
      console.log(JSON.stringify({ n: undici.length, index: undici.filter((k) => k.endsWith("/undici/index.js") || k.includes("/undici/lib/web/")) }));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { n: number; index: string[] };
    assert.ok(got.n > 0, `${cmd}: loads undici's dispatcher modules`);
    assert.deepEqual(got.index, [], `${cmd}: loads undici's index or its web modules`);
  }
});
