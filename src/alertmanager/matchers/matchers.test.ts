import { test } from "node:test";
import assert from "node:assert/strict";
import { MatcherParseError, formatMatcher, formatMatchers, parseMatcher, parseMatchers } from "./index.ts";

const ok = [
  { in: "{foo=\"bar\"}", want: [["=", "foo", "bar"]] },
  { in: "{foo=~\"bar.*\"}", want: [["=~", "foo", "bar.*"]] },
  { in: "{foo!=\"bar\"}", want: [["!=", "foo", "bar"]] },
  { in: "{foo!~\"bar.*\"}", want: [["!~", "foo", "bar.*"]] },
  { in: '{foo="bar", baz!="quux"}', want: [["=", "foo", "bar"], ["!=", "baz", "quux"]] },
  { in: '{foo="bar", baz!~"quux.*"}', want: [["=", "foo", "bar"], ["!~", "baz", "quux.*"]] },
  { in: '{foo="bar",baz!~".*quux", derp="wat"}', want: [["=", "foo", "bar"], ["!~", "baz", ".*quux"], ["=", "derp", "wat"]] },
  { in: '{foo="bar", baz!="quux", derp="wat"}', want: [["=", "foo", "bar"], ["!=", "baz", "quux"], ["=", "derp", "wat"]] },
  { in: '{foo="bar", baz!~".*quux.*", derp="wat"}', want: [["=", "foo", "bar"], ["!~", "baz", ".*quux.*"], ["=", "derp", "wat"]] },
  { in: '{foo="bar", instance=~"some-api.*"}', want: [["=", "foo", "bar"], ["=~", "instance", "some-api.*"]] },
  { in: '{foo=""}', want: [["=", "foo", ""]] },
  { in: '{foo="bar,quux", job="job1"}', want: [["=", "foo", "bar,quux"], ["=", "job", "job1"]] },
  { in: '{foo = "bar", dings != "bums", }', want: [["=", "foo", "bar"], ["!=", "dings", "bums"]] },
  { in: "foo=bar,dings!=bums", want: [["=", "foo", "bar"], ["!=", "dings", "bums"]] },
  { in: '{quote="She said: \\"Hi, ladies! That\'s gender-neutral…\\""}', want: [["=", "quote", "She said: \"Hi, ladies! That's gender-neutral…\""]] },
  { in: "statuscode=~\"5..\"", want: [["=~", "statuscode", "5.."]] },
  { in: "tags=~\"^(?:.*,)?wat(?:,.*)?$\"", want: [["=~", "tags", "^(?:.*,)?wat(?:,.*)?$"]] },
  { in: 'trickier=~"a\\\\tb"', want: [["=~", "trickier", "a\\tb"]] },
  { in: 'contains_quote != "\\"" , contains_comma !~ "foo,bar" , ', want: [["!=", "contains_quote", '"'], ["!~", "contains_comma", "foo,bar"]] },
  { in: 'spurious_escape="\\q"', want: [["=", "spurious_escape", "\\q"]] },
  { in: 'newline="a\\nb"', want: [["=", "newline", "a\nb"]] },
  { in: "foo=", want: [["=", "foo", ""]] },
  { in: 'trickier==\\\\=\\=\\"', want: [["=", "trickier", '=\\=\\="']] },
  { in: "{}", want: [] },
  { in: "", want: [] },
];
for (const c of ok) {
  test(`parseMatchers ${c.in}`, () => {
    assert.deepEqual(
      parseMatchers(c.in).map((m) => [m.type, m.name, m.value]),
      c.want,
    );
  });
}

const bad = [
  { in: 'job="value', err: 'matcher value contains unescaped double quote: "value' },
  { in: 'job=value"', err: 'matcher value contains unescaped double quote: value"' },
  { in: 'contains_unescaped_quote = foo"bar', err: 'matcher value contains unescaped double quote: foo"bar' },
  { in: "{foo=~\"invalid[regexp\"}", err: "error parsing regexp: missing closing ]: `[regexp)$`" },
  { in: "{0foo=\"bar\"}", err: 'bad matcher format: 0foo="bar"' },
  { in: "{foo}", err: "bad matcher format: foo" },
];
for (const c of bad) {
  test(`parseMatchers rejects ${c.in}`, () => {
    assert.throws(() => parseMatchers(c.in), (e: Error) => {
      assert.ok(e instanceof MatcherParseError || e.name === "RegexError", e.name);
      if (e instanceof MatcherParseError) assert.equal(e.message, c.err);
      else assert.match(e.message, /^error parsing regexp: missing closing \]/);
      return true;
    });
  });
}

const formats = [
  { in: 'foo="bar"', want: 'foo="bar"' },
  { in: 'foo=~"a\\\\b"', want: 'foo=~"a\\\\b"' },
  { in: 'q="say \\"hi\\"\\n"', want: 'q="say \\"hi\\"\\n"' },
];
for (const c of formats) test(`formatMatcher ${c.in}`, () => assert.equal(formatMatcher(parseMatcher(c.in)), c.want));

test("formatMatchers joins with commas in braces", () => {
  assert.equal(formatMatchers(parseMatchers("a=b, c!~d")), '{a="b",c!~"d"}');
  assert.equal(formatMatchers([]), "{}");
});

test("regex matchers are anchored", () => {
  const m = parseMatcher("a=~b.");
  assert.equal(m.matches("bc"), true);
  assert.equal(m.matches("abc"), false);
});
