/**
 * The Discoverer contract (upstream's discovery.Discoverer) and the
 * collaborators every mechanism receives.
 */

import type { Clock, Logger } from "../util/index.ts";
import type { DiscoveryMetrics } from "./metrics.ts";
import type { TargetGroup } from "./target-group.ts";

/** Receives target groups; a group replaces the earlier one with the same source. */
export type SendFunc = (groups: TargetGroup[]) => void;

/**
 * A service discovery mechanism instance. `run` starts it: it sends the
 * initial groups as soon as it knows them, then changes (a group per
 * changed source; an empty group for a source that disappeared) until
 * `signal` aborts, and resolves once it has stopped. It never rejects:
 * failures are logged and counted, and the last good groups stay.
 * `send` must not be called after the returned promise resolves.
 */
export interface Discoverer {
  run(signal: AbortSignal, send: SendFunc): Promise<void>;
}

/** Collaborators of a discoverer. */
export interface DiscovererOptions {
  logger: Logger;
  clock: Clock;
  metrics: DiscoveryMetrics;
  /** The target set (scrape job, alertmanager config) the discoverer was first created for: the `config` metric label. */
  setName: string;
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      timer.cancel();
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
