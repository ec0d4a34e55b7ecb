/**
 * The data model of notification templates (upstream template.Data):
 * `.Receiver`, `.Status`, `.Alerts` (with `.Firing` and `.Resolved`),
 * `.GroupLabels`, `.CommonLabels`, `.CommonAnnotations`, `.ExternalURL`;
 * label sets are KV maps with `.SortedPairs`, `.Names`, `.Values`,
 * `.Remove`. Field and method names are Go's, as templates use them.
 * Also the JSON form of the same data (webhook payloads, `toJson`), with
 * Go's encoding/json output.
 */

import type { Labels } from "../../model/index.ts";
import { GoTime, TypedMap } from "../../template/index.ts";
import { alertStatusAt, alertsStatusAt } from "../types/index.ts";
import type { Alert } from "../types/index.ts";

/** A label name and value (upstream template.Pair). */
export class Pair {
  readonly Name: string;
  readonly Value: string;
  constructor(name: string, value: string) {
    this.Name = name;
    this.Value = value;
  }
}

/** A list of pairs with Names() and Values() (upstream template.Pairs). */
export class Pairs extends Array<Pair> {
  /** The names, in order. */
  Names(): string[] {
    const out: string[] = [];
    for (const p of this) out.push(p.Name);
    return out;
  }
  /** The values, in order. */
  Values(): string[] {
    const out: string[] = [];
    for (const p of this) out.push(p.Value);
    return out;
  }
  /** "a=1, b=2". */
  String(): string {
    const out: string[] = [];
    for (const p of this) out.push(`${p.Name}=${p.Value}`);
    return out.join(", ");
  }
}

/** A label or annotation set as templates see it (upstream template.KV, a map[string]string). */
export class KV extends TypedMap<string> {
  constructor(entries: Iterable<readonly [string, string]> = []) {
    super(entries, "", "string");
  }

  /** A KV from a label set. */
  static fromLabels(l: Labels): KV {
    return new KV(l.names.map((n, i): [string, string] => [n, l.values[i]!]));
  }

  /** Pairs sorted by name, `alertname` first (upstream KV.SortedPairs). */
  SortedPairs(): Pairs {
    const keys = [...this.keys()].filter((k) => k !== "alertname").sort();
    if (this.has("alertname")) keys.unshift("alertname");
    const ps = new Pairs();
    for (const k of keys) ps.push(new Pair(k, this.get(k)!));
    return ps;
  }

  /** A copy without the given names. */
  Remove(keys: readonly string[]): KV {
    const drop = new Set(keys);
    return new KV([...this].filter(([k]) => !drop.has(k)));
  }

  /** The names in SortedPairs order. */
  Names(): string[] {
    return this.SortedPairs().Names();
  }

  /** The values in SortedPairs order. */
  Values(): string[] {
    return this.SortedPairs().Values();
  }

  /** "a=1, b=2" in SortedPairs order. */
  String(): string {
    return this.SortedPairs().String();
  }
}

/** Go's zero time.Time (0001-01-01T00:00:00Z) in ns since the epoch. */
const ZERO_TIME_NS = -62135596800n * 1_000_000_000n;

/** A time in ms as a Go time.Time, 0 being Go's zero time. */
export function goTime(ms: number): GoTime {
  return ms === 0 ? new GoTime(ZERO_TIME_NS) : new GoTime(BigInt(Math.round(ms * 1e6)));
}

/** One alert as templates see it (upstream template.Alert). */
export class TemplateAlert {
  readonly Status: string;
  readonly Labels: KV;
  readonly Annotations: KV;
  readonly StartsAt: GoTime;
  readonly EndsAt: GoTime;
  readonly GeneratorURL: string;
  readonly Fingerprint: string;
  constructor(a: Alert, now: number) {
    this.Status = alertStatusAt(a, now);
    this.Labels = KV.fromLabels(a.labels);
    this.Annotations = KV.fromLabels(a.annotations);
    this.StartsAt = goTime(a.startsAt);
    this.EndsAt = goTime(a.endsAt);
    this.GeneratorURL = a.generatorURL;
    this.Fingerprint = a.fingerprint;
  }
}

/** The alerts of a notification with Firing() and Resolved() (upstream template.Alerts). */
export class TemplateAlerts extends Array<TemplateAlert> {
  /** The firing alerts. */
  Firing(): TemplateAlert[] {
    return this.#withStatus("firing");
  }
  /** The resolved alerts. */
  Resolved(): TemplateAlert[] {
    return this.#withStatus("resolved");
  }
  #withStatus(status: string): TemplateAlert[] {
    const out: TemplateAlert[] = [];
    for (const a of this) if (a.Status === status) out.push(a);
    return out;
  }
}

/** The dot of a notification template (upstream template.Data). */
export class TemplateData {
  readonly Receiver: string;
  readonly Status: string;
  readonly Alerts: TemplateAlerts;
  readonly GroupLabels: KV;
  readonly CommonLabels: KV;
  readonly CommonAnnotations: KV;
  readonly ExternalURL: string;
  constructor(receiver: string, status: string, alerts: TemplateAlerts, groupLabels: KV, commonLabels: KV, commonAnnotations: KV, externalURL: string) {
    this.Receiver = receiver;
    this.Status = status;
    this.Alerts = alerts;
    this.GroupLabels = groupLabels;
    this.CommonLabels = commonLabels;
    this.CommonAnnotations = commonAnnotations;
    this.ExternalURL = externalURL;
  }
}

/** Go's regexp.QuoteMeta: upstream quotes the receiver name in `.Receiver`. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

/**
 * Assembles the template data of a notification (upstream Template.Data):
 * each alert's status at `now`, the labels and annotations common to all
 * alerts, and the receiver name regexp-quoted.
 */
export function buildTemplateData(receiver: string, groupLabels: Labels, alerts: readonly Alert[], externalURL: string, now: number): TemplateData {
  const tas = new TemplateAlerts();
  for (const a of alerts) tas.push(new TemplateAlert(a, now));
  let commonLabels = new KV();
  let commonAnnotations = new KV();
  if (alerts.length > 0) {
    const cl = new Map(alerts[0]!.labels.names.map((n, i) => [n, alerts[0]!.labels.values[i]!]));
    const ca = new Map(alerts[0]!.annotations.names.map((n, i) => [n, alerts[0]!.annotations.values[i]!]));
    for (const a of alerts.slice(1)) {
      if (cl.size === 0 && ca.size === 0) break;
      for (const [k, v] of cl) if (a.labels.get(k) !== v) cl.delete(k);
      for (const [k, v] of ca) if (a.annotations.get(k) !== v) ca.delete(k);
    }
    commonLabels = new KV(cl);
    commonAnnotations = new KV(ca);
  }
  return new TemplateData(quoteMeta(receiver), alertsStatusAt(alerts, now), tas, KV.fromLabels(groupLabels), commonLabels, commonAnnotations, externalURL);
}

/** Go's time.Time.MarshalJSON (RFC 3339 with trimmed nanoseconds). */
export function goTimeJSON(t: GoTime): string {
  return t.Format("2006-01-02T15:04:05.999999999Z07:00");
}

function kvJSON(kv: KV): Record<string, string> {
  // Go's encoding/json writes map keys sorted.
  const o: Record<string, string> = {};
  for (const k of [...kv.keys()].sort()) o[k] = kv.get(k)!;
  return o;
}

/** An alert in JSON as upstream marshals template.Alert. */
export function templateAlertJSON(a: TemplateAlert): Record<string, unknown> {
  return {
    status: a.Status,
    labels: kvJSON(a.Labels),
    annotations: kvJSON(a.Annotations),
    startsAt: goTimeJSON(a.StartsAt),
    endsAt: goTimeJSON(a.EndsAt),
    generatorURL: a.GeneratorURL,
    fingerprint: a.Fingerprint,
  };
}

/** Template data as a JSON object in upstream's field order (what webhook payloads embed). */
export function templateDataJSON(d: TemplateData): Record<string, unknown> {
  return {
    receiver: d.Receiver,
    status: d.Status,
    alerts: [...d.Alerts].map(templateAlertJSON),
    groupLabels: kvJSON(d.GroupLabels),
    commonLabels: kvJSON(d.CommonLabels),
    commonAnnotations: kvJSON(d.CommonAnnotations),
    externalURL: d.ExternalURL,
  };
}

/**
 * JSON text as Go's json.Marshal writes it: like JSON.stringify, but with
 * <, >, & and U+2028/U+2029 escaped as \u003c, \u003e, \u0026, \u2028,
 * \u2029.
 */
export function goJSON(v: unknown): string {
  return JSON.stringify(v, goJSONReplacer).replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

function goJSONReplacer(this: unknown, _k: string, v: unknown): unknown {
  if (v instanceof KV) return kvJSON(v);
  if (v instanceof TemplateAlert) return templateAlertJSON(v);
  if (v instanceof TemplateData) return templateDataJSON(v);
  if (v instanceof GoTime) return goTimeJSON(v);
  if (v instanceof Pair) return { Name: v.Name, Value: v.Value };
  if (v instanceof Map) return Object.fromEntries([...v].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)));
  if (typeof v === "bigint") return Number(v);
  return v;
}
