import { MatchType, MetricName, formatLabelName, quoteString } from "../../model/index.ts";
import type { DurationExpr, Expr, VectorMatching, VectorSelector } from "./ast.ts";
import { formatDuration } from "../../model/index.ts";

/**
 * Prints an expression as canonical PromQL, like the String() methods of
 * Prometheus's promql/parser/printer.go: single spaces around binary
 * operators, `sum by (a) (x)`, sorted label matchers, `@ 123.000`,
 * durations in Prometheus's format. Parsing the output gives the same AST
 * up to positions and matcher order.
 */
export function formatExpr(expr: Expr): string {
  switch (expr.kind) {
    case "AggregateExpr": {
      let s = expr.op;
      if (expr.without) s += ` without (${formatLabels(expr.grouping)}) `;
      else if (expr.grouping.length > 0) s += ` by (${formatLabels(expr.grouping)}) `;
      s += "(";
      if (expr.param !== null) s += formatExpr(expr.param) + ", ";
      return s + formatExpr(expr.expr) + ")";
    }
    case "BinaryExpr":
      return (
        formatExpr(expr.lhs) +
        " " +
        expr.op +
        (expr.returnBool ? " bool" : "") +
        formatMatching(expr.matching) +
        " " +
        formatExpr(expr.rhs)
      );
    case "Call":
      return expr.func.name + "(" + expr.args.map(formatExpr).join(", ") + ")";
    case "MatrixSelector": {
      const vs = expr.vectorSelector;
      const range = expr.rangeExpr !== null ? formatDurationExpr(expr.rangeExpr) : formatDuration(expr.range);
      const extended = vs.anchored ? " anchored" : vs.smoothed ? " smoothed" : "";
      return `${formatSelectorBody(vs)}[${range}]${extended}${formatAt(vs.timestamp, vs.startOrEnd)}${formatOffset(vs.originalOffset, vs.offsetExpr)}`;
    }
    case "SubqueryExpr": {
      const range = expr.rangeExpr !== null ? formatDurationExpr(expr.rangeExpr) : formatDuration(expr.range);
      let step = "";
      if (expr.step !== 0) step = formatDuration(expr.step);
      else if (expr.stepExpr !== null) step = formatDurationExpr(expr.stepExpr);
      return `${formatExpr(expr.expr)}[${range}:${step}]${formatAt(expr.timestamp, expr.startOrEnd)}${formatOffset(expr.originalOffset, expr.offsetExpr)}`;
    }
    case "NumberLiteral":
      if (expr.duration && Number.isFinite(expr.val)) {
        const ms = Math.trunc(Math.abs(expr.val) * 1000);
        return (expr.val < 0 ? "-" : "") + formatDuration(ms);
      }
      return formatFloat(expr.val);
    case "StringLiteral":
      return quoteString(expr.val);
    case "ParenExpr":
      return "(" + formatExpr(expr.expr) + ")";
    case "UnaryExpr":
      return expr.op + formatExpr(expr.expr);
    case "VectorSelector": {
      const extended = expr.anchored ? " anchored" : expr.smoothed ? " smoothed" : "";
      return (
        formatSelectorBody(expr) +
        formatAt(expr.timestamp, expr.startOrEnd) +
        extended +
        formatOffset(expr.originalOffset, expr.offsetExpr)
      );
    }
  }
}

/** A duration expression as written in `[...]` or after `offset`; literals print as seconds. */
export function formatDurationExpr(d: DurationExpr): string {
  switch (d.op) {
    case "literal":
      return formatFloat(d.val);
    case "step":
      return "step()";
    case "range":
      return "range()";
    case "min_of":
    case "max_of":
      return `${d.op}(${formatDurationExpr(d.lhs!)}, ${formatDurationExpr(d.rhs!)})`;
    case "paren":
      return "(" + formatDurationExpr(d.lhs!) + ")";
  }
  if (d.lhs === null) return (d.op === "-" ? "-" : "") + formatDurationExpr(d.rhs!);
  return `${formatDurationExpr(d.lhs)} ${d.op} ${formatDurationExpr(d.rhs!)}`;
}

/** Name and sorted matchers, without modifiers; the name's own matcher is implied. */
function formatSelectorBody(vs: VectorSelector): string {
  const parts: string[] = [];
  for (const m of vs.matchers) {
    if (m.name === MetricName && m.type === MatchType.Equal && m.value === vs.name && m.value !== "") continue;
    parts.push(m.toString());
  }
  if (parts.length === 0) return vs.name;
  parts.sort();
  return vs.name + "{" + parts.join(",") + "}";
}

function formatAt(timestamp: number | null, startOrEnd: "start" | "end" | null): string {
  if (timestamp !== null) return " @ " + (timestamp / 1000).toFixed(3);
  if (startOrEnd !== null) return ` @ ${startOrEnd}()`;
  return "";
}

function formatOffset(offset: number, offsetExpr: DurationExpr | null): string {
  if (offsetExpr !== null) return " offset " + formatDurationExpr(offsetExpr);
  if (offset > 0) return " offset " + formatDuration(offset);
  if (offset < 0) return " offset -" + formatDuration(-offset);
  return "";
}

function formatLabels(labels: readonly string[]): string {
  return labels.map(formatLabelName).join(", ");
}

function formatMatching(vm: VectorMatching | null): string {
  if (vm === null) return "";
  let s = "";
  const grouped = vm.card === "many-to-one" || vm.card === "one-to-many";
  if (vm.matchingLabels.length > 0 || vm.on || grouped) {
    s += ` ${vm.on ? "on" : "ignoring"} (${formatLabels(vm.matchingLabels)})`;
  }
  if (grouped) s += ` group_${vm.card === "many-to-one" ? "left" : "right"} (${formatLabels(vm.include)})`;
  const l = vm.fillLeft;
  const r = vm.fillRight;
  if (l !== null && r !== null && Object.is(l, r)) s += ` fill (${formatFloatG(l)})`;
  else {
    if (l !== null) s += ` fill_left (${formatFloatG(l)})`;
    if (r !== null) s += ` fill_right (${formatFloatG(r)})`;
  }
  return s;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent. */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (Object.is(v, -0)) return "-0";
  const s = String(v);
  const e = s.indexOf("e");
  if (e < 0) return s;
  return expandExponent(s.slice(0, e), Number(s.slice(e + 1)));
}

/** Go's `%v` of a float64 (strconv 'g' with shortest digits). */
export function formatFloatG(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatFloat(v);
  const [mant, expStr] = v.toExponential().split("e") as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return formatFloat(v);
}

/** `1.5`, 22 -> `1500000000000000000000`; `1`, -7 -> `0.0000001`. */
function expandExponent(mantissa: string, exp: number): string {
  const neg = mantissa.startsWith("-");
  const m = neg ? mantissa.slice(1) : mantissa;
  const dot = m.indexOf(".");
  const digits = dot < 0 ? m : m.slice(0, dot) + m.slice(dot + 1);
  const point = (dot < 0 ? m.length : dot) + exp;
  let out: string;
  if (point <= 0) out = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = digits.slice(0, point) + "." + digits.slice(point);
  return (neg ? "-" : "") + out;
}
