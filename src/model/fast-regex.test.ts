import { test } from "node:test";
import assert from "node:assert/strict";
import { FastRegexKind, compileFastRegex, compileMatcherRegex } from "./fast-regex.ts";
import { RegexError, compileAnchoredRE2 } from "./re2.ts";

const kindCases: { pattern: string; kind: FastRegexKind }[] = [
  { pattern: "foo", kind: FastRegexKind.Literal },
  { pattern: "", kind: FastRegexKind.Literal },
  { pattern: "(foo)", kind: FastRegexKind.Literal },
  { pattern: "foo\\.bar", kind: FastRegexKind.Literal },
  { pattern: "\\Qa.b\\E", kind: FastRegexKind.Literal },
  { pattern: "a{,2}", kind: FastRegexKind.Literal },
  { pattern: "(?i)123", kind: FastRegexKind.Literal },
  { pattern: "foo|bar|baz", kind: FastRegexKind.Set },
  { pattern: "foo|", kind: FastRegexKind.Set },
  { pattern: "(?:foo|bar)", kind: FastRegexKind.Set },
  { pattern: ".*", kind: FastRegexKind.Any },
  { pattern: "(.*)", kind: FastRegexKind.Any },
  { pattern: ".*?", kind: FastRegexKind.Any },
  { pattern: ".+", kind: FastRegexKind.NonEmpty },
  { pattern: "foo.*", kind: FastRegexKind.Prefix },
  { pattern: ".*foo", kind: FastRegexKind.Suffix },
  { pattern: ".*foo.*", kind: FastRegexKind.Contains },
  { pattern: "(?i)foo", kind: FastRegexKind.RegExp },
  { pattern: "(?-s).*", kind: FastRegexKind.RegExp },
  { pattern: "(?-s:.*)foo", kind: FastRegexKind.RegExp },
  { pattern: ".{0,}", kind: FastRegexKind.RegExp },
  { pattern: "foo|ba.", kind: FastRegexKind.RegExp },
  { pattern: "(?i)foo|bar", kind: FastRegexKind.RegExp },
  { pattern: "foo.+", kind: FastRegexKind.RegExp },
  { pattern: "[ab]", kind: FastRegexKind.RegExp },
];

for (const c of kindCases) {
  test(`${JSON.stringify(c.pattern)} is matched as ${c.kind}`, () => {
    assert.equal(compileFastRegex(c.pattern).kind, c.kind);
  });
}

const matchCases: { pattern: string; input: string; want: boolean }[] = [
  { pattern: "foo", input: "foo", want: true },
  { pattern: "foo", input: "fo", want: false },
  { pattern: "", input: "", want: true },
  { pattern: "foo|bar|", input: "", want: true },
  { pattern: "foo|bar|", input: "baz", want: false },
  { pattern: ".*", input: "a\nb", want: true },
  { pattern: ".+", input: "", want: false },
  { pattern: ".+", input: "\n", want: true },
  { pattern: "foo.*", input: "foo\n", want: true },
  { pattern: "foo.*", input: "xfoo", want: false },
  { pattern: ".*foo", input: "a\nfoo", want: true },
  { pattern: ".*foo.*", input: "xfoox", want: true },
  { pattern: ".*foo.*", input: "fo", want: false },
  { pattern: "(?i)foo", input: "FOO", want: true },
  { pattern: "(?i)k", input: "\u212a", want: true },
  { pattern: "(?i)ss", input: "ß", want: false },
  { pattern: "(?i)ß", input: "ss", want: false },
  { pattern: "(?i)i", input: "ı", want: false },
  { pattern: "(?i)𐐀", input: "𐐨", want: true },
  { pattern: "(?i)foo", input: "fooo", want: false },
];

for (const c of matchCases) {
  test(`fast ${JSON.stringify(c.pattern)} on ${JSON.stringify(c.input)} is ${c.want}`, () => {
    assert.equal(compileMatcherRegex(c.pattern)(c.input), c.want);
    assert.equal(compileAnchoredRE2(c.pattern).test(c.input), c.want);
  });
}

test("invalid patterns throw RegexError", () => {
  assert.throws(() => compileMatcherRegex("a**"), RegexError);
  assert.throws(() => compileMatcherRegex("(?i)foo("), RegexError);
});

test("seeded random: fast paths agree with the RegExp", () => {
  let a = 12345;
  const rnd = (): number => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const lits = ["", "a", "ab", "ba", "K", "k", "ſ", "é", "😀", "\\.", "x\\*"];
  const shapes = [
    (l: string) => l,
    (l: string) => `${l}|${pick(lits)}|${pick(lits)}`,
    (l: string) => `${l}.*`,
    (l: string) => `.*${l}`,
    (l: string) => `.*${l}.*`,
    (l: string) => `(?i)${l}`,
    () => ".+",
    () => ".*",
  ];
  const alphabet = ["a", "b", "A", "K", "k", "\u212a", "s", "ſ", "é", "É", "😀", ".", "*", "x", "\n"];
  for (let i = 0; i < 300; i++) {
    const p = pick(shapes)(pick(lits));
    const fast = compileMatcherRegex(p);
    const re = compileAnchoredRE2(p);
    for (let j = 0; j < 30; j++) {
      let s = "";
      for (let n = Math.floor(rnd() * 5); n > 0; n--) s += pick(alphabet);
      assert.equal(fast(s), re.test(s), `${JSON.stringify(p)} on ${JSON.stringify(s)}`);
    }
  }
});
