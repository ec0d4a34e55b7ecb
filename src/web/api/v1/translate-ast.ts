import type { Matcher } from "../../../model/index.ts";
import type { DurationExpr, Expr, VectorMatching } from "../../../promql/parser/index.ts";
import { formatFloatF } from "../../../util/index.ts";

/** A JSON value of the tree answered by /api/v1/parse_query. */
export type AstJSON = null | boolean | number | string | AstJSON[] | { [key: string]: AstJSON };

/**
 * The JSON tree of a parsed expression answered by /api/v1/parse_query, in
 * the shape of Prometheus's translateAST that its UI's tree view reads:
 * one object per node with a `type` ("aggregation", "binaryExpr", "call",
 * "matrixSelector", "subquery", "numberLiteral", "parenExpr",
 * "stringLiteral", "unaryExpr", "vectorSelector"), durations and offsets
 * in ms, `@` timestamps in ms or null, lists never null. `qs` is the text
 * `e` was parsed from (it tells duration literals from plain numbers in
 * duration expressions).
 */
export function translateAST(e: Expr, qs: string): AstJSON {
  switch (e.kind) {
    case "AggregateExpr":
      return {
        type: "aggregation",
        op: e.op,
        expr: translateAST(e.expr, qs),
        param: e.param === null ? null : translateAST(e.param, qs),
        grouping: [...e.grouping],
        without: e.without,
      };
    case "BinaryExpr":
      return {
        type: "binaryExpr",
        op: e.op,
        lhs: translateAST(e.lhs, qs),
        rhs: translateAST(e.rhs, qs),
        matching: e.matching === null ? null : translateMatching(e.matching),
        bool: e.returnBool,
      };
    case "Call":
      return {
        type: "call",
        func: {
          name: e.func.name,
          argTypes: [...e.func.argTypes],
          variadic: e.func.variadic,
          returnType: e.func.returnType,
        },
        args: e.args.map((a) => translateAST(a, qs)),
      };
    case "MatrixSelector": {
      const vs = e.vectorSelector;
      return {
        type: "matrixSelector",
        name: vs.name,
        range: e.range,
        rangeExpr: translateDurationExpr(e.rangeExpr, qs),
        offset: vs.originalOffset,
        offsetExpr: translateDurationExpr(vs.offsetExpr, qs),
        matchers: translateMatchers(vs.matchers),
        timestamp: vs.timestamp,
        startOrEnd: vs.startOrEnd,
        anchored: vs.anchored,
        smoothed: vs.smoothed,
      };
    }
    case "SubqueryExpr":
      return {
        type: "subquery",
        expr: translateAST(e.expr, qs),
        range: e.range,
        rangeExpr: translateDurationExpr(e.rangeExpr, qs),
        offset: e.originalOffset,
        offsetExpr: translateDurationExpr(e.offsetExpr, qs),
        step: e.step,
        stepExpr: translateDurationExpr(e.stepExpr, qs),
        timestamp: e.timestamp,
        startOrEnd: e.startOrEnd,
      };
    case "NumberLiteral":
      return { type: "numberLiteral", val: formatFloatF(e.val) };
    case "ParenExpr":
      return { type: "parenExpr", expr: translateAST(e.expr, qs) };
    case "StringLiteral":
      return { type: "stringLiteral", val: e.val };
    case "UnaryExpr":
      return { type: "unaryExpr", op: e.op, expr: translateAST(e.expr, qs) };
    case "VectorSelector":
      return {
        type: "vectorSelector",
        name: e.name,
        offset: e.originalOffset,
        offsetExpr: translateDurationExpr(e.offsetExpr, qs),
        matchers: translateMatchers(e.matchers),
        timestamp: e.timestamp,
        startOrEnd: e.startOrEnd,
        anchored: e.anchored,
        smoothed: e.smoothed,
      };
  }
}

function translateMatching(m: VectorMatching): AstJSON {
  return {
    card: m.card,
    labels: [...m.matchingLabels],
    on: m.on,
    include: [...m.include],
    fillValues: { lhs: m.fillLeft, rhs: m.fillRight },
  };
}

function translateMatchers(ms: readonly Matcher[]): AstJSON {
  return ms.map((m) => ({ name: m.name, value: m.value, type: m.type }));
}

/**
 * A duration expression as upstream's translateDurationExpr: operator
 * nodes with `lhs`, `rhs` and `wrapped` (written in parentheses), literals
 * as numberLiteral nodes (seconds) with `duration` telling `5m` from `5`.
 */
function translateDurationExpr(d: DurationExpr | null, qs: string, wrapped = false): AstJSON {
  if (d === null) return null;
  switch (d.op) {
    case "paren":
      return translateDurationExpr(d.lhs, qs, true);
    case "literal":
      return {
        type: "numberLiteral",
        val: formatFloatF(d.val),
        duration: !/^[\s+-]*[0-9.eE+-]+\s*$/.test(qs.slice(d.pos.start, d.pos.end)),
      };
    default:
      return {
        type: "durationExpr",
        op: d.op,
        lhs: translateDurationExpr(d.lhs, qs),
        rhs: translateDurationExpr(d.rhs, qs),
        wrapped,
      };
  }
}
