import { test } from "node:test";
import assert from "node:assert/strict";
import { formatOpenMetricsFloat, parseGoFloat } from "./index.ts";

const good = [
  { s: "0", v: 0 },
  { s: "-0", v: -0 },
  { s: "+1", v: 1 },
  { s: "1.5", v: 1.5 },
  { s: "1.", v: 1 },
  { s: ".25", v: 0.25 },
  { s: "1e3", v: 1000 },
  { s: "1E-3", v: 0.001 },
  { s: "1.5e+2", v: 150 },
  { s: "000123", v: 123 },
  { s: "0.000001", v: 1e-6 },
  { s: "123456789012345", v: 123456789012345 },
  { s: "1234567890123456789", v: 1234567890123456789 },
  { s: "0.1", v: 0.1 },
  { s: "0.30000000000000004", v: 0.30000000000000004 },
  { s: "4.9351e-05", v: 4.9351e-5 },
  { s: "1.726839813016397e+09", v: 1.726839813016397e9 },
  { s: "9007199254740993", v: 9007199254740992 },
  { s: "2.2250738585072014e-308", v: 2.2250738585072014e-308 },
  { s: "5e-324", v: 5e-324 },
  { s: "1e-400", v: 0 },
  { s: "1e23", v: 1e23 },
  { s: "+Inf", v: Infinity },
  { s: "-inf", v: -Infinity },
  { s: "INFINITY", v: Infinity },
  { s: "NaN", v: NaN },
  { s: "nan", v: NaN },
];
for (const c of good) {
  test(`parseGoFloat(${JSON.stringify(c.s)})`, () => {
    const v = parseGoFloat(`x${c.s}y`, 1, c.s.length + 1);
    assert.ok(Object.is(v, c.v), `got ${v}`);
  });
}

const bad = [
  { s: "", err: 'strconv.ParseFloat: parsing "": invalid syntax' },
  { s: ".", err: 'strconv.ParseFloat: parsing ".": invalid syntax' },
  { s: "+", err: 'strconv.ParseFloat: parsing "+": invalid syntax' },
  { s: "1e", err: 'strconv.ParseFloat: parsing "1e": invalid syntax' },
  { s: "1e+", err: 'strconv.ParseFloat: parsing "1e+": invalid syntax' },
  { s: "1.2.3", err: 'strconv.ParseFloat: parsing "1.2.3": invalid syntax' },
  { s: " 1", err: 'strconv.ParseFloat: parsing " 1": invalid syntax' },
  { s: "0x10", err: 'strconv.ParseFloat: parsing "0x10": invalid syntax' },
  { s: "+nan", err: 'strconv.ParseFloat: parsing "+nan": invalid syntax' },
  { s: "infin", err: 'strconv.ParseFloat: parsing "infin": invalid syntax' },
  { s: "0b101", err: 'strconv.ParseFloat: parsing "0b101": invalid syntax' },
  { s: "1e400", err: 'strconv.ParseFloat: parsing "1e400": value out of range' },
  { s: "-1e400", err: 'strconv.ParseFloat: parsing "-1e400": value out of range' },
  { s: "0x1p3", err: "unsupported character in float" },
  { s: "1_000", err: "unsupported character in float" },
];
for (const c of bad) test(`parseGoFloat rejects ${JSON.stringify(c.s)}`, () => assert.throws(() => parseGoFloat(c.s, 0, c.s.length), { message: c.err }));

const om = [
  { f: 1, want: "1.0" },
  { f: 0, want: "0.0" },
  { f: -1, want: "-1.0" },
  { f: 0.25, want: "0.25" },
  { f: 1000, want: "1000.0" },
  { f: 1e6, want: "1e+06" },
  { f: 5e-5, want: "5e-05" },
  { f: Infinity, want: "+Inf" },
  { f: -Infinity, want: "-Inf" },
  { f: NaN, want: "NaN" },
];
for (const c of om) test(`formatOpenMetricsFloat(${c.f})`, () => assert.equal(formatOpenMetricsFloat(c.f), c.want));
