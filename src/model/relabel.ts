/**
 * Relabelling: the `relabel_config` block of Prometheus (model/relabel),
 * its defaults, its validation messages and the rewrite itself.
 *
 * Pure TypeScript without node: imports, so the PromQL parser bundle that
 * pulls in model/ stays browser-safe.
 */

import { Labels, LabelsBuilder, isLegacyLabelName, isValidLabelName, quoteString } from "./labels.ts";
import { compileAnchoredRE2 } from "./re2.ts";

/** The relabel actions, as spelt in YAML. */
export const RelabelAction = {
  Replace: "replace",
  Keep: "keep",
  Drop: "drop",
  KeepEqual: "keepequal",
  DropEqual: "dropequal",
  HashMod: "hashmod",
  LabelMap: "labelmap",
  LabelDrop: "labeldrop",
  LabelKeep: "labelkeep",
  Lowercase: "lowercase",
  Uppercase: "uppercase",
} as const;
/** One of RelabelAction's values. */
export type RelabelAction = (typeof RelabelAction)[keyof typeof RelabelAction];

const ACTIONS: ReadonlySet<string> = new Set(Object.values(RelabelAction));

/**
 * How label names are validated: "utf8" (any non-empty valid UTF-8, the
 * Prometheus 3 default) or "legacy" (`[a-zA-Z_][a-zA-Z0-9_]*`).
 */
export const NameValidationScheme = { UTF8: "utf8", Legacy: "legacy" } as const;
/** One of NameValidationScheme's values. */
export type NameValidationScheme = (typeof NameValidationScheme)[keyof typeof NameValidationScheme];

/** Whether `name` is a valid label name under `scheme`. */
export function isValidLabelNameIn(name: string, scheme: NameValidationScheme): boolean {
  return scheme === NameValidationScheme.Legacy ? isLegacyLabelName(name) : isValidLabelName(name);
}

/** A relabel configuration that breaks one of Prometheus's rules. */
export class RelabelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RelabelConfigError";
  }
}

/**
 * A fully anchored RE2 regex that remembers the pattern it was built from.
 * Compiling throws RegexError (from compileAnchoredRE2) on bad syntax.
 */
export class RelabelRegex {
  /** The pattern as written in the configuration (without anchors). */
  readonly source: string;
  /** The anchored matcher; matches the whole string, `.` matches newlines. */
  readonly re: RegExp;

  constructor(source: string) {
    this.source = source;
    this.re = compileAnchoredRE2(source);
  }

  /** The default regex `(.*)`. Compared by identity, as Prometheus does. */
  static readonly DEFAULT: RelabelRegex = new RelabelRegex("(.*)");
}

/**
 * One relabel rule. `sourceLabels` is null when the field was absent (an
 * explicit empty list is not the same for labeldrop/labelkeep validation).
 * `modulus` is an unsigned 64-bit integer held as a number.
 * `nameValidationScheme` is "" until validation fills it in.
 */
export interface RelabelConfig {
  sourceLabels: string[] | null;
  separator: string;
  regex: RelabelRegex;
  modulus: number;
  targetLabel: string;
  replacement: string;
  action: RelabelAction | "";
  nameValidationScheme: NameValidationScheme | "";
}

/**
 * A relabel config with Prometheus's defaults (action replace, separator
 * ";", regex "(.*)", replacement "$1"), overridden by `fields`.
 */
export function newRelabelConfig(fields: Partial<RelabelConfig> = {}): RelabelConfig {
  return {
    sourceLabels: fields.sourceLabels ?? null,
    separator: fields.separator ?? ";",
    regex: fields.regex ?? RelabelRegex.DEFAULT,
    modulus: fields.modulus ?? 0,
    targetLabel: fields.targetLabel ?? "",
    replacement: fields.replacement ?? "$1",
    action: fields.action ?? RelabelAction.Replace,
    nameValidationScheme: fields.nameValidationScheme ?? "",
  };
}

/**
 * The action named `s` (case-insensitive, as in Prometheus). Throws
 * RelabelConfigError `unknown relabel action "s"`.
 */
export function parseRelabelAction(s: string): RelabelAction {
  const a = s.toLowerCase();
  if (!ACTIONS.has(a)) throw new RelabelConfigError(`unknown relabel action ${quoteString(s)}`);
  return a as RelabelAction;
}

// Legacy label names with ${var}/$var interpolation, from model/relabel.
const RELABEL_TARGET_LEGACY = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/**
 * Checks `c` as Prometheus's relabel.Config.Validate does and throws
 * RelabelConfigError with its message. If `c.nameValidationScheme` is
 * unset it is set to `scheme` first (the config's own scheme wins).
 */
export function validateRelabelConfig(c: RelabelConfig, scheme: NameValidationScheme): void {
  if (c.nameValidationScheme === "") c.nameValidationScheme = scheme;
  const sch = c.nameValidationScheme;
  const a = c.action;
  const fail = (m: string): never => {
    throw new RelabelConfigError(m);
  };
  const q = quoteString;
  if (a === "") fail("relabel action cannot be empty");
  if (c.modulus === 0 && a === RelabelAction.HashMod) fail("relabel configuration for hashmod requires non-zero modulus");
  const needsTarget =
    a === RelabelAction.Replace ||
    a === RelabelAction.HashMod ||
    a === RelabelAction.Lowercase ||
    a === RelabelAction.Uppercase ||
    a === RelabelAction.KeepEqual ||
    a === RelabelAction.DropEqual;
  if (needsTarget && c.targetLabel === "") fail(`relabel configuration for ${a} action requires 'target_label' value`);
  const hasVar = (t: string): boolean => t.includes("$");
  const validWithVars = (v: string): boolean =>
    sch === NameValidationScheme.Legacy ? RELABEL_TARGET_LEGACY.test(v) : isValidLabelNameIn(v, sch);
  if (a === RelabelAction.Replace && !hasVar(c.targetLabel) && !isValidLabelNameIn(c.targetLabel, sch)) {
    fail(`${q(c.targetLabel)} is invalid 'target_label' for ${a} action`);
  }
  if (a === RelabelAction.Replace && hasVar(c.targetLabel) && !validWithVars(c.targetLabel)) {
    fail(`${q(c.targetLabel)} is invalid 'target_label' for ${a} action`);
  }
  const caseOrEqual =
    a === RelabelAction.Lowercase ||
    a === RelabelAction.Uppercase ||
    a === RelabelAction.KeepEqual ||
    a === RelabelAction.DropEqual;
  if (caseOrEqual && !isValidLabelNameIn(c.targetLabel, sch)) {
    fail(`${q(c.targetLabel)} is invalid 'target_label' for ${a} action`);
  }
  if (caseOrEqual && c.replacement !== "$1") fail(`'replacement' can not be set for ${a} action`);
  if (a === RelabelAction.LabelMap && !validWithVars(c.replacement)) {
    fail(`${q(c.replacement)} is invalid 'replacement' for ${a} action`);
  }
  if (a === RelabelAction.HashMod && !isValidLabelNameIn(c.targetLabel, sch)) {
    fail(`${q(c.targetLabel)} is invalid 'target_label' for ${a} action`);
  }
  if (a === RelabelAction.DropEqual || a === RelabelAction.KeepEqual) {
    if (c.regex !== RelabelRegex.DEFAULT || c.modulus !== 0 || c.separator !== ";" || c.replacement !== "$1") {
      fail(`${a} action requires only 'source_labels' and \`target_label\`, and no other fields`);
    }
  }
  if (a === RelabelAction.LabelDrop || a === RelabelAction.LabelKeep) {
    if (c.sourceLabels !== null || c.targetLabel !== "" || c.modulus !== 0 || c.separator !== ";" || c.replacement !== "$1") {
      fail(`${a} action requires only 'regex', and no other fields`);
    }
  }
}

/**
 * Applies `configs` in order to `lset`. Returns the new set, or null when a
 * rule dropped it. Configs are assumed validated.
 */
export function relabel(lset: Labels, configs: readonly RelabelConfig[]): Labels | null {
  const lb = new LabelsBuilder(lset);
  return relabelBuilder(lb, configs) ? lb.labels() : null;
}

/**
 * Like `relabel`, on a caller-owned builder that is mutated in place.
 * Returns false when a rule dropped the set (the builder is then in an
 * unspecified state).
 */
export function relabelBuilder(lb: LabelsBuilder, configs: readonly RelabelConfig[]): boolean {
  for (const c of configs) if (!applyOne(c, lb)) return false;
  return true;
}

function applyOne(c: RelabelConfig, lb: LabelsBuilder): boolean {
  let val = "";
  if (c.sourceLabels !== null) {
    for (let i = 0; i < c.sourceLabels.length; i++) {
      if (i > 0) val += c.separator;
      val += lb.get(c.sourceLabels[i]!);
    }
  }
  const re = c.regex.re;
  switch (c.action) {
    case RelabelAction.Drop:
      return !re.test(val);
    case RelabelAction.Keep:
      return re.test(val);
    case RelabelAction.DropEqual:
      return lb.get(c.targetLabel) !== val;
    case RelabelAction.KeepEqual:
      return lb.get(c.targetLabel) === val;
    case RelabelAction.Replace: {
      // Fast path: a static label set or deleted without a regex.
      if (val === "" && c.regex === RelabelRegex.DEFAULT && !c.targetLabel.includes("$") && !c.replacement.includes("$")) {
        lb.set(c.targetLabel, c.replacement);
        return true;
      }
      const m = re.exec(val);
      if (m === null) return true; // no match, no replacement
      const target = expandTemplate(c.targetLabel, m);
      if (!isValidLabelName(target)) return true;
      const res = expandTemplate(c.replacement, m);
      if (res === "") lb.del(target);
      else lb.set(target, res);
      return true;
    }
    case RelabelAction.Lowercase:
      lb.set(c.targetLabel, val.toLowerCase());
      return true;
    case RelabelAction.Uppercase:
      lb.set(c.targetLabel, val.toUpperCase());
      return true;
    case RelabelAction.HashMod:
      lb.set(c.targetLabel, hashMod(val, c.modulus));
      return true;
    case RelabelAction.LabelMap: {
      // NOTE: matches Prometheus, which iterates a snapshot of the labels.
      const snap = lb.labels();
      for (let i = 0; i < snap.names.length; i++) {
        const m = re.exec(snap.names[i]!);
        if (m !== null) lb.set(expandTemplate(c.replacement, m), snap.values[i]!);
      }
      return true;
    }
    case RelabelAction.LabelDrop:
    case RelabelAction.LabelKeep: {
      const keep = c.action === RelabelAction.LabelKeep;
      const snap = lb.labels();
      for (const n of snap.names) if (re.test(n) !== keep) lb.del(n);
      return true;
    }
    case "":
      throw new Error("BUG: relabel: unvalidated config with empty action");
  }
}

/**
 * Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}` are replaced by the
 * captured text (empty when unmatched or unknown), `$$` is a literal `$`, a
 * malformed reference leaves the `$` as text. A name is the longest run of
 * letters, digits and `_`, so `$1x` refers to a group named "1x".
 */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  let out = "";
  let rest = template;
  for (;;) {
    const i = rest.indexOf("$");
    if (i < 0) break;
    out += rest.slice(0, i);
    rest = rest.slice(i + 1);
    if (rest.startsWith("$")) {
      out += "$";
      rest = rest.slice(1);
      continue;
    }
    const ref = extractRef(rest);
    if (ref === null) {
      out += "$";
      continue;
    }
    rest = ref.rest;
    if (ref.num >= 0) {
      out += m[ref.num] ?? "";
    } else {
      out += m.groups?.[ref.name] ?? "";
    }
  }
  return out + rest;
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

function extractRef(s: string): { name: string; num: number; rest: string } | null {
  let str = s;
  const brace = str.startsWith("{");
  if (brace) str = str.slice(1);
  let i = 0;
  for (const ch of str) {
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === 0) return null;
  const name = str.slice(0, i);
  if (brace) {
    if (str[i] !== "}") return null;
    i++;
  }
  let num = 0;
  for (const ch of name) {
    if (ch < "0" || ch > "9" || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + (ch.charCodeAt(0) - 48);
  }
  if (name[0] === "0" && name.length > 1) num = -1;
  return { name, num, rest: str.slice(i) };
}

/** md5(val), last 8 bytes as a big-endian uint64, modulo `modulus`, in decimal. */
function hashMod(val: string, modulus: number): string {
  const d = md5(new TextEncoder().encode(val));
  let x = 0n;
  for (let i = 8; i < 16; i++) x = (x << 8n) | BigInt(d[i]!);
  return (x % BigInt(modulus)).toString();
}

// MD5 (RFC 1321). Only the hashmod action uses it: once per target and
// relabel rule, never per sample.
const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const MD5_K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

/** The 16-byte MD5 digest of `data`. */
export function md5(data: Uint8Array): Uint8Array {
  const len = data.length;
  const padded = new Uint8Array(((len + 8) >>> 6) * 64 + 64);
  padded.set(data);
  padded[len] = 0x80;
  const dv = new DataView(padded.buffer);
  dv.setUint32(padded.length - 8, (len * 8) >>> 0, true);
  dv.setUint32(padded.length - 4, Math.floor(len / 0x20000000), true);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  const w = new Uint32Array(16);
  for (let off = 0; off < padded.length; off += 64) {
    for (let j = 0; j < 16; j++) w[j] = dv.getUint32(off + j * 4, true);
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const tmp = d;
      d = c;
      c = b;
      const sum = (a + f + MD5_K[i]! + w[g]!) >>> 0;
      const s = MD5_S[(i >>> 4) * 4 + (i % 4)]!;
      b = (b + ((sum << s) | (sum >>> (32 - s)))) >>> 0;
      a = tmp;
    }
    a0 = (a0 + a) >>> 0;
    b0 = (b0 + b) >>> 0;
    c0 = (c0 + c) >>> 0;
    d0 = (d0 + d) >>> 0;
  }
  const out = new Uint8Array(16);
  const ov = new DataView(out.buffer);
  ov.setUint32(0, a0, true);
  ov.setUint32(4, b0, true);
  ov.setUint32(8, c0, true);
  ov.setUint32(12, d0, true);
  return out;
}
