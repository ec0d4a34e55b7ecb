import { Labels, compareLabels, formatLabelName, isLegacyMetricName, quoteString } from "../model/index.ts";
import { formatFloatF } from "../util/index.ts";
import { ExitCode, type Streams } from "./io.ts";
import { parseTimeMs } from "./test-rules.ts";

/** Output formats of `promtool query` (`-o`). */
export const QueryFormat = {
  PromQL: "promql",
  JSON: "json",
} as const;
export type QueryFormat = (typeof QueryFormat)[keyof typeof QueryFormat];

/** What every query command needs. */
export interface QueryClientOptions {
  /** The server, e.g. http://localhost:9090 (a path prefix is kept). */
  server: string;
  format: QueryFormat;
  /** Extra request headers (`query range --header`). */
  headers?: Readonly<Record<string, string>>;
  /** Wall clock in ms for the default times; default Date.now. */
  now?: () => number;
  /** Request timeout; default 2m as upstream. */
  timeoutMs?: number;
}

/** An error of the HTTP API (client_golang's v1.Error): printed as `type: msg`, with the body as detail for server errors. */
class APIError extends Error {
  readonly type: string;
  readonly msg: string;
  readonly detail: string;

  constructor(type: string, msg: string, detail: string) {
    super(`${type}: ${msg}`);
    this.name = "APIError";
    this.type = type;
    this.msg = msg;
    this.detail = detail;
  }
}

/** The JSON envelope of /api/v1 responses. */
interface APIResponse {
  status?: string;
  data?: unknown;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

/** client_golang's formatTime: seconds with as many decimals as needed. */
function formatTime(ms: number): string {
  return formatFloatF(ms / 1000);
}

/** The server URL with `http://` added when it has no scheme, without a trailing slash. */
function baseURL(server: string): string {
  const s = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(server) ? server : `http://${server}`;
  return s.replace(/\/+$/, "");
}

/**
 * Calls an API endpoint as client_golang does: a POST of the form for
 * query endpoints (falling back to GET on 405 and 501), a GET otherwise.
 * Resolves to `data`; rejects with APIError.
 */
async function callAPI(opts: QueryClientOptions, path: string, params: URLSearchParams, post: boolean): Promise<unknown> {
  const url = baseURL(opts.server) + path;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 120_000);
  const send = async (method: "GET" | "POST"): Promise<Response> => {
    try {
      if (method === "POST") {
        return await fetch(url, {
          method,
          headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
          body: params.toString(),
          signal,
        });
      }
      const qs = params.toString();
      return await fetch(qs === "" ? url : `${url}?${qs}`, { method, headers, signal });
    } catch (e) {
      const cause = (e as { cause?: { message?: string } }).cause?.message;
      const verb = method === "POST" ? "Post" : "Get";
      throw new APIError("client_error", `client error: ${verb} ${quoteString(url)}: ${cause ?? (e as Error).message}`, "");
    }
  };
  let resp = await send(post ? "POST" : "GET");
  if (post && (resp.status === 405 || resp.status === 501)) resp = await send("GET");
  const body = await resp.text();
  const code = resp.status;
  const apiErrorCode = code === 400 || code === 422 || code === 503;
  if (Math.floor(code / 100) !== 2 && !apiErrorCode) {
    const type = Math.floor(code / 100) === 4 ? "client_error" : "server_error";
    throw new APIError(type, `${type === "client_error" ? "client" : "server"} error: ${code}`, body);
  }
  let r: APIResponse;
  try {
    r = JSON.parse(body) as APIResponse;
  } catch (e) {
    throw new APIError("bad_response", (e as Error).message, body);
  }
  if (apiErrorCode && r.status === "success") throw new APIError("bad_response", "inconsistent body for response code", body);
  if (r.status === "error") throw new APIError(r.errorType ?? "", r.error ?? "", "");
  return r.data;
}

/** Prints a failed request as upstream's handleAPIError; returns the exit code 1. */
function handleAPIError(e: unknown, io: Streams): ExitCode {
  if (e instanceof APIError && e.detail !== "") io.stderr.write(`query error: ${e.message} (detail: ${e.detail.trim()})\n`);
  else io.stderr.write(`query error: ${(e as Error).message}\n`);
  return ExitCode.Failure;
}

/**
 * `promtool query instant <server> <expr> [--time=T]`: prints the result
 * (`-o promql`: `metric => value @[ts]` lines; `-o json`: the result as
 * JSON). Resolves to the exit code.
 */
export async function queryInstant(opts: QueryClientOptions, expr: string, time: string, io: Streams): Promise<ExitCode> {
  let t = (opts.now ?? Date.now)();
  if (time !== "") {
    try {
      t = parseTimeMs(time);
    } catch (e) {
      io.stderr.write(`error parsing evaluation time: ${(e as Error).message}\n`);
      return ExitCode.Failure;
    }
  }
  let data: unknown;
  try {
    data = await callAPI(opts, "/api/v1/query", new URLSearchParams({ query: expr, time: formatTime(t) }), true);
  } catch (e) {
    return handleAPIError(e, io);
  }
  io.stdout.write(printValue(data as QueryData, opts.format));
  return ExitCode.Success;
}

/**
 * `promtool query range <server> <expr>`: start defaults to 5m before end,
 * end to now, step to max(floor(range/250), 1s) as upstream.
 */
export async function queryRange(opts: QueryClientOptions, expr: string, start: string, end: string, stepMs: number, io: Streams): Promise<ExitCode> {
  let etime = (opts.now ?? Date.now)();
  let stime: number;
  try {
    if (end !== "") etime = parseTimeMs(end);
  } catch (e) {
    io.stderr.write(`error parsing end time: ${(e as Error).message}\n`);
    return ExitCode.Failure;
  }
  try {
    stime = start !== "" ? parseTimeMs(start) : etime - 300_000;
  } catch (e) {
    io.stderr.write(`error parsing start time: ${(e as Error).message}\n`);
    return ExitCode.Failure;
  }
  if (!(stime < etime)) {
    io.stderr.write("start time is not before end time\n");
    return ExitCode.Failure;
  }
  const step = stepMs > 0 ? stepMs : Math.max(Math.floor((etime - stime) / 1000 / 250), 1) * 1000;
  let data: unknown;
  try {
    const params = new URLSearchParams({ query: expr, start: formatTime(stime), end: formatTime(etime), step: formatFloatF(step / 1000) });
    data = await callAPI(opts, "/api/v1/query_range", params, true);
  } catch (e) {
    return handleAPIError(e, io);
  }
  io.stdout.write(printValue(data as QueryData, opts.format));
  return ExitCode.Success;
}

/** Start and end of series and labels queries: 9999h around now unless given. */
function startEnd(opts: QueryClientOptions, start: string, end: string): { start: number; end: number } {
  const now = (opts.now ?? Date.now)();
  const span = 9999 * 3_600_000;
  let s = now - span;
  let e = now + span;
  if (start !== "") {
    try {
      s = parseTimeMs(start);
    } catch (err) {
      throw new Error(`error parsing start time: ${(err as Error).message}`);
    }
  }
  if (end !== "") {
    try {
      e = parseTimeMs(end);
    } catch (err) {
      throw new Error(`error parsing end time: ${(err as Error).message}`);
    }
  }
  return { start: s, end: e };
}

/** `promtool query series <server> --match=SELECTOR...`: one label set per line, or JSON. */
export async function querySeries(opts: QueryClientOptions, matchers: readonly string[], start: string, end: string, io: Streams): Promise<ExitCode> {
  let se: { start: number; end: number };
  try {
    se = startEnd(opts, start, end);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return ExitCode.Failure;
  }
  const params = new URLSearchParams();
  for (const m of matchers) params.append("match[]", m);
  params.set("start", formatTime(se.start));
  params.set("end", formatTime(se.end));
  let data: unknown;
  try {
    data = await callAPI(opts, "/api/v1/series", params, true);
  } catch (e) {
    return handleAPIError(e, io);
  }
  const sets = (data as Array<Record<string, string>> | null) ?? [];
  if (opts.format === QueryFormat.JSON) io.stdout.write(goJSON(sets.map(sortedObject)) + "\n");
  else for (const s of sets) io.stdout.write(`${labelSetString(s)}\n`);
  return ExitCode.Success;
}

/** `promtool query labels <server> <name>`: the label's values, one per line, or JSON. */
export async function queryLabels(opts: QueryClientOptions, name: string, matchers: readonly string[], start: string, end: string, io: Streams): Promise<ExitCode> {
  let se: { start: number; end: number };
  try {
    se = startEnd(opts, start, end);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return ExitCode.Failure;
  }
  const params = new URLSearchParams();
  for (const m of matchers) params.append("match[]", m);
  params.set("start", formatTime(se.start));
  params.set("end", formatTime(se.end));
  let data: unknown;
  try {
    data = await callAPI(opts, `/api/v1/label/${encodeURIComponent(name)}/values`, params, false);
  } catch (e) {
    return handleAPIError(e, io);
  }
  const values = (data as string[] | null) ?? [];
  if (opts.format === QueryFormat.JSON) io.stdout.write(goJSON(values) + "\n");
  else for (const v of values) io.stdout.write(`${v}\n`);
  return ExitCode.Success;
}

/** The `data` of a query response. */
type QueryData =
  | { resultType: "vector"; result: Array<{ metric: Record<string, string>; value: [number, string] }> }
  | { resultType: "matrix"; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }
  | { resultType: "scalar" | "string"; result: [number, string] };

/** A query result as upstream's printers print it (one trailing newline). */
export function printValue(d: QueryData, format: QueryFormat): string {
  if (format === QueryFormat.JSON) {
    switch (d.resultType) {
      case "vector":
        return goJSON(d.result.map((s) => ({ metric: sortedObject(s.metric), value: [rawTime(s.value[0]), s.value[1]] }))) + "\n";
      case "matrix":
        return goJSON(d.result.map((s) => ({ metric: sortedObject(s.metric), values: s.values.map((p) => [rawTime(p[0]), p[1]]) }))) + "\n";
      default:
        return goJSON([rawTime(d.result[0]), d.result[1]]) + "\n";
    }
  }
  switch (d.resultType) {
    case "vector":
      return d.result.map((s) => `${metricString(s.metric)} => ${valueString(s.value[1])} @[${timeString(s.value[0])}]`).join("\n") + "\n";
    case "matrix": {
      const streams = [...d.result].sort((a, b) => compareLabels(Labels.fromObject(a.metric), Labels.fromObject(b.metric)));
      return (
        streams.map((s) => `${metricString(s.metric)} =>\n${s.values.map((p) => `${valueString(p[1])} @[${timeString(p[0])}]`).join("\n")}`).join("\n") + "\n"
      );
    }
    case "scalar":
      return `scalar: ${valueString(d.result[1])} @[${timeString(d.result[0])}]\n`;
    default:
      return `${d.result[1]}\n`;
  }
}

/** A JSON timestamp (seconds) kept as model.Time: ms precision. */
class RawNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

function rawTime(sec: number): RawNumber {
  return new RawNumber(timeString(sec));
}

/** model.Time's String: seconds at ms precision, shortest form. */
function timeString(sec: number): string {
  return formatFloatF(Math.round(sec * 1000) / 1000);
}

/** model.SampleValue's String: the shortest 'f' form, `NaN`, `+Inf`, `-Inf`. */
function valueString(v: string): string {
  const f = Number(v);
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  return formatFloatF(f);
}

/** model.Metric's String: `name{a="1", b="2"}`, `name`, `{a="1"}` or `{}`. */
function metricString(m: Record<string, string>): string {
  const name = m["__name__"];
  const rest = Object.keys(m)
    .filter((k) => k !== "__name__")
    .sort()
    .map((k) => `${formatLabelName(k)}=${quoteString(m[k]!)}`);
  if (name === undefined) return `{${rest.join(", ")}}`;
  const shownName = isLegacyMetricName(name) ? name : quoteString(name);
  return rest.length === 0 ? shownName : `${shownName}{${rest.join(", ")}}`;
}

/** model.LabelSet's String: `{a="1", b="2"}`, names sorted. */
function labelSetString(m: Record<string, string>): string {
  return `{${Object.keys(m)
    .sort()
    .map((k) => `${formatLabelName(k)}=${quoteString(m[k]!)}`)
    .join(", ")}}`;
}

function sortedObject(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]!]));
}

/** JSON as Go's encoding/json writes it: compact, HTML characters escaped, RawNumber verbatim. */
function goJSON(v: unknown): string {
  const raw: string[] = [];
  const s = JSON.stringify(v, (_k, x: unknown) => {
    if (x instanceof RawNumber) {
      raw.push(x.text);
      return `\u0000raw${raw.length - 1}\u0000`;
    }
    return x;
  });
  return s
    .replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raw[Number(i)]!)
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
