import { LabelInterner, Labels, MatchType, type Matcher } from "../../model/index.ts";
import type { TimeSlice } from "../../util/index.ts";

/**
 * A postings list: series refs in strictly increasing order. Lists handed
 * out by MemPostings are live (they grow as series are added); treat them
 * as read-only.
 */
export type Postings = readonly number[];

const EMPTY: Postings = [];
/** Distinct label name lists MemPostings keeps for sharing before it starts over. */
const NAME_LISTS = 4096;

/** The series of one label value, and the value's string every series with it shares. */
class ValuePostings {
  readonly value: string;
  readonly refs: number[];

  /** A list holding only ref, with room for it alone: many values (instance, id) have one series. */
  constructor(value: string, ref: number) {
    this.value = value;
    this.refs = [ref];
  }
}

/** The values of one label name, and the name's string every series with it shares. */
class NamePostings {
  readonly name: string;
  readonly byValue: Map<string, ValuePostings>;

  constructor(name: string) {
    this.name = name;
    this.byValue = new Map();
  }
}

/**
 * The head's inverted index, as Prometheus's index.MemPostings: label name
 * -> label value -> sorted series refs, plus the list of all refs. It also
 * interns the head's label strings: add() hands back the labels built from
 * the strings of the index, so each distinct name and value is held once.
 */
export class MemPostings {
  readonly #m: Map<string, NamePostings>;
  readonly #all: number[];
  /** The name lists of interned labels, one shared by all series with the same names (up to NAME_LISTS). */
  readonly #nameLists: LabelInterner;

  constructor() {
    this.#m = new Map();
    this.#all = [];
    this.#nameLists = new LabelInterner(NAME_LISTS);
  }

  /**
   * Removes the series of `dead` (ref -> labels) from the index, as
   * Prometheus's MemPostings.Delete: each list holding one of them is
   * rewritten once, in one step, whatever the number of series removed
   * from it. Yields through slice between lists, so until it resolves
   * lists may still hold some of these refs (readers skip refs whose
   * series is gone).
   */
  async deleteMany(dead: ReadonlyMap<number, Labels>, slice: TimeSlice): Promise<void> {
    if (dead.size === 0) return;
    // Each affected list once: name -> values whose list holds a dead ref.
    const touched = new Map<string, Set<string>>();
    let n = 0;
    for (const lset of dead.values()) {
      if (++n % 1024 === 0 && slice.due()) await slice.yield();
      const { names, values } = lset;
      for (let i = 0; i < names.length; i++) {
        let vs = touched.get(names[i]!);
        if (vs === undefined) touched.set(names[i]!, (vs = new Set()));
        vs.add(values[i]!);
      }
    }
    removeAll(this.#all, dead);
    for (const [name, vs] of touched) {
      for (const v of vs) {
        if (slice.due()) await slice.yield();
        const np = this.#m.get(name);
        const vp = np?.byValue.get(v);
        if (np === undefined || vp === undefined) continue;
        removeAll(vp.refs, dead);
        if (vp.refs.length > 0) continue;
        np.byValue.delete(v);
        if (np.byValue.size === 0) this.#m.delete(name);
      }
    }
  }

  /**
   * Indexes series ref under each of its labels. Refs normally arrive
   * increasing; others are inserted in order. Returns lset, or with
   * `intern` labels equal to it made of the index's strings, so that the
   * series shares them with every other series with the same names and
   * values (for labels nobody else holds, such as those decoded from the
   * WAL); series with the same label names share one array of them too.
   */
  add(ref: number, lset: Labels, intern = false): Labels {
    insertSorted(this.#all, ref);
    const n = lset.names.length;
    const names = intern ? this.#nameLists.names(lset.names) : null;
    const values = intern ? new Array<string>(n) : null;
    for (let i = 0; i < n; i++) {
      const name = lset.names[i]!;
      const value = lset.values[i]!;
      let np = this.#m.get(name);
      if (np === undefined) this.#m.set(name, (np = new NamePostings(name)));
      let vp = np.byValue.get(value);
      if (vp === undefined) np.byValue.set(value, (vp = new ValuePostings(value, ref)));
      else insertSorted(vp.refs, ref);
      if (values !== null) values[i] = vp.value;
    }
    return names === null ? lset : Labels.fromSortedUnchecked(names, values!);
  }

  /** Refs of the series with label name=value (empty if none). */
  get(name: string, value: string): Postings {
    return this.#m.get(name)?.byValue.get(value)?.refs ?? EMPTY;
  }

  /** All refs. */
  all(): Postings {
    return this.#all;
  }

  /** Sorted values of label name over all series. */
  labelValues(name: string): string[] {
    const np = this.#m.get(name);
    return np === undefined ? [] : [...np.byValue.keys()].sort();
  }

  /** Sorted label names over all series. */
  labelNames(): string[] {
    return [...this.#m.keys()].sort();
  }

  /** Union of the lists of the values v of label name with pred(v). */
  matching(name: string, pred: (v: string) => boolean): Postings {
    const np = this.#m.get(name);
    if (np === undefined) return EMPTY;
    const lists: Postings[] = [];
    for (const [v, vp] of np.byValue) if (pred(v)) lists.push(vp.refs);
    return merge(lists);
  }

  /** Union of the lists of every value of label name (series that have the label). */
  withLabel(name: string): Postings {
    const np = this.#m.get(name);
    if (np === undefined) return EMPTY;
    const lists: Postings[] = [];
    for (const vp of np.byValue.values()) lists.push(vp.refs);
    return merge(lists);
  }
}

/** Removes the refs that are keys of dead from list, in place, keeping the order. */
function removeAll(list: number[], dead: ReadonlyMap<number, unknown>): void {
  let w = 0;
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    if (!dead.has(r)) list[w++] = r;
  }
  list.length = w;
}

function insertSorted(list: number[], ref: number): void {
  const n = list.length;
  if (n === 0 || list[n - 1]! < ref) {
    list.push(ref);
    return;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < ref) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== ref) list.splice(lo, 0, ref);
}

/** Refs in both a and b. */
export function intersect(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** Refs in a but not in b. */
export function subtract(a: Postings, b: Postings): Postings {
  if (b.length === 0) return a;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out.push(x);
  }
  return out;
}

/** Refs in any of the lists, sorted and unique. */
export function merge(lists: readonly Postings[]): Postings {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  // Sorting a typed array is numeric and fast; cheaper than a k-way merge for many small lists.
  const all = new Float64Array(total);
  let k = 0;
  for (const l of lists) for (let i = 0; i < l.length; i++) all[k++] = l[i]!;
  all.sort();
  const out: number[] = [];
  for (let i = 0; i < total; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]!);
  return out;
}

/** What postingsForMatchers needs of an index: the head's MemPostings and a block's index both provide it. */
export interface PostingsIndex {
  get(name: string, value: string): Postings;
  all(): Postings;
  matching(name: string, pred: (v: string) => boolean): Postings;
  withLabel(name: string): Postings;
}

/**
 * The refs of the series matching all matchers, as Prometheus's
 * PostingsForMatchers. A matcher that matches the empty string also
 * selects series without the label, so it is applied by subtracting the
 * series whose value it rejects; the others contribute the union of the
 * values they accept. Without any matcher that rejects the empty string
 * the result starts from all series.
 */
export function postingsForMatchers(ix: PostingsIndex, matchers: readonly Matcher[]): Postings {
  const positive: Postings[] = [];
  const negative: Postings[] = [];
  for (const m of matchers) {
    // NOTE: matches Prometheus, which skips `=~".*"` outright: it matches every series.
    if (m.type === MatchType.Regexp && m.value === ".*") continue;
    if (m.matchesEmpty()) {
      if (m.type === MatchType.NotEqual) negative.push(ix.get(m.name, m.value));
      else if (m.type === MatchType.Equal) negative.push(ix.withLabel(m.name));
      else negative.push(ix.matching(m.name, (v) => !m.matches(v)));
    } else if (m.type === MatchType.Equal) {
      positive.push(ix.get(m.name, m.value));
    } else if (m.type === MatchType.NotEqual) {
      // Rejecting "" means the value is "": `l!=""` selects series that have l.
      positive.push(ix.withLabel(m.name));
    } else {
      positive.push(ix.matching(m.name, (v) => m.matches(v)));
    }
  }
  let res: Postings;
  if (positive.length === 0) res = ix.all();
  else {
    positive.sort((a, b) => a.length - b.length);
    res = positive[0]!;
    for (let i = 1; i < positive.length && res.length > 0; i++) res = intersect(res, positive[i]!);
  }
  for (const n of negative) {
    if (res.length === 0) break;
    res = subtract(res, n);
  }
  return res;
}
