import type { Matcher } from "../../model/index.ts";

/**
 * The PromQL abstract syntax tree, after Prometheus's promql/parser/ast.go.
 * Nodes are plain data: the parser builds them, the engine reads them and
 * keeps any evaluation state on the side (no runtime state on AST nodes).
 *
 * Positions are offsets into the query string (UTF-16 code units),
 * `start` inclusive, `end` exclusive.
 */
export interface PositionRange {
  start: number;
  end: number;
}

/** The types of PromQL expressions, named as in the HTTP API's resultType. */
export const ExprType = {
  None: "none",
  Vector: "vector",
  Scalar: "scalar",
  Matrix: "matrix",
  String: "string",
} as const;
export type ExprType = (typeof ExprType)[keyof typeof ExprType];

/** Aggregation operators. */
export type AggregateOp =
  | "sum"
  | "avg"
  | "count"
  | "min"
  | "max"
  | "group"
  | "stddev"
  | "stdvar"
  | "topk"
  | "bottomk"
  | "count_values"
  | "quantile"
  | "limitk"
  | "limit_ratio";

/** Binary operators. Comparisons are == != > < >= <=; set operators and, or, unless; trim operators </ >/. */
export type BinaryOp =
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "^"
  | "atan2"
  | "=="
  | "!="
  | ">"
  | "<"
  | ">="
  | "<="
  | "and"
  | "or"
  | "unless"
  /** Histogram trim operators: `</` drops observations above, `>/` below the right-hand threshold. */
  | "</"
  | ">/";

/** Cardinality of a vector matching. */
export type MatchCardinality = "one-to-one" | "many-to-one" | "one-to-many" | "many-to-many";

/** How two vectors of a binary operation are matched (on/ignoring/group_*). */
export interface VectorMatching {
  card: MatchCardinality;
  /** Labels of on(...) or ignoring(...). */
  matchingLabels: string[];
  /** true for on(...), false for ignoring(...) or no modifier. */
  on: boolean;
  /** Labels of group_left(...)/group_right(...) copied from the "one" side. */
  include: string[];
  /** fill/fill_left/fill_right values (experimental), null when absent. */
  fillLeft: number | null;
  fillRight: number | null;
}

/** A function signature from the function table. */
export interface FunctionDef {
  name: string;
  argTypes: ExprType[];
  /** 0: exactly argTypes; n > 0: up to n more args of the last type; -1: unlimited. */
  variadic: number;
  returnType: ExprType;
  /** Only available with experimental functions enabled. */
  experimental: boolean;
}

export interface AggregateExpr {
  kind: "AggregateExpr";
  op: AggregateOp;
  expr: Expr;
  /** Parameter of topk, bottomk, quantile, count_values, limitk, limit_ratio. */
  param: Expr | null;
  grouping: string[];
  without: boolean;
  pos: PositionRange;
}

export interface BinaryExpr {
  kind: "BinaryExpr";
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  /** Set when both sides are vectors (always for set operators). */
  matching: VectorMatching | null;
  /** The bool modifier of comparisons. */
  returnBool: boolean;
  pos: PositionRange;
}

export interface Call {
  kind: "Call";
  func: FunctionDef;
  args: Expr[];
  pos: PositionRange;
}

/** `offset`, `@` and range settings shared by selectors and subqueries. Times in ms. */
export interface TimeModifiers {
  /** Offset in ms as written (negative allowed); 0 when absent. Valid when offsetExpr is null. */
  originalOffset: number;
  /** Offset given as a duration expression needing query parameters (step(), range()), else null. */
  offsetExpr: DurationExpr | null;
  /** `@` timestamp in ms, or null. */
  timestamp: number | null;
  /** `@ start()` or `@ end()`, or null. */
  startOrEnd: "start" | "end" | null;
}

export interface VectorSelector extends TimeModifiers {
  kind: "VectorSelector";
  /** Metric name if given, else "". Also present as a `__name__` matcher. */
  name: string;
  matchers: Matcher[];
  /** `anchored` / `smoothed` modifiers (experimental extended range selectors). */
  anchored: boolean;
  smoothed: boolean;
  pos: PositionRange;
}

export interface MatrixSelector {
  kind: "MatrixSelector";
  vectorSelector: VectorSelector;
  /** Range in ms. Valid when rangeExpr is null. */
  range: number;
  rangeExpr: DurationExpr | null;
  pos: PositionRange;
}

export interface SubqueryExpr extends TimeModifiers {
  kind: "SubqueryExpr";
  expr: Expr;
  /** Range in ms. Valid when rangeExpr is null. */
  range: number;
  rangeExpr: DurationExpr | null;
  /** Step in ms; 0 means the default evaluation interval. Valid when stepExpr is null. */
  step: number;
  stepExpr: DurationExpr | null;
  pos: PositionRange;
}

export interface NumberLiteral {
  kind: "NumberLiteral";
  val: number;
  /** Written as a duration (e.g. `5m` where a number is expected), printed as such. */
  duration: boolean;
  pos: PositionRange;
}

export interface StringLiteral {
  kind: "StringLiteral";
  val: string;
  pos: PositionRange;
}

export interface ParenExpr {
  kind: "ParenExpr";
  expr: Expr;
  pos: PositionRange;
}

export interface UnaryExpr {
  kind: "UnaryExpr";
  op: "+" | "-";
  expr: Expr;
  pos: PositionRange;
}

/**
 * A duration arithmetic expression inside `[...]`, `offset` or a subquery
 * step that depends on query parameters: `step()`, `range()`, `min_of`,
 * `max_of` and the arithmetic operators. Constant expressions are folded
 * by the parser into plain durations.
 *
 * Shapes: "literal" has `val` (seconds) and no operands; "step"/"range" have
 * none; "paren" has its inner expression in `lhs`; a unary minus is op "-"
 * with `lhs` null and the operand in `rhs` (unary plus is dropped); binary
 * ops and "min_of"/"max_of" use both. All values are in seconds.
 */
export interface DurationExpr {
  kind: "DurationExpr";
  op: "+" | "-" | "*" | "/" | "%" | "^" | "step" | "range" | "min_of" | "max_of" | "paren" | "literal";
  /** Operands; null where the op takes fewer (literal, step, range). */
  lhs: DurationExpr | null;
  rhs: DurationExpr | null;
  /** Value of a literal in seconds (durations are converted to seconds). */
  val: number;
  pos: PositionRange;
}

/** Any PromQL expression. */
export type Expr =
  | AggregateExpr
  | BinaryExpr
  | Call
  | MatrixSelector
  | SubqueryExpr
  | NumberLiteral
  | StringLiteral
  | ParenExpr
  | UnaryExpr
  | VectorSelector;
