import { Labels } from "./labels.ts";

/** Names arrays and strings an interner holds before it starts over. */
const DEFAULT_MAX_ENTRIES = 1 << 17;
/** Below this length V8 copies a substring instead of pointing into its parent. */
const SLICED_MIN_LENGTH = 13;

/**
 * s as a flat string of its own. NOTE: V8 makes a substring of 13 or more
 * characters a view that keeps the whole string it was cut from alive, so
 * a label value, series text or help text cut from a scrape body and kept
 * would keep that body (megabytes, for a big target). JSON's round trip
 * gives a plain string (concatenating and slicing again gives another
 * view, of the concatenation); shorter substrings are copies already.
 */
export function ownString(s: string): string {
  return s.length < SLICED_MIN_LENGTH ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/**
 * Shares the strings and name lists of long-lived label sets: every series
 * of a scrape target repeats the same names (`__name__`, `job`, `le`, ...)
 * and most values (`GET`, `200`, the job, the instance), and a string cut
 * from a scrape body by the parser is a copy of its own, or a slice that
 * keeps the whole body alive. Used when a series is created, not per
 * sample. Bounded: when full it starts over (sets made before keep their
 * strings; only later sets stop sharing with them).
 */
export class LabelInterner {
  readonly #maxEntries: number;
  #strings: Map<string, string>;
  #names: Map<string, string[]>;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
    this.#strings = new Map();
    this.#names = new Map();
  }

  /** The shared copy of s: the first one seen, flattened so it holds no scrape body. */
  string(s: string): string {
    const got = this.#strings.get(s);
    if (got !== undefined) return got;
    if (this.#strings.size >= this.#maxEntries) this.#strings = new Map();
    const own = ownString(s);
    this.#strings.set(own, own);
    return own;
  }

  /** The one array (of shared strings) that stands for these label names in every set that has them. */
  names(names: readonly string[]): string[] {
    const key = names.join("\u0000");
    const shared = this.#names.get(key);
    // Names may hold the separator: a key shared by other names is not theirs.
    if (shared !== undefined && sameNames(shared, names)) return shared;
    const own = names.map((n) => this.string(n));
    if (shared === undefined) {
      if (this.#names.size >= this.#maxEntries) this.#names = new Map();
      this.#names.set(key, own);
    }
    return own;
  }

  /** lset with shared strings and, for sets with the same names, one shared names array. */
  labels(lset: Labels): Labels {
    const n = lset.length;
    if (n === 0) return lset;
    // map() allocates exactly n slots; an array grown by push() keeps 17 (136 bytes) for the life of the series.
    const values = lset.values.map((v) => this.string(v));
    return Labels.fromSortedUnchecked(this.names(lset.names), values);
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
