/**
 * The notification log (upstream nflog/nflog.go): for each aggregation
 * group and receiver integration, which alerts were firing and resolved at
 * the last successful notification. The dedup stage reads it, so a
 * restarted or clustered Alertmanager does not notify twice. Entries
 * expire after the retention (or a shorter expiry given per entry);
 * snapshots are written atomically and loaded on start; entries from
 * peers merge in with "newer timestamp wins".
 */

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Clock, Logger, Timer } from "../../util/index.ts";
import { nopLogger } from "../../util/index.ts";
import { decodeMeshEntries, encodeMeshEntries, encodeMeshEntry } from "./nflogpb.ts";
import type { MeshEntry, NflogEntry, NflogReceiver } from "./nflogpb.ts";

/** Upstream's maintenance interval: GC and snapshot every 15 minutes. */
export const DEFAULT_NFLOG_MAINTENANCE_INTERVAL_MS = 15 * 60_000;

/** A query needs both a group key and a receiver (upstream's only supported query). */
export class NflogQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NflogQueryError";
  }
}

/** "receiver/integration/idx", upstream receiverKey. */
export function receiverKey(r: NflogReceiver): string {
  return `${r.groupName}/${r.integration}/${r.idx}`;
}

function stateKey(groupKey: string, r: NflogReceiver): string {
  return `${groupKey}:${receiverKey(r)}`;
}

/** Options of a notification log. */
export interface NotificationLogOptions {
  readonly clock: Clock;
  /** How long entries are kept (`--data.retention`, default 120h). */
  readonly retentionMs: number;
  readonly logger?: Logger;
  /** Called with each new local entry, encoded, for the cluster to gossip. */
  readonly broadcast?: (b: Uint8Array) => void;
}

/** The notification log. */
export class NotificationLog {
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #logger: Logger;
  readonly #broadcast: ((b: Uint8Array) => void) | null;
  readonly #st: Map<string, MeshEntry>;
  #timer: Timer | null;
  #final: (() => void) | null;

  constructor(o: NotificationLogOptions) {
    this.#clock = o.clock;
    this.#retentionMs = o.retentionMs;
    this.#logger = o.logger ?? nopLogger;
    this.#broadcast = o.broadcast ?? null;
    this.#st = new Map();
    this.#timer = null;
    this.#final = null;
  }

  /** Number of entries held. */
  get size(): number {
    return this.#st.size;
  }

  /**
   * Records a notification of group `groupKey` to `recv` now (upstream
   * Log): the firing and resolved alert hashes. The entry expires after
   * the retention, or after expiryMs when that is positive and shorter. An
   * existing entry with a later timestamp (clock drift between peers) wins.
   */
  log(recv: NflogReceiver, groupKey: string, firing: readonly bigint[], resolved: readonly bigint[], expiryMs = 0): void {
    const now = this.#clock.now();
    const key = stateKey(groupKey, recv);
    const prev = this.#st.get(key);
    if (prev !== undefined && prev.entry.timestamp > now) return;
    const expiresAt = now + (expiryMs > 0 && this.#retentionMs > expiryMs ? expiryMs : this.#retentionMs);
    const me: MeshEntry = {
      entry: { groupKey, receiver: { ...recv }, timestamp: now, firingAlerts: [...firing], resolvedAlerts: [...resolved] },
      expiresAt,
    };
    this.#merge(me, now);
    if (this.#broadcast !== null) this.#broadcast(encodeMeshEntry(me));
  }

  /** The entries for a group key and receiver: none or one. Throws NflogQueryError without both. */
  query(q: { readonly groupKey?: string; readonly receiver?: NflogReceiver }): NflogEntry[] {
    if (q.groupKey === undefined || q.receiver === undefined) throw new NflogQueryError("no query parameters specified");
    const e = this.#st.get(stateKey(q.groupKey, q.receiver));
    return e === undefined ? [] : [e.entry];
  }

  /** Every entry held with its expiry, in no particular order. */
  entries(): MeshEntry[] {
    return [...this.#st.values()];
  }

  /** Upstream state.merge: an unexpired entry replaces an older one for the same key. */
  #merge(me: MeshEntry, now: number): boolean {
    if (me.expiresAt < now) return false;
    const k = stateKey(me.entry.groupKey, me.entry.receiver);
    const prev = this.#st.get(k);
    if (prev === undefined || prev.entry.timestamp < me.entry.timestamp) {
      this.#st.set(k, me);
      return true;
    }
    return false;
  }

  /**
   * Merges entries received from a peer (a delimited MeshEntry stream, as
   * broadcast or as a full state): newer timestamps win, expired entries
   * are ignored. Returns the entries that changed the log. Throws
   * NflogDecodeError.
   */
  merge(b: Uint8Array): MeshEntry[] {
    const now = this.#clock.now();
    const changed: MeshEntry[] = [];
    for (const me of decodeMeshEntries(b)) if (this.#merge(me, now)) changed.push(me);
    return changed;
  }

  /** Deletes entries whose expiry has passed; returns how many. */
  gc(): number {
    const now = this.#clock.now();
    let n = 0;
    for (const [k, me] of this.#st) {
      if (me.expiresAt <= now) {
        this.#st.delete(k);
        n++;
      }
    }
    return n;
  }

  /** The log in Alertmanager's snapshot format. */
  snapshot(): Uint8Array {
    return encodeMeshEntries(this.#st.values());
  }

  /** Replaces the log with a snapshot's unexpired entries. Throws NflogDecodeError. */
  loadSnapshot(b: Uint8Array): void {
    const now = this.#clock.now();
    const entries = decodeMeshEntries(b);
    this.#st.clear();
    for (const me of entries) this.#merge(me, now);
  }

  /** Writes snapshot() to `path` atomically (temporary file, then rename). Returns the byte size. */
  writeSnapshotFile(path: string): number {
    const b = this.snapshot();
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, b);
    renameSync(tmp, path);
    return b.length;
  }

  /** Loads a snapshot file written by promstack or Alertmanager. Throws NflogDecodeError or the fs error. */
  loadSnapshotFile(path: string): void {
    this.loadSnapshot(readFileSync(path));
  }

  /**
   * Runs gc() and, with a path, writeSnapshotFile(path) every intervalMs
   * on the clock until stop() (upstream Maintenance); stop() writes a final
   * snapshot.
   */
  start(intervalMs: number = DEFAULT_NFLOG_MAINTENANCE_INTERVAL_MS, snapshotPath: string | null = null): void {
    if (this.#timer !== null) return;
    const run = (): void => {
      const n = this.gc();
      if (snapshotPath !== null) {
        try {
          const size = this.writeSnapshotFile(snapshotPath);
          this.#logger.debug("Maintenance done", "removed", n, "size", size);
        } catch (e) {
          this.#logger.error("Creating shutdown snapshot failed", "err", (e as Error).message);
        }
      }
    };
    const tick = (): void => {
      run();
      this.#timer = this.#clock.setTimeout(tick, intervalMs);
    };
    this.#timer = this.#clock.setTimeout(tick, intervalMs);
    this.#final = snapshotPath === null ? null : run;
  }


  /** Stops maintenance, running it one last time when started with a snapshot path. */
  stop(): void {
    if (this.#timer === null) return;
    this.#timer.cancel();
    this.#timer = null;
    this.#final?.();
    this.#final = null;
  }
}
