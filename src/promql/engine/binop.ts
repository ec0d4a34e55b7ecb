import { Labels, compareLabels } from "../../model/index.ts";
import type { BinaryExpr, BinaryOp, Expr, VectorMatching } from "../parser/index.ts";
import type { Evaluator, NodeHelper } from "./evaluator.ts";
import { goPow } from "./kernels/index.ts";
import { exprType, unparen } from "./plan.ts";
import { dropMetadata, type Matrix, type Sample, type Series } from "./types.ts";

/** Operators that change the meaning of a metric, so its name is dropped. */
function changesMetricSchema(op: BinaryOp): boolean {
  switch (op) {
    case "+":
    case "-":
    case "*":
    case "/":
    case "^":
    case "%":
    case "atan2":
      return true;
    default:
      return false;
  }
}

function isComparison(op: BinaryOp): boolean {
  switch (op) {
    case "==":
    case "!=":
    case ">":
    case "<":
    case ">=":
    case "<=":
      return true;
    default:
      return false;
  }
}

/** Arithmetic of two floats (also used for scalar/scalar comparisons, which yield 0/1). */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case "+":
      return l + r;
    case "-":
      return l - r;
    case "*":
      return l * r;
    case "/":
      return l / r;
    case "^":
      return goPow(l, r);
    case "%":
      return l % r;
    case "atan2":
      return Math.atan2(l, r);
    case "==":
      return l === r ? 1 : 0;
    case "!=":
      return l !== r ? 1 : 0;
    case ">":
      return l > r ? 1 : 0;
    case "<":
      return l < r ? 1 : 0;
    case ">=":
      return l >= r ? 1 : 0;
    case "<=":
      return l <= r ? 1 : 0;
    default:
      throw new Error(`BUG: operator ${op} not allowed for scalar operations`);
  }
}

// Result of vectorElemBinop for floats: the value and whether to keep it.
let elemKeep = true;

/** A binary operation between two vector elements; sets elemKeep. Comparisons return lhs. */
function vectorElemBinop(op: BinaryOp, l: number, r: number): number {
  elemKeep = true;
  switch (op) {
    case "==":
      elemKeep = l === r;
      return l;
    case "!=":
      elemKeep = l !== r;
      return l;
    case ">":
      elemKeep = l > r;
      return l;
    case "<":
      elemKeep = l < r;
      return l;
    case ">=":
      elemKeep = l >= r;
      return l;
    case "<=":
      elemKeep = l <= r;
      return l;
    default:
      return scalarBinop(op, l, r);
  }
}

/** Evaluates a binary expression over all steps. */
export async function evalBinary(ev: Evaluator, e: BinaryExpr): Promise<Matrix> {
  const lt = exprType(e.lhs);
  const rt = exprType(e.rhs);
  if (lt === "scalar" && rt === "scalar") {
    return ev.rangeEval(
      [e.lhs, e.rhs],
      (v, _s, enh) => {
        enh.out.push({ metric: Labels.EMPTY, t: enh.ts, f: scalarBinop(e.op, v[0]![0]!.f, v[1]![0]!.f), dropName: false });
        return enh.out;
      },
      null,
    );
  }
  if (lt === "vector" && rt === "vector") {
    const m = e.matching;
    if (m === null) throw new Error("BUG: vector matching missing");
    switch (e.op) {
      case "and":
        return ev.rangeEval([e.lhs, e.rhs], (v, sh, enh) => vectorAnd(v[0]!, v[1]!, sh![0]!, sh![1]!, enh), m);
      case "or":
        return ev.rangeEval([e.lhs, e.rhs], (v, sh, enh) => vectorOr(v[0]!, v[1]!, sh![0]!, sh![1]!, enh), m);
      case "unless":
        return ev.rangeEval([e.lhs, e.rhs], (v, sh, enh) => vectorUnless(v[0]!, v[1]!, sh![0]!, sh![1]!, enh), m);
      default:
        return ev.rangeEval(
          [e.lhs, e.rhs],
          (v, sh, enh) => vectorBinop(ev, e.op, v[0]!, v[1]!, m, e.returnBool, sh![0]!, sh![1]!, enh),
          m,
        );
    }
  }
  const scalarOnLeft = lt === "scalar";
  const scalarExpr = scalarOnLeft ? e.lhs : e.rhs;
  const constant = constantValue(scalarExpr);
  if (constant !== null) {
    const mat = await ev.evalMatrix(scalarOnLeft ? e.rhs : e.lhs);
    return vectorConstBinop(ev, e.op, mat, constant, scalarOnLeft, e.returnBool);
  }
  return ev.rangeEval(
    [e.lhs, e.rhs],
    (v, _s, enh) =>
      scalarOnLeft
        ? vectorScalarBinop(ev, e.op, v[1]!, v[0]![0]!.f, true, e.returnBool, enh)
        : vectorScalarBinop(ev, e.op, v[0]!, v[1]![0]!.f, false, e.returnBool, enh),
    null,
  );
}

/** The value of a number literal (possibly signed or parenthesized), else null. */
function constantValue(e: Expr): number | null {
  const u = unparen(e);
  if (u.kind === "NumberLiteral") return u.val;
  if (u.kind === "UnaryExpr") {
    const v = constantValue(u.expr);
    if (v === null) return null;
    return u.op === "-" ? -v : v;
  }
  return null;
}

/**
 * vector op constant, series by series: the same results as the per-step
 * evaluation, without building a vector per step.
 */
async function vectorConstBinop(
  ev: Evaluator,
  op: BinaryOp,
  mat: Matrix,
  c: number,
  swap: boolean,
  returnBool: boolean,
): Promise<Matrix> {
  const ctx = ev.ctx;
  const cmp = isComparison(op);
  const dropName = changesMetricSchema(op) || returnBool;
  const out: Matrix = [];
  let dropped = 0;
  for (const s of mat) {
    if (ctx.shouldYield()) await ctx.yieldNow();
    const w = seriesConstBinop(s, op, c, swap, returnBool, cmp);
    dropped += s.n - s.pos - w;
    s.n = w;
    s.pos = 0;
    if (w === 0) continue;
    if (dropName) {
      if (!ev.delayed) s.metric = dropMetadata(s.metric);
      s.dropName = true;
    }
    out.push(s);
  }
  ev.currentSamples -= dropped;
  return dropName && !ev.delayed ? ev.mergeSeriesWithSameLabelset(out) : out;
}

/**
 * Applies `op c` (or `c op`, with swap) to the points of s from s.pos,
 * compacting the kept ones to the front; returns how many were kept.
 * Synchronous for V8's optimizer.
 */
function seriesConstBinop(s: Series, op: BinaryOp, c: number, swap: boolean, returnBool: boolean, cmp: boolean): number {
  let w = 0;
  for (let i = s.pos; i < s.n; i++) {
    const x = s.fs[i]!;
    let f = swap ? vectorElemBinop(op, c, x) : vectorElemBinop(op, x, c);
    let keep = elemKeep;
    if (cmp && swap) f = x;
    if (returnBool) {
      f = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    s.ts[w] = s.ts[i]!;
    s.fs[w] = f;
    w++;
  }
  return w;
}

function vectorScalarBinop(
  ev: Evaluator,
  op: BinaryOp,
  lhs: Sample[],
  scalar: number,
  swap: boolean,
  returnBool: boolean,
  enh: NodeHelper,
): Sample[] {
  const cmp = isComparison(op);
  for (const s of lhs) {
    let f = swap ? vectorElemBinop(op, scalar, s.f) : vectorElemBinop(op, s.f, scalar);
    let keep = elemKeep;
    if (cmp && swap) f = s.f;
    if (returnBool) {
      f = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    let metric = s.metric;
    let dropName = s.dropName;
    if (changesMetricSchema(op) || returnBool) {
      if (!ev.delayed) metric = dropMetadata(metric);
      dropName = true;
    }
    enh.out.push({ metric, t: enh.ts, f, dropName });
  }
  return enh.out;
}

function vectorAnd(lhs: Sample[], rhs: Sample[], lsig: Int32Array, rsig: Int32Array, enh: NodeHelper): Sample[] {
  if (lhs.length === 0 || rhs.length === 0) return enh.out;
  const present = new Uint8Array(enh.numSigs);
  for (let j = 0; j < rhs.length; j++) present[rsig[j]!] = 1;
  for (let i = 0; i < lhs.length; i++) if (present[lsig[i]!] === 1) enh.out.push(lhs[i]!);
  return enh.out;
}

function vectorOr(lhs: Sample[], rhs: Sample[], lsig: Int32Array, rsig: Int32Array, enh: NodeHelper): Sample[] {
  if (lhs.length === 0) {
    for (const s of rhs) enh.out.push(s);
    return enh.out;
  }
  if (rhs.length === 0) {
    for (const s of lhs) enh.out.push(s);
    return enh.out;
  }
  const present = new Uint8Array(enh.numSigs);
  for (let i = 0; i < lhs.length; i++) {
    present[lsig[i]!] = 1;
    enh.out.push(lhs[i]!);
  }
  for (let j = 0; j < rhs.length; j++) if (present[rsig[j]!] === 0) enh.out.push(rhs[j]!);
  return enh.out;
}

function vectorUnless(lhs: Sample[], rhs: Sample[], lsig: Int32Array, rsig: Int32Array, enh: NodeHelper): Sample[] {
  if (lhs.length === 0 || rhs.length === 0) {
    for (const s of lhs) enh.out.push(s);
    return enh.out;
  }
  const present = new Uint8Array(enh.numSigs);
  for (let j = 0; j < rhs.length; j++) present[rsig[j]!] = 1;
  for (let i = 0; i < lhs.length; i++) if (present[lsig[i]!] === 0) enh.out.push(lhs[i]!);
  return enh.out;
}

/** Labels of `l` that take part in matching: with `on` only `names`, else all but `names` and `__name__`. */
function matchLabels(l: Labels, on: boolean, names: readonly string[]): Labels {
  if (on) return l.filter((n) => names.includes(n));
  return l.filter((n) => n !== "__name__" && !names.includes(n));
}

function vectorBinop(
  ev: Evaluator,
  op: BinaryOp,
  lhsIn: Sample[],
  rhsIn: Sample[],
  matching: VectorMatching,
  returnBool: boolean,
  lsigIn: Int32Array,
  rsigIn: Int32Array,
  enh: NodeHelper,
): Sample[] {
  if (matching.card === "many-to-many") throw new Error("BUG: many-to-many only allowed for set operators");
  const fillL = matching.fillLeft;
  const fillR = matching.fillRight;
  if (
    (lhsIn.length === 0 && rhsIn.length === 0) ||
    ((lhsIn.length === 0 || rhsIn.length === 0) && fillL === null && fillR === null)
  ) {
    return enh.out;
  }
  // For one-to-many, swap sides and account for it when computing values.
  const swapped = matching.card === "one-to-many";
  const lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  const lsig = swapped ? rsigIn : lsigIn;
  const rsig = swapped ? lsigIn : rsigIn;
  // NOTE: matches Prometheus, which applies the fill values to the sides
  // as swapped for one-to-many matching.
  const fillRhs = fillR;
  const fillLhs = fillL;

  const rightSigs = new Map<number, Sample>();
  for (let j = 0; j < rhs.length; j++) {
    const rs = rhs[j]!;
    const ord = rsig[j]!;
    const dupl = rightSigs.get(ord);
    if (dupl !== undefined) {
      const oneSide = swapped ? "left" : "right";
      const matched = matchLabels(rs.metric, matching.on, matching.matchingLabels);
      // The two series are reported in label order, so the message is stable.
      const [a, b] = compareLabels(rs.metric, dupl.metric) <= 0 ? [rs, dupl] : [dupl, rs];
      ev.fail(
        `found duplicate series for the match group ${matched.toString()} on the ${oneSide} hand-side of the operation: ` +
          `[${a.metric.toString()}, ${b.metric.toString()}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    rightSigs.set(ord, rs);
  }
  // One-to-one: the set of matched ordinals. Many-to-one: per ordinal, the result label keys.
  const matchedSigs = new Map<number, Set<string> | null>();

  const doBinOp = (ls: Sample, rs: Sample, ord: number): void => {
    const fl = swapped ? rs.f : ls.f;
    const fr = swapped ? ls.f : rs.f;
    let f = vectorElemBinop(op, fl, fr);
    const keep = elemKeep;
    if (returnBool) f = keep ? 1 : 0;
    let metric = resultMetric(ls.metric, rs.metric, op, matching, enh);
    if (!ev.delayed && returnBool) metric = dropMetadata(metric);
    const inserted = matchedSigs.get(ord);
    if (matching.card === "one-to-one") {
      if (inserted !== undefined) {
        ev.fail("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
      }
      matchedSigs.set(ord, null);
    } else {
      const k = metric.key;
      if (inserted === undefined || inserted === null) {
        matchedSigs.set(ord, new Set([k]));
      } else {
        if (inserted.has(k)) ev.fail("multiple matches for labels: grouping labels must ensure unique matches");
        inserted.add(k);
      }
    }
    if (!keep && !returnBool) return;
    enh.out.push({ metric, t: enh.ts, f, dropName: returnBool });
  };

  for (let i = 0; i < lhs.length; i++) {
    const ls = lhs[i]!;
    const ord = lsig[i]!;
    let rs = rightSigs.get(ord);
    if (rs === undefined) {
      if (fillRhs === null) continue;
      rs = {
        metric: matchLabels(ls.metric, matching.on, matching.matchingLabels),
        t: enh.ts,
        f: fillRhs,
        dropName: false,
      };
    }
    doBinOp(ls, rs, ord);
  }
  if (fillLhs !== null) {
    for (const [ord, rs] of rightSigs) {
      if (matchedSigs.has(ord)) continue;
      const ls: Sample = {
        metric: matchLabels(rs.metric, matching.on, matching.matchingLabels),
        t: enh.ts,
        f: fillLhs,
        dropName: false,
      };
      doBinOp(ls, rs, ord);
    }
  }
  return enh.out;
}

/** The label set of a vector/vector result, cached per (lhs, rhs) label set pair. */
function resultMetric(lhs: Labels, rhs: Labels, op: BinaryOp, matching: VectorMatching, enh: NodeHelper): Labels {
  let byRhs = enh.resultMetric.get(lhs);
  if (byRhs === undefined) {
    byRhs = new Map();
    enh.resultMetric.set(lhs, byRhs);
  }
  const cached = byRhs.get(rhs);
  if (cached !== undefined) return cached;
  const lb = lhs.builder();
  if (changesMetricSchema(op)) lb.del("__name__", "__type__", "__unit__");
  if (matching.card === "one-to-one") {
    if (matching.on) lb.keep(...matching.matchingLabels);
    else lb.del(...matching.matchingLabels);
  }
  for (const ln of matching.include) {
    const v = rhs.get(ln);
    if (v !== "") lb.set(ln, v);
    else lb.del(ln);
  }
  const ret = lb.labels();
  byRhs.set(rhs, ret);
  return ret;
}
