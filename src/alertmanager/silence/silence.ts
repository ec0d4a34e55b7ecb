/**
 * Silences (upstream silence/silence.go): a store of silences with
 * upstream's validation, update-in-place rules (canUpdate), expiry,
 * garbage collection after the retention, queries and the snapshot file.
 * Time comes from the injected Clock; all times are ms.
 */

import { randomUUID } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { Matcher, MatchType } from "../../model/index.ts";
import type { Labels } from "../../model/index.ts";
import type { Clock } from "../../util/index.ts";
import { decodeSnapshot, encodeSnapshot } from "./silencepb.ts";
import type { MeshSilence, StoredSilence } from "./silencepb.ts";

/** The state of a silence at a time. */
export const SilenceState = { Expired: "expired", Active: "active", Pending: "pending" } as const;
export type SilenceState = (typeof SilenceState)[keyof typeof SilenceState];

/** A silence. `matchers` in their stored order. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly updatedAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** What set() takes: id "" creates a silence; an existing id updates or replaces it. */
export interface SilenceInput {
  readonly id?: string;
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy?: string;
  readonly comment?: string;
}

/** A silence that fails validation. Message is upstream's. */
export class SilenceValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SilenceValidationError";
  }
}

/** No silence with the given id. */
export class SilenceNotFoundError extends Error {
  readonly id: string;
  constructor(id: string) {
    super("silence not found");
    this.name = "SilenceNotFoundError";
    this.id = id;
  }
}

/** Expiring a silence that is already expired. */
export class SilenceExpiredError extends Error {
  constructor(id: string) {
    super(`silence ${id} already expired`);
    this.name = "SilenceExpiredError";
  }
}

/** The state of `s` at `now`: pending before startsAt, expired after endsAt (upstream getState). */
export function silenceState(s: Pick<Silence, "startsAt" | "endsAt">, now: number): SilenceState {
  if (now < s.startsAt) return SilenceState.Pending;
  // NOTE: Prometheus compares nanoseconds (expired once now is after
  // endsAt); at millisecond resolution a silence expired "now" would still
  // read as active for the rest of that millisecond, so endsAt itself counts
  // as expired here.
  if (now >= s.endsAt) return SilenceState.Expired;
  return SilenceState.Active;
}


const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Upstream validateSilence (times are checked on the stored form). Throws SilenceValidationError. */
export function validateSilence(s: Silence): void {
  const fail = (m: string): never => {
    throw new SilenceValidationError(m);
  };
  if (s.id === "") fail("ID missing");
  if (s.matchers.length === 0) fail("at least one matcher required");
  let allMatchEmpty = true;
  s.matchers.forEach((m, i) => {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.name)) fail(`invalid label matcher ${i}: invalid label name ${JSON.stringify(m.name)}`);
    if ((m.type === MatchType.Equal || m.type === MatchType.NotEqual) && LONE_SURROGATE.test(m.value)) {
      fail(`invalid label matcher ${i}: invalid label value ${JSON.stringify(m.value)}`);
    }
    // Negative matchers never count as matching everything (upstream matchesEmpty).
    const empty = m.type === MatchType.Equal ? m.value === "" : m.type === MatchType.Regexp ? m.matches("") : false;
    allMatchEmpty = allMatchEmpty && empty;
  });
  if (allMatchEmpty) fail("at least one matcher must not match the empty string");
  if (s.startsAt === 0) fail("invalid zero start timestamp");
  if (s.endsAt === 0) fail("invalid zero end timestamp");
  if (s.endsAt < s.startsAt) fail("end time must not be before start time");
  if (s.updatedAt === 0) fail("invalid zero update timestamp");
}

function sameMatchers(a: readonly Matcher[], b: readonly Matcher[]): boolean {
  return a.length === b.length && a.every((m, i) => m.type === b[i]!.type && m.name === b[i]!.name && m.value === b[i]!.value);
}

/** Whether `next` may overwrite `prev` in place at `now` (upstream canUpdate). */
function canUpdate(prev: Silence, next: SilenceInput, now: number): boolean {
  if (!sameMatchers(prev.matchers, next.matchers)) return false;
  switch (silenceState(prev, now)) {
    case SilenceState.Active:
      return next.startsAt === prev.startsAt && !(next.endsAt < now);
    case SilenceState.Pending:
      return !(next.startsAt < now);
    case SilenceState.Expired:
      return false;
  }
}

/** Query filters for Silences.query; all given filters must hold. */
export interface SilenceQuery {
  readonly ids?: readonly string[];
  /** Only silences in one of these states at the query time. */
  readonly states?: readonly SilenceState[];
  /** Only silences whose matchers all match this label set. */
  readonly matches?: Labels;
  /**
   * API filter (upstream CheckSilenceMatchesFilterLabels): for each filter
   * matcher the silence must have a matcher on that label whose pattern
   * the filter matcher accepts.
   */
  readonly filter?: readonly Matcher[];
}

/** Options of a Silences store. */
export interface SilencesOptions {
  readonly clock: Clock;
  /** How long expired silences are kept before GC (`--data.retention`, default 120h). */
  readonly retentionMs: number;
  /** Called with each silence stored locally (created, updated, expired), encoded, for the cluster to gossip. */
  readonly broadcast?: (b: Uint8Array) => void;
}

/** The silences store. Not persistent by itself: see snapshot()/loadSnapshot(). */
export class Silences {
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #broadcast: (b: Uint8Array) => void;
  readonly #st: Map<string, { silence: Silence; expiresAt: number }>;

  constructor(o: SilencesOptions) {
    this.#clock = o.clock;
    this.#retentionMs = o.retentionMs;
    this.#broadcast = o.broadcast ?? (() => {});
    this.#st = new Map();
  }

  /** Number of stored silences, expired ones included. */
  get size(): number {
    return this.#st.size;
  }

  /** The silence with `id`, or null. */
  get(id: string): Silence | null {
    return this.#st.get(id)?.silence ?? null;
  }

  #put(s: Silence): void {
    validateSilence(s);
    const expiresAt = s.endsAt + this.#retentionMs;
    this.#st.set(s.id, { silence: s, expiresAt });
    this.#broadcast(encodeSnapshot([toMesh(s, expiresAt)]));
  }

  /**
   * Merges silences received from a peer (a delimited MeshSilence stream,
   * as broadcast or as a full state) with upstream's rule: an unexpired
   * silence replaces a stored one with an older updatedAt. Returns the ids
   * that changed. Throws SnapshotError, or RegexError for a bad pattern.
   */
  merge(b: Uint8Array): string[] {
    const now = this.#clock.now();
    const changed: string[] = [];
    for (const { silence: p, expiresAt } of decodeSnapshot(b)) {
      if (expiresAt < now) continue;
      const prev = this.#st.get(p.id);
      if (prev !== undefined && prev.silence.updatedAt >= p.updatedAt) continue;
      this.#st.set(p.id, { silence: fromStored(p), expiresAt });
      changed.push(p.id);
    }
    return changed;
  }

  /**
   * Creates or updates a silence and returns its id (upstream Set). An
   * existing silence is updated in place when only what canUpdate allows
   * changed; otherwise a new silence (new id) is created and the old one
   * expired. A new silence starting in the past starts now. Throws
   * SilenceNotFoundError for an unknown id, SilenceValidationError.
   */
  set(input: SilenceInput): string {
    const now = this.#clock.now();
    const id = input.id ?? "";
    const prev = id === "" ? null : this.get(id);
    if (id !== "" && prev === null) throw new SilenceNotFoundError(id);
    const base = { matchers: [...input.matchers], createdBy: input.createdBy ?? "", comment: input.comment ?? "" };
    if (prev !== null && canUpdate(prev, input, now)) {
      this.#put({ ...base, id, startsAt: input.startsAt, endsAt: input.endsAt, updatedAt: now });
      return id;
    }
    const s: Silence = { ...base, id: randomUUID(), startsAt: Math.max(input.startsAt, now), endsAt: input.endsAt, updatedAt: now };
    this.#put(s);
    if (prev !== null && silenceState(prev, now) !== SilenceState.Expired) this.expire(prev.id);
    return s.id;
  }

  /**
   * Expires a silence now: an active one ends now, a pending one starts
   * and ends now. Throws SilenceNotFoundError, SilenceExpiredError.
   */
  expire(id: string): void {
    const s = this.get(id);
    if (s === null) throw new SilenceNotFoundError(id);
    const now = this.#clock.now();
    switch (silenceState(s, now)) {
      case SilenceState.Expired:
        throw new SilenceExpiredError(id);
      case SilenceState.Active:
        this.#put({ ...s, endsAt: now, updatedAt: now });
        break;
      case SilenceState.Pending:
        this.#put({ ...s, startsAt: now, endsAt: now, updatedAt: now });
        break;
    }
  }

  /** Silences satisfying every filter of `q` at `now` (default: the clock), in no particular order. */
  query(q: SilenceQuery = {}, now = this.#clock.now()): Silence[] {
    const out: Silence[] = [];
    const ids = q.ids === undefined ? null : new Set(q.ids);
    for (const { silence: s } of this.#st.values()) {
      if (ids !== null && !ids.has(s.id)) continue;
      if (q.states !== undefined && !q.states.includes(silenceState(s, now))) continue;
      if (q.matches !== undefined && !s.matchers.every((m) => m.matches(q.matches!.get(m.name)))) continue;
      if (q.filter !== undefined && !matchesFilter(s, q.filter)) continue;
      out.push(s);
    }
    return out;
  }

  /** IDs of the silences active at `now` that mute `labels`, sorted (an alert's silencedBy). */
  mutes(labels: Labels, now = this.#clock.now()): string[] {
    if (this.#st.size === 0) return [];
    return this.query({ states: [SilenceState.Active], matches: labels }, now)
      .map((s) => s.id)
      .sort();
  }

  /** Deletes silences whose retention after their end has passed; returns how many. */
  gc(): number {
    const now = this.#clock.now();
    let n = 0;
    for (const [id, e] of this.#st) {
      if (e.expiresAt <= now) {
        this.#st.delete(id);
        n++;
      }
    }
    return n;
  }

  /** The store in Alertmanager's snapshot format (delimited silencepb.MeshSilence). */
  snapshot(): Uint8Array {
    const out: MeshSilence[] = [];
    for (const { silence: s, expiresAt } of this.#st.values()) out.push(toMesh(s, expiresAt));
    return encodeSnapshot(out);
  }

  /**
   * Replaces the store with a snapshot's silences (upstream loads the same
   * way on start). Throws SnapshotError, or RegexError for a bad pattern (from model).
   */
  loadSnapshot(buf: Uint8Array): void {
    const next = new Map<string, { silence: Silence; expiresAt: number }>();
    for (const { silence: p, expiresAt } of decodeSnapshot(buf)) next.set(p.id, { silence: fromStored(p), expiresAt });
    this.#st.clear();
    for (const [k, v] of next) this.#st.set(k, v);
  }

  /** Writes snapshot() to `path` atomically (temporary file, then rename). */
  writeSnapshotFile(path: string): void {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, this.snapshot());
    renameSync(tmp, path);
  }

  /** Loads a snapshot file written by promstack or Alertmanager. Throws like loadSnapshot or the fs error. */
  loadSnapshotFile(path: string): void {
    this.loadSnapshot(readFileSync(path));
  }
}

function toMesh(s: Silence, expiresAt: number): MeshSilence {
  return {
    silence: {
      id: s.id,
      matchers: s.matchers.map((m) => ({ type: m.type, name: m.name, pattern: m.value })),
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      updatedAt: s.updatedAt,
      createdBy: s.createdBy,
      comment: s.comment,
    },
    expiresAt,
  };
}

function fromStored(p: StoredSilence): Silence {
  return {
    id: p.id,
    matchers: p.matchers.map((m) => new Matcher(m.type, m.name, m.pattern)),
    startsAt: p.startsAt,
    endsAt: p.endsAt,
    updatedAt: p.updatedAt,
    createdBy: p.createdBy,
    comment: p.comment,
  };
}

/** Upstream CheckSilenceMatchesFilterLabels, used by the API's `filter`. */
export function matchesFilter(s: Silence, filter: readonly Matcher[]): boolean {
  const patterns = new Map<string, string>();
  for (const m of s.matchers) patterns.set(m.name, m.value);
  return filter.every((f) => patterns.has(f.name) && f.matches(patterns.get(f.name)!));
}

