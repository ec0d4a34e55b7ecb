/**
 * The dispatcher (upstream dispatch/dispatch.go): alerts from the store
 * are routed down the route tree into aggregation groups, one per route
 * and values of the route's group_by labels. Each group flushes its
 * alerts to the notification pipeline on the injected clock:
 *
 *   first alert ──group_wait──> flush ──group_interval──> flush ──group_interval──> ...
 *
 * An alert already older than group_wait when it arrives in a group that
 * never flushed triggers the flush at once. Resolved alerts are dropped
 * from the group after a flush that notified them (unless updated since).
 * Empty groups are removed by a maintenance pass every 30 seconds.
 */

import { LabelsBuilder, quoteString } from "../../model/index.ts";
import type { Labels } from "../../model/index.ts";
import type { Clock, Logger, Timer } from "../../util/index.ts";
import { nopLogger } from "../../util/index.ts";
import type { Alerts } from "../alert/index.ts";
import { DeadlineExceededError, CanceledError } from "../notify/index.ts";
import type { NotifyContext, Stage } from "../notify/index.ts";
import { alertResolvedAt, sortAlerts } from "../types/index.ts";
import type { Alert, Marker } from "../types/index.ts";
import type { Route } from "./route.ts";

/** Upstream's interval for removing empty aggregation groups. */
export const MAINTENANCE_INTERVAL_MS = 30_000;

/** Upstream notify.MinTimeout: a flush gets at least 10s before it is canceled. */
export const MIN_TIMEOUT_MS = 10_000;

/** The labels of `a` a route groups by (all of them with `...`). */
export function groupLabelsOf(a: Alert, route: Route): Labels {
  if (route.opts.groupByAll) return a.labels;
  const b = new LabelsBuilder();
  for (const n of route.opts.groupBy) if (a.labels.has(n)) b.set(n, a.labels.get(n));
  return b.labels();
}

/** Go's model.LabelSet.String(): `{a="1", b="2"}`, pairs sorted as strings. */
export function labelSetString(l: Labels): string {
  const parts = l.names.map((n, i) => `${n}=${quoteString(l.values[i]!)}`).sort();
  return `{${parts.join(", ")}}`;
}

/** Upstream LabelSet.Before, for ordering groups. */
function labelsBefore(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return a.length < b.length;
  const names = [...new Set([...a.names, ...b.names])].sort();
  for (const n of names) {
    if (!a.has(n)) return true;
    if (!b.has(n)) return false;
    if (a.get(n) !== b.get(n)) return a.get(n) < b.get(n);
  }
  return false;
}

/** An alert of a group and, once flushed while firing, its copy without an end (kept while the alert is unchanged). */
interface GroupEntry {
  alert: Alert;
  firing: Alert | null;
}

/** One aggregation group (upstream aggrGroup). */
export class AggrGroup {
  readonly labels: Labels;
  readonly route: Route;
  readonly routeID: string;
  readonly routeKey: string;
  readonly #alerts: Map<string, GroupEntry>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timeout: (groupIntervalMs: number) => number;
  readonly #notify: (ctx: NotifyContext, alerts: readonly Alert[]) => Promise<boolean>;
  #timer: Timer | null;
  #hasFlushed: boolean;
  #flushing: Promise<void> | null;
  #pendingTick: boolean;
  #stopped: boolean;
  readonly #abort: AbortController;

  constructor(
    labels: Labels,
    route: Route,
    clock: Clock,
    logger: Logger,
    timeout: (groupIntervalMs: number) => number,
    notify: (ctx: NotifyContext, alerts: readonly Alert[]) => Promise<boolean>,
  ) {
    this.labels = labels;
    this.route = route;
    this.routeID = route.id();
    this.routeKey = route.key();
    this.#alerts = new Map();
    this.#clock = clock;
    this.#logger = logger;
    this.#timeout = timeout;
    this.#notify = notify;
    this.#hasFlushed = false;
    this.#flushing = null;
    this.#pendingTick = false;
    this.#stopped = false;
    this.#abort = new AbortController();
    // A one-time wait before the first flush.
    this.#timer = clock.setTimeout(() => this.#tick(), route.opts.groupWaitMs);
  }

  /** The group's key: route key and group labels (upstream GroupKey). */
  groupKey(): string {
    return `${this.routeKey}:${labelSetString(this.labels)}`;
  }

  /** The alerts in the group, in no particular order. */
  alerts(): Alert[] {
    const out: Alert[] = [];
    for (const e of this.#alerts.values()) out.push(e.alert);
    return out;
  }

  /** Whether the group holds no alert. */
  empty(): boolean {
    return this.#alerts.size === 0;
  }

  /** Adds or replaces an alert; an alert older than group_wait in a group never flushed flushes at once. */
  insert(a: Alert): void {
    const e = this.#alerts.get(a.fingerprint);
    if (e === undefined) this.#alerts.set(a.fingerprint, { alert: a, firing: null });
    else if (e.alert !== a) {
      e.alert = a;
      e.firing = null;
    }
    if (!this.#hasFlushed && a.startsAt + this.route.opts.groupWaitMs < this.#clock.now()) this.#reset(0);
  }

  #reset(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimeout(() => this.#tick(), ms);
  }

  #tick(): void {
    if (this.#stopped) return;
    if (this.#flushing !== null) {
      // Like Go's timer channel: one tick waits until the running flush is done.
      this.#pendingTick = true;
      return;
    }
    const now = this.#clock.now();
    this.#reset(this.route.opts.groupIntervalMs);
    this.#hasFlushed = true;
    this.#flushing = this.#flush(now).finally(() => {
      this.#flushing = null;
      if (this.#pendingTick) {
        this.#pendingTick = false;
        this.#tick();
      }
    });
  }

  /** The running flush, if any (tests await it). */
  get flushing(): Promise<void> | null {
    return this.#flushing;
  }

  async #flush(now: number): Promise<void> {
    if (this.empty()) return;
    const resolved: Alert[] = [];
    const sent: Alert[] = [];
    for (const e of this.#alerts.values()) {
      const a = e.alert;
      if (alertResolvedAt(a, now)) {
        resolved.push(a);
        sent.push(a);
      } else {
        // Ensure that alerts don't resolve as time moves forwards.
        e.firing ??= a.endsAt === 0 ? a : { ...a, endsAt: 0 };
        sent.push(e.firing);
      }
    }
    sortAlerts(sent);
    const ac = new AbortController();
    const deadline = this.#clock.setTimeout(() => ac.abort(new DeadlineExceededError()), this.#timeout(this.route.opts.groupIntervalMs));
    const onStop = (): void => ac.abort(new CanceledError());
    this.#abort.signal.addEventListener("abort", onStop, { once: true });
    const ctx: NotifyContext = {
      now,
      groupKey: this.groupKey(),
      groupLabels: this.labels,
      receiver: this.route.opts.receiver,
      repeatIntervalMs: this.route.opts.repeatIntervalMs,
      muteTimeIntervals: this.route.opts.muteTimeIntervals,
      activeTimeIntervals: this.route.opts.activeTimeIntervals,
      routeID: this.routeID,
      signal: ac.signal,
      firingAlerts: null,
      resolvedAlerts: null,
    };
    let ok = false;
    try {
      ok = await this.#notify(ctx, sent);
    } finally {
      deadline.cancel();
      this.#abort.signal.removeEventListener("abort", onStop);
    }
    if (!ok) return;
    // Drop the resolved alerts just notified, unless one fired again meanwhile.
    for (const r of resolved) {
      const cur = this.#alerts.get(r.fingerprint);
      if (cur !== undefined && cur.alert.updatedAt === r.updatedAt) this.#alerts.delete(r.fingerprint);
    }
    if (this.#logger !== nopLogger) this.#logger.debug("flushed", "aggrGroup", this.groupKey(), "alerts", sent.length);
  }

  /** Stops the timer and cancels a running flush. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    this.#abort.abort();
  }
}

/** An aggregation group as the API shows it (upstream AlertGroup). */
export interface AlertGroup {
  readonly labels: Labels;
  readonly receiver: string;
  readonly groupKey: string;
  readonly routeID: string;
  readonly alerts: readonly Alert[];
}

/** Options of a Dispatcher. */
export interface DispatcherOptions {
  readonly route: Route;
  readonly alerts: Alerts;
  /** The notification pipeline (notify.buildPipeline's routing stage). */
  readonly stage: Stage;
  readonly marker: Marker;
  readonly clock: Clock;
  readonly logger?: Logger;
  /**
   * How long a flush may take given the group interval; default
   * max(interval, 10s) (upstream adds the cluster wait on top).
   */
  readonly timeout?: (groupIntervalMs: number) => number;
}

/** Routes alerts into aggregation groups and flushes them through the pipeline. */
export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #logger: Logger;
  readonly #groups: Map<Route, Map<string, AggrGroup>>;
  #unsubscribe: (() => void) | null;
  #maintenance: Timer | null;

  constructor(o: DispatcherOptions) {
    this.#o = o;
    this.#logger = o.logger ?? nopLogger;
    this.#groups = new Map();
    this.#unsubscribe = null;
    this.#maintenance = null;
  }

  /** Subscribes to the store (its current alerts first) and starts maintenance. */
  start(): void {
    if (this.#unsubscribe !== null) return;
    this.#unsubscribe = this.#o.alerts.subscribe((a) => {
      for (const r of this.#o.route.match(a.labels)) this.#process(a, r);
    });
    const tick = (): void => {
      this.#doMaintenance();
      this.#maintenance = this.#o.clock.setTimeout(tick, MAINTENANCE_INTERVAL_MS);
    };
    this.#maintenance = this.#o.clock.setTimeout(tick, MAINTENANCE_INTERVAL_MS);
  }

  /** Stops every group (canceling running flushes) and unsubscribes. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#maintenance?.cancel();
    this.#maintenance = null;
    for (const gs of this.#groups.values()) for (const g of gs.values()) g.stop();
    this.#groups.clear();
  }

  #process(a: Alert, route: Route): void {
    const labels = groupLabelsOf(a, route);
    let gs = this.#groups.get(route);
    if (gs === undefined) {
      gs = new Map();
      this.#groups.set(route, gs);
    }
    const existing = gs.get(labels.key);
    if (existing !== undefined) {
      existing.insert(a);
      return;
    }
    const timeout = this.#o.timeout ?? ((ms: number) => Math.max(ms, MIN_TIMEOUT_MS));
    const g = new AggrGroup(labels, route, this.#o.clock, this.#logger, timeout, async (ctx, alerts) => {
      try {
        await this.#o.stage.exec(ctx, alerts);
        return true;
      } catch (e) {
        this.#logger.error("Notify for alerts failed", "num_alerts", alerts.length, "err", (e as Error).message);
        return false;
      }
    });
    gs.set(labels.key, g);
    g.insert(a);
  }

  #doMaintenance(): void {
    for (const gs of this.#groups.values()) {
      for (const [k, g] of gs) {
        if (!g.empty()) continue;
        g.stop();
        this.#o.marker.deleteByGroupKey(g.routeID, g.groupKey());
        gs.delete(k);
      }
    }
  }

  /** Every aggregation group, for tests and the API. */
  aggrGroups(): AggrGroup[] {
    return [...this.#groups.values()].flatMap((gs) => [...gs.values()]);
  }

  /**
   * The groups for /api/v2/alerts/groups (upstream Dispatcher.Groups):
   * groups of routes passing `routeFilter` with their alerts passing
   * `alertFilter`, groups without alerts left out; sorted by labels then
   * receiver, alerts in notification order. Also each alert's receivers, sorted.
   */
  groups(
    routeFilter: (r: Route) => boolean = () => true,
    alertFilter: (a: Alert, now: number) => boolean = () => true,
  ): { groups: AlertGroup[]; receivers: Map<string, string[]> } {
    const now = this.#o.clock.now();
    const groups: AlertGroup[] = [];
    const receivers = new Map<string, string[]>();
    for (const [route, gs] of this.#groups) {
      if (!routeFilter(route)) continue;
      for (const g of gs.values()) {
        const receiver = route.opts.receiver;
        const alerts = g.alerts().filter((a) => alertFilter(a, now));
        if (alerts.length === 0) continue;
        for (const a of alerts) {
          const rs = receivers.get(a.fingerprint);
          if (rs === undefined) receivers.set(a.fingerprint, [receiver]);
          else rs.push(receiver);
        }
        groups.push({ labels: g.labels, receiver, groupKey: g.groupKey(), routeID: g.routeID, alerts: sortAlerts(alerts) });
      }
    }
    groups.sort((a, b) => {
      if (a.labels.equals(b.labels)) return a.receiver < b.receiver ? -1 : a.receiver > b.receiver ? 1 : 0;
      return labelsBefore(a.labels, b.labels) ? -1 : labelsBefore(b.labels, a.labels) ? 1 : 0;
    });
    for (const rs of receivers.values()) rs.sort();
    return { groups, receivers };
  }
}
