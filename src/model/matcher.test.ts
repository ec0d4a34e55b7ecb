import { test } from "node:test";
import assert from "node:assert/strict";
import { Matcher, MatchType, RegexError } from "./index.ts";

const cases: { name: string; type: MatchType; value: string; input: string; want: boolean }[] = [
  { name: "= equal value", type: MatchType.Equal, value: "foo", input: "foo", want: true },
  { name: "= other value", type: MatchType.Equal, value: "foo", input: "bar", want: false },
  { name: "= is not a regex", type: MatchType.Equal, value: "f.o", input: "foo", want: false },
  { name: "= empty matches a missing label", type: MatchType.Equal, value: "", input: "", want: true },
  { name: "!= other value", type: MatchType.NotEqual, value: "foo", input: "bar", want: true },
  { name: "!= equal value", type: MatchType.NotEqual, value: "foo", input: "foo", want: false },
  { name: "!= empty on a missing label", type: MatchType.NotEqual, value: "", input: "", want: false },
  { name: "=~ is anchored at the start", type: MatchType.Regexp, value: "oo", input: "foo", want: false },
  { name: "=~ is anchored at the end", type: MatchType.Regexp, value: "fo", input: "foo", want: false },
  { name: "=~ alternation", type: MatchType.Regexp, value: "foo|bar", input: "bar", want: true },
  { name: "=~ alternation is anchored as a whole", type: MatchType.Regexp, value: "foo|bar", input: "foobar", want: false },
  { name: "=~ dot matches newline", type: MatchType.Regexp, value: "a.b", input: "a\nb", want: true },
  { name: "=~ prefix", type: MatchType.Regexp, value: "api_.*", input: "api_http", want: true },
  { name: "=~ case-insensitive", type: MatchType.Regexp, value: "(?i)GET", input: "get", want: true },
  { name: "=~ class", type: MatchType.Regexp, value: "5[0-9]{2}", input: "503", want: true },
  { name: "=~ .* matches a missing label", type: MatchType.Regexp, value: ".*", input: "", want: true },
  { name: "=~ .+ does not match a missing label", type: MatchType.Regexp, value: ".+", input: "", want: false },
  { name: "!~ non-matching value", type: MatchType.NotRegexp, value: "foo|bar", input: "baz", want: true },
  { name: "!~ matching value", type: MatchType.NotRegexp, value: "foo|bar", input: "foo", want: false },
  { name: "!~ is anchored", type: MatchType.NotRegexp, value: "fo", input: "foo", want: true },
  { name: "!~ empty on a missing label", type: MatchType.NotRegexp, value: "", input: "", want: false },
  { name: "!~ \\s is RE2's ASCII class", type: MatchType.NotRegexp, value: "\\s", input: "\u00a0", want: true },
];

for (const c of cases) {
  test(c.name, () => {
    assert.equal(new Matcher(c.type, "l", c.value).matches(c.input), c.want);
  });
}

const emptyCases: { name: string; type: MatchType; value: string; want: boolean }[] = [
  { name: 'l="" matches empty', type: MatchType.Equal, value: "", want: true },
  { name: 'l="x" does not match empty', type: MatchType.Equal, value: "x", want: false },
  { name: 'l!="x" matches empty', type: MatchType.NotEqual, value: "x", want: true },
  { name: 'l=~"x?" matches empty', type: MatchType.Regexp, value: "x?", want: true },
  { name: 'l=~"x" does not match empty', type: MatchType.Regexp, value: "x", want: false },
  { name: 'l!~"x" matches empty', type: MatchType.NotRegexp, value: "x", want: true },
  { name: 'l!~".*" does not match empty', type: MatchType.NotRegexp, value: ".*", want: false },
];

for (const c of emptyCases) {
  test(`matchesEmpty: ${c.name}`, () => {
    assert.equal(new Matcher(c.type, "l", c.value).matchesEmpty(), c.want);
  });
}

const stringCases: { type: MatchType; name: string; value: string; want: string }[] = [
  { type: MatchType.Equal, name: "job", value: "api", want: 'job="api"' },
  { type: MatchType.NotEqual, name: "job", value: "a\"b", want: 'job!="a\\"b"' },
  { type: MatchType.Regexp, name: "path", value: "/api/.*", want: 'path=~"/api/.*"' },
  { type: MatchType.NotRegexp, name: "code", value: "5\\d\\d", want: 'code!~"5\\\\d\\\\d"' },
  { type: MatchType.Equal, name: "host.name", value: "x", want: '"host.name"="x"' },
];

for (const c of stringCases) {
  test(`toString ${c.want}`, () => {
    const m = new Matcher(c.type, c.name, c.value);
    assert.equal(m.toString(), c.want);
    assert.equal(m.type, c.type);
    assert.equal(m.name, c.name);
    assert.equal(m.value, c.value);
  });
}

test("an invalid regex throws RegexError with Go's message", () => {
  assert.throws(
    () => new Matcher(MatchType.Regexp, "l", "(?=x)"),
    (e: unknown) => e instanceof RegexError && e.message === "error parsing regexp: invalid or unsupported Perl syntax: `(?=`",
  );
  assert.throws(() => new Matcher(MatchType.NotRegexp, "l", "a**"), RegexError);
});

test("equality matchers never parse their value as a regex", () => {
  assert.equal(new Matcher(MatchType.Equal, "l", "(").matches("("), true);
  assert.equal(new Matcher(MatchType.NotEqual, "l", "a**").matches("b"), true);
});
