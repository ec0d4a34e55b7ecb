import { test } from "node:test";
import assert from "node:assert/strict";
import { TokenType, describeToken, lex } from "./lexer.ts";

const names = new Map<number, string>(Object.entries(TokenType).map(([k, v]) => [v, k]));

/** Tokens as "TYPE:text" (ERROR shows its message), without the final EOF. */
function tokens(input: string): string[] {
  const t = lex(input);
  const out: string[] = [];
  for (let i = 0; i < t.count - 1; i++) out.push(`${names.get(t.types[i]!)}:${t.text(i)}`);
  assert.equal(t.types[t.count - 1], TokenType.EOF);
  return out;
}

const cases: { name: string; input: string; want: string[] }[] = [
  { name: "punctuation", input: ",()[]{}", want: ["COMMA:,", "LEFT_PAREN:(", "RIGHT_PAREN:)", "LEFT_BRACKET:[", "RIGHT_BRACKET:]", "LEFT_BRACE:{", "RIGHT_BRACE:}"] },
  { name: "spaces and comments", input: " \t\n# a comment\r\nfoo # trailing", want: ["IDENTIFIER:foo"] },
  { name: "integers", input: "1 0755 0x1F 1_000", want: ["NUMBER:1", "NUMBER:0755", "NUMBER:0x1F", "NUMBER:1_000"] },
  { name: "floats", input: "5. .5 5.5e-3 1E3 2.5e+10", want: ["NUMBER:5.", "NUMBER:.5", "NUMBER:5.5e-3", "NUMBER:1E3", "NUMBER:2.5e+10"] },
  { name: "inf and nan are numbers in any case", input: "Inf NaN inf nAN", want: ["NUMBER:Inf", "NUMBER:NaN", "NUMBER:inf", "NUMBER:nAN"] },
  { name: "durations", input: "5m 1h30m 1y 250ms 5d4h", want: ["DURATION:5m", "DURATION:1h30m", "DURATION:1y", "DURATION:250ms", "DURATION:5d4h"] },
  { name: "operators", input: "+ - * / % ^ == != < <= > >= @ </ >/", want: ["ADD:+", "SUB:-", "MUL:*", "DIV:/", "MOD:%", "POW:^", "EQLC:==", "NEQ:!=", "LSS:<", "LTE:<=", "GTR:>", "GTE:>=", "AT:@", "TRIM_UPPER:</", "TRIM_LOWER:>/"] },
  { name: "keywords are case-insensitive", input: "and OR Unless atan2 BY without ON ignoring group_left GROUP_RIGHT bool offset", want: ["LAND:and", "LOR:OR", "LUNLESS:Unless", "ATAN2:atan2", "BY:BY", "WITHOUT:without", "ON:ON", "IGNORING:ignoring", "GROUP_LEFT:group_left", "GROUP_RIGHT:GROUP_RIGHT", "BOOL:bool", "OFFSET:offset"] },
  { name: "aggregators", input: "sum avg count min max group stddev stdvar topk bottomk count_values quantile limitk limit_ratio", want: ["SUM:sum", "AVG:avg", "COUNT:count", "MIN:min", "MAX:max", "GROUP:group", "STDDEV:stddev", "STDVAR:stdvar", "TOPK:topk", "BOTTOMK:bottomk", "COUNT_VALUES:count_values", "QUANTILE:quantile", "LIMITK:limitk", "LIMIT_RATIO:limit_ratio"] },
  { name: "preprocessors and modifiers", input: "start end step range anchored smoothed", want: ["START:start", "END:end", "STEP:step", "RANGE:range", "ANCHORED:anchored", "SMOOTHED:smoothed"] },
  { name: "identifiers and metric identifiers", input: "foo _bar:baz :x a1", want: ["IDENTIFIER:foo", "METRIC_IDENTIFIER:_bar:baz", "METRIC_IDENTIFIER::x", "IDENTIFIER:a1"] },
  { name: "keywords are identifiers inside braces", input: '{by="a", offset!~"b", sum=~"c", x!="d"}', want: ["LEFT_BRACE:{", "IDENTIFIER:by", "EQL:=", 'STRING:"a"', "COMMA:,", "IDENTIFIER:offset", "NEQ_REGEX:!~", 'STRING:"b"', "COMMA:,", "IDENTIFIER:sum", "EQL_REGEX:=~", 'STRING:"c"', "COMMA:,", "IDENTIFIER:x", "NEQ:!=", 'STRING:"d"', "RIGHT_BRACE:}"] },
  { name: "quoted names in braces", input: '{"my.metric", "a.b"="c"}', want: ["LEFT_BRACE:{", 'STRING:"my.metric"', "COMMA:,", 'STRING:"a.b"', "EQL:=", 'STRING:"c"', "RIGHT_BRACE:}"] },
  { name: "strings", input: `"a\\"b" 'c\\'d' \`e\\f\``, want: ['STRING:"a\\"b"', "STRING:'c\\'d'", "STRING:`e\\f`"] },
  { name: "escapes", input: `"\\a\\b\\f\\n\\r\\t\\v\\\\ \\xFF \\377 \\u1234 \\U00010111"`, want: [`STRING:"\\a\\b\\f\\n\\r\\t\\v\\\\ \\xFF \\377 \\u1234 \\U00010111"`] },
  { name: "range", input: "foo[5m]", want: ["IDENTIFIER:foo", "LEFT_BRACKET:[", "DURATION:5m", "RIGHT_BRACKET:]"] },
  { name: "subquery", input: "foo[ 5m : 1m ]", want: ["IDENTIFIER:foo", "LEFT_BRACKET:[", "DURATION:5m", "COLON::", "DURATION:1m", "RIGHT_BRACKET:]"] },
  { name: "duration expression", input: "[-(1h+step())*2:min_of(1m,RANGE())]", want: ["LEFT_BRACKET:[", "SUB:-", "LEFT_PAREN:(", "DURATION:1h", "ADD:+", "STEP:step", "LEFT_PAREN:(", "RIGHT_PAREN:)", "RIGHT_PAREN:)", "MUL:*", "NUMBER:2", "COLON::", "IDENTIFIER:min_of", "LEFT_PAREN:(", "DURATION:1m", "COMMA:,", "RANGE:RANGE", "LEFT_PAREN:(", "RIGHT_PAREN:)", "RIGHT_PAREN:)", "RIGHT_BRACKET:]"] },
  { name: "numeric seconds in brackets", input: "[1800]", want: ["LEFT_BRACKET:[", "NUMBER:1800", "RIGHT_BRACKET:]"] },
  // Errors: the scan stops at the first one.
  { name: "bad number", input: "0deadbeef", want: ['ERROR:bad number or duration syntax: "0de"'] },
  { name: "double dot", input: "1..2", want: ['ERROR:bad number or duration syntax: "1.."'] },
  { name: "underscore before dot", input: "1_.5", want: ['ERROR:bad number or duration syntax: "1_."'] },
  { name: "trailing underscore", input: "1_", want: ['ERROR:bad number or duration syntax: "1_"'] },
  { name: "bad unit", input: "5mm", want: ['ERROR:bad number or duration syntax: "5mm"'] },
  { name: "unexpected character", input: "foo ; bar", want: ["IDENTIFIER:foo", "ERROR:unexpected character: ';'"] },
  { name: "non-ASCII character", input: "foo ☺", want: ["IDENTIFIER:foo", "ERROR:unexpected character: '☺'"] },
  { name: "=~ outside braces", input: "a =~ b", want: ["IDENTIFIER:a", "ERROR:unexpected character after '=': '~'"] },
  { name: "! outside braces", input: "a ! b", want: ["IDENTIFIER:a", "ERROR:unexpected character after '!': ' '"] },
  { name: "! inside braces", input: "{a!b}", want: ["LEFT_BRACE:{", "IDENTIFIER:a", "ERROR:unexpected character after '!' inside braces: 'b'"] },
  { name: "nested braces", input: "{{", want: ["LEFT_BRACE:{", "ERROR:unexpected left brace '{'"] },
  { name: "unclosed brace", input: "{a", want: ["LEFT_BRACE:{", "IDENTIFIER:a", "ERROR:unexpected end of input inside braces"] },
  { name: "unclosed paren", input: "(a", want: ["LEFT_PAREN:(", "IDENTIFIER:a", "ERROR:unclosed left parenthesis"] },
  { name: "extra paren", input: "a)", want: ["IDENTIFIER:a", "ERROR:unexpected right parenthesis ')'"] },
  { name: "nested brackets", input: "a[1m[", want: ["IDENTIFIER:a", "LEFT_BRACKET:[", "DURATION:1m", "ERROR:unexpected left bracket '['"] },
  { name: "unexpected right bracket", input: "a]", want: ["IDENTIFIER:a", "ERROR:unexpected right bracket ']'"] },
  { name: "unclosed bracket", input: "a[5m", want: ["IDENTIFIER:a", "LEFT_BRACKET:[", "DURATION:5m", "ERROR:unclosed left bracket"] },
  { name: "end in duration expression", input: "a[", want: ["IDENTIFIER:a", "LEFT_BRACKET:[", "ERROR:unexpected end of input in duration expression"] },
  { name: "word in duration expression", input: "a[foo]", want: ["IDENTIFIER:a", "LEFT_BRACKET:[", "ERROR:unexpected character in duration expression: 'f'"] },
  { name: "word after duration", input: "a[5m x]", want: ["IDENTIFIER:a", "LEFT_BRACKET:[", "DURATION:5m", "ERROR:unexpected character: 'x', expected ':'"] },
  { name: "colon first", input: "a[:5m]", want: ["IDENTIFIER:a", "LEFT_BRACKET:[", "ERROR:unexpected colon before duration in duration expression"] },
  { name: "two colons", input: "a[5m:1m:]", want: ["IDENTIFIER:a", "LEFT_BRACKET:[", "DURATION:5m", "COLON::", "DURATION:1m", "ERROR:unexpected colon ':'"] },
  { name: "unknown escape", input: '"\\c"', want: ["ERROR:unknown escape sequence U+0063 'c'"] },
  { name: "wrong quote escaped", input: `"\\'"`, want: ["ERROR:unknown escape sequence U+0027 '''"] },
  { name: "short hex escape", input: '"\\x4"', want: ["ERROR:illegal character U+0022 '\"' in escape sequence"] },
  { name: "octal out of range", input: '"\\777"', want: ["ERROR:escape sequence is an invalid Unicode code point"] },
  { name: "surrogate escape", input: '"\\uDC00"', want: ["ERROR:escape sequence is an invalid Unicode code point"] },
  { name: "code point too large", input: '"\\U00110000"', want: ["ERROR:escape sequence is an invalid Unicode code point"] },
  { name: "unterminated string", input: '"abc', want: ["ERROR:unterminated quoted string"] },
  { name: "newline in string", input: "'a\nb'", want: ["ERROR:unterminated quoted string"] },
  { name: "unterminated raw string", input: "`abc", want: ["ERROR:unterminated raw string"] },
  { name: "lone surrogate", input: '"\ud800"', want: ["ERROR:invalid UTF-8 rune"] },
];

for (const c of cases) {
  test(`lexes ${c.name}`, () => assert.deepEqual(tokens(c.input), c.want));
}

test("the error token spans from the bad item to the end of the input", () => {
  const t = lex("foo{a*\"b\"}");
  const i = t.count - 2;
  assert.equal(t.types[i], TokenType.ERROR);
  assert.deepEqual([t.starts[i], t.ends[i]], [5, 10]);
});

test("positions are UTF-16 offsets", () => {
  const t = lex('{a="☺☺"} + b');
  assert.deepEqual([t.starts[3], t.ends[3]], [3, 7]);
  assert.deepEqual([t.starts[6], t.ends[6]], [11, 12]);
});

const descriptions: { type: number; text: string; want: string }[] = [
  { type: TokenType.EOF, text: "", want: "end of input" },
  { type: TokenType.IDENTIFIER, text: "foo", want: 'identifier "foo"' },
  { type: TokenType.METRIC_IDENTIFIER, text: "a:b", want: 'metric identifier "a:b"' },
  { type: TokenType.MUL, text: "*", want: "<op:*>" },
  { type: TokenType.LAND, text: "AND", want: "<op:AND>" },
  { type: TokenType.SUM, text: "sum", want: "<aggr:sum>" },
  { type: TokenType.BY, text: "by", want: "<by>" },
  { type: TokenType.RIGHT_BRACE, text: "}", want: '"}"' },
  { type: TokenType.STEP, text: "step", want: '"step"' },
  { type: TokenType.NUMBER, text: "5", want: 'number "5"' },
  { type: TokenType.DURATION, text: "5m", want: 'duration "5m"' },
  { type: TokenType.STRING, text: '"a long string"', want: 'string "\\"a long st"...' },
];
for (const c of descriptions) {
  test(`describes ${c.want}`, () => assert.equal(describeToken(c.type, c.text), c.want));
}
