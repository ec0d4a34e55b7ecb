/** log2 of the slots per page. */
const PAGE_BITS = 12;
/** Slots per page: 4096 refs, 32 KiB of pointers. */
export const REF_PAGE_SIZE = 1 << PAGE_BITS;
const SLOT_MASK = REF_PAGE_SIZE - 1;
/**
 * Refs below this live in pages (at most 65,536 pages, a 512 KiB page
 * table); larger ones, which only a foreign WAL could hold, in a Map.
 */
const PAGED_LIMIT = 1 << 28;

/**
 * Values by series ref, for refs allocated sequentially from 1 as the head
 * does: a table of pages of REF_PAGE_SIZE slots indexed by ref, so a lookup
 * is two array loads instead of a hash-map probe. Pages are created full
 * of undefined (packed, never holey) and dropped when their last value is
 * removed, so a head whose old series were truncated holds only the pages
 * of live refs. Refs are positive integers; those from PAGED_LIMIT on are
 * kept in a Map.
 */
export class RefIndex<T extends object> {
  /** Page i holds refs [i * REF_PAGE_SIZE, (i + 1) * REF_PAGE_SIZE); undefined while it holds none. */
  readonly #pages: ((T | undefined)[] | undefined)[];
  /** Values held by each page. */
  readonly #counts: number[];
  readonly #overflow: Map<number, T>;
  #size: number;

  constructor() {
    this.#pages = [];
    this.#counts = [];
    this.#overflow = new Map();
    this.#size = 0;
  }

  /** Number of values held. */
  get size(): number {
    return this.#size;
  }

  /** Pages currently allocated (for tests and memory accounting). */
  get pages(): number {
    let n = 0;
    for (let i = 0; i < this.#pages.length; i++) if (this.#pages[i] !== undefined) n++;
    return n;
  }

  /** The value at ref, or undefined. */
  get(ref: number): T | undefined {
    // One comparison: true only for integers in [0, PAGED_LIMIT).
    if (ref === (ref & (PAGED_LIMIT - 1))) {
      const pi = ref >>> PAGE_BITS;
      const pages = this.#pages;
      if (pi >= pages.length) return undefined;
      const page = pages[pi];
      return page === undefined ? undefined : page[ref & SLOT_MASK];
    }
    return this.#overflow.size === 0 ? undefined : this.#overflow.get(ref);
  }

  /** Whether a value is held at ref. */
  has(ref: number): boolean {
    return this.get(ref) !== undefined;
  }

  /** Puts v at ref (a positive integer), replacing any value there. */
  set(ref: number, v: T): void {
    if (!Number.isSafeInteger(ref) || ref <= 0) throw new Error(`BUG: series ref ${ref} is not a positive integer`);
    if (ref >= PAGED_LIMIT) {
      if (!this.#overflow.has(ref)) this.#size++;
      this.#overflow.set(ref, v);
      return;
    }
    const pi = ref >>> PAGE_BITS;
    const pages = this.#pages;
    while (pages.length <= pi) {
      pages.push(undefined);
      this.#counts.push(0);
    }
    let page = pages[pi];
    if (page === undefined) {
      page = [];
      for (let i = 0; i < REF_PAGE_SIZE; i++) page.push(undefined);
      pages[pi] = page;
    }
    const slot = ref & SLOT_MASK;
    if (page[slot] === undefined) {
      this.#counts[pi]!++;
      this.#size++;
    }
    page[slot] = v;
  }

  /** Removes the value at ref; true if there was one. Drops a page left empty. */
  delete(ref: number): boolean {
    if (ref !== (ref & (PAGED_LIMIT - 1))) {
      if (!this.#overflow.delete(ref)) return false;
      this.#size--;
      return true;
    }
    const pi = ref >>> PAGE_BITS;
    const page = pi < this.#pages.length ? this.#pages[pi] : undefined;
    if (page === undefined || page[ref & SLOT_MASK] === undefined) return false;
    page[ref & SLOT_MASK] = undefined;
    this.#size--;
    if (--this.#counts[pi]! === 0) this.#pages[pi] = undefined;
    return true;
  }

  /** Calls fn for each value held, in ref order; fn must not add or remove values. */
  forEach(fn: (v: T) => void): void {
    const pages = this.#pages;
    for (let pi = 0; pi < pages.length; pi++) {
      const page = pages[pi];
      if (page === undefined) continue;
      for (let i = 0; i < REF_PAGE_SIZE; i++) {
        const v = page[i];
        if (v !== undefined) fn(v);
      }
    }
    if (this.#overflow.size > 0) for (const ref of [...this.#overflow.keys()].sort((x, y) => x - y)) fn(this.#overflow.get(ref)!);
  }

  /** The values held, in ref order (a new array). */
  values(): T[] {
    const out: T[] = [];
    this.forEach((v) => out.push(v));
    return out;
  }
}
