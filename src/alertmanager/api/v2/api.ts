/**
 * Alertmanager's API v2 (upstream api/v2/openapi.yaml and api.go) on a
 * fastify instance: alerts, alert groups, silences, receivers and status,
 * with upstream's JSON shapes, status codes and error texts. Bodies are
 * read raw and decoded here (decode.ts), so malformed input gets
 * go-swagger's answers rather than fastify's.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CounterVec } from "../../../exposition/index.ts";
import { Matcher, MatchType, RegexError, compileAnchoredRE2 } from "../../../model/index.ts";
import type { Clock, Logger } from "../../../util/index.ts";
import { AlertValidationError, normalizeAlert } from "../../alert/index.ts";
import type { Alerts } from "../../alert/index.ts";
import type { AlertmanagerConfig } from "../../config/index.ts";
import { configToYAML } from "../../config/index.ts";
import type { Dispatcher, Route } from "../../dispatch/index.ts";
import { MatcherParseError, parseMatcher } from "../../matchers/index.ts";
import { SilenceNotFoundError, SilenceExpiredError, SilenceValidationError, silenceState } from "../../silence/index.ts";
import type { Silence, Silences } from "../../silence/index.ts";
import { AlertState } from "../../types/index.ts";
import type { Alert, AlertStatus, Marker } from "../../types/index.ts";
import { APIRequestError, decodePostableAlerts, decodePostableSilence, formatTime, isUUID, parseQueryBool, removeEmptyLabels } from "./decode.ts";

/** Cluster state as /api/v2/status shows it. */
export interface ClusterStatusView {
  /** This peer's name. */
  name(): string;
  /** "ready" or "settling". */
  status(): "ready" | "settling";
  /** Every member, this peer included. */
  peers(): ReadonlyArray<{ readonly name: string; readonly address: string }>;
}

/** Build information for `versionInfo`. */
export interface VersionInfo {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
  readonly buildUser: string;
  readonly buildDate: string;
  readonly goVersion: string;
}

/** What the API reads from the running configuration; replaced on reload. */
export interface APIState {
  readonly config: AlertmanagerConfig;
  readonly route: Route;
  readonly dispatcher: Dispatcher;
  /** Refreshes the marker for an alert (inhibitor, then silences) at `now`. */
  readonly setAlertStatus: (a: Alert, now: number) => void;
}

/** Collaborators of the API. */
export interface APIv2Options {
  readonly alerts: Alerts;
  readonly marker: Marker;
  readonly silences: Silences;
  /** The current state; the API answers 503 while it is null (before the first configuration). */
  readonly state: () => APIState | null;
  readonly clock: Clock;
  readonly logger: Logger;
  /** null without a cluster: status "disabled". */
  readonly cluster: ClusterStatusView | null;
  /** Start time (ms) for `uptime`. */
  readonly startMs: number;
  readonly version: VersionInfo;
  /** alertmanager_alerts_received_total{status,version}. */
  readonly received: CounterVec;
  /** alertmanager_alerts_invalid_total{version}. */
  readonly invalid: CounterVec;
}

/** An alert as the API returns it (models.GettableAlert), keys in Go's order. */
export function gettableAlert(a: Alert, status: AlertStatus, receivers: readonly string[], mutedBy: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    annotations: a.annotations.toObject(),
    endsAt: formatTime(a.endsAt),
    fingerprint: a.fingerprint,
    receivers: receivers.map((name) => ({ name })),
    startsAt: formatTime(a.startsAt),
    status: { inhibitedBy: [...status.inhibitedBy], mutedBy: [...mutedBy], silencedBy: [...status.silencedBy], state: status.state },
    updatedAt: formatTime(a.updatedAt),
  };
  if (a.generatorURL !== "") out["generatorURL"] = a.generatorURL;
  out["labels"] = a.labels.toObject();
  return out;
}

/** A silence as the API returns it (models.GettableSilence), keys in Go's order. */
export function gettableSilence(s: Silence, now: number): Record<string, unknown> {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: formatTime(s.updatedAt),
    comment: s.comment,
    createdBy: s.createdBy,
    endsAt: formatTime(s.endsAt),
    matchers: s.matchers.map((m) => ({
      isEqual: m.type === MatchType.Equal || m.type === MatchType.Regexp,
      isRegex: m.type === MatchType.Regexp || m.type === MatchType.NotRegexp,
      name: m.name,
      value: m.value,
    })),
    startsAt: formatTime(s.startsAt),
  };
}

const STATE_ORDER: Readonly<Record<string, number>> = { active: 1, pending: 2, expired: 3 };

/** Upstream SortSilences: active (next to end first), pending (next to start first), expired (latest end first). */
export function sortSilences(ss: Silence[], now: number): Silence[] {
  return ss.sort((a, b) => {
    const sa = silenceState(a, now);
    const sb = silenceState(b, now);
    if (sa !== sb) return STATE_ORDER[sa]! - STATE_ORDER[sb]!;
    if (sa === "active") return a.endsAt - b.endsAt;
    if (sa === "pending") return a.startsAt - b.startsAt;
    return b.endsAt - a.endsAt;
  });
}

/** Upstream matchFilterLabels: an empty-valued equality matcher also accepts an absent label. */
export function matchFilterLabels(ms: readonly Matcher[], get: (n: string) => string | undefined): boolean {
  for (const m of ms) {
    const v = get(m.name);
    const negative = m.type === MatchType.NotEqual || m.type === MatchType.NotRegexp;
    if (m.value === "" && (negative ? v !== undefined : v === undefined)) continue;
    if (!m.matches(v ?? "")) return false;
  }
  return true;
}

function jsonBody(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) + "\n";
}

function send(reply: FastifyReply, status: number, v: unknown): FastifyReply {
  return reply.code(status).type("application/json").send(jsonBody(v));
}

function sendRequestError(reply: FastifyReply, e: APIRequestError): FastifyReply {
  return send(reply, e.status, { code: e.code, message: e.message });
}

/** Parses `filter` query values (classic matchers). Throws MatcherParseError or RegexError. */
function parseFilter(v: string | string[] | undefined): Matcher[] {
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.map((s) => parseMatcher(s));
}

type Query = Record<string, string | string[] | undefined>;

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Registers the API v2 routes on `app` (mount it under `<prefix>/api/v2`).
 * The instance's content-type parsers are replaced: bodies arrive as text.
 */
export function registerAPIv2(app: FastifyInstance, o: APIv2Options): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.addHook("onSend", async (_req, reply, payload) => {
    reply.header("Cache-Control", "no-store");
    return payload;
  });

  const state = (reply: FastifyReply): APIState | null => {
    const s = o.state();
    if (s === null) send(reply, 503, "Alertmanager is not ready");
    return s;
  };

  /** The body as text, or null after answering 415 for a non-JSON content type. */
  const body = (req: FastifyRequest, reply: FastifyReply): string | null => {
    const ct = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const text = typeof req.body === "string" ? req.body : "";
    if (ct !== "application/json" && !(ct === "" && text === "")) {
      send(reply, 415, { code: 415, message: `unsupported media type ${JSON.stringify(ct)}, only [application/json] are allowed` });
      return null;
    }
    return text;
  };

  const filterParams = (q: Query, reply: FastifyReply, withReceiverPrefix: boolean): { matchers: Matcher[]; receiver: RegExp | null } | null => {
    let matchers: Matcher[];
    try {
      matchers = parseFilter(q["filter"]);
    } catch (e) {
      if (e instanceof MatcherParseError || e instanceof RegexError) {
        send(reply, 400, e.message);
        return null;
      }
      throw e;
    }
    const r = single(q["receiver"]);
    let receiver: RegExp | null = null;
    if (r !== undefined) {
      try {
        receiver = compileAnchoredRE2(r);
      } catch (e) {
        if (!(e instanceof RegexError)) throw e;
        send(reply, 400, withReceiverPrefix ? `failed to parse receiver param: ${e.message}` : e.message);
        return null;
      }
    }
    return { matchers, receiver };
  };

  const alertFilter = (st: APIState, matchers: Matcher[], q: Query) => {
    const silenced = parseQueryBool(single(q["silenced"]), true);
    const inhibited = parseQueryBool(single(q["inhibited"]), true);
    const active = parseQueryBool(single(q["active"]), true);
    return (a: Alert, now: number): boolean => {
      if (a.endsAt !== 0 && a.endsAt < now) return false;
      st.setAlertStatus(a, now);
      const s = o.marker.status(a.fingerprint);
      if (!active && s.state === AlertState.Active) return false;
      if (!silenced && s.silencedBy.length > 0) return false;
      if (!inhibited && s.inhibitedBy.length > 0) return false;
      return matchFilterLabels(matchers, (n) => (a.labels.has(n) ? a.labels.get(n) : undefined));
    };
  };

  app.get("/alerts", async (req, reply) => {
    const st = state(reply);
    if (st === null) return reply;
    const q = req.query as Query;
    const f = filterParams(q, reply, true);
    if (f === null) return reply;
    const af = alertFilter(st, f.matchers, q);
    const now = o.clock.now();
    const res: { fp: string; v: Record<string, unknown> }[] = [];
    for (const a of o.alerts.alerts()) {
      const receivers = st.route.match(a.labels).map((r) => r.opts.receiver);
      if (f.receiver !== null && !receivers.some((r) => f.receiver!.test(r))) continue;
      if (!af(a, now)) continue;
      res.push({ fp: a.fingerprint, v: gettableAlert(a, o.marker.status(a.fingerprint), receivers, []) });
    }
    res.sort((x, y) => (x.fp < y.fp ? -1 : x.fp > y.fp ? 1 : 0));
    return send(reply, 200, res.map((r) => r.v));
  });

  app.post("/alerts", async (req, reply) => {
    const st = state(reply);
    if (st === null) return reply;
    const text = body(req, reply);
    if (text === null) return reply;
    let decoded;
    try {
      decoded = decodePostableAlerts(text);
    } catch (e) {
      if (e instanceof APIRequestError) return sendRequestError(reply, e);
      throw e;
    }
    const now = o.clock.now();
    const resolveTimeoutMs = st.config.global.resolveTimeout;
    const valid: Alert[] = [];
    const errs: string[] = [];
    for (const d of decoded) {
      // Counted as upstream does: by the end time the alert gets, before validation.
      const endsAt = d.endsAt ?? now + resolveTimeoutMs;
      o.received.with(endsAt > now ? "firing" : "resolved", "v2").inc();
      try {
        valid.push(
          normalizeAlert(
            {
              labels: removeEmptyLabels(d.labels),
              ...(d.annotations !== null ? { annotations: d.annotations } : {}),
              ...(d.startsAt !== null ? { startsAt: d.startsAt } : {}),
              ...(d.endsAt !== null ? { endsAt: d.endsAt } : {}),
              ...(d.generatorURL !== null ? { generatorURL: d.generatorURL } : {}),
            },
            now,
            resolveTimeoutMs,
          ),
        );
      } catch (e) {
        if (!(e instanceof AlertValidationError)) throw e;
        errs.push(e.message);
        o.invalid.with("v2").inc();
      }
    }
    o.alerts.put(...valid);
    if (errs.length > 0) {
      const msg = errs.join("; ");
      o.logger.error("Failed to validate alerts", "err", msg);
      return send(reply, 400, msg);
    }
    return reply.code(200).send();
  });

  app.get("/alerts/groups", async (req, reply) => {
    const st = state(reply);
    if (st === null) return reply;
    const q = req.query as Query;
    const f = filterParams(q, reply, true);
    if (f === null) return reply;
    const af = alertFilter(st, f.matchers, q);
    const rf = (r: Route): boolean => f.receiver === null || f.receiver.test(r.opts.receiver);
    const { groups, receivers } = st.dispatcher.groups(rf, af);
    const res = groups.map((g) => {
      const mutedBy = o.marker.muted(g.routeID, g.groupKey);
      return {
        alerts: g.alerts.map((a) => gettableAlert(a, o.marker.status(a.fingerprint), receivers.get(a.fingerprint) ?? [], mutedBy)),
        labels: g.labels.toObject(),
        receiver: { name: g.receiver },
      };
    });
    return send(reply, 200, res);
  });

  app.get("/silences", async (req, reply) => {
    const q = req.query as Query;
    let matchers: Matcher[];
    try {
      matchers = parseFilter(q["filter"]);
    } catch (e) {
      if (e instanceof MatcherParseError || e instanceof RegexError) return send(reply, 400, e.message);
      throw e;
    }
    const now = o.clock.now();
    const ss = sortSilences(o.silences.query(matchers.length > 0 ? { filter: matchers } : {}, now), now);
    return send(reply, 200, ss.map((s) => gettableSilence(s, now)));
  });

  app.post("/silences", async (req, reply) => {
    const text = body(req, reply);
    if (text === null) return reply;
    let d;
    try {
      d = decodePostableSilence(text);
    } catch (e) {
      if (e instanceof APIRequestError) return sendRequestError(reply, e);
      throw e;
    }
    const now = o.clock.now();
    if (d.startsAt >= d.endsAt) return send(reply, 400, "Failed to create silence: start time must be before end time");
    if (d.endsAt < now) return send(reply, 400, "Failed to create silence: end time can't be in the past");
    const matchers: Matcher[] = [];
    for (const [i, m] of d.matchers.entries()) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.name)) return send(reply, 400, `silence invalid: invalid label matcher ${i}: invalid label name ${JSON.stringify(m.name)}`);
      const type = m.isRegex ? (m.isEqual ? MatchType.Regexp : MatchType.NotRegexp) : m.isEqual ? MatchType.Equal : MatchType.NotEqual;
      try {
        matchers.push(new Matcher(type, m.name, m.value));
      } catch (e) {
        if (!(e instanceof RegexError)) throw e;
        return send(reply, 400, `silence invalid: invalid label matcher ${i}: invalid regular expression ${JSON.stringify(m.value)}: ${e.message}`);
      }
    }
    try {
      const id = o.silences.set({
        ...(d.id !== "" ? { id: d.id } : {}),
        matchers,
        startsAt: d.startsAt,
        endsAt: d.endsAt,
        createdBy: d.createdBy,
        comment: d.comment,
      });
      return send(reply, 200, { silenceID: id });
    } catch (e) {
      if (e instanceof SilenceNotFoundError) return send(reply, 404, e.message);
      if (e instanceof SilenceValidationError) return send(reply, 400, `silence invalid: ${e.message}`);
      throw e;
    }
  });

  const silenceID = (req: FastifyRequest, reply: FastifyReply): string | null => {
    const id = (req.params as { id: string }).id;
    if (isUUID(id)) return id;
    send(reply, 422, { code: 601, message: `silenceID in path must be of type uuid: ${JSON.stringify(id)}` });
    return null;
  };

  app.get("/silence/:id", async (req, reply) => {
    const id = silenceID(req, reply);
    if (id === null) return reply;
    const s = o.silences.get(id);
    if (s === null) return reply.code(404).send();
    return send(reply, 200, gettableSilence(s, o.clock.now()));
  });

  app.delete("/silence/:id", async (req, reply) => {
    const id = silenceID(req, reply);
    if (id === null) return reply;
    try {
      o.silences.expire(id);
    } catch (e) {
      if (e instanceof SilenceNotFoundError) return reply.code(404).send();
      // NOTE: matches Alertmanager 0.25/0.26, which answers 200 for a silence already expired.
      if (!(e instanceof SilenceExpiredError)) throw e;
    }
    return reply.code(200).send();
  });

  app.get("/receivers", async (_req, reply) => {
    const st = state(reply);
    if (st === null) return reply;
    return send(reply, 200, st.config.receivers.map((r) => ({ name: r.name })));
  });

  app.get("/status", async (_req, reply) => {
    const st = state(reply);
    if (st === null) return reply;
    const c = o.cluster;
    const cluster =
      c === null
        ? { peers: [], status: "disabled" }
        : {
            name: c.name(),
            peers: [...c.peers()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((p) => ({ address: p.address, name: p.name })),
            status: c.status(),
          };
    const v = o.version;
    return send(reply, 200, {
      cluster,
      config: { original: configToYAML(st.config) },
      uptime: formatTime(o.startMs),
      versionInfo: { branch: v.branch, buildDate: v.buildDate, buildUser: v.buildUser, goVersion: v.goVersion, revision: v.revision, version: v.version },
    });
  });
}
