/**
 * Alerts as Alertmanager holds them (upstream types/types.go): labels,
 * annotations, the active range, and the merge rule for an alert sent
 * again. Times are ms since the epoch; 0 is Go's zero time ("unset").
 */

import type { Labels } from "../../model/index.ts";
import { fingerprint } from "../inhibit/index.ts";

/** An alert. Immutable: the store replaces an alert rather than changing it. */
export interface Alert {
  readonly labels: Labels;
  readonly annotations: Labels;
  /** When the alert started firing (ms). */
  readonly startsAt: number;
  /** When the alert is (or will be) resolved (ms); 0 means unset (firing with no end). */
  readonly endsAt: number;
  readonly generatorURL: string;
  /** When the alert was last received (ms). */
  readonly updatedAt: number;
  /** endsAt was set from resolve_timeout, not by the sender. */
  readonly timeout: boolean;
  /** The label set's fingerprint, 16 hex digits (model.Fingerprint.String()). */
  readonly fingerprint: string;
}

/** The fields an alert is made from; the fingerprint is computed. */
export interface AlertFields {
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly generatorURL: string;
  readonly updatedAt: number;
  readonly timeout: boolean;
}

/** Builds an alert, computing its fingerprint from the labels. */
export function newAlert(f: AlertFields): Alert {
  return {
    labels: f.labels,
    annotations: f.annotations,
    startsAt: f.startsAt,
    endsAt: f.endsAt,
    generatorURL: f.generatorURL,
    updatedAt: f.updatedAt,
    timeout: f.timeout,
    fingerprint: fingerprint(f.labels),
  };
}

/** Returns a copy of `a` with some fields replaced (the fingerprint kept: labels never change). */
export function withFields(a: Alert, f: Partial<Omit<AlertFields, "labels">>): Alert {
  return { ...a, ...f };
}

/** Whether `a` is resolved at `now`: endsAt set and not after now (upstream Alert.ResolvedAt). */
export function alertResolvedAt(a: Pick<Alert, "endsAt">, now: number): boolean {
  return a.endsAt !== 0 && a.endsAt <= now;
}

/** The status of an alert: "firing" or "resolved". */
export const AlertStatusName = { Firing: "firing", Resolved: "resolved" } as const;
export type AlertStatusName = (typeof AlertStatusName)[keyof typeof AlertStatusName];

/** The status of `a` at `now` (upstream Alert.StatusAt). */
export function alertStatusAt(a: Pick<Alert, "endsAt">, now: number): AlertStatusName {
  return alertResolvedAt(a, now) ? AlertStatusName.Resolved : AlertStatusName.Firing;
}

/** "firing" when any alert fires at `now`, else "resolved" (upstream Alerts.Status). */
export function alertsStatusAt(as: readonly Pick<Alert, "endsAt">[], now: number): AlertStatusName {
  for (const a of as) if (!alertResolvedAt(a, now)) return AlertStatusName.Firing;
  return AlertStatusName.Resolved;
}

/**
 * Merges two versions of the same alert (upstream Alert.Merge): the more
 * recently updated one wins, keeping the earliest start; its end is kept
 * unless the other one ends later and either both are resolved, or the
 * other's end was set by its sender (not by resolve_timeout).
 */
export function mergeAlerts(a: Alert, o: Alert, now: number): Alert {
  if (o.updatedAt < a.updatedAt) return mergeAlerts(o, a, now);
  let startsAt = o.startsAt;
  let endsAt = o.endsAt;
  if (a.startsAt < o.startsAt) startsAt = a.startsAt;
  if (alertResolvedAt(o, now)) {
    if (alertResolvedAt(a, now) && a.endsAt > o.endsAt) endsAt = a.endsAt;
  } else if (a.endsAt > o.endsAt && !a.timeout) {
    endsAt = a.endsAt;
  }
  return startsAt === o.startsAt && endsAt === o.endsAt ? o : { ...o, startsAt, endsAt };
}

/** Upstream LabelSet.Before: shorter sets first, then by values over the union of sorted names. */
function labelSetBefore(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return a.length < b.length;
  const names = [...new Set([...a.names, ...b.names])].sort();
  for (const n of names) {
    if (!a.has(n)) return true;
    if (!b.has(n)) return false;
    const x = a.get(n);
    const y = b.get(n);
    if (x !== y) return x < y;
  }
  return false;
}

/**
 * Sorts alerts in place by compareAlerts, looking up each alert's `job`
 * and `instance` once rather than per comparison (a flush sorts every
 * alert of its group). Returns `alerts`.
 */
export function sortAlerts<A extends Pick<Alert, "labels">>(alerts: A[]): A[] {
  const n = alerts.length;
  if (n < 2) return alerts;
  const jobs: (string | null)[] = new Array<string | null>(n);
  const instances: (string | null)[] = new Array<string | null>(n);
  const order: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const l = alerts[i]!.labels;
    jobs[i] = l.has("job") ? l.get("job") : null;
    instances[i] = l.has("instance") ? l.get("instance") : null;
    order[i] = i;
  }
  const cmpKey = (x: string | null, y: string | null): number => (x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1);
  order.sort((i, j) => {
    const c = cmpKey(jobs[i]!, jobs[j]!) || cmpKey(instances[i]!, instances[j]!);
    if (c !== 0) return c;
    const a = alerts[i]!.labels;
    const b = alerts[j]!.labels;
    return labelSetBefore(a, b) ? -1 : labelSetBefore(b, a) ? 1 : 0;
  });
  const sorted = order.map((i) => alerts[i]!);
  for (let i = 0; i < n; i++) alerts[i] = sorted[i]!;
  return alerts;
}

/**
 * The order of alerts in a notification (upstream AlertSlice.Less): by the
 * `job` label, then `instance` (an alert with the label before one
 * without), then by label set. Returns <0, 0, >0.
 */
export function compareAlerts(a: Pick<Alert, "labels">, b: Pick<Alert, "labels">): number {
  for (const k of ["job", "instance"]) {
    const ia = a.labels.has(k);
    const ib = b.labels.has(k);
    if (!ia && !ib) continue;
    if (!ia) return 1;
    if (!ib) return -1;
    const x = a.labels.get(k);
    const y = b.labels.get(k);
    if (x !== y) return x < y ? -1 : 1;
  }
  if (labelSetBefore(a.labels, b.labels)) return -1;
  if (labelSetBefore(b.labels, a.labels)) return 1;
  return 0;
}
