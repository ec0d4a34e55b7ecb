/**
 * Inhibition (upstream inhibit/inhibit.go): a firing alert matching a
 * rule's source matchers mutes alerts matching its target matchers when
 * both have the same values for the rule's `equal` labels (a missing label
 * counts as ""). An alert matching both sides is not muted by a source
 * alert that also matches the target side, so two such alerts cannot mute
 * each other.
 */

import { Matcher, MatchType } from "../../model/index.ts";
import type { Labels } from "../../model/index.ts";
import { matchesAll } from "../matchers/index.ts";
import type { InhibitRuleConfig } from "../config/index.ts";
import { fingerprint } from "./fingerprint.ts";

/** The alert data inhibition needs. Times are ms; endsAt 0 means "no end". */
export interface InhibitAlert {
  readonly labels: Labels;
  readonly startsAt: number;
  readonly endsAt: number;
  /** The labels' fingerprint when the caller has it (an Alert does); computed otherwise. */
  readonly fingerprint?: string;
}

/** A source of the current alerts (the alert store), read when the inhibitor is (re)built. */
export interface AlertProvider {
  /** The alerts currently held, in any order. */
  alerts(): Iterable<InhibitAlert>;
}

/** Whether an alert is resolved at `now` (upstream Alert.ResolvedAt). */
export function resolvedAt(a: InhibitAlert, now: number): boolean {
  return a.endsAt !== 0 && a.endsAt <= now;
}

function toMatchers(match: ReadonlyMap<string, string> | null, matchRE: ReadonlyMap<string, string> | null, ms: readonly Matcher[]): Matcher[] {
  const out: Matcher[] = [];
  for (const [n, v] of match ?? []) out.push(new Matcher(MatchType.Equal, n, v));
  for (const [n, v] of matchRE ?? []) out.push(new Matcher(MatchType.Regexp, n, v));
  out.push(...ms);
  return out;
}

/** One inhibition rule with its cache of source alerts, by fingerprint. */
export class InhibitRule {
  readonly name: string;
  readonly sourceMatchers: readonly Matcher[];
  readonly targetMatchers: readonly Matcher[];
  readonly equal: readonly string[];
  readonly #sources: Map<string, InhibitAlert>;

  constructor(c: InhibitRuleConfig) {
    this.name = c.name;
    this.sourceMatchers = toMatchers(c.sourceMatch, c.sourceMatchRE, c.sourceMatchers);
    this.targetMatchers = toMatchers(c.targetMatch, c.targetMatchRE, c.targetMatchers);
    this.equal = c.equal;
    this.#sources = new Map();
  }

  /** Caches `a` (replacing the alert with the same labels) if it matches the source side. */
  observe(a: InhibitAlert, fp: string): void {
    if (matchesAll(this.sourceMatchers, (n) => a.labels.get(n))) this.#sources.set(fp, a);
  }

  /** Drops cached alerts resolved at `now`; returns how many. */
  gc(now: number): number {
    let n = 0;
    for (const [fp, a] of this.#sources) {
      if (resolvedAt(a, now)) {
        this.#sources.delete(fp);
        n++;
      }
    }
    return n;
  }

  /**
   * The fingerprint of a firing source alert that mutes `labels`, or null
   * (upstream hasEqual, with the two-sided exclusion).
   */
  inhibitingSource(labels: Labels, now: number): string | null {
    if (!matchesAll(this.targetMatchers, (n) => labels.get(n))) return null;
    const twoSided = matchesAll(this.sourceMatchers, (n) => labels.get(n));
    outer: for (const [fp, a] of this.#sources) {
      if (resolvedAt(a, now)) continue;
      for (const n of this.equal) if (a.labels.get(n) !== labels.get(n)) continue outer;
      if (twoSided && matchesAll(this.targetMatchers, (n) => a.labels.get(n))) continue;
      return fp;
    }
    return null;
  }
}

/** Result of an inhibition check. */
export interface InhibitResult {
  readonly muted: boolean;
  /** Fingerprints of the inhibiting alerts (upstream records the first one found). */
  readonly inhibitedBy: readonly string[];
}

/**
 * The inhibitor over all rules. Feed it every alert the store accepts with
 * observe() (or build it from a provider), and ask mutes()/check() with
 * the current time.
 */
export class Inhibitor {
  readonly rules: readonly InhibitRule[];

  constructor(rules: readonly InhibitRuleConfig[], provider: AlertProvider | null = null) {
    this.rules = rules.map((r) => new InhibitRule(r));
    if (provider !== null) for (const a of provider.alerts()) this.observe(a);
  }

  /** Records an alert (new or updated) for the rules whose source side it matches. */
  observe(a: InhibitAlert): void {
    if (this.rules.length === 0) return;
    const fp = a.fingerprint ?? fingerprint(a.labels);
    for (const r of this.rules) r.observe(a, fp);
  }

  /** Drops source alerts resolved at `now` from every rule; returns how many. */
  gc(now: number): number {
    let n = 0;
    for (const r of this.rules) n += r.gc(now);
    return n;
  }

  /** Whether an alert with `labels` is inhibited at `now`, and by which alert. */
  check(labels: Labels, now: number): InhibitResult {
    for (const r of this.rules) {
      const fp = r.inhibitingSource(labels, now);
      if (fp !== null) return { muted: true, inhibitedBy: [fp] };
    }
    return { muted: false, inhibitedBy: [] };
  }

  /** Whether an alert with `labels` is inhibited at `now`. */
  mutes(labels: Labels, now: number): boolean {
    return this.check(labels, now).muted;
  }
}
