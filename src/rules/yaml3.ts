/**
 * A small YAML decoder with go-yaml v3 semantics, the library Prometheus
 * reads rule files with (yaml.Decoder with KnownFields):
 *
 * - type errors (unknown fields, repeated mapping keys, a mapping where a
 *   string is expected, ...) are collected and decoding goes on with the
 *   siblings; they are reported together as
 *   `yaml: unmarshal errors:\n  line N: ...`;
 * - an error from a custom unmarshaler (a bad duration) aborts decoding at
 *   once with its own message (Yaml3FatalError, thrown);
 * - any scalar decodes into a string field; a null (`~`, `null`, empty)
 *   leaves the zero value;
 * - positions are go-yaml's: 1-based line and column of the node.
 */

import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from "yaml";
import type { Document, Node as YamlNode, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { quoteString } from "../model/index.ts";

/** A node after alias resolution; null stands for an absent value. */
export type YNode = Scalar | YAMLMap | YAMLSeq | null;

/** A position in the source, as go-yaml's Node.Line and Node.Column (0:0 when absent). */
export interface NodePos {
  line: number;
  column: number;
}

/** The position of an absent node, as go-yaml prints a zero Node. */
export const NO_POS: NodePos = { line: 0, column: 0 };

/** A YAML syntax error or an error that aborts decoding, with go-yaml's text. */
export class Yaml3FatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Yaml3FatalError";
  }
}

/** The type errors of one decoding, printed as go-yaml's yaml.TypeError. */
export class Yaml3TypeError extends Error {
  /** Each `line N: ...` entry, in document order. */
  readonly errors: readonly string[];

  constructor(errors: readonly string[]) {
    super(`yaml: unmarshal errors:\n  ${errors.join("\n  ")}`);
    this.name = "Yaml3TypeError";
    this.errors = errors;
  }
}

/** One entry of a decoded mapping: key text, the key node, the resolved value and the raw value (for positions). */
export interface MapEntry {
  key: string;
  keyNode: YNode;
  value: YNode;
  raw: YamlNode | null;
}

/** Decoding state for one document: its type errors and positions. */
export class Yaml3Decoder {
  readonly errors: string[];
  readonly #doc: Document | null;
  readonly #lines: LineCounter;

  private constructor(doc: Document | null, lines: LineCounter) {
    this.errors = [];
    this.#doc = doc;
    this.#lines = lines;
  }

  /**
   * Parses the first document of `text` (go-yaml's Decoder reads one) and
   * returns the decoder and its root (null for an empty input). Throws
   * Yaml3FatalError `yaml: line N: ...` on a syntax error.
   */
  static parse(text: string): { d: Yaml3Decoder; root: YNode } {
    const lines = new LineCounter();
    const docs = parseAllDocuments(text, { schema: "failsafe", uniqueKeys: false, merge: false, lineCounter: lines });
    // go-yaml's Decoder reads one document: later ones are not even parsed.
    const first = docs[0];
    if (first === undefined) return { d: new Yaml3Decoder(null, lines), root: null };
    const err = first.errors[0];
    if (err !== undefined) {
      const line = err.linePos?.[0].line ?? 0;
      const msg = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      throw new Yaml3FatalError(`yaml: line ${line}: ${msg}`);
    }
    const d = new Yaml3Decoder(first, lines);
    return { d, root: d.resolve((first.contents ?? null) as YamlNode | null) };
  }

  /** Follows aliases; null for an absent node. Throws Yaml3FatalError for an unknown anchor. */
  resolve(n: YamlNode | null | undefined): YNode {
    if (n === null || n === undefined) return null;
    if (isAlias(n)) {
      const target = this.#doc === null ? undefined : (n.resolve(this.#doc) as YamlNode | undefined);
      if (target === undefined) throw new Yaml3FatalError(`yaml: unknown anchor '${n.source}' referenced`);
      return this.resolve(target);
    }
    if (isScalar(n) || isMap(n) || isSeq(n)) return n;
    return null;
  }

  /** go-yaml's line and column of a node as written (an alias's own position). */
  pos(n: YamlNode | null | undefined): NodePos {
    const off = n?.range?.[0];
    if (off === undefined) return NO_POS;
    const p = this.#lines.linePos(off);
    return { line: p.line, column: p.col };
  }

  /** Records a type error at `n`. */
  typeError(n: YamlNode | null, msg: string): void {
    this.errors.push(`line ${this.pos(n).line}: ${msg}`);
  }

  /** Whether `n` is a YAML null (absent, `~`, `null`, empty plain scalar). */
  isNull(n: YNode): boolean {
    if (n === null) return true;
    if (!isScalar(n)) return false;
    if (n.type !== "PLAIN") return false;
    if (n.tag !== undefined && n.tag !== "tag:yaml.org,2002:null") return false;
    const v = text(n);
    return v === "" || v === "~" || v === "null" || v === "Null" || v === "NULL";
  }

  /** go-yaml v3's short tag of a node, for error messages. */
  shortTag(n: YNode): string {
    if (n === null) return "!!null";
    if (isMap(n)) return "!!map";
    if (isSeq(n)) return "!!seq";
    if (n.type !== "PLAIN") return "!!str";
    if (this.isNull(n)) return "!!null";
    const v = text(n);
    if (/^(?:true|True|TRUE|false|False|FALSE)$/.test(v)) return "!!bool";
    if (resolveInt(v) !== null) return "!!int";
    if (resolveFloat(v) !== null) return "!!float";
    return "!!str";
  }

  /** Records `cannot unmarshal !!tag `value` into T` at `n` (go-yaml v3's terror). */
  cannot(n: YNode, goType: string): void {
    let v = "";
    if (n !== null && isScalar(n)) {
      const s = text(n);
      v = s.length > 10 ? ` \`${s.slice(0, 7)}...\`` : ` \`${s}\``;
    }
    this.typeError(n, `cannot unmarshal ${this.shortTag(n)}${v} into ${goType}`);
  }

  /** A string field: any scalar's text; "" for null; null (after a type error) for a collection. */
  str(n: YNode, goType = "string"): string | null {
    if (this.isNull(n)) return "";
    if (n !== null && isScalar(n)) return text(n);
    this.cannot(n, goType);
    return null;
  }

  /** An int field: integers (and integral floats) only; 0 for null or after a type error. */
  int(n: YNode): number {
    if (this.isNull(n)) return 0;
    if (n !== null && isScalar(n) && n.type === "PLAIN") {
      const s = text(n);
      const i = resolveInt(s);
      if (i !== null) return i;
      const f = resolveFloat(s);
      if (f !== null && Number.isFinite(f)) return Math.trunc(f);
    }
    this.cannot(n, "int");
    return 0;
  }

  /**
   * The entries of a mapping in order, as go-yaml v3 sees them: a mapping
   * with repeated keys is reported (`mapping key "k" already defined at line
   * N`) and skipped; merge keys (`<<`) are expanded with lower precedence.
   * Returns null for YAML null, and for a non-mapping after recording
   * `cannot unmarshal ... into goType`.
   */
  mapping(n: YNode, goType: string): MapEntry[] | null {
    if (this.isNull(n)) return null;
    if (n === null || !isMap(n)) {
      this.cannot(n, goType);
      return null;
    }
    const before = this.errors.length;
    const items = n.items;
    for (let i = 0; i < items.length; i++) {
      const ki = items[i]!.key as YamlNode | null;
      for (let j = i + 1; j < items.length; j++) {
        const kj = items[j]!.key as YamlNode | null;
        if (sameKey(ki, kj)) {
          this.errors.push(
            `line ${this.pos(kj).line}: mapping key ${quoteString(rawKeyText(kj))} already defined at line ${this.pos(ki).line}`,
          );
        }
      }
    }
    if (this.errors.length > before) return null;
    return this.#entries(n);
  }

  #entries(m: YAMLMap): MapEntry[] {
    const own: MapEntry[] = [];
    const merged: MapEntry[] = [];
    for (const p of m.items) {
      const rawKey = p.key as YamlNode | null;
      const k = this.resolve(rawKey);
      const raw = (p.value ?? null) as YamlNode | null;
      if (k !== null && isScalar(k) && k.type === "PLAIN" && text(k) === "<<") {
        const v = this.resolve(raw);
        const srcs = v !== null && isSeq(v) ? v.items.map((i) => this.resolve(i as YamlNode)) : [v];
        for (const s of srcs) {
          if (s !== null && isMap(s)) merged.push(...this.#entries(s));
          else this.typeError(raw, "map merge requires map or sequence of maps as the value");
        }
        continue;
      }
      let key: string;
      if (k !== null && isScalar(k)) key = text(k);
      else if (k === null) key = "";
      else {
        this.cannot(k, "string");
        continue;
      }
      own.push({ key, keyNode: k, value: this.resolve(raw), raw });
    }
    if (merged.length === 0) return own;
    const names = new Set(own.map((e) => e.key));
    const out: MapEntry[] = [];
    for (const e of merged) {
      if (names.has(e.key)) continue;
      names.add(e.key);
      out.push(e);
    }
    return [...out, ...own];
  }

  /** The elements of a sequence (resolved, with raw nodes), or null for YAML null or a type error. */
  seq(n: YNode, goType: string): Array<{ value: YNode; raw: YamlNode | null }> | null {
    if (this.isNull(n)) return null;
    if (n === null || !isSeq(n)) {
      this.cannot(n, goType);
      return null;
    }
    return n.items.map((i) => {
      const raw = (i ?? null) as YamlNode | null;
      return { value: this.resolve(raw), raw };
    });
  }

  /** A map[string]string field; null for YAML null or a type error. */
  stringMap(n: YNode): Map<string, string> | null {
    const entries = this.mapping(n, "map[string]string");
    if (entries === null) return null;
    const out = new Map<string, string>();
    for (const e of entries) {
      const v = this.str(e.value);
      out.set(e.key, v ?? "");
    }
    return out;
  }
}

/** The text of a scalar (the failsafe schema keeps every scalar a string). */
function text(n: Scalar): string {
  const v = n.value;
  return v === null || v === undefined ? "" : String(v);
}

function rawKeyText(n: YamlNode | null): string {
  if (n === null) return "";
  if (isScalar(n)) return text(n);
  if (isAlias(n)) return n.source;
  return "";
}

function sameKey(a: YamlNode | null, b: YamlNode | null): boolean {
  if (a === null || b === null) return a === b;
  if (isScalar(a) && isScalar(b)) return text(a) === text(b);
  if (isAlias(a) && isAlias(b)) return a.source === b.source;
  return false;
}

/** go-yaml v3 integers: decimal, 0b, 0o, 0x, with sign and underscores; null otherwise. */
function resolveInt(src: string): number | null {
  const s = src.replaceAll("_", "");
  const m = /^([-+]?)(0b[01]+|0o[0-7]+|0x[0-9a-fA-F]+|[0-9]+)$/.exec(s);
  if (m === null) return null;
  let v: bigint;
  try {
    v = BigInt(m[2]!);
  } catch {
    return null;
  }
  if (m[1] === "-") v = -v;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) return null;
  return Number(v);
}

/** go-yaml v3 floats, including .inf and .nan; null otherwise. */
function resolveFloat(s: string): number | null {
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(s)) return NaN;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
  return null;
}
