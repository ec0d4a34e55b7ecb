/**
 * The data of /api/v1/rules and /api/v1/alerts in Prometheus's JSON shape,
 * as plain objects (keys in Prometheus's order) for the web layer to
 * serialize.
 */

import type { Labels, Matcher } from "../model/index.ts";
import { type Alert, AlertingRule } from "./alerting.ts";
import type { Group } from "./group.ts";
import { RecordingRule } from "./recording.ts";
import type { Rule } from "./rule.ts";

/** An alert as the API shows it. Times are RFC 3339 strings, the value a Go 'e' float. */
export interface APIAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt: string;
  keepFiringSince?: string;
  value: string;
}

/** An alerting rule as /api/v1/rules shows it. Durations in seconds. */
export interface APIAlertingRule {
  state: string;
  name: string;
  query: string;
  duration: number;
  keepFiringFor: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** null when alerts are excluded. */
  alerts: APIAlert[] | null;
  health: string;
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
  type: "alerting";
}

/** A recording rule as /api/v1/rules shows it. */
export interface APIRecordingRule {
  name: string;
  query: string;
  labels: Record<string, string>;
  health: string;
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
  type: "recording";
}

/** A rule group as /api/v1/rules shows it. Interval and evaluation time in seconds. */
export interface APIRuleGroup {
  name: string;
  file: string;
  rules: Array<APIAlertingRule | APIRecordingRule>;
  interval: number;
  limit: number;
  evaluationTime: number;
  lastEvaluation: string;
}

/** Filters of /api/v1/rules. Empty lists do not filter. */
export interface RulesFilter {
  /** "alert", "record", or "" for both; anything else is rejected. */
  type?: string;
  ruleNames?: readonly string[];
  ruleGroups?: readonly string[];
  files?: readonly string[];
  /** match[]: a rule is kept when its labels match every matcher of any set. */
  matcherSets?: readonly (readonly Matcher[])[];
  /** exclude_alerts: leave out the alerts of alerting rules. */
  excludeAlerts?: boolean;
}

/** A bad query parameter of a rules API call, reported by Prometheus as bad_data. */
export class RulesAPIParamError extends Error {
  readonly param: string;

  constructor(param: string, reason: string) {
    super(`invalid parameter ${JSON.stringify(param)}: ${reason}`);
    this.name = "RulesAPIParamError";
    this.param = param;
  }
}

/**
 * The data of /api/v1/rules: groups (in the given order, Prometheus's is
 * by file then name) with their rules after the filters; groups left
 * without rules are omitted. Throws RulesAPIParamError for a bad type.
 */
export function rulesAPIData(groups: readonly Group[], filter: RulesFilter = {}): { groups: APIRuleGroup[] } {
  const typ = (filter.type ?? "").toLowerCase();
  if (typ !== "" && typ !== "alert" && typ !== "record") {
    throw new RulesAPIParamError("type", `not supported value ${JSON.stringify(typ)}`);
  }
  const names = toSet(filter.ruleNames);
  const groupNames = toSet(filter.ruleGroups);
  const files = toSet(filter.files);
  const out: APIRuleGroup[] = [];
  for (const g of groups) {
    if (groupNames !== null && !groupNames.has(g.name)) continue;
    if (files !== null && !files.has(g.file)) continue;
    const rules: Array<APIAlertingRule | APIRecordingRule> = [];
    for (const r of g.rules) {
      if (!matchesSets(filter.matcherSets ?? [], r.labels)) continue;
      if (names !== null && !names.has(r.name)) continue;
      if (r instanceof AlertingRule && typ !== "record") rules.push(alertingRuleData(r, filter.excludeAlerts === true));
      if (r instanceof RecordingRule && typ !== "alert") rules.push(recordingRuleData(r));
    }
    if (rules.length === 0) continue;
    out.push({
      name: g.name,
      file: g.file,
      rules,
      interval: g.intervalMs / 1000,
      limit: g.limit,
      evaluationTime: g.evaluationTimeMs / 1000,
      lastEvaluation: formatTime(g.lastEvaluation),
    });
  }
  return { groups: out };
}

/** The data of /api/v1/alerts: the pending and firing alerts of every rule, in order. */
export function alertsAPIData(rules: readonly AlertingRule[]): { alerts: APIAlert[] } {
  return { alerts: rules.flatMap((r) => r.activeAlerts().map(alertData)) };
}

function alertingRuleData(r: AlertingRule, excludeAlerts: boolean): APIAlertingRule {
  return {
    state: r.state(),
    name: r.name,
    query: r.query,
    duration: r.holdMs / 1000,
    keepFiringFor: r.keepFiringForMs / 1000,
    labels: r.labels.toObject(),
    annotations: r.annotations.toObject(),
    alerts: excludeAlerts ? null : r.activeAlerts().map(alertData),
    health: r.health,
    ...lastError(r),
    evaluationTime: r.evaluationDurationMs / 1000,
    lastEvaluation: formatTime(r.evaluationTimestamp),
    type: "alerting",
  };
}

function recordingRuleData(r: RecordingRule): APIRecordingRule {
  return {
    name: r.name,
    query: r.query,
    labels: r.labels.toObject(),
    health: r.health,
    ...lastError(r),
    evaluationTime: r.evaluationDurationMs / 1000,
    lastEvaluation: formatTime(r.evaluationTimestamp),
    type: "recording",
  };
}

function lastError(r: Rule): { lastError?: string } {
  return r.lastError === null ? {} : { lastError: r.lastError.message };
}

function alertData(a: Alert): APIAlert {
  return {
    labels: a.labels.toObject(),
    annotations: a.annotations.toObject(),
    state: a.state,
    activeAt: formatTime(a.activeAt),
    ...(a.keepFiringSince === null ? {} : { keepFiringSince: formatTime(a.keepFiringSince) }),
    value: formatFloatE(a.value),
  };
}

function toSet(l: readonly string[] | undefined): Set<string> | null {
  return l === undefined || l.length === 0 ? null : new Set(l);
}

function matchesSets(sets: readonly (readonly Matcher[])[], l: Labels): boolean {
  if (sets.length === 0) return true;
  return sets.some((ms) => ms.every((m) => m.matches(l.get(m.name))));
}

/** A time (ms) as Go's time.Time marshals to JSON (RFC 3339, fraction trimmed); null is Go's zero time. */
export function formatTime(t: number | null): string {
  if (t === null) return "0001-01-01T00:00:00Z";
  const iso = new Date(t).toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac === "" ? "Z" : `.${frac}Z`));
}

/** Go's strconv.FormatFloat(v, 'e', -1, 64): shortest digits, two-digit exponent at least. */
export function formatFloatE(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  const s = v.toExponential();
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  if (m === null) throw new Error(`BUG: unexpected exponential form ${s}`);
  const mant = Object.is(v, -0) ? "-0" : m[1]!;
  return `${mant}e${m[2]}${m[3]!.padStart(2, "0")}`;
}
