/**
 * A gossip cluster member (upstream cluster/cluster.go on top of
 * hashicorp/memberlist), in the shape SWIM gives it:
 *
 *   members: name -> { addr, incarnation, state }
 *
 *        ping fails              suspicion timeout
 *   alive ----------> suspect -------------------> dead ---> (reaped after deadReapMs)
 *     ^                  |  refuted: the member      |
 *     +------------------+  raises its incarnation   | reconnect every reconnectIntervalMs
 *     +----------------------------------------------+ until reconnectTimeoutMs
 *   alive --(leave)--> left
 *
 * - Probes: every probeIntervalMs one member (round robin) gets a Ping and
 *   must Ack within probeTimeoutMs, or it becomes suspect.
 * - Gossip: every gossipIntervalMs each member's outbox (membership
 *   updates and state deltas) goes out in one Gossip frame; a failed send
 *   stays queued and is retried, so deltas are not lost while the member
 *   is up. Received updates that change the member list are re-queued to
 *   the others; state deltas are not (everyone got them from the source).
 * - Push-pull: on join, on refresh of the --cluster.peer addresses, on
 *   reconnect and every pushPullIntervalMs with one random member, both
 *   sides exchange their full member list and full state and merge it.
 * - Settling (upstream Peer.Settle): "settling" until the member count is
 *   unchanged for 3 polls of settleIntervalMs, or settleTimeoutMs passed.
 * - Position: this peer's index in the live members sorted by name;
 *   notifications wait position x --cluster.peer-timeout.
 *
 * NOTE: Alertmanager clusters over memberlist's protocol; promstack speaks
 * its own (see wire.ts) over TCP on the same --cluster.* flags, so
 * promstack replicas cluster with each other but not with Go Alertmanagers.
 */

import { randomBytes } from "node:crypto";
import { connect, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { CounterVec, GaugeFunc, GaugeVec } from "../../exposition/index.ts";
import type { Collector } from "../../exposition/index.ts";
import { nopLogger, systemClock } from "../../util/index.ts";
import type { Clock, Logger, Timer } from "../../util/index.ts";
import { advertiseAddress, resolvePeers, splitHostPort, systemResolver } from "./address.ts";
import type { Resolver } from "./address.ts";
import { FrameReader, FrameType, MemberState, encodeFrame } from "./wire.ts";
import type { Frame, MemberUpdate, NodeInfo, StatePart } from "./wire.ts";

/** State the cluster replicates (upstream cluster.State). */
export interface ReplicatedState {
  /** Merges a peer's broadcast or full state. Throws on undecodable input. */
  merge(b: Uint8Array): void;
  /** The full local state, for push-pull. */
  marshalBinary(): Uint8Array;
}

/** Cluster status as /api/v2/status reports it. */
export const ClusterStatus = { Ready: "ready", Settling: "settling" } as const;
export type ClusterStatus = (typeof ClusterStatus)[keyof typeof ClusterStatus];

/** Options of a Peer; durations in ms, defaults are upstream's flag defaults. */
export interface PeerOptions {
  /** --cluster.listen-address, `host:port` (port 0 picks one). */
  readonly listenAddress: string;
  /** --cluster.advertise-address; derived from the listen address or the interfaces when empty. */
  readonly advertiseAddress?: string;
  /** --cluster.peer: `host:port` entries; names are resolved on every refresh. */
  readonly peers?: readonly string[];
  /** The peer's name; a fresh ULID (upstream's default) when absent. */
  readonly name?: string;
  /** --cluster.label: frames with another label are dropped. */
  readonly label?: string;
  /** --cluster.gossip-interval (200ms). */
  readonly gossipIntervalMs?: number;
  /** --cluster.pushpull-interval (1m). */
  readonly pushPullIntervalMs?: number;
  /** --cluster.probe-interval (1s). */
  readonly probeIntervalMs?: number;
  /** --cluster.probe-timeout (500ms). */
  readonly probeTimeoutMs?: number;
  /** --cluster.tcp-timeout (10s): connect, push-pull and gossip exchanges. */
  readonly tcpTimeoutMs?: number;
  /** --cluster.settle-timeout (1m). */
  readonly settleTimeoutMs?: number;
  /** Poll interval of settling; upstream uses 10 x gossip interval. */
  readonly settleIntervalMs?: number;
  /** --cluster.reconnect-interval (10s). */
  readonly reconnectIntervalMs?: number;
  /** --cluster.reconnect-timeout (6h). */
  readonly reconnectTimeoutMs?: number;
  /** How often the --cluster.peer names are re-resolved and joined when missing (upstream: 15s). */
  readonly refreshIntervalMs?: number;
  /** memberlist's SuspicionMult (4): suspicion lasts mult x max(1, log10(n)) x probe interval. */
  readonly suspicionMult?: number;
  /** How long dead and left members stay listed before they are forgotten (memberlist: 30s). */
  readonly deadReapMs?: number;
  /** Largest number of messages queued for one member before the oldest are dropped. */
  readonly maxQueuedPerMember?: number;
  /** Resolves --cluster.peer host names (default: the system resolver). */
  readonly resolver?: Resolver;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** A member as status() and peers() show it. */
export interface PeerInfo {
  readonly name: string;
  readonly address: string;
}

interface Member {
  readonly name: string;
  addr: string;
  inc: number;
  state: MemberState;
  changedAt: number;
  suspectTimer: Timer | null;
  /** Gossip waiting to go to this member. */
  outbox: OutItem[];
  sending: boolean;
}

interface OutItem {
  readonly update: MemberUpdate | null;
  readonly part: StatePart | null;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID (48-bit ms time, 80 random bits, Crockford base32), upstream's peer name. */
export function newULID(nowMs: number): string {
  let out = "";
  let t = Math.floor(nowMs);
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  const r = randomBytes(10);
  let acc = 0;
  let bits = 0;
  for (const byte of r) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(acc >> (bits - 5)) & 31]!;
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** Upstream Settle: this many unchanged polls of the member count mean "settled". */
const NUM_OKAY_REQUIRED = 3;
/** Upper bound of memberlist's awareness (health score) counter. */
const MAX_HEALTH_SCORE = 8;
/** Gossip batch size: state deltas are small; a batch stops growing past this. */
const GOSSIP_BATCH_BYTES = 1024 * 1024;

function isLive(m: Member): boolean {
  return m.state === MemberState.Alive || m.state === MemberState.Suspect;
}

/**
 * A member of the gossip cluster. Create it, let the stores register
 * their state with addState(), then start(); leave() on shutdown.
 * Implements what the Alertmanager app needs (position, addState,
 * settle, status, collectors).
 */
export class Peer {
  readonly #name: string;
  readonly #listenAddress: string;
  readonly #advertise: string;
  readonly #initialPeers: readonly string[];
  readonly #label: string;
  readonly #gossipIntervalMs: number;
  readonly #pushPullIntervalMs: number;
  readonly #probeIntervalMs: number;
  readonly #probeTimeoutMs: number;
  readonly #tcpTimeoutMs: number;
  readonly #settleTimeoutMs: number;
  readonly #settleIntervalMs: number;
  readonly #reconnectIntervalMs: number;
  readonly #reconnectTimeoutMs: number;
  readonly #refreshIntervalMs: number;
  readonly #suspicionMult: number;
  readonly #deadReapMs: number;
  readonly #maxQueued: number;
  readonly #resolver: Resolver;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #states: Map<string, ReplicatedState>;
  readonly #members: Map<string, Member>;
  readonly #self: Member;
  /** Addresses known to reach this peer (its own address, or a --cluster.peer entry naming itself). */
  readonly #selfAddrs: Set<string>;
  /** Dead members to reconnect to: name -> address and when it failed. */
  readonly #failed: Map<string, { addr: string; since: number }>;
  readonly #sockets: Set<Socket>;
  readonly #tasks: Map<string, Timer>;
  readonly #busy: Set<string>;
  #server: Server | null;
  #probeOrder: string[];
  #health: number;
  #started: boolean;
  #stopped: boolean;
  #leaving: boolean;
  #ready: boolean;
  readonly #readyPromise: Promise<void>;
  #markReady: () => void;

  readonly #joined: CounterVec;
  readonly #left: CounterVec;
  readonly #updated: CounterVec;
  readonly #reconnections: CounterVec;
  readonly #reconnectionsFailed: CounterVec;
  readonly #refreshJoin: CounterVec;
  readonly #refreshJoinFailed: CounterVec;
  readonly #msgReceived: CounterVec;
  readonly #msgReceivedSize: CounterVec;
  readonly #msgSent: CounterVec;
  readonly #msgSentSize: CounterVec;
  readonly #msgPruned: CounterVec;
  readonly #peerInfo: GaugeVec;
  readonly #collectors: Collector[];

  /** Throws AddressError for a listen or advertise address without a port. */
  constructor(o: PeerOptions) {
    this.#clock = o.clock ?? systemClock;
    this.#log = o.logger ?? nopLogger;
    this.#name = o.name ?? newULID(this.#clock.now());
    this.#listenAddress = o.listenAddress;
    splitHostPort(o.listenAddress);
    this.#advertise = o.advertiseAddress ?? "";
    if (this.#advertise !== "") splitHostPort(this.#advertise);
    this.#initialPeers = [...(o.peers ?? [])].filter((p) => p !== "");
    this.#label = o.label ?? "";
    this.#gossipIntervalMs = o.gossipIntervalMs ?? 200;
    this.#pushPullIntervalMs = o.pushPullIntervalMs ?? 60_000;
    this.#probeIntervalMs = o.probeIntervalMs ?? 1000;
    this.#probeTimeoutMs = o.probeTimeoutMs ?? 500;
    this.#tcpTimeoutMs = o.tcpTimeoutMs ?? 10_000;
    this.#settleTimeoutMs = o.settleTimeoutMs ?? 60_000;
    this.#settleIntervalMs = o.settleIntervalMs ?? this.#gossipIntervalMs * 10;
    this.#reconnectIntervalMs = o.reconnectIntervalMs ?? 10_000;
    this.#reconnectTimeoutMs = o.reconnectTimeoutMs ?? 6 * 3600_000;
    this.#refreshIntervalMs = o.refreshIntervalMs ?? 15_000;
    this.#suspicionMult = o.suspicionMult ?? 4;
    this.#deadReapMs = o.deadReapMs ?? 30_000;
    this.#maxQueued = o.maxQueuedPerMember ?? 4096;
    this.#resolver = o.resolver ?? systemResolver;
    this.#states = new Map();
    this.#members = new Map();
    this.#self = {
      name: this.#name,
      addr: this.#advertise,
      inc: 0,
      state: MemberState.Alive,
      changedAt: this.#clock.now(),
      suspectTimer: null,
      outbox: [],
      sending: false,
    };
    this.#members.set(this.#name, this.#self);
    this.#selfAddrs = new Set();
    this.#failed = new Map();
    this.#sockets = new Set();
    this.#tasks = new Map();
    this.#busy = new Set();
    this.#server = null;
    this.#probeOrder = [];
    this.#health = 0;
    this.#started = false;
    this.#stopped = false;
    this.#leaving = false;
    this.#ready = false;
    this.#markReady = () => {};
    this.#readyPromise = new Promise<void>((resolve) => {
      this.#markReady = () => {
        this.#ready = true;
        resolve();
      };
    });

    const counter = (name: string, help: string): CounterVec => {
      const c = new CounterVec(name, help);
      c.with();
      return c;
    };
    this.#joined = counter("alertmanager_cluster_peers_joined_total", "A counter of the number of peers that have joined.");
    this.#left = counter("alertmanager_cluster_peers_left_total", "A counter of the number of peers that have left.");
    this.#updated = counter("alertmanager_cluster_peers_update_total", "A counter of the number of peers that have updated metadata.");
    this.#reconnections = counter("alertmanager_cluster_reconnections_total", "A counter of the number of cluster peer reconnections.");
    this.#reconnectionsFailed = counter("alertmanager_cluster_reconnections_failed_total", "A counter of the number of failed cluster peer reconnection attempts.");
    this.#refreshJoin = counter("alertmanager_cluster_refresh_join_total", "A counter of the number of cluster peer joined via refresh.");
    this.#refreshJoinFailed = counter("alertmanager_cluster_refresh_join_failed_total", "A counter of the number of failed cluster peer joined attempts via refresh.");
    this.#msgPruned = counter("alertmanager_cluster_messages_pruned_total", "Total number of cluster messages pruned.");
    const byType = (name: string, help: string): CounterVec => {
      const c = new CounterVec(name, help, ["msg_type"]);
      c.with("full_state");
      c.with("update");
      return c;
    };
    this.#msgReceived = byType("alertmanager_cluster_messages_received_total", "Total number of cluster messages received.");
    this.#msgReceivedSize = byType("alertmanager_cluster_messages_received_size_total", "Total size of cluster messages received.");
    this.#msgSent = byType("alertmanager_cluster_messages_sent_total", "Total number of cluster messages sent.");
    this.#msgSentSize = byType("alertmanager_cluster_messages_sent_size_total", "Total size of cluster messages sent.");
    this.#peerInfo = new GaugeVec("alertmanager_cluster_peer_info", "A metric with a constant '1' value labeled by peer name.", ["peer"]);
    this.#peerInfo.with(this.#name).set(1);
    this.#collectors = [
      new GaugeFunc("alertmanager_cluster_members", "Number indicating current number of members in cluster.", () => this.clusterSize()),
      new GaugeFunc("alertmanager_peer_position", "Position the Alertmanager instance believes it's in. The position determines a peer's behavior in the cluster.", () => this.position()),
      new GaugeFunc("alertmanager_cluster_health_score", "Health score of the cluster. Lower values are better and zero means 'totally healthy'.", () => this.#health),
      new GaugeFunc("alertmanager_cluster_failed_peers", "Number indicating the current number of failed peers in the cluster.", () => this.#failed.size),
      new GaugeFunc("alertmanager_cluster_messages_queued", "Number of cluster messages which are queued.", () => this.#queued()),
      this.#peerInfo,
      this.#joined,
      this.#left,
      this.#updated,
      this.#reconnections,
      this.#reconnectionsFailed,
      this.#refreshJoin,
      this.#refreshJoinFailed,
      this.#msgReceived,
      this.#msgReceivedSize,
      this.#msgSent,
      this.#msgSentSize,
      this.#msgPruned,
    ];
  }

  /** This peer's name (a ULID unless given). */
  name(): string {
    return this.#name;
  }

  /** The advertised `host:port` (known after start()). */
  address(): string {
    return this.#self.addr;
  }

  /** "ready" once settled, "settling" before. */
  status(): ClusterStatus {
    return this.#ready ? ClusterStatus.Ready : ClusterStatus.Settling;
  }

  /** The live members (alive or suspect), this peer included, sorted by name. */
  peers(): PeerInfo[] {
    return this.#live().map((m) => ({ name: m.name, address: m.addr }));
  }

  /** Number of live members, this peer included (upstream ClusterSize). */
  clusterSize(): number {
    let n = 0;
    for (const m of this.#members.values()) if (isLive(m)) n++;
    return n;
  }

  /** This peer's index among the live members sorted by name (upstream Position). */
  position(): number {
    return this.#live().findIndex((m) => m.name === this.#name);
  }

  /** Resolves once settled (or the settle timeout passed, or the peer stopped). */
  settle(): Promise<void> {
    return this.#readyPromise;
  }

  /** The cluster's self-metrics (alertmanager_cluster_*, alertmanager_peer_position). */
  collectors(): Collector[] {
    return this.#collectors;
  }

  /**
   * Registers replicated state under `key` ("sil", "nfl"). Its full state
   * travels in push-pulls; the returned function queues a local change
   * (the changed entries, encoded by the state) for every live member.
   */
  addState(key: string, state: ReplicatedState): (b: Uint8Array) => void {
    if (this.#states.has(key)) throw new Error(`BUG: cluster state ${key} registered twice`);
    this.#states.set(key, state);
    return (b) => this.#enqueue({ update: null, part: { key, data: b } });
  }

  #live(): Member[] {
    return [...this.#members.values()].filter(isLive).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #queued(): number {
    let n = 0;
    for (const m of this.#members.values()) n += m.outbox.length;
    return n;
  }

  /**
   * Listens, joins the --cluster.peer addresses (those not reachable yet
   * are retried every refresh interval) and starts probing, gossip,
   * push-pull and settling. Rejects when it cannot listen.
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error("BUG: cluster peer started twice");
    this.#started = true;
    const { host, port } = splitHostPort(this.#listenAddress);
    const server = createServer((s) => this.#accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: host === "" ? "0.0.0.0" : host, port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (e) => this.#log.error("cluster listener failed", "err", e.message));
    this.#server = server;
    const bound = (server.address() as { port: number }).port;
    this.#self.addr = advertiseAddress(this.#advertise, host, bound, (msg) => this.#log.warn(msg));
    this.#selfAddrs.add(this.#self.addr);
    this.#log.info("cluster listening", "peer", this.#name, "listen", this.#listenAddress, "advertise", this.#self.addr);

    const joined = await this.#joinPeers();
    if (this.#initialPeers.length > 0 && joined === 0) {
      this.#log.warn("unable to join gossip mesh while initializing; retrying", "peers", this.#initialPeers.join(","));
    }
    this.#every("probe", this.#probeIntervalMs, () => this.#probe());
    this.#every("gossip", this.#gossipIntervalMs, () => this.#gossip());
    this.#every("pushpull", this.#pushPullIntervalMs, () => this.#periodicPushPull());
    this.#every("refresh", this.#refreshIntervalMs, () => this.#refresh());
    this.#every("reconnect", this.#reconnectIntervalMs, () => this.#reconnect());
    this.#startSettle();
  }

  /**
   * Announces that this peer leaves (state "left", so others drop it at
   * once instead of suspecting it), waiting up to timeoutMs, then stop().
   */
  async leave(timeoutMs: number): Promise<void> {
    if (this.#started && !this.#stopped) {
      this.#leaving = true;
      this.#self.state = MemberState.Left;
      const bye: MemberUpdate = { ...this.#info(), state: MemberState.Left, from: this.#name };
      const frame: Frame = { ...this.#frame(FrameType.Gossip), updates: [bye] };
      const others = [...this.#members.values()].filter((m) => m !== this.#self && isLive(m));
      this.#log.debug("leaving cluster", "peers", others.length);
      await Promise.allSettled(others.map((m) => this.#exchange(m.addr, frame, Math.min(timeoutMs, this.#tcpTimeoutMs))));
    }
    await this.stop();
  }

  /** Stops at once, without telling anyone (others find out by probing). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#tasks.values()) t.cancel();
    this.#tasks.clear();
    for (const m of this.#members.values()) m.suspectTimer?.cancel();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    const server = this.#server;
    this.#server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#markReady();
  }

  /** Runs fn every ms; an async fn still running is not started again. */
  #every(name: string, ms: number, fn: () => Promise<void> | void): void {
    const tick = (): void => {
      if (this.#stopped) return;
      this.#tasks.set(name, this.#clock.setTimeout(tick, ms));
      if (this.#busy.has(name)) return;
      this.#busy.add(name);
      Promise.resolve()
        .then(fn)
        .catch((e: unknown) => this.#log.error("cluster task failed", "task", name, "err", (e as Error).message))
        .finally(() => this.#busy.delete(name));
    };
    this.#tasks.set(name, this.#clock.setTimeout(tick, ms));
  }

  // ---- settling ----

  #startSettle(): void {
    const start = this.#clock.now();
    const deadline = start + this.#settleTimeoutMs;
    let nPeers = 0;
    let nOkay = 0;
    let polls = 0;
    this.#log.info("Waiting for gossip to settle...", "interval", `${this.#settleIntervalMs}ms`);
    const poll = (): void => {
      if (this.#stopped) return;
      const now = this.#clock.now();
      if (now >= deadline) {
        this.#log.info("gossip not settled but continuing anyway", "polls", polls, "elapsed", `${now - start}ms`);
        this.#markReady();
        return;
      }
      const n = this.clusterSize();
      if (nOkay >= NUM_OKAY_REQUIRED) {
        this.#log.info("gossip settled; proceeding", "elapsed", `${now - start}ms`);
        this.#markReady();
        return;
      }
      if (n === nPeers) {
        nOkay++;
        this.#log.debug("gossip looks settled", "elapsed", `${now - start}ms`);
      } else {
        nOkay = 0;
        this.#log.info("gossip not settled", "polls", polls, "before", nPeers, "now", n, "elapsed", `${now - start}ms`);
      }
      nPeers = n;
      polls++;
      this.#tasks.set("settle", this.#clock.setTimeout(poll, Math.min(this.#settleIntervalMs, deadline - now)));
    };
    if (this.#settleTimeoutMs <= 0) this.#markReady();
    else this.#tasks.set("settle", this.#clock.setTimeout(poll, Math.min(this.#settleIntervalMs, this.#settleTimeoutMs)));
  }

  // ---- membership ----

  #info(): NodeInfo {
    return { name: this.#name, addr: this.#self.addr, inc: this.#self.inc };
  }

  #frame(type: FrameType): Frame {
    return { type, label: this.#label, from: this.#info(), to: "", join: false, updates: [], parts: [] };
  }

  #selfUpdate(): MemberUpdate {
    return { ...this.#info(), state: this.#self.state, from: this.#name };
  }

  /** Queues an item for every live member but this peer; the oldest are dropped beyond the cap. */
  #enqueue(item: OutItem): void {
    for (const m of this.#members.values()) {
      if (m === this.#self || !isLive(m)) continue;
      m.outbox.push(item);
      if (m.outbox.length > this.#maxQueued) {
        const n = m.outbox.length - this.#maxQueued;
        m.outbox.splice(0, n);
        this.#msgPruned.with().inc(n);
      }
    }
  }

  #setState(m: Member, state: MemberState): void {
    m.state = state;
    m.changedAt = this.#clock.now();
    if (state !== MemberState.Suspect && m.suspectTimer !== null) {
      m.suspectTimer.cancel();
      m.suspectTimer = null;
    }
    if (!isLive(m)) m.outbox = [];
  }

  /** Raises this peer's incarnation above `inc` and tells everyone it is alive (memberlist refute). */
  #refute(inc: number): void {
    if (this.#leaving) return;
    this.#self.inc = Math.max(this.#self.inc, inc) + 1;
    this.#health = Math.min(this.#health + 1, MAX_HEALTH_SCORE - 1);
    this.#log.debug("refuting a statement about this peer", "incarnation", this.#self.inc);
    this.#enqueue({ update: this.#selfUpdate(), part: null });
  }

  /** Applies a statement about a member (memberlist aliveNode, suspectNode, deadNode). */
  #apply(u: MemberUpdate): void {
    switch (u.state) {
      case MemberState.Alive:
        this.#alive(u);
        return;
      case MemberState.Suspect:
        this.#suspect(u);
        return;
      case MemberState.Dead:
      case MemberState.Left:
        this.#dead(u);
        return;
    }
  }

  #alive(u: MemberUpdate): void {
    if (u.name === this.#name) {
      // Someone holds a newer statement about this peer than its own (an echo of an old life): outbid it.
      if (u.inc > this.#self.inc) this.#refute(u.inc);
      return;
    }
    if (u.addr === "") return;
    const m = this.#members.get(u.name);
    if (m === undefined) {
      this.#members.set(u.name, {
        name: u.name,
        addr: u.addr,
        inc: u.inc,
        state: MemberState.Alive,
        changedAt: this.#clock.now(),
        suspectTimer: null,
        outbox: [],
        sending: false,
      });
      this.#joined.with().inc();
      this.#log.debug("peer joined", "peer", u.name, "addr", u.addr);
      this.#enqueue({ update: { ...u, state: MemberState.Alive }, part: null });
      return;
    }
    if (u.inc <= m.inc) return;
    const wasDown = !isLive(m);
    const moved = m.addr !== u.addr;
    m.inc = u.inc;
    m.addr = u.addr;
    if (m.state !== MemberState.Alive) this.#setState(m, MemberState.Alive);
    if (wasDown) {
      this.#joined.with().inc();
      this.#failed.delete(m.name);
      this.#log.debug("peer rejoined", "peer", m.name, "addr", m.addr);
    } else if (moved) {
      this.#updated.with().inc();
    }
    this.#enqueue({ update: { ...u, state: MemberState.Alive }, part: null });
  }

  #suspicionTimeoutMs(): number {
    return this.#suspicionMult * Math.max(1, Math.log10(Math.max(1, this.clusterSize()))) * this.#probeIntervalMs;
  }

  #suspect(u: MemberUpdate): void {
    const m = this.#members.get(u.name);
    if (m === undefined || u.inc < m.inc) return;
    if (m === this.#self) {
      this.#refute(u.inc);
      return;
    }
    if (m.state === MemberState.Suspect) {
      m.inc = Math.max(m.inc, u.inc);
      return;
    }
    if (m.state !== MemberState.Alive) return;
    m.inc = u.inc;
    this.#setState(m, MemberState.Suspect);
    this.#log.debug("peer suspected", "peer", m.name, "by", u.from);
    const inc = m.inc;
    m.suspectTimer = this.#clock.setTimeout(() => {
      m.suspectTimer = null;
      if (this.#stopped || m.state !== MemberState.Suspect || m.inc !== inc) return;
      this.#dead({ name: m.name, addr: m.addr, inc, state: MemberState.Dead, from: this.#name });
    }, this.#suspicionTimeoutMs());
    this.#enqueue({ update: { ...u, state: MemberState.Suspect }, part: null });
  }

  #dead(u: MemberUpdate): void {
    const m = this.#members.get(u.name);
    if (m === undefined || u.inc < m.inc || !isLive(m)) return;
    if (m === this.#self) {
      this.#refute(u.inc);
      return;
    }
    const left = u.state === MemberState.Left || u.from === u.name;
    m.inc = u.inc;
    this.#setState(m, left ? MemberState.Left : MemberState.Dead);
    this.#left.with().inc();
    if (!left) this.#failed.set(m.name, { addr: m.addr, since: this.#clock.now() });
    this.#log.debug(left ? "peer left" : "peer failed", "peer", m.name, "addr", m.addr);
    this.#enqueue({ update: { ...u, state: m.state }, part: null });
  }

  /** Merges a remote member list (memberlist mergeState: a remote "dead" only makes us suspect). */
  #mergeMembers(updates: readonly MemberUpdate[]): void {
    for (const u of updates) {
      if (u.state === MemberState.Alive || u.state === MemberState.Left) this.#apply(u);
      else this.#suspect({ ...u, state: MemberState.Suspect });
    }
  }

  // ---- state ----

  #localState(): StatePart[] {
    const parts: StatePart[] = [];
    let size = 0;
    for (const [key, s] of this.#states) {
      const data = s.marshalBinary();
      parts.push({ key, data });
      size += data.length;
    }
    this.#msgSent.with("full_state").inc();
    this.#msgSentSize.with("full_state").inc(size);
    return parts;
  }

  #mergeParts(parts: readonly StatePart[], kind: "full_state" | "update"): void {
    if (kind === "full_state") {
      this.#msgReceived.with(kind).inc();
      this.#msgReceivedSize.with(kind).inc(parts.reduce((n, p) => n + p.data.length, 0));
    }
    for (const p of parts) {
      if (kind === "update") {
        this.#msgReceived.with(kind).inc();
        this.#msgReceivedSize.with(kind).inc(p.data.length);
      }
      const s = this.#states.get(p.key);
      if (s === undefined) continue;
      try {
        s.merge(p.data);
      } catch (e) {
        this.#log.warn(kind === "update" ? "merge broadcast" : "merge remote state", "key", p.key, "err", (e as Error).message);
      }
    }
  }

  // ---- network ----

  /** Handles an incoming connection: one or more request frames, each answered. */
  #accept(sock: Socket): void {
    if (this.#stopped) {
      sock.destroy();
      return;
    }
    this.#sockets.add(sock);
    const reader = new FrameReader();
    const timer = this.#clock.setTimeout(() => sock.destroy(), this.#tcpTimeoutMs);
    sock.on("close", () => {
      timer.cancel();
      this.#sockets.delete(sock);
    });
    sock.on("error", () => {});
    sock.on("data", (chunk: Buffer) => {
      reader.push(chunk);
      try {
        for (let f = reader.next(); f !== null; f = reader.next()) {
          const reply = this.#handle(f);
          if (reply === null) {
            sock.destroy();
            return;
          }
          sock.write(encodeFrame(reply));
        }
      } catch (e) {
        this.#log.warn("invalid cluster frame", "remote", `${sock.remoteAddress}:${sock.remotePort}`, "err", (e as Error).message);
        sock.destroy();
      }
    });
  }

  /** The answer to a request frame, or null to drop the connection. */
  #handle(f: Frame): Frame | null {
    if (this.#stopped) return null;
    if (f.label !== this.#label) {
      this.#log.warn("dropping a frame with another cluster label", "label", f.label, "from", f.from.addr);
      return null;
    }
    if (f.from.name === this.#name) return { ...this.#frame(FrameType.Ack), to: f.from.name };
    this.#alive({ ...f.from, state: MemberState.Alive, from: f.from.name });
    switch (f.type) {
      case FrameType.Ping:
        return { ...this.#frame(FrameType.Ack), to: f.from.name };
      case FrameType.Gossip:
        for (const u of f.updates) this.#apply(u);
        this.#mergeParts(f.parts, "update");
        return { ...this.#frame(FrameType.Ack), to: f.from.name };
      case FrameType.PushPull:
        this.#mergeMembers(f.updates);
        this.#mergeParts(f.parts, "full_state");
        return this.#pushPullFrame(false);
      case FrameType.Ack:
        return null;
    }
  }

  #pushPullFrame(join: boolean): Frame {
    const updates: MemberUpdate[] = [];
    for (const m of this.#members.values()) {
      updates.push({ name: m.name, addr: m.addr, inc: m.inc, state: m.state, from: this.#name });
    }
    return { ...this.#frame(FrameType.PushPull), join, updates, parts: this.#localState() };
  }

  /** Sends one frame on a new connection and reads the answer. Rejects on error, timeout or a bad answer. */
  #exchange(addr: string, f: Frame, timeoutMs: number): Promise<Frame> {
    return new Promise<Frame>((resolve, reject) => {
      const { host, port } = splitHostPort(addr);
      const bytes = encodeFrame(f);
      const sock = connect({ host, port });
      this.#sockets.add(sock);
      const reader = new FrameReader();
      let done = false;
      const finish = (err: Error | null, reply: Frame | null): void => {
        if (done) return;
        done = true;
        timer.cancel();
        sock.destroy();
        this.#sockets.delete(sock);
        if (err !== null) reject(err);
        else resolve(reply!);
      };
      const timer = this.#clock.setTimeout(() => finish(new Error(`i/o timeout after ${timeoutMs}ms talking to ${addr}`), null), timeoutMs);
      sock.on("connect", () => sock.write(bytes));
      sock.on("data", (chunk: Buffer) => {
        reader.push(chunk);
        try {
          const r = reader.next();
          if (r === null) return;
          if (r.label !== this.#label) finish(new Error(`peer ${addr} has cluster label ${JSON.stringify(r.label)}`), null);
          else finish(null, r);
        } catch (e) {
          finish(e as Error, null);
        }
      });
      sock.on("error", (e) => finish(e, null));
      sock.on("close", () => finish(new Error(`connection to ${addr} closed`), null));
    });
  }

  /**
   * Push-pull with `addr`: sends the member list and full state, merges
   * the answer. Resolves false when `addr` turned out to be this peer.
   */
  async #pushPull(addr: string, join: boolean): Promise<boolean> {
    const reply = await this.#exchange(addr, this.#pushPullFrame(join), this.#tcpTimeoutMs);
    if (this.#stopped) return true;
    if (reply.from.name === this.#name) {
      this.#selfAddrs.add(addr);
      return false;
    }
    this.#alive({ ...reply.from, state: MemberState.Alive, from: reply.from.name });
    this.#mergeMembers(reply.updates);
    this.#mergeParts(reply.parts, "full_state");
    return true;
  }

  /** Resolves --cluster.peer and push-pulls with each address that is neither this peer nor a live member. Returns how many joined. */
  async #joinPeers(counters = false): Promise<number> {
    if (this.#initialPeers.length === 0) return 0;
    const addrs = await resolvePeers(this.#initialPeers, this.#resolver, (p, e) => this.#log.debug("resolving peer failed", "peer", p, "err", e.message));
    const known = new Set<string>();
    for (const m of this.#members.values()) if (isLive(m)) known.add(m.addr);
    let joined = 0;
    await Promise.all(
      addrs
        .filter((a) => !this.#selfAddrs.has(a) && !known.has(a))
        .map(async (a) => {
          try {
            if (await this.#pushPull(a, true)) {
              joined++;
              if (counters) this.#refreshJoin.with().inc();
              this.#log.debug("joined", "addr", a);
            }
          } catch (e) {
            if (counters) this.#refreshJoinFailed.with().inc();
            this.#log.debug("join failed", "addr", a, "err", (e as Error).message);
          }
        }),
    );
    return joined;
  }

  async #refresh(): Promise<void> {
    await this.#joinPeers(true);
  }

  async #reconnect(): Promise<void> {
    const now = this.#clock.now();
    for (const [name, f] of [...this.#failed]) {
      const m = this.#members.get(name);
      if ((m !== undefined && isLive(m)) || now - f.since > this.#reconnectTimeoutMs) {
        this.#failed.delete(name);
        continue;
      }
      try {
        await this.#pushPull(f.addr, true);
        this.#reconnections.with().inc();
        // Whoever answers at the address is now known; a restarted peer has a new name.
        this.#failed.delete(name);
      } catch {
        this.#reconnectionsFailed.with().inc();
      }
    }
  }

  async #periodicPushPull(): Promise<void> {
    const others = this.#live().filter((m) => m !== this.#self);
    if (others.length === 0) return;
    const m = others[Math.floor(Math.random() * others.length)]!;
    try {
      await this.#pushPull(m.addr, false);
    } catch (e) {
      this.#log.debug("push/pull failed", "peer", m.name, "err", (e as Error).message);
    }
  }

  /** Probes the next member; reaps members dead for longer than deadReapMs. */
  async #probe(): Promise<void> {
    const now = this.#clock.now();
    for (const [name, m] of this.#members) {
      if (!isLive(m) && now - m.changedAt > this.#deadReapMs) this.#members.delete(name);
    }
    let target: Member | undefined;
    while (target === undefined) {
      if (this.#probeOrder.length === 0) {
        this.#probeOrder = this.#live()
          .filter((m) => m !== this.#self)
          .map((m) => m.name);
        if (this.#probeOrder.length === 0) return;
        for (let i = this.#probeOrder.length - 1; i > 0; i--) {
          const j = Math.floor(Math.random() * (i + 1));
          [this.#probeOrder[i], this.#probeOrder[j]] = [this.#probeOrder[j]!, this.#probeOrder[i]!];
        }
      }
      const m = this.#members.get(this.#probeOrder.shift()!);
      if (m !== undefined && isLive(m)) target = m;
    }
    const m = target;
    let ok = false;
    try {
      const reply = await this.#exchange(m.addr, { ...this.#frame(FrameType.Ping), to: m.name }, this.#probeTimeoutMs);
      ok = reply.type === FrameType.Ack && reply.from.name === m.name;
      if (ok) this.#alive({ ...reply.from, state: MemberState.Alive, from: m.name });
    } catch {
      ok = false;
    }
    if (this.#stopped) return;
    if (ok) {
      this.#health = Math.max(this.#health - 1, 0);
      return;
    }
    this.#health = Math.min(this.#health + 1, MAX_HEALTH_SCORE - 1);
    this.#log.debug("probe failed", "peer", m.name, "addr", m.addr);
    if (m.state === MemberState.Alive) this.#suspect({ name: m.name, addr: m.addr, inc: m.inc, state: MemberState.Suspect, from: this.#name });
  }

  /** Sends each member its queued gossip in one frame; what fails stays queued. */
  #gossip(): void {
    for (const m of this.#members.values()) {
      if (m === this.#self || !isLive(m) || m.sending || m.outbox.length === 0) continue;
      const batch: OutItem[] = [];
      let bytes = 0;
      for (const item of m.outbox) {
        if (bytes > GOSSIP_BATCH_BYTES) break;
        batch.push(item);
        bytes += item.part?.data.length ?? 64;
      }
      const updates = batch.flatMap((i) => (i.update === null ? [] : [i.update]));
      const parts = batch.flatMap((i) => (i.part === null ? [] : [i.part]));
      const frame: Frame = { ...this.#frame(FrameType.Gossip), updates, parts };
      m.sending = true;
      this.#exchange(m.addr, frame, this.#tcpTimeoutMs).then(
        () => {
          m.sending = false;
          const sent = new Set(batch);
          m.outbox = m.outbox.filter((i) => !sent.has(i));
          this.#msgSent.with("update").inc(parts.length);
          this.#msgSentSize.with("update").inc(parts.reduce((n, p) => n + p.data.length, 0));
        },
        (e: Error) => {
          m.sending = false;
          this.#log.debug("gossip failed", "peer", m.name, "err", e.message);
        },
      );
    }
  }
}
