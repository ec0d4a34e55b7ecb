/** A single label pair. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

/** The metric name label. */
export const MetricName = "__name__";

// Separator used in keys. A lone low surrogate never occurs in a string
// decoded from valid UTF-8, so it cannot collide with a name or value.
// NOTE: matches Prometheus, which uses the byte 0xff (never valid UTF-8).
const SEP = "\uDFFF";
const SEP_CODE = 0xdfff;
/**
 * The hash field before the first use. The field holds the hash as a signed
 * 32-bit integer, a small integer to V8 (an unsigned one of 2^31 or more
 * would be a boxed number per set); a set whose hash is this value hashes
 * again on each use, with the same result.
 */
const UNHASHED = -1;

/** FNV-1a (32-bit) of s's UTF-16 code units, continuing from h. */
function fnv1a(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * An immutable set of labels sorted by name, with no empty values and no
 * duplicate names. Built only through `LabelsBuilder`, `Labels.from*` or
 * `Labels.EMPTY`. `key` is a string unique to the set (usable as a Map key);
 * `hash` is a 32-bit FNV-1a of the key.
 */
export class Labels {
  /** The empty label set. */
  static readonly EMPTY: Labels = new Labels([], []);

  readonly names: readonly string[];
  readonly values: readonly string[];
  #key: string | null;
  #hash: number;

  private constructor(names: string[], values: string[]) {
    this.names = names;
    this.values = values;
    this.#key = null;
    this.#hash = UNHASHED;
  }

  /** Builds a set from a plain object; empty values are dropped. */
  static fromObject(obj: Readonly<Record<string, string>>): Labels {
    const b = new LabelsBuilder();
    for (const n of Object.keys(obj)) b.set(n, obj[n]!);
    return b.labels();
  }

  /** Builds a set from alternating names and values; empty values are dropped. */
  static fromStrings(...nv: string[]): Labels {
    if (nv.length % 2 !== 0) throw new Error("BUG: Labels.fromStrings needs name/value pairs");
    const b = new LabelsBuilder();
    for (let i = 0; i < nv.length; i += 2) b.set(nv[i]!, nv[i + 1]!);
    return b.labels();
  }

  /**
   * Wraps arrays that are already sorted by name, unique and without empty
   * values. Ownership of the arrays passes to the set. For hot paths that
   * produce sorted output; a violated precondition is a bug.
   */
  static fromSortedUnchecked(names: string[], values: string[]): Labels {
    if (names.length === 0) return Labels.EMPTY;
    return new Labels(names, values);
  }

  /** Number of labels. */
  get length(): number {
    return this.names.length;
  }

  /** The unique key of this set: names and values joined by a separator. */
  get key(): string {
    if (this.#key === null) {
      let k = "";
      for (let i = 0; i < this.names.length; i++) {
        k += this.names[i] + SEP + this.values[i] + SEP;
      }
      this.#key = k;
    }
    return this.#key;
  }

  /**
   * 32-bit FNV-1a hash of `key`, as an unsigned number. Computed from the
   * names and values without building the key: a set that is only hashed
   * (the head's and the scrape cache's, one per series) keeps no key string.
   */
  get hash(): number {
    if (this.#hash === UNHASHED) {
      let h = 0x811c9dc5;
      for (let i = 0; i < this.names.length; i++) {
        h = fnv1a(h, this.names[i]!);
        h = Math.imul(h ^ SEP_CODE, 0x01000193);
        h = fnv1a(h, this.values[i]!);
        h = Math.imul(h ^ SEP_CODE, 0x01000193);
      }
      this.#hash = h | 0;
    }
    return this.#hash >>> 0;
  }

  /** The value of `name`, or "" when absent. */
  get(name: string): string {
    const i = this.indexOf(name);
    return i < 0 ? "" : this.values[i]!;
  }

  /** Whether the set has a label `name`. */
  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** Index of `name` in `names`, or -1. Binary search. */
  indexOf(name: string): number {
    let lo = 0;
    let hi = this.names.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const n = this.names[mid]!;
      if (n === name) return mid;
      if (n < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Whether both sets hold the same pairs. */
  equals(o: Labels): boolean {
    if (this === o) return true;
    if (this.names.length !== o.names.length) return false;
    return this.key === o.key;
  }

  /** Calls fn for each pair in name order. */
  forEach(fn: (name: string, value: string) => void): void {
    for (let i = 0; i < this.names.length; i++) fn(this.names[i]!, this.values[i]!);
  }

  /** The pairs as an array of `{name, value}`. */
  toArray(): Label[] {
    const out: Label[] = [];
    for (let i = 0; i < this.names.length; i++) out.push({ name: this.names[i]!, value: this.values[i]! });
    return out;
  }

  /** The pairs as a plain object (JSON form of the HTTP API). */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.names.length; i++) out[this.names[i]!] = this.values[i]!;
    return out;
  }

  /** A set with the same pairs except `names`. */
  without(...names: string[]): Labels {
    return this.filter((n) => !names.includes(n));
  }

  /** A set with only the pairs whose name is in `names`. */
  keep(names: readonly string[]): Labels {
    return this.filter((n) => names.includes(n));
  }

  /** A set with the pairs for which `pred` holds. */
  filter(pred: (name: string, value: string) => boolean): Labels {
    const ns: string[] = [];
    const vs: string[] = [];
    for (let i = 0; i < this.names.length; i++) {
      if (pred(this.names[i]!, this.values[i]!)) {
        ns.push(this.names[i]!);
        vs.push(this.values[i]!);
      }
    }
    if (ns.length === this.names.length) return this;
    return Labels.fromSortedUnchecked(ns, vs);
  }

  /** The set without `__name__`. */
  dropMetricName(): Labels {
    return this.indexOf(MetricName) < 0 ? this : this.without(MetricName);
  }

  /** A builder starting from this set. */
  builder(): LabelsBuilder {
    return new LabelsBuilder(this);
  }

  /** Prometheus's text form: `name{a="b", c="d"}` with Go string quoting. */
  toString(): string {
    let s = "{";
    for (let i = 0; i < this.names.length; i++) {
      if (i > 0) s += ", ";
      s += formatLabelName(this.names[i]!) + "=" + quoteString(this.values[i]!);
    }
    return s + "}";
  }
}

/**
 * The union of two sets that share no label name, merged in one pass with
 * its arrays allocated at their final length; null when a name is in both.
 */
export function mergeDisjoint(a: Labels, b: Labels): Labels | null {
  const an = a.names;
  const av = a.values;
  const bn = b.names;
  const bv = b.values;
  const n = an.length + bn.length;
  const names = new Array<string>(n);
  const values = new Array<string>(n);
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    if (j >= bn.length || (i < an.length && an[i]! < bn[j]!)) {
      names[k] = an[i]!;
      values[k] = av[i++]!;
    } else if (i >= an.length || bn[j]! < an[i]!) {
      names[k] = bn[j]!;
      values[k] = bv[j++]!;
    } else {
      return null;
    }
  }
  return Labels.fromSortedUnchecked(names, values);
}

/** Compares two sets the way Prometheus's labels.Compare does. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.names.length, b.names.length);
  for (let i = 0; i < n; i++) {
    const an = a.names[i]!;
    const bn = b.names[i]!;
    if (an !== bn) return an < bn ? -1 : 1;
    const av = a.values[i]!;
    const bv = b.values[i]!;
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return a.names.length - b.names.length;
}

/**
 * Builds a label set by setting and deleting names. Setting an empty value
 * deletes. `labels()` may be called repeatedly.
 */
export class LabelsBuilder {
  #base: Labels;
  #set: Map<string, string>;
  #del: Set<string>;

  constructor(base: Labels = Labels.EMPTY) {
    this.#base = base;
    this.#set = new Map();
    this.#del = new Set();
  }

  /** Starts over from `base`. */
  reset(base: Labels): this {
    this.#base = base;
    // Clearing allocates a new table even when empty.
    if (this.#set.size > 0) this.#set.clear();
    if (this.#del.size > 0) this.#del.clear();
    return this;
  }

  /** Sets a label; an empty value deletes it. */
  set(name: string, value: string): this {
    if (value === "") return this.del(name);
    this.#set.set(name, value);
    this.#del.delete(name);
    return this;
  }

  /** Deletes labels. */
  del(...names: string[]): this {
    for (const n of names) {
      this.#set.delete(n);
      this.#del.add(n);
    }
    return this;
  }

  /** Keeps only the given names. */
  keep(...names: string[]): this {
    const k = new Set(names);
    this.#base.forEach((n) => {
      if (!k.has(n)) this.del(n);
    });
    for (const n of [...this.#set.keys()]) if (!k.has(n)) this.del(n);
    return this;
  }

  /** The current value of `name`, or "". */
  get(name: string): string {
    if (this.#set.has(name)) return this.#set.get(name)!;
    if (this.#del.has(name)) return "";
    return this.#base.get(name);
  }

  /**
   * The resulting sorted set: the base (sorted already) less the names
   * deleted or set, merged with the names set, sorted; the arrays are
   * allocated at their final length.
   */
  labels(): Labels {
    const set = this.#set;
    const del = this.#del;
    const base = this.#base;
    if (set.size === 0 && del.size === 0) return base;
    const add = sortedKeys(set);
    const bn = base.names;
    const bv = base.values;
    let n = add.length;
    for (let i = 0; i < bn.length; i++) if (!del.has(bn[i]!) && !set.has(bn[i]!)) n++;
    const names = new Array<string>(n);
    const values = new Array<string>(n);
    let i = 0;
    let j = 0;
    for (let k = 0; k < n; ) {
      const b = i < bn.length ? bn[i]! : null;
      if (b !== null && (j >= add.length || b < add[j]!)) {
        if (!del.has(b) && !set.has(b)) {
          names[k] = b;
          values[k++] = bv[i]!;
        }
        i++;
      } else {
        // A base label of the same name is skipped above when its turn comes.
        const a = add[j++]!;
        names[k] = a;
        values[k++] = set.get(a)!;
      }
    }
    return Labels.fromSortedUnchecked(names, values);
  }
}

/** Keys a builder sorts by insertion rather than with Array.prototype.sort, whose set-up costs more for a few. */
const INSERTION_SORT_MAX = 16;

/** The keys of m, sorted (by UTF-16 code units, as the default sort). */
function sortedKeys(m: Map<string, string>): string[] {
  const keys = [...m.keys()];
  if (keys.length > INSERTION_SORT_MAX) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > k; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = k;
  }
  return keys;
}

/** Go's strconv.Quote for the printable subset used in label values. */
export function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\x07":
        out += "\\a";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      case "\v":
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
        // A lone U+DC80..U+DCFF stands for an invalid UTF-8 byte (see the
        // PromQL string decoder); Go prints such a byte as \xNN.
        else if (c >= 0xdc80 && c <= 0xdcff) out += "\\x" + (c - 0xdc00).toString(16).padStart(2, "0");
        else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd";
        else out += ch;
    }
  }
  return out + '"';
}

const legacyName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const legacyMetricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Whether `n` is a label name in the legacy (pre-UTF-8) character set. */
export function isLegacyLabelName(n: string): boolean {
  return legacyName.test(n);
}

/** Whether `n` is a metric name in the legacy character set. */
export function isLegacyMetricName(n: string): boolean {
  return legacyMetricName.test(n);
}

/** Whether `n` is a valid UTF-8 label name (non-empty, well-formed). */
export function isValidLabelName(n: string): boolean {
  return n.length > 0 && n.isWellFormed();
}

/** A label name as PromQL prints it: bare if legacy, quoted otherwise. */
export function formatLabelName(n: string): string {
  return isLegacyLabelName(n) ? n : quoteString(n);
}
