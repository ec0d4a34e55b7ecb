import type { Labels } from "../../model/index.ts";
import { parseNumberLine } from "./compare.ts";
import { type SequenceValue, SequenceKind, SeriesParseError, parseSeriesDesc, unquoteGo } from "./series.ts";
import { parseDuration } from "../../model/index.ts";

/**
 * Parser of PromQL test scripts, the language of Prometheus's
 * promql/promqltest (README.md there): `load`, `load_with_nhcb`, `clear`,
 * `eval instant at <t> <expr>`, `eval range from <t> to <t> step <d> <expr>`,
 * the deprecated `eval_fail`/`eval_warn`/`eval_info`/`eval_ordered` forms,
 * `expected_fail_message`/`expected_fail_regexp`, and `expect` lines.
 *
 * Lines are trimmed; a line starting with `#` counts as blank, and a blank
 * line ends a load or eval block, as upstream.
 */

/** A series line of a load block, with its 1-based line number. */
export interface LoadSeries {
  line: number;
  metric: Labels;
  values: SequenceValue[];
}

/** `load <step>` / `load_with_nhcb <step>`. */
export interface LoadCmd {
  kind: "load";
  line: number;
  /** Interval between consecutive values, ms. */
  stepMs: number;
  /** Also convert classic histograms to native histograms with custom buckets. */
  withNHCB: boolean;
  series: LoadSeries[];
  /**
   * Number of start-timestamp (`@st`) lines in the block. They are read
   * and dropped: promstack's storage has no start timestamps.
   */
  startTimestampLines: number;
}

/** `clear`: drop all loaded data. */
export interface ClearCmd {
  kind: "clear";
  line: number;
}

/** An `expect <type>` line's message matcher: exact text, or a regex (unanchored). */
export interface Expectation {
  message: string;
  regex: RegExp | null;
}

/** The expectation types of `expect <type> [msg|regex: ...]`. */
export const ExpectType = {
  Ordered: "ordered",
  Fail: "fail",
  Warn: "warn",
  NoWarn: "no_warn",
  Info: "info",
  NoInfo: "no_info",
} as const;
export type ExpectType = (typeof ExpectType)[keyof typeof ExpectType];

/** An expected series of an eval; pos is its 1-based position for ordered checks. */
export interface ExpectedSeries {
  pos: number;
  metric: Labels;
  values: SequenceValue[];
}

/** An `eval` command and everything its block expects. Times are ms since the epoch. */
export interface EvalCmd {
  kind: "eval";
  /** 1-based line of the eval line. */
  line: number;
  expr: string;
  isRange: boolean;
  /** Range start (instant: the evaluation time, or the `expect range vector` start). */
  start: number;
  end: number;
  stepMs: number;
  /** Evaluation time of an instant query. */
  evalTime: number;
  /** Deprecated `eval_<mod>` flags. */
  legacyFail: boolean;
  legacyWarn: boolean;
  legacyInfo: boolean;
  legacyOrdered: boolean;
  expectedFailMessage: string | null;
  expectedFailRegexp: RegExp | null;
  expects: Record<ExpectType, Expectation[]>;
  /** The block expects a scalar (a plain number line). */
  expectScalar: boolean;
  /** The scalar expected when expectScalar. */
  expectedScalar: SequenceValue | null;
  /** Expected series by label key. */
  expected: Map<string, ExpectedSeries>;
  /** `expect string "..."`, or null. */
  expectedString: string | null;
  /** Instant queries with `expect range vector` or `expect string` skip the range-mode cross-check. */
  excludeFromRangeQuery: boolean;
  /** Raw text of the block's result lines (used to spot `{{` histograms). */
  resultText: string;
}

/** Any script command. */
export type Command = LoadCmd | ClearCmd | EvalCmd;

/** A malformed script. `line` is 1-based. */
export class ScriptParseError extends Error {
  readonly line: number;

  constructor(line: number, message: string) {
    super(`${line}: ${message}`);
    this.name = "ScriptParseError";
    this.line = line;
  }
}

const patSpace = /[\t ]+/;
const patLoad = /^load(?:_(with_nhcb))?\s+(.+?)$/;
const patEvalInstant = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const patEvalRange = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const patExpect = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;
const patExpectRange = /^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$/;
const rangeVectorPrefix = "expect range vector";
const expectStringPrefix = "expect string";
const expectTypes: readonly string[] = Object.values(ExpectType);

/** Splits into trimmed lines; comment lines become blank. */
function getLines(input: string): string[] {
  return input.split("\n").map((l) => {
    const t = l.trim();
    return t.startsWith("#") ? "" : t;
  });
}

/** Parses a whole script. Throws ScriptParseError on the first malformed command. */
export function parseScript(input: string): Command[] {
  const lines = getLines(input);
  const cmds: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === "") continue;
    const c = l.split(patSpace, 1)[0]!.toLowerCase();
    if (c === "clear") {
      cmds.push({ kind: "clear", line: i + 1 });
    } else if (c.startsWith("load")) {
      const r = parseLoad(lines, i);
      cmds.push(r.cmd);
      i = r.next;
    } else if (c.startsWith("eval")) {
      const r = parseEval(lines, i);
      cmds.push(r.cmd);
      i = r.next;
    } else {
      throw new ScriptParseError(i + 1, `invalid command ${JSON.stringify(l)}`);
    }
  }
  return cmds;
}

/** Whether a load line is a start-timestamp line: `metric{...}@st <offsets>` or `@st <offsets>`. */
function isSTLine(l: string): boolean {
  const sp = l.search(/[ \t]/);
  return sp >= 0 && l.slice(0, sp).endsWith("@st");
}

function parseLoad(lines: string[], i: number): { cmd: LoadCmd; next: number } {
  const m = patLoad.exec(lines[i]!);
  if (m === null) throw new ScriptParseError(i + 1, "invalid load command. (load[_with_nhcb] <step:duration>)");
  let stepMs: number;
  try {
    stepMs = parseDuration(m[2]!);
  } catch (e) {
    throw new ScriptParseError(i + 1, `invalid step definition ${JSON.stringify(m[2])}: ${(e as Error).message}`);
  }
  const cmd: LoadCmd = { kind: "load", line: i + 1, stepMs, withNHCB: m[1] === "with_nhcb", series: [], startTimestampLines: 0 };
  while (i + 1 < lines.length) {
    i++;
    const def = lines[i]!;
    if (def === "") {
      i--;
      break;
    }
    if (isSTLine(def)) {
      cmd.startTimestampLines++;
      continue;
    }
    const s = parseSeriesLine(def, i);
    cmd.series.push({ line: i + 1, metric: s.metric, values: s.values });
  }
  return { cmd, next: i };
}

function parseSeriesLine(def: string, i: number): ReturnType<typeof parseSeriesDesc> {
  try {
    return parseSeriesDesc(def);
  } catch (e) {
    if (e instanceof SeriesParseError) throw new ScriptParseError(i + 1, `${e.column + 1}: parse error: ${e.message}`);
    throw e;
  }
}

/** Parses `expect <type> [msg|regex: <text>]`. Throws Error with upstream's texts. */
export function parseExpectLine(line: string): { type: ExpectType; expectation: Expectation } {
  const m = patExpect.exec(line.trim());
  if (m === null) throw new Error("invalid expect statement, must match `expect <type> <match_type>: <string>` format");
  const type = m[1]!;
  if (!expectTypes.includes(type)) throw new Error(`invalid expected error/annotation type ${type}`);
  const t = type as ExpectType;
  if (m[2] === undefined) return { type: t, expectation: { message: "", regex: /^.*$/ } };
  const text = m[3]!.trim();
  if (m[2] === "msg") return { type: t, expectation: { message: text, regex: null } };
  let re: RegExp;
  try {
    re = new RegExp(text);
  } catch {
    throw new Error(`invalid regex ${text} for ${type}`);
  }
  return { type: t, expectation: { message: "", regex: re } };
}

/** Parses the quoted literal of `expect string "..."` (double or back quotes). */
export function parseExpectString(line: string): string {
  if (line === expectStringPrefix) throw new Error("expected string literal not valid - a quoted string literal is required");
  const lit = line.startsWith(expectStringPrefix + " ") ? line.slice(expectStringPrefix.length + 1) : line;
  if (lit === "") throw new Error("expected string literal not valid - a quoted string literal is required");
  const v = lit.startsWith("'") ? null : unquoteGo(lit);
  if (v === null) throw new Error("expected string literal not valid - check that the string is correctly quoted");
  return v;
}

function parseTimes(from: string, to: string, step: string): { start: number; end: number; step: number } {
  let start: number;
  let end: number;
  let st: number;
  try {
    start = parseDuration(from);
  } catch (e) {
    throw new Error(`invalid start timestamp definition ${JSON.stringify(from)}: ${(e as Error).message}`);
  }
  try {
    end = parseDuration(to);
  } catch (e) {
    throw new Error(`invalid end timestamp definition ${JSON.stringify(to)}: ${(e as Error).message}`);
  }
  if (end < start) throw new Error(`invalid test definition, end timestamp (${to}) is before start timestamp (${from})`);
  try {
    st = parseDuration(step);
  } catch (e) {
    throw new Error(`invalid step definition ${JSON.stringify(step)}: ${(e as Error).message}`);
  }
  return { start, end, step: st };
}

function validateExpects(cmd: EvalCmd): void {
  const e = cmd.expects;
  if (e.info.length > 0 && e.no_info.length > 0) throw new Error("invalid expect lines, info and no_info cannot be used together");
  if (e.warn.length > 0 && e.no_warn.length > 0) throw new Error("invalid expect lines, warn and no_warn cannot be used together");
  if (e.fail.length > 1) throw new Error("invalid expect lines, multiple expect fail lines are not allowed");
}

function parseEval(lines: string[], i: number): { cmd: EvalCmd; next: number } {
  const evalLine = lines[i]!;
  const inst = patEvalInstant.exec(evalLine);
  const rng = patEvalRange.exec(evalLine);
  if (inst === null && rng === null) {
    throw new ScriptParseError(
      i + 1,
      "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] instant [at <offset:duration>] <query>' or 'eval[_fail|_warn] range from <from> to <to> step <step> <query>'",
    );
  }
  const isInstant = inst !== null;
  const mod = isInstant ? inst[1] : rng![1];
  const expr = isInstant ? inst[3]! : rng![5]!;
  const line = i + 1;
  const fail = (msg: string): ScriptParseError => new ScriptParseError(line, `error in eval ${expr} (line ${line}): ${msg}`);

  const cmd: EvalCmd = {
    kind: "eval",
    line,
    expr,
    isRange: !isInstant,
    start: 0,
    end: 0,
    stepMs: 0,
    evalTime: 0,
    legacyFail: mod === "fail",
    legacyWarn: mod === "warn",
    legacyInfo: mod === "info",
    legacyOrdered: mod === "ordered",
    expectedFailMessage: null,
    expectedFailRegexp: null,
    expects: { ordered: [], fail: [], warn: [], no_warn: [], info: [], no_info: [] },
    expectScalar: false,
    expectedScalar: null,
    expected: new Map(),
    expectedString: null,
    excludeFromRangeQuery: false,
    resultText: "",
  };
  if (isInstant) {
    const at = inst[2] ?? "";
    try {
      cmd.evalTime = parseDuration(at);
    } catch (e) {
      throw fail(`invalid timestamp definition ${JSON.stringify(at)}: ${(e as Error).message}`);
    }
    cmd.start = cmd.evalTime;
  } else {
    try {
      const t = parseTimes(rng![2]!, rng![3]!, rng![4]!);
      cmd.start = t.start;
      cmd.end = t.end;
      cmd.stepMs = t.step;
    } catch (e) {
      throw fail((e as Error).message);
    }
  }

  let expectRangeVector = false;
  // j is the position of the next expected series, for ordered results.
  // NOTE: matches Prometheus: expect lines do not take a position, but
  // `expect range vector` and `expect string` lines do.
  for (let j = 1; i + 1 < lines.length; j++) {
    i++;
    const def = lines[i]!;
    if (def === "") {
      i--;
      break;
    }
    if (cmd.legacyFail && def.startsWith("expected_fail_message")) {
      cmd.expectedFailMessage = def.slice("expected_fail_message".length).trim();
      break;
    }
    if (cmd.legacyFail && def.startsWith("expected_fail_regexp")) {
      const pattern = def.slice("expected_fail_regexp".length).trim();
      try {
        cmd.expectedFailRegexp = new RegExp(pattern);
      } catch (e) {
        throw fail(`invalid regexp '${pattern}' for expected_fail_regexp: ${(e as Error).message}`);
      }
      break;
    }
    if (def.startsWith(rangeVectorPrefix)) {
      const m = patExpectRange.exec(def);
      if (m === null) throw fail(`invalid range vector definition ${JSON.stringify(def)}`);
      let t: { start: number; end: number; step: number };
      try {
        t = parseTimes(m[1]!, m[2]!, m[3]!);
      } catch (e) {
        throw fail((e as Error).message);
      }
      expectRangeVector = true;
      cmd.start = t.start;
      cmd.end = t.end;
      cmd.stepMs = t.step;
      cmd.evalTime = t.end;
      cmd.excludeFromRangeQuery = true;
      continue;
    }
    if (def.startsWith(expectStringPrefix)) {
      try {
        cmd.expectedString = parseExpectString(def);
      } catch (e) {
        throw fail((e as Error).message);
      }
      cmd.excludeFromRangeQuery = true;
      continue;
    }
    if (def.split(" ")[0] === "expect") {
      try {
        const { type, expectation } = parseExpectLine(def);
        cmd.expects[type].push(expectation);
        validateExpects(cmd);
      } catch (e) {
        throw fail((e as Error).message);
      }
      j--;
      continue;
    }
    const f = parseNumberLine(def);
    cmd.resultText += def + "\n";
    if (f !== null) {
      cmd.expectScalar = true;
      cmd.expectedScalar = { kind: SequenceKind.Float, value: f, histogram: "" };
      break;
    }
    const s = parseSeriesLine(def, i);
    if (s.values.length > 1 && isInstant && !expectRangeVector) {
      throw fail(
        "expecting multiple values in instant evaluation not allowed. consider using 'expect range vector' directive to enable a range vector result for an instant query",
      );
    }
    cmd.expectScalar = false;
    cmd.expected.set(s.metric.key, { pos: j, metric: s.metric, values: s.values });
  }
  return { cmd, next: i };
}
