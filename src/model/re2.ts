// RE2 (Go regexp/syntax) patterns translated into JavaScript RegExps.
//
// Prometheus compiles a matcher regex as `^(?s:re)$` with Go's regexp, whose
// syntax differs from JavaScript's: some constructs are rejected by one and
// accepted by the other, some mean different things (`\s`, `[^]`, `\Q..\E`,
// `(?i:..)`, `{` as a literal, a `]` first in a class...). So the pattern is
// parsed here with Go's rules (same errors, same texts) into a small tree,
// and the tree is printed as a JavaScript pattern that uses only the safe
// subset of JS syntax (the `u` flag, explicit code point ranges, no `i` and
// no `m` flag: case folding and multi-line anchors are spelled out).
//
// Capture groups keep Go's numbering and names, and greediness (including
// (?U)) is kept, so `exec` yields Go's submatches (relabeling and
// label_replace expand them). Both engines are leftmost-first backtracking
// semantics; they can differ only in which empty iteration a loop stops at.
// The matcher path (fast-regex.ts) prints without captures, which is
// faster and changes nothing about whether the text matches.

/** An RE2 pattern that cannot be compiled. Message reads like Go's regexp errors. */
export class RegexError extends Error {
  readonly pattern: string;
  constructor(message: string, pattern: string) {
    super(message);
    this.name = "RegexError";
    this.pattern = pattern;
  }
}

/** Go's regexp/syntax error codes (the text between "error parsing regexp: " and the quoted expression). */
export const RE2ErrorCode = {
  InvalidCharClass: "invalid character class",
  InvalidCharRange: "invalid character class range",
  InvalidEscape: "invalid escape sequence",
  InvalidNamedCapture: "invalid named capture",
  InvalidPerlOp: "invalid or unsupported Perl syntax",
  InvalidRepeatOp: "invalid nested repetition operator",
  InvalidRepeatSize: "invalid repeat count",
  InvalidUTF8: "invalid UTF-8",
  MissingBracket: "missing closing ]",
  MissingParen: "missing closing )",
  MissingRepeatArgument: "missing argument to repetition operator",
  TrailingBackslash: "trailing backslash at end of expression",
  UnexpectedParen: "unexpected )",
  NestingDepth: "expression nests too deeply",
  Large: "expression too large",
} as const;
export type RE2ErrorCode = (typeof RE2ErrorCode)[keyof typeof RE2ErrorCode];

function fail(code: RE2ErrorCode, expr: string, pattern: string): never {
  // NOTE: matches Go's (*syntax.Error).Error(): the expression is always quoted, even when empty.
  throw new RegexError(`error parsing regexp: ${code}: \`${expr}\``, pattern);
}

const MAX_RUNE = 0x10ffff;
/** Largest count in x{n,m}, and largest product of nested counts (Go's maxRepeat). */
const MAX_REPEAT = 1000;
/** Go's maxHeight: deeper parse trees are rejected. */
const MAX_HEIGHT = 1000;
/** Go's maxSize: 128 MiB of 40-byte instructions. */
const MAX_SIZE = Math.floor((128 << 20) / 40);

// ---------------------------------------------------------------------------
// Code point range sets: flat sorted arrays [lo0, hi0, lo1, hi1, ...].

function cleanRanges(r: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i]!, r[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) {
      if (hi > out[n - 1]!) out[n - 1] = hi;
    } else {
      out.push(lo, hi);
    }
  }
  return out;
}

function negateRanges(r: number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < r.length; i += 2) {
    if (next <= r[i]! - 1) out.push(next, r[i]! - 1);
    next = r[i + 1]! + 1;
  }
  if (next <= MAX_RUNE) out.push(next, MAX_RUNE);
  return out;
}

// ---------------------------------------------------------------------------
// Simple case folding. Go's (?i) matches a rune against its whole orbit under
// Unicode simple case folding (unicode.SimpleFold). The orbits are derived
// once, lazily, from the JS engine: candidates come from toLowerCase and
// toUpperCase, and a pair is kept only if a case-insensitive backreference
// (which compares simple case foldings in `u` mode) says they are equivalent.
// That drops full-mapping-only pairs such as ı/I, exactly as Go does.

interface FoldTables {
  /** Orbit (sorted, length >= 2) of each code point that has case variants. */
  orbit: Map<number, number[]>;
  /** Sorted code points with a non-trivial orbit. */
  cased: Int32Array;
}

let foldTables: FoldTables | null = null;

function getFoldTables(): FoldTables {
  if (foldTables !== null) return foldTables;
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: number, b: number): void => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  const sameFold = /^(.)\1$/isu;
  // Go's minFold..maxFold: no code point outside this range has case variants.
  for (let cp = 0x41; cp <= 0x1e943; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const s = String.fromCodePoint(cp);
    for (const t of [s.toLowerCase(), s.toUpperCase()]) {
      if (t === s) continue;
      const tc = t.codePointAt(0)!;
      if (t.length !== (tc > 0xffff ? 2 : 1)) continue; // a full (multi-character) mapping
      if (sameFold.test(s + t)) union(cp, tc);
    }
  }
  const groups = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const r = find(cp);
    let g = groups.get(r);
    if (g === undefined) groups.set(r, (g = []));
    g.push(cp);
  }
  const orbit = new Map<number, number[]>();
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    g.sort((a, b) => a - b);
    for (const cp of g) orbit.set(cp, g);
  }
  const cased = Int32Array.from(orbit.keys()).sort();
  foldTables = { orbit, cased };
  return foldTables;
}

/**
 * The code points equivalent to `cp` under simple case folding, sorted,
 * including `cp` itself (a single element when it has no case variants).
 */
export function foldOrbit(cp: number): readonly number[] {
  if (cp < 0x41 || cp > 0x1e943) return [cp];
  return getFoldTables().orbit.get(cp) ?? [cp];
}

/** Adds to `r` the case variants of every code point in `r`. Returns a clean set. */
function foldRanges(r: number[]): number[] {
  const { cased, orbit } = getFoldTables();
  const out = r.slice();
  for (let i = 0; i < r.length; i += 2) {
    const lo = r[i]!;
    const hi = r[i + 1]!;
    // First cased code point >= lo.
    let a = 0;
    let b = cased.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (cased[m]! < lo) a = m + 1;
      else b = m;
    }
    for (let j = a; j < cased.length && cased[j]! <= hi; j++) {
      for (const f of orbit.get(cased[j]!)!) out.push(f, f);
    }
  }
  return cleanRanges(out);
}

// ---------------------------------------------------------------------------
// Character classes.

/** Union of ranges and JS property escapes, or its negation. */
interface ClassPart {
  ranges: number[];
  /** Escapes valid inside a JS `u` class: `\p{...}` or `\P{...}`. */
  props: string[];
}

/**
 * A character class: (ranges ∪ props ∪ ¬negParts[0] ∪ ...), negated as a
 * whole when `negated`. The negated parts only appear for a negated Unicode
 * class under (?i) whose case closure is larger than the class itself.
 */
export interface CharClass {
  readonly ranges: number[];
  readonly props: string[];
  readonly negParts: ClassPart[];
  readonly negated: boolean;
}

const ANY_CLASS: CharClass = { ranges: [0, MAX_RUNE], props: [], negParts: [], negated: false };
const ANY_NOT_NL_CLASS: CharClass = { ranges: [0, 9, 11, MAX_RUNE], props: [], negParts: [], negated: false };

/** Whether the class is exactly "any code point" (RE2's `.` under (?s)). */
export function isAnyCharClass(c: CharClass): boolean {
  return !c.negated && c.props.length === 0 && c.negParts.length === 0 && c.ranges.length === 2 && c.ranges[0] === 0 && c.ranges[1] === MAX_RUNE;
}

// Perl and POSIX groups (Go's perl_groups.go): ASCII only.
const DIGIT = [0x30, 0x39];
const SPACE = [0x9, 0xa, 0xc, 0xd, 0x20, 0x20];
const WORD = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
const PERL_GROUPS: Record<string, number[]> = { d: DIGIT, s: SPACE, w: WORD };
const POSIX_GROUPS: Record<string, number[]> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x0, 0x7f],
  blank: [0x9, 0x9, 0x20, 0x20],
  cntrl: [0x0, 0x1f, 0x7f, 0x7f],
  digit: DIGIT,
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x9, 0xd, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: WORD,
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

// Unicode classes accepted by Go's \p{...}: general categories (one or two
// letters, plus their long aliases), scripts, and Any/ASCII/Assigned. Names
// are compared ignoring case, spaces, underscores and hyphens (Go 1.25).
// NOTE: matches Go, whose category C is Cc|Cf|Co|Cs (no unassigned Cn).
const CATEGORIES = [
  "Cc", "Cf", "Cn", "Co", "Cs", "L", "LC", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
  "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
  "Z", "Zl", "Zp", "Zs",
];
const CATEGORY_ALIASES: Record<string, string> = {
  Cased_Letter: "LC", Close_Punctuation: "Pe", Combining_Mark: "M", Connector_Punctuation: "Pc",
  Control: "Cc", Currency_Symbol: "Sc", Dash_Punctuation: "Pd", Decimal_Number: "Nd",
  Enclosing_Mark: "Me", Final_Punctuation: "Pf", Format: "Cf", Initial_Punctuation: "Pi",
  Letter: "L", Letter_Number: "Nl", Line_Separator: "Zl", Lowercase_Letter: "Ll", Mark: "M",
  Math_Symbol: "Sm", Modifier_Letter: "Lm", Modifier_Symbol: "Sk", Nonspacing_Mark: "Mn",
  Number: "N", Open_Punctuation: "Ps", Other: "C", Other_Letter: "Lo", Other_Number: "No",
  Other_Punctuation: "Po", Other_Symbol: "So", Paragraph_Separator: "Zp", Private_Use: "Co",
  Punctuation: "P", Separator: "Z", Space_Separator: "Zs", Spacing_Mark: "Mc", Surrogate: "Cs",
  Symbol: "S", Titlecase_Letter: "Lt", Unassigned: "Cn", Uppercase_Letter: "Lu", cntrl: "Cc",
  digit: "Nd", punct: "P",
};
/** Go's unicode.Scripts keys (Unicode 15.0.0), which JS accepts as Script values. */
export const RE2_SCRIPTS: readonly string[] = [
  "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese", "Bamum",
  "Bassa_Vah", "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid",
  "Canadian_Aboriginal", "Carian", "Caucasian_Albanian", "Chakma", "Cham", "Cherokee", "Chorasmian",
  "Common", "Coptic", "Cuneiform", "Cypriot", "Cypro_Minoan", "Cyrillic", "Deseret", "Devanagari",
  "Dives_Akuru", "Dogra", "Duployan", "Egyptian_Hieroglyphs", "Elbasan", "Elymaic", "Ethiopic",
  "Georgian", "Glagolitic", "Gothic", "Grantha", "Greek", "Gujarati", "Gunjala_Gondi", "Gurmukhi",
  "Han", "Hangul", "Hanifi_Rohingya", "Hanunoo", "Hatran", "Hebrew", "Hiragana", "Imperial_Aramaic",
  "Inherited", "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese", "Kaithi", "Kannada",
  "Katakana", "Kawi", "Kayah_Li", "Kharoshthi", "Khitan_Small_Script", "Khmer", "Khojki", "Khudawadi",
  "Lao", "Latin", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian", "Mahajani",
  "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi", "Medefaidrin",
  "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi",
  "Mongolian", "Mro", "Multani", "Myanmar", "Nabataean", "Nag_Mundari", "Nandinagari", "New_Tai_Lue",
  "Newa", "Nko", "Nushu", "Nyiakeng_Puachue_Hmong", "Ogham", "Ol_Chiki", "Old_Hungarian", "Old_Italic",
  "Old_North_Arabian", "Old_Permic", "Old_Persian", "Old_Sogdian", "Old_South_Arabian", "Old_Turkic",
  "Old_Uyghur", "Oriya", "Osage", "Osmanya", "Pahawh_Hmong", "Palmyrene", "Pau_Cin_Hau", "Phags_Pa",
  "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic", "Samaritan", "Saurashtra", "Sharada", "Shavian",
  "Siddham", "SignWriting", "Sinhala", "Sogdian", "Sora_Sompeng", "Soyombo", "Sundanese",
  "Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tamil",
  "Tangsa", "Tangut", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta", "Toto", "Ugaritic",
  "Vai", "Vithkuqi", "Wancho", "Warang_Citi", "Yezidi", "Yi", "Zanabazar_Square",
];

/** A named Unicode class: either explicit ranges or a union of JS property names (positive). */
type UnicodeTable = { ranges: number[] } | { props: string[]; invert: boolean };

let unicodeTables: Map<string, UnicodeTable> | null = null;

function canonicalName(name: string): string {
  return name.replace(/[ _-]/g, "").toLowerCase();
}

function lookupUnicodeTable(name: string): UnicodeTable | undefined {
  if (unicodeTables === null) {
    const m = new Map<string, UnicodeTable>();
    m.set("any", { ranges: [0, MAX_RUNE] });
    m.set("ascii", { ranges: [0, 0x7f] });
    m.set("assigned", { props: ["Cn"], invert: true });
    for (const c of CATEGORIES) m.set(canonicalName(c), { props: [c], invert: false });
    m.set("c", { props: ["Cc", "Cf", "Co", "Cs"], invert: false });
    for (const [alias, c] of Object.entries(CATEGORY_ALIASES)) m.set(canonicalName(alias), m.get(canonicalName(c))!);
    for (const s of RE2_SCRIPTS) m.set(canonicalName(s), { props: [`Script=${s}`], invert: false });
    unicodeTables = m;
  }
  return unicodeTables.get(canonicalName(name));
}

/** Code points outside the JS property union `props` that fold to a code point inside it. */
function foldExtras(props: string[]): number[] {
  const re = new RegExp(`^[${props.map((p) => `\\p{${p}}`).join("")}]$`, "u");
  const { cased, orbit } = getFoldTables();
  const out: number[] = [];
  for (const cp of cased) {
    if (!re.test(String.fromCodePoint(cp))) continue;
    for (const f of orbit.get(cp)!) if (!re.test(String.fromCodePoint(f))) out.push(f, f);
  }
  return cleanRanges(out);
}

/** Accumulates the items of one class as Go's parseClass does. */
class ClassBuilder {
  ranges: number[];
  props: string[];
  negParts: ClassPart[];
  readonly fold: boolean;

  constructor(fold: boolean) {
    this.ranges = [];
    this.props = [];
    this.negParts = [];
    this.fold = fold;
  }

  addRange(lo: number, hi: number): void {
    this.ranges.push(...(this.fold ? foldRanges([lo, hi]) : [lo, hi]));
  }

  /** A Perl/POSIX/ASCII group: folded first, then negated (Go's appendGroup). */
  addGroup(r: number[], negate: boolean): void {
    let x = this.fold ? foldRanges(r) : r;
    if (negate) x = negateRanges(cleanRanges(x));
    this.ranges.push(...x);
  }

  addUnicode(table: UnicodeTable, negate: boolean): void {
    if ("ranges" in table) {
      this.addGroup(table.ranges, negate);
      return;
    }
    const sign = negate !== table.invert;
    const extras = this.fold ? foldExtras(table.props) : [];
    if (!sign) {
      this.props.push(...table.props.map((p) => `\\p{${p}}`));
      this.ranges.push(...extras);
    } else if (table.props.length === 1 && extras.length === 0) {
      this.props.push(`\\P{${table.props[0]}}`);
    } else {
      this.negParts.push({ ranges: extras, props: table.props.map((p) => `\\p{${p}}`) });
    }
  }

  build(negated: boolean): CharClass {
    const ranges = cleanRanges(this.ranges);
    if (this.props.length === 0 && this.negParts.length === 0) {
      // Pure range classes are negated here, so `[^\n]` and friends stay simple.
      return { ranges: negated ? negateRanges(ranges) : ranges, props: [], negParts: [], negated: false };
    }
    return { ranges, props: this.props, negParts: this.negParts, negated };
  }
}

// ---------------------------------------------------------------------------
// Parse tree.

/** Zero-width assertions. bot/eot: text start/end; bol/eol: (?m) line start/end; wb/nwb: \b, \B. */
export type RE2Assertion = "bot" | "eot" | "bol" | "eol" | "wb" | "nwb";

/**
 * A parsed RE2 pattern. `lit` with `fold` matches the code point's case
 * orbit; `rep` has max -1 for "no upper bound" and `op` records which
 * operator built it (`*`, `+`, `?` or `{`), as Go's size limits depend on it.
 */
export type RE2Node =
  | { readonly kind: "lit"; readonly cp: number; readonly fold: boolean; readonly size: number; readonly height: number }
  | { readonly kind: "class"; readonly cls: CharClass; readonly size: number; readonly height: number }
  | { readonly kind: "empty"; readonly size: number; readonly height: number }
  | { readonly kind: "assert"; readonly what: RE2Assertion; readonly size: number; readonly height: number }
  | { readonly kind: "cap"; readonly name: string; readonly sub: RE2Node; readonly size: number; readonly height: number }
  | {
      readonly kind: "rep";
      readonly op: "*" | "+" | "?" | "{";
      readonly min: number;
      readonly max: number;
      readonly greedy: boolean;
      readonly sub: RE2Node;
      readonly size: number;
      readonly height: number;
    }
  | { readonly kind: "cat"; readonly subs: readonly RE2Node[]; readonly size: number; readonly height: number }
  | { readonly kind: "alt"; readonly subs: readonly RE2Node[]; readonly size: number; readonly height: number };

interface Flags {
  fold: boolean;
  dotNL: boolean;
  oneLine: boolean;
  nonGreedy: boolean;
}

interface Frame {
  alts: RE2Node[];
  cur: RE2Node[];
  /** Flags to restore when the group closes. */
  flags: Flags;
  capture: boolean;
  /** Name of a named capture, "" otherwise. */
  name: string;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function isOctal(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x37;
}

function subsHeight(subs: readonly RE2Node[]): number {
  let h = 0;
  for (const s of subs) if (s.height > h) h = s.height;
  return h + 1;
}

function repeatIsValid(re: RE2Node, n: number): boolean {
  if (re.kind === "rep" && re.op === "{") {
    let m = re.max;
    if (m === 0) return true;
    if (m < 0) m = re.min;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  switch (re.kind) {
    case "cap":
    case "rep":
      return repeatIsValid(re.sub, n);
    case "cat":
    case "alt":
      return re.subs.every((s) => repeatIsValid(s, n));
    default:
      return true;
  }
}

class Parser {
  readonly src: string;
  pos: number;
  flags: Flags;
  stack: Frame[];

  constructor(src: string) {
    this.src = src;
    this.pos = 0;
    // NOTE: matches Prometheus, which parses with syntax.Perl|syntax.DotNL
    // (and compiles as ^(?s:re)$): `.` matches \n, ^ and $ match only at the
    // ends of the text, and negated classes match \n.
    this.flags = { fold: false, dotNL: true, oneLine: true, nonGreedy: false };
    this.stack = [{ alts: [], cur: [], flags: this.flags, capture: false, name: "" }];
  }

  err(code: RE2ErrorCode, expr: string): never {
    fail(code, expr, this.src);
  }

  get frame(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** Code point at i, throwing Go's invalid UTF-8 error on a lone surrogate. */
  cpAt(i: number): number {
    const c = this.src.codePointAt(i)!;
    if (c >= 0xd800 && c <= 0xdfff) this.err(RE2ErrorCode.InvalidUTF8, this.src.slice(i));
    return c;
  }

  check(n: RE2Node): RE2Node {
    if (n.size > MAX_SIZE) this.err(RE2ErrorCode.Large, this.src);
    if (n.height > MAX_HEIGHT) this.err(RE2ErrorCode.NestingDepth, this.src);
    return n;
  }

  push(n: RE2Node): void {
    this.frame.cur.push(this.check(n));
  }

  literal(cp: number): void {
    const fold = this.flags.fold && foldOrbit(cp).length > 1;
    this.push({ kind: "lit", cp, fold, size: 1, height: 1 });
  }

  leaf(cls: CharClass): void {
    this.push({ kind: "class", cls, size: 1, height: 1 });
  }

  assert(what: RE2Assertion): void {
    this.push({ kind: "assert", what, size: 1, height: 1 });
  }

  concat(items: RE2Node[]): RE2Node {
    if (items.length === 0) return { kind: "empty", size: 1, height: 1 };
    if (items.length === 1) return items[0]!;
    const subs: RE2Node[] = [];
    for (const it of items) {
      if (it.kind === "cat") subs.push(...it.subs);
      else subs.push(it);
    }
    let size = 0;
    for (const s of subs) size += s.size;
    return this.check({ kind: "cat", subs, size: Math.max(1, size), height: subsHeight(subs) });
  }

  alternate(frame: Frame): RE2Node {
    const branches = [...frame.alts, this.concat(frame.cur)];
    if (branches.length === 1) return branches[0]!;
    const subs: RE2Node[] = [];
    for (const b of branches) {
      if (b.kind === "alt") subs.push(...b.subs);
      else subs.push(b);
    }
    let size = subs.length - 1;
    for (const s of subs) size += s.size;
    return this.check({ kind: "alt", subs, size, height: subsHeight(subs) });
  }

  parse(): RE2Node {
    const s = this.src;
    let lastRepeat = -1;
    while (this.pos < s.length) {
      let repeat = -1;
      const c = s[this.pos]!;
      switch (c) {
        case "(":
          if (s[this.pos + 1] === "?") {
            this.parsePerlFlags();
          } else {
            this.stack.push({ alts: [], cur: [], flags: this.flags, capture: true, name: "" });
            this.pos++;
          }
          break;
        case "|":
          this.frame.alts.push(this.concat(this.frame.cur));
          this.frame.cur = [];
          this.pos++;
          break;
        case ")": {
          if (this.stack.length === 1) this.err(RE2ErrorCode.UnexpectedParen, s);
          const frame = this.stack.pop()!;
          const body = this.alternate(frame);
          this.flags = frame.flags;
          if (frame.capture) this.push({ kind: "cap", name: frame.name, sub: body, size: body.size + 2, height: body.height + 1 });
          else this.push(body);
          this.pos++;
          break;
        }
        case "^":
          this.assert(this.flags.oneLine ? "bot" : "bol");
          this.pos++;
          break;
        case "$":
          this.assert(this.flags.oneLine ? "eot" : "eol");
          this.pos++;
          break;
        case ".":
          this.leaf(this.flags.dotNL ? ANY_CLASS : ANY_NOT_NL_CLASS);
          this.pos++;
          break;
        case "[":
          this.parseClass();
          break;
        case "*":
        case "+":
        case "?": {
          const before = this.pos;
          const [min, max] = c === "*" ? [0, -1] : c === "+" ? [1, -1] : [0, 1];
          this.repeat(c, min, max, before, this.pos + 1, lastRepeat);
          repeat = before;
          break;
        }
        case "{": {
          const before = this.pos;
          const r = this.parseRepeat(this.pos);
          if (r === null) {
            // A `{` that does not start a valid repeat is a literal.
            this.literal(0x7b);
            this.pos++;
            break;
          }
          const [min, max, after] = r;
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            this.err(RE2ErrorCode.InvalidRepeatSize, s.slice(before, after));
          }
          this.repeat("{", min, max, before, after, lastRepeat);
          repeat = before;
          break;
        }
        case "\\":
          this.parseBackslash();
          break;
        default: {
          const cp = this.cpAt(this.pos);
          this.literal(cp);
          this.pos += cp > 0xffff ? 2 : 1;
        }
      }
      lastRepeat = repeat;
    }
    if (this.stack.length !== 1) this.err(RE2ErrorCode.MissingParen, s);
    return this.alternate(this.stack[0]!);
  }

  repeat(op: "*" | "+" | "?" | "{", min: number, max: number, before: number, after: number, lastRepeat: number): void {
    const s = this.src;
    let greedy = !this.flags.nonGreedy;
    if (s[after] === "?") {
      after++;
      greedy = !greedy;
    }
    if (lastRepeat >= 0) this.err(RE2ErrorCode.InvalidRepeatOp, s.slice(lastRepeat, after));
    const cur = this.frame.cur;
    if (cur.length === 0) this.err(RE2ErrorCode.MissingRepeatArgument, s.slice(before, after));
    const sub = cur[cur.length - 1]!;
    let size: number;
    if (op === "*") size = 2 + sub.size;
    else if (op === "+" || op === "?") size = 1 + sub.size;
    else if (max === -1) size = min === 0 ? 2 + sub.size : 1 + min * sub.size;
    else size = max * sub.size + (max - min);
    const node: RE2Node = { kind: "rep", op, min, max, greedy, sub, size: Math.max(1, size), height: sub.height + 1 };
    cur[cur.length - 1] = this.check(node);
    if (op === "{" && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      this.err(RE2ErrorCode.InvalidRepeatSize, s.slice(before, after));
    }
    this.pos = after;
  }

  /** Parses {n}, {n,} or {n,m} at i: [min, max, end] (min -1 when a number is too big), or null if not a repeat. */
  parseRepeat(i: number): [number, number, number] | null {
    const s = this.src;
    i++;
    const a = this.parseInt(i);
    if (a === null) return null;
    let [min, j] = a;
    let max: number;
    if (j >= s.length) return null;
    if (s[j] !== ",") {
      max = min;
    } else {
      j++;
      if (j >= s.length) return null;
      if (s[j] === "}") {
        max = -1;
      } else {
        const b = this.parseInt(j);
        if (b === null) return null;
        [max, j] = b;
        if (max < 0) min = -1;
      }
    }
    if (s[j] !== "}") return null;
    return [min, max, j + 1];
  }

  /** Decimal without leading zeros at i: [value (-1 if >= 1e8), end], or null. */
  parseInt(i: number): [number, number] | null {
    const s = this.src;
    const isDigit = (k: number): boolean => k < s.length && s.charCodeAt(k) >= 0x30 && s.charCodeAt(k) <= 0x39;
    if (!isDigit(i)) return null;
    if (s[i] === "0" && isDigit(i + 1)) return null;
    let n = 0;
    let j = i;
    while (isDigit(j)) {
      if (n >= 0) n = n >= 1e8 ? -1 : n * 10 + (s.charCodeAt(j) - 0x30);
      j++;
    }
    return [n, j];
  }

  parsePerlFlags(): void {
    const s = this.src;
    const start = this.pos;
    const t = s.slice(start);
    const startsWithP = t.length > 4 && t[2] === "P" && t[3] === "<";
    const startsWithName = t.length > 3 && t[2] === "<";
    if (startsWithP || startsWithName) {
      const nameStart = startsWithP ? 4 : 3;
      const end = t.indexOf(">");
      if (end < 0) this.err(RE2ErrorCode.InvalidNamedCapture, t);
      const name = t.slice(nameStart, end);
      if (name === "" || !/^[A-Za-z0-9_]+$/.test(name)) this.err(RE2ErrorCode.InvalidNamedCapture, t.slice(0, end + 1));
      this.stack.push({ alts: [], cur: [], flags: this.flags, capture: true, name });
      this.pos = start + end + 1;
      return;
    }
    const flags = { ...this.flags };
    let i = start + 2;
    let sign = 1;
    let sawFlag = false;
    while (i < s.length) {
      const c = this.cpAt(i);
      i += c > 0xffff ? 2 : 1;
      const on = sign > 0;
      if (c === 0x69 /* i */) {
        flags.fold = on;
        sawFlag = true;
      } else if (c === 0x6d /* m */) {
        flags.oneLine = !on;
        sawFlag = true;
      } else if (c === 0x73 /* s */) {
        flags.dotNL = on;
        sawFlag = true;
      } else if (c === 0x55 /* U */) {
        flags.nonGreedy = on;
        sawFlag = true;
      } else if (c === 0x2d /* - */) {
        if (sign < 0) break;
        sign = -1;
        sawFlag = false;
      } else if (c === 0x3a /* : */ || c === 0x29 /* ) */) {
        if (sign < 0 && !sawFlag) break;
        if (c === 0x3a) this.stack.push({ alts: [], cur: [], flags: this.flags, capture: false, name: "" });
        this.flags = flags;
        this.pos = i;
        return;
      } else {
        break;
      }
    }
    this.err(RE2ErrorCode.InvalidPerlOp, s.slice(start, i));
  }

  parseBackslash(): void {
    const s = this.src;
    const next = s[this.pos + 1];
    switch (next) {
      case "A":
        this.assert("bot");
        this.pos += 2;
        return;
      case "b":
        this.assert("wb");
        this.pos += 2;
        return;
      case "B":
        this.assert("nwb");
        this.pos += 2;
        return;
      case "C":
        // Any byte: not supported by Go either.
        this.err(RE2ErrorCode.InvalidEscape, "\\C");
        break;
      case "Q": {
        let end = s.indexOf("\\E", this.pos + 2);
        if (end < 0) end = s.length;
        let i = this.pos + 2;
        while (i < end) {
          const cp = this.cpAt(i);
          this.literal(cp);
          i += cp > 0xffff ? 2 : 1;
        }
        this.pos = end < s.length ? end + 2 : end;
        return;
      }
      case "z":
        this.assert("eot");
        this.pos += 2;
        return;
      case "p":
      case "P": {
        const b = new ClassBuilder(this.flags.fold);
        this.pos = this.parseUnicodeClass(this.pos, b);
        this.leaf(b.build(false));
        return;
      }
      case "d":
      case "D":
      case "s":
      case "S":
      case "w":
      case "W": {
        const b = new ClassBuilder(this.flags.fold);
        b.addGroup(PERL_GROUPS[next.toLowerCase()]!, next !== next.toLowerCase());
        this.leaf(b.build(false));
        this.pos += 2;
        return;
      }
    }
    const [cp, end] = this.parseEscape(this.pos);
    this.literal(cp);
    this.pos = end;
  }

  /** Parses an escape at i (a backslash) into a code point: [cp, end]. */
  parseEscape(i: number): [number, number] {
    const s = this.src;
    let t = i + 1;
    if (t >= s.length) this.err(RE2ErrorCode.TrailingBackslash, "");
    const c = this.cpAt(t);
    t += c > 0xffff ? 2 : 1;
    if (c < 0x80 && !isAlnum(c)) return [c, t]; // escaped punctuation is itself
    escape: switch (c) {
      case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37: {
        // \0 and \[1-7][0-7] start octal escapes; a single non-zero digit
        // would be a backreference, which RE2 does not support.
        if (c !== 0x30 && !isOctal(s, t)) break;
        let r = c - 0x30;
        for (let k = 1; k < 3 && isOctal(s, t); k++) r = r * 8 + (s.charCodeAt(t++) - 0x30);
        return [r, t];
      }
      case 0x78: /* x */ {
        if (t >= s.length) break;
        let d = this.cpAt(t);
        t += d > 0xffff ? 2 : 1;
        if (d === 0x7b /* { */) {
          let nhex = 0;
          let r = 0;
          for (;;) {
            if (t >= s.length) break escape;
            d = this.cpAt(t);
            t += d > 0xffff ? 2 : 1;
            if (d === 0x7d /* } */) break;
            const v = unhex(d);
            if (v < 0) break escape;
            r = r * 16 + v;
            if (r > MAX_RUNE) break escape;
            nhex++;
          }
          if (nhex === 0) break;
          return [r, t];
        }
        const x = unhex(d);
        let y = -1;
        if (t < s.length) {
          const e = this.cpAt(t);
          t += e > 0xffff ? 2 : 1;
          y = unhex(e);
        }
        if (x < 0 || y < 0) break;
        return [x * 16 + y, t];
      }
      case 0x61: return [0x07, t]; // \a
      case 0x66: return [0x0c, t]; // \f
      case 0x6e: return [0x0a, t]; // \n
      case 0x72: return [0x0d, t]; // \r
      case 0x74: return [0x09, t]; // \t
      case 0x76: return [0x0b, t]; // \v
    }
    this.err(RE2ErrorCode.InvalidEscape, s.slice(i, t));
  }

  /** Parses \pX, \p{Name}, \PX, \P{^Name} at i into b; returns the end. */
  parseUnicodeClass(i: number, b: ClassBuilder): number {
    const s = this.src;
    let negate = s[i + 1] === "P";
    let t = i + 2;
    let seq: string;
    let name: string;
    if (t < s.length && s[t] === "{") {
      const end = s.indexOf("}", i);
      if (end < 0) this.err(RE2ErrorCode.InvalidCharRange, s.slice(i));
      seq = s.slice(i, end + 1);
      name = s.slice(i + 3, end);
      t = end + 1;
    } else {
      if (t < s.length) {
        const c = this.cpAt(t);
        t += c > 0xffff ? 2 : 1;
      }
      seq = s.slice(i, t);
      name = seq.slice(2);
    }
    if (name.startsWith("^")) {
      negate = !negate;
      name = name.slice(1);
    }
    const table = lookupUnicodeTable(name);
    if (table === undefined) this.err(RE2ErrorCode.InvalidCharRange, seq);
    b.addUnicode(table, negate);
    return t;
  }

  parseClass(): void {
    const s = this.src;
    const start = this.pos;
    const wholeClass = s.slice(start);
    let t = start + 1;
    let negated = false;
    if (s[t] === "^") {
      negated = true;
      t++;
    }
    const b = new ClassBuilder(this.flags.fold);
    let first = true; // `]` is literal as the first character
    while (t >= s.length || s[t] !== "]" || first) {
      first = false;
      // POSIX [:alnum:] etc.
      if (s.length - t > 2 && s[t] === "[" && s[t + 1] === ":") {
        const k = s.indexOf(":]", t + 2);
        if (k >= 0) {
          const name = s.slice(t, k + 2);
          const m = /^\[:(\^?)([a-z]+):\]$/.exec(name);
          const group = m === null ? undefined : POSIX_GROUPS[m[2]!];
          if (m === null || group === undefined) this.err(RE2ErrorCode.InvalidCharRange, name);
          b.addGroup(group, m[1] === "^");
          t = k + 2;
          continue;
        }
      }
      if (s[t] === "\\" && (s[t + 1] === "p" || s[t + 1] === "P")) {
        t = this.parseUnicodeClass(t, b);
        continue;
      }
      if (s[t] === "\\" && t + 1 < s.length && "dDsSwW".includes(s[t + 1]!)) {
        const e = s[t + 1]!;
        b.addGroup(PERL_GROUPS[e.toLowerCase()]!, e !== e.toLowerCase());
        t += 2;
        continue;
      }
      const rangeStart = t;
      let lo: number;
      [lo, t] = this.parseClassChar(t, wholeClass);
      let hi = lo;
      // [a-] means a or -: a `-` right before the closing ] is literal.
      if (s.length - t >= 2 && s[t] === "-" && s[t + 1] !== "]") {
        [hi, t] = this.parseClassChar(t + 1, wholeClass);
        if (hi < lo) this.err(RE2ErrorCode.InvalidCharRange, s.slice(rangeStart, t));
      }
      b.addRange(lo, hi);
    }
    this.pos = t + 1;
    this.leaf(b.build(negated));
  }

  parseClassChar(i: number, wholeClass: string): [number, number] {
    const s = this.src;
    if (i >= s.length) this.err(RE2ErrorCode.MissingBracket, wholeClass);
    if (s[i] === "\\") return this.parseEscape(i);
    const c = this.cpAt(i);
    return [c, i + (c > 0xffff ? 2 : 1)];
  }
}

/**
 * Parses an RE2 pattern with Prometheus's flags (Perl syntax, `.` matches
 * newline). Throws RegexError with Go's message for anything Go rejects.
 */
export function parseRE2(pattern: string): RE2Node {
  return new Parser(pattern).parse();
}

// ---------------------------------------------------------------------------
// Printing as a JavaScript pattern (for the `u` flag, no `i`, `m` or `s`).

const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/");

function jsChar(cp: number, inClass: boolean): string {
  if (isAlnum(cp) || cp === 0x5f) return String.fromCharCode(cp);
  if (!inClass && cp < 0x7f && cp > 0x20 && !JS_SYNTAX.has(String.fromCharCode(cp))) return String.fromCharCode(cp);
  if (!inClass && JS_SYNTAX.has(String.fromCharCode(cp))) return "\\" + String.fromCharCode(cp);
  return `\\u{${cp.toString(16)}}`;
}

function jsRanges(r: readonly number[]): string {
  let out = "";
  for (let i = 0; i < r.length; i += 2) {
    out += jsChar(r[i]!, true);
    if (r[i + 1] !== r[i]) out += (r[i + 1] === r[i]! + 1 ? "" : "-") + jsChar(r[i + 1]!, true);
  }
  return out;
}

/** The class as a JS expression matching exactly one code point; `atom` says whether it can take a quantifier as is. */
function jsClass(c: CharClass): { src: string; atom: boolean } {
  if (isAnyCharClass(c)) return { src: "[^]", atom: true };
  const body = jsRanges(c.ranges) + c.props.join("");
  if (c.negParts.length === 0) return { src: c.negated ? `[^${body}]` : `[${body}]`, atom: true };
  const parts: string[] = [];
  if (body !== "") parts.push(`[${body}]`);
  for (const p of c.negParts) parts.push(`[^${jsRanges(p.ranges)}${p.props.join("")}]`);
  const union = parts.join("|");
  return { src: c.negated ? `(?:(?!${union})[^])` : `(?:${union})`, atom: true };
}

/** Printing options: whether to keep capture groups, and the names already used (JS rejects duplicates, Go does not). */
interface PrintState {
  captures: boolean;
  names: Set<string>;
}

function jsNode(n: RE2Node, st: PrintState): { src: string; atom: boolean } {
  switch (n.kind) {
    case "lit": {
      if (!n.fold) return { src: jsChar(n.cp, false), atom: true };
      const orbit = foldOrbit(n.cp);
      let src = "[";
      for (const f of orbit) src += jsChar(f, true);
      return { src: src + "]", atom: true };
    }
    case "class":
      return jsClass(n.cls);
    case "empty":
      return { src: "", atom: false };
    case "assert":
      switch (n.what) {
        case "bot":
          return { src: "^", atom: false };
        case "eot":
          return { src: "$", atom: false };
        case "bol":
          return { src: "(?<![^\\n])", atom: false };
        case "eol":
          return { src: "(?![^\\n])", atom: false };
        case "wb":
          return { src: "\\b", atom: false };
        case "nwb":
          return { src: "\\B", atom: false };
      }
      break;
    case "cap": {
      const sub = jsNode(n.sub, st).src;
      if (!st.captures) return { src: sub, atom: false };
      // NOTE: matches Go, where a repeated name refers to its first group
      // (Regexp.Expand, SubexpIndex); later ones stay numbered but unnamed.
      if (n.name === "" || st.names.has(n.name)) return { src: `(${sub})`, atom: true };
      st.names.add(n.name);
      return { src: `(?<${n.name}>${sub})`, atom: true };
    }
    case "rep": {
      const sub = jsNode(n.sub, st);
      const base = sub.atom ? sub.src : `(?:${sub.src})`;
      let q: string;
      if (n.op === "*" || n.op === "+" || n.op === "?") q = n.op;
      else if (n.max === -1) q = `{${n.min},}`;
      else if (n.max === n.min) q = `{${n.min}}`;
      else q = `{${n.min},${n.max}}`;
      return { src: base + q + (n.greedy ? "" : "?"), atom: false };
    }
    case "cat": {
      let src = "";
      for (const s of n.subs) src += jsNode(s, st).src;
      return { src, atom: false };
    }
    case "alt":
      return { src: `(?:${n.subs.map((s) => jsNode(s, st).src).join("|")})`, atom: true };
  }
}

/**
 * The source of an anchored JS RegExp (flag `u`) equivalent to the parsed
 * RE2 pattern. With `captures`, groups keep Go's numbers and names;
 * without, every group is non-capturing (same matches, faster).
 */
export function toJSPattern(n: RE2Node, captures: boolean): string {
  return `^(?:${jsNode(n, { captures, names: new Set() }).src})$`;
}

// ---------------------------------------------------------------------------
// Compilation with a cache.

/** A small least-recently-used map. `capacity` bounds the number of entries. */
export class LruCache<V> {
  readonly capacity: number;
  readonly #map: Map<string, V>;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#map = new Map();
  }

  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.#map.delete(key);
    this.#map.set(key, v);
    if (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value!);
  }

  get size(): number {
    return this.#map.size;
  }
}

// The same matcher strings recur across queries and rule evaluations.
const regexpCache = new LruCache<RegExp>(1024);

/**
 * Compiles an RE2 pattern into a JavaScript RegExp that matches exactly the
 * strings Go's `regexp.MustCompile("^(?s:" + pattern + ")$")` matches
 * (Prometheus's matcher semantics: fully anchored, `.` matches newline),
 * with Go's capture groups: `exec` numbers and names submatches as Go does
 * (a name used twice names only its first group).
 * Syntax Go rejects throws RegexError with Go's message, e.g.
 * "error parsing regexp: invalid escape sequence: `\1`". Results are cached
 * (the RegExp has no `g`/`y` flag, so sharing it is safe).
 */
export function compileAnchoredRE2(pattern: string): RegExp {
  let re = regexpCache.get(pattern);
  if (re === undefined) {
    re = new RegExp(toJSPattern(parseRE2(pattern), true), "u");
    regexpCache.set(pattern, re);
  }
  return re;
}
