/**
 * `http_sd_configs` (upstream's discovery/http): polls a URL that answers
 * a JSON list of target groups.
 */

import type { HTTPSDConfig } from "../config/index.ts";
import type { Discoverer, DiscovererOptions, SendFunc } from "./discoverer.ts";
import { get } from "./http-client.ts";
import { RefreshDiscoverer } from "./refresh.ts";
import { decodeTargetGroupsJSON, emptyGroup } from "./target-group.ts";
import type { TargetGroup } from "./target-group.ts";

/** The label holding the URL a target was discovered from. */
export const HTTPSDURLLabel = "__meta_url";

// NOTE: matches Prometheus, which accepts only JSON, optionally with a UTF-8 charset.
const CONTENT_TYPE = /^application\/json(;\s*charset=("utf-8"|utf-8))?$/i;

/** Why one http_sd refresh failed; the message is upstream's. */
export class HTTPSDError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HTTPSDError";
  }
}

/**
 * Polls the URL every refresh_interval. A non-200 status, another content
 * type, or a body that is not a list of groups fails the refresh (counted
 * in prometheus_sd_http_failures_total); the previous groups stay. Sources
 * are `<url>:<index>`; sources beyond the new list length are cleared.
 */
export class HTTPDiscoverer implements Discoverer {
  readonly #cfg: HTTPSDConfig;
  readonly #opts: DiscovererOptions;
  readonly #refresher: RefreshDiscoverer;
  #lastLength: number;

  constructor(cfg: HTTPSDConfig, opts: DiscovererOptions) {
    this.#cfg = cfg;
    this.#opts = opts;
    this.#lastLength = 0;
    this.#refresher = new RefreshDiscoverer("http", cfg.refreshIntervalMs, (signal) => this.refresh(signal), opts);
  }

  run(signal: AbortSignal, send: SendFunc): Promise<void> {
    return this.#refresher.run(signal, send);
  }

  /** One poll: the groups to send. Rejects with HTTPSDError or a network error. */
  async refresh(signal: AbortSignal): Promise<TargetGroup[]> {
    const url = this.#cfg.url;
    let groups: TargetGroup[];
    try {
      const res = await get(url, this.#cfg.httpClientConfig, {
        signal,
        // A refresh may take as long as the interval between refreshes.
        timeoutMs: this.#cfg.refreshIntervalMs,
        headers: {
          accept: "application/json",
          "x-prometheus-refresh-interval-seconds": String(this.#cfg.refreshIntervalMs / 1000),
        },
      });
      if (res.status !== 200) throw new HTTPSDError(`server returned HTTP status ${res.status} ${res.statusText}`);
      const ct = String(res.headers["content-type"] ?? "");
      if (!CONTENT_TYPE.test(ct.trim())) throw new HTTPSDError(`unsupported content type ${JSON.stringify(ct)}`);
      try {
        groups = decodeTargetGroupsJSON(res.body.toString("utf8"), url, [HTTPSDURLLabel, url]);
      } catch (e) {
        throw new HTTPSDError((e as Error).message);
      }
    } catch (e) {
      if (!signal.aborted) this.#opts.metrics.httpFailure();
      throw e;
    }
    const n = groups.length;
    for (let i = n; i < this.#lastLength; i++) groups.push(emptyGroup(`${url}:${i}`));
    this.#lastLength = n;
    return groups;
  }
}
