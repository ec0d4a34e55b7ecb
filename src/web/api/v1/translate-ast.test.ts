import { test } from "node:test";
import assert from "node:assert/strict";
import { parseExpr } from "../../../promql/parser/index.ts";
import { translateAST } from "./translate-ast.ts";

const sel = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: "vectorSelector",
  name,
  offset: 0,
  offsetExpr: null,
  matchers: [{ name: "__name__", value: name, type: "=" }],
  timestamp: null,
  startOrEnd: null,
  anchored: false,
  smoothed: false,
  ...extra,
});

const cases: { name: string; query: string; want: unknown }[] = [
  { name: "number literal in Go's 'f' format", query: "1e3", want: { type: "numberLiteral", val: "1000" } },
  { name: "negated literal folds, as upstream's parser", query: "-Inf", want: { type: "numberLiteral", val: "-Inf" } },
  { name: "unary minus on a selector", query: "-foo", want: { type: "unaryExpr", op: "-", expr: sel("foo") } },
  { name: "string literal", query: '"a\\tb"', want: { type: "stringLiteral", val: "a\tb" } },
  { name: "paren", query: "(foo)", want: { type: "parenExpr", expr: sel("foo") } },
  {
    name: "selector with matchers, @ and offset",
    query: 'foo{a=~"x.*",b!="y"} @ 100 offset -5m',
    want: sel("foo", {
      offset: -300000,
      timestamp: 100000,
      matchers: [
        { name: "a", value: "x.*", type: "=~" },
        { name: "b", value: "y", type: "!=" },
        { name: "__name__", value: "foo", type: "=" },
      ],
    }),
  },
  {
    name: "aggregation with a parameter, without",
    query: "topk without (b, a) (3, foo)",
    want: {
      type: "aggregation",
      op: "topk",
      expr: sel("foo"),
      param: { type: "numberLiteral", val: "3" },
      grouping: ["b", "a"],
      without: true,
    },
  },
  {
    name: "aggregation without grouping has an empty list",
    query: "sum(foo)",
    want: { type: "aggregation", op: "sum", expr: sel("foo"), param: null, grouping: [], without: false },
  },
  {
    name: "vector matching",
    query: "foo * on (a) group_left (b) bar",
    want: {
      type: "binaryExpr",
      op: "*",
      lhs: sel("foo"),
      rhs: sel("bar"),
      matching: { card: "many-to-one", labels: ["a"], on: true, include: ["b"], fillValues: { lhs: null, rhs: null } },
      bool: false,
    },
  },
  {
    name: "set operator matching",
    query: "foo and bar",
    want: {
      type: "binaryExpr",
      op: "and",
      lhs: sel("foo"),
      rhs: sel("bar"),
      matching: { card: "many-to-many", labels: [], on: false, include: [], fillValues: { lhs: null, rhs: null } },
      bool: false,
    },
  },
  {
    name: "subquery with step, offset and @ end()",
    query: "max_over_time(foo[1h:5m] offset 10m @ end())",
    want: {
      type: "call",
      func: { name: "max_over_time", argTypes: ["matrix"], variadic: 0, returnType: "vector" },
      args: [
        {
          type: "subquery",
          expr: sel("foo"),
          range: 3600000,
          rangeExpr: null,
          offset: 600000,
          offsetExpr: null,
          step: 300000,
          stepExpr: null,
          timestamp: null,
          startOrEnd: "end",
        },
      ],
    },
  },
  {
    name: "variadic function",
    query: 'label_join(foo, "d", ",", "a", "b")',
    want: {
      type: "call",
      func: { name: "label_join", argTypes: ["vector", "string", "string", "string"], variadic: -1, returnType: "vector" },
      args: [
        sel("foo"),
        { type: "stringLiteral", val: "d" },
        { type: "stringLiteral", val: "," },
        { type: "stringLiteral", val: "a" },
        { type: "stringLiteral", val: "b" },
      ],
    },
  },
];

for (const c of cases) {
  test(`translateAST: ${c.name}`, () => {
    assert.deepEqual(translateAST(parseExpr(c.query), c.query), c.want);
  });
}

test("translateAST: duration expressions keep their tree, literals say whether they were durations", () => {
  const q = "foo[step() + 8s] offset (2 * 1m)";
  const got = translateAST(parseExpr(q), q) as Record<string, unknown>;
  assert.equal(got["type"], "matrixSelector");
  assert.equal(got["range"], 0);
  assert.deepEqual(got["rangeExpr"], {
    type: "durationExpr",
    op: "+",
    lhs: { type: "durationExpr", op: "step", lhs: null, rhs: null, wrapped: false },
    rhs: { type: "numberLiteral", val: "8", duration: true },
    wrapped: false,
  });
  // Constant duration arithmetic is folded by the parser.
  assert.equal(got["offset"], 120000);
  assert.equal(got["offsetExpr"], null);
});
