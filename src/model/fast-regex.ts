// Matching a label value against a regex matcher without running a RegExp
// for the common shapes, like Prometheus's FastRegexMatcher
// (model/labels/regexp.go). The shapes are recognised on the parsed RE2 tree,
// so they agree with the RegExp by construction: a shape is only taken when
// the tree is exactly that shape.

import { LruCache, isAnyCharClass, parseRE2, toJSPattern } from "./re2.ts";
import type { RE2Node } from "./re2.ts";

/** Tests a whole label value against an anchored RE2 pattern. */
export type MatchStringFunc = (v: string) => boolean;

/** How a pattern is matched; exposed for tests and benchmarks. */
export const FastRegexKind = {
  /** `.*`: every value. */
  Any: "any",
  /** `.+`: every non-empty value. */
  NonEmpty: "non-empty",
  /** `foo`: one literal value. */
  Literal: "literal",
  /** `foo|bar|`: a set of literal values. */
  Set: "set",
  /** `foo.*` */
  Prefix: "prefix",
  /** `.*foo` */
  Suffix: "suffix",
  /** `.*foo.*` */
  Contains: "contains",
  /** Anything else (including `(?i)foo`, where V8's RegExp beats a fold-table walk): the translated RegExp, without captures. */
  RegExp: "regexp",
} as const;
export type FastRegexKind = (typeof FastRegexKind)[keyof typeof FastRegexKind];

/** A compiled matcher regex: how it is matched and the function that does it. */
export interface FastRegex {
  readonly kind: FastRegexKind;
  readonly matches: MatchStringFunc;
}

function stripCaptures(n: RE2Node): RE2Node {
  while (n.kind === "cap") n = n.sub;
  return n;
}

function items(n: RE2Node): readonly RE2Node[] {
  n = stripCaptures(n);
  if (n.kind === "cat") return n.subs;
  if (n.kind === "empty") return [];
  return [n];
}

/** The literal string a sequence spells, if every item is a case-sensitive literal. */
function literalOf(seq: readonly RE2Node[]): string | null {
  let s = "";
  for (const it of seq) {
    const n = stripCaptures(it);
    if (n.kind !== "lit" || n.fold) return null;
    s += String.fromCodePoint(n.cp);
  }
  return s;
}

function isDotRepeat(n: RE2Node, min: number): boolean {
  n = stripCaptures(n);
  return n.kind === "rep" && n.min === min && n.max === -1 && n.op !== "{" && n.sub.kind === "class" && isAnyCharClass(n.sub.cls);
}

function analyse(pattern: string): FastRegex {
  const tree = stripCaptures(parseRE2(pattern)); // throws RegexError
  if (tree.kind === "alt") {
    const set = new Set<string>();
    for (const b of tree.subs) {
      const lit = literalOf(items(b));
      if (lit === null) return regexpFallback(tree);
      set.add(lit);
    }
    return { kind: FastRegexKind.Set, matches: (v) => set.has(v) };
  }
  const seq = items(tree);
  const lit = literalOf(seq);
  if (lit !== null) return { kind: FastRegexKind.Literal, matches: (v) => v === lit };
  if (seq.length === 1 && isDotRepeat(seq[0]!, 0)) return { kind: FastRegexKind.Any, matches: () => true };
  if (seq.length === 1 && isDotRepeat(seq[0]!, 1)) return { kind: FastRegexKind.NonEmpty, matches: (v) => v.length > 0 };
  const lead = seq.length > 0 && isDotRepeat(seq[0]!, 0);
  const trail = seq.length > 1 && isDotRepeat(seq[seq.length - 1]!, 0);
  const mid = literalOf(seq.slice(lead ? 1 : 0, trail ? seq.length - 1 : seq.length));
  if (mid !== null && (lead || trail)) {
    if (lead && trail) return { kind: FastRegexKind.Contains, matches: (v) => v.includes(mid) };
    if (lead) return { kind: FastRegexKind.Suffix, matches: (v) => v.endsWith(mid) };
    return { kind: FastRegexKind.Prefix, matches: (v) => v.startsWith(mid) };
  }
  return regexpFallback(tree);
}

function regexpFallback(tree: RE2Node): FastRegex {
  const re = new RegExp(toJSPattern(tree, false), "u");
  return { kind: FastRegexKind.RegExp, matches: (v) => re.test(v) };
}

const fastCache = new LruCache<FastRegex>(1024);

/**
 * Compiles a matcher regex (RE2 syntax, anchored at both ends, `.` matches
 * newline) into the cheapest equivalent test: string comparison, Set lookup,
 * prefix/suffix/substring check, or the translated RegExp. Throws
 * RegexError for a pattern Go's regexp rejects. Results are cached.
 */
export function compileFastRegex(pattern: string): FastRegex {
  let f = fastCache.get(pattern);
  if (f === undefined) {
    f = analyse(pattern);
    fastCache.set(pattern, f);
  }
  return f;
}

/** The match function of `compileFastRegex(pattern)`. Throws RegexError like it. */
export function compileMatcherRegex(pattern: string): MatchStringFunc {
  return compileFastRegex(pattern).matches;
}
