/**
 * Polling discovery (upstream's discovery/refresh): calls a refresh
 * function at start and then every interval, and sends what it returns.
 */

import { sleep } from "./discoverer.ts";
import type { Discoverer, DiscovererOptions, SendFunc } from "./discoverer.ts";
import type { TargetGroup } from "./target-group.ts";

/** Lists the current groups; rejects on failure. `signal` aborts on shutdown. */
export type RefreshFunc = (signal: AbortSignal) => Promise<TargetGroup[]>;

/**
 * A Discoverer that polls. A failed refresh is logged ("Unable to refresh
 * target groups"), counted in prometheus_sd_refresh_failures_total and
 * sends nothing, so the previous groups stay.
 */
export class RefreshDiscoverer implements Discoverer {
  readonly #mechanism: string;
  readonly #intervalMs: number;
  readonly #refresh: RefreshFunc;
  readonly #opts: DiscovererOptions;

  /** intervalMs below 1 is treated as 1. */
  constructor(mechanism: string, intervalMs: number, refresh: RefreshFunc, opts: DiscovererOptions) {
    this.#mechanism = mechanism;
    this.#intervalMs = Math.max(1, intervalMs);
    this.#refresh = refresh;
    this.#opts = opts;
    opts.metrics.initRefresh(mechanism, opts.setName);
  }

  async run(signal: AbortSignal, send: SendFunc): Promise<void> {
    while (!signal.aborted) {
      let groups: TargetGroup[] | null = null;
      try {
        groups = await this.#refresh(signal);
      } catch (e) {
        if (!signal.aborted) {
          this.#opts.metrics.refreshFailure(this.#mechanism, this.#opts.setName);
          this.#opts.logger.error("Unable to refresh target groups", "err", e);
        }
      }
      if (signal.aborted) return;
      if (groups !== null) send(groups);
      await sleep(this.#opts.clock, this.#intervalMs, signal);
    }
  }
}
