// Rows re-typed from Go's text/template exec_test.go (execTests, cmpTests,
// TestMissingMapKey), with the fixture T rebuilt in the JS value model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GoDuration, MissingKey, Template, TemplateExecError, TemplateParseError, TypedMap, defineFunc, stringMap, typeName } from "./index.ts";
import type { FuncMap } from "./index.ts";

class U {
  readonly V: string;
  constructor(v: string) {
    this.V = v;
  }
  TrueFalse(b: boolean): string {
    return b ? "true" : "";
  }
}

class V {
  readonly j: bigint;
  constructor(j: bigint) {
    this.j = j;
  }
  String(): string {
    return `<${this.j}>`;
  }
}

class W {
  readonly k: bigint;
  constructor(k: bigint) {
    this.k = k;
  }
  Error(): string {
    return `[${this.k}]`;
  }
}

class Stringer {
  readonly s: string;
  constructor(s: string) {
    this.s = s;
  }
  String(): string {
    return this.s;
  }
}

class T {
  readonly True = true;
  readonly I = 17n;
  readonly U16 = 16n;
  readonly X = "x";
  readonly S = "xyz";
  readonly U = new U("v");
  readonly V0 = new V(6666n);
  readonly W0 = new W(888n);
  readonly FloatZero = 0.0;
  readonly MSI = new TypedMap<bigint>({ one: 1n, two: 2n, three: 3n }, 0n, "int");
  readonly MSIone = new TypedMap<bigint>({ one: 1n }, 0n, "int");
  readonly MSIEmpty = new TypedMap<bigint>({}, 0n, "int");
  readonly MXI: Record<string, unknown> = { one: 1n };
  readonly MII = new Map<bigint, bigint>([[1n, 1n]]);
  readonly MI64S = new Map<bigint, string>([
    [2n, "i642"],
    [3n, "i643"],
  ]);
  readonly SMSI = [
    new TypedMap<bigint>({ one: 1n, two: 2n }, 0n, "int"),
    new TypedMap<bigint>({ eleven: 11n, twelve: 12n }, 0n, "int"),
  ];
  readonly SI = [3n, 4n, 5n];
  readonly SIEmpty: bigint[] = [];
  readonly SB = [true, false];
  readonly AI = [3n, 4n, 5n];
  readonly Empty0: unknown = null;
  readonly Empty1: unknown = 3n;
  readonly Empty2: unknown = "empty2";
  readonly Empty3: unknown = [7n, 8n];
  readonly Empty4: unknown = new U("UinEmpty");
  readonly Str = new Stringer("foozle");
  readonly BinaryFunc = (a: string, b: string): string => `[${a}=${b}]`;
  readonly VariadicFunc = (...s: string[]): string => `<${s.join("+")}>`;
  readonly NilOKFunc = (s: unknown): boolean => s === null;
  readonly ErrFunc = (): string => "bla";

  Method0(): string {
    return "M0";
  }
  Method1(a: bigint): bigint {
    return a;
  }
  Method2(a: bigint, b: string): string {
    return `Method2: ${a} ${b}`;
  }
  Method3(v: unknown): string {
    return `Method3: ${v === null ? "<nil>" : String(v)}`;
  }
  MAdd(a: bigint, b: bigint[]): bigint[] {
    return b.map((x) => x + a);
  }
  MyError(error: boolean): boolean {
    if (error) throw new Error("my error");
    return false;
  }
  GetU(): U {
    return this.U;
  }
  Copy(): T {
    return this;
  }
}

const tVal = new T();

const funcs: FuncMap = {
  typeOf: defineFunc(["any"], null, (v: unknown) => typeName(v)),
  die: defineFunc([], null, () => {
    throw new Error("die");
  }),
  add: defineFunc(["int", "int"], null, (a: bigint, b: bigint) => a + b),
  echo: defineFunc(["any"], null, (v: unknown) => v),
  makemap: defineFunc([], "string", (...s: string[]) => {
    const m: Record<string, string> = {};
    for (let i = 0; i + 1 < s.length; i += 2) m[s[i]!] = s[i + 1]!;
    return m;
  }),
  oneArg: defineFunc(["string"], null, (a: string) => "oneArg=" + a),
  twoArgs: defineFunc(["string", "string"], null, (a: string, b: string) => a + b),
  dddArg: defineFunc(["int"], "string", (a: bigint, ...s: string[]) => `${a}${s.join("")}`),
  count: defineFunc(["int"], null, (n: bigint) => [..."abcdefghijklmnop".slice(0, Number(n))]),
  mapOfThree: defineFunc([], null, () => ({ three: 3n })),
  returnInt: defineFunc([], null, () => 7n),
  valueString: defineFunc(["string"], null, (v: string) => "value is ignored"),
  zeroArgs: defineFunc([], null, () => "zeroArgs"),
  sleepy: async (s: unknown) => {
    await new Promise((r) => setImmediate(r));
    return `slept ${String(s)}`;
  },
};

async function run(text: string, data: unknown, missingKey: MissingKey = MissingKey.Default): Promise<{ out?: string; err?: string }> {
  try {
    const t = new Template("t", { funcs, missingKey }).parse(text);
    return { out: await t.execute(data) };
  } catch (e) {
    if (!(e instanceof TemplateExecError) && !(e instanceof TemplateParseError)) throw e;
    return { err: e.message };
  }
}

// [name, template, want output, data] — output rows.
const okRows: Array<[string, string, string, unknown]> = [
  ["empty", "", "", null],
  ["text", "some text", "some text", null],
  ["ideal int", "{{typeOf 3}}", "int", 0n],
  ["ideal float", "{{typeOf 1.0}}", "float64", 0n],
  ["ideal exp float", "{{typeOf 1e1}}", "float64", 0n],
  ["ideal hex int", "{{typeOf 0x1}}", "int", 0n],
  ["ideal big int", "{{typeOf 0x7FFFFFFF}}", "int", 0n],
  [".X", "-{{.X}}-", "-x-", tVal],
  [".U.V", "-{{.U.V}}-", "-v-", tVal],
  ["map .one", "{{.MSI.one}}", "1", tVal],
  ["map .two", "{{.MSI.two}}", "2", tVal],
  ["map .NO", "{{.MSI.NO}}", "<no value>", tVal],
  ["map .one interface", "{{.MXI.one}}", "1", tVal],
  ["dot int", "<{{.}}>", "<13>", 13n],
  ["dot float", "<{{.}}>", "<15.1>", 15.1],
  ["dot bool", "<{{.}}>", "<true>", true],
  ["dot string", "<{{.}}>", "<hello>", "hello"],
  ["dot slice", "<{{.}}>", "<[-1 -2 -3]>", [-1n, -2n, -3n]],
  ["dot map", "<{{.}}>", "<map[two:22]>", { two: 22n }],
  ["dot struct", "<{{.}}>", "<{7 seven}>", new (class S { a = 7n; b = "seven"; })()],
  ["$ int", "{{$}}", "123", 123n],
  ["$.I", "{{$.I}}", "17", tVal],
  ["$.U.V", "{{$.U.V}}", "v", tVal],
  ["declare in action", "{{$x := $.U.V}}{{$x}}", "v", tVal],
  ["simple assignment", "{{$x := 2}}{{$x = 3}}{{$x}}", "3", tVal],
  ["nested assignment", "{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}", "3", tVal],
  [
    "nested assignment changes the last declaration",
    "{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}",
    "1",
    tVal,
  ],
  ["V{6666}.String()", "-{{.V0}}-", "-<6666>-", tVal],
  ["W{888}.Error()", "-{{.W0}}-", "-[888]-", tVal],
  ["empty nil", "{{.Empty0}}", "<no value>", tVal],
  ["empty with int", "{{.Empty1}}", "3", tVal],
  ["empty with string", "{{.Empty2}}", "empty2", tVal],
  ["empty with slice", "{{.Empty3}}", "[7 8]", tVal],
  ["empty with struct", "{{.Empty4}}", "{UinEmpty}", tVal],
  ["empty with struct, field", "{{.Empty4.V}}", "UinEmpty", tVal],
  [".Method0", "-{{.Method0}}-", "-M0-", tVal],
  [".Method1(1234)", "-{{.Method1 1234}}-", "-1234-", tVal],
  [".Method1(.I)", "-{{.Method1 .I}}-", "-17-", tVal],
  [".Method2(3, .X)", "-{{.Method2 3 .X}}-", "-Method2: 3 x-", tVal],
  [".Method2(.U16, `str`)", "-{{.Method2 .U16 `str`}}-", "-Method2: 16 str-", tVal],
  [".Method2(.U16, $x)", "{{if $x := .X}}-{{.Method2 .U16 $x}}{{end}}-", "-Method2: 16 x-", tVal],
  [".Method3(nil constant)", "-{{.Method3 nil}}-", "-Method3: <nil>-", tVal],
  [".Method3(nil value)", "-{{.Method3 .MXI.unset}}-", "-Method3: <nil>-", tVal],
  ["method on var", "{{if $x := .}}-{{$x.Method2 .U16 $x.X}}{{end}}-", "-Method2: 16 x-", tVal],
  ["method on chained var", "{{range .MSIone}}{{if $.U.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}", "true", tVal],
  ["chained method", "{{range .MSIone}}{{if $.GetU.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}", "true", tVal],
  ["chained method on variable", "{{with $x := .}}{{with .SI}}{{$.GetU.TrueFalse $.True}}{{end}}{{end}}", "true", tVal],
  [".NilOKFunc not nil", "{{call .NilOKFunc .I}}", "false", tVal],
  [".NilOKFunc nil", "{{call .NilOKFunc nil}}", "true", tVal],
  ["method on nil value from slice", "-{{range .}}{{.Method1 1234}}{{end}}-", "-1234-", [tVal]],
  [".BinaryFunc", "{{call .BinaryFunc `1` `2`}}", "[1=2]", tVal],
  [".VariadicFunc0", "{{call .VariadicFunc}}", "<>", tVal],
  [".VariadicFunc2", "{{call .VariadicFunc `he` `llo`}}", "<he+llo>", tVal],
  ["if .BinaryFunc call", "{{ if .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{end}}", "[1=2]", tVal],
  ["if not .BinaryFunc call", "{{ if not .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{else}}No{{end}}", "No", tVal],
  [".ErrFunc", "{{call .ErrFunc}}", "bla", tVal],
  ["pipeline", "-{{.Method0 | .Method2 .U16}}-", "-Method2: 16 M0-", tVal],
  ["pipeline func", "-{{call .VariadicFunc `llo` | call .VariadicFunc `he` }}-", "-<he+<llo>>-", tVal],
  ["nil pipeline", "{{ .Empty0 | call .NilOKFunc }}", "true", tVal],
  ["nil call arg", "{{ call .NilOKFunc .Empty0 }}", "true", tVal],
  ["parens in pipeline", "{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}", "1 5 15", tVal],
  ["parens: $ in paren", "{{($).X}}", "x", tVal],
  ["parens: $.GetU in paren", "{{($.GetU).V}}", "v", tVal],
  ["parens: $ in paren in pipe", "{{($ | echo).X}}", "x", tVal],
  ["parens: spaces and args", `{{(makemap "up" "down" "left" "right").left}}`, "right", tVal],
  ["if true", "{{if true}}TRUE{{end}}", "TRUE", tVal],
  ["if false", "{{if false}}TRUE{{else}}FALSE{{end}}", "FALSE", tVal],
  ["if 1", "{{if 1}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", tVal],
  ["if 0", "{{if 0}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", tVal],
  ["if 1.5", "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", tVal],
  ["if 0.0", "{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", tVal],
  ["if emptystring", "{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", tVal],
  ["if string", "{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", tVal],
  ["if emptyslice", "{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", tVal],
  ["if slice", "{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", tVal],
  ["if emptymap", "{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", tVal],
  ["if map", "{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", tVal],
  ["if map unset", "{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", tVal],
  ["if map not unset", "{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}", "ZERO", tVal],
  ["if $x with $y int", "{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}", "true,17", tVal],
  ["if $x with $x int", "{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}", "17,true", tVal],
  ["if else if", "{{if false}}FALSE{{else if true}}TRUE{{end}}", "TRUE", tVal],
  ["if else chain", "{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", "3", tVal],
  ["print", `{{print "hello, print"}}`, "hello, print", tVal],
  ["print 123", "{{print 1 2 3}}", "1 2 3", tVal],
  ["print nil", "{{print nil}}", "<nil>", tVal],
  ["println", "{{println 1 2 3}}", "1 2 3\n", tVal],
  ["printf int", `{{printf "%04x" 127}}`, "007f", tVal],
  ["printf float", `{{printf "%g" 3.5}}`, "3.5", tVal],
  ["printf string", `{{printf "%s" "hello"}}`, "hello", tVal],
  ["printf function", `{{printf "%#q" zeroArgs}}`, "`zeroArgs`", tVal],
  ["printf field", `{{printf "%s" .U.V}}`, "v", tVal],
  ["printf method", `{{printf "%s" .Method0}}`, "M0", tVal],
  ["printf dot", `{{with .I}}{{printf "%d" .}}{{end}}`, "17", tVal],
  ["printf var", `{{with $x := .I}}{{printf "%d" $x}}{{end}}`, "17", tVal],
  ["printf lots", `{{printf "%d %s %g %s" 127 "hello" 7.5 .Method0}}`, "127 hello 7.5 M0", tVal],
  ["html", `{{html "<script>alert(\\"XSS\\");</script>"}}`, "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;", null],
  ["html pipeline", `{{printf "<script>alert(\\"XSS\\");</script>" | html}}`, "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;", null],
  ["html untyped nil", "{{html .Empty0}}", "&lt;no value&gt;", tVal],
  ["js", "{{js .}}", "It\\'d be nice.", "It'd be nice."],
  ["urlquery", `{{"http://www.example.org/"|urlquery}}`, "http%3A%2F%2Fwww.example.org%2F", null],
  ["not", "{{not true}} {{not false}}", "false true", null],
  ["and", "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", "false 0 0 1", null],
  ["or", "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", "0 1 true 1", null],
  ["or short-circuit", "{{or 0 1 (die)}}", "1", null],
  ["and short-circuit", "{{and 1 0 (die)}}", "0", null],
  ["and pipe-true", "{{1 | and 1}}", "1", null],
  ["and pipe-false", "{{0 | and 1}}", "0", null],
  ["or pipe-true", "{{1 | or 0}}", "1", null],
  ["or pipe-false", "{{0 | or 0}}", "0", null],
  ["and undef", "{{and 1 .Unknown}}", "<no value>", {}],
  ["or undef", "{{or 0 .Unknown}}", "<no value>", {}],
  ["boolean if", "{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", "TRUE", tVal],
  ["boolean if not", "{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", "FALSE", null],
  ["boolean if pipe", "{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}", "FALSE", null],
  ["slice[0]", "{{index .SI 0}}", "3", tVal],
  ["slice[1]", "{{index .SI 1}}", "4", tVal],
  ["map[one]", "{{index .MSI `one`}}", "1", tVal],
  ["map[two]", "{{index .MSI `two`}}", "2", tVal],
  ["map[NO]", "{{index .MSI `XXX`}}", "0", tVal],
  ["map[``]", "{{index .MSIone ``}}", "0", tVal],
  ["double index", "{{index .SMSI 1 `eleven`}}", "11", tVal],
  ["map MI64S", "{{index .MI64S 2}}", "i642", tVal],
  ["index of an interface field", "{{index .Empty3 0}}", "7", tVal],
  ["index of a string is a byte", "{{index .S 1}}", "121", tVal],
  ["slice[:]", "{{slice .SI}}", "[3 4 5]", tVal],
  ["slice[1:]", "{{slice .SI 1}}", "[4 5]", tVal],
  ["slice[1:2]", "{{slice .SI 1 2}}", "[4]", tVal],
  ["array[:]", "{{slice .AI}}", "[3 4 5]", tVal],
  ["string[:]", "{{slice .S}}", "xyz", tVal],
  ["string[0:1]", "{{slice .S 0 1}}", "x", tVal],
  ["string[1:]", "{{slice .S 1}}", "yz", tVal],
  ["string[1:2]", "{{slice .S 1 2}}", "y", tVal],
  ["slice of an interface field", "{{slice .Empty3 0 1}}", "[7]", tVal],
  ["len slice", "{{len .SI}}", "3", tVal],
  ["len map", "{{len .MSI }}", "3", tVal],
  ["len of an interface field", "{{len .Empty3}}", "2", tVal],
  ["len counts UTF-8 bytes", `{{len "héllo"}}`, "6", null],
  ["with true", "{{with true}}{{.}}{{end}}", "true", tVal],
  ["with false", "{{with false}}{{.}}{{else}}FALSE{{end}}", "FALSE", tVal],
  ["with 1", "{{with 1}}{{.}}{{else}}ZERO{{end}}", "1", tVal],
  ["with 0", "{{with 0}}{{.}}{{else}}ZERO{{end}}", "ZERO", tVal],
  ["with 1.5", "{{with 1.5}}{{.}}{{else}}ZERO{{end}}", "1.5", tVal],
  ["with 0.0", "{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}", "ZERO", tVal],
  ["with ``", "{{with ``}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", tVal],
  ["with string", "{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}", "notempty", tVal],
  ["with emptyslice", "{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", tVal],
  ["with slice", "{{with .SI}}{{.}}{{else}}EMPTY{{end}}", "[3 4 5]", tVal],
  ["with emptymap", "{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", tVal],
  ["with map", "{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}", "map[one:1]", tVal],
  ["with empty interface, struct field", "{{with .Empty4}}{{.V}}{{end}}", "UinEmpty", tVal],
  ["with $x int", "{{with $x := .I}}{{$x}}{{end}}", "17", tVal],
  ["with $x struct.U.V", "{{with $x := $}}{{$x.U.V}}{{end}}", "v", tVal],
  ["with variable and action", "{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}", "v", tVal],
  ["with else with", "{{with 0}}{{.}}{{else with true}}{{.}}{{end}}", "true", tVal],
  ["with else with chain", "{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}", "notempty", tVal],
  ["range []int", "{{range .SI}}-{{.}}-{{end}}", "-3--4--5-", tVal],
  ["range empty no else", "{{range .SIEmpty}}-{{.}}-{{end}}", "", tVal],
  ["range []int else", "{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}", "-3--4--5-", tVal],
  ["range empty else", "{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", tVal],
  ["range []int break else", "{{range .SI}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}", "-3-", tVal],
  ["range []int continue else", "{{range .SI}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}", "-3--4--5-", tVal],
  ["range []bool", "{{range .SB}}-{{.}}-{{end}}", "-true--false-", tVal],
  ["range []int method", "{{range .SI | .MAdd .I}}-{{.}}-{{end}}", "-20--21--22-", tVal],
  ["range map", "{{range .MSI}}-{{.}}-{{end}}", "-1--3--2-", tVal],
  ["range empty map no else", "{{range .MSIEmpty}}-{{.}}-{{end}}", "", tVal],
  ["range map else", "{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}", "-1--3--2-", tVal],
  ["range empty map else", "{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", tVal],
  ["range empty interface", "{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}", "-7--8-", tVal],
  ["range empty nil", "{{range .Empty0}}-{{.}}-{{end}}", "", tVal],
  ["range $x SI", "{{range $x := .SI}}<{{$x}}>{{end}}", "<3><4><5>", tVal],
  ["range $x $y SI", "{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}", "<0=3><1=4><2=5>", tVal],
  ["range $x MSIone", "{{range $x := .MSIone}}<{{$x}}>{{end}}", "<1>", tVal],
  ["range $x $y MSIone", "{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}", "<one=1>", tVal],
  ["declare in range", "{{range $x := .SI}}<{{$foo:=$x}}{{$x}}>{{end}}", "<3><4><5>", tVal],
  ["range count", "{{range $i, $x := count 5}}[{{$i}}]{{$x}}{{end}}", "[0]a[1]b[2]c[3]d[4]e", tVal],
  ["range nil count", "{{range $i, $x := count 0}}{{else}}empty{{end}}", "empty", tVal],
  ["range int", "{{range $v := 5}}{{$v}}{{end}}", "01234", tVal],
  ["range map in key order", "{{range $k, $v := .}}{{$k}}={{$v}};{{end}}", "a=2;b=1;c=3;", { b: 1n, c: 3n, a: 2n }],
  ["or as if true", `{{or .SI "slice is empty"}}`, "[3 4 5]", tVal],
  ["or as if false", `{{or .SIEmpty "slice is empty"}}`, "slice is empty", tVal],
  ["error method, no error", "{{.MyError false}}", "false", tVal],
  ["decimal", "{{print 1234}}", "1234", tVal],
  ["decimal _", "{{print 12_34}}", "1234", tVal],
  ["binary", "{{print 0b101}}", "5", tVal],
  ["binary _", "{{print 0b_1_0_1}}", "5", tVal],
  ["BINARY", "{{print 0B101}}", "5", tVal],
  ["octal0", "{{print 0377}}", "255", tVal],
  ["octal", "{{print 0o377}}", "255", tVal],
  ["octal _", "{{print 0o_3_7_7}}", "255", tVal],
  ["OCTAL", "{{print 0O377}}", "255", tVal],
  ["hex", "{{print 0x123}}", "291", tVal],
  ["hex _", "{{print 0x1_23}}", "291", tVal],
  ["HEX", "{{print 0X123ABC}}", "1194684", tVal],
  ["float", "{{print 123.4}}", "123.4", tVal],
  ["float _", "{{print 0_0_1_2_3.4}}", "123.4", tVal],
  ["hex float", "{{print +0x1.ep+2}}", "7.5", tVal],
  ["hex float _", "{{print +0x_1.e_0p+0_2}}", "7.5", tVal],
  ["HEX float", "{{print +0X1.EP+2}}", "7.5", tVal],
  ["print multi", "{{print 1_2_3_4 7.5_00_00_00}}", "1234 7.5", tVal],
  ["print multi2", "{{print 1234 0x0_1.e_0p+02}}", "1234 7.5", tVal],
  ["bug0", "{{range .MSIone}}{{if $.Method1 .}}X{{end}}{{end}}", "X", tVal],
  ["bug3", "{{with $}}{{.Method0}}{{end}}", "M0", tVal],
  ["bug4", "{{if .Empty0}}non-nil{{else}}nil{{end}}", "nil", tVal],
  ["bug5", "{{.Str}}", "foozle", tVal],
  ["bug5a", "{{.W0}}", "[888]", tVal],
  ["bug9", "{{.cause}}", "neglect", { cause: "neglect" }],
  ["bug10", "{{mapOfThree.three}}-{{(mapOfThree).three}}", "3-3", 0n],
  ["bug12xe", "{{printf `%T` 0xef}}", "int", null],
  ["bug12xE", "{{printf `%T` 0xeE}}", "int", null],
  ["bug12Xe", "{{printf `%T` 0Xef}}", "int", null],
  ["bug12XE", "{{printf `%T` 0XEE}}", "int", null],
  ["bug13", "{{print (.Copy).I}}", "17", tVal],
  ["bug16g", `{{"aaa" |twoArgs "bbb"}}`, "bbbaaa", tVal],
  ["bug16i", `{{"aaa"|oneArg}}`, "oneArg=aaa", tVal],
  ["bug16k", `{{"aaa"|printf }}`, "aaa", tVal],
  ["bug18a", "{{eq . '.'}}", "true", 46n],
  ["bug18b", "{{eq . 'e'}}", "true", 101n],
  ["bug18c", "{{eq . 'P'}}", "true", 80n],
  ["issue56490", "{{$i := 0}}{{$x := 0}}{{range $i = .AI}}{{end}}{{$i}}", "5", tVal],
  ["issue60801", "{{$k := 0}}{{$v := 0}}{{range $k, $v = .AI}}{{$k}}={{$v}} {{end}}", "0=3 1=4 2=5 ", tVal],
  ["float prints shortest", "{{.}}", "0.5", 0.5],
  ["float 1e6 prints with exponent", "{{.}}", "1e+06", 1e6],
  ["float 1e21", "{{.}}", "1e+21", 1e21],
  ["float 100000", "{{.}}", "100000", 100000],
  ["float +Inf", "{{.}}", "+Inf", Infinity],
  ["async function", `{{sleepy "x" | printf "%s!"}}`, "slept x!", null],
  ["duration method", "{{.String}} {{.Seconds}}", "1m30.5s 90.5", GoDuration.fromSeconds(90.5)],
  ["template with dot", `{{define "x"}}<{{.}}>{{end}}{{template "x" .I}}`, "<17>", tVal],
  ["template without pipeline has no dot", `{{define "x"}}<{{.}}>{{end}}{{template "x"}}`, "<<no value>>", tVal],
  ["template does not see variables", `{{define "x"}}{{$}}{{end}}{{$v := 1}}{{template "x" 2}}`, "2", tVal],
  ["block", `{{block "b" .X}}[{{.}}]{{end}}`, "[x]", tVal],
  ["trim markers", "a  {{- 1 -}}  b {{- /* c */ -}} c", "a1bc", null],
  ["comment", "a{{/* comment */}}b", "ab", null],
  ["raw string", "{{`a\\nb`}}", "a\\nb", null],
  ["string escapes", `{{"a\\tb\\u00e9\\x41"}}`, "a\tbéA", null],
  ["char constant prints as int", "{{'a'}}", "97", null],
  ["newlines in action", "{{\n.X\n}}", "x", tVal],
];

for (const [name, text, want, data] of okRows) {
  test(`exec: ${name}`, async () => {
    assert.deepEqual(await run(text, data), { out: want });
  });
}

// [name, template, data, want error (exact)] — Go's messages.
const errRows: Array<[string, string, unknown, string]> = [
  ["nil action", "{{nil}}", null, 'template: t:1:2: executing "t" at <nil>: nil is not a command'],
  ["map .WRONG args", "{{.MSI.one 1}}", tVal, 'template: t:1:6: executing "t" at <.MSI.one>: one is not a method but has arguments'],
  ["missing struct field", "{{.Missing}}", tVal, 'template: t:1:2: executing "t" at <.Missing>: can\'t evaluate field Missing in type T'],
  ["field of int", "{{.Foo}}", 3n, 'template: t:1:2: executing "t" at <.Foo>: can\'t evaluate field Foo in type int'],
  ["call nil", "{{call nil}}", tVal, 'template: t:1:2: executing "t" at <call nil>: error calling call: call of nil'],
  ["call non-function", "{{call 3}}", tVal, 'template: t:1:2: executing "t" at <call 3>: error calling call: non-function of type int'],
  ["if nil", "{{if nil}}TRUE{{end}}", tVal, 'template: t:1:5: executing "t" at <nil>: nil is not a command'],
  ["or short-circuit2", "{{or 0 0 (die)}}", null, 'template: t:1:10: executing "t" at <die>: error calling die: die'],
  ["and short-circuit2", "{{and 1 1 (die)}}", null, 'template: t:1:11: executing "t" at <die>: error calling die: die'],
  ["slice[HUGE]", "{{index .SI 10}}", tVal, 'template: t:1:2: executing "t" at <index .SI 10>: error calling index: index out of range: 10'],
  ["slice[WRONG]", "{{index .SI `hello`}}", tVal, 'template: t:1:2: executing "t" at <index .SI `hello`>: error calling index: cannot index slice/array with type string'],
  ["slice[nil]", "{{index .SI nil}}", tVal, 'template: t:1:2: executing "t" at <index .SI nil>: error calling index: cannot index slice/array with nil'],
  ["map[nil]", "{{index .MSI nil}}", tVal, 'template: t:1:2: executing "t" at <index .MSI nil>: error calling index: value is nil; should be of type string'],
  ["map[WRONG]", "{{index .MSI 10}}", tVal, 'template: t:1:2: executing "t" at <index .MSI 10>: error calling index: value has type int; should be string'],
  ["nil[1]", "{{index nil 1}}", tVal, 'template: t:1:2: executing "t" at <index nil 1>: error calling index: index of untyped nil'],
  ["slice[-1:]", "{{slice .SI -1}}", tVal, 'template: t:1:2: executing "t" at <slice .SI -1>: error calling slice: index out of range: -1'],
  ["slice[2:1]", "{{slice .SI 2 1}}", tVal, 'template: t:1:2: executing "t" at <slice .SI 2 1>: error calling slice: invalid slice index: 2 > 1'],
  ["slice out of range", "{{slice .SI 4 5}}", tVal, 'template: t:1:2: executing "t" at <slice .SI 4 5>: error calling slice: index out of range: 4'],
  ["3-index slice of string", "{{slice .S 1 2 2}}", tVal, 'template: t:1:2: executing "t" at <slice .S 1 2 2>: error calling slice: cannot 3-index slice a string'],
  ["len of int", "{{len 3}}", tVal, 'template: t:1:2: executing "t" at <len 3>: error calling len: len of type int'],
  ["error method, error", "{{.MyError true}}", tVal, 'template: t:1:2: executing "t" at <.MyError>: error calling MyError: my error'],
  ["bug7a", "{{3 2}}", tVal, 'template: t:1:2: executing "t" at <3>: can\'t give argument to non-function 3'],
  ["bug7b", "{{$x := 1}}{{$x 2}}", tVal, 'template: t:1:13: executing "t" at <$x>: can\'t give argument to non-function $x'],
  ["bug7c", "{{$x := 1}}{{3 | $x}}", tVal, 'template: t:1:17: executing "t" at <$x>: can\'t give argument to non-function $x'],
  ["bug8a", "{{3|oneArg}}", tVal, 'template: t:1:4: executing "t" at <oneArg>: wrong type for value; expected string; got int'],
  ["bug8b", "{{4|dddArg 3}}", tVal, 'template: t:1:11: executing "t" at <3>: wrong type for value; expected string; got int'],
  ["bug14a", "{{(nil).True}}", tVal, 'template: t:1:3: executing "t" at <nil>: nil is not a command'],
  ["bug14b", "{{$x := nil}}{{$x.anything}}", tVal, 'template: t:1:8: executing "t" at <nil>: nil is not a command'],
  ["bug14c", '{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}', tVal, 'template: t:1:38: executing "t" at <$x.anything>: can\'t evaluate field anything in type float64'],
  ["bug15", "{{valueString returnInt}}", tVal, 'template: t:1:14: executing "t" at <returnInt>: wrong type for value; expected string; got int'],
  ["bug16a", "{{true|printf}}", tVal, 'template: t:1:7: executing "t" at <printf>: wrong type for value; expected string; got bool'],
  ["bug16b", "{{1|printf}}", tVal, 'template: t:1:4: executing "t" at <printf>: wrong type for value; expected string; got int'],
  ["bug16c", "{{1.1|printf}}", tVal, 'template: t:1:6: executing "t" at <printf>: wrong type for value; expected string; got float64'],
  ["bug16f", '{{true|twoArgs "xxx"}}', tVal, 'template: t:1:15: executing "t" at <"xxx">: wrong type for value; expected string; got bool'],
  ["bug16h", "{{1|oneArg}}", tVal, 'template: t:1:4: executing "t" at <oneArg>: wrong type for value; expected string; got int'],
  ["too few args", "{{oneArg}}", tVal, 'template: t:1:2: executing "t" at <oneArg>: wrong number of args for oneArg: want 1 got 0'],
  ["too many args", "{{oneArg `a` `b`}}", tVal, 'template: t:1:2: executing "t" at <oneArg>: wrong number of args for oneArg: want 1 got 2'],
  ["variadic too few", "{{dddArg}}", tVal, 'template: t:1:2: executing "t" at <dddArg>: wrong number of args for dddArg: want at least 1 got 0'],
  ["constant of wrong type", "{{oneArg 3}}", tVal, 'template: t:1:9: executing "t" at <3>: expected string; found 3'],
  ["integer expected", "{{add 1.5 2}}", tVal, 'template: t:1:6: executing "t" at <1.5>: expected integer; found 1.5'],
  ["range over float", "{{range 1.5}}{{end}}", tVal, 'template: t:1:8: executing "t" at <1.5>: range can\'t iterate over 1.5'],
  ["undefined template", '{{template "nope"}}', tVal, 'template: t:1:11: executing "t" at <{{template "nope"}}>: template "nope" not defined'],
  ["nil pointer", "{{.A.B}}", { A: null }, 'template: t:1:4: executing "t" at <.A.B>: nil pointer evaluating interface {}.B'],
  ["error in a nested template names it", '{{define "x"}}{{.Foo}}{{end}}{{template "x" 1}}', null, 'template: t:1:16: executing "x" at <.Foo>: can\'t evaluate field Foo in type int'],
  ["assign undeclared", "{{$x = 1}}", null, 'template: t:1:7: executing "t" at <1>: undefined variable: $x'],
  ["error position on a later line", "a\nbc {{ .Foo }}", 3n, 'template: t:2:6: executing "t" at <.Foo>: can\'t evaluate field Foo in type int'],
];

for (const [name, text, data, want] of errRows) {
  test(`exec error: ${name}`, async () => {
    assert.deepEqual(await run(text, data), { err: want });
  });
}

// Go's cmpTests: each expression wrapped in {{...}}.
const cmpRows: Array<[string, string]> = [
  ["eq true true", "true"],
  ["eq true false", "false"],
  ["eq 1.5 1.5", "true"],
  ["eq 1.5 2.5", "false"],
  ["eq 1 1", "true"],
  ["eq 1 2", "false"],
  ["eq `xy` `xy`", "true"],
  ["eq `xy` `xyz`", "false"],
  ["eq 3 4 5 6 3", "true"],
  ["eq 3 4 5 6 7", "false"],
  ["ne true true", "false"],
  ["ne true false", "true"],
  ["ne 1.5 1.5", "false"],
  ["ne 1.5 2.5", "true"],
  ["ne 1 1", "false"],
  ["ne 1 2", "true"],
  ["ne `xy` `xy`", "false"],
  ["ne `xy` `xyz`", "true"],
  ["lt 1.5 1.5", "false"],
  ["lt 1.5 2.5", "true"],
  ["lt 1 1", "false"],
  ["lt 1 2", "true"],
  ["lt `xy` `xy`", "false"],
  ["lt `xy` `xyz`", "true"],
  ["le 1.5 1.5", "true"],
  ["le 1.5 2.5", "true"],
  ["le 2.5 1.5", "false"],
  ["le 1 1", "true"],
  ["le 1 2", "true"],
  ["le 2 1", "false"],
  ["le `xy` `xy`", "true"],
  ["le `xy` `xyz`", "true"],
  ["le `xyz` `xy`", "false"],
  ["gt 1.5 1.5", "false"],
  ["gt 1.5 2.5", "false"],
  ["gt 1 1", "false"],
  ["gt 2 1", "true"],
  ["gt 1 2", "false"],
  ["gt `xy` `xy`", "false"],
  ["gt `xy` `xyz`", "false"],
  ["ge 1.5 1.5", "true"],
  ["ge 1.5 2.5", "false"],
  ["ge 2.5 1.5", "true"],
  ["ge 1 1", "true"],
  ["ge 1 2", "false"],
  ["ge 2 1", "true"],
  ["ge `xy` `xy`", "true"],
  ["ge `xy` `xyz`", "false"],
  ["ge `xyz` `xy`", "true"],
  ["eq .Missing `x`", "false"],
  ["eq .Missing nil", "true"],
];

for (const [expr, want] of cmpRows) {
  test(`compare: ${expr}`, async () => {
    assert.deepEqual(await run(`{{${expr}}}`, {}), { out: want });
  });
}

const cmpErrRows: Array<[string, string]> = [
  ["eq `xy` 1", "incompatible types for comparison"],
  ["eq 2 2.0", "incompatible types for comparison"],
  ["lt true true", "invalid type for comparison"],
  ["lt 1 `x`", "incompatible types for comparison"],
  ["lt .Missing 1", "invalid type for comparison"],
  ["eq .Map .Map", "non-comparable type map[a:1]: map[string]interface {}"],
  ["eq 1", "missing argument for comparison"],
];

for (const [expr, want] of cmpErrRows) {
  test(`compare error: ${expr}`, async () => {
    const name = expr.split(" ")[0]!;
    assert.deepEqual(await run(`{{${expr}}}`, { Map: { a: 1n } }), {
      err: `template: t:1:2: executing "t" at <${expr}>: error calling ${name}: ${want}`,
    });
  });
}

// TestMissingMapKey.
const missingKeyRows: Array<[string, MissingKey, unknown, { out?: string; err?: string }]> = [
  ["map[string]int default", MissingKey.Default, new TypedMap({ x: 99n }, 0n, "int"), { out: "99 <no value>" }],
  ["map[string]int zero", MissingKey.Zero, new TypedMap({ x: 99n }, 0n, "int"), { out: "99 0" }],
  ["map[string]interface{} zero", MissingKey.Zero, { x: 99n }, { out: "99 <no value>" }],
  ["map[string]string zero", MissingKey.Zero, stringMap({ x: "99" }), { out: "99 " }],
  ["invalid", MissingKey.Invalid, { x: 99n }, { out: "99 <no value>" }],
  ["error", MissingKey.Error, { x: 99n }, { err: 'template: t:1:9: executing "t" at <.y>: map has no entry for key "y"' }],
];

for (const [name, mk, data, want] of missingKeyRows) {
  test(`missingkey: ${name}`, async () => {
    assert.deepEqual(await run("{{.x}} {{.y}}", data, mk), want);
  });
}

test("a template set executes its definitions by name and lists them", async () => {
  const t = new Template("root").parse('{{define "a"}}A{{.}}{{end}}{{define "b"}}B{{template "a" .}}{{end}}');
  assert.deepEqual(t.definedTemplates(), ["a", "b", "root"]);
  assert.equal(await t.executeTemplate("b", 1n), "BA1");
  // A later parse replaces a definition, but an empty body does not replace the root.
  t.parse('{{define "a"}}Z{{end}}');
  assert.equal(await t.executeTemplate("b", 1n), "BZ");
  await assert.rejects(t.executeTemplate("nope", 1n), {
    message: 'template: no template "nope" associated with template "root"',
  });
});

test("recursion stops at the maximum depth", async () => {
  const t = new Template("t", { maxExecDepth: 10 }).parse('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}');
  await assert.rejects(t.execute(null), {
    message: 'template: t:1:25: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (10)',
  });
});

test("custom delimiters", async () => {
  const t = new Template("t", { leftDelim: "[[", rightDelim: "]]" }).parse("{{x}} [[- .X -]] !");
  assert.equal(await t.execute(tVal), "{{x}}x!");
});
