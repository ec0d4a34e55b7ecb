// HTTP API v1 client of the web UI. Every call is relative to the path the
// page was served under, so the UI works under any --web.route-prefix and
// behind a proxy that adds a path (--web.external-url).

/**
 * The path prefix the UI runs under ("" at the root): the page's path
 * without its last segment, since every page is one segment deep
 * ("/prom/targets" -> "/prom").
 */
export const pathPrefix: string = location.pathname.slice(0, location.pathname.lastIndexOf("/"));

/** An error envelope of the API (errorType and message), or a transport failure (errorType "network"). */
export class APIError extends Error {
  readonly errorType: string;
  readonly status: number;
  constructor(errorType: string, message: string, status: number) {
    super(message);
    this.name = "APIError";
    this.errorType = errorType;
    this.status = status;
  }
}

/** A success envelope's payload with its annotations. */
export interface APIResult<T> {
  data: T;
  warnings: string[];
  infos: string[];
}

/** Query parameters; an array repeats the name (match[]). */
export type Params = Record<string, string | readonly string[]>;

function encode(params: Params): URLSearchParams {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === "string") sp.append(k, v);
    else for (const x of v) sp.append(k, x);
  }
  return sp;
}

/**
 * Calls `/api/v1/<path>`; GET unless a POST is asked for (queries are
 * POSTed as forms so that long expressions fit). Rejects with APIError.
 */
export async function api<T>(path: string, params: Params = {}, opts: { post?: boolean; signal?: AbortSignal } = {}): Promise<APIResult<T>> {
  const url = `${pathPrefix}/api/v1/${path}`;
  const body = encode(params);
  let res: Response;
  try {
    res = opts.post
      ? await fetch(url, { method: "POST", body, signal: opts.signal ?? null })
      : await fetch(body.size > 0 ? `${url}?${body}` : url, { signal: opts.signal ?? null });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new APIError("network", e instanceof Error ? e.message : String(e), 0);
  }
  let env: { status?: string; data?: T; errorType?: string; error?: string; warnings?: string[]; infos?: string[] };
  try {
    env = (await res.json()) as typeof env;
  } catch {
    throw new APIError("internal", `unexpected response (HTTP ${res.status})`, res.status);
  }
  if (env.status !== "success") throw new APIError(env.errorType ?? "internal", env.error ?? `HTTP ${res.status}`, res.status);
  return { data: env.data as T, warnings: env.warnings ?? [], infos: env.infos ?? [] };
}

/** A label set as the API sends it. */
export type Metric = Record<string, string>;

/** An instant vector sample ([seconds, "value"]). */
export type SamplePair = [number, string];

/** The data of /api/v1/query and /api/v1/query_range. */
export type QueryData =
  | { resultType: "vector"; result: Array<{ metric: Metric; value?: SamplePair; histogram?: [number, unknown] }> }
  | { resultType: "matrix"; result: Array<{ metric: Metric; values?: SamplePair[]; histograms?: Array<[number, unknown]> }> }
  | { resultType: "scalar"; result: SamplePair }
  | { resultType: "string"; result: SamplePair };

/** The statistics of a query asked with stats=all. */
export interface QueryStats {
  timings: Record<string, number>;
  samples: { totalQueryableSamples: number; peakSamples: number };
}

/** An alert instance of /api/v1/rules. */
export interface Alert {
  labels: Metric;
  annotations: Metric;
  state: string;
  activeAt: string;
  value: string;
  keepFiringSince?: string;
}

/** A rule of /api/v1/rules (alerting or recording). */
export interface Rule {
  type: "alerting" | "recording";
  name: string;
  query: string;
  labels: Metric;
  health: string;
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
  state?: string;
  duration?: number;
  keepFiringFor?: number;
  annotations?: Metric;
  alerts?: Alert[] | null;
}

/** A rule group of /api/v1/rules. */
export interface RuleGroup {
  name: string;
  file: string;
  rules: Rule[];
  interval: number;
  limit: number;
  evaluationTime: number;
  lastEvaluation: string;
}

/** An active target of /api/v1/targets. */
export interface ActiveTarget {
  discoveredLabels: Metric;
  labels: Metric;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: string;
  scrapeInterval: string;
  scrapeTimeout: string;
}

/** The data of /api/v1/targets. */
export interface TargetsData {
  activeTargets: ActiveTarget[];
  droppedTargets: Array<{ discoveredLabels: Metric; scrapePool: string }>;
  droppedTargetCounts?: Record<string, number>;
}
