import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { type Labels, LabelsBuilder, MetricName, compareLabels } from "../../model/index.ts";
import { MemoryStorage } from "../../storage/index.ts";
import { AT_MODIFIER_UNSAFE_FUNCTIONS, Engine, type EngineOptions, type Query, type QueryResult, type Sample, type Value } from "../engine/index.ts";
import { type Expr, formatExpr } from "../parser/index.ts";
import { DEFAULT_EPSILON, almostEqual } from "./compare.ts";
import { fileSkipReason } from "./features.ts";
import { type Command, type EvalCmd, type Expectation, type LoadCmd, ScriptParseError, parseScript } from "./script.ts";
import { type SequenceValue, SequenceKind } from "./series.ts";

/** What happened to one eval (or, with expr "load", to one load command). */
export interface EvalOutcome {
  /** 1-based line of the eval. */
  line: number;
  expr: string;
  status: "passed" | "failed" | "skipped";
  /** Failure diff or skip reason; "" when passed. */
  message: string;
}

/** The result of one script. Counts are of evals; a script or load error counts as one failure. */
export interface ScriptResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  outcomes: EvalOutcome[];
}

/**
 * Engine options of Prometheus's test engine (promqltest.NewTestEngine as
 * used by TestEvaluations): default 5m lookback, DefaultMaxSamplesPerQuery
 * (10000), 100 s timeout, experimental functions, extended range selectors,
 * fill modifiers and delayed name removal enabled, 1m subquery step default.
 */
export const testEngineOptions: EngineOptions = {
  lookbackDeltaMs: 5 * 60 * 1000,
  timeoutMs: 100_000,
  maxSamples: 10000,
  enableExperimentalFunctions: true,
  enableExtendedRangeSelectors: true,
  enableBinopFillModifiers: true,
  enableDelayedNameRemoval: true,
  noStepSubqueryIntervalMs: 60_000,
};

/** Options of runScript. */
export interface RunOptions {
  /** Name reported in the result and used for the experimental-file list; default "script". */
  file?: string;
  /** Overrides testEngineOptions. */
  engineOptions?: EngineOptions;
}

/** Reads and runs a test file; the skip list of features.ts applies to its base name. */
export async function runTestFile(path: string, opts: RunOptions = {}): Promise<ScriptResult> {
  const text = await readFile(path, "utf8");
  return runScript(text, { ...opts, file: opts.file ?? path });
}

/**
 * Runs a PromQL test script against a fresh engine and in-memory storage.
 * Never throws for a failing script: failures are in the result.
 */
export async function runScript(input: string, opts: RunOptions = {}): Promise<ScriptResult> {
  const file = opts.file ?? "script";
  const res: ScriptResult = { file, passed: 0, failed: 0, skipped: 0, outcomes: [] };
  let cmds: Command[];
  try {
    cmds = parseScript(input);
  } catch (e) {
    if (!(e instanceof ScriptParseError)) throw e;
    record(res, { line: e.line, expr: "", status: "failed", message: `error parsing test script: ${e.message}` });
    return res;
  }
  const skipFile = fileSkipReason(basename(file));
  if (skipFile !== null) {
    for (const c of cmds) if (c.kind === "eval") record(res, { line: c.line, expr: c.expr, status: "skipped", message: skipFile });
    return res;
  }
  const t = new TestRun(new Engine(opts.engineOptions ?? testEngineOptions));
  for (const c of cmds) {
    if (c.kind === "clear") t.clear();
    else if (c.kind === "load") {
      const err = await t.load(c);
      if (err !== null) record(res, { line: c.line, expr: "load", status: "failed", message: err });
    } else record(res, await t.evalCmd(c));
  }
  return res;
}

function record(res: ScriptResult, o: EvalOutcome): void {
  res.outcomes.push(o);
  if (o.status === "passed") res.passed++;
  else if (o.status === "failed") res.failed++;
  else res.skipped++;
}

/** A failed check: carries the message of the failure. */
class CheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckError";
  }
}

/** Queries depending on the query's own start, end, range or step are not cross-checked in range mode. */
const reQueryContextFuncs = /(start|end|range|step)\(\)/;

/** Suffixes of classic histogram series, which load_with_nhcb converts. */
const classicSuffixes = ["_bucket", "_count", "_sum"];

/** The state of one script run: storage, engine, and which series hold native histograms. */
class TestRun {
  readonly engine: Engine;
  storage: MemoryStorage;
  /** Series with native histogram samples in the file's data; promstack cannot store them. */
  histogramSeries: Labels[];

  constructor(engine: Engine) {
    this.engine = engine;
    this.storage = new MemoryStorage();
    this.histogramSeries = [];
  }

  clear(): void {
    this.storage = new MemoryStorage();
    this.histogramSeries = [];
  }

  /** Appends a load block; returns an error text or null. */
  async load(cmd: LoadCmd): Promise<string | null> {
    // NOTE: matches Prometheus: within one load, a later line for the same series replaces an earlier one.
    const bySeries = new Map<string, { metric: Labels; values: SequenceValue[] }>();
    for (const s of cmd.series) bySeries.set(s.metric.key, s);
    const app = this.storage.appender();
    let err: string | null = null;
    for (const s of bySeries.values()) {
      let ref = 0;
      let hasHistogram = false;
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i]!;
        const t = i * cmd.stepMs;
        if (v.kind === SequenceKind.Omitted) continue;
        if (v.kind === SequenceKind.Histogram) {
          hasHistogram = true;
          continue;
        }
        ref = app.append(ref, s.metric, t, v.value, v.kind === SequenceKind.Stale ? { stale: true } : undefined);
        if (ref === 0 && err === null) err = `out-of-order or duplicate sample for ${s.metric.toString()} at t=${t}`;
      }
      if (hasHistogram) this.histogramSeries.push(s.metric);
      if (cmd.withNHCB) {
        const base = nhcbSeries(s.metric);
        if (base !== null) this.histogramSeries.push(base);
      }
    }
    await app.commit();
    return err;
  }

  async evalCmd(cmd: EvalCmd): Promise<EvalOutcome> {
    const outcome = (status: EvalOutcome["status"], message: string): EvalOutcome => ({ line: cmd.line, expr: cmd.expr, status, message });
    if (cmd.resultText.includes("{{")) return outcome("skipped", "native histograms: the expected result contains a native histogram");
    try {
      const skip = cmd.isRange ? await this.execRange(cmd) : await this.execInstant(cmd);
      return skip === null ? outcome("passed", "") : outcome("skipped", skip);
    } catch (e) {
      if (e instanceof CheckError) return outcome("failed", e.message);
      throw e;
    }
  }

  /** The skip reason when the query selects series holding native histograms, else null. */
  histogramReason(stmt: Expr): string | null {
    if (this.histogramSeries.length === 0) return null;
    for (const e of walk(stmt)) {
      if (e.kind !== "VectorSelector") continue;
      for (const s of this.histogramSeries) {
        if (e.matchers.every((m) => m.matches(s.get(m.name)))) {
          return `native histograms: the query selects ${s.toString()}, which has native histogram samples`;
        }
      }
    }
    return null;
  }

  /** Runs a range eval. Returns a skip reason, null when it passed; throws CheckError. */
  async execRange(cmd: EvalCmd): Promise<string | null> {
    let q: Query;
    try {
      q = this.engine.newRangeQuery(this.storage, cmd.expr, cmd.start, cmd.end, cmd.stepMs);
    } catch (e) {
      if (isFail(cmd) && failureMismatch(cmd, e) === null) return null;
      throw new CheckError(`error creating range query for ${goQuote(cmd.expr)} (line ${cmd.line}): ${errText(e)}`);
    }
    const skip = this.histogramReason(q.statement);
    if (skip !== null) return skip;
    let res: QueryResult;
    try {
      res = await q.exec();
    } catch (e) {
      if (isFail(cmd)) {
        const m = failureMismatch(cmd, e);
        if (m !== null) throw new CheckError(m);
        return null;
      }
      throw new CheckError(`error evaluating query ${goQuote(cmd.expr)} (line ${cmd.line}): ${errText(e)}`);
    }
    if (isFail(cmd)) throw new CheckError(`expected error evaluating query ${goQuote(cmd.expr)} (line ${cmd.line}) but got none`);
    checkAnnotations(cmd, cmd.expr, res);
    try {
      compareResult(cmd, res.value);
    } catch (e) {
      if (e instanceof CheckError) throw new CheckError(`error in eval ${cmd.expr} (line ${cmd.line}): ${e.message}`);
      throw e;
    }
    return null;
  }

  /**
   * Runs an instant eval as Prometheus does: the query itself, then the same
   * query with `@ <eval time>` on its selectors at other evaluation times,
   * each also cross-checked as a range query around its evaluation time.
   */
  async execInstant(cmd: EvalCmd): Promise<string | null> {
    let q: Query;
    try {
      q = this.engine.newInstantQuery(this.storage, cmd.expr, cmd.evalTime);
    } catch (e) {
      if (isFail(cmd) && failureMismatch(cmd, e) === null) return null;
      throw new CheckError(`error creating instant query for ${goQuote(cmd.expr)} (line ${cmd.line}): ${errText(e)}`);
    }
    const skip = this.histogramReason(q.statement);
    if (skip !== null) return skip;
    await this.runInstant(cmd, cmd.expr, cmd.evalTime, q);
    for (const c of atModifierTestCases(q.statement, cmd.evalTime)) {
      let q2: Query;
      try {
        q2 = this.engine.newInstantQuery(this.storage, c.expr, c.evalTime);
      } catch (e) {
        if (isFail(cmd) && failureMismatch(cmd, e) === null) continue;
        throw new CheckError(`error creating instant query for ${goQuote(cmd.expr)} (line ${cmd.line}): ${errText(e)}`);
      }
      await this.runInstant(cmd, c.expr, c.evalTime, q2);
    }
    return null;
  }

  async runInstant(cmd: EvalCmd, expr: string, evalTime: number, q: Query): Promise<void> {
    let res: QueryResult;
    try {
      res = await q.exec();
    } catch (e) {
      if (isFail(cmd)) {
        const m = failureMismatch(cmd, e);
        if (m !== null) throw new CheckError(m);
        return;
      }
      throw new CheckError(`error evaluating query ${goQuote(expr)} (line ${cmd.line}): ${errText(e)}`);
    }
    if (isFail(cmd)) throw new CheckError(`expected error evaluating query ${goQuote(expr)} (line ${cmd.line}) but got none`);
    checkAnnotations(cmd, expr, res);
    try {
      compareResult(cmd, res.value);
    } catch (e) {
      if (e instanceof CheckError) throw new CheckError(`error in eval ${expr} (line ${cmd.line}): ${e.message}`);
      throw e;
    }
    if (cmd.excludeFromRangeQuery || reQueryContextFuncs.test(expr)) return;

    // The same query as a range query must give the same result at the middle step.
    let rq: Query;
    try {
      rq = this.engine.newRangeQuery(this.storage, expr, evalTime - 60_000, evalTime + 60_000, 60_000);
    } catch (e) {
      throw new CheckError(`error creating range query for ${goQuote(cmd.expr)} (line ${cmd.line}): ${errText(e)}`);
    }
    let rr: QueryResult;
    try {
      rr = await rq.exec();
    } catch (e) {
      throw new CheckError(`error evaluating query ${goQuote(expr)} (line ${cmd.line}) in range mode: ${errText(e)}`);
    }
    // Range results are always sorted by labels, so an ordered expectation cannot be checked.
    if (isOrdered(cmd)) return;
    if (rr.value.type !== "matrix") throw new CheckError(`range query ${goQuote(expr)} (line ${cmd.line}) returned a ${rr.value.type}, want a matrix`);
    const mat = rr.value.matrix;
    assertMatrixSorted(mat);
    const vec: Sample[] = [];
    for (const s of mat) {
      for (let i = 0; i < s.ts.length; i++) {
        if (s.ts[i] === evalTime) {
          vec.push({ metric: s.metric, t: evalTime, f: s.fs[i]! });
          break;
        }
      }
    }
    try {
      if (res.value.type === "scalar") {
        if (vec.length === 0) throw new CheckError("range mode returned no value at the evaluation time for a scalar query");
        compareResult(cmd, { type: "scalar", t: evalTime, v: vec[0]!.f });
      } else {
        compareResult(cmd, { type: "vector", vector: vec });
      }
    } catch (e) {
      if (e instanceof CheckError) throw new CheckError(`error in eval ${expr} (line ${cmd.line}) range mode: ${e.message}`);
      throw e;
    }
  }
}

/** The series load_with_nhcb derives from a classic histogram series (name without suffix, no `le`), or null. */
function nhcbSeries(m: Labels): Labels | null {
  const name = m.get(MetricName);
  for (const suf of classicSuffixes) {
    if (!name.endsWith(suf)) continue;
    if (suf === "_bucket" && !m.has("le")) return null;
    const b = new LabelsBuilder(m);
    b.del("le");
    b.set(MetricName, name.slice(0, -suf.length));
    return b.labels();
  }
  return null;
}

function isFail(cmd: EvalCmd): boolean {
  return cmd.legacyFail || cmd.expects.fail.length > 0;
}

function isOrdered(cmd: EvalCmd): boolean {
  return cmd.legacyOrdered || cmd.expects.ordered.length > 0;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function matches(e: Expectation, s: string): boolean {
  return e.regex === null ? e.message === s : e.regex.test(s);
}

function expectationText(e: Expectation): string {
  return e.regex === null ? e.message : e.regex.source;
}

/** Checks a query error against expected_fail_* and `expect fail`; returns the mismatch text or null. */
function failureMismatch(cmd: EvalCmd, e: unknown): string | null {
  const msg = errText(e);
  if (cmd.expectedFailMessage !== null && cmd.expectedFailMessage !== "" && cmd.expectedFailMessage !== msg) {
    return `expected error ${goQuote(cmd.expectedFailMessage)} evaluating query ${goQuote(cmd.expr)} (line ${cmd.line}), but got: ${msg}`;
  }
  if (cmd.expectedFailRegexp !== null && !cmd.expectedFailRegexp.test(msg)) {
    return `expected error matching pattern ${goQuote(cmd.expectedFailRegexp.source)} evaluating query ${goQuote(cmd.expr)} (line ${cmd.line}), but got: ${msg}`;
  }
  const f = cmd.expects.fail[0];
  if (f !== undefined && !matches(f, msg)) {
    return `expected error matching ${goQuote(expectationText(f))} evaluating query ${goQuote(cmd.expr)} (line ${cmd.line}), but got: ${msg}`;
  }
  return null;
}

function checkAnnotationsOfType(expr: string, expected: Expectation[], actual: string[], line: number, type: string, all: string[]): void {
  if (expected.length === 0) return;
  if (actual.length === 0) throw new CheckError(`expected ${type} annotations but none were found for query ${goQuote(expr)} (line ${line})`);
  for (const e of expected) {
    if (!actual.some((a) => matches(e, a))) {
      throw new CheckError(
        `expected ${type} annotation matching ${e.regex === null ? "message" : "pattern"} ${goQuote(expectationText(e))} but no matching annotation was found for query ${goQuote(expr)} (line ${line}), found: [${all.join(" ")}]`,
      );
    }
  }
  for (const a of actual) {
    if (!expected.some((e) => matches(e, a))) throw new CheckError(`unexpected ${type} annotation ${goQuote(a)} found for query ${expr} (line ${line})`);
  }
}

function checkAnnotations(cmd: EvalCmd, expr: string, res: QueryResult): void {
  const { warnings, infos } = res;
  if (cmd.legacyWarn && warnings.length === 0) throw new CheckError(`expected warnings evaluating query ${goQuote(expr)} (line ${cmd.line}) but got none`);
  if (cmd.legacyInfo && infos.length === 0) throw new CheckError(`expected info annotations evaluating query ${goQuote(expr)} (line ${cmd.line}) but got none`);
  const all = [...warnings, ...infos];
  checkAnnotationsOfType(expr, cmd.expects.warn, warnings, cmd.line, "warn", all);
  checkAnnotationsOfType(expr, cmd.expects.info, infos, cmd.line, "info", all);
  if (cmd.expects.no_warn.length > 0 && warnings.length > 0) {
    throw new CheckError(`unexpected warning annotations evaluating query ${goQuote(expr)} (line ${cmd.line}): [${all.join(" ")}]`);
  }
  if (cmd.expects.no_info.length > 0 && infos.length > 0) {
    throw new CheckError(`unexpected info annotations evaluating query ${goQuote(expr)} (line ${cmd.line}): [${all.join(" ")}]`);
  }
}

function assertMatrixSorted(mat: { metric: Labels }[]): void {
  for (let i = 0; i + 1 < mat.length; i++) {
    if (compareLabels(mat[i]!.metric, mat[i + 1]!.metric) > 0) {
      throw new CheckError(
        `matrix results should always be sorted by labels, but matrix is not sorted: series at index ${i + 1} with labels ${mat[i + 1]!.metric.toString()} sorts before series at index ${i} with labels ${mat[i]!.metric.toString()}`,
      );
    }
  }
}

/** Compares a query result with the eval's expectations; throws CheckError with upstream's texts. */
function compareResult(cmd: EvalCmd, v: Value): void {
  switch (v.type) {
    case "matrix": {
      if (isOrdered(cmd)) throw new CheckError("expected ordered result, but query returned a matrix");
      if (cmd.expectScalar) throw new CheckError(`expected scalar result, but got matrix ${formatMatrix(v.matrix)}`);
      assertMatrixSorted(v.matrix);
      const seen = new Set<string>();
      for (const s of v.matrix) {
        const exp = cmd.expected.get(s.metric.key);
        if (exp === undefined) throw new CheckError(`unexpected metric ${s.metric.toString()} in result, has ${formatPoints(s.ts, s.fs)}`);
        seen.add(s.metric.key);
        const want: { t: number; v: SequenceValue }[] = [];
        for (let i = 0; i < exp.values.length; i++) {
          const t = cmd.start + i * cmd.stepMs;
          if (t > cmd.end) {
            throw new CheckError(`expected ${exp.values.length} points for ${exp.metric.toString()}, but query time range cannot return this many points`);
          }
          if (exp.values[i]!.kind !== SequenceKind.Omitted) want.push({ t, v: exp.values[i]! });
        }
        if (want.length !== s.ts.length) {
          throw new CheckError(`expected ${want.length} float points and 0 histogram points for ${exp.metric.toString()}, but got ${formatPoints(s.ts, s.fs)}`);
        }
        for (let i = 0; i < want.length; i++) {
          const w = want[i]!;
          if (w.t !== s.ts[i]) {
            throw new CheckError(
              `expected float value at index ${i} for ${exp.metric.toString()} to have timestamp ${w.t}, but it had timestamp ${s.ts[i]} (result has ${formatPoints(s.ts, s.fs)})`,
            );
          }
          if (!sequenceEqual(w.v, s.fs[i]!)) {
            throw new CheckError(
              `expected float value at index ${i} (t=${s.ts[i]}) for ${exp.metric.toString()} to be ${formatSeq(w.v)}, but got ${goFloat(s.fs[i]!)} (result has ${formatPoints(s.ts, s.fs)})`,
            );
          }
        }
      }
      for (const [k, exp] of cmd.expected) if (!seen.has(k)) throw new CheckError(`expected metric ${exp.metric.toString()} not found`);
      return;
    }
    case "vector": {
      if (cmd.expectScalar) throw new CheckError(`expected scalar result, but got vector ${formatVector(v.vector)}`);
      const seen = new Set<string>();
      const ordered = isOrdered(cmd);
      v.vector.forEach((s, pos) => {
        const exp = cmd.expected.get(s.metric.key);
        if (exp === undefined) throw new CheckError(`unexpected metric ${s.metric.toString()} in result, has value ${goFloat(s.f)}`);
        if (ordered && exp.pos !== pos + 1) {
          throw new CheckError(`expected metric ${s.metric.toString()} with [${exp.values.map(formatSeq).join(" ")}] at position ${exp.pos} but was at ${pos + 1}`);
        }
        const exp0 = exp.values[0]!;
        if (!sequenceEqual(exp0, s.f)) throw new CheckError(`expected ${formatSeq(exp0)} for ${s.metric.toString()} but got ${goFloat(s.f)}`);
        seen.add(s.metric.key);
      });
      for (const [k, exp] of cmd.expected) {
        if (!seen.has(k)) throw new CheckError(`expected metric ${exp.metric.toString()} with [${exp.values.map(formatSeq).join(" ")}] not found`);
      }
      return;
    }
    case "scalar": {
      if (!cmd.expectScalar || cmd.expectedScalar === null) throw new CheckError(`expected vector or matrix result, but got scalar: ${goFloat(v.v)} @[${v.t}]`);
      if (!sequenceEqual(cmd.expectedScalar, v.v)) throw new CheckError(`expected scalar ${formatSeq(cmd.expectedScalar)} but got ${goFloat(v.v)}`);
      return;
    }
    case "string": {
      const want = cmd.expectedString ?? "";
      if (want !== v.v) throw new CheckError(`expected string "${want}" but got "${v.v}"`);
      return;
    }
  }
}

/** Whether an actual float equals an expected entry: stale markers never appear in results. */
function sequenceEqual(exp: SequenceValue, actual: number): boolean {
  if (exp.kind === SequenceKind.Stale) return false;
  return almostEqual(exp.value, actual, DEFAULT_EPSILON);
}

function formatSeq(v: SequenceValue): string {
  switch (v.kind) {
    case SequenceKind.Omitted:
      return "_";
    case SequenceKind.Stale:
      return "stale";
    case SequenceKind.Histogram:
      return v.histogram;
    default:
      return goFloat(v.value);
  }
}

/** A float as Go's %v prints it. */
function goFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const exp = Math.floor(Math.log10(Math.abs(f)));
  if (exp < -4 || exp >= 21) {
    const [m, e] = f.toExponential().split("e") as [string, string];
    const n = Number(e);
    return `${m}e${n < 0 ? "-" : "+"}${Math.abs(n) < 10 ? "0" : ""}${Math.abs(n)}`;
  }
  return String(f);
}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

function formatPoints(ts: Float64Array, fs: Float64Array): string {
  const pts: string[] = [];
  for (let i = 0; i < ts.length; i++) pts.push(`${goFloat(fs[i]!)} @[${ts[i]}]`);
  return `${ts.length} float point${ts.length === 1 ? "" : "s"} [${pts.join(" ")}] and 0 histogram points []`;
}

function formatVector(v: Sample[]): string {
  return v.map((s) => `${s.metric.toString()} => ${goFloat(s.f)} @[${s.t}]`).join("\n");
}

function formatMatrix(m: { metric: Labels; ts: Float64Array; fs: Float64Array }[]): string {
  return m.map((s) => `${s.metric.toString()} =>\n${formatPoints(s.ts, s.fs)}`).join("\n");
}

/** The direct sub-expressions of e. */
function children(e: Expr): Expr[] {
  switch (e.kind) {
    case "AggregateExpr":
      return e.param === null ? [e.expr] : [e.param, e.expr];
    case "BinaryExpr":
      return [e.lhs, e.rhs];
    case "Call":
      return e.args;
    case "MatrixSelector":
      return [e.vectorSelector];
    case "SubqueryExpr":
    case "ParenExpr":
    case "UnaryExpr":
      return [e.expr];
    default:
      return [];
  }
}

/** All nodes of e, parents before children. */
function* walk(e: Expr): Generator<Expr> {
  yield e;
  for (const c of children(e)) yield* walk(c);
}

/** An instant query variant: the expression with `@` set, and when to evaluate it. */
interface AtModifierCase {
  expr: string;
  evalTime: number;
}

/**
 * Prometheus's atModifierTestCases: sets `@ <evalTime>` on every selector
 * and subquery not already pinned (leaving everything inside a subquery
 * alone), and returns the printed expression at other evaluation times.
 * None when the query calls a function whose result depends on the
 * evaluation time itself, or on the query's start, end, range or step.
 */
function atModifierTestCases(stmt: Expr, evalTime: number): AtModifierCase[] {
  const state = { unsafe: false };
  const pinned = pinAt(stmt, evalTime, state);
  if (state.unsafe) return [];
  const expr = formatExpr(pinned);
  // start(), end(), range() and step() read the query's own times, which the
  // variants move: upstream's functions.test expects `start()` at 100s to be
  // 100, so these queries get no variants (as they get no range-mode check).
  if (reQueryContextFuncs.test(expr)) return [];
  const ts = evalTime;
  const times = ts === 0 ? [-1000, 0, 1000] : [-10 * ts, 0, Math.trunc(ts / 5), ts, 10 * ts];
  return times.map((t) => ({ expr, evalTime: t }));
}

/** A copy of e with `@ ts` set as atModifierTestCases does; the input is not modified. */
function pinAt(e: Expr, ts: number, state: { unsafe: boolean }): Expr {
  switch (e.kind) {
    case "VectorSelector":
      return e.timestamp === null ? { ...e, timestamp: ts, startOrEnd: null } : e;
    case "MatrixSelector": {
      const vs = e.vectorSelector;
      return vs.timestamp === null ? { ...e, vectorSelector: { ...vs, timestamp: ts, startOrEnd: null } } : e;
    }
    case "SubqueryExpr":
      // Selectors inside a subquery keep their timestamps: the subquery itself is pinned.
      return e.timestamp === null ? { ...e, timestamp: ts, startOrEnd: null } : e;
    case "Call":
      if (AT_MODIFIER_UNSAFE_FUNCTIONS.has(e.func.name)) state.unsafe = true;
      return { ...e, args: e.args.map((a) => pinAt(a, ts, state)) };
    case "AggregateExpr":
      return { ...e, expr: pinAt(e.expr, ts, state), param: e.param === null ? null : pinAt(e.param, ts, state) };
    case "BinaryExpr":
      return { ...e, lhs: pinAt(e.lhs, ts, state), rhs: pinAt(e.rhs, ts, state) };
    case "ParenExpr":
    case "UnaryExpr":
      return { ...e, expr: pinAt(e.expr, ts, state) };
    default:
      return e;
  }
}
