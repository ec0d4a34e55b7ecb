import { test } from "node:test";
import assert from "node:assert/strict";
import { formatFloatE, formatFloatF, formatFloatG } from "./index.ts";

// Expected texts are Go's strconv.FormatFloat(f, fmt, -1, 64).
const cases = [
  { f: 0, g: "0", fmt: "0", e: "0e+00" },
  { f: -0, g: "-0", fmt: "-0", e: "-0e+00" },
  { f: 1, g: "1", fmt: "1", e: "1e+00" },
  { f: 0.1, g: "0.1", fmt: "0.1", e: "1e-01" },
  { f: 123456, g: "123456", fmt: "123456", e: "1.23456e+05" },
  { f: 1e6, g: "1e+06", fmt: "1000000", e: "1e+06" },
  { f: 1234567.5, g: "1.2345675e+06", fmt: "1234567.5", e: "1.2345675e+06" },
  { f: 0.0001, g: "0.0001", fmt: "0.0001", e: "1e-04" },
  { f: 0.00001, g: "1e-05", fmt: "0.00001", e: "1e-05" },
  { f: 1e21, g: "1e+21", fmt: "1000000000000000000000", e: "1e+21" },
  { f: 1e-7, g: "1e-07", fmt: "0.0000001", e: "1e-07" },
  { f: -2.5e-10, g: "-2.5e-10", fmt: "-0.00000000025", e: "-2.5e-10" },
  { f: 14.036781000000001, g: "14.036781000000001", fmt: "14.036781000000001", e: "1.4036781000000001e+01" },
  { f: 9223372036854775807, g: "9.223372036854776e+18", fmt: "9223372036854776000", e: "9.223372036854776e+18" },
  { f: Infinity, g: "+Inf", fmt: "+Inf", e: "+Inf" },
  { f: -Infinity, g: "-Inf", fmt: "-Inf", e: "-Inf" },
  { f: NaN, g: "NaN", fmt: "NaN", e: "NaN" },
];
for (const c of cases) {
  test(`strconv: ${c.f}`, () => {
    assert.equal(formatFloatG(c.f), c.g);
    assert.equal(formatFloatF(c.f), c.fmt);
    assert.equal(formatFloatE(c.f), c.e);
  });
}
