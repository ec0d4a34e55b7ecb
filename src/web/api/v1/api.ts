import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Labels, type Matcher, compareLabels, isValidLabelName } from "../../../model/index.ts";
import {
  type Engine,
  InvalidQueryError,
  type Query,
  type QueryResult,
  QueryCanceledError,
  QueryTimeoutError,
} from "../../../promql/engine/index.ts";
import { formatExpr, parseExpr } from "../../../promql/parser/index.ts";
import { type AlertingRule, type Group, RulesAPIParamError, alertsAPIData, rulesAPIData } from "../../../rules/index.ts";
import type { TargetMetadata, TargetsInfo } from "../../../scrape/index.ts";
import { type Querier, type Queryable, StorageError } from "../../../storage/index.ts";
import { ApiError, ErrorType, invalidParam } from "../../errors.ts";
import { formValues } from "../../form.ts";
import { sendApiData, sendApiError, sendJSONChunks } from "../../respond.ts";
import { labelsJSON, resultJSON, statsJSON, successJSON } from "./encode.ts";
import { translateAST } from "./translate-ast.ts";
import {
  MAX_TIME_MS,
  MIN_TIME_MS,
  parseDurationValue,
  parseLimitParam,
  parseMatchersParam,
  parseTime,
  parseTimeParam,
} from "./params.ts";

/** Version and build details answered by /api/v1/status/buildinfo. */
export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  buildUser: string;
  buildDate: string;
  goVersion: string;
}

/** What the API v1 handlers read from the running server. */
export interface ApiV1Options {
  queryable: Queryable;
  engine: Engine;
  /** Current time in ms, the default evaluation time of instant queries. */
  now: () => number;
  /** The loaded configuration as YAML, secrets hidden (/status/config). */
  configYAML: () => string;
  /** Command-line flags with their values (/status/flags). */
  flags: Readonly<Record<string, string>>;
  buildInfo: BuildInfo;
  /** /status/runtimeinfo data, as upstream's RuntimeInfo fields. */
  runtimeInfo: () => Record<string, unknown>;
  /** The loaded rule groups (/rules). */
  ruleGroups: () => readonly Group[];
  /** The alerting rules (/alerts). */
  alertingRules: () => readonly AlertingRule[];
  /** URLs of the discovered Alertmanagers (/alertmanagers). */
  alertmanagers: () => { active: string[]; dropped: string[] };
  /** The scrape targets (/targets). */
  targets: () => TargetsInfo;
  /** The metadata of every active target (/targets/metadata, /metadata). */
  targetsMetadata: () => TargetMetadata[];
  /** The TSDB admin operations, or null when --web.enable-admin-api is off. */
  admin: AdminOps | null;
  /** Head block facts for /status/tsdb (the cardinality tables are computed here from the series). */
  headStats: () => { numSeries: number; chunkCount: number; minTime: number; maxTime: number };
  /** WAL replay progress by segment for /status/walreplay. */
  walReplay: () => { min: number; max: number; current: number };
  /** --query.max-concurrency: queries beyond it wait for a slot. */
  maxConcurrency: number;
}

/** The TSDB operations of the admin API. Times in ms. */
export interface AdminOps {
  /** Writes a snapshot under <data>/snapshots and returns its directory name. */
  snapshot(skipHead: boolean): Promise<string>;
  deleteSeries(matchers: readonly Matcher[], mint: number, maxt: number): Promise<void>;
  cleanTombstones(): Promise<void>;
}

/** Most points a range query may return per series, as Prometheus. */
const MAX_POINTS_PER_SERIES = 11000;

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** Wraps a handler so that thrown errors become the API's error envelope. */
function handle(fn: Handler): Handler {
  return async (req, reply) => {
    try {
      return await fn(req, reply);
    } catch (e) {
      return sendApiError(req, reply, e);
    }
  };
}

/** Translates an error of query execution into the API's error types, as Prometheus's returnAPIError. */
function execError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof QueryCanceledError) return new ApiError(ErrorType.Canceled, msg);
  if (e instanceof QueryTimeoutError) return new ApiError(ErrorType.Timeout, msg);
  if (e instanceof StorageError) return new ApiError(ErrorType.Internal, msg);
  return new ApiError(ErrorType.Execution, msg);
}

/** An AbortSignal that fires when the client goes away before the response is sent. */
function clientSignal(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  // The response's "close" fires when the connection goes away or the
  // response is done; only the first means the client gave up.
  // (The request's own "close" fires as soon as its body has been read.)
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  return ac.signal;
}

function queryOptions(form: URLSearchParams): { lookbackDeltaMs?: number; timeoutMs?: number } {
  const out: { lookbackDeltaMs?: number; timeoutMs?: number } = {};
  const to = form.get("timeout");
  if (to !== null && to !== "") {
    try {
      out.timeoutMs = parseDurationValue(to);
    } catch (e) {
      throw invalidParam("timeout", e);
    }
  }
  const lb = form.get("lookback_delta");
  if (lb !== null && lb !== "") {
    try {
      out.lookbackDeltaMs = parseDurationValue(lb);
    } catch (e) {
      throw invalidParam("lookback_delta", e);
    }
  }
  return out;
}

/** A counting semaphore: queries wait for a slot, as Prometheus's query gate. */
class Gate {
  readonly #max: number;
  #active: number;
  readonly #waiting: (() => void)[];
  constructor(max: number) {
    this.#max = max > 0 ? max : Number.POSITIVE_INFINITY;
    this.#active = 0;
    this.#waiting = [];
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#max) await new Promise<void>((r) => this.#waiting.push(r));
    this.#active++;
    try {
      return await fn();
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}

async function runQuery(req: FastifyRequest, reply: FastifyReply, form: URLSearchParams, q: Query, gate: Gate): Promise<FastifyReply> {
  let res: QueryResult;
  try {
    res = await gate.run(() => q.exec(clientSignal(reply)));
  } catch (e) {
    throw execError(e);
  }
  let value = res.value;
  const warnings = [...res.warnings];
  const limit = parseLimitParam(form);
  if (limit > 0) {
    if (value.type === "vector" && value.vector.length > limit) {
      value = { type: "vector", vector: value.vector.slice(0, limit) };
      warnings.push("results truncated due to limit");
    } else if (value.type === "matrix" && value.matrix.length > limit) {
      value = { type: "matrix", matrix: value.matrix.slice(0, limit) };
      warnings.push("results truncated due to limit");
    }
  }
  const stats = form.get("stats");
  function* data(): Generator<string> {
    yield `{"resultType":"${value.type}","result":`;
    yield* resultJSON(value);
    yield stats !== null && stats !== "" ? `,"stats":${statsJSON(res.stats)}}` : "}";
  }
  return sendJSONChunks(req, reply, 200, successJSON(data(), warnings, res.infos));
}

/** The union of series matching any of the matcher sets, sorted, at most `limit` (0: all). */
async function selectSeries(q: Queryable, form: URLSearchParams): Promise<{ series: Labels[]; warnings: string[] }> {
  const values = form.getAll("match[]");
  if (values.length === 0) throw new ApiError(ErrorType.BadData, "no match[] parameter provided");
  const start = parseTimeParam(form, "start", MIN_TIME_MS);
  const end = parseTimeParam(form, "end", MAX_TIME_MS);
  const sets = parseMatchersParam(values);
  const limit = parseLimitParam(form);
  const querier = await q.querier(start, end);
  try {
    const seen = new Map<string, Labels>();
    const warnings: string[] = [];
    for (const ms of sets) {
      const ss = await querier.select(false, { start, end, step: 0, range: 0, func: "series" }, ...ms);
      while (ss.next()) {
        const l = ss.at().labels;
        if (!seen.has(l.key)) seen.set(l.key, l);
      }
      const err = ss.err();
      if (err !== null) throw execError(err);
      warnings.push(...ss.warnings());
    }
    let series = [...seen.values()].sort(compareLabels);
    if (limit > 0 && series.length > limit) {
      series = series.slice(0, limit);
      warnings.push("results truncated due to limit");
    }
    return { series, warnings };
  } finally {
    querier.close();
  }
}

/** Label names or values over the optional match[] sets, sorted, limited. */
async function labelQuery(
  q: Queryable,
  form: URLSearchParams,
  read: (querier: Querier, ms: Matcher[]) => Promise<string[]>,
): Promise<{ values: string[]; warnings: string[] }> {
  const start = parseTimeParam(form, "start", MIN_TIME_MS);
  const end = parseTimeParam(form, "end", MAX_TIME_MS);
  const matchValues = form.getAll("match[]");
  const sets = matchValues.length > 0 ? parseMatchersParam(matchValues) : [[]];
  const limit = parseLimitParam(form);
  const querier = await q.querier(start, end);
  try {
    const all = new Set<string>();
    for (const ms of sets) for (const v of await read(querier, ms)) all.add(v);
    let values = [...all].sort();
    const warnings: string[] = [];
    if (limit > 0 && values.length > limit) {
      values = values.slice(0, limit);
      warnings.push("results truncated due to limit");
    }
    return { values, warnings };
  } finally {
    querier.close();
  }
}

/** Registers the HTTP API v1 under the plugin's prefix (e.g. `/api/v1`). */
export function registerApiV1(app: FastifyInstance, o: ApiV1Options): void {
  const gate = new Gate(o.maxConcurrency);
  const query: Handler = async (req, reply) => {
    const form = formValues(req);
    const t = parseTimeParam(form, "time", o.now());
    let q: Query;
    try {
      q = o.engine.newInstantQuery(o.queryable, form.get("query") ?? "", t, queryOptions(form));
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw invalidParam("query", e);
    }
    return runQuery(req, reply, form, q, gate);
  };
  app.get("/query", handle(query));
  app.post("/query", handle(query));

  const queryRange: Handler = async (req, reply) => {
    const form = formValues(req);
    let start: number;
    let end: number;
    let step: number;
    try {
      start = parseTime(form.get("start") ?? "");
    } catch (e) {
      throw invalidParam("start", e);
    }
    try {
      end = parseTime(form.get("end") ?? "");
    } catch (e) {
      throw invalidParam("end", e);
    }
    if (end < start) throw new ApiError(ErrorType.BadData, "end timestamp must not be before start time");
    try {
      step = parseDurationValue(form.get("step") ?? "");
    } catch (e) {
      throw invalidParam("step", e);
    }
    if (step <= 0) {
      throw new ApiError(ErrorType.BadData, "zero or negative query resolution step widths are not accepted. Try a positive integer");
    }
    if ((end - start) / step > MAX_POINTS_PER_SERIES) {
      throw new ApiError(
        ErrorType.BadData,
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
      );
    }
    let q: Query;
    try {
      q = o.engine.newRangeQuery(o.queryable, form.get("query") ?? "", start, end, step, queryOptions(form));
    } catch (e) {
      if (e instanceof ApiError) throw e;
      if (e instanceof InvalidQueryError) throw new ApiError(ErrorType.BadData, e.message);
      throw invalidParam("query", e);
    }
    return runQuery(req, reply, form, q, gate);
  };
  app.get("/query_range", handle(queryRange));
  app.post("/query_range", handle(queryRange));

  const series: Handler = async (req, reply) => {
    const { series: out, warnings } = await selectSeries(o.queryable, formValues(req));
    function* data(): Generator<string> {
      let buf = "[";
      for (let i = 0; i < out.length; i++) {
        if (i > 0) buf += ",";
        buf += labelsJSON(out[i]!);
        if (buf.length > 64 * 1024) {
          yield buf;
          buf = "";
        }
      }
      yield buf + "]";
    }
    return sendJSONChunks(req, reply, 200, successJSON(data(), warnings));
  };
  app.get("/series", handle(series));
  app.post("/series", handle(series));

  const labels: Handler = async (req, reply) => {
    const { values, warnings } = await labelQuery(o.queryable, formValues(req), (q, ms) => q.labelNames(...ms));
    return sendApiData(req, reply, values, warnings);
  };
  app.get("/labels", handle(labels));
  app.post("/labels", handle(labels));

  app.get(
    "/label/:name/values",
    handle(async (req, reply) => {
      let name = (req.params as { name: string }).name;
      if (name.startsWith("U__")) name = unescapeName(name);
      if (!isValidLabelName(name)) throw new ApiError(ErrorType.BadData, `invalid label name: ${JSON.stringify(name)}`);
      const { values, warnings } = await labelQuery(o.queryable, formValues(req), (q, ms) => q.labelValues(name, ...ms));
      return sendApiData(req, reply, values, warnings);
    }),
  );

  const formatQuery: Handler = async (req, reply) => {
    const form = formValues(req);
    let expr;
    try {
      expr = parseExpr(form.get("query") ?? "");
    } catch (e) {
      throw invalidParam("query", e);
    }
    // NOTE: Prometheus answers with its pretty printer, which breaks
    // expressions longer than 100 characters over several lines; this is
    // the one-line canonical form.
    return sendApiData(req, reply, formatExpr(expr));
  };
  app.get("/format_query", handle(formatQuery));
  app.post("/format_query", handle(formatQuery));

  // The expression's syntax tree as JSON, for the UI's tree view.
  const parseQuery: Handler = async (req, reply) => {
    const qs = formValues(req).get("query") ?? "";
    let expr;
    try {
      expr = parseExpr(qs);
    } catch (e) {
      throw invalidParam("query", e);
    }
    return sendApiData(req, reply, translateAST(expr, qs));
  };
  app.get("/parse_query", handle(parseQuery));
  app.post("/parse_query", handle(parseQuery));

  app.get(
    "/rules",
    handle(async (req, reply) => {
      const form = formValues(req);
      const matchValues = form.getAll("match[]");
      let data;
      try {
        data = rulesAPIData(o.ruleGroups(), {
          type: form.get("type") ?? "",
          ruleNames: form.getAll("rule_name[]"),
          ruleGroups: form.getAll("rule_group[]"),
          files: form.getAll("file[]"),
          matcherSets: matchValues.length > 0 ? parseMatchersParam(matchValues) : [],
          excludeAlerts: form.get("exclude_alerts") === "true",
        });
      } catch (e) {
        if (e instanceof RulesAPIParamError) throw new ApiError(ErrorType.BadData, e.message);
        throw e;
      }
      return sendApiData(req, reply, data);
    }),
  );
  app.get("/alerts", handle(async (req, reply) => sendApiData(req, reply, alertsAPIData(o.alertingRules()))));
  app.get(
    "/alertmanagers",
    handle(async (req, reply) => {
      const { active, dropped } = o.alertmanagers();
      return sendApiData(req, reply, {
        activeAlertmanagers: active.map((url) => ({ url })),
        droppedAlertmanagers: dropped.map((url) => ({ url })),
      });
    }),
  );

  app.get(
    "/targets",
    handle(async (req, reply) => {
      const form = formValues(req);
      const state = (form.get("state") ?? "").trim().toLowerCase();
      const pool = form.get("scrapePool") ?? "";
      const showActive = state === "" || state === "any" || state === "active";
      const showDropped = state === "" || state === "any" || state === "dropped";
      const t = o.targets();
      const inPool = (p: string): boolean => pool === "" || p === pool;
      const data: Record<string, unknown> = {
        activeTargets: showActive ? t.activeTargets.filter((a) => inPool(a.scrapePool)) : [],
        droppedTargets: showDropped ? t.droppedTargets.filter((d) => inPool(d.scrapePool)) : [],
      };
      if (showDropped) data.droppedTargetCounts = t.droppedTargetCounts;
      return sendApiData(req, reply, data);
    }),
  );
  app.get(
    "/targets/metadata",
    handle(async (req, reply) => {
      const form = formValues(req);
      const limitText = form.get("limit") ?? "";
      const limit = limitText === "" ? -1 : Number(limitText);
      if (!Number.isInteger(limit)) throw new ApiError(ErrorType.BadData, "limit must be a number");
      const matchTarget = form.get("match_target") ?? "";
      const matchers = matchTarget === "" ? [] : parseMatchersParam([matchTarget])[0]!;
      const metric = form.get("metric") ?? "";
      const out: Record<string, unknown>[] = [];
      for (const t of o.targetsMetadata()) {
        if (limit >= 0 && out.length >= limit) break;
        if (!matchers.every((m) => m.matches(t.labels.get(m.name)))) continue;
        for (const md of t.metadata) {
          if (metric !== "" && md.metricFamily !== metric) continue;
          const row: Record<string, unknown> = { target: t.labels.toObject() };
          if (metric === "") row.metric = md.metricFamily;
          row.type = md.type;
          row.help = md.help;
          row.unit = md.unit;
          out.push(row);
        }
      }
      if (out.length === 0) throw new ApiError(ErrorType.NotFound, "specified metadata not found");
      return sendApiData(req, reply, out);
    }),
  );
  app.get(
    "/metadata",
    handle(async (req, reply) => {
      const form = formValues(req);
      const num = (name: string): number => {
        const v = form.get(name) ?? "";
        if (v === "") return -1;
        const n = Number(v);
        if (!Number.isInteger(n)) throw new ApiError(ErrorType.BadData, `${name} must be a number`);
        return n;
      };
      const limit = num("limit");
      const perMetric = num("limit_per_metric");
      const metric = form.get("metric") ?? "";
      // Unique metadata per metric family, in the order targets report it.
      const byMetric = new Map<string, Map<string, { type: string; help: string; unit: string }>>();
      for (const t of o.targetsMetadata()) {
        for (const md of t.metadata) {
          if (metric !== "" && md.metricFamily !== metric) continue;
          let m = byMetric.get(md.metricFamily);
          if (m === undefined) byMetric.set(md.metricFamily, (m = new Map()));
          m.set(`${md.type}\u0000${md.help}\u0000${md.unit}`, { type: md.type, help: md.help, unit: md.unit });
        }
      }
      const data: Record<string, unknown[]> = {};
      for (const [name, m] of byMetric) {
        if (limit >= 0 && Object.keys(data).length >= limit) break;
        const list = [...m.values()];
        data[name] = perMetric > 0 ? list.slice(0, perMetric) : list;
      }
      return sendApiData(req, reply, data);
    }),
  );

  const admin = (fn: (ops: AdminOps, form: URLSearchParams, reply: FastifyReply) => Promise<FastifyReply>): Handler =>
    handle(async (req, reply) => {
      if (o.admin === null) throw new ApiError(ErrorType.Unavailable, "admin APIs disabled");
      return fn(o.admin, formValues(req), reply);
    });
  const snapshot = admin(async (ops, form, reply) => {
    const v = form.get("skip_head") ?? "";
    let skipHead = false;
    if (v !== "") {
      if (!/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(v)) {
        throw new ApiError(ErrorType.BadData, `unable to parse boolean 'skip_head' argument: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
      }
      skipHead = /^(1|t|T|TRUE|true|True)$/.test(v);
    }
    let name: string;
    try {
      name = await ops.snapshot(skipHead);
    } catch (e) {
      throw new ApiError(ErrorType.Internal, `create snapshot: ${e instanceof Error ? e.message : String(e)}`);
    }
    return sendApiData(reply.request, reply, { name });
  });
  const deleteSeries = admin(async (ops, form, reply) => {
    const values = form.getAll("match[]");
    if (values.length === 0) throw new ApiError(ErrorType.BadData, "no match[] parameter provided");
    const start = parseTimeParam(form, "start", MIN_TIME_MS);
    const end = parseTimeParam(form, "end", MAX_TIME_MS);
    for (const ms of parseMatchersParam(values)) {
      try {
        await ops.deleteSeries(ms, start, end);
      } catch (e) {
        throw new ApiError(ErrorType.Internal, e instanceof Error ? e.message : String(e));
      }
    }
    return reply.code(204).send();
  });
  const cleanTombstones = admin(async (ops, _form, reply) => {
    try {
      await ops.cleanTombstones();
    } catch (e) {
      throw new ApiError(ErrorType.Internal, e instanceof Error ? e.message : String(e));
    }
    return reply.code(204).send();
  });
  for (const m of ["POST", "PUT"] as const) {
    app.route({ method: m, url: "/admin/tsdb/snapshot", handler: snapshot });
    app.route({ method: m, url: "/admin/tsdb/delete_series", handler: deleteSeries });
    app.route({ method: m, url: "/admin/tsdb/clean_tombstones", handler: cleanTombstones });
  }

  app.get(
    "/status/tsdb",
    handle(async (req, reply) => {
      const form = formValues(req);
      const limitText = form.get("limit") ?? "";
      const limit = limitText === "" ? 10 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1) throw new ApiError(ErrorType.BadData, "limit must be a positive number");
      const h = o.headStats();
      const q = await o.queryable.querier(h.minTime, h.maxTime);
      const byName = new Map<string, number>();
      const valuesByLabel = new Map<string, Set<string>>();
      const bytesByLabel = new Map<string, number>();
      const byPair = new Map<string, number>();
      let pairs = 0;
      try {
        const ss = await q.select(false, { start: h.minTime, end: h.maxTime, step: 0, range: 0, func: "series" }, ...parseMatchersParam(['{__name__=~".+"}'])[0]!);
        while (ss.next()) {
          const l = ss.at().labels;
          const name = l.get("__name__");
          byName.set(name, (byName.get(name) ?? 0) + 1);
          l.forEach((n, v) => {
            let vs = valuesByLabel.get(n);
            if (vs === undefined) valuesByLabel.set(n, (vs = new Set()));
            if (!vs.has(v)) {
              vs.add(v);
              bytesByLabel.set(n, (bytesByLabel.get(n) ?? 0) + Buffer.byteLength(v));
              pairs++;
            }
            const pair = `${n}=${v}`;
            byPair.set(pair, (byPair.get(pair) ?? 0) + 1);
          });
        }
      } finally {
        q.close();
      }
      const top = (m: Map<string, number>): { name: string; value: number }[] =>
        [...m].map(([name, value]) => ({ name, value })).sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1)).slice(0, limit);
      const empty = h.numSeries === 0;
      return sendApiData(req, reply, {
        headStats: {
          numSeries: h.numSeries,
          numLabelPairs: pairs,
          chunkCount: h.chunkCount,
          minTime: empty ? 9223372036854775807 : h.minTime,
          maxTime: empty ? -9223372036854775808 : h.maxTime,
        },
        seriesCountByMetricName: top(byName),
        labelValueCountByLabelName: top(new Map([...valuesByLabel].map(([n, vs]) => [n, vs.size]))),
        memoryInBytesByLabelName: top(bytesByLabel),
        seriesCountByLabelValuePair: top(byPair),
      });
    }),
  );
  app.get("/status/walreplay", handle(async (req, reply) => sendApiData(req, reply, o.walReplay())));
  const exemplars: Handler = async (req, reply) => {
    const form = formValues(req);
    parseTimeParam(form, "start", MIN_TIME_MS);
    parseTimeParam(form, "end", MAX_TIME_MS);
    try {
      parseExpr(form.get("query") ?? "");
    } catch (e) {
      throw invalidParam("query", e);
    }
    // NOTE: exemplar storage is not implemented: the answer is always empty,
    // as Prometheus answers without --enable-feature=exemplar-storage.
    return sendApiData(req, reply, []);
  };
  app.get("/query_exemplars", handle(exemplars));
  app.post("/query_exemplars", handle(exemplars));

  app.get("/status/buildinfo", handle(async (req, reply) => sendApiData(req, reply, o.buildInfo)));
  app.get("/status/runtimeinfo", handle(async (req, reply) => sendApiData(req, reply, o.runtimeInfo())));
  app.get("/status/flags", handle(async (req, reply) => sendApiData(req, reply, o.flags)));
  app.get("/status/config", handle(async (req, reply) => sendApiData(req, reply, { yaml: o.configYAML() })));
}

/**
 * Reverses Prometheus's "U__" value-encoding escape of label names in URL
 * paths: `_` stands for `_` when doubled (`__`), `_<hex>_` for a code
 * point, and other characters for themselves.
 */
export function unescapeName(s: string): string {
  let out = "";
  const body = s.slice(3);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "_") {
      out += c;
      continue;
    }
    if (body[i + 1] === "_") {
      out += "_";
      i++;
      continue;
    }
    const end = body.indexOf("_", i + 1);
    if (end < 0) return s;
    const cp = parseInt(body.slice(i + 1, end), 16);
    if (!Number.isFinite(cp) || cp > 0x10ffff) return s;
    out += String.fromCodePoint(cp);
    i = end;
  }
  return out;
}
