/**
 * Default length of a time slice, ms: long enough that the yields cost
 * nothing measurable, short enough that /-/healthy, scrapes and queries
 * waiting behind a compaction are served within tens of milliseconds.
 */
export const DEFAULT_SLICE_MS = 10;

/**
 * Lets long synchronous work on the main thread give the event loop a
 * turn: call due() between units of work (a series, a step, a few
 * thousand elements) and await yield() when it says so. Measures wall time
 * with performance.now(): this is scheduling, not logic, so it does not go
 * through the injected Clock.
 */
export class TimeSlice {
  readonly sliceMs: number;
  #start: number;
  /** How many times yield() was awaited. */
  yields: number;

  constructor(sliceMs: number = DEFAULT_SLICE_MS) {
    this.sliceMs = sliceMs;
    this.#start = performance.now();
    this.yields = 0;
  }

  /** Whether the current slice is used up. One clock read, no allocation. */
  due(): boolean {
    return performance.now() - this.#start >= this.sliceMs;
  }

  /** Resolves in the event loop's check phase (after pending I/O callbacks), then starts a new slice. */
  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.yields++;
    this.#start = performance.now();
  }
}

// Runs shorter than this are sorted synchronously with Array.prototype.sort.
const SORT_RUN = 2048;
// Elements merged between two due() checks.
const MERGE_CHECK_EVERY = 1024;

/**
 * Sorts `a` by `cmp` like a stable Array.prototype.sort (same order for
 * any consistent comparator), yielding to the event loop through `slice`
 * between runs and during merges, so that sorting hundreds of thousands of
 * label sets never blocks for more than about a slice. Returns the sorted
 * array, which is `a` itself when it is short, else a new array (`a` is
 * left in an unspecified order).
 */
export async function sortCooperative<T>(a: T[], cmp: (x: T, y: T) => number, slice: TimeSlice): Promise<T[]> {
  const n = a.length;
  if (n <= SORT_RUN) return a.sort(cmp);
  for (let i = 0; i < n; i += SORT_RUN) {
    if (slice.due()) await slice.yield();
    const run = a.slice(i, i + SORT_RUN).sort(cmp);
    for (let j = 0; j < run.length; j++) a[i + j] = run[j]!;
  }
  let src = a;
  let dst = new Array<T>(n);
  for (let width = SORT_RUN; width < n; width *= 2) {
    let k = 0;
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      while (i < mid || j < hi) {
        const stop = Math.min(k + MERGE_CHECK_EVERY, hi);
        // Ties take the left run's element first, which keeps the sort stable.
        while (k < stop) {
          if (j >= hi || (i < mid && cmp(src[i]!, src[j]!) <= 0)) dst[k++] = src[i++]!;
          else dst[k++] = src[j++]!;
        }
        if (slice.due()) await slice.yield();
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}
