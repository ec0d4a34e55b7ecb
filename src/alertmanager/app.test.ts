import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createAlertmanager } from "./index.ts";
import type { Alertmanager } from "./index.ts";
import { runAmtool } from "./amtool/index.ts";

const run = promisify(execFile);

/** A local webhook receiver collecting the JSON payloads it gets. */
async function webhookSink(): Promise<{ url: string; received: Array<Record<string, unknown>>; next: (timeoutMs: number) => Promise<Record<string, unknown>>; close: () => Promise<void> }> {
  const received: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  const srv = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  let seen = 0;
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`,
    received,
    next: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (received.length <= seen) {
        if (Date.now() > deadline) throw new Error("no webhook notification within the timeout");
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return received[seen++]!;
    },
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}

function config(hook: string, extra = ""): string {
  return `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: ${hook}
    send_resolved: true
${extra}`;
}

async function startAM(dir: string): Promise<{ am: Alertmanager; base: string }> {
  const am = createAlertmanager({ configFile: join(dir, "alertmanager.yml"), storagePath: join(dir, "data"), listenAddress: "127.0.0.1:0", externalUrl: "http://am.example:9093" });
  await am.start();
  return { am, base: `http://127.0.0.1:${am.address.port}` };
}

async function post(url: string, body: string, contentType = "application/json"): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { method: "POST", headers: { "Content-Type": contentType }, body });
  return { status: r.status, text: await r.text() };
}

async function getJSON<T>(url: string): Promise<T> {
  const r = await fetch(url);
  assert.equal(r.status, 200, `GET ${url}`);
  return (await r.json()) as T;
}

interface GettableAlert {
  labels: Record<string, string>;
  fingerprint: string;
  receivers: Array<{ name: string }>;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
  startsAt: string;
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "am-app-"));
}

test("alerts are delivered to a webhook after group_wait; silences suppress; restart keeps silences and the nflog", async () => {
  const dir = tmp();
  const sink = await webhookSink();
  writeFileSync(join(dir, "alertmanager.yml"), config(sink.url));
  let { am, base } = await startAM(dir);
  try {
    const r = await post(`${base}/api/v2/alerts`, JSON.stringify([{ labels: { alertname: "Fire", job: "x" }, annotations: { summary: "s" } }]));
    assert.equal(r.status, 200);
    const msg = await sink.next(5000);
    assert.equal(msg["version"], "4");
    assert.equal(msg["status"], "firing");
    assert.equal(msg["receiver"], "hook");
    assert.equal(msg["groupKey"], '{}:{alertname="Fire"}');
    assert.equal(msg["externalURL"], "http://am.example:9093");
    assert.deepEqual((msg["alerts"] as Array<{ labels: unknown }>)[0]!.labels, { alertname: "Fire", job: "x" });

    // A silence: created, listed, applied to a new alert.
    const now = Date.now();
    const sr = await post(
      `${base}/api/v2/silences`,
      JSON.stringify({ matchers: [{ name: "alertname", value: "Quiet", isRegex: false }], startsAt: new Date(now).toISOString(), endsAt: new Date(now + 3600_000).toISOString(), createdBy: "test", comment: "c" }),
    );
    assert.equal(sr.status, 200, sr.text);
    const id = (JSON.parse(sr.text) as { silenceID: string }).silenceID;
    const list = await getJSON<Array<{ id: string; status: { state: string }; matchers: unknown[] }>>(`${base}/api/v2/silences`);
    assert.deepEqual(
      list.map((s) => [s.id, s.status.state]),
      [[id, "active"]],
    );
    assert.deepEqual(list[0]!.matchers, [{ isEqual: true, isRegex: false, name: "alertname", value: "Quiet" }]);
    assert.equal((await post(`${base}/api/v2/alerts`, JSON.stringify([{ labels: { alertname: "Quiet" } }]))).status, 200);
    const alerts = await getJSON<GettableAlert[]>(`${base}/api/v2/alerts`);
    const quiet = alerts.find((a) => a.labels["alertname"] === "Quiet")!;
    assert.deepEqual(quiet.status, { inhibitedBy: [], mutedBy: [], silencedBy: [id], state: "suppressed" });
    assert.deepEqual(quiet.receivers, [{ name: "hook" }]);
    const unsilenced = await getJSON<GettableAlert[]>(`${base}/api/v2/alerts?silenced=false`);
    assert.deepEqual(
      unsilenced.map((a) => a.labels["alertname"]),
      ["Fire"],
    );
    const groups = await getJSON<Array<{ labels: Record<string, string>; receiver: { name: string }; alerts: unknown[] }>>(`${base}/api/v2/alerts/groups`);
    assert.deepEqual(
      groups.map((g) => [g.labels, g.receiver.name, g.alerts.length]),
      [
        [{ alertname: "Fire" }, "hook", 1],
        [{ alertname: "Quiet" }, "hook", 1],
      ],
    );
    // Let the silenced group flush (nothing is sent), then restart.
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(sink.received.length, 1, "the silenced alert was not sent");
    await am.stop();
    assert.ok(existsSync(join(dir, "data", "silences")) && existsSync(join(dir, "data", "nflog")));

    ({ am, base } = await startAM(dir));
    const after = await getJSON<Array<{ id: string }>>(`${base}/api/v2/silence/${id}`);
    assert.equal((after as unknown as { id: string }).id, id);
    // Prometheus re-sends the firing alert: the nflog says it was notified, so nothing is sent again.
    assert.equal((await post(`${base}/api/v2/alerts`, JSON.stringify([{ labels: { alertname: "Fire", job: "x" }, annotations: { summary: "s" } }]))).status, 200);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(sink.received.length, 1, "no duplicate after restart");

    // Expire the silence; it shows as expired.
    assert.equal((await fetch(`${base}/api/v2/silence/${id}`, { method: "DELETE" })).status, 200);
    const expired = await getJSON<{ status: { state: string } }>(`${base}/api/v2/silence/${id}`);
    assert.equal(expired.status.state, "expired");
  } finally {
    await am.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const badInput = [
  { name: "malformed JSON", path: "/api/v2/alerts", body: "not json", status: 400, contains: '"code":400' },
  { name: "empty body", path: "/api/v2/alerts", body: "", status: 422, contains: '{"code":602,"message":"alerts in body is required"}' },
  { name: "object instead of list", path: "/api/v2/alerts", body: "{}", status: 400, contains: "cannot unmarshal object into Go value of type models.PostableAlerts" },
  { name: "alert without labels field", path: "/api/v2/alerts", body: "[{}]", status: 422, contains: "0.labels in body is required" },
  { name: "alert with empty labels", path: "/api/v2/alerts", body: '[{"labels":{"a":""}}]', status: 400, contains: '"at least one label pair required"' },
  {
    name: "two invalid alerts",
    path: "/api/v2/alerts",
    body: '[{"labels":{"a b":"x"}},{"labels":{"a":"1"},"startsAt":"2020-01-01T00:00:00Z","endsAt":"2019-01-01T00:00:00Z"}]',
    status: 400,
    contains: '"invalid label set: invalid name \\"a b\\"; start time must be before end time"',
  },
  { name: "bad generatorURL", path: "/api/v2/alerts", body: '[{"labels":{"a":"1"},"generatorURL":"::bad"}]', status: 422, contains: '{"code":601,"message":"0.generatorURL in body must be of type uri: \\"::bad\\""}' },
  { name: "text/plain body", path: "/api/v2/alerts", body: "[]", contentType: "text/plain", status: 415, contains: 'unsupported media type \\"text/plain\\"' },
  { name: "silence without comment", path: "/api/v2/silences", body: "{}", status: 422, contains: "comment in body is required" },
  {
    name: "silence with empty matchers",
    path: "/api/v2/silences",
    body: '{"matchers":[],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"a","comment":"c"}',
    status: 422,
    contains: '{"code":612,"message":"matchers in body should have at least 1 items"}',
  },
  {
    name: "silence matching everything",
    path: "/api/v2/silences",
    body: '{"matchers":[{"name":"a","value":"","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"a","comment":"c"}',
    status: 400,
    contains: '"silence invalid: at least one matcher must not match the empty string"',
  },
  {
    name: "silence ending in the past",
    path: "/api/v2/silences",
    body: '{"matchers":[{"name":"a","value":"x","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2021-01-01T00:00:00Z","createdBy":"a","comment":"c"}',
    status: 400,
    contains: `"Failed to create silence: end time can't be in the past"`,
  },
  {
    name: "silence with a bad regex",
    path: "/api/v2/silences",
    body: '{"matchers":[{"name":"a","value":"(","isRegex":true}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"a","comment":"c"}',
    status: 400,
    contains: "silence invalid: invalid label matcher 0: invalid regular expression",
  },
  {
    name: "update of an unknown silence",
    path: "/api/v2/silences",
    body: '{"id":"nope","matchers":[{"name":"a","value":"x","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"a","comment":"c"}',
    status: 404,
    contains: '"silence not found"',
  },
];

test("bad input gets upstream's status codes and the server keeps working", async () => {
  const dir = tmp();
  writeFileSync(join(dir, "alertmanager.yml"), config("http://127.0.0.1:1/none"));
  const { am, base } = await startAM(dir);
  try {
    for (const c of badInput) {
      const r = await post(base + c.path, c.body, c.contentType);
      assert.equal(r.status, c.status, `${c.name}: ${r.text}`);
      assert.ok(r.text.includes(c.contains), `${c.name}: ${r.text}`);
    }
    const gets = [
      { path: "/api/v2/alerts?filter=foo", status: 400, body: '"bad matcher format: foo"\n' },
      { path: "/api/v2/alerts?receiver=%28", status: 400, body: null },
      { path: "/api/v2/silences?filter=foo", status: 400, body: '"bad matcher format: foo"\n' },
      { path: "/api/v2/silence/abc", status: 422, body: '{"code":601,"message":"silenceID in path must be of type uuid: \\"abc\\""}\n' },
      { path: "/api/v2/silence/6e1b5a9e-4a4c-4b39-9b0f-000000000000", status: 404, body: "" },
      { path: "/-/healthy", status: 200, body: "OK" },
      { path: "/-/ready", status: 200, body: "OK" },
      { path: "/-/reload", status: 405, body: "Method Not Allowed\n" },
      { path: "/api/v2/receivers", status: 200, body: '[{"name":"hook"}]\n' },
    ];
    for (const g of gets) {
      const r = await fetch(base + g.path);
      const text = await r.text();
      assert.equal(r.status, g.status, g.path);
      if (g.body !== null) assert.equal(text, g.body, g.path);
    }
    // An oversized body is refused with 413; the server keeps answering.
    const big = await post(`${base}/api/v2/alerts`, "[" + " ".repeat(65 * 1024 * 1024) + "]");
    assert.equal(big.status, 413);
    assert.equal((await post(`${base}/api/v2/alerts`, '[{"labels":{"alertname":"ok"}}]')).status, 200);
    const status = await getJSON<{ cluster: unknown; config: { original: string }; versionInfo: { version: string }; uptime: string }>(`${base}/api/v2/status`);
    assert.deepEqual(status.cluster, { peers: [], status: "disabled" });
    assert.match(status.config.original, /receiver: hook/);
    assert.match(status.uptime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const line of [
      'alertmanager_alerts_invalid_total{version="v2"} 3',
      "alertmanager_config_last_reload_successful 1",
      "alertmanager_cluster_enabled 0",
      'alertmanager_silences{state="active"} 0',
    ]) {
      assert.ok(metrics.includes(line + "\n"), line);
    }
    // The alert is unprocessed until its group flushes (group_wait 100ms), then active.
    const byState = (st: string): number => Number(new RegExp(`^alertmanager_alerts\\{state="${st}"\\} (\\d+)$`, "m").exec(metrics)?.[1]);
    assert.equal(byState("active") + byState("unprocessed"), 1);
    assert.match(metrics, /^process_resident_memory_bytes /m);
    assert.match(metrics, /^alertmanager_notifications_total\{integration="webhook"\} /m);
    assert.match(metrics, /^alertmanager_build_info\{/m);
  } finally {
    await am.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a broken configuration on reload keeps the running one", async () => {
  const dir = tmp();
  const file = join(dir, "alertmanager.yml");
  writeFileSync(file, config("http://127.0.0.1:1/none"));
  const { am, base } = await startAM(dir);
  try {
    writeFileSync(file, "route: {receiver: nope}\n");
    const r = await post(`${base}/-/reload`, "", "text/plain");
    assert.equal(r.status, 500);
    assert.equal(r.text, 'failed to reload config: undefined receiver "nope" used in route\n');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.ok(metrics.includes("alertmanager_config_last_reload_successful 0\n"));
    assert.deepEqual(await getJSON(`${base}/api/v2/receivers`), [{ name: "hook" }]);
    writeFileSync(file, config("http://127.0.0.1:1/none").replace(/(receiver|name): hook/g, "$1: other"));
    const ok = await post(`${base}/-/reload`, "", "text/plain");
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(await getJSON(`${base}/api/v2/receivers`), [{ name: "other" }]);
  } finally {
    await am.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs our amtool in-process; returns the exit code and output. */
async function ourAmtool(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runAmtool(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), readStdin: async () => "", now: () => Date.now(), configFiles: [] });
  return { code, out, err };
}

test("our amtool: --version prints the version on stdout, as upstream's, wherever it is given", async () => {
  for (const argv of [["--version"], ["silence", "query", "--version"]]) {
    const r = await ourAmtool(...argv);
    assert.deepEqual([r.code, r.err], [0, ""], argv.join(" "));
    assert.match(r.out, /^amtool, version \d+\.\d+\.\d+ \(promstack\)\n {2}platform: /);
  }
});

test("our amtool against our server", async () => {
  const dir = tmp();
  writeFileSync(join(dir, "alertmanager.yml"), config("http://127.0.0.1:1/none"));
  const { am, base } = await startAM(dir);
  const url = `--alertmanager.url=${base}`;
  try {
    assert.equal((await ourAmtool(url, "alert", "add", "foo", "node=bar", "--annotation=summary=hello")).code, 0);
    const q = await ourAmtool(url, "alert", "query");
    assert.match(q.out, /^Alertname {2}Starts At {16}Summary {2}State {3}\nfoo {8}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ {2}hello {4}active {2}\n$/);
    const add = await ourAmtool(url, "silence", "add", "foo", "-c", "maintenance", "-a", "me", "-d", "2h");
    assert.equal(add.code, 0, add.err);
    const id = add.out.trim();
    assert.match(id, /^[0-9a-f-]{36}$/);
    const sq = await ourAmtool(url, "silence", "query", "-q");
    assert.equal(sq.out, id + "\n");
    const sj = JSON.parse((await ourAmtool(url, "silence", "query", "-o", "json")).out) as Array<{ createdBy: string; comment: string }>;
    assert.deepEqual([sj[0]!.createdBy, sj[0]!.comment], ["me", "maintenance"]);
    const supp = await ourAmtool(url, "alert", "query", "-s");
    assert.match(supp.out, /suppressed/);
    const rt = await ourAmtool(url, "config", "routes", "test", "--verify.receivers=hook", "alertname=x");
    assert.deepEqual([rt.code, rt.out], [0, "hook\n"]);
    // Export and re-import (--force: a new silence with the same matchers).
    const exported = (await ourAmtool(url, "silence", "query", "-o", "json")).out;
    let imported = "";
    const code = await runAmtool([url, "silence", "import", "--force"], {
      stdout: (s) => (imported += s),
      stderr: () => {},
      readStdin: async () => exported,
      now: () => Date.now(),
      configFiles: [],
    });
    assert.equal(code, 0);
    const id2 = imported.trim();
    assert.match(id2, /^[0-9a-f-]{36}$/);
    assert.notEqual(id2, id);
    assert.equal((await ourAmtool(url, "silence", "expire", id, id2)).code, 0);
    assert.equal((await ourAmtool(url, "silence", "query", "-q")).out, "");
    assert.deepEqual((await ourAmtool(url, "silence", "query", "-q", "--expired")).out.trim().split("\n").sort(), [id, id2].sort());
    const bad = await ourAmtool(url, "silence", "expire", "00000000-0000-0000-0000-000000000000");
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^amtool: error: \[DELETE \/silence\/\{silenceID\}\]\[404\]/);
  } finally {
    await am.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("our amtool check-config and config routes on a file", async () => {
  const dir = tmp();
  const good = join(dir, "good.yml");
  const bad = join(dir, "bad.yml");
  writeFileSync(good, config("http://127.0.0.1:1/none"));
  writeFileSync(bad, "route: {receiver: nope}\n");
  try {
    const ok = await ourAmtool("check-config", good);
    assert.deepEqual([ok.code, ok.out], [0, `Checking '${good}'  SUCCESS\nFound:\n - global config\n - route\n - 0 inhibit rules\n - 1 receivers\n - 0 templates\n\n`]);
    const ko = await ourAmtool("check-config", bad);
    assert.deepEqual([ko.code, ko.out, ko.err], [1, `Checking '${bad}'  FAILED: undefined receiver "nope" used in route\n\n`, "amtool: error: failed to validate 1 file(s)\n\n"]);
    const show = await ourAmtool("config", "routes", "show", `--config.file=${good}`);
    assert.equal(show.out, "Routing tree:\n.\n└── default-route  receiver: hook\n\n");
    const tree = await ourAmtool("config", "routes", "test", `--config.file=${good}`, "--tree", "alertname=x");
    assert.equal(tree.out, "Matching routes:\n.\n└── default-route  receiver: hook\n\n\nhook\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const DEBIAN_AMTOOL = "/usr/bin/amtool";
const DEBIAN_ALERTMANAGER = "/usr/bin/prometheus-alertmanager";
const DEBIAN_PROMETHEUS = "/usr/bin/prometheus";

test("Debian's amtool works against our server", { skip: existsSync(DEBIAN_AMTOOL) ? false : `${DEBIAN_AMTOOL} not installed` }, async () => {
  const dir = tmp();
  writeFileSync(join(dir, "alertmanager.yml"), config("http://127.0.0.1:1/none"));
  const { am, base } = await startAM(dir);
  const amtool = (...args: string[]) => run(DEBIAN_AMTOOL, [`--alertmanager.url=${base}`, ...args]);
  try {
    await amtool("alert", "add", "deb", "node=n1", "--annotation=summary=from debian");
    const q = await amtool("alert", "query");
    assert.match(q.stdout, /^Alertname +Starts At +Summary +State +\ndeb +.+ +from debian +active +\n$/);
    const ext = await amtool("alert", "query", "-o", "extended");
    assert.match(ext.stdout, /alertname="deb" node="n1" +summary="from debian"/);
    const id = (await amtool("silence", "add", "deb", "-c", "debian", "-a", "tester")).stdout.trim();
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal((await amtool("silence", "query", "-q")).stdout, id + "\n");
    const sq = await amtool("silence", "query");
    assert.match(sq.stdout, new RegExp(`${id} +alertname="deb" +.+ +tester +debian`));
    assert.match((await amtool("alert", "query", "-s")).stdout, /deb .*suppressed/);
    await amtool("silence", "expire", id);
    assert.equal((await amtool("silence", "query", "-q")).stdout, "");
    assert.match((await amtool("silence", "query", "--expired")).stdout, new RegExp(id));
    const status = JSON.parse((await amtool("config", "show", "-o", "json")).stdout) as { cluster: { status: string } };
    assert.equal(status.cluster.status, "disabled");
  } finally {
    await am.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A configuration using what amtool 0.25 has to read back from config.original: secrets, URLs, email defaults, nested routes. */
const ROUTES_CONFIG = `global:
  smtp_smarthost: localhost:25
  smtp_from: am@example.com
  smtp_auth_password: secretpw
  slack_api_url: https://hooks.slack.com/services/XXX
route:
  receiver: hook
  group_by: [alertname]
  routes:
  - matchers: ['severity="critical"']
    receiver: pager
    continue: true
  - match: {team: db}
    receiver: db
inhibit_rules:
- source_matchers: [severity=critical]
  target_matchers: [severity=warning]
  equal: [alertname]
receivers:
- name: hook
  webhook_configs:
  - url: http://127.0.0.1:1/hook
    http_config:
      basic_auth: {username: u, password: p}
- name: pager
  email_configs:
  - to: oncall@example.com
  slack_configs:
  - channel: '#pager'
- name: db
  pagerduty_configs:
  - routing_key: abc
`;

test("Debian's amtool config routes show and test against our server", { skip: existsSync(DEBIAN_AMTOOL) ? false : `${DEBIAN_AMTOOL} not installed` }, async () => {
  const dir = tmp();
  writeFileSync(join(dir, "alertmanager.yml"), ROUTES_CONFIG);
  const { am, base } = await startAM(dir);
  const amtool = (...args: string[]) => run(DEBIAN_AMTOOL, [`--alertmanager.url=${base}`, ...args]);
  try {
    const show = await amtool("config", "routes", "show");
    assert.equal(
      show.stdout,
      'Routing tree:\n.\n└── default-route  receiver: hook\n    ├── {severity="critical"}  continue: true  receiver: pager\n    └── {team="db"}  receiver: db\n\n',
    );
    const cases: ReadonlyArray<{ labels: readonly string[]; want: string }> = [
      { labels: ["alertname=x"], want: "hook\n" },
      { labels: ["severity=critical"], want: "pager\n" },
      { labels: ["severity=critical", "team=db"], want: "pager,db\n" },
      { labels: ["team=db"], want: "db\n" },
    ];
    for (const c of cases) assert.equal((await amtool("config", "routes", "test", ...c.labels)).stdout, c.want, c.labels.join(" "));
    const verified = await amtool("config", "routes", "test", "--verify.receivers=db", "team=db");
    assert.equal(verified.stdout, "db\n");
    await assert.rejects(amtool("config", "routes", "test", "--verify.receivers=hook", "team=db"), (e: { code: number; stdout: string }) => e.code === 1 && e.stdout.includes("WARNING: Expected receivers did not match resolved receivers."));
  } finally {
    await am.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("config.original is printed as Debian's Alertmanager 0.25 prints it", { skip: existsSync(DEBIAN_ALERTMANAGER) ? false : `${DEBIAN_ALERTMANAGER} not installed` }, async () => {
  const dir = tmp();
  writeFileSync(join(dir, "alertmanager.yml"), ROUTES_CONFIG);
  const { am, base } = await startAM(dir);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn(DEBIAN_ALERTMANAGER, [`--config.file=${join(dir, "alertmanager.yml")}`, `--storage.path=${join(dir, "debian")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], { stdio: "ignore" });
  try {
    const deadline = Date.now() + 10_000;
    while ((await fetch(`http://127.0.0.1:${port}/-/ready`).catch(() => null))?.status !== 200) {
      if (Date.now() > deadline) throw new Error("Debian's Alertmanager did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    const original = async (url: string) => (await getJSON<{ config: { original: string } }>(`${url}/api/v2/status`)).config.original;
    assert.equal(await original(base), await original(`http://127.0.0.1:${port}`));
  } finally {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
    await am.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("our amtool against Debian's Alertmanager", { skip: existsSync(DEBIAN_ALERTMANAGER) ? false : `${DEBIAN_ALERTMANAGER} not installed` }, async () => {
  const dir = tmp();
  writeFileSync(join(dir, "am.yml"), config("http://127.0.0.1:1/none"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn(DEBIAN_ALERTMANAGER, [`--config.file=${join(dir, "am.yml")}`, `--storage.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], { stdio: "ignore" });
  const url = `--alertmanager.url=http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 10_000;
    while ((await fetch(`http://127.0.0.1:${port}/-/ready`).catch(() => null))?.status !== 200) {
      if (Date.now() > deadline) throw new Error("Debian's Alertmanager did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await ourAmtool(url, "alert", "add", "up", "--annotation=summary=ours")).code, 0);
    const q = await ourAmtool(url, "alert", "query");
    assert.match(q.out, /\nup +.+ +ours +active +\n$/);
    const add = await ourAmtool(url, "silence", "add", "up", "-c", "c");
    assert.equal(add.code, 0, add.err);
    assert.equal((await ourAmtool(url, "silence", "query", "-q")).out, add.out);
    assert.equal((await ourAmtool(url, "silence", "expire", add.out.trim())).code, 0);
    assert.equal((await ourAmtool(url, "config", "routes", "test", "alertname=up")).out, "hook\n");
  } finally {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Debian's Prometheus 2.42 sends alerts that are routed and delivered", { skip: existsSync(DEBIAN_PROMETHEUS) ? false : `${DEBIAN_PROMETHEUS} not installed` }, async () => {
  const dir = tmp();
  const sink = await webhookSink();
  writeFileSync(join(dir, "alertmanager.yml"), config(sink.url));
  const { am, base } = await startAM(dir);
  const port = 20000 + Math.floor(Math.random() * 20000);
  writeFileSync(join(dir, "rules.yml"), "groups:\n- name: g\n  interval: 1s\n  rules:\n  - alert: AlwaysOn\n    expr: vector(1)\n    labels: {severity: page}\n    annotations: {summary: always}\n");
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global: {evaluation_interval: 1s}\nrule_files: [rules.yml]\nalerting:\n  alertmanagers:\n  - static_configs:\n    - targets: ['127.0.0.1:${am.address.port}']\n`,
  );
  const proc = spawn(DEBIAN_PROMETHEUS, [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "prom")}`, `--web.listen-address=127.0.0.1:${port}`, "--rules.alert.resend-delay=1s"], { stdio: "ignore" });
  try {
    const msg = await sink.next(20_000);
    assert.equal(msg["status"], "firing");
    const alert = (msg["alerts"] as Array<{ labels: Record<string, string>; annotations: Record<string, string>; generatorURL: string }>)[0]!;
    assert.deepEqual(alert.labels, { alertname: "AlwaysOn", severity: "page" });
    assert.deepEqual(alert.annotations, { summary: "always" });
    assert.match(alert.generatorURL, /\/graph\?g0\.expr=vector%281%29/);
    const alerts = await getJSON<GettableAlert[]>(`${base}/api/v2/alerts`);
    assert.deepEqual(
      alerts.map((a) => [a.labels["alertname"], a.status.state]),
      [["AlwaysOn", "active"]],
    );
  } finally {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
    await am.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
