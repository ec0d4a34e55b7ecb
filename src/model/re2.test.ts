import { test } from "node:test";
import assert from "node:assert/strict";
import { LruCache, RE2_SCRIPTS, RegexError, compileAnchoredRE2, foldOrbit } from "./re2.ts";
import { seededRandom } from "../util/index.ts";

// Each row was checked by hand against Go's regexp/syntax rules
// (src/regexp/syntax/parse.go) for `^(?s:pattern)$`.
const matchCases: { pattern: string; input: string; want: boolean }[] = [
  // literals, anchoring, empty
  { pattern: "foo", input: "foo", want: true },
  { pattern: "foo", input: "foox", want: false },
  { pattern: "foo", input: "xfoo", want: false },
  { pattern: "", input: "", want: true },
  { pattern: "", input: "a", want: false },
  { pattern: "😀+", input: "😀😀", want: true },
  { pattern: "a/b", input: "a/b", want: true },
  { pattern: "a-b,c:d=e!f<g>h'i\"j#k%l&m~n`o@p;q r", input: "a-b,c:d=e!f<g>h'i\"j#k%l&m~n`o@p;q r", want: true },
  // alternation, including empty branches
  { pattern: "a|b", input: "b", want: true },
  { pattern: "a|b", input: "ab", want: false },
  { pattern: "a|", input: "", want: true },
  { pattern: "|", input: "", want: true },
  { pattern: "|x|", input: "x", want: true },
  { pattern: "(|a)+", input: "aa", want: true },
  { pattern: "()", input: "", want: true },
  { pattern: "foo|bar", input: "foobar", want: false },
  // dot: any code point, newline included (the implicit (?s))
  { pattern: "a.c", input: "a\nc", want: true },
  { pattern: ".", input: "😀", want: true },
  { pattern: "..", input: "😀", want: false },
  { pattern: "(?-s)a.c", input: "a\nc", want: false },
  { pattern: "(?-s:.)", input: "x", want: true },
  { pattern: "(?-s:.)", input: "\n", want: false },
  { pattern: "(?-s).(?s).", input: "a\n", want: true },
  { pattern: "(?-s:.)(?s:.)", input: "\na", want: false },
  { pattern: ".*", input: "", want: true },
  { pattern: ".*", input: "a\nb", want: true },
  { pattern: ".+", input: "", want: false },
  { pattern: ".*?(?:foo).*", input: "xfooy", want: true },
  // assertions
  { pattern: "^foo$", input: "foo", want: true },
  { pattern: "a^b", input: "a^b", want: false },
  { pattern: "a$\nb", input: "a\nb", want: false },
  { pattern: "(?m)a$\n^b", input: "a\nb", want: true },
  { pattern: "(?m)a$", input: "a", want: true },
  { pattern: "(?m)^", input: "", want: true },
  { pattern: "(?m)a$.b", input: "a\rb", want: false },
  { pattern: "\\Aabc\\z", input: "abc", want: true },
  { pattern: "a\\z", input: "a", want: true },
  { pattern: "\\bfoo\\b", input: "foo", want: true },
  { pattern: "a\\bb", input: "ab", want: false },
  { pattern: "a\\Bb", input: "ab", want: true },
  { pattern: "a\\b.", input: "aé", want: true },
  { pattern: "^*a", input: "a", want: true },
  { pattern: "\\b*a", input: "a", want: true },
  { pattern: "(?:$)*", input: "", want: true },
  // Perl classes are ASCII; \s is [\t\n\f\r ] (no \v)
  { pattern: "\\d+", input: "0123", want: true },
  { pattern: "\\d", input: "٣", want: false },
  { pattern: "\\s", input: "\u00a0", want: false },
  { pattern: "\\s", input: "\v", want: false },
  { pattern: "\\s", input: "\f", want: true },
  { pattern: "\\S", input: "\v", want: true },
  { pattern: "\\w", input: "é", want: false },
  { pattern: "\\w", input: "_", want: true },
  { pattern: "\\W", input: "é", want: true },
  { pattern: "\\D", input: "\n", want: true },
  // bracket classes
  { pattern: "[^a]", input: "\n", want: true },
  { pattern: "[^a]", input: "a", want: false },
  { pattern: "[^\\n]", input: "\n", want: false },
  { pattern: "[]a]", input: "]", want: true },
  { pattern: "[]a]", input: "a", want: true },
  { pattern: "[^]a]", input: "b", want: true },
  { pattern: "[^]a]", input: "]", want: false },
  { pattern: "[a-]", input: "-", want: true },
  { pattern: "[-a]", input: "-", want: true },
  { pattern: "[a-b-c]", input: "-", want: true },
  { pattern: "[a-b-c]", input: "c", want: true },
  { pattern: "[\\d-z]", input: "-", want: true },
  { pattern: "[\\d-z]", input: "5", want: true },
  { pattern: "[\\d-z]", input: "m", want: false },
  { pattern: "[a\\-z]", input: "-", want: true },
  { pattern: "[a\\-z]", input: "b", want: false },
  { pattern: "[\\]]", input: "]", want: true },
  { pattern: "[\\[]", input: "[", want: true },
  { pattern: "[[:a]", input: ":", want: true },
  { pattern: "[\\x{41}-\\x5a]", input: "M", want: true },
  { pattern: "[\\012-\\234]", input: "\n", want: true },
  { pattern: "[α-ε]", input: "γ", want: true },
  { pattern: "[😀-😂]", input: "😁", want: true },
  { pattern: "[\\s\\S]", input: "\n", want: true },
  { pattern: "[[:alpha:]]+", input: "abcXYZ", want: true },
  { pattern: "[[:^alpha:]]", input: "1", want: true },
  { pattern: "[[:^alpha:]]", input: "a", want: false },
  { pattern: "[[:word:]]", input: "_", want: true },
  { pattern: "[[:punct:]]", input: "!", want: true },
  { pattern: "[[:xdigit:]]", input: "g", want: false },
  { pattern: "[[:space:]]", input: "\v", want: true },
  { pattern: "[^[:lower:]]", input: "A", want: true },
  // Unicode classes
  { pattern: "\\pL", input: "é", want: true },
  { pattern: "\\pL", input: "1", want: false },
  { pattern: "\\pl", input: "x", want: true },
  { pattern: "\\p{L}", input: "ж", want: true },
  { pattern: "\\PL", input: "1", want: true },
  { pattern: "\\p{^L}", input: "a", want: false },
  { pattern: "\\P{^L}", input: "a", want: true },
  { pattern: "\\p{Greek}", input: "α", want: true },
  { pattern: "\\p{Greek}", input: "a", want: false },
  { pattern: "\\P{Greek}", input: "a", want: true },
  { pattern: "\\p{greek}", input: "α", want: true },
  { pattern: "\\p{Han}", input: "中", want: true },
  { pattern: "\\p{Latin}+", input: "abc", want: true },
  { pattern: "\\p{Canadian_Aboriginal}", input: "ᐁ", want: true },
  { pattern: "\\p{Any}", input: "\n", want: true },
  { pattern: "\\p{^Any}", input: "a", want: false },
  { pattern: "\\p{Lu}", input: "A", want: true },
  { pattern: "\\p{Lu}", input: "a", want: false },
  { pattern: "\\p{Uppercase_Letter}", input: "A", want: true },
  { pattern: "\\p{upper case-let ter}", input: "A", want: true },
  { pattern: "\\p{Letter}", input: "x", want: true },
  { pattern: "\\pC", input: "\u0001", want: true },
  { pattern: "\\pC", input: "\u0378", want: false },
  { pattern: "\\p{Cn}", input: "\u0378", want: true },
  { pattern: "\\p{Assigned}", input: "\u0378", want: false },
  { pattern: "\\p{Assigned}", input: "a", want: true },
  { pattern: "\\p{ASCII}", input: "\u007f", want: true },
  { pattern: "\\p{ASCII}", input: "\u0080", want: false },
  { pattern: "[\\p{Greek}\\d]", input: "5", want: true },
  { pattern: "[^\\p{Greek}]", input: "α", want: false },
  { pattern: "[^\\PL]", input: "a", want: true },
  { pattern: "[^\\PL]", input: "1", want: false },
  { pattern: "[\\PL\\pL]", input: "1", want: true },
  // escapes
  { pattern: "\\x41", input: "A", want: true },
  { pattern: "\\x{1F600}", input: "😀", want: true },
  { pattern: "\\x{10FFFF}", input: "\u{10FFFF}", want: true },
  { pattern: "\\101", input: "A", want: true },
  { pattern: "\\12", input: "\n", want: true },
  { pattern: "\\1234", input: "S4", want: true },
  { pattern: "\\0", input: "\0", want: true },
  { pattern: "\\08", input: "\u00008", want: true },
  { pattern: "\\a\\f\\t\\n\\r\\v", input: "\x07\f\t\n\r\v", want: true },
  { pattern: "\\.", input: ".", want: true },
  { pattern: "\\.", input: "a", want: false },
  { pattern: "\\-\\_\\!\\~\\#\\ \\/\\:", input: "-_!~# /:", want: true },
  { pattern: "\\\\", input: "\\", want: true },
  { pattern: "\\Qa.b*\\E", input: "a.b*", want: true },
  { pattern: "\\Qa.b", input: "axb", want: false },
  { pattern: "\\Qab\\E+", input: "abbb", want: true },
  { pattern: "\\Qab\\E+", input: "abab", want: false },
  { pattern: "\\Q\\\\E", input: "\\", want: true },
  { pattern: "a\\Q\\E*", input: "aaa", want: true },
  // repetition, and braces that are not repetitions
  { pattern: "a{2}", input: "aa", want: true },
  { pattern: "a{2}", input: "aaa", want: false },
  { pattern: "a{2,}", input: "aaaa", want: true },
  { pattern: "a{2,3}", input: "aaaa", want: false },
  { pattern: "a{0}", input: "", want: true },
  { pattern: "a{2}?", input: "aa", want: true },
  { pattern: "(?:ab){1000}", input: "ab".repeat(1000), want: true },
  { pattern: "a{,2}", input: "a{,2}", want: true },
  { pattern: "a{", input: "a{", want: true },
  { pattern: "{", input: "{", want: true },
  { pattern: "}", input: "}", want: true },
  { pattern: "a{01}", input: "a{01}", want: true },
  { pattern: "x{1001", input: "x{1001", want: true },
  { pattern: "a*{", input: "aa{", want: true },
  { pattern: "a{x}", input: "a{x}", want: true },
  { pattern: "(?U)a+", input: "aaa", want: true },
  { pattern: "a+?b", input: "aab", want: true },
  { pattern: "x*y*z*", input: "", want: true },
  { pattern: "(?:a*)*", input: "aa", want: true },
  { pattern: "a*(?i)*", input: "aa", want: true },
  // groups
  { pattern: "(a)|b", input: "a", want: true },
  { pattern: "(?P<name>x)y", input: "xy", want: true },
  { pattern: "(?<n>x)", input: "x", want: true },
  { pattern: "(?:a|b)c", input: "bc", want: true },
  { pattern: "(?)a", input: "a", want: true },
  // case folding
  { pattern: "(?i)foo", input: "FoO", want: true },
  { pattern: "(?i)foo|bar", input: "BAR", want: true },
  { pattern: "(?i)k", input: "\u212a", want: true },
  { pattern: "(?i)s", input: "ſ", want: true },
  { pattern: "(?i)i", input: "ı", want: false },
  { pattern: "(?i)i", input: "İ", want: false },
  { pattern: "(?i)ß", input: "ẞ", want: true },
  { pattern: "(?i)σ", input: "ς", want: true },
  { pattern: "(?i)Δ", input: "δ", want: true },
  { pattern: "(?i:a)b", input: "Ab", want: true },
  { pattern: "(?i:a)b", input: "AB", want: false },
  { pattern: "a(?i)b", input: "aB", want: true },
  { pattern: "a(?i)b", input: "AB", want: false },
  { pattern: "(?i)(?-i:a)A", input: "aa", want: true },
  { pattern: "(?i)(?-i:a)A", input: "AA", want: false },
  { pattern: "(?i)[a-c]+", input: "ABC", want: true },
  { pattern: "(?i)[^a]", input: "A", want: false },
  { pattern: "(?i)[^a]", input: "b", want: true },
  { pattern: "(?i)[k]", input: "\u212a", want: true },
  { pattern: "(?i)\\w", input: "ſ", want: true },
  { pattern: "(?i)\\W", input: "ſ", want: false },
  { pattern: "(?i)[[:upper:]]", input: "a", want: true },
  { pattern: "(?i)[^[:lower:]]", input: "A", want: false },
  { pattern: "(?i)\\p{Lu}", input: "a", want: true },
  { pattern: "(?i)\\P{Lu}", input: "a", want: false },
  { pattern: "(?i)\\P{Lu}", input: "1", want: true },
  { pattern: "(?i)[x\\P{Lu}]", input: "a", want: false },
  { pattern: "(?i)[x\\P{Lu}]", input: "X", want: true },
  { pattern: "(?i)[^x\\P{Lu}]", input: "a", want: true },
  { pattern: "(?i)\\p{Greek}", input: "µ", want: true },
  { pattern: "\\p{Greek}", input: "µ", want: false },
  { pattern: "(?i)\\P{Greek}", input: "µ", want: false },
  { pattern: "(?i)\\p{ASCII}", input: "\u212a", want: true },
  { pattern: "(?i)\\Qa.\\E", input: "A.", want: true },
];

for (const c of matchCases) {
  test(`match ${JSON.stringify(c.pattern)} on ${JSON.stringify(c.input)} is ${c.want}`, () => {
    assert.equal(compileAnchoredRE2(c.pattern).test(c.input), c.want);
  });
}

// Go's texts, from (*syntax.Error).Error(): "error parsing regexp: <code>: `<expr>`".
const errorCases: { pattern: string; want: string }[] = [
  { pattern: "\\1", want: "invalid escape sequence: `\\1`" },
  { pattern: "(a)\\1", want: "invalid escape sequence: `\\1`" },
  { pattern: "\\18", want: "invalid escape sequence: `\\1`" },
  { pattern: "\\8", want: "invalid escape sequence: `\\8`" },
  { pattern: "\\Z", want: "invalid escape sequence: `\\Z`" },
  { pattern: "\\C", want: "invalid escape sequence: `\\C`" },
  { pattern: "\\e", want: "invalid escape sequence: `\\e`" },
  { pattern: "\\é", want: "invalid escape sequence: `\\é`" },
  { pattern: "\\x", want: "invalid escape sequence: `\\x`" },
  { pattern: "\\x4", want: "invalid escape sequence: `\\x4`" },
  { pattern: "\\x4g", want: "invalid escape sequence: `\\x4g`" },
  { pattern: "\\x{}", want: "invalid escape sequence: `\\x{}`" },
  { pattern: "\\x{41", want: "invalid escape sequence: `\\x{41`" },
  { pattern: "\\x{110000}", want: "invalid escape sequence: `\\x{110000`" },
  { pattern: "[\\b]", want: "invalid escape sequence: `\\b`" },
  { pattern: "[a-\\d]", want: "invalid escape sequence: `\\d`" },
  { pattern: "a\\", want: "trailing backslash at end of expression: ``" },
  { pattern: "[a\\", want: "trailing backslash at end of expression: ``" },
  { pattern: "(?=a)", want: "invalid or unsupported Perl syntax: `(?=`" },
  { pattern: "(?!a)", want: "invalid or unsupported Perl syntax: `(?!`" },
  { pattern: "(?>a)", want: "invalid or unsupported Perl syntax: `(?>`" },
  { pattern: "(?x)a", want: "invalid or unsupported Perl syntax: `(?x`" },
  { pattern: "(?P=n)", want: "invalid or unsupported Perl syntax: `(?P`" },
  { pattern: "(?", want: "invalid or unsupported Perl syntax: `(?`" },
  { pattern: "(?i", want: "invalid or unsupported Perl syntax: `(?i`" },
  { pattern: "(?-)", want: "invalid or unsupported Perl syntax: `(?-)`" },
  { pattern: "(?i-)", want: "invalid or unsupported Perl syntax: `(?i-)`" },
  { pattern: "(?--i)", want: "invalid or unsupported Perl syntax: `(?--`" },
  { pattern: "(?<=a)b", want: "invalid named capture: `(?<=a)b`" },
  { pattern: "(?<!a)", want: "invalid named capture: `(?<!a)`" },
  { pattern: "(?P<x y>a)", want: "invalid named capture: `(?P<x y>`" },
  { pattern: "(?P<>a)", want: "invalid named capture: `(?P<>`" },
  { pattern: "(?<>a)", want: "invalid named capture: `(?<>`" },
  { pattern: "(?P<name", want: "invalid named capture: `(?P<name`" },
  { pattern: "(?<é>a)", want: "invalid named capture: `(?<é>`" },
  { pattern: "(", want: "missing closing ): `(`" },
  { pattern: "(a|b", want: "missing closing ): `(a|b`" },
  { pattern: "(?P<name>a", want: "missing closing ): `(?P<name>a`" },
  { pattern: ")", want: "unexpected ): `)`" },
  { pattern: "a)", want: "unexpected ): `a)`" },
  { pattern: "(a))", want: "unexpected ): `(a))`" },
  { pattern: "[a", want: "missing closing ]: `[a`" },
  { pattern: "x[a-z", want: "missing closing ]: `[a-z`" },
  { pattern: "[]", want: "missing closing ]: `[]`" },
  { pattern: "[^]", want: "missing closing ]: `[^]`" },
  { pattern: "([a-z)", want: "missing closing ]: `[a-z)`" },
  { pattern: "[[:alpha:]", want: "missing closing ]: `[[:alpha:]`" },
  { pattern: "a**", want: "invalid nested repetition operator: `**`" },
  { pattern: "a++", want: "invalid nested repetition operator: `++`" },
  { pattern: "a?+", want: "invalid nested repetition operator: `?+`" },
  { pattern: "a*?*", want: "invalid nested repetition operator: `*?*`" },
  { pattern: "a{2}*", want: "invalid nested repetition operator: `{2}*`" },
  { pattern: "x{2}{3}", want: "invalid nested repetition operator: `{2}{3}`" },
  { pattern: "*", want: "missing argument to repetition operator: `*`" },
  { pattern: "*?", want: "missing argument to repetition operator: `*?`" },
  { pattern: "a|*", want: "missing argument to repetition operator: `*`" },
  { pattern: "(+)", want: "missing argument to repetition operator: `+`" },
  { pattern: "(?i)*", want: "missing argument to repetition operator: `*`" },
  { pattern: "\\Q\\E*", want: "missing argument to repetition operator: `*`" },
  { pattern: "{2}", want: "missing argument to repetition operator: `{2}`" },
  { pattern: "a{1001}", want: "invalid repeat count: `{1001}`" },
  { pattern: "a{1,1001}", want: "invalid repeat count: `{1,1001}`" },
  { pattern: "a{2,1}", want: "invalid repeat count: `{2,1}`" },
  { pattern: "a{100000000000}", want: "invalid repeat count: `{100000000000}`" },
  { pattern: "(a{500}){3}", want: "invalid repeat count: `{3}`" },
  { pattern: "(?:[a-z]{4}){0,251}", want: "invalid repeat count: `{0,251}`" },
  { pattern: "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})", want: "invalid repeat count: `{2}`" },
  { pattern: "[z-a]", want: "invalid character class range: `z-a`" },
  { pattern: "[a--]", want: "invalid character class range: `a--`" },
  { pattern: "(?i)[a-Z]", want: "invalid character class range: `a-Z`" },
  { pattern: "[[:foo:]]", want: "invalid character class range: `[:foo:]`" },
  { pattern: "\\p", want: "invalid character class range: `\\p`" },
  { pattern: "\\pé", want: "invalid character class range: `\\pé`" },
  { pattern: "\\p{Foo}", want: "invalid character class range: `\\p{Foo}`" },
  { pattern: "\\p{Script=Greek}", want: "invalid character class range: `\\p{Script=Greek}`" },
  { pattern: "\\p{Grek}", want: "invalid character class range: `\\p{Grek}`" },
  { pattern: "a\\p{Gr", want: "invalid character class range: `\\p{Gr`" },
  { pattern: "[\\p{Foo}]", want: "invalid character class range: `\\p{Foo}`" },
  { pattern: "\ud800", want: "invalid UTF-8: `\ud800`" },
  { pattern: "(".repeat(1000) + ")".repeat(1000), want: "expression nests too deeply: `" + "(".repeat(1000) + ")".repeat(1000) + "`" },
  { pattern: "(?:".repeat(1000) + ")*".repeat(1000), want: "expression nests too deeply: `" + "(?:".repeat(1000) + ")*".repeat(1000) + "`" },
  { pattern: "(xx?){1000}".repeat(1000), want: "expression too large: `" + "(xx?){1000}".repeat(1000) + "`" },
  { pattern: "(" + "(xx?)".repeat(1000) + "){1000}", want: "expression too large: `" + "(" + "(xx?)".repeat(1000) + "){1000}" + "`" },
];

for (const c of errorCases) {
  const name = c.pattern.length > 40 ? c.pattern.slice(0, 40) + "..." : c.pattern;
  test(`rejects ${JSON.stringify(name)}`, () => {
    assert.throws(
      () => compileAnchoredRE2(c.pattern),
      (e: unknown) => e instanceof RegexError && e.message === "error parsing regexp: " + c.want && e.pattern === c.pattern,
    );
  });
}

const validCases = [
  "(".repeat(999) + ")".repeat(999),
  "(?:".repeat(999) + ")*".repeat(999),
  "(" + "|".repeat(12345) + ")",
  "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}))",
  "(?:[a-z]{4}){0,250}",
  "(?P<x>a)(?P<x>b)",
];
for (const p of validCases) {
  test(`accepts ${JSON.stringify(p.length > 40 ? p.slice(0, 40) + "..." : p)}`, () => {
    assert.ok(compileAnchoredRE2(p) instanceof RegExp);
  });
}

// Submatches as Go's FindStringSubmatch on ^(?s:pattern)$ returns them
// (relabeling and label_replace expand $1 and ${name} from these).
const captureCases: { pattern: string; input: string; want: (string | undefined)[]; groups?: Record<string, string | undefined> }[] = [
  { pattern: "(a+)(b*)", input: "aab", want: ["aab", "aa", "b"] },
  { pattern: "(.*)-(.*)", input: "a-b-c", want: ["a-b-c", "a-b", "c"] },
  { pattern: "(.*?)-(.*)", input: "a-b-c", want: ["a-b-c", "a", "b-c"] },
  { pattern: "(?U)(.*)-(.*)", input: "a-b-c", want: ["a-b-c", "a", "b-c"] },
  { pattern: "(?U)(.*?)-(.*)", input: "a-b-c", want: ["a-b-c", "a-b", "c"] },
  { pattern: "(?:a)(b)", input: "ab", want: ["ab", "b"] },
  { pattern: "(a)|(b)", input: "b", want: ["b", undefined, "b"] },
  { pattern: "(?i)(K)", input: "k", want: ["k", "k"] },
  { pattern: "(?P<x>a)(?<y>b)", input: "ab", want: ["ab", "a", "b"], groups: { x: "a", y: "b" } },
  { pattern: "(?P<x>a)(?P<x>b)", input: "ab", want: ["ab", "a", "b"], groups: { x: "a" } },
  { pattern: "((a)(b(c)))", input: "abc", want: ["abc", "abc", "a", "bc", "c"] },
];

for (const c of captureCases) {
  test(`submatches of ${JSON.stringify(c.pattern)} on ${JSON.stringify(c.input)}`, () => {
    const m = compileAnchoredRE2(c.pattern).exec(c.input);
    assert.ok(m !== null);
    assert.deepEqual([...m], c.want);
    if (c.groups !== undefined) assert.deepEqual({ ...m.groups }, c.groups);
  });
}

test("every script and category name Go accepts compiles", () => {
  for (const s of RE2_SCRIPTS) assert.ok(compileAnchoredRE2(`\\p{${s}}`) instanceof RegExp, s);
  for (const c of ["L", "Lu", "LC", "Nd", "Zs", "Cn", "C", "Other", "Cased_Letter", "cntrl", "punct"]) {
    assert.ok(compileAnchoredRE2(`\\p{${c}}(?i)\\P{${c}}`) instanceof RegExp, c);
  }
});

test("fold orbits follow simple case folding", () => {
  const cases: [string, string][] = [
    ["k", "Kk\u212a"],
    ["s", "Ssſ"],
    ["i", "Ii"],
    ["ı", "ı"],
    ["σ", "Σσς"],
    ["ß", "ßẞ"],
    ["1", "1"],
  ];
  for (const [ch, want] of cases) {
    const got = foldOrbit(ch.codePointAt(0)!).map((c) => String.fromCodePoint(c)).join("");
    assert.equal(got, [...want].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!).join(""), ch);
  }
});

test("compiled patterns are cached", () => {
  assert.equal(compileAnchoredRE2("cache-me.*"), compileAnchoredRE2("cache-me.*"));
});

test("LruCache evicts the least recently used entry", () => {
  const c = new LruCache<number>(2);
  c.set("a", 1);
  c.set("b", 2);
  assert.equal(c.get("a"), 1); // b is now the oldest
  c.set("c", 3);
  assert.equal(c.get("b"), undefined);
  assert.equal(c.get("a"), 1);
  assert.equal(c.get("c"), 3);
  assert.equal(c.size, 2);
});

// Seeded random differential tests. There is no Go here; instead, patterns
// are drawn from subsets where JavaScript's own RegExp (flags `su`, or `iu`
// for case folding) provably means the same thing as RE2, and the two are
// compared on random inputs.

function randomPattern(rnd: () => number, atoms: readonly string[], depth: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const branches = 1 + Math.floor(rnd() * 2);
  const out: string[] = [];
  for (let b = 0; b < branches; b++) {
    let seq = "";
    const n = Math.floor(rnd() * 4);
    for (let i = 0; i < n; i++) {
      let atom = depth > 0 && rnd() < 0.25 ? `(${rnd() < 0.5 ? "?:" : ""}${randomPattern(rnd, atoms, depth - 1)})` : pick(atoms);
      if (rnd() < 0.35) atom += pick(["*", "+", "?", "{2}", "{1,2}", "{0,}", "*?", "+?"]);
      seq += atom;
    }
    out.push(seq);
  }
  return out.join("|");
}

function randomInput(rnd: () => number, alphabet: readonly string[]): string {
  let s = "";
  const n = Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)]!;
  return s;
}

test("random patterns agree with JavaScript's RegExp where the syntaxes coincide", () => {
  const rnd = seededRandom(20240601);
  const atoms = ["a", "b", ".", "[ab]", "[^a]", "[a-c]", "\\d", "\\w", "ab", "\\.", "😀", "\\x61"];
  const alphabet = ["a", "b", "c", "1", ".", "\n", "😀", " "];
  for (let i = 0; i < 400; i++) {
    const p = randomPattern(rnd, atoms, 2);
    const ours = compileAnchoredRE2(p);
    const native = new RegExp(`^(?:${p})$`, "su");
    for (let j = 0; j < 20; j++) {
      const s = randomInput(rnd, alphabet);
      assert.equal(ours.test(s), native.test(s), `${JSON.stringify(p)} on ${JSON.stringify(s)}`);
    }
  }
});

test("random (?i) patterns agree with JavaScript's simple case folding", () => {
  const rnd = seededRandom(7);
  const atoms = ["k", "s", "K", "ß", "σ", "i", "ı", "İ", "[a-k]", "[^s]", "[ſ]", "é", "Δ"];
  const alphabet = ["k", "K", "\u212a", "s", "S", "ſ", "ß", "ẞ", "σ", "ς", "Σ", "i", "I", "ı", "İ", "É", "δ", "x"];
  for (let i = 0; i < 300; i++) {
    const p = randomPattern(rnd, atoms, 1);
    const ours = compileAnchoredRE2(`(?i)${p}`);
    const native = new RegExp(`^(?:${p})$`, "iu");
    for (let j = 0; j < 20; j++) {
      const s = randomInput(rnd, alphabet);
      assert.equal(ours.test(s), native.test(s), `(?i)${JSON.stringify(p)} on ${JSON.stringify(s)}`);
    }
  }
});
