/**
 * Marker (upstream types.MemMarker): the state of each alert as the
 * notification pipeline last saw it (unprocessed, active, suppressed by
 * silences or inhibition), and which aggregation groups are muted by time
 * intervals. The API reads it to show an alert's status.
 */

/** An alert's state. */
export const AlertState = { Unprocessed: "unprocessed", Active: "active", Suppressed: "suppressed" } as const;
export type AlertState = (typeof AlertState)[keyof typeof AlertState];

/** An alert's status: its state and what suppresses it (IDs sorted as given). */
export interface AlertStatus {
  readonly state: AlertState;
  /** IDs of the active silences muting the alert. */
  readonly silencedBy: readonly string[];
  /** Fingerprints of the alerts inhibiting it. */
  readonly inhibitedBy: readonly string[];
  /** Names of the time intervals muting it (not tracked per alert: always empty). */
  readonly mutedBy: readonly string[];
}

const NONE: readonly string[] = Object.freeze([]);
const UNPROCESSED: AlertStatus = Object.freeze({ state: AlertState.Unprocessed, silencedBy: NONE, inhibitedBy: NONE, mutedBy: NONE });
/** The status of most alerts, shared rather than allocated per alert. */
const ACTIVE: AlertStatus = Object.freeze({ state: AlertState.Active, silencedBy: NONE, inhibitedBy: NONE, mutedBy: NONE });

function sameIDs(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function statusOf(silencedBy: readonly string[], inhibitedBy: readonly string[]): AlertStatus {
  if (silencedBy.length === 0 && inhibitedBy.length === 0) return ACTIVE;
  return {
    state: AlertState.Suppressed,
    silencedBy: silencedBy.length === 0 ? NONE : [...silencedBy],
    inhibitedBy: inhibitedBy.length === 0 ? NONE : [...inhibitedBy],
    mutedBy: NONE,
  };
}

/** Alert statuses by fingerprint and time-interval mutes by group. */
export class Marker {
  readonly #alerts: Map<string, AlertStatus>;
  readonly #groups: Map<string, readonly string[]>;

  constructor() {
    this.#alerts = new Map();
    this.#groups = new Map();
  }

  /** Records the silences muting an alert (none: the alert is active unless inhibited). */
  setActiveOrSilenced(fp: string, silencedBy: readonly string[]): void {
    const prev = this.#alerts.get(fp);
    if (prev !== undefined && sameIDs(prev.silencedBy, silencedBy)) return;
    this.#alerts.set(fp, statusOf(silencedBy, prev?.inhibitedBy ?? NONE));
  }

  /** Records the alerts inhibiting an alert (none: the alert is active unless silenced). */
  setInhibited(fp: string, inhibitedBy: readonly string[]): void {
    const prev = this.#alerts.get(fp);
    if (prev !== undefined && sameIDs(prev.inhibitedBy, inhibitedBy)) return;
    this.#alerts.set(fp, statusOf(prev?.silencedBy ?? NONE, inhibitedBy));
  }

  /** The status of an alert; unprocessed when never marked. */
  status(fp: string): AlertStatus {
    return this.#alerts.get(fp) ?? UNPROCESSED;
  }

  /** Forgets an alert (it was garbage-collected). */
  delete(fp: string): void {
    this.#alerts.delete(fp);
  }

  /** How many marked alerts are in one of `states` (all marked alerts when none given). */
  count(...states: AlertState[]): number {
    if (states.length === 0) return this.#alerts.size;
    let n = 0;
    for (const s of this.#alerts.values()) if (states.includes(s.state)) n++;
    return n;
  }

  /** Records the time intervals muting a group (none: unmuted) (upstream GroupMarker.SetMuted). */
  setMuted(routeID: string, groupKey: string, timeIntervalNames: readonly string[]): void {
    const k = `${routeID}\u0000${groupKey}`;
    if (timeIntervalNames.length === 0) this.#groups.delete(k);
    else this.#groups.set(k, [...timeIntervalNames]);
  }

  /** The time intervals muting a group; empty when not muted. */
  muted(routeID: string, groupKey: string): readonly string[] {
    return this.#groups.get(`${routeID}\u0000${groupKey}`) ?? [];
  }

  /** Forgets a group's mute (the group was removed). */
  deleteByGroupKey(routeID: string, groupKey: string): void {
    this.#groups.delete(`${routeID}\u0000${groupKey}`);
  }
}
