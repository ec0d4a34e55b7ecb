import type { Querier, SelectHints, Series as StorageSeries } from "../../storage/index.ts";
import type { DurationExpr, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from "../parser/index.ts";
import { EvalError } from "./errors.ts";

/**
 * Functions whose result depends on the evaluation time even with
 * step-invariant arguments (Prometheus's AtModifierUnsafeFunctions).
 */
export const AT_MODIFIER_UNSAFE_FUNCTIONS: ReadonlySet<string> = new Set([
  "days_in_month",
  "day_of_month",
  "day_of_week",
  "day_of_year",
  "hour",
  "minute",
  "month",
  "year",
  "predict_linear",
  "time",
  "timestamp",
  // The query-parameter functions: their value is not the evaluation time's.
  "start",
  "end",
  "step",
  "range",
]);

/** Removes redundant parentheses, as Prometheus does for function and aggregation arguments. */
export function unparen(e: Expr): Expr {
  while (e.kind === "ParenExpr") e = e.expr;
  return e;
}

/** Parameters of one query that the plan is resolved against. Times in ms. */
export interface PlanParams {
  start: number;
  end: number;
  /** 0 for instant queries. */
  step: number;
  lookbackDelta: number;
  noStepSubqueryInterval: number;
}

type TimedNode = VectorSelector | SubqueryExpr;
type RangedNode = MatrixSelector | SubqueryExpr;

/**
 * Per-query facts about the AST, kept beside it (the AST stays plain data):
 * resolved offsets, ranges, steps and `@` timestamps (duration expressions,
 * start()/end()), the nodes Prometheus would wrap in a StepInvariantExpr,
 * and the series selected for each vector selector.
 */
export class QueryPlan {
  readonly params: PlanParams;
  readonly #offset: Map<TimedNode, number>;
  readonly #at: Map<TimedNode, number | null>;
  readonly #range: Map<RangedNode, number>;
  readonly #step: Map<SubqueryExpr, number>;
  readonly #invariant: Set<Expr>;
  readonly #series: Map<VectorSelector, StorageSeries[]>;
  readonly #hints: Map<VectorSelector, SelectHints>;
  readonly storageWarnings: string[];

  constructor(root: Expr, params: PlanParams) {
    this.params = params;
    this.#offset = new Map();
    this.#at = new Map();
    this.#range = new Map();
    this.#step = new Map();
    this.#invariant = new Set();
    this.#series = new Map();
    this.#hints = new Map();
    this.storageWarnings = [];
    this.#resolve(root);
    const [, wrap] = this.#preprocess(root);
    if (wrap) this.#invariant.add(root);
    this.#computeHints(root, [], 0);
  }

  /** Offset in ms (negative allowed). */
  offsetOf(n: TimedNode): number {
    return this.#offset.get(n) ?? 0;
  }

  /** The `@` timestamp in ms, or null. */
  atOf(n: TimedNode): number | null {
    return this.#at.get(n) ?? null;
  }

  /** Range in ms. */
  rangeOf(n: RangedNode): number {
    return this.#range.get(n) ?? 0;
  }

  /** Subquery step in ms (the default interval when none was given). */
  stepOf(n: SubqueryExpr): number {
    return this.#step.get(n) ?? 0;
  }

  /** Whether Prometheus evaluates this node once and repeats the result for every step. */
  isStepInvariant(e: Expr): boolean {
    return this.#invariant.has(e);
  }

  /** The series selected for a vector selector (after select()). */
  seriesOf(vs: VectorSelector): StorageSeries[] {
    return this.#series.get(vs) ?? [];
  }

  /** Earliest and latest time (ms) any selector reads; [0, 0] without selectors. */
  minMaxTime(): [number, number] {
    let mint = Infinity;
    let maxt = -Infinity;
    for (const h of this.#hints.values()) {
      if (h.start < mint) mint = h.start;
      if (h.end > maxt) maxt = h.end;
    }
    return maxt === -Infinity ? [0, 0] : [mint, maxt];
  }

  /** Selects the series of every vector selector. */
  async select(q: Querier): Promise<void> {
    for (const [vs, hints] of this.#hints) {
      const set = await q.select(false, hints, ...vs.matchers);
      const out: StorageSeries[] = [];
      while (set.next()) out.push(set.at());
      const err = set.err();
      if (err !== null) throw err;
      for (const w of set.warnings()) this.storageWarnings.push(w);
      this.#series.set(vs, out);
    }
  }

  #duration(d: DurationExpr): number {
    const p = this.params;
    const ev = (e: DurationExpr | null): number => {
      if (e === null) return 0;
      switch (e.op) {
        case "literal":
          return e.val;
        case "step":
          return p.step / 1000;
        case "range":
          return (p.end - p.start) / 1000;
        case "paren":
          return ev(e.lhs ?? e.rhs);
        case "min_of":
          return Math.min(ev(e.lhs), ev(e.rhs));
        case "max_of":
          return Math.max(ev(e.lhs), ev(e.rhs));
        case "+":
          return e.lhs === null ? ev(e.rhs) : ev(e.lhs) + ev(e.rhs);
        case "-":
          return e.lhs === null ? -ev(e.rhs) : ev(e.lhs) - ev(e.rhs);
        case "*":
          return ev(e.lhs) * ev(e.rhs);
        case "/": {
          const r = ev(e.rhs);
          if (r === 0) throw new EvalError("division by zero");
          return ev(e.lhs) / r;
        }
        case "%": {
          const r = ev(e.rhs);
          if (r === 0) throw new EvalError("modulo by zero");
          return ev(e.lhs) % r;
        }
        case "^":
          return Math.pow(ev(e.lhs), ev(e.rhs));
      }
    };
    return ev(d);
  }

  #durationMs(d: DurationExpr, allowNegative: boolean): number {
    const v = this.#duration(d);
    if (v <= 0 && !allowNegative) throw new EvalError("duration must be greater than 0");
    const ms = Math.trunc(v * 1000);
    if (!Number.isFinite(ms) || Math.abs(ms) > 9.2e15) throw new EvalError("duration is out of range");
    return ms;
  }

  #resolveTime(n: TimedNode): void {
    this.#offset.set(n, n.offsetExpr !== null ? this.#durationMs(n.offsetExpr, true) : n.originalOffset);
    let at = n.timestamp;
    if (n.startOrEnd === "start") at = this.params.start;
    else if (n.startOrEnd === "end") at = this.params.end;
    this.#at.set(n, at);
  }

  #resolve(e: Expr): void {
    switch (e.kind) {
      case "VectorSelector":
        this.#resolveTime(e);
        return;
      case "MatrixSelector":
        this.#range.set(e, e.rangeExpr !== null ? this.#durationMs(e.rangeExpr, false) : e.range);
        this.#resolve(e.vectorSelector);
        return;
      case "SubqueryExpr": {
        this.#resolveTime(e);
        const range = e.rangeExpr !== null ? this.#durationMs(e.rangeExpr, false) : e.range;
        this.#range.set(e, range);
        let step = e.stepExpr !== null ? this.#durationMs(e.stepExpr, false) : e.step;
        if (step === 0) step = this.params.noStepSubqueryInterval;
        this.#step.set(e, step);
        this.#resolve(e.expr);
        return;
      }
      case "AggregateExpr":
        this.#resolve(e.expr);
        if (e.param !== null) this.#resolve(e.param);
        return;
      case "BinaryExpr":
        this.#resolve(e.lhs);
        this.#resolve(e.rhs);
        return;
      case "Call":
        for (const a of e.args) this.#resolve(a);
        return;
      case "ParenExpr":
      case "UnaryExpr":
        this.#resolve(e.expr);
        return;
      case "NumberLiteral":
      case "StringLiteral":
        return;
    }
  }

  // Mirrors Prometheus's preprocessExprHelper: returns [isStepInvariant, shouldWrap].
  #preprocess(e: Expr): [boolean, boolean] {
    switch (e.kind) {
      case "VectorSelector": {
        const at = this.atOf(e) !== null;
        return [at, at];
      }
      case "AggregateExpr":
        return this.#preprocess(unparen(e.expr));
      case "BinaryExpr": {
        const [li, lw] = this.#preprocess(e.lhs);
        const [ri, rw] = this.#preprocess(e.rhs);
        if (li && ri) return [true, true];
        if (lw) this.#invariant.add(e.lhs);
        if (rw) this.#invariant.add(e.rhs);
        return [false, false];
      }
      case "Call": {
        let inv = !AT_MODIFIER_UNSAFE_FUNCTIONS.has(e.func.name);
        const wraps: boolean[] = [];
        for (const a of e.args) {
          const [ai, aw] = this.#preprocess(unparen(a));
          inv = inv && ai;
          wraps.push(aw);
        }
        if (inv) return [true, true];
        e.args.forEach((a, i) => {
          if (wraps[i]) this.#invariant.add(unparen(a));
        });
        return [false, false];
      }
      case "MatrixSelector":
        return [this.#preprocess(e.vectorSelector)[0], false];
      case "SubqueryExpr": {
        const [inv] = this.#preprocess(e.expr);
        if (inv) this.#invariant.add(e.expr);
        const at = this.atOf(e) !== null;
        return [at, at];
      }
      case "ParenExpr":
      case "UnaryExpr":
        return this.#preprocess(e.expr);
      case "StringLiteral":
      case "NumberLiteral":
        return [true, false];
    }
  }

  // Mirrors Prometheus's populateSeries/getTimeRangesForSelector. `path`
  // holds the enclosing nodes, outermost first.
  #computeHints(e: Expr, path: Expr[], evalRange: number): void {
    const sub = [...path, e];
    switch (e.kind) {
      case "VectorSelector": {
        const p = this.params;
        let start = p.start;
        let end = p.end;
        let subqOffset = 0;
        let subqRange = 0;
        let subqAt: number | null = null;
        let interval = 0;
        for (const n of path) {
          if (n.kind !== "SubqueryExpr") continue;
          subqOffset += this.offsetOf(n);
          subqRange += this.rangeOf(n);
          const at = this.atOf(n);
          if (at !== null) {
            subqOffset = this.offsetOf(n);
            subqRange = this.rangeOf(n);
            subqAt = at;
          }
          interval = this.stepOf(n);
        }
        if (subqAt !== null) {
          start = subqAt;
          end = subqAt;
        }
        const at = this.atOf(e);
        if (at !== null) {
          start = at;
          end = at;
        } else {
          start = start - subqOffset - subqRange;
          end -= subqOffset;
        }
        if (evalRange === 0) start -= p.lookbackDelta - 1;
        else start -= evalRange - 1;
        const off = this.offsetOf(e);
        start -= off;
        end -= off;
        let func = "";
        for (let i = path.length - 1; i >= 0; i--) {
          const n = path[i]!;
          if (n.kind === "AggregateExpr") {
            func = n.op;
            break;
          }
          if (n.kind === "Call") {
            func = n.func.name;
            break;
          }
          if (n.kind === "BinaryExpr") break;
        }
        this.#hints.set(e, { start, end, step: interval === 0 ? p.step : interval, range: evalRange, func });
        return;
      }
      case "MatrixSelector":
        this.#computeHints(e.vectorSelector, sub, this.rangeOf(e));
        return;
      case "SubqueryExpr":
        this.#computeHints(e.expr, sub, 0);
        return;
      case "AggregateExpr":
        if (e.param !== null) this.#computeHints(e.param, sub, 0);
        this.#computeHints(e.expr, sub, 0);
        return;
      case "BinaryExpr":
        this.#computeHints(e.lhs, sub, 0);
        this.#computeHints(e.rhs, sub, 0);
        return;
      case "Call":
        for (const a of e.args) this.#computeHints(a, sub, 0);
        return;
      case "ParenExpr":
      case "UnaryExpr":
        this.#computeHints(e.expr, sub, 0);
        return;
      case "NumberLiteral":
      case "StringLiteral":
        return;
    }
  }
}

/** The type of an expression, as Prometheus's Expr.Type(). */
export function exprType(e: Expr): "vector" | "scalar" | "matrix" | "string" | "none" {
  switch (e.kind) {
    case "AggregateExpr":
    case "VectorSelector":
      return "vector";
    case "BinaryExpr":
      return exprType(e.lhs) === "scalar" && exprType(e.rhs) === "scalar" ? "scalar" : "vector";
    case "Call":
      return e.func.returnType;
    case "MatrixSelector":
    case "SubqueryExpr":
      return "matrix";
    case "NumberLiteral":
      return "scalar";
    case "StringLiteral":
      return "string";
    case "ParenExpr":
    case "UnaryExpr":
      return exprType(e.expr);
  }
}
