import { PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";

/** The young generation cap of the daemons: both semi-spaces together, half of V8's 2 x 16 MiB on 64-bit. */
export const YOUNG_GENERATION_CAP_BYTES = 16 * 2 ** 20;

/** V8's default --semi-space-growth-factor. */
const V8_GROWTH_FACTOR = 2;

/** Node flags that size the young generation themselves: given one, capYoungGeneration leaves V8 alone. */
const SIZING_FLAG = /--(?:max|min)-semi-space-size|--semi-space-growth-factor/;

/**
 * Keeps V8's young generation (its two semi-spaces) at or below capBytes,
 * unless nodeFlags (the process's node flags and NODE_OPTIONS) size it.
 *
 * NOTE: V8 grows the young generation, doubling it up to 2 x 16 MiB, when
 * many objects survive a scavenge (module loading at start, the first
 * scrape of thousands of new series). It shrinks it only at a full GC with
 * little allocation going on, which a scraping server rarely has. So a
 * server's resident size after its first minute depended on timing:
 * measured with 50 targets x 1,000 series at 2 s, the young generation was
 * 8 MiB in 12 runs and 32 MiB in 3 (RSS 153-160 MB against 190-196
 * MB). Its maximum can only be set on node's command line
 * (--max-semi-space-size); at run time V8 reads the growth factor each time
 * it grows the space, so after each GC the factor is set to 1 (no growth)
 * while the space is at the cap, and back to 2 below it. Node warns that
 * changing V8 flags after start may have unpredictable effects; this one
 * is only read when the space grows. With this cap, eleven runs ended at
 * 154-195 MB, nine of them at 154-172: the rest of the variation is the
 * old generation's, whose committed size follows the timing of full GCs
 * (52-60 MB for 50-53 MB live in the runs measured). What the cap clearly
 * changes is the start: 88-90 MiB resident when ready in three server
 * benchmarks, against 108-119 MiB in two without it. A smaller cap (8 MiB) made it
 * worse, 175-178 MB: objects promoted before they died left the old
 * generation 20 MB larger.
 */
export function capYoungGeneration(capBytes: number, nodeFlags: string): void {
  if (SIZING_FLAG.test(nodeFlags)) return;
  let atCap = false;
  new PerformanceObserver(() => {
    const full = (v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0) >= capBytes;
    if (full === atCap) return;
    atCap = full;
    v8.setFlagsFromString(`--semi-space-growth-factor=${full ? 1 : V8_GROWTH_FACTOR}`);
  }).observe({ entryTypes: ["gc"] });
}
