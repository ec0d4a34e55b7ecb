import v8 from "node:v8";

/** Node flags that set the memory reducer up themselves: given one, oneMemoryReducerGc leaves V8 alone. */
const REDUCER_FLAG = /memory[-_]reducer/;

/**
 * The V8 flag that lets V8's memory reducer run one GC where it would
 * start a series: `--memory-reducer-single-gc` up to V8 11 (Node 20,
 * where the series is up to 3 GCs), `--memory-reducer-gc-count=1` from V8
 * 12 (Node 22 and later, whose default is 2).
 */
export function oneMemoryReducerGcFlag(v8Version: string): string {
  return Number(v8Version.split(".")[0]) >= 12 ? "--memory-reducer-gc-count=1" : "--memory-reducer-single-gc";
}

/**
 * Limits V8's memory reducer to one GC per activation, unless nodeFlags
 * (the process's node flags and NODE_OPTIONS) mention the memory reducer.
 * Returns the flag set, or null when V8 was left alone.
 *
 * NOTE: the memory reducer starts compacting full GCs about 8 s after a
 * full GC once the allocation rate looks low, and follows the first with
 * more while committed memory falls. A scraping server reaches that state
 * once, soon after start, and its follow-up GCs find almost nothing left:
 * measured with 50 targets x 1,000 series at 2 s on Node 20, the three
 * GCs took the heap from 67.7 to 54.3 MB, then to 54.3 and 54.3 MB again.
 * Each marks the whole heap of the new series. With one GC, CPU from 5 to
 * 25 s after ready went from 0.66, 0.69, 0.63 to 0.61, 0.53, 0.53 CPU-s in
 * interleaved runs, and RSS after 60 s stayed within the runs' spread
 * (149-157 MB against 143-162 MB). V8 reads the count each time the
 * reducer decides on a next GC, so setting it at run time takes effect
 * (on Node 20, --trace-gc showed one "Mark-Compact (reduce)" where there
 * had been three).
 */
export function oneMemoryReducerGc(nodeFlags: string): string | null {
  if (REDUCER_FLAG.test(nodeFlags)) return null;
  const flag = oneMemoryReducerGcFlag(process.versions.v8);
  v8.setFlagsFromString(flag);
  return flag;
}
