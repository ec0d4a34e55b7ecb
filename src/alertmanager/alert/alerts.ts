/**
 * The alert store (upstream provider/mem): the current alerts by
 * fingerprint, merged when re-sent, garbage-collected once resolved, and
 * a subscription for the dispatcher and the inhibitor. Time comes from
 * the injected Clock; all times are ms.
 */

import type { Labels } from "../../model/index.ts";
import type { Clock, Logger, Timer } from "../../util/index.ts";
import { nopLogger } from "../../util/index.ts";
import { alertResolvedAt, mergeAlerts, newAlert } from "../types/index.ts";
import type { Alert, Marker } from "../types/index.ts";

/** Upstream's alert GC interval: resolved alerts are dropped every 30 minutes. */
export const DEFAULT_ALERT_GC_INTERVAL_MS = 30 * 60_000;

/** An alert as a client posts it; times are ms, 0 or absent for unset. */
export interface PostableAlert {
  readonly labels: Labels;
  readonly annotations?: Labels;
  readonly startsAt?: number;
  readonly endsAt?: number;
  readonly generatorURL?: string;
}

/** A posted alert that fails validation. Message is upstream's (model.Alert.Validate). */
export class AlertValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AlertValidationError";
  }
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Completes a posted alert as upstream's API does: updatedAt is now; a
 * missing start is now (or the end, when only the end is given); a
 * missing end is now + resolveTimeoutMs, marked as a timeout. Then
 * validates it like model.Alert.Validate. Throws AlertValidationError.
 */
export function normalizeAlert(p: PostableAlert, now: number, resolveTimeoutMs: number): Alert {
  let startsAt = p.startsAt ?? 0;
  let endsAt = p.endsAt ?? 0;
  let timeout = false;
  if (startsAt === 0) startsAt = endsAt === 0 ? now : endsAt;
  if (endsAt === 0) {
    timeout = true;
    endsAt = now + resolveTimeoutMs;
  }
  if (endsAt < startsAt) throw new AlertValidationError("start time must be before end time");
  if (p.labels.length === 0) throw new AlertValidationError("at least one label pair required");
  for (const n of p.labels.names) if (!LABEL_NAME.test(n)) throw new AlertValidationError(`invalid label set: invalid name "${n}"`);
  for (const n of p.annotations?.names ?? []) if (!LABEL_NAME.test(n)) throw new AlertValidationError(`invalid annotations: invalid name "${n}"`);
  return newAlert({
    labels: p.labels,
    annotations: p.annotations ?? p.labels.filter(() => false),
    startsAt,
    endsAt,
    generatorURL: p.generatorURL ?? "",
    updatedAt: now,
    timeout,
  });
}

/** Called with every alert the store accepts (new or merged), in order. */
export type AlertListener = (a: Alert) => void;

/** Options of an alert store. */
export interface AlertsOptions {
  readonly clock: Clock;
  /** Alert statuses; GC deletes the marks of dropped alerts. */
  readonly marker: Marker;
  /** How often start() runs gc(); default 30m. */
  readonly gcIntervalMs?: number;
  readonly logger?: Logger;
}

/** The in-memory alert store. */
export class Alerts {
  readonly #clock: Clock;
  readonly #marker: Marker;
  readonly #gcIntervalMs: number;
  readonly #logger: Logger;
  readonly #alerts: Map<string, Alert>;
  readonly #listeners: Set<AlertListener>;
  readonly #gcListeners: Set<(dropped: readonly Alert[]) => void>;
  #timer: Timer | null;

  constructor(o: AlertsOptions) {
    this.#clock = o.clock;
    this.#marker = o.marker;
    this.#gcIntervalMs = o.gcIntervalMs ?? DEFAULT_ALERT_GC_INTERVAL_MS;
    this.#logger = o.logger ?? nopLogger;
    this.#alerts = new Map();
    this.#listeners = new Set();
    this.#gcListeners = new Set();
    this.#timer = null;
  }

  /** Number of alerts held, resolved ones included until GC. */
  get size(): number {
    return this.#alerts.size;
  }

  /** The alert with this fingerprint, or null. */
  get(fp: string): Alert | null {
    return this.#alerts.get(fp) ?? null;
  }

  /** Every alert held, in insertion order. */
  list(): Alert[] {
    return [...this.#alerts.values()];
  }

  /** The alerts held, as the inhibitor's AlertProvider wants them. */
  alerts(): Iterable<Alert> {
    return this.#alerts.values();
  }

  /**
   * Stores alerts (upstream mem.Alerts.Put): an alert whose active range
   * overlaps the stored one of the same labels is merged with it
   * (mergeAlerts); otherwise it replaces it. Listeners see each stored alert.
   */
  put(...alerts: Alert[]): void {
    const now = this.#clock.now();
    for (let a of alerts) {
      const old = this.#alerts.get(a.fingerprint);
      if (old !== undefined) {
        const overlaps = (a.endsAt > old.startsAt && a.endsAt < old.endsAt) || (a.startsAt > old.startsAt && a.startsAt < old.endsAt);
        if (overlaps) a = mergeAlerts(old, a, now);
      }
      this.#alerts.set(a.fingerprint, a);
      for (const l of this.#listeners) l(a);
    }
  }

  /**
   * Calls `fn` with every alert held now, then with each alert stored
   * later (upstream Subscribe). Returns the unsubscribe function.
   */
  subscribe(fn: AlertListener): () => void {
    for (const a of [...this.#alerts.values()]) fn(a);
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Calls `fn` with the alerts each gc() dropped. Returns the unsubscribe function. */
  onGC(fn: (dropped: readonly Alert[]) => void): () => void {
    this.#gcListeners.add(fn);
    return () => this.#gcListeners.delete(fn);
  }

  /** Drops alerts resolved now and forgets their marks; returns them. */
  gc(): Alert[] {
    const now = this.#clock.now();
    const dropped: Alert[] = [];
    for (const [fp, a] of this.#alerts) {
      if (alertResolvedAt(a, now)) {
        this.#alerts.delete(fp);
        this.#marker.delete(fp);
        dropped.push(a);
      }
    }
    if (dropped.length > 0) this.#logger.debug("Garbage collected resolved alerts", "count", dropped.length);
    for (const l of this.#gcListeners) l(dropped);
    return dropped;
  }

  /** Runs gc() every gcIntervalMs on the clock until stop(). */
  start(): void {
    if (this.#timer !== null) return;
    const tick = (): void => {
      this.gc();
      this.#timer = this.#clock.setTimeout(tick, this.#gcIntervalMs);
    };
    this.#timer = this.#clock.setTimeout(tick, this.#gcIntervalMs);
  }

  /** Stops the GC timer and drops every listener. */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#listeners.clear();
    this.#gcListeners.clear();
  }
}
