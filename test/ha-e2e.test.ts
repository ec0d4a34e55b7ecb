/**
 * High availability end to end on loopback, with real processes
 * (FEATURES.md section 4, checks 28 to 30 and 36 to 39; the deployment
 * guide's "Active-Active Prometheus with Alertmanager Deduplication"):
 *
 *   two servers (`promstack prometheus`, external label replica A / B,
 *   dropped for alerts by alert_relabel_configs, RL4) scrape the same
 *   targets (each other, the Alertmanagers, a demo target run by the test)
 *   and evaluate the shipped rule files; three `promstack alertmanager`s
 *   gossip as one cluster (every one lists all three, itself included, as
 *   the StatefulSet does); both servers send to all three; a webhook
 *   receiver run by the test counts what arrives.
 *
 * The configuration is the shipped one (config/prometheus/*.yml,
 * config/alertmanager/alertmanager.yml) made fast, as test/up-e2e.test.ts
 * does: scrape and evaluation every 1s instead of 15s, the `for` of
 * SLOAvailabilityFastBurn 5s instead of 2m and of TargetDown 10s instead of
 * 5m, group_wait 1s and group_interval 20s instead of 30s and 5m, and the
 * webhooks on the test's receiver. Each rewrite is asserted to hit exactly
 * the places it means, so a change of the shipped files fails loudly here.
 *
 * What fires:
 * - Watchdog (vector(1)) on both servers from the first evaluation.
 * - SLOAvailabilityFastBurn, from the servers' own data: the test sends
 *   both servers a steady trickle of POST /api/v1/admin/tsdb/clean_tombstones,
 *   which answer 503 without --web.enable-admin-api, so
 *   prometheus_http_requests_total{code="503"} grows on each and both
 *   servers (scraping each other) see the same burn rate far above 14.4.
 *   The receiver answers 500 to its first two requests on /on-call (the
 *   5xx-then-recover episode of check 37).
 * - TargetDown for the server and the Alertmanager the test SIGKILLs.
 *
 * A "duplicate" is a second accepted (HTTP 200) notification of a group
 * with the same status and alerts within the group's repeat_interval; a
 * resolved notification after a firing one, or a repeat after
 * repeat_interval (Watchdog: 1m), is not one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { Daemon, answers200, freePorts, getJSON, instantQuery, rawSamples, sleep, waitFor } from "./fixtures/ha/processes.ts";

/** --cluster.peer-timeout: the Alertmanager at position N waits N times this before notifying. */
const PEER_TIMEOUT_MS = 5_000;
/** group_interval of the test's copy of alertmanager.yml (5m in the shipped file). */
const GROUP_INTERVAL_MS = 20_000;
/** --rules.alert.resend-delay of the servers (1m by default): a restarted Alertmanager hears of firing alerts soon. */
const RESEND_DELAY = "5s";
/** Requests to /on-call the receiver answers with 500 before it recovers. */
const ON_CALL_FAILURES = 2;
/** Generous: the machine has 2 cores shared with other work. */
const START_TIMEOUT_MS = 60_000;

/** One request to the webhook receiver. */
interface Delivery {
  readonly at: number;
  readonly path: string;
  /** What the receiver answered. */
  readonly code: number;
  readonly receiver: string;
  readonly groupKey: string;
  readonly status: string;
  readonly alerts: ReadonlyArray<{ status: string; labels: Record<string, string> }>;
}

/** Replaces `from` by `to` in `s`, asserting it occurs exactly `n` times. */
function replaceExactly(s: string, from: string, to: string, n: number, file: string): string {
  const parts = s.split(from);
  assert.equal(parts.length - 1, n, `${file}: expected ${n} occurrence(s) of ${JSON.stringify(from)}`);
  return parts.join(to);
}

/** The shipped rule files with 1s intervals and short `for`s. */
function fastRules(): { recording: string; alerting: string } {
  const rec = "config/prometheus/recording_rules.yml";
  const alt = "config/prometheus/alerting_rules.yml";
  let recording = readFileSync(rec, "utf8");
  recording = replaceExactly(recording, "interval: 15s", "interval: 1s", 2, rec);
  let alerting = readFileSync(alt, "utf8");
  alerting = replaceExactly(alerting, "interval: 15s", "interval: 1s", 1, alt);
  alerting = replaceExactly(alerting, "for: 2m", "for: 5s", 1, alt); // SLOAvailabilityFastBurn
  alerting = replaceExactly(alerting, "for: 5m", "for: 10s", 1, alt); // TargetDown
  return { recording, alerting };
}

/** The shipped alertmanager.yml with a short group_wait and group_interval, sending to the test's receiver. */
function fastAlertmanagerConfig(hook: string): string {
  const f = "config/alertmanager/alertmanager.yml";
  let s = readFileSync(f, "utf8");
  s = replaceExactly(s, "group_wait: 30s", "group_wait: 1s", 1, f);
  s = replaceExactly(s, "group_interval: 5m", `group_interval: ${GROUP_INTERVAL_MS / 1000}s`, 1, f);
  s = replaceExactly(s, "http://localhost:5001/", `http://${hook}/`, 3, f);
  return s;
}

interface ScrapeConfig {
  job_name: string;
  static_configs: Array<{ targets: string[] }>;
}

/**
 * The shipped prometheus.yml as one HA replica: the same rule files and
 * external labels plus `replica`, dropped again for alerts; every
 * Alertmanager; both servers in job prometheus, the three Alertmanagers in
 * job alertmanager, and the test's demo target in place of the node
 * exporter.
 */
function haServerConfig(replica: string, servers: string[], alertmanagers: string[], demo: string): string {
  const shipped = parse(readFileSync("config/prometheus/prometheus.yml", "utf8")) as {
    global: { external_labels: Record<string, string> };
    rule_files: string[];
    scrape_configs: ScrapeConfig[];
  };
  assert.deepEqual(
    shipped.scrape_configs.map((j) => j.job_name),
    ["prometheus", "alertmanager", "node-exporter"],
  );
  const targets: Record<string, string[]> = { prometheus: servers, alertmanager: alertmanagers };
  const cfg = {
    global: { ...shipped.global, scrape_interval: "1s", evaluation_interval: "1s", external_labels: { ...shipped.global.external_labels, replica } },
    rule_files: shipped.rule_files,
    alerting: {
      alert_relabel_configs: [{ action: "labeldrop", regex: "replica" }],
      alertmanagers: [{ static_configs: [{ targets: alertmanagers }] }],
    },
    scrape_configs: [
      ...shipped.scrape_configs.filter((j) => j.job_name in targets).map((j) => ({ ...j, static_configs: [{ targets: targets[j.job_name]! }] })),
      { job_name: "demo", static_configs: [{ targets: [demo] }] },
    ],
  };
  return `# HA replica ${replica} of config/prometheus/prometheus.yml (written by test/ha-e2e.test.ts).\n${stringify(cfg)}`;
}

/** The labels of a webhook alert as a stable string. */
function labelKey(l: Record<string, string>): string {
  return JSON.stringify(Object.keys(l).sort().map((k) => [k, l[k]]));
}

/** What makes two notifications of one group the same notification: status and alerts. */
function contentKey(d: Delivery): string {
  return `${d.status} ${d.alerts.map((a) => `${a.status}:${labelKey(a.labels)}`).sort().join(" ")}`;
}

interface TargetsBody {
  data: { activeTargets: Array<{ scrapePool: string; scrapeUrl: string; labels: Record<string, string>; health: string }> };
}

/** The active targets of a server: what was scraped, without health or timing. */
async function targetSet(base: string): Promise<string[]> {
  const body = await getJSON<TargetsBody>(`${base}/api/v1/targets?state=active`);
  return body.data.activeTargets.map((t) => `${t.scrapePool} ${t.scrapeUrl} ${labelKey(t.labels)}`).sort();
}

async function targetHealth(base: string): Promise<Map<string, string>> {
  const body = await getJSON<TargetsBody>(`${base}/api/v1/targets?state=active`);
  return new Map(body.data.activeTargets.map((t) => [t.labels.instance!, t.health]));
}

interface RulesBody {
  data: { groups: Array<{ name: string; file: string; rules: Array<{ name: string; health: string; lastError?: string; type: string }> }> };
}

interface AmStatus {
  cluster: { name: string; status: string; peers: Array<{ name: string; address: string }> };
}

async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  if (m === null) throw new Error(`${name} not in ${url}`);
  return Number(m[1]);
}

test("HA: two servers, three clustered Alertmanagers, one notification per group through kills and restarts", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-ha-"));
  const [demoPort, hookPort, promA, promB, am0, am1, am2, cl0, cl1, cl2] = await freePorts(10);
  const servers = [promA, promB].map((p) => `127.0.0.1:${p}`);
  const amAddrs = [am0, am1, am2].map((p) => `127.0.0.1:${p}`);
  const clusterAddrs = [cl0, cl1, cl2].map((p) => `127.0.0.1:${p}`);
  const demoAddr = `127.0.0.1:${demoPort}`;
  const base = { A: `http://${servers[0]}`, B: `http://${servers[1]}` };
  const amBase = amAddrs.map((a) => `http://${a}`);

  const daemons: Daemon[] = [];
  const httpServers: Server[] = [];
  let traffic: NodeJS.Timeout | undefined;
  t.after(async () => {
    clearInterval(traffic);
    await Promise.all(daemons.map((d) => d.stop("SIGKILL")));
    await Promise.all(httpServers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    rmSync(dir, { recursive: true, force: true });
  });

  // The demo target: a counter that grows 10/s with time (so both servers read the same values) and a gauge.
  const demoStart = Date.now();
  const demo = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end(
      "# HELP demo_requests_total Requests served by the demo target.\n# TYPE demo_requests_total counter\n" +
        `demo_requests_total ${Math.floor((Date.now() - demoStart) / 100)}\n` +
        "# HELP demo_temperature_celsius Temperature of the demo target.\n# TYPE demo_temperature_celsius gauge\ndemo_temperature_celsius 21.5\n",
    );
  });
  httpServers.push(demo);
  await new Promise<void>((r) => demo.listen(demoPort, "127.0.0.1", () => r()));

  // The webhook receiver: records every request and what it answered.
  const deliveries: Delivery[] = [];
  let onCallFailures = ON_CALL_FAILURES;
  const hook = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const path = req.url ?? "";
      let code = 200;
      if (path === "/on-call" && onCallFailures > 0) {
        onCallFailures--;
        code = 500;
      }
      try {
        const m = JSON.parse(body) as Omit<Delivery, "at" | "path" | "code">;
        deliveries.push({ at: Date.now(), path, code, receiver: m.receiver, groupKey: m.groupKey, status: m.status, alerts: m.alerts.map((a) => ({ status: a.status, labels: a.labels })) });
      } catch {
        code = 400;
      }
      res.statusCode = code;
      res.end();
    });
  });
  httpServers.push(hook);
  await new Promise<void>((r) => hook.listen(hookPort, "127.0.0.1", () => r()));
  const accepted = (): Delivery[] => deliveries.filter((d) => d.code === 200);
  const acceptedOf = (alertname: string): Delivery[] => accepted().filter((d) => d.alerts.some((a) => a.labels.alertname === alertname));
  /** No duplicate: per group, the same status and alerts again only after the route's repeat_interval (Watchdog: 1m, else 4h). */
  const assertNoDuplicates = (): void => {
    const repeatMs = (d: Delivery): number => (d.receiver === "heartbeat" ? 60_000 : 4 * 3_600_000);
    const last = new Map<string, Delivery>();
    for (const d of accepted()) {
      const k = `${d.groupKey} ${contentKey(d)}`;
      const prev = last.get(k);
      if (prev !== undefined) assert.ok(d.at - prev.at >= repeatMs(d) - 2_000, `duplicate notification ${d.at - prev.at} ms after the first: ${JSON.stringify(d)}`);
      last.set(k, d);
    }
  };

  // Configuration files.
  const rules = fastRules();
  const amConfig = fastAlertmanagerConfig(`127.0.0.1:${hookPort}`);
  const serverDaemons = new Map<"A" | "B", Daemon>();
  const serverArgs = (replica: "A" | "B", addr: string): string[] => {
    const d = join(dir, `prometheus-${replica}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "prometheus.yml"), haServerConfig(replica, servers, amAddrs, demoAddr));
    writeFileSync(join(d, "recording_rules.yml"), rules.recording);
    writeFileSync(join(d, "alerting_rules.yml"), rules.alerting);
    return [`--config.file=${join(d, "prometheus.yml")}`, `--storage.tsdb.path=${join(d, "data")}`, `--web.listen-address=${addr}`, `--rules.alert.resend-delay=${RESEND_DELAY}`];
  };
  const amDaemons = amAddrs.map((addr, i) => {
    const d = join(dir, `alertmanager-${i}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "alertmanager.yml"), amConfig);
    const args = [
      `--config.file=${join(d, "alertmanager.yml")}`,
      `--storage.path=${join(d, "data")}`,
      `--web.listen-address=${addr}`,
      `--cluster.listen-address=${clusterAddrs[i]}`,
      ...clusterAddrs.map((c) => `--cluster.peer=${c}`),
      `--cluster.peer-timeout=${PEER_TIMEOUT_MS / 1000}s`,
      "--cluster.gossip-interval=100ms",
      "--cluster.pushpull-interval=5s",
      "--cluster.reconnect-interval=1s",
      "--cluster.settle-timeout=15s",
    ];
    const dm = Daemon.promstack(`alertmanager-${i}`, "alertmanager", args);
    daemons.push(dm);
    return dm;
  });
  for (const [i, r] of (["A", "B"] as const).entries()) {
    const dm = Daemon.promstack(`prometheus-${r}`, "prometheus", serverArgs(r, servers[i]!));
    daemons.push(dm);
    serverDaemons.set(r, dm);
  }
  const A = serverDaemons.get("A")!;

  let broken = "";
  const stage = async (name: string, fn: () => Promise<void>): Promise<void> => {
    await t.test(name, { skip: broken === "" ? false : `an earlier stage failed (${broken})` }, async () => {
      try {
        await fn();
      } catch (e) {
        broken = name;
        throw e;
      }
    });
  };
  const t0 = Date.now();
  const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

  await stage("all five daemons become ready", async () => {
    await waitFor("every daemon ready", async () => {
      const urls = [...Object.values(base), ...amBase].map((b) => `${b}/-/ready`);
      return (await Promise.all(urls.map(answers200))).every(Boolean);
    }, START_TIMEOUT_MS, daemons);
    t.diagnostic(`ready after ${elapsed()}`);
  });

  // The error trickle that drives SLOAvailabilityFastBurn: 503s from the disabled admin API of each live server.
  traffic = setInterval(() => {
    for (const b of Object.values(base)) {
      fetch(`${b}/api/v1/admin/tsdb/clean_tombstones`, { method: "POST", signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      );
    }
  }, 250);

  await stage("check 28: every Alertmanager reports a ready cluster of 3 peers", async () => {
    await waitFor("3 ready members on every Alertmanager", async () => {
      for (const b of amBase) {
        const st = await getJSON<AmStatus>(`${b}/api/v2/status`);
        if (st.cluster.status !== "ready" || st.cluster.peers.length !== 3) return false;
      }
      return true;
    }, START_TIMEOUT_MS, daemons);
    for (const b of amBase) {
      const st = await getJSON<AmStatus>(`${b}/api/v2/status`);
      assert.deepEqual(st.cluster.peers.map((p) => p.address).sort(), [...clusterAddrs].sort());
      assert.equal(await metricValue(`${b}/metrics`, "alertmanager_cluster_members"), 3);
    }
    const positions = await Promise.all(amBase.map((b) => metricValue(`${b}/metrics`, "alertmanager_peer_position")));
    assert.deepEqual([...positions].sort(), [0, 1, 2]);
  });

  let silenceID = "";
  const silenceListed = async (b: string): Promise<boolean> => {
    const list = await getJSON<Array<{ id: string; status: { state: string } }>>(`${b}/api/v2/silences`);
    return list.some((s) => s.id === silenceID && s.status.state === "active");
  };

  await stage("check 29: a silence made on one Alertmanager is listed by the other two", async () => {
    const now = Date.now();
    const silence = await getJSON<{ silenceID: string }>(`${amBase[0]}/api/v2/silences`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        matchers: [{ name: "alertname", value: "Maintenance", isRegex: false, isEqual: true }],
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        createdBy: "ha-e2e",
        comment: "replication check",
      }),
    });
    silenceID = silence.silenceID;
    await waitFor("the silence on every Alertmanager", async () => {
      for (const b of amBase) if (!(await silenceListed(b))) return false;
      return true;
    }, 15_000, daemons);
  });

  await stage("check 30: each server lists the 3 Alertmanagers as active", async () => {
    for (const b of Object.values(base)) {
      const body = await getJSON<{ data: { activeAlertmanagers: Array<{ url: string }> } }>(`${b}/api/v1/alertmanagers`);
      assert.deepEqual(body.data.activeAlertmanagers.map((a) => a.url).sort(), amAddrs.map((a) => `http://${a}/api/v2/alerts`).sort());
    }
  });

  await stage("check 36: identical targets, all up, the same rules, up and slo:* series on both, external labels equal but for replica", async () => {
    const want = [...servers, ...amAddrs, demoAddr].sort();
    for (const b of Object.values(base)) {
      await waitFor(`every target up on ${b}`, async () => {
        const h = await targetHealth(b);
        return want.every((i) => h.get(i) === "up");
      }, 30_000, daemons);
    }
    assert.deepEqual(await targetSet(base.A), await targetSet(base.B));
    assert.equal((await targetSet(base.A)).length, want.length);

    const ruleSet = async (b: string): Promise<string[]> => {
      const body = await getJSON<RulesBody>(`${b}/api/v1/rules`);
      for (const g of body.data.groups) for (const r of g.rules) assert.notEqual(r.health, "err", `${b}: ${r.name}: ${r.lastError}`);
      return body.data.groups.flatMap((g) => g.rules.map((r) => `${g.name}/${r.type}/${r.name}`));
    };
    const rulesA = await ruleSet(base.A);
    assert.deepEqual(rulesA, await ruleSet(base.B));
    assert.ok(rulesA.includes("slo_availability/alerting/SLOAvailabilityFastBurn"));

    for (const q of ["up", "slo:availability:ratio_rate5m", "slo:availability:burn_rate:1h", "slo:availability:burn_rate:6h"]) {
      const series = async (b: string): Promise<string[]> => (await instantQuery(b, q)).map((s) => labelKey(s.metric)).sort();
      await waitFor(`${q} on both servers`, async () => (await series(base.A)).length > 0 && (await series(base.B)).length > 0, 30_000, daemons);
      await waitFor(`the same ${q} series on both`, async () => JSON.stringify(await series(base.A)) === JSON.stringify(await series(base.B)), 15_000, daemons);
    }
    assert.equal((await instantQuery(base.A, "up")).length, want.length);

    const external = async (b: string): Promise<Record<string, string>> => {
      const body = await getJSON<{ data: { yaml: string } }>(`${b}/api/v1/status/config`);
      return (parse(body.data.yaml) as { global: { external_labels: Record<string, string> } }).global.external_labels;
    };
    const [ea, eb] = [await external(base.A), await external(base.B)];
    assert.deepEqual([ea.replica, eb.replica], ["A", "B"]);
    const { replica: _a, ...restA } = ea;
    const { replica: _b, ...restB } = eb;
    assert.deepEqual(restA, restB);
    assert.deepEqual(restA, { environment: "development" });
  });

  /** Waits until no Alertmanager can still be about to notify for groups flushed by `since`. */
  const settleWindow = async (since: number): Promise<void> => {
    const until = since + 2 * PEER_TIMEOUT_MS + 5_000;
    while (Date.now() < until) await sleep(250);
  };

  await stage("check 37: Watchdog and SLOAvailabilityFastBurn fire on both servers; one notification per group reaches the webhook, also through a 5xx episode", async () => {
    await waitFor("Watchdog and SLOAvailabilityFastBurn firing on both servers", async () => {
      for (const b of Object.values(base)) {
        const body = await getJSON<{ data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }>(`${b}/api/v1/alerts`);
        const firing = new Set(body.data.alerts.filter((a) => a.state === "firing").map((a) => a.labels.alertname));
        if (!firing.has("Watchdog") || !firing.has("SLOAvailabilityFastBurn")) return false;
      }
      return true;
    }, 60_000, daemons);
    await waitFor("the Watchdog and SLOAvailabilityFastBurn notifications", () => acceptedOf("Watchdog").length > 0 && acceptedOf("SLOAvailabilityFastBurn").length > 0, 60_000, daemons);
    t.diagnostic(`first notifications after ${elapsed()}`);

    // Every Alertmanager holds one alert per rule: the replica label is gone, so both servers' alerts are the same alert.
    for (const b of amBase) {
      const alerts = await getJSON<Array<{ labels: Record<string, string> }>>(`${b}/api/v2/alerts`);
      for (const name of ["Watchdog", "SLOAvailabilityFastBurn"]) {
        const mine = alerts.filter((a) => a.labels.alertname === name);
        assert.equal(mine.length, 1, `${b}: ${JSON.stringify(mine)}`);
        assert.equal(mine[0]!.labels.replica, undefined);
      }
    }

    // Through one group_interval flush of every Alertmanager, and the peer waits after it.
    const first = Math.max(acceptedOf("Watchdog")[0]!.at, acceptedOf("SLOAvailabilityFastBurn")[0]!.at);
    await settleWindow(first + GROUP_INTERVAL_MS);

    // (A Watchdog repeat is due 1m after the first; the window may reach it.)
    assertNoDuplicates();
    const watchdog = acceptedOf("Watchdog");
    assert.equal(watchdog[0]!.path, "/heartbeat");
    assert.equal(watchdog[0]!.receiver, "heartbeat");
    assert.equal(watchdog[0]!.status, "firing");
    assert.deepEqual(watchdog[0]!.alerts.map((a) => a.labels), [{ alertname: "Watchdog", environment: "development", severity: "none" }]);

    const burn = acceptedOf("SLOAvailabilityFastBurn");
    assert.equal(burn.length, 1, JSON.stringify(burn));
    assert.equal(burn[0]!.path, "/on-call");
    assert.equal(burn[0]!.receiver, "on-call");
    assert.equal(burn[0]!.status, "firing");
    assert.deepEqual(burn[0]!.alerts.map((a) => a.labels), [{ alertname: "SLOAvailabilityFastBurn", environment: "development", severity: "critical" }]);
    // The episode happened: the receiver refused the first attempts, then accepted exactly one.
    const onCall = deliveries.filter((d) => d.path === "/on-call");
    assert.deepEqual(onCall.map((d) => d.code), [...Array<number>(ON_CALL_FAILURES).fill(500), 200]);

    assert.deepEqual([...new Set(accepted().map((d) => d.alerts[0]!.labels.alertname))].sort(), ["SLOAvailabilityFastBurn", "Watchdog"]);
  });

  // Before the kills: raw samples of server A up to 2s ago, to find again after its restart.
  let beforeKillS = 0;
  let beforeKill = new Map<string, Array<[number, string]>>();
  let killedAm = -1;
  let killedAt = 0;

  await stage("checks 38 and 39: SIGKILL server A and the Alertmanager at position 0; server B keeps answering; the new TargetDown alerts arrive exactly once", async () => {
    beforeKillS = (Date.now() - 2_000) / 1000;
    beforeKill = await rawSamples(base.A, '{job="demo"}[2m]', beforeKillS);
    const demoSeries = [...beforeKill.values()];
    assert.ok(demoSeries.length >= 2 && demoSeries.every((s) => s.length >= 5), `too few samples before the kill: ${JSON.stringify([...beforeKill.keys()])}`);

    const positions = await Promise.all(amBase.map((b) => metricValue(`${b}/metrics`, "alertmanager_peer_position")));
    killedAm = positions.indexOf(0);
    assert.ok(killedAm >= 0);
    killedAt = Date.now();
    await Promise.all([A.stop("SIGKILL"), amDaemons[killedAm]!.stop("SIGKILL")]);
    t.diagnostic(`killed prometheus-A and alertmanager-${killedAm} at ${elapsed()}`);
    const live = daemons.filter((d) => d.running());

    // Check 38: the other server answers queries with fresh data.
    await waitFor("fresh demo data on server B", async () => {
      const up = await instantQuery(base.B, 'up{job="demo"}');
      return up.length === 1 && up[0]!.value[1] === "1" && up[0]!.value[0] * 1000 > killedAt;
    }, 15_000, live);

    // Check 39: the alerts that fire meanwhile arrive once each.
    await waitFor("the TargetDown notifications for the killed server and Alertmanager", () => {
      const jobs = new Set(acceptedOf("TargetDown").flatMap((d) => d.alerts.map((a) => a.labels.job)));
      return jobs.has("prometheus") && jobs.has("alertmanager");
    }, 60_000, live);
    t.diagnostic(`TargetDown notifications after ${elapsed()}`);
    await settleWindow(Math.max(...acceptedOf("TargetDown").map((d) => d.at)));

    const down = acceptedOf("TargetDown");
    assert.equal(down.length, 2, JSON.stringify(down));
    for (const [job, instance] of [
      ["prometheus", servers[0]!],
      ["alertmanager", amAddrs[killedAm]!],
    ] as const) {
      const d = down.filter((x) => x.alerts.some((a) => a.labels.job === job));
      assert.equal(d.length, 1, `${job}: ${JSON.stringify(d)}`);
      assert.equal(d[0]!.receiver, "default");
      assert.equal(d[0]!.path, "/alerts");
      assert.equal(d[0]!.status, "firing");
      assert.deepEqual(d[0]!.alerts.map((a) => a.labels), [{ alertname: "TargetDown", environment: "development", instance, job, severity: "warning" }]);
    }
    // And the failover sent nothing again for the older groups.
    assert.equal(acceptedOf("SLOAvailabilityFastBurn").length, 1);
    assertNoDuplicates();
  });

  await stage("check 38: server A restarted on its data directory becomes ready, has its data from before the kill, and resumes", async () => {
    const restartedAt = Date.now();
    A.restart();
    await waitFor("server A ready again", () => answers200(`${base.A}/-/ready`), START_TIMEOUT_MS, [A]);
    t.diagnostic(`server A ready ${((Date.now() - restartedAt) / 1000).toFixed(1)}s after its restart`);
    assert.deepEqual(await rawSamples(base.A, '{job="demo"}[2m]', beforeKillS), beforeKill);
    await waitFor("server A scraping again", async () => {
      const up = await instantQuery(base.A, 'up{job="demo"}');
      return up.length === 1 && up[0]!.value[1] === "1" && up[0]!.value[0] * 1000 > restartedAt;
    }, 30_000, [A]);
    assert.deepEqual(await targetSet(base.A), await targetSet(base.B));
    await waitFor("Watchdog firing on server A again", async () => {
      const body = await getJSON<{ data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }>(`${base.A}/api/v1/alerts`);
      return body.data.alerts.some((a) => a.labels.alertname === "Watchdog" && a.state === "firing");
    }, 30_000, [A]);
  });

  await stage("check 28/29: the killed Alertmanager restarted on its storage rejoins with the silence; no duplicate notification through the whole run", async () => {
    const am = amDaemons[killedAm]!;
    const restartedAt = Date.now();
    am.restart();
    await waitFor("3 ready members on every Alertmanager again", async () => {
      for (const b of amBase) {
        const st = await getJSON<AmStatus>(`${b}/api/v2/status`);
        if (st.cluster.status !== "ready" || st.cluster.peers.length !== 3) return false;
      }
      return true;
    }, 60_000, daemons);
    t.diagnostic(`alertmanager-${killedAm} rejoined ${((Date.now() - restartedAt) / 1000).toFixed(1)}s after its restart`);
    assert.ok(await silenceListed(amBase[killedAm]!), "the silence survives the restart");

    // The servers resend every RESEND_DELAY: the restarted Alertmanager gets the firing alerts, and must not notify them again.
    await waitFor("the firing alerts on the restarted Alertmanager", async () => {
      const alerts = await getJSON<Array<{ labels: Record<string, string> }>>(`${amBase[killedAm]}/api/v2/alerts`);
      const names = new Set(alerts.map((a) => a.labels.alertname));
      return names.has("Watchdog") && names.has("SLOAvailabilityFastBurn");
    }, 30_000, daemons);
    await settleWindow(Date.now() + 1_000);

    assertNoDuplicates();
    assert.equal(acceptedOf("SLOAvailabilityFastBurn").length, 1);
    for (const job of ["prometheus", "alertmanager"]) {
      assert.equal(acceptedOf("TargetDown").filter((d) => d.status === "firing" && d.alerts.some((a) => a.labels.job === job)).length, 1, job);
    }
    t.diagnostic(`deliveries: ${deliveries.map((d) => `${d.code} ${d.path} ${d.status} ${d.alerts.map((a) => a.labels.alertname + (a.labels.job ? `/${a.labels.job}` : "")).join(",")}`).join("; ")}`);
  });
});
