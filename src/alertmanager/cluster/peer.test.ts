import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer } from "node:net";
import { Matcher, MatchType } from "../../model/index.ts";
import { Registry, writeText } from "../../exposition/index.ts";
import { systemClock } from "../../util/index.ts";
import { NotificationLog } from "../nflog/index.ts";
import { Silences } from "../silence/index.ts";
import { ClusterStatus, FrameReader, FrameType, MemberState, Peer, encodeFrame, newULID } from "./index.ts";
import type { Frame, MemberUpdate, PeerOptions, Resolver } from "./index.ts";

/** Fast timings for loopback: failures are found in well under a second. */
const FAST: Partial<PeerOptions> = {
  gossipIntervalMs: 20,
  probeIntervalMs: 100,
  probeTimeoutMs: 300,
  tcpTimeoutMs: 2000,
  pushPullIntervalMs: 500,
  settleIntervalMs: 100,
  settleTimeoutMs: 10_000,
  refreshIntervalMs: 100,
  reconnectIntervalMs: 200,
  suspicionMult: 4,
  deadReapMs: 60_000,
};

/** A peer with its own silences and nflog replicated under "sil" and "nfl". */
interface Node {
  readonly peer: Peer;
  readonly silences: Silences;
  readonly nflog: NotificationLog;
}

function node(o: Partial<PeerOptions> = {}): Node {
  const peer = new Peer({ listenAddress: "127.0.0.1:0", ...FAST, ...o });
  let silences: Silences | null = null;
  let nflog: NotificationLog | null = null;
  const silBroadcast = peer.addState("sil", { merge: (b) => void silences!.merge(b), marshalBinary: () => silences!.snapshot() });
  const nflBroadcast = peer.addState("nfl", { merge: (b) => void nflog!.merge(b), marshalBinary: () => nflog!.snapshot() });
  silences = new Silences({ clock: systemClock, retentionMs: 3600_000, broadcast: silBroadcast });
  nflog = new NotificationLog({ clock: systemClock, retentionMs: 3600_000, broadcast: nflBroadcast });
  return { peer, silences, nflog };
}

/** Polls `cond` every 20ms until it holds; fails with `what` after timeoutMs. */
async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A free loopback port, for a peer that starts listening later. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function stopAll(nodes: Node[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.peer.stop()));
}

const silence = { matchers: [new Matcher(MatchType.Equal, "alertname", "Disk")], startsAt: Date.now() - 1000, endsAt: Date.now() + 3600_000, createdBy: "me", comment: "c" };

/**
 * A loopback port held by a listener that closes every connection (a peer
 * joining there fails at once, as when nothing listens), so that no peer
 * listening on port 0 meanwhile is given it; release() frees it.
 */
async function reservedPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const s = createServer((sock) => sock.destroy());
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  let released: Promise<void> | null = null;
  const release = (): Promise<void> => (released ??= new Promise<void>((r) => s.close(() => r())));
  return { port: (s.address() as { port: number }).port, release };
}

/** Three peers: a joins c before c listens, b joins a; all end up with each other. On a failure the peers started are stopped. */
async function threePeers(): Promise<Node[]> {
  const cPort = await reservedPort();
  const all: Node[] = [];
  try {
    const a = node({ peers: [`127.0.0.1:${cPort.port}`] });
    await a.peer.start();
    all.push(a);
    const b = node({ peers: [a.peer.address()] });
    await b.peer.start();
    all.push(b);
    await waitFor("a and b to see each other", () => a.peer.clusterSize() === 2 && b.peer.clusterSize() === 2);
    await cPort.release();
    const c = node({ listenAddress: `127.0.0.1:${cPort.port}` });
    await c.peer.start();
    all.push(c);
    await waitFor("3 members everywhere", () => all.every((n) => n.peer.clusterSize() === 3));
    return all;
  } catch (e) {
    await stopAll(all);
    throw e;
  } finally {
    await cPort.release();
  }
}

test("ULIDs are 26 Crockford characters that sort by time", () => {
  const a = newULID(1_700_000_000_000);
  const b = newULID(1_700_000_000_001);
  assert.match(a, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.ok(a < b);
  assert.equal(a.slice(0, 10), "01HF7YAT00");
});

test("three peers join (one through retries) and agree on distinct positions", async () => {
  const nodes = await threePeers();
  try {
    const names = nodes.map((n) => n.peer.name()).sort();
    for (const n of nodes) {
      assert.deepEqual(n.peer.peers().map((p) => p.name), names);
      assert.equal(n.peer.position(), names.indexOf(n.peer.name()));
      const self = n.peer.peers().find((p) => p.name === n.peer.name())!;
      assert.equal(self.address, n.peer.address());
    }
    assert.deepEqual(nodes.map((n) => n.peer.position()).sort(), [0, 1, 2]);
    await waitFor("settled", () => nodes.every((n) => n.peer.status() === ClusterStatus.Ready));
    await Promise.all(nodes.map((n) => n.peer.settle()));
    const r = new Registry();
    for (const c of nodes[0]!.peer.collectors()) r.register(c);
    const text = writeText((await r.gather()).families);
    assert.match(text, /^alertmanager_cluster_members 3$/m);
    assert.match(text, new RegExp(`^alertmanager_peer_position ${nodes[0]!.peer.position()}$`, "m"));
    assert.match(text, /^alertmanager_cluster_health_score 0$/m);
    assert.match(text, /^alertmanager_cluster_peers_joined_total 2$/m);
    assert.match(text, new RegExp(`^alertmanager_cluster_peer_info\\{peer="${nodes[0]!.peer.name()}"\\} 1$`, "m"));
    assert.match(text, /^alertmanager_cluster_refresh_join_total [1-9]/m);
  } finally {
    await stopAll(nodes);
  }
});

test("a --cluster.peer name that does not resolve yet is retried", async () => {
  const a = node();
  await a.peer.start();
  let resolvable = false;
  const resolver: Resolver = async (host) => {
    if (!resolvable || host !== "alertmanager-0.alertmanager") throw new Error(`lookup ${host}: no such host`);
    return ["127.0.0.1"];
  };
  const port = a.peer.address().split(":")[1];
  const b = node({ peers: [`alertmanager-0.alertmanager:${port}`], resolver });
  await b.peer.start();
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.peer.clusterSize(), 1);
    resolvable = true;
    await waitFor("b to join a once the name resolves", () => a.peer.clusterSize() === 2 && b.peer.clusterSize() === 2);
  } finally {
    await stopAll([a, b]);
  }
});

test("a peer listed in its own --cluster.peer recognizes itself", async () => {
  const port = await freePort();
  const a = node({ listenAddress: `127.0.0.1:${port}`, peers: [`localhost:${port}`] });
  await a.peer.start();
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.peer.clusterSize(), 1);
    assert.equal(a.peer.position(), 0);
  } finally {
    await a.peer.stop();
  }
});

test("silences and nflog entries replicate; newer updates win", async () => {
  const [a, b, c] = await threePeers();
  try {
    const id = a!.silences.set(silence);
    await waitFor("the silence on b and c", () => b!.silences.get(id) !== null && c!.silences.get(id) !== null, 3000);
    assert.deepEqual(c!.silences.get(id), a!.silences.get(id));
    await new Promise((r) => setTimeout(r, 5));
    b!.silences.expire(id);
    const endsAt = b!.silences.get(id)!.endsAt;
    await waitFor("the expiry on a and c", () => a!.silences.get(id)!.endsAt === endsAt && c!.silences.get(id)!.endsAt === endsAt, 3000);

    const recv = { groupName: "team", integration: "webhook", idx: 0 };
    c!.nflog.log(recv, "{}:{alertname=\"Disk\"}", [42n], []);
    await waitFor("the nflog entry on a and b", () => [a!, b!].every((n) => n.nflog.query({ groupKey: "{}:{alertname=\"Disk\"}", receiver: recv }).length === 1), 3000);
    assert.deepEqual(a!.nflog.query({ groupKey: "{}:{alertname=\"Disk\"}", receiver: recv })[0]!.firingAlerts, [42n]);
  } finally {
    await stopAll([a!, b!, c!]);
  }
});

test("a stopped peer is found dead; the others keep replicating; a left peer is dropped at once", async () => {
  const [a, b, c] = await threePeers();
  try {
    await c!.peer.stop();
    await waitFor("c dead on a and b", () => a!.peer.clusterSize() === 2 && b!.peer.clusterSize() === 2, 8000);
    const positions = [a!.peer.position(), b!.peer.position()].sort();
    assert.deepEqual(positions, [0, 1]);
    const id = a!.silences.set(silence);
    await waitFor("the silence on b", () => b!.silences.get(id) !== null, 3000);
    const r = new Registry();
    for (const col of a!.peer.collectors()) r.register(col);
    const text = writeText((await r.gather()).families);
    assert.match(text, /^alertmanager_cluster_peers_left_total 1$/m);
    assert.match(text, /^alertmanager_cluster_failed_peers 1$/m);

    await b!.peer.leave(1000);
    assert.equal(a!.peer.clusterSize(), 1, "a leave is announced before leave() resolves");
    assert.equal(a!.peer.position(), 0);
  } finally {
    await stopAll([a!, b!, c!]);
  }
});

test("a restarted peer rejoins and receives the state it missed", async () => {
  const [a, b, c] = await threePeers();
  let b2: Node | null = null;
  try {
    const addr = b!.peer.address();
    await b!.peer.stop();
    const id = a!.silences.set(silence);
    const recv = { groupName: "team", integration: "email", idx: 1 };
    c!.nflog.log(recv, "g", [7n], [8n]);
    // Same address, new process: a fresh name and empty stores, as after a pod restart without a volume.
    b2 = node({ listenAddress: addr, peers: [a!.peer.address(), c!.peer.address()] });
    await b2.peer.start();
    await waitFor("the missed silence and nflog entry on the new b", () => b2!.silences.get(id) !== null && b2!.nflog.query({ groupKey: "g", receiver: recv }).length === 1, 3000);
    await waitFor("3 live members everywhere", () => [a!, c!, b2!].every((n) => n.peer.clusterSize() === 3), 8000);
    assert.ok(!a!.peer.peers().some((p) => p.name === b!.peer.name()));
    assert.deepEqual([a!, c!, b2].map((n) => n.peer.position()).sort(), [0, 1, 2]);
  } finally {
    await stopAll([a!, b!, c!, ...(b2 === null ? [] : [b2])]);
  }
});

test("peers with different cluster labels do not join", async () => {
  const a = node({ label: "prod" });
  await a.peer.start();
  const b = node({ label: "staging", peers: [a.peer.address()] });
  await b.peer.start();
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.peer.clusterSize(), 1);
    assert.equal(b.peer.clusterSize(), 1);
  } finally {
    await stopAll([a, b]);
  }
});

test("settling waits for a stable member count, bounded by the settle timeout", async () => {
  const a = node({ settleIntervalMs: 50, settleTimeoutMs: 5000 });
  assert.equal(a.peer.status(), ClusterStatus.Settling);
  await a.peer.start();
  const t0 = Date.now();
  await a.peer.settle();
  // One poll sees the count change from 0 to 1, then 3 unchanged polls, then one more to notice.
  assert.ok(Date.now() - t0 >= 4 * 50 - 20, `settled after ${Date.now() - t0}ms`);
  assert.equal(a.peer.status(), ClusterStatus.Ready);
  await a.peer.stop();

  const b = node({ settleIntervalMs: 1000, settleTimeoutMs: 100 });
  await b.peer.start();
  const t1 = Date.now();
  await b.peer.settle();
  assert.ok(Date.now() - t1 < 900, "the settle timeout cuts settling short");
  await b.peer.stop();
});

/** Sends raw bytes to a peer and reads one answer frame, or null when the peer closes the connection. */
async function rawExchange(addr: string, bytes: Uint8Array): Promise<Frame | null> {
  const [host, port] = addr.split(":") as [string, string];
  return await new Promise<Frame | null>((resolve, reject) => {
    const sock = connect({ host, port: Number(port) });
    const reader = new FrameReader();
    sock.on("connect", () => sock.write(bytes));
    sock.on("data", (c: Buffer) => {
      reader.push(c);
      const f = reader.next();
      if (f !== null) {
        sock.destroy();
        resolve(f);
      }
    });
    sock.on("error", reject);
    sock.on("close", () => resolve(null));
  });
}

test("a suspected peer refutes with a higher incarnation; garbage is dropped and the peer keeps working", async () => {
  const a = node();
  await a.peer.start();
  try {
    const x = { name: "X", addr: "127.0.0.1:1", inc: 0 };
    const frame = (type: FrameType, updates: MemberUpdate[] = []): Uint8Array =>
      encodeFrame({ type, label: "", from: x, to: a.peer.name(), join: false, updates, parts: [] });
    assert.equal((await rawExchange(a.peer.address(), Uint8Array.of(0, 0, 0, 3, 9, 9, 9)))?.type, undefined);
    const ack = await rawExchange(a.peer.address(), frame(FrameType.Ping));
    assert.equal(ack?.type, FrameType.Ack);
    assert.equal(ack?.from.name, a.peer.name());
    assert.equal(ack?.from.inc, 0);
    await rawExchange(a.peer.address(), frame(FrameType.Gossip, [{ name: a.peer.name(), addr: a.peer.address(), inc: 0, state: MemberState.Suspect, from: "X" }]));
    const pp = await rawExchange(a.peer.address(), frame(FrameType.PushPull));
    assert.equal(pp?.type, FrameType.PushPull);
    assert.equal(pp?.from.inc, 1, "the refutation raised the incarnation");
    const self = pp!.updates.find((u) => u.name === a.peer.name())!;
    assert.equal(self.state, MemberState.Alive);
    assert.deepEqual(pp!.parts.map((p) => p.key), ["sil", "nfl"]);
    // X was learned from its frames; it does not answer probes, so it goes suspect, then dead.
    await waitFor("X dead", () => !a.peer.peers().some((p) => p.name === "X"), 5000);
    assert.equal(a.peer.position(), 0);
  } finally {
    await a.peer.stop();
  }
});
