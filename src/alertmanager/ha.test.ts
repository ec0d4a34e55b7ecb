/**
 * High availability on loopback (FEATURES.md section 4, checks 28, 29, 37,
 * 39): three Alertmanagers clustered over real sockets, alerts from two
 * senders, one webhook.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHTTPServer } from "node:http";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAlertmanager } from "./index.ts";
import type { Alertmanager } from "./index.ts";
import { Peer } from "./cluster/index.ts";

/** --cluster.peer-timeout for the test: replica N waits N seconds before notifying. */
const PEER_TIMEOUT_MS = 1000;

interface Replica {
  readonly am: Alertmanager;
  readonly peer: Peer;
  readonly base: string;
  readonly dir: string;
  readonly clusterAddr: string;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a replica as cmd/alertmanager.ts does: the app (snapshots loaded), then the peer joins. */
async function startReplica(dir: string, clusterAddr: string, peers: readonly string[]): Promise<Replica> {
  const peer = new Peer({
    listenAddress: clusterAddr,
    peers,
    gossipIntervalMs: 20,
    probeIntervalMs: 100,
    probeTimeoutMs: 300,
    pushPullIntervalMs: 1000,
    settleIntervalMs: 100,
    settleTimeoutMs: 5000,
    refreshIntervalMs: 200,
    reconnectIntervalMs: 300,
  });
  const am = createAlertmanager({
    configFile: join(dir, "alertmanager.yml"),
    storagePath: join(dir, "data"),
    listenAddress: "127.0.0.1:0",
    peerTimeoutMs: PEER_TIMEOUT_MS,
    cluster: peer,
  });
  await am.start();
  await peer.start();
  return { am, peer, base: `http://127.0.0.1:${am.address.port}`, dir, clusterAddr };
}

async function kill(r: Replica): Promise<void> {
  // A crash: no leave message; the others find out by probing.
  await r.peer.stop();
  await r.am.stop();
}

async function postAlerts(base: string, alerts: unknown[]): Promise<void> {
  const res = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(alerts) });
  assert.equal(res.status, 200, await res.text());
}

/** What two Prometheus replicas send for one rule: same labels, their own startsAt. */
function fromTwoSenders(alertname: string): unknown[][] {
  const t = Date.now();
  return [0, 1].map((i) => [{ labels: { alertname, severity: "page" }, annotations: { summary: "disk full" }, startsAt: new Date(t - 1000 * (i + 1)).toISOString() }]);
}

test("three replicas: one notification per group, also with a replica killed; silences replicate; a restarted replica rejoins", async () => {
  const hooks: Array<{ groupKey: string; status: string }> = [];
  const sink = createHTTPServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const m = JSON.parse(body) as { groupKey: string; status: string };
      hooks.push({ groupKey: m.groupKey, status: m.status });
      res.end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", () => r()));
  const hookURL = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  const cfg = `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 500ms
  group_interval: 1m
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: ${hookURL}
`;
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  // As the StatefulSet: every replica lists all three, itself included.
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  const dirs = addrs.map(() => mkdtempSync(join(tmpdir(), "am-ha-")));
  for (const d of dirs) writeFileSync(join(d, "alertmanager.yml"), cfg);
  const replicas: Replica[] = [];
  const live = new Set<Replica>();
  try {
    for (let i = 0; i < 3; i++) {
      const r = await startReplica(dirs[i]!, addrs[i]!, addrs);
      replicas.push(r);
      live.add(r);
    }

    // Check 28: every replica reports a ready cluster of 3 peers.
    await waitFor("3 members and ready everywhere", () => replicas.every((r) => r.peer.clusterSize() === 3 && r.peer.status() === "ready"), 10_000);
    for (const r of replicas) {
      const st = (await (await fetch(`${r.base}/api/v2/status`)).json()) as { cluster: { name: string; status: string; peers: Array<{ name: string; address: string }> } };
      assert.equal(st.cluster.status, "ready");
      assert.equal(st.cluster.name, r.peer.name());
      assert.deepEqual(st.cluster.peers.map((p) => p.address).sort(), [...addrs].sort());
      const metrics = await (await fetch(`${r.base}/metrics`)).text();
      assert.match(metrics, /^alertmanager_cluster_members 3$/m);
      assert.match(metrics, /^alertmanager_cluster_enabled 1$/m);
      assert.match(metrics, new RegExp(`^alertmanager_peer_position ${r.peer.position()}$`, "m"));
    }
    assert.deepEqual(replicas.map((r) => r.peer.position()).sort(), [0, 1, 2]);

    // Check 37: both senders post to every replica; one notification arrives.
    for (const batch of fromTwoSenders("DiskFull")) for (const r of replicas) await postAlerts(r.base, batch);
    await waitFor("the DiskFull notification", () => hooks.length >= 1, 10_000);
    // Long enough for the last replica's wait (2 x peer timeout) and its dedup to have happened.
    await sleep(2 * PEER_TIMEOUT_MS + 1000);
    assert.deepEqual(hooks, [{ groupKey: '{}:{alertname="DiskFull"}', status: "firing" }]);

    // Check 29: a silence made on one replica is listed by the others within seconds.
    const now = Date.now();
    const sres = await fetch(`${replicas[0]!.base}/api/v2/silences`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ matchers: [{ name: "alertname", value: "Maintenance", isRegex: false }], startsAt: new Date(now).toISOString(), endsAt: new Date(now + 3600_000).toISOString(), createdBy: "ops", comment: "window" }),
    });
    assert.equal(sres.status, 200);
    const silenceID = ((await sres.json()) as { silenceID: string }).silenceID;
    const listed = async (r: Replica): Promise<boolean> => {
      const list = (await (await fetch(`${r.base}/api/v2/silences`)).json()) as Array<{ id: string; status: { state: string } }>;
      return list.some((s) => s.id === silenceID && s.status.state === "active");
    };
    await waitFor("the silence on the other replicas", async () => (await listed(replicas[1]!)) && (await listed(replicas[2]!)), 5000);

    // Check 39: the replica that notifies first (position 0) dies; a new alert still arrives once.
    const first = replicas.find((r) => r.peer.position() === 0)!;
    await kill(first);
    live.delete(first);
    const rest = replicas.filter((r) => r !== first);
    for (const batch of fromTwoSenders("CPUHot")) for (const r of rest) await postAlerts(r.base, batch);
    await waitFor("the CPUHot notification", () => hooks.length >= 2, 10_000);
    await sleep(2 * PEER_TIMEOUT_MS + 1000);
    assert.deepEqual(hooks.slice(1), [{ groupKey: '{}:{alertname="CPUHot"}', status: "firing" }]);
    await waitFor("the dead replica dropped", () => rest.every((r) => r.peer.clusterSize() === 2), 5000);

    // A replica restarted on its volume rejoins with its state and learns what it missed.
    const back = await startReplica(first.dir, first.clusterAddr, addrs);
    replicas.push(back);
    live.add(back);
    await waitFor("3 members again", () => [...live].every((r) => r.peer.clusterSize() === 3), 10_000);
    assert.notEqual(back.peer.name(), first.peer.name());
    assert.ok(await listed(back), "the silence survives the restart");
    const recv = { groupName: "hook", integration: "webhook", idx: 0 };
    assert.equal(back.am.nflog.query({ groupKey: '{}:{alertname="CPUHot"}', receiver: recv }).length, 1, "the nflog entry made while it was down arrives by push-pull");
  } finally {
    for (const r of live) await kill(r);
    await new Promise<void>((r) => sink.close(() => r()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test("a replica restarted on its volume does not notify a group firing again that a peer notified resolved while it waited its position", async () => {
  const hooks: Array<{ groupKey: string; status: string }> = [];
  const sink = createHTTPServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const m = JSON.parse(body) as { groupKey: string; status: string };
      hooks.push({ groupKey: m.groupKey, status: m.status });
      res.end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", () => r()));
  const hookURL = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  // A short group_interval, so a survivor notifies the resolution within the restarted replica's wait (2 x peer timeout).
  const cfg = `route:
  receiver: hook
  group_by: [alertname, job]
  group_wait: 500ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: ${hookURL}
    send_resolved: true
`;
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  const dirs = addrs.map(() => mkdtempSync(join(tmpdir(), "am-ha-")));
  for (const d of dirs) writeFileSync(join(d, "alertmanager.yml"), cfg);
  const live = new Set<Replica>();
  const groupKey = '{}:{alertname="TargetDown", job="alertmanager"}';
  // What a Prometheus server sends for the rule while the target is down: started a minute ago, ends unless resent.
  const firing = (): unknown[] => [{ labels: { alertname: "TargetDown", job: "alertmanager", instance: addrs[0] }, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 20_000).toISOString() }];
  const resolved = (): unknown[] => [{ labels: { alertname: "TargetDown", job: "alertmanager", instance: addrs[0] }, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date().toISOString() }];
  try {
    const replicas: Replica[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await startReplica(dirs[i]!, addrs[i]!, addrs);
      replicas.push(r);
      live.add(r);
    }
    await waitFor("3 members and ready everywhere", () => replicas.every((r) => r.peer.clusterSize() === 3 && r.peer.status() === "ready"), 10_000);

    // The replica at position 0 crashes (no snapshot written since start: its nflog file goes too); the survivors notify the group once.
    const first = replicas.find((r) => r.peer.position() === 0)!;
    await kill(first);
    live.delete(first);
    rmSync(join(first.dir, "data", "nflog"), { force: true });
    const rest = replicas.filter((r) => r !== first);
    await waitFor("the dead replica dropped", () => rest.every((r) => r.peer.clusterSize() === 2), 5000);
    for (const r of rest) await postAlerts(r.base, firing());
    await waitFor("the firing notification", () => hooks.length >= 1, 10_000);
    await sleep(PEER_TIMEOUT_MS + 500);
    assert.deepEqual(hooks, [{ groupKey, status: "firing" }]);

    // It restarts on its volume with a new name, last in the peer order. A resend of the still-firing alert reaches it
    // first, so its group flushes at once with the alert firing, then waits for the gossip to settle and 2 x peer timeout.
    const back = await startReplica(first.dir, first.clusterAddr, addrs);
    live.add(back);
    await postAlerts(back.base, firing());
    await waitFor("3 members again", () => [...live].every((r) => r.peer.clusterSize() === 3), 5000);
    assert.equal(back.peer.position(), 2);
    // Then the target is up again: the resolution reaches every replica, and a survivor notifies it within a group_interval.
    for (const r of live) await postAlerts(r.base, resolved());
    await waitFor("the resolved notification", () => hooks.length >= 2, 5000);
    // Past the restarted replica's wait and dedup of its flush (settle + 2 x peer timeout), and a few group intervals more.
    await sleep(2 * PEER_TIMEOUT_MS + 3000);
    assert.deepEqual(hooks, [
      { groupKey, status: "firing" },
      { groupKey, status: "resolved" },
    ]);
  } finally {
    for (const r of live) await kill(r);
    await new Promise<void>((r) => sink.close(() => r()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
