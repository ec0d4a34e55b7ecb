/**
 * The notification pipeline (upstream notify/notify.go): a flushed
 * aggregation group's alerts pass, per receiver, through
 *
 *   GossipSettle? -> Mute(inhibitor) -> TimeActive -> TimeMute -> Mute(silences)
 *     -> fan out per integration:
 *        Wait(cluster position) -> Dedup(nflog) -> Retry(integration) -> SetNotifies(nflog)
 *
 * A stage takes the alerts and returns those to pass on; an empty list
 * stops the chain. Errors are thrown and collected by the fan-out.
 */

import type { Labels } from "../../model/index.ts";
import type { Clock, Logger } from "../../util/index.ts";
import { nopLogger } from "../../util/index.ts";
import type { Collector } from "../../exposition/index.ts";
import { CounterVec, HistogramVec } from "../../exposition/index.ts";
import type { Inhibitor } from "../inhibit/index.ts";
import type { NflogReceiver, NotificationLog } from "../nflog/index.ts";
import type { Silences } from "../silence/index.ts";
import { intervalsContain } from "../timeinterval/index.ts";
import type { TimeInterval } from "../timeinterval/index.ts";
import { alertResolvedAt, alertStatusAt } from "../types/index.ts";
import type { Alert, Marker } from "../types/index.ts";
import { hashAlert } from "./hash.ts";

/** What the dispatcher knows about a flush (upstream's context values). Times are ms. */
export interface NotifyContext {
  /** The flush time: the only time reference along the pipeline. */
  readonly now: number;
  readonly groupKey: string;
  readonly groupLabels: Labels;
  readonly receiver: string;
  readonly repeatIntervalMs: number;
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
  readonly routeID: string;
  /** Aborted at the flush's deadline (next group_interval tick) or on shutdown. */
  readonly signal: AbortSignal;
  /** Hashes of the firing / resolved alerts, set by the dedup stage. */
  readonly firingAlerts: readonly bigint[] | null;
  readonly resolvedAlerts: readonly bigint[] | null;
}

/** Failure reasons of alertmanager_notifications_failed_total (upstream notify.Reason). */
export const Reason = {
  Default: "other",
  ClientError: "clientError",
  ServerError: "serverError",
  ContextCanceled: "contextCanceled",
  ContextDeadlineExceeded: "contextDeadlineExceeded",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** The reason for an HTTP status (upstream GetFailureReasonFromStatusCode). */
export function reasonFromStatus(code: number): Reason {
  if (code >= 400 && code < 500) return Reason.ClientError;
  if (code >= 500 && code < 600) return Reason.ServerError;
  return Reason.Default;
}

/** A failed notification attempt: whether retrying may help, and the reason counted. */
export class NotifyError extends Error {
  readonly retry: boolean;
  readonly reason: Reason;
  constructor(message: string, retry: boolean, reason: Reason = Reason.Default) {
    super(message);
    this.name = "NotifyError";
    this.retry = retry;
    this.reason = reason;
  }
}

/** The flush's deadline passed (Go's context.DeadlineExceeded). */
export class DeadlineExceededError extends Error {
  constructor() {
    super("context deadline exceeded");
    this.name = "DeadlineExceededError";
  }
}

/** The flush was canceled (Go's context.Canceled). */
export class CanceledError extends Error {
  constructor() {
    super("context canceled");
    this.name = "CanceledError";
  }
}

/** A step of the pipeline. */
export interface Stage {
  /** Returns the (possibly updated) context and the alerts to pass on. Throws on failure. */
  exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }>;
}

/** Sends a notification for alerts; throws NotifyError (or any error, then retried). */
export interface Notifier {
  notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void>;
}

/** A configured receiver integration: a notifier with its name and index in the receiver. */
export class Integration {
  /** "webhook", "email", "slack", ... as in metrics and the nflog. */
  readonly name: string;
  /** Index among the receiver's integrations of the same kind. */
  readonly index: number;
  readonly receiverName: string;
  readonly sendResolved: boolean;
  readonly notifier: Notifier;
  constructor(name: string, index: number, receiverName: string, sendResolved: boolean, notifier: Notifier) {
    this.name = name;
    this.index = index;
    this.receiverName = receiverName;
    this.sendResolved = sendResolved;
    this.notifier = notifier;
  }
  /** "webhook[0]", as upstream logs it. */
  toString(): string {
    return `${this.name}[${this.index}]`;
  }
}

/** Integration names upstream pre-registers metrics for. */
export const INTEGRATION_NAMES = [
  "discord", "email", "pagerduty", "wechat", "pushover", "slack", "opsgenie", "webhook", "victorops",
  "sns", "telegram", "webex", "msteams", "msteamsv2", "jira", "rocketchat", "mattermost",
] as const;

/** The pipeline's metrics (upstream notify.Metrics). */
export class NotifyMetrics {
  readonly notificationsTotal: CounterVec;
  readonly notificationsFailedTotal: CounterVec;
  readonly requestsTotal: CounterVec;
  readonly requestsFailedTotal: CounterVec;
  readonly latencySeconds: HistogramVec;
  readonly suppressedTotal: CounterVec;
  constructor() {
    this.notificationsTotal = new CounterVec("alertmanager_notifications_total", "The total number of attempted notifications.", ["integration"]);
    this.notificationsFailedTotal = new CounterVec("alertmanager_notifications_failed_total", "The total number of failed notifications.", ["integration", "reason"]);
    this.requestsTotal = new CounterVec("alertmanager_notification_requests_total", "The total number of attempted notification requests.", ["integration"]);
    this.requestsFailedTotal = new CounterVec("alertmanager_notification_requests_failed_total", "The total number of failed notification requests.", ["integration"]);
    this.latencySeconds = new HistogramVec("alertmanager_notification_latency_seconds", "The latency of notifications in seconds.", ["integration"], [1, 5, 10, 15, 20]);
    this.suppressedTotal = new CounterVec("alertmanager_notifications_suppressed_total", "The total number of notifications suppressed for being silenced, inhibited, outside of active time intervals or within muted time intervals.", ["reason"]);
    for (const n of INTEGRATION_NAMES) {
      this.notificationsTotal.with(n);
      this.requestsTotal.with(n);
      this.requestsFailedTotal.with(n);
      this.latencySeconds.with(n);
      for (const r of Object.values(Reason)) this.notificationsFailedTotal.with(n, r);
    }
  }
  /** The collectors to register. */
  collectors(): Collector[] {
    return [this.notificationsTotal, this.notificationsFailedTotal, this.requestsTotal, this.requestsFailedTotal, this.latencySeconds, this.suppressedTotal];
  }
}

/** Runs stages in order, stopping when no alerts are left (upstream MultiStage). */
export class MultiStage implements Stage {
  readonly stages: readonly Stage[];
  constructor(stages: readonly Stage[]) {
    this.stages = stages;
  }
  async exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }> {
    for (const s of this.stages) {
      if (alerts.length === 0) break;
      ({ ctx, alerts } = await s.exec(ctx, alerts));
    }
    return { ctx, alerts };
  }
}

/** All stages fail together: their messages joined (upstream's multierror). */
export class MultiError extends Error {
  readonly errors: readonly Error[];
  constructor(errors: readonly Error[]) {
    super(errors.length === 1 ? errors[0]!.message : `${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e.message}`).join("\n")}`);
    this.name = "MultiError";
    this.errors = errors;
  }
}

/** Runs stages concurrently on the same alerts; throws a MultiError of the failures (upstream FanoutStage). */
export class FanoutStage implements Stage {
  readonly stages: readonly Stage[];
  constructor(stages: readonly Stage[]) {
    this.stages = stages;
  }
  async exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }> {
    const rs = await Promise.allSettled(this.stages.map((s) => s.exec(ctx, alerts)));
    const errs = rs.flatMap((r) => (r.status === "rejected" ? [r.reason instanceof Error ? r.reason : new Error(String(r.reason))] : []));
    if (errs.length > 0) throw new MultiError(errs);
    return { ctx, alerts: [] };
  }
}

/** Picks the receiver's stage (upstream RoutingStage). */
export class RoutingStage implements Stage {
  readonly receivers: ReadonlyMap<string, Stage>;
  constructor(receivers: ReadonlyMap<string, Stage>) {
    this.receivers = receivers;
  }
  exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }> {
    const s = this.receivers.get(ctx.receiver);
    if (s === undefined) return Promise.reject(new Error("stage for receiver missing"));
    return s.exec(ctx, alerts);
  }
}

/** Decides whether an alert is muted, recording why in the marker. */
export interface Muter {
  mutes(a: Pick<Alert, "labels" | "fingerprint">, now: number): boolean;
}

/** Silences as a Muter (upstream silence.Silencer): marks each alert active or silenced. */
export class Silencer implements Muter {
  readonly #silences: Silences;
  readonly #marker: Marker;
  constructor(silences: Silences, marker: Marker) {
    this.#silences = silences;
    this.#marker = marker;
  }
  mutes(a: Pick<Alert, "labels" | "fingerprint">, now: number): boolean {
    const ids = this.#silences.mutes(a.labels, now);
    this.#marker.setActiveOrSilenced(a.fingerprint, ids);
    return ids.length > 0;
  }
}

/** The inhibitor as a Muter: marks each alert inhibited or not. */
export class InhibitMuter implements Muter {
  readonly #inhibitor: Inhibitor;
  readonly #marker: Marker;
  constructor(inhibitor: Inhibitor, marker: Marker) {
    this.#inhibitor = inhibitor;
    this.#marker = marker;
  }
  mutes(a: Pick<Alert, "labels" | "fingerprint">, now: number): boolean {
    const r = this.#inhibitor.check(a.labels, now);
    this.#marker.setInhibited(a.fingerprint, r.inhibitedBy);
    return r.muted;
  }
}

/** Drops muted alerts (upstream MuteStage); `reason` labels the suppressed counter. */
export class MuteStage implements Stage {
  readonly #muter: Muter;
  readonly #reason: string;
  readonly #metrics: NotifyMetrics;
  constructor(muter: Muter, reason: "silence" | "inhibition", metrics: NotifyMetrics) {
    this.#muter = muter;
    this.#reason = reason;
    this.#metrics = metrics;
  }
  async exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }> {
    const kept = alerts.filter((a) => !this.#muter.mutes(a, ctx.now));
    if (kept.length < alerts.length) this.#metrics.suppressedTotal.with(this.#reason).inc(alerts.length - kept.length);
    return { ctx, alerts: kept };
  }
}

/** Named time intervals of the configuration. */
export type TimeIntervals = ReadonlyMap<string, readonly TimeInterval[]>;

/**
 * Drops all alerts while the flush time is inside one of the route's
 * mute_time_intervals (mute: true) or outside all of its
 * active_time_intervals (mute: false), recording the group's mute in the
 * marker (upstream TimeMuteStage / TimeActiveStage).
 */
export class TimeIntervalStage implements Stage {
  readonly #intervals: TimeIntervals;
  readonly #marker: Marker;
  readonly #metrics: NotifyMetrics;
  readonly #mute: boolean;
  constructor(intervals: TimeIntervals, marker: Marker, metrics: NotifyMetrics, mute: boolean) {
    this.#intervals = intervals;
    this.#marker = marker;
    this.#metrics = metrics;
    this.#mute = mute;
  }
  async exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }> {
    const names = this.#mute ? ctx.muteTimeIntervals : ctx.activeTimeIntervals;
    if (names.length === 0) return { ctx, alerts };
    const inside = names.filter((n) => intervalsContain(this.#intervals.get(n) ?? [], ctx.now));
    const muted = this.#mute ? inside.length > 0 : inside.length === 0;
    if (this.#mute) this.#marker.setMuted(ctx.routeID, ctx.groupKey, inside);
    if (!muted) return { ctx, alerts };
    this.#metrics.suppressedTotal.with(this.#mute ? "mute_time_interval" : "active_time_interval").inc(alerts.length);
    return { ctx, alerts: [] };
  }
}

/** Resolves after ms on the clock, or rejects when the signal aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      t.cancel();
      reject(signal.reason);
    };
    const t = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits the cluster position's delay before notifying (upstream WaitStage); wait() is 0 without a cluster. */
export class WaitStage implements Stage {
  readonly #clock: Clock;
  readonly #wait: () => number;
  constructor(clock: Clock, wait: () => number) {
    this.#clock = clock;
    this.#wait = wait;
  }
  async exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }> {
    const ms = this.#wait();
    if (ms > 0) await sleep(this.#clock, ms, ctx.signal);
    return { ctx, alerts };
  }
}

/**
 * Passes the alerts on only when the receiver must hear about them
 * (upstream DedupStage.needsUpdate): never notified and something fires;
 * a firing alert not in the last notification; everything resolved while
 * the last notification had firing alerts; with send_resolved, a newly
 * resolved alert; or the repeat interval passed.
 *
 * Never when the last notification is newer than this flush (entry
 * timestamp after ctx.now): a replica that waited its cluster position
 * (and the gossip settle) holds alerts taken at the flush, and another
 * replica has since told the receiver a later state. Sending the older
 * one would contradict it (a resolved group notified as firing again) and
 * its nflog entry, stamped at send time, would replace the newer one on
 * every peer. The group's next flush decides from current alerts.
 * NOTE: upstream lacks this check and sends the stale notification
 * (prometheus/alertmanager#2447, open); a new alert seen by this flush but
 * not by the newer notification waits for the next flush, as it would on
 * a single Alertmanager.
 */
export class DedupStage implements Stage {
  readonly #nflog: NotificationLog;
  readonly #recv: NflogReceiver;
  readonly #sendResolved: boolean;
  constructor(nflog: NotificationLog, recv: NflogReceiver, sendResolved: boolean) {
    this.#nflog = nflog;
    this.#recv = recv;
    this.#sendResolved = sendResolved;
  }
  async exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }> {
    const firing: bigint[] = [];
    const resolved: bigint[] = [];
    for (const a of alerts) (alertResolvedAt(a, ctx.now) ? resolved : firing).push(hashAlert(a.labels));
    const next: NotifyContext = { ...ctx, firingAlerts: firing, resolvedAlerts: resolved };
    const entries = this.#nflog.query({ groupKey: ctx.groupKey, receiver: this.#recv });
    if (entries.length > 1) throw new Error(`unexpected entry result size ${entries.length}`);
    const e = entries[0] ?? null;
    const firingSet = new Set(firing);
    const resolvedSet = new Set(resolved);
    let needs: boolean;
    if (e === null) needs = firingSet.size > 0;
    else if (e.timestamp > ctx.now) needs = false;
    else if (!isSubset(new Set(e.firingAlerts), firingSet)) needs = true;
    else if (firingSet.size === 0) needs = e.firingAlerts.length > 0;
    else if (this.#sendResolved && !isSubset(new Set(e.resolvedAlerts), resolvedSet)) needs = true;
    else needs = e.timestamp < ctx.now - ctx.repeatIntervalMs;
    return { ctx: next, alerts: needs ? alerts : [] };
  }
}

function isSubset(set: ReadonlySet<bigint>, subset: ReadonlySet<bigint>): boolean {
  for (const k of subset) if (!set.has(k)) return false;
  return true;
}

/** cenkalti/backoff's defaults, which upstream's retries use. */
const BACKOFF = { initialMs: 500, randomization: 0.5, multiplier: 1.5, maxMs: 60_000 } as const;

/** Options of a RetryStage. */
export interface RetryStageOptions {
  readonly clock: Clock;
  readonly metrics: NotifyMetrics;
  readonly logger?: Logger;
  /** Random numbers in [0, 1) for the backoff jitter; default Math.random. */
  readonly random?: () => number;
}

/**
 * Calls the integration until it succeeds, fails without retry, or the
 * flush's deadline passes, backing off exponentially between attempts
 * (upstream RetryStage). Without send_resolved only firing alerts are
 * sent, and a group with nothing firing counts as notified.
 */
export class RetryStage implements Stage {
  readonly #integration: Integration;
  readonly #clock: Clock;
  readonly #metrics: NotifyMetrics;
  readonly #logger: Logger;
  readonly #random: () => number;
  constructor(integration: Integration, o: RetryStageOptions) {
    this.#integration = integration;
    this.#clock = o.clock;
    this.#metrics = o.metrics;
    this.#logger = (o.logger ?? nopLogger).with("receiver", integration.receiverName, "integration", integration.toString());
    this.#random = o.random ?? Math.random;
  }

  async exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }> {
    const name = this.#integration.name;
    this.#metrics.notificationsTotal.with(name).inc();
    try {
      return await this.#exec(ctx, alerts);
    } catch (e) {
      const reason = e instanceof RetryFailedError ? e.reason : Reason.Default;
      this.#metrics.notificationsFailedTotal.with(name, reason).inc();
      throw e;
    }
  }

  async #exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }> {
    let sent = alerts;
    if (!this.#integration.sendResolved) {
      if ((ctx.firingAlerts ?? []).length === 0) return { ctx, alerts };
      sent = alerts.filter((a) => alertStatusAt(a, ctx.now) !== "resolved");
    }
    const name = this.#integration.name;
    const prefix = `${this.#integration.receiverName}/${this.#integration.toString()}`;
    const log = this.#logger.with("aggrGroup", ctx.groupKey);
    let lastErr: NotifyError | null = null;
    let intervalMs: number = BACKOFF.initialMs;
    for (let i = 1; ; i++) {
      if (ctx.signal.aborted) throw this.#canceled(ctx, lastErr, prefix, i);
      const start = this.#clock.now();
      const t0 = performance.now();
      let err: NotifyError | null = null;
      try {
        await this.#integration.notifier.notify(ctx, sent);
      } catch (e) {
        err = e instanceof NotifyError ? e : new NotifyError((e as Error).message, true);
      }
      this.#metrics.latencySeconds.with(name).observe(Math.max(this.#clock.now() - start, performance.now() - t0) / 1000);
      this.#metrics.requestsTotal.with(name).inc();
      if (err === null) {
        if (i > 1) log.info("Notify success", "attempts", i);
        else log.debug("Notify success", "attempts", i);
        return { ctx, alerts };
      }
      this.#metrics.requestsFailedTotal.with(name).inc();
      if (!err.retry) throw new RetryFailedError(`${prefix}: notify retry canceled due to unrecoverable error after ${i} attempts: ${err.message}`, err.reason);
      if (!ctx.signal.aborted) {
        if (lastErr === null || lastErr.message !== err.message) log.warn("Notify attempt failed, will retry later", "attempts", i, "err", err.message);
        lastErr = err;
      }
      const delta = BACKOFF.randomization * intervalMs;
      const wait = intervalMs - delta + this.#random() * (2 * delta + 1);
      intervalMs = Math.min(intervalMs * BACKOFF.multiplier, BACKOFF.maxMs);
      try {
        await sleep(this.#clock, wait, ctx.signal);
      } catch {
        throw this.#canceled(ctx, lastErr, prefix, i + 1);
      }
    }
  }

  #canceled(ctx: NotifyContext, lastErr: NotifyError | null, prefix: string, attempts: number): RetryFailedError {
    const cause = ctx.signal.reason instanceof Error ? ctx.signal.reason : new CanceledError();
    const reason = lastErr?.reason ?? (cause instanceof DeadlineExceededError ? Reason.ContextDeadlineExceeded : Reason.ContextCanceled);
    return new RetryFailedError(`${prefix}: notify retry canceled after ${attempts} attempts: ${(lastErr ?? cause).message}`, reason);
  }
}

/** The retry stage gave up; `reason` is the last failure's. */
export class RetryFailedError extends Error {
  readonly reason: Reason;
  constructor(message: string, reason: Reason) {
    super(message);
    this.name = "RetryFailedError";
    this.reason = reason;
  }
}

/** Records the notification in the nflog (upstream SetNotifiesStage); entries expire after 2x the repeat interval at most. */
export class SetNotifiesStage implements Stage {
  readonly #nflog: NotificationLog;
  readonly #recv: NflogReceiver;
  constructor(nflog: NotificationLog, recv: NflogReceiver) {
    this.#nflog = nflog;
    this.#recv = recv;
  }
  async exec(ctx: NotifyContext, alerts: readonly Alert[]): Promise<{ ctx: NotifyContext; alerts: readonly Alert[] }> {
    if (ctx.firingAlerts === null || ctx.resolvedAlerts === null) throw new Error("BUG: firing alerts missing");
    this.#nflog.log(this.#recv, ctx.groupKey, ctx.firingAlerts, ctx.resolvedAlerts, 2 * ctx.repeatIntervalMs);
    return { ctx, alerts };
  }
}

/** What buildPipeline needs. */
export interface PipelineOptions {
  readonly clock: Clock;
  readonly marker: Marker;
  readonly metrics: NotifyMetrics;
  readonly nflog: NotificationLog;
  readonly inhibitor: Inhibitor;
  readonly silences: Silences;
  readonly timeIntervals: TimeIntervals;
  /** The cluster wait before notifying (peer position x peer timeout); default none. */
  readonly wait?: () => number;
  readonly logger?: Logger;
  readonly random?: () => number;
}

/** Builds the routing stage for receivers' integrations (upstream PipelineBuilder.New). */
export function buildPipeline(receivers: ReadonlyMap<string, readonly Integration[]>, o: PipelineOptions): RoutingStage {
  const inhibit = new MuteStage(new InhibitMuter(o.inhibitor, o.marker), "inhibition", o.metrics);
  const active = new TimeIntervalStage(o.timeIntervals, o.marker, o.metrics, false);
  const mute = new TimeIntervalStage(o.timeIntervals, o.marker, o.metrics, true);
  const silence = new MuteStage(new Silencer(o.silences, o.marker), "silence", o.metrics);
  const wait = o.wait ?? (() => 0);
  const stages = new Map<string, Stage>();
  for (const [name, ints] of receivers) {
    const fan = ints.map((i) => {
      const recv: NflogReceiver = { groupName: name, integration: i.name, idx: i.index };
      return new MultiStage([
        new WaitStage(o.clock, wait),
        new DedupStage(o.nflog, recv, i.sendResolved),
        new RetryStage(i, { clock: o.clock, metrics: o.metrics, ...(o.logger !== undefined ? { logger: o.logger } : {}), ...(o.random !== undefined ? { random: o.random } : {}) }),
        new SetNotifiesStage(o.nflog, recv),
      ]);
    });
    stages.set(name, new MultiStage([inhibit, active, mute, silence, new FanoutStage(fan)]));
  }
  return new RoutingStage(stages);
}
