// Rows re-typed from Go's strconv ftoa_test.go, fmt fmt_test.go and time
// format tests, in the template value model (ints are bigints).
import { test } from "node:test";
import assert from "node:assert/strict";
import { GoDuration, GoTime, formatFloat, sprint, sprintf, sprintln } from "./index.ts";

const floatRows: Array<[number, string, number, string]> = [
  [1, "e", 5, "1.00000e+00"],
  [1, "f", 5, "1.00000"],
  [1, "g", 5, "1"],
  [1, "g", -1, "1"],
  [20, "g", -1, "20"],
  [1234567.8, "g", -1, "1.2345678e+06"],
  [200000, "g", -1, "200000"],
  [2000000, "g", -1, "2e+06"],
  [1e10, "g", -1, "1e+10"],
  [400, "g", 2, "4e+02"],
  [40, "g", 2, "40"],
  [4, "g", 2, "4"],
  [0.4, "g", 2, "0.4"],
  [0.04, "g", 2, "0.04"],
  [0.004, "g", 2, "0.004"],
  [0.0004, "g", 2, "0.0004"],
  [0.00004, "g", 2, "4e-05"],
  [0.000004, "g", 2, "4e-06"],
  [0, "e", 5, "0.00000e+00"],
  [0, "f", 5, "0.00000"],
  [0, "g", 5, "0"],
  [0, "g", -1, "0"],
  [-0, "g", -1, "-0"],
  [-1, "e", 5, "-1.00000e+00"],
  [12, "e", 5, "1.20000e+01"],
  [123456700, "e", 5, "1.23457e+08"],
  [1.2345e6, "e", 5, "1.23450e+06"],
  [1e23, "e", 17, "9.99999999999999916e+22"],
  [1e23, "f", 17, "99999999999999991611392.00000000000000000"],
  [1e23, "g", 17, "9.9999999999999992e+22"],
  [1e23, "e", -1, "1e+23"],
  [1e23, "f", -1, "100000000000000000000000"],
  [1e23, "g", -1, "1e+23"],
  [32, "g", -1, "32"],
  [32, "g", 0, "3e+01"],
  [0.5, "f", 0, "0"],
  [1.5, "f", 0, "2"],
  [2.5, "f", 0, "2"],
  [2.675, "f", 2, "2.67"],
  [1234567, "g", 4, "1.235e+06"],
  [1.5, "g", 4, "1.5"],
  [100, "g", 4, "100"],
  [99.99, "g", 3, "100"],
  [5e-324, "e", -1, "5e-324"],
  [1.7976931348623157e308, "g", -1, "1.7976931348623157e+308"],
  [Infinity, "g", -1, "+Inf"],
  [-Infinity, "f", 2, "-Inf"],
  [NaN, "e", 2, "NaN"],
];

for (const [v, verb, prec, want] of floatRows) {
  test(`formatFloat(${v}, ${verb}, ${prec})`, () => assert.equal(formatFloat(v, verb, prec), want));
}

const printfRows: Array<[string, unknown[], string]> = [
  ["%d", [12345n], "12345"],
  ["%v", [12345n], "12345"],
  ["%d", [-12345n], "-12345"],
  ["%+d", [12345n], "+12345"],
  ["% d", [12345n], " 12345"],
  ["%.3d", [7n], "007"],
  ["%6.3d", [7n], "   007"],
  ["%-6d|", [7n], "7     |"],
  ["%06d", [-7n], "-00007"],
  ["%o", [8n], "10"],
  ["%#o", [8n], "010"],
  ["%O", [8n], "0o10"],
  ["%x", [255n], "ff"],
  ["%#X", [255n], "0XFF"],
  ["%b", [5n], "101"],
  ["%c", [0x263an], "☺"],
  ["%q", [0x263an], "'☺'"],
  ["%U", [0x263an], "U+263A"],
  ["%#U", [0x263an], "U+263A '☺'"],
  ["%t", [true], "true"],
  ["%v", [false], "false"],
  ["%5s", ["abc"], "  abc"],
  ["%-5s|", ["abc"], "abc  |"],
  ["%05s", ["abc"], "00abc"],
  ["%.1s", ["日本語"], "日"],
  ["%5.1s", ["日本語"], "    日"],
  ["%q", ["abc"], '"abc"'],
  ["%q", ['"\n\x01'], '"\\"\\n\\x01"'],
  ["%+q", ["☺"], '"\\u263a"'],
  ["%#q", ["`"], '"`"'],
  ["%#q", ["abc"], "`abc`"],
  ["%x", ["xyz"], "78797a"],
  ["%X", ["xyz"], "78797A"],
  ["% x", ["xyz"], "78 79 7a"],
  ["%#x", ["xyz"], "0x78797a"],
  ["%# x", ["xyz"], "0x78 0x79 0x7a"],
  ["%e", [1.0], "1.000000e+00"],
  ["%E", [1.0], "1.000000E+00"],
  ["%f", [1.0], "1.000000"],
  ["%.2f", [1.005], "1.00"],
  ["%0.2f", [3720.01], "3720.01"],
  ["%g", [1e6], "1e+06"],
  ["%G", [1e-7], "1E-07"],
  ["%.4g", [1234567.0], "1.235e+06"],
  ["%8.3f", [-1.0], "  -1.000"],
  ["%+.3e", [1.0], "+1.000e+00"],
  ["%08.2f", [-3.14159], "-0003.14"],
  ["% .2f", [3.14159], " 3.14"],
  ["%-8.2f|", [3.14159], "3.14    |"],
  ["%v", [NaN], "NaN"],
  ["%+v", [NaN], "+NaN"],
  ["%f", [Infinity], "+Inf"],
  ["%5.2f", [NaN], "  NaN"],
  ["%05.2f", [Infinity], " +Inf"],
  ["%v", [0.1], "0.1"],
  ["%v", [1e21], "1e+21"],
  ["%v", [[1n, 2n]], "[1 2]"],
  ["%d", [[1n, 2n]], "[1 2]"],
  ["%s", [["a", "b"]], "[a b]"],
  ["%q", [["a", "b"]], '["a" "b"]'],
  ["%v", [{ b: 1n, a: 2n }], "map[a:2 b:1]"],
  ["%v", [[null]], "[<nil>]"],
  ["%v", [null], "<nil>"],
  ["%d", [null], "%!d(<nil>)"],
  ["%s", [1n], "%!s(int=1)"],
  ["%d", ["x"], "%!d(string=x)"],
  ["%d", [1.5], "%!d(float64=1.5)"],
  ["%t", [1n], "%!t(int=1)"],
  ["%z", [1n], "%!z(int=1)"],
  ["%d", [["a"]], "[%!d(string=a)]"],
  ["%d %d", [1n], "1 %!d(MISSING)"],
  ["%d", [1n, 2n], "1%!(EXTRA int=2)"],
  ["%d", [1n, "x", 2.5], "1%!(EXTRA string=x, float64=2.5)"],
  ["%[2]d %[1]d", [1n, 2n], "2 1"],
  ["%[3]d", [1n, 2n], "%!d(BADINDEX)"],
  ["%*d", [5n, 42n], "   42"],
  ["%-*d|", [5n, 42n], "42   |"],
  ["%.*f", [2n, 3.14159], "3.14"],
  ["%*d", ["x", 42n], "%!(BADWIDTH)42"],
  ["%T %T %T %T", [1.5, 1n, "s", [1n]], "float64 int string []interface {}"],
  ["%", [], "%!(NOVERB)"],
  ["%%", [], "%"],
  ["%5%", [], "%"],
  ["%s", [GoDuration.fromSeconds(1.5)], "1.5s"],
  ["%v", [GoTime.fromUnixMilli(0)], "1970-01-01 00:00:00 +0000 UTC"],
];

for (const [format, args, want] of printfRows) {
  test(`sprintf(${JSON.stringify(format)})`, () => assert.equal(sprintf(format, args), want));
}

test("sprint puts spaces only between non-string operands", () => {
  assert.equal(sprint(["a", 1n, 2n, "b", "c", 1.5]), "a1 2bc1.5");
  assert.equal(sprintln(["a", 1n, 2n, "b"]), "a 1 2 b\n");
});

const t = GoTime.fromUnixMilli(1435065584128);
const layoutRows: Array<[string, string]> = [
  ["2006-01-02T15:04:05.000Z07:00", "2015-06-23T13:19:44.128Z"],
  ["Mon Jan _2 15:04:05 MST 2006", "Tue Jun 23 13:19:44 UTC 2015"],
  ["Monday, January 2, 2006", "Tuesday, June 23, 2015"],
  ["3:04PM", "1:19PM"],
  ["03:04:05 pm", "01:19:44 pm"],
  ["2006-01-02 15:04:05.999999999 -0700 MST", "2015-06-23 13:19:44.128 +0000 UTC"],
  [".000000 .999999 .9", ".128000 .128 .1"],
  ["06 002 __2 -07:00 Z0700", "15 174 174 +00:00 Z"],
  ["Janet", "Janet"],
];

for (const [layout, want] of layoutRows) {
  test(`time Format ${JSON.stringify(layout)}`, () => assert.equal(t.Format(layout), want));
}

test("time with a fixed zone prints its offset", () => {
  const z = new GoTime(t.unixNano, -7 * 3600 - 30 * 60, "");
  assert.equal(z.Format("2006-01-02 15:04 -0700 -07:00 MST"), "2015-06-23 05:49 -0730 -07:30 -0730");
  assert.equal(t.Unix(), 1435065584n);
  assert.equal(t.UnixMilli(), 1435065584128n);
});

const durationRows: Array<[bigint, string]> = [
  [0n, "0s"],
  [1n, "1ns"],
  [1100n, "1.1µs"],
  [2_200_000n, "2.2ms"],
  [1_500_000_000n, "1.5s"],
  [-1_500_000_000n, "-1.5s"],
  [60_000_000_000n, "1m0s"],
  [3_600_000_000_000n, "1h0m0s"],
  [90_061_000_000_000n, "25h1m1s"],
  [(1n << 63n) - 1n, "2562047h47m16.854775807s"],
];

for (const [ns, want] of durationRows) {
  test(`Duration(${ns}).String()`, () => assert.equal(new GoDuration(ns).String(), want));
}
