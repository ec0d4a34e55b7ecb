/**
 * PromQL parsing: lexer, parser, type checker, function table and printer.
 * No Node-specific imports: the UI bundles this folder.
 */
export { ExprType } from "./ast.ts";
export type {
  AggregateExpr,
  AggregateOp,
  BinaryExpr,
  BinaryOp,
  Call,
  DurationExpr,
  Expr,
  FunctionDef,
  MatchCardinality,
  MatrixSelector,
  NumberLiteral,
  ParenExpr,
  PositionRange,
  StringLiteral,
  SubqueryExpr,
  TimeModifiers,
  UnaryExpr,
  VectorMatching,
  VectorSelector,
} from "./ast.ts";
export { parseExpr, parseMetricSelector, typeOf, documentedType } from "./parser.ts";
export type { ParseOptions } from "./parser.ts";
export { ParseError } from "./errors.ts";
export type { ParseErrorItem } from "./errors.ts";
export { getFunction, listFunctions } from "./functions.ts";
export { formatExpr, formatDurationExpr } from "./printer.ts";
