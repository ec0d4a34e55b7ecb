import { MatchType, type Labels, type Matcher } from "../../model/index.ts";

/**
 * A postings list: series refs in strictly increasing order. Lists handed
 * out by MemPostings are live (they grow as series are added); treat them
 * as read-only.
 */
export type Postings = readonly number[];

const EMPTY: Postings = [];

/**
 * The head's inverted index, as Prometheus's index.MemPostings: label name
 * -> label value -> sorted series refs, plus the list of all refs.
 */
export class MemPostings {
  readonly #m: Map<string, Map<string, number[]>>;
  readonly #all: number[];

  constructor() {
    this.#m = new Map();
    this.#all = [];
  }

  /** Removes series ref (with labels lset) from the index. */
  delete(ref: number, lset: Labels): void {
    removeSorted(this.#all, ref);
    const { names, values } = lset;
    for (let i = 0; i < names.length; i++) {
      const byValue = this.#m.get(names[i]!);
      const list = byValue?.get(values[i]!);
      if (byValue === undefined || list === undefined) continue;
      removeSorted(list, ref);
      if (list.length === 0) {
        byValue.delete(values[i]!);
        if (byValue.size === 0) this.#m.delete(names[i]!);
      }
    }
  }

  /** Indexes series ref under each of its labels. Refs normally arrive increasing; others are inserted in order. */
  add(ref: number, lset: Labels): void {
    insertSorted(this.#all, ref);
    const { names, values } = lset;
    for (let i = 0; i < names.length; i++) {
      let byValue = this.#m.get(names[i]!);
      if (byValue === undefined) this.#m.set(names[i]!, (byValue = new Map()));
      let list = byValue.get(values[i]!);
      if (list === undefined) byValue.set(values[i]!, (list = []));
      insertSorted(list, ref);
    }
  }

  /** Refs of the series with label name=value (empty if none). */
  get(name: string, value: string): Postings {
    return this.#m.get(name)?.get(value) ?? EMPTY;
  }

  /** All refs. */
  all(): Postings {
    return this.#all;
  }

  /** Sorted values of label name over all series. */
  labelValues(name: string): string[] {
    const byValue = this.#m.get(name);
    return byValue === undefined ? [] : [...byValue.keys()].sort();
  }

  /** Sorted label names over all series. */
  labelNames(): string[] {
    return [...this.#m.keys()].sort();
  }

  /** Union of the lists of the values v of label name with pred(v). */
  matching(name: string, pred: (v: string) => boolean): Postings {
    const byValue = this.#m.get(name);
    if (byValue === undefined) return EMPTY;
    const lists: Postings[] = [];
    for (const [v, list] of byValue) if (pred(v)) lists.push(list);
    return merge(lists);
  }

  /** Union of the lists of every value of label name (series that have the label). */
  withLabel(name: string): Postings {
    const byValue = this.#m.get(name);
    return byValue === undefined ? EMPTY : merge([...byValue.values()]);
  }
}

function removeSorted(list: number[], ref: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < ref) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] === ref) list.splice(lo, 1);
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
