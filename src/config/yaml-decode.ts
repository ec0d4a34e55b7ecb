/**
 * A small strict YAML decoder with go-yaml v2 semantics, the library
 * Prometheus loads its configuration with (UnmarshalStrict):
 *
 * - unknown and repeated fields, and scalars of the wrong kind, are "type
 *   errors": they are collected (decoding goes on with the siblings) and
 *   reported together as `yaml: unmarshal errors:\n  line N: ...`;
 * - a struct whose decoding produced type errors skips its own validation,
 *   as a Go UnmarshalYAML method returns early when `unmarshal` fails;
 * - validation errors abort at once with their plain message
 *   (ConfigError, thrown);
 * - scalars are resolved from their source text for the target type
 *   (YAML 1.1 booleans such as `yes`/`on`, any scalar into a string field),
 *   and a null (`~`, `null`, empty) sets the zero value.
 */

import { Document, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { Node as YamlNode, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";

/** A configuration that cannot be loaded. The message reads like Prometheus's. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** A YAML node after alias resolution; null stands for an absent value. */
export type YNode = Scalar | YAMLMap | YAMLSeq | null;

const NULL_TAG = "tag:yaml.org,2002:null";
const BINARY_TAG = "tag:yaml.org,2002:binary";
const STR_TAG = "tag:yaml.org,2002:str";

/** Decoding state for one document: its type errors and line numbers. */
export class Decoder {
  readonly errors: string[];
  readonly #lines: LineCounter;
  readonly #doc: Document;

  private constructor(doc: Document, lines: LineCounter) {
    this.errors = [];
    this.#doc = doc;
    this.#lines = lines;
  }

  /**
   * Parses `text` and returns the decoder and the root node. Throws
   * ConfigError `yaml: line N: ...` on a syntax error.
   */
  static parse(text: string): { d: Decoder; root: YNode } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { version: "1.1", uniqueKeys: false, lineCounter: lines, merge: false });
    const err = doc.errors[0];
    if (err !== undefined) {
      const line = err.linePos?.[0].line ?? 0;
      throw new ConfigError(`yaml: line ${line}: ${err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    const d = new Decoder(doc, lines);
    return { d, root: d.resolve(doc.contents as YamlNode | null) };
  }

  /** Follows aliases; returns null for an absent node. */
  resolve(n: YamlNode | null | undefined): YNode {
    if (n === null || n === undefined) return null;
    if (isAlias(n)) return this.resolve(n.resolve(this.#doc) as YamlNode | undefined);
    if (isScalar(n) || isMap(n) || isSeq(n)) return n;
    return null;
  }

  /** 1-based line of a node (0 when unknown). */
  line(n: YamlNode | null): number {
    const off = n?.range?.[0];
    return off === undefined ? 0 : this.#lines.linePos(off).line;
  }

  /** Records a type error at `n`. */
  typeError(n: YamlNode | null, msg: string): void {
    this.errors.push(`line ${this.line(n)}: ${msg}`);
  }

  /** Whether `n` is a YAML null (absent, `~`, `null`, empty plain scalar). */
  isNull(n: YNode): boolean {
    if (n === null) return true;
    if (!isScalar(n)) return false;
    if (n.tag === NULL_TAG) return true;
    if (n.tag !== undefined) return false;
    return n.type === "PLAIN" && (src(n) === "" || src(n) === "~" || /^(?:null|Null|NULL)$/.test(src(n)));
  }

  /** The go-yaml short tag of a node, for error messages. */
  shortTag(n: YNode): string {
    if (n === null) return "!!null";
    if (isMap(n)) return "!!map";
    if (isSeq(n)) return "!!seq";
    if (n.tag === BINARY_TAG) return "!!binary";
    if (n.tag === STR_TAG || n.type !== "PLAIN") return "!!str";
    if (this.isNull(n)) return "!!null";
    if (resolveBool(src(n)) !== null) return "!!bool";
    if (resolveInt(src(n)) !== null) return "!!int";
    if (resolveFloat(src(n)) !== null) return "!!float";
    return "!!str";
  }

  /** Records `cannot unmarshal !!tag `value` into T` at `n`. */
  cannot(n: YNode, goType: string): void {
    const v = n !== null && isScalar(n) ? ` \`${truncate(src(n))}\`` : "";
    this.typeError(n, `cannot unmarshal ${this.shortTag(n)}${v} into ${goType}`);
  }

  /**
   * Runs `decode`, then `validate` only if decoding added no type error:
   * the shape of a Go UnmarshalYAML that returns early on `unmarshal` errors.
   */
  checked<T>(decode: () => T, validate: (v: T) => void): T {
    const before = this.errors.length;
    const v = decode();
    if (this.errors.length === before) validate(v);
    return v;
  }

  /**
   * Decodes a mapping into a struct: `fields` maps each allowed key to its
   * handler. Unknown keys give `field k not found in type T`, repeated ones
   * `field k already set in type T` (type errors). Handles `<<` merge keys.
   * Returns false when `n` is null or not a mapping (after recording the
   * type error for the latter).
   */
  struct(n: YNode, goType: string, fields: Readonly<Record<string, (v: YNode) => void>>): boolean {
    if (this.isNull(n)) return false;
    if (!isMap(n)) {
      this.cannot(n, goType);
      return false;
    }
    const seen = new Set<string>();
    for (const p of this.#pairs(n)) {
      const k = this.resolve(p.key as YamlNode | null);
      const name = k !== null && isScalar(k) ? String(src(k)) : "";
      if (seen.has(name)) {
        this.typeError(k, `field ${name} already set in type ${goType}`);
        continue;
      }
      seen.add(name);
      const h = Object.hasOwn(fields, name) ? fields[name] : undefined;
      if (h === undefined) {
        this.typeError(k, `field ${name} not found in type ${goType}`);
        continue;
      }
      h(this.resolve(p.value as YamlNode | null));
    }
    return true;
  }

  /**
   * The key/value pairs of a mapping, in order, as go-yaml sees them:
   * scalar keys only, merge keys (`<<`) expanded with lower precedence.
   */
  #pairs(m: YAMLMap): Pair[] {
    const own: Pair[] = [];
    const merged: Pair[] = [];
    for (const p of m.items) {
      const k = this.resolve(p.key as YamlNode | null);
      if (k !== null && isScalar(k) && k.type === "PLAIN" && src(k) === "<<") {
        const v = this.resolve(p.value as YamlNode | null);
        const srcs = v !== null && isSeq(v) ? v.items.map((i) => this.resolve(i as YamlNode)) : [v];
        for (const s of srcs) if (s !== null && isMap(s)) merged.push(...this.#pairs(s));
        continue;
      }
      own.push(p);
    }
    if (merged.length === 0) return own;
    const names = new Set(own.map((p) => keyText(this.resolve(p.key as YamlNode | null))));
    const out: Pair[] = [];
    const mergedNames = new Set<string>();
    for (const p of merged) {
      const name = keyText(this.resolve(p.key as YamlNode | null));
      if (names.has(name) || mergedNames.has(name)) continue;
      mergedNames.add(name);
      out.push(p);
    }
    return [...out, ...own];
  }

  /** Mapping entries with string keys and raw value nodes (for maps of T). */
  entries(n: YNode, goType: string): Array<[string, YNode, YNode]> | null {
    if (this.isNull(n)) return null;
    if (!isMap(n)) {
      this.cannot(n, goType);
      return null;
    }
    const out: Array<[string, YNode, YNode]> = [];
    for (const p of this.#pairs(n)) {
      const k = this.resolve(p.key as YamlNode | null);
      const ks = this.str(k, "string");
      out.push([ks ?? "", k, this.resolve(p.value as YamlNode | null)]);
    }
    return out;
  }

  /** The elements of a sequence, or null for YAML null. */
  seq(n: YNode, goType: string): YNode[] | null {
    if (this.isNull(n)) return null;
    if (!isSeq(n)) {
      this.cannot(n, goType);
      return null;
    }
    return n.items.map((i) => this.resolve(i as YamlNode));
  }

  /** A list decoded element by element; null for YAML null. */
  list<T>(n: YNode, goType: string, elem: (e: YNode) => T): T[] | null {
    const items = this.seq(n, goType);
    return items === null ? null : items.map(elem);
  }

  /**
   * A string: any non-null scalar, taken from its source text (`!!binary`
   * is base64-decoded; bytes that are not UTF-8 become U+DC80..U+DCFF, so
   * they fail label validation and print as `\xNN`). Null gives null.
   */
  str(n: YNode, goType = "string"): string | null {
    if (this.isNull(n)) return null;
    if (n === null || !isScalar(n)) {
      this.cannot(n, goType);
      return null;
    }
    if (n.tag === BINARY_TAG) return decodeBinary(src(n));
    return src(n);
  }

  /** A bool (YAML 1.1 forms: true/yes/on/y and their negations). */
  bool(n: YNode): boolean | null {
    if (this.isNull(n)) return null;
    const b = n !== null && isScalar(n) && n.type === "PLAIN" && n.tag === undefined ? resolveBool(src(n)) : null;
    if (b === null) this.cannot(n, "bool");
    return b;
  }

  /** An integer of Go type `goType` ("int", "uint", "uint64", "int64"). */
  int(n: YNode, goType: string): number | null {
    if (this.isNull(n)) return null;
    const v = n !== null && isScalar(n) && n.type === "PLAIN" && n.tag === undefined ? resolveInt(src(n)) : null;
    if (v === null || (goType.startsWith("uint") && v < 0)) {
      this.cannot(n, goType);
      return null;
    }
    return v;
  }

  /** A float64 (integers accepted). */
  float(n: YNode): number | null {
    if (this.isNull(n)) return null;
    if (n !== null && isScalar(n) && n.type === "PLAIN" && n.tag === undefined) {
      const i = resolveInt(src(n));
      if (i !== null) return i;
      const f = resolveFloat(src(n));
      if (f !== null) return f;
    }
    this.cannot(n, "float64");
    return null;
  }
}

/** The source text of a scalar (what go-yaml resolves from). */
function src(n: Scalar): string {
  return n.source ?? String(n.value ?? "");
}

function keyText(k: YNode): string {
  return k !== null && isScalar(k) ? String(src(k)) : "";
}

function truncate(s: string): string {
  return s.length > 40 ? s.slice(0, 27) + " ... " + s.slice(-7) : s;
}

/** go-yaml v2's resolve table for booleans. */
function resolveBool(s: string): boolean | null {
  if (/^(?:y|Y|yes|Yes|YES|on|On|ON|true|True|TRUE)$/.test(s)) return true;
  if (/^(?:n|N|no|No|NO|off|Off|OFF|false|False|FALSE)$/.test(s)) return false;
  return null;
}

/** go-yaml v2 integers: strconv.ParseInt(s without "_", 0, 64) and 0b/0o forms. */
function resolveInt(src: string): number | null {
  const s = src.replaceAll("_", "");
  const m = /^([-+]?)(0b[01]+|0o?[0-7]+|0x[0-9a-fA-F]+|[0-9]+)$/.exec(s);
  if (m === null) return null;
  let body = m[2]!;
  let v: bigint;
  if (/^0[0-7]+$/.test(body)) body = "0o" + body.slice(1);
  try {
    v = BigInt(body);
  } catch {
    return null;
  }
  if (m[1] === "-") v = -v;
  if (v > (1n << 64n) - 1n || v < -(1n << 63n)) return null;
  return Number(v);
}

/** go-yaml v2 floats, including .inf and .nan. */
function resolveFloat(s: string): number | null {
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(s)) return NaN;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(s.replaceAll("_", ""))) return Number(s.replaceAll("_", ""));
  return null;
}

/**
 * Strict standard base64 (Go's base64.StdEncoding) into a string where
 * invalid UTF-8 bytes are kept as lone surrogates U+DC80..U+DCFF. Throws
 * ConfigError like go-yaml on bad input.
 */
function decodeBinary(src: string): string {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(src)) {
    throw new ConfigError("yaml: !!binary value contains invalid base64 data");
  }
  const bytes = Buffer.from(src, "base64");
  const dec = new TextDecoder("utf-8", { fatal: true });
  try {
    return dec.decode(bytes);
  } catch {
    let out = "";
    for (let i = 0; i < bytes.length; ) {
      const len = utf8SeqLen(bytes, i);
      if (len === 0) {
        out += String.fromCharCode(0xdc00 + bytes[i]!);
        i++;
      } else {
        out += dec.decode(bytes.subarray(i, i + len));
        i += len;
      }
    }
    return out;
  }
}

function utf8SeqLen(b: Uint8Array, i: number): number {
  const c = b[i]!;
  const need = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
  if (need === 0 || i + need > b.length) return 0;
  for (let k = 1; k < need; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(i, i + need));
    return need;
  } catch {
    return 0;
  }
}

/**
 * Go's %q (strconv.Quote) including invalid UTF-8 kept as U+DC80..U+DCFF,
 * which prints as `\xNN`.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xdc80 && c <= 0xdcff) out += "\\x" + (c - 0xdc00).toString(16).padStart(2, "0");
    else if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}
