/** `static_configs`: groups known up front, sent once. */

import type { StaticSDConfig } from "../config/index.ts";
import type { Discoverer, SendFunc } from "./discoverer.ts";
import { fromStaticGroup } from "./target-group.ts";
import type { TargetGroup } from "./target-group.ts";

/**
 * Sends its groups synchronously when run starts, then idles until aborted.
 * The manager relies on the synchronous send to deliver static targets at
 * once.
 */
export class StaticDiscoverer implements Discoverer {
  readonly groups: readonly TargetGroup[];

  constructor(cfg: StaticSDConfig) {
    this.groups = cfg.groups.map(fromStaticGroup);
  }

  run(signal: AbortSignal, send: SendFunc): Promise<void> {
    send([...this.groups]);
    return new Promise((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }
}
