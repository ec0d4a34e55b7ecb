import { ExprType } from "./ast.ts";
import type { FunctionDef } from "./ast.ts";

/**
 * The PromQL function table, after Prometheus's promql/parser/functions.go
 * (Prometheus 3.x). `experimental` functions are only accepted when the
 * parser runs with `enableExperimentalFunctions` (the
 * `--enable-feature=promql-experimental-functions` flag).
 *
 * `start`, `end`, `step` and `range` are experimental zero-argument
 * functions returning the query's start, end, step and range as scalars;
 * the same words are also the `@ start()` / `@ end()` preprocessors and the
 * `step()` / `range()` operands of duration expressions.
 */

function def(name: string, argTypes: ExprType[], variadic: number, returnType: ExprType, experimental = false): FunctionDef {
  return Object.freeze({ name, argTypes: Object.freeze(argTypes) as ExprType[], variadic, returnType, experimental });
}

const table: readonly FunctionDef[] = sortByName([
  def("abs", [ExprType.Vector], 0, ExprType.Vector),
  def("absent", [ExprType.Vector], 0, ExprType.Vector),
  def("absent_over_time", [ExprType.Matrix], 0, ExprType.Vector),
  def("acos", [ExprType.Vector], 0, ExprType.Vector),
  def("acosh", [ExprType.Vector], 0, ExprType.Vector),
  def("asin", [ExprType.Vector], 0, ExprType.Vector),
  def("asinh", [ExprType.Vector], 0, ExprType.Vector),
  def("atan", [ExprType.Vector], 0, ExprType.Vector),
  def("atanh", [ExprType.Vector], 0, ExprType.Vector),
  def("avg_over_time", [ExprType.Matrix], 0, ExprType.Vector),
  def("ceil", [ExprType.Vector], 0, ExprType.Vector),
  def("changes", [ExprType.Matrix], 0, ExprType.Vector),
  def("clamp", [ExprType.Vector, ExprType.Scalar, ExprType.Scalar], 0, ExprType.Vector),
  def("clamp_max", [ExprType.Vector, ExprType.Scalar], 0, ExprType.Vector),
  def("clamp_min", [ExprType.Vector, ExprType.Scalar], 0, ExprType.Vector),
  def("cos", [ExprType.Vector], 0, ExprType.Vector),
  def("cosh", [ExprType.Vector], 0, ExprType.Vector),
  def("count_over_time", [ExprType.Matrix], 0, ExprType.Vector),
  def("days_in_month", [ExprType.Vector], 1, ExprType.Vector),
  def("day_of_month", [ExprType.Vector], 1, ExprType.Vector),
  def("day_of_week", [ExprType.Vector], 1, ExprType.Vector),
  def("day_of_year", [ExprType.Vector], 1, ExprType.Vector),
  def("deg", [ExprType.Vector], 0, ExprType.Vector),
  def("delta", [ExprType.Matrix], 0, ExprType.Vector),
  def("deriv", [ExprType.Matrix], 0, ExprType.Vector),
  def("double_exponential_smoothing", [ExprType.Matrix, ExprType.Scalar, ExprType.Scalar], 0, ExprType.Vector, true),
  def("end", [], 0, ExprType.Scalar, true),
  def("exp", [ExprType.Vector], 0, ExprType.Vector),
  def("first_over_time", [ExprType.Matrix], 0, ExprType.Vector, true),
  def("floor", [ExprType.Vector], 0, ExprType.Vector),
  def("histogram_avg", [ExprType.Vector], 0, ExprType.Vector),
  def("histogram_count", [ExprType.Vector], 0, ExprType.Vector),
  def("histogram_fraction", [ExprType.Scalar, ExprType.Scalar, ExprType.Vector], 0, ExprType.Vector),
  def("histogram_quantile", [ExprType.Scalar, ExprType.Vector], 0, ExprType.Vector),
  def("histogram_quantiles", [ExprType.Vector, ExprType.String, ExprType.Scalar, ExprType.Scalar], 9, ExprType.Vector, true),
  def("histogram_stddev", [ExprType.Vector], 0, ExprType.Vector),
  def("histogram_stdvar", [ExprType.Vector], 0, ExprType.Vector),
  def("histogram_sum", [ExprType.Vector], 0, ExprType.Vector),
  def("hour", [ExprType.Vector], 1, ExprType.Vector),
  def("idelta", [ExprType.Matrix], 0, ExprType.Vector),
  def("increase", [ExprType.Matrix], 0, ExprType.Vector),
  def("info", [ExprType.Vector, ExprType.Vector], 1, ExprType.Vector, true),
  def("integral", [ExprType.Matrix, ExprType.Scalar], 1, ExprType.Vector, true),
  def("irate", [ExprType.Matrix], 0, ExprType.Vector),
  def("label_join", [ExprType.Vector, ExprType.String, ExprType.String, ExprType.String], -1, ExprType.Vector),
  def("label_replace", [ExprType.Vector, ExprType.String, ExprType.String, ExprType.String, ExprType.String], 0, ExprType.Vector),
  def("last_over_time", [ExprType.Matrix], 0, ExprType.Vector),
  def("ln", [ExprType.Vector], 0, ExprType.Vector),
  def("log10", [ExprType.Vector], 0, ExprType.Vector),
  def("log2", [ExprType.Vector], 0, ExprType.Vector),
  def("mad_over_time", [ExprType.Matrix], 0, ExprType.Vector, true),
  def("max_over_time", [ExprType.Matrix], 0, ExprType.Vector),
  def("max_of", [ExprType.Scalar, ExprType.Scalar], 0, ExprType.Scalar, true),
  def("min_of", [ExprType.Scalar, ExprType.Scalar], 0, ExprType.Scalar, true),
  def("min_over_time", [ExprType.Matrix], 0, ExprType.Vector),
  def("minute", [ExprType.Vector], 1, ExprType.Vector),
  def("month", [ExprType.Vector], 1, ExprType.Vector),
  def("pi", [], 0, ExprType.Scalar),
  def("predict_linear", [ExprType.Matrix, ExprType.Scalar], 0, ExprType.Vector),
  def("present_over_time", [ExprType.Matrix], 0, ExprType.Vector),
  def("quantile_over_time", [ExprType.Scalar, ExprType.Matrix], 0, ExprType.Vector),
  def("rad", [ExprType.Vector], 0, ExprType.Vector),
  def("range", [], 0, ExprType.Scalar, true),
  def("rate", [ExprType.Matrix], 0, ExprType.Vector),
  def("resets", [ExprType.Matrix], 0, ExprType.Vector),
  def("round", [ExprType.Vector, ExprType.Scalar], 1, ExprType.Vector),
  def("scalar", [ExprType.Vector], 0, ExprType.Scalar),
  def("sgn", [ExprType.Vector], 0, ExprType.Vector),
  def("sin", [ExprType.Vector], 0, ExprType.Vector),
  def("sinh", [ExprType.Vector], 0, ExprType.Vector),
  def("sort", [ExprType.Vector], 0, ExprType.Vector),
  def("sort_by_label", [ExprType.Vector, ExprType.String], -1, ExprType.Vector, true),
  def("sort_by_label_desc", [ExprType.Vector, ExprType.String], -1, ExprType.Vector, true),
  def("sort_desc", [ExprType.Vector], 0, ExprType.Vector),
  def("sqrt", [ExprType.Vector], 0, ExprType.Vector),
  def("start", [], 0, ExprType.Scalar, true),
  def("start_timestamp", [ExprType.Vector], 0, ExprType.Vector, true),
  def("stddev_over_time", [ExprType.Matrix], 0, ExprType.Vector),
  def("stdvar_over_time", [ExprType.Matrix], 0, ExprType.Vector),
  def("step", [], 0, ExprType.Scalar, true),
  def("sum_over_time", [ExprType.Matrix], 0, ExprType.Vector),
  def("tan", [ExprType.Vector], 0, ExprType.Vector),
  def("tanh", [ExprType.Vector], 0, ExprType.Vector),
  def("time", [], 0, ExprType.Scalar),
  def("timestamp", [ExprType.Vector], 0, ExprType.Vector),
  def("ts_of_first_over_time", [ExprType.Matrix], 0, ExprType.Vector, true),
  def("ts_of_last_over_time", [ExprType.Matrix], 0, ExprType.Vector, true),
  def("ts_of_max_over_time", [ExprType.Matrix], 0, ExprType.Vector, true),
  def("ts_of_min_over_time", [ExprType.Matrix], 0, ExprType.Vector, true),
  def("vector", [ExprType.Scalar], 0, ExprType.Vector),
  def("year", [ExprType.Vector], 1, ExprType.Vector),
]);

function sortByName(defs: FunctionDef[]): FunctionDef[] {
  return defs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const functions: ReadonlyMap<string, FunctionDef> = new Map(table.map((f) => [f.name, f]));

/** The definition of the function `name` (case-sensitive), or undefined. Definitions are frozen and shared. */
export function getFunction(name: string): FunctionDef | undefined {
  return functions.get(name);
}

/** Every function definition, sorted by name. */
export function listFunctions(): readonly FunctionDef[] {
  return table;
}
