import { test } from "node:test";
import assert from "node:assert/strict";
import { deg, goLog10, goLog2, goMod, goPow, kahanSumInc, rad, roundToNearest, sgn } from "./index.ts";

// Expectations are Go's documented special cases (math.Pow, math.Mod,
// math.Log2) and PromQL's functions.test rows for round() and sgn().

function same(got: number, want: number, msg: string): void {
  assert.ok(Object.is(got, want), `${msg}: got ${got}, want ${want}`);
}

const powCases: [x: number, y: number, want: number][] = [
  // Go's special cases, in the order math.Pow documents them.
  [NaN, 0, 1],
  [5, -0, 1],
  [1, NaN, 1], // JS: NaN
  [1, Infinity, 1], // JS: NaN
  [1, -Infinity, 1], // JS: NaN
  [7.5, 1, 7.5],
  [NaN, 2, NaN],
  [2, NaN, NaN],
  [0, -3, Infinity],
  [-0, -3, -Infinity],
  [-0, -Infinity, Infinity],
  [-0, Infinity, 0],
  [-0, -2, Infinity],
  [-0, -0.5, Infinity],
  [-0, 3, -0],
  [0, 3, 0],
  [-0, 2, 0],
  [-0, 0.5, 0],
  [-1, Infinity, 1], // JS: NaN
  [-1, -Infinity, 1], // JS: NaN
  [2, Infinity, Infinity],
  [-2, -Infinity, 0],
  [0.5, Infinity, 0],
  [-0.5, -Infinity, Infinity],
  [Infinity, 2, Infinity],
  [Infinity, -2, 0],
  [-Infinity, 3, -Infinity],
  [-Infinity, 2, Infinity],
  [-Infinity, -3, -0],
  [-Infinity, -2, 0],
  [-8, 1 / 3, NaN],
  // y = ±0.5 goes through Sqrt.
  [2, 0.5, Math.SQRT2],
  [4, -0.5, 0.5],
  // Integer powers by repeated squaring: exact where the result is representable.
  [2, 10, 1024],
  [10, 3, 1000],
  [-2, 3, -8],
  [-2, 4, 16],
  [3, -2, 1 / 9],
  [2, -1074, 5e-324],
  [2, -1075, 0], // a tie at half the smallest subnormal rounds to even
  [2, 1023, 8.98846567431158e307],
  [2, 1024, Infinity],
  [0.5, 1074.5, 5e-324],
  [-1, 2 ** 64, 1], // a huge even integer
  [3, 2 ** 64, Infinity],
  [0.5, 2 ** 64, 0],
  [1.0000001, -(2 ** 70), 0],
];

for (const [x, y, want] of powCases) {
  test(`goPow(${x}, ${y}) = ${want}`, () => same(goPow(x, y), want, `goPow(${x}, ${y})`));
}

test("goPow with a fractional exponent multiplies Exp(yf*Log(x)) into the integer power", () => {
  // 4^1.5 = 4^2 * 4^-0.5: yf = 0.5 is not > 0.5, so a1 = exp(0.5 * log 4) = 2 (hand).
  assert.equal(goPow(4, 1.5), 8);
  // 10^2.75 = 10^3 * 10^-0.25 (yf > 0.5 moves one to the integer part).
  assert.ok(Math.abs(goPow(10, 2.75) - 562.341325190349) < 1e-9);
});

const modCases: [x: number, y: number, want: number][] = [
  [5, 3, 2],
  [-5, 3, -2],
  [5, -3, 2],
  [-5, -3, -2],
  [5.5, 2, 1.5],
  [-3, 3, -0],
  [-0, 5, -0],
  [5, 0, NaN],
  [Infinity, 2, NaN],
  [NaN, 2, NaN],
  [2, NaN, NaN],
  [5, Infinity, 5],
  [-5, -Infinity, -5],
  [1e300, 3, Number(BigInt(1e300) % 3n)], // exact, as the integer remainder
];

for (const [x, y, want] of modCases) {
  test(`goMod(${x}, ${y}) = ${want}`, () => same(goMod(x, y), want, `goMod(${x}, ${y})`));
}

const log2Cases: [x: number, want: number][] = [
  [8, 3],
  [1, 0],
  [0.5, -1],
  [2 ** 1023, 1023],
  [5e-324, -1074],
  [0, -Infinity],
  [-1, NaN],
  [Infinity, Infinity],
  [NaN, NaN],
  // Log(0.625) * (1/Ln2) + 4 with frexp(10) = (0.625, 4).
  [10, Math.log(0.625) * 1.4426950408889634 + 4],
  // Not Math.log2, which gives 1.584962500721156.
  [3, Math.log(0.75) * 1.4426950408889634 + 2],
];

for (const [x, want] of log2Cases) {
  test(`goLog2(${x}) = ${want}`, () => same(goLog2(x), want, `goLog2(${x})`));
}

test("goLog10 is Log(x) * (1/Ln10) as Go computes it, not Math.log10", () => {
  assert.equal(goLog10(20), Math.log(20) * 0.4342944819032518);
  assert.notEqual(goLog10(20), Math.log10(20));
  assert.equal(goLog10(1), 0);
  same(goLog10(0), -Infinity, "goLog10(0)");
  same(goLog10(-1), NaN, "goLog10(-1)");
});

const roundCases: [v: number, toNearest: number, want: number][] = [
  [2.5, 1, 3],
  [2, 1, 2],
  [-2.5, 1, -2],
  [-2, 1, -2],
  [0, 1, 0],
  [-0, 1, 0],
  [Infinity, 1, Infinity],
  [-Infinity, 1, -Infinity],
  [NaN, 1, NaN],
  [5.5, 2, 6],
  [0.123, 0.01, 0.12],
  [0.125, 0.01, 0.13],
  [17, 10, 20],
];

for (const [v, n, want] of roundCases) {
  test(`roundToNearest(${v}, ${n}) = ${want}`, () => same(roundToNearest(v, n), want, `round(${v}, ${n})`));
}

const sgnCases: [v: number, want: number][] = [
  [-Infinity, -1],
  [Infinity, 1],
  [NaN, NaN],
  [-50, -1],
  [0, 0],
  [-0, -0],
  [100, 1],
];

for (const [v, want] of sgnCases) {
  test(`sgn(${v}) = ${want}`, () => same(sgn(v), want, `sgn(${v})`));
}

test("deg and rad convert in Go's operation order", () => {
  assert.equal(deg(Math.PI), 180);
  assert.equal(rad(180), Math.PI);
  assert.equal(deg(1), (1 * 180) / Math.PI);
  same(rad(NaN), NaN, "rad(NaN)");
});

test("kahanSumInc keeps what plain addition loses", () => {
  const out = new Float64Array(2);
  let sum = 0;
  let c = 0;
  for (const v of [1, 1e100, 1, -1e100]) {
    kahanSumInc(v, sum, c, out);
    sum = out[0]!;
    c = out[1]!;
  }
  assert.deepEqual([sum, c], [0, 2]);
});

test("kahanSumInc resets the compensation on overflow", () => {
  const out = new Float64Array(2);
  kahanSumInc(Number.MAX_VALUE, Number.MAX_VALUE, 5, out);
  assert.deepEqual(Array.from(out), [Infinity, 0]);
});
