/**
 * The discovery manager (upstream's discovery.Manager): runs one provider
 * per distinct SD config, shared by every target set (scrape job or
 * Alertmanager config) that uses an equal config, keeps the latest groups
 * per (set, provider, source), and hands the full state to its subscriber
 * at most once per update interval.
 *
 *   applyConfig ──► providers ──send──► targets[set][provider][source]
 *        │                                     │ trigger
 *        └──────── deliver now ◄── tick every updateIntervalMs ──► subscriber
 */

import type { SDConfig } from "../config/index.ts";
import { nopLogger, systemClock } from "../util/index.ts";
import type { Clock, Logger, Timer } from "../util/index.ts";
import type { Discoverer, DiscovererOptions } from "./discoverer.ts";
import { DiscoveryMetrics } from "./metrics.ts";
import { newDiscoverer } from "./registry.ts";
import type { MechanismOptions } from "./registry.ts";
import type { TargetGroup } from "./target-group.ts";

/** Target groups by set name: the scrape job or the Alertmanager config key. */
export type TargetSets = Record<string, TargetGroup[]>;

/** SD configs by set name, as applyConfig takes them. */
export type SDConfigSets = Record<string, readonly SDConfig[]>;

/**
 * Receives the full discovered state. If it returns a promise, no further
 * update is delivered until it settles (later updates are coalesced).
 */
export type TargetSetsSubscriber = (sets: TargetSets) => void | Promise<void>;

/** Upstream's default: updates reach consumers at most every 5 s. */
export const DEFAULT_UPDATE_INTERVAL_MS = 5000;

/** Options of a DiscoveryManager. */
export interface DiscoveryManagerOptions {
  /** "scrape" or "notify": the `name` label of the manager's metrics. */
  name: string;
  logger?: Logger;
  clock?: Clock;
  /** Shared by the managers of a process; a private one when absent. */
  metrics?: DiscoveryMetrics;
  /** Throttle of deliveries (upstream's updatert); default 5000. */
  updateIntervalMs?: number;
  /** Collaborators of the built-in mechanisms (DNS resolver, Kubernetes environment). */
  mechanisms?: MechanismOptions;
  /** Builds discoverers; defaults to the built-in mechanisms. Throwing marks the config failed. */
  newDiscoverer?: (cfg: SDConfig, opts: DiscovererOptions) => Discoverer;
}

interface Provider {
  /** `<mechanism>/<n>`, unique over the manager's life. */
  readonly name: string;
  /** Canonical text of the config: equal configs share a provider. */
  readonly key: string;
  readonly discoverer: Discoverer;
  subs: Set<string>;
  newSubs: Set<string>;
  abort: AbortController | null;
  done: Promise<void> | null;
}

/**
 * Starts, reuses and stops discoverers as configs change and delivers
 * their groups. Use: `subscribe(fn)`, `applyConfig(sets)` (again on every
 * reload), `start()`, and `stop()` at shutdown.
 */
export class DiscoveryManager {
  readonly name: string;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #metrics: DiscoveryMetrics;
  readonly #updateIntervalMs: number;
  readonly #newDiscoverer: (cfg: SDConfig, opts: DiscovererOptions) => Discoverer;
  #providers: Provider[];
  #lastProvider: number;
  /** `${set}\xff${provider}` -> source -> group (groups with targets only). */
  readonly #targets: Map<string, Map<string, TargetGroup>>;
  #subscriber: TargetSetsSubscriber | null;
  #triggered: boolean;
  #busy: boolean;
  #ticker: Timer | null;
  #stopped: boolean;

  constructor(opts: DiscoveryManagerOptions) {
    this.name = opts.name;
    this.#logger = opts.logger ?? nopLogger;
    this.#clock = opts.clock ?? systemClock;
    this.#metrics = opts.metrics ?? new DiscoveryMetrics();
    this.#updateIntervalMs = opts.updateIntervalMs ?? DEFAULT_UPDATE_INTERVAL_MS;
    const mech = opts.mechanisms ?? {};
    this.#newDiscoverer = opts.newDiscoverer ?? ((cfg, o) => newDiscoverer(cfg, o, mech));
    this.#providers = [];
    this.#lastProvider = 0;
    this.#targets = new Map();
    this.#subscriber = null;
    this.#triggered = false;
    this.#busy = false;
    this.#ticker = null;
    this.#stopped = false;
    this.#metrics.initManager(this.name);
  }

  /** Sets the single consumer of updates (replacing any earlier one). */
  subscribe(fn: TargetSetsSubscriber): void {
    this.#subscriber = fn;
  }

  /** Starts the delivery ticker. Idempotent. */
  start(): void {
    if (this.#ticker !== null || this.#stopped) return;
    const tick = (): void => {
      this.#ticker = this.#clock.setTimeout(tick, this.#updateIntervalMs);
      if (this.#triggered) this.#deliver();
    };
    this.#ticker = this.#clock.setTimeout(tick, this.#updateIntervalMs);
  }

  /**
   * Applies a new set of SD configs: providers whose config is unchanged
   * keep running (and their groups carry over to sets that newly use them),
   * the others stop and new ones start. A config whose discoverer cannot be
   * created is logged and counted in prometheus_sd_failed_configs; a set
   * with no working config gets an empty target list. The full state is
   * delivered at once (static targets included), later changes on the
   * ticker.
   */
  applyConfig(cfg: SDConfigSets): void {
    if (this.#stopped) return;
    let failed = 0;
    for (const [setName, cfgs] of Object.entries(cfg)) failed += this.#registerProviders(cfgs, setName);
    this.#metrics.setFailedConfigs(this.name, failed);

    const keep: Provider[] = [];
    for (const p of this.#providers) {
      if (p.newSubs.size === 0) {
        this.#stopProvider(p);
        continue;
      }
      keep.push(p);
      let ref: Map<string, TargetGroup> | undefined;
      for (const s of p.subs) {
        ref = this.#targets.get(poolKey(s, p.name)) ?? ref;
        if (!p.newSubs.has(s)) {
          this.#targets.delete(poolKey(s, p.name));
          this.#metrics.deleteDiscoveredTargets(this.name, s);
        }
      }
      for (const s of p.newSubs) {
        if (!p.subs.has(s) && ref !== undefined && ref.size > 0) this.#targets.set(poolKey(s, p.name), new Map(ref));
      }
      p.subs = p.newSubs;
      p.newSubs = new Set();
    }
    this.#providers = keep;
    for (const p of keep) if (p.abort === null) this.#startProvider(p);
    this.#triggered = true;
    this.#deliver();
  }

  /** The current groups of every set (what the next delivery will carry). */
  targetSets(): TargetSets {
    const out: TargetSets = {};
    for (const p of this.#providers) {
      for (const s of p.subs) {
        const list = (out[s] ??= []);
        const groups = this.#targets.get(poolKey(s, p.name));
        if (groups !== undefined) for (const g of groups.values()) list.push(g);
      }
    }
    return out;
  }

  /** The running providers: name, and the sets they feed. For status pages and tests. */
  providers(): Array<{ name: string; sets: string[] }> {
    return this.#providers.map((p) => ({ name: p.name, sets: [...p.subs].sort() }));
  }

  /** Stops every provider and the ticker; resolves when all discoverers have returned. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#ticker?.cancel();
    this.#ticker = null;
    const done = this.#providers.map((p) => this.#stopProvider(p));
    this.#providers = [];
    await Promise.all(done);
  }

  #registerProviders(cfgs: readonly SDConfig[], setName: string): number {
    let failed = 0;
    let added = false;
    const add = (cfg: SDConfig): void => {
      const key = canonicalKey(cfg);
      for (const p of this.#providers) {
        if (p.key === key) {
          p.newSubs.add(setName);
          added = true;
          return;
        }
      }
      let d: Discoverer;
      try {
        d = this.#newDiscoverer(cfg, { logger: this.#logger.with("discovery", cfg.mechanism, "config", setName), clock: this.#clock, metrics: this.#metrics, setName });
      } catch (e) {
        this.#logger.error("Cannot create service discovery", "err", e, "type", cfg.mechanism, "config", setName);
        failed++;
        return;
      }
      this.#providers.push({ name: `${cfg.mechanism}/${this.#lastProvider++}`, key, discoverer: d, subs: new Set(), newSubs: new Set([setName]), abort: null, done: null });
      added = true;
    };
    for (const c of cfgs) add(c);
    // NOTE: matches Prometheus, which registers an empty static config so that
    // the consumer still learns about the set and drops its old targets.
    if (!added) add({ mechanism: "static", groups: [] });
    return failed;
  }

  #startProvider(p: Provider): void {
    const abort = new AbortController();
    p.abort = abort;
    const send = (groups: TargetGroup[]): void => {
      if (abort.signal.aborted) return;
      this.#metrics.receivedUpdate(this.name);
      for (const s of p.subs) this.#updateGroups(poolKey(s, p.name), groups);
      this.#triggered = true;
    };
    p.done = p.discoverer.run(abort.signal, send).catch((e: unknown) => {
      this.#logger.error("Discoverer failed", "provider", p.name, "err", e);
    });
  }

  #stopProvider(p: Provider): Promise<void> {
    p.abort?.abort();
    for (const s of p.subs) this.#targets.delete(poolKey(s, p.name));
    return p.done ?? Promise.resolve();
  }

  #updateGroups(key: string, groups: TargetGroup[]): void {
    let m = this.#targets.get(key);
    if (m === undefined) {
      m = new Map();
      this.#targets.set(key, m);
    }
    for (const g of groups) {
      // An empty group only clears its source: keeping it would leak sources
      // of deleted objects (pods, files) forever.
      if (g.targets.length > 0) m.set(g.source, g);
      else m.delete(g.source);
    }
  }

  #deliver(): void {
    const sub = this.#subscriber;
    if (sub === null) return;
    if (this.#busy) {
      this.#metrics.delayedUpdate(this.name);
      this.#logger.debug("Discovery receiver is busy, will retry the next cycle");
      return;
    }
    this.#triggered = false;
    const sets = this.targetSets();
    for (const [s, groups] of Object.entries(sets)) {
      let n = 0;
      for (const g of groups) n += g.targets.length;
      this.#metrics.setDiscoveredTargets(this.name, s, n);
    }
    this.#metrics.sentUpdate(this.name);
    let r: void | Promise<void>;
    try {
      r = sub(sets);
    } catch (e) {
      this.#logger.error("Discovery subscriber failed", "err", e);
      return;
    }
    if (r instanceof Promise) {
      this.#busy = true;
      r.catch((e: unknown) => this.#logger.error("Discovery subscriber failed", "err", e)).finally(() => {
        this.#busy = false;
      });
    }
  }
}

function poolKey(set: string, provider: string): string {
  return `${set}\xff${provider}`;
}

/** A stable text for deep equality of configs (Maps and key order included). */
export function canonicalKey(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalKey).join(",")}]`;
  if (v instanceof Map) {
    const es = [...v.entries()].map(([k, x]) => `${JSON.stringify(String(k))}:${canonicalKey(x)}`).sort();
    return `Map{${es.join(",")}}`;
  }
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalKey(o[k])}`)
    .join(",")}}`;
}
