// Parse errors re-typed from Go's text/template/parse parse_test.go
// (errorTests), with the full messages; trim-marker and lexer rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Template, TemplateParseError } from "./index.ts";

function parseError(name: string, text: string): string | null {
  try {
    new Template(name).parse(text);
    return null;
  } catch (e) {
    if (!(e instanceof TemplateParseError)) throw e;
    return e.message;
  }
}

const errorRows: Array<[string, string, string]> = [
  ["unclosed1", "line1\n{{", "template: unclosed1:2: unclosed action"],
  ["unclosed2", "line1\n{{define `x`}}line2\n{{", "template: unclosed2:3: unclosed action"],
  ["unclosed3", 'line1\n{{"x"\n"y"\n', "template: unclosed3:4: unclosed action started at unclosed3:2"],
  ["unclosed4", "{{\n\n\n\n\n", "template: unclosed4:6: unclosed action started at unclosed4:1"],
  ["var1", "line1\n{{\nx\n}}", 'template: var1:3: function "x" not defined'],
  ["function", "{{foo}}", 'template: function:1: function "foo" not defined'],
  ["comment1", "{{/*}}", "template: comment1:1: unclosed comment"],
  ["comment2", "{{/*\n}}", "template: comment2:1: unclosed comment"],
  ["comment3", "{{/* x */ y}}", "template: comment3:1: comment ends before closing delimiter"],
  ["lparen", "{{.X (1 2 3}}", "template: lparen:1: unclosed left paren"],
  ["rparen", "{{.X 1 2 3 ) }}", "template: rparen:1: unexpected right paren"],
  ["rparen2", "{{(.X 1 2 3", "template: rparen2:1: unclosed action"],
  ["space", "{{`x`3}}", 'template: space:1: unexpected "3" in operand'],
  ["idchar", "{{a#}}", "template: idchar:1: bad character U+0023 '#'"],
  ["charconst", "{{'a}}", "template: charconst:1: unterminated character constant"],
  ["stringconst", '{{"a}}', "template: stringconst:1: unterminated quoted string"],
  ["rawstringconst", "{{`a}}", "template: rawstringconst:1: unterminated raw quoted string"],
  ["number", "{{0xi}}", 'template: number:1: illegal number syntax: "0xi"'],
  ["multidefine", "{{define `a`}}a{{end}}{{define `a`}}b{{end}}", 'template: multidefine:1: template: multiple definition of template "a"'],
  ["eof", "{{range .X}}", "template: eof:1: unexpected EOF"],
  ["variable", "{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}", 'template: variable:1: unexpected ":=" in operand'],
  ["multidecl", "{{$a,$b,$c := 23}}", "template: multidecl:1: too many declarations in command"],
  ["undefvar", "{{$a}}", 'template: undefvar:1: undefined variable "$a"'],
  ["wrongdot", "{{true.any}}", 'template: wrongdot:1: unexpected . after term "true"'],
  ["wrongpipeline", "{{12|false}}", "template: wrongpipeline:1: non executable command in pipeline stage 2"],
  ["emptypipeline", "{{ ( ) }}", "template: emptypipeline:1: missing value for parenthesized pipeline"],
  ["emptyaction", "{{}}", "template: emptyaction:1: missing value for command"],
  ["multilinerawstring", "{{ $v := `\n` }} {{", "template: multilinerawstring:2: unclosed action"],
  ["rangeundefvar", "{{range $k}}{{end}}", 'template: rangeundefvar:1: undefined variable "$k"'],
  ["rangeundefvars", "{{range $k, $v}}{{end}}", 'template: rangeundefvars:1: undefined variable "$v"'],
  ["rangemissingvalue1", "{{range $k,}}{{end}}", "template: rangemissingvalue1:1: missing value for range"],
  ["rangemissingvalue2", "{{range $k, $v := }}{{end}}", "template: rangemissingvalue2:1: missing value for range"],
  ["rangenotvariable1", "{{range $k, .}}{{end}}", "template: rangenotvariable1:1: range can only initialize variables"],
  ["rangenotvariable2", "{{range $k, 123 := .}}{{end}}", "template: rangenotvariable2:1: range can only initialize variables"],
  ["break outside range", "{{range .}}{{end}} {{break}}", "template: break outside range:1: {{break}} outside {{range}}"],
  ["continue outside range", "{{range .}}{{end}} {{continue}}", "template: continue outside range:1: {{continue}} outside {{range}}"],
  ["break in range else", "{{range .}}{{else}}{{break}}{{end}}", "template: break in range else:1: {{break}} outside {{range}}"],
  ["break with argument", "{{range .}}{{break 1}}{{end}}", 'template: break with argument:1: unexpected "1" in {{break}}'],
  ["unexpected end", "{{end}}", "template: unexpected end:1: unexpected {{end}}"],
  ["unexpected else", "a{{else}}", "template: unexpected else:1: unexpected {{else}}"],
  ["else else", "{{if .}}{{else}}{{else}}{{end}}", "template: else else:1: expected end; found {{else}}"],
  ["unclosed brace", "{{ .Foo }", 'template: unclosed brace:1: unexpected "}" in operand'],
  ["nbsp", "{{\u00a0}}", "template: nbsp:1: unrecognized character in action: U+00A0"],
  ["define name", "{{define x}}{{end}}", 'template: define name:1: unexpected "x" in define clause'],
  ["template name", "{{template .X}}", 'template: template name:1: unexpected ".X" in template clause'],
  ["bad escape", '{{"\\q"}}', "template: bad escape:1: invalid syntax"],
  ["integer overflow", "{{print 99999999999999999999}}", 'template: integer overflow:1: integer overflow: "99999999999999999999"'],
  ["long token", '{{define "a" "abcdefghijklmnop"}}{{end}}', 'template: long token:1: unexpected "\\"abcdefghi"... in define clause'],
  ["bad number", "{{3k}}", 'template: bad number:1: bad number syntax: "3k"'],
  ["error on a later line", "a\nb\n{{ .X ) }}", "template: error on a later line:3: unexpected right paren"],
];

for (const [name, text, want] of errorRows) {
  test(`parse error: ${name}`, () => {
    assert.equal(parseError(name, text), want);
  });
}

const trimRows: Array<[string, string, string]> = [
  ["trim left", "x \r\n\t{{- 3}}", "x3"],
  ["trim right", "{{3 -}}\n\n\ty", "3y"],
  ["trim left and right", "x \r\n\t{{- 3 -}}\n\n\ty", "x3y"],
  ["trim with extra spaces", "x\n{{-  3   -}}\ny", "x3y"],
  ["comment trim left", "x \r\n\t{{- /* hi */}}", "x"],
  ["comment trim right", "{{/* hi */ -}}\n\n\ty", "y"],
  ["comment trim left and right", "x \r\n\t{{- /* */ -}}\n\n\ty", "xy"],
  ["no trim without space", "x {{-3}} y", "x -3 y"],
  ["block definition trims", 'a {{- block "b" . -}} B {{- end -}} c', "aBc"],
];

for (const [name, text, want] of trimRows) {
  test(`trim: ${name}`, async () => {
    assert.equal(await new Template("t").parse(text).execute(null), want);
  });
}
