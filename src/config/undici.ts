/**
 * The parts of undici that promstack uses (Agent, request() and the redirect
 * interceptor), each loaded from its own module.
 *
 * NOTE: undici's index also loads its fetch, WebSocket, EventSource, cache
 * and mock modules, none of which promstack uses. Measured in a bare node
 * process after a full GC: the index makes it 61.4 MB resident, these three
 * modules 53.0 MB. A server scraping 50 targets of 1,000 series was about
 * 3.5 MB smaller after a minute. undici has no "exports" map, so its files
 * resolve by path; the paths are those of the version in package-lock.json,
 * and undici.test.ts checks that they give the objects the index exports,
 * so an upgrade that moves them fails there. The module sits in config,
 * next to the request options of http-request.ts, so that only the commands
 * that load HTTP client configurations load it (node-exporter does not).
 */
import { createRequire } from "node:module";
import type * as undici from "undici";

const require = createRequire(import.meta.url);

export type { Dispatcher } from "undici";
export type Agent = undici.Agent;
export const Agent: typeof undici.Agent = require("undici/lib/dispatcher/agent.js");
/** undici's interceptors.redirect. */
export const redirectInterceptor: typeof undici.interceptors.redirect = require("undici/lib/interceptor/redirect.js");

type ApiRequest = (this: undici.Dispatcher, opts: undici.Dispatcher.RequestOptions) => Promise<undici.Dispatcher.ResponseData>;
const apiRequest: ApiRequest = require("undici/lib/api/api-request.js");

/** Options of request(): undici's, with the dispatcher and method always given. */
export type RequestOptions = Omit<undici.Dispatcher.RequestOptions, "origin" | "path" | "method"> & {
  method: undici.Dispatcher.HttpMethod;
  dispatcher: undici.Dispatcher;
};

/** undici's request(url, options): sends one request through options.dispatcher. */
export function request(url: string | URL, opts: RequestOptions): Promise<undici.Dispatcher.ResponseData> {
  const u = typeof url === "string" ? new URL(url) : url;
  const { dispatcher, ...rest } = opts;
  return apiRequest.call(dispatcher, { ...rest, origin: u.origin, path: u.pathname + u.search });
}
