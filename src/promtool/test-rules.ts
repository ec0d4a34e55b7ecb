import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { ConfigError, Decoder, globFiles } from "../config/index.ts";
import type { YNode } from "../config/index.ts";
import { compareLabels, formatDuration, Labels, MatchType, parseDuration, quoteString } from "../model/index.ts";
import { Engine } from "../promql/engine/index.ts";
import type { Sample } from "../promql/engine/index.ts";
import { parseMetricSelector } from "../promql/parser/index.ts";
import { parseSeriesDesc, SequenceKind } from "../promql/promqltest/index.ts";
import { AlertingRule, AlertState, engineQueryFunc, Manager, RuleLoadError, TEMPLATE_DEFS } from "../rules/index.ts";
import type { ExpandTemplateFunc, Group } from "../rules/index.ts";
import { MemoryStorage } from "../storage/index.ts";
import { AlertTemplateData, checkTemplateParses, expandText, prometheusFuncs } from "../template/index.ts";
import { formatFloatE, formatFloatF, formatGoDuration, VirtualClock } from "../util/index.ts";
import { ExitCode, type Streams } from "./io.ts";
import { JUnitXML, type TestSuite } from "./junit.ts";

/** Options of `promtool test rules`. */
export interface TestRulesOptions {
  /** --run: only test groups whose name matches one of these regular expressions. */
  run: readonly string[] | null;
  /** --diff: print a line diff of expected and received alerts instead of both lists. */
  diff: boolean;
  /** --debug: timings per test group and a dump of all series. */
  debug: boolean;
  /** --ignore-unknown-fields: accept unknown fields in the rule files. */
  ignoreUnknownFields: boolean;
  /** Where the JUnit XML report goes (--junit), or null. */
  junit: { write(xml: string): Promise<void> } | null;
  /** Wall clock for the JUnit timestamps and --debug timings; default Date.now. */
  now?: () => number;
}

/** An input series of a test group: the series notation, e.g. `up{job="a"}` and `0+1x10`. */
interface InputSeries {
  series: string;
  values: string;
}

/** An `alert_rule_test` entry. Times are ms. */
interface AlertTestCase {
  evalTime: number;
  alertname: string;
  expAlerts: Array<{ labels: Map<string, string> | null; annotations: Map<string, string> | null }>;
}

/** A `promql_expr_test` entry. */
interface PromQLTestCase {
  expr: string;
  evalTime: number;
  expSamples: Array<{ labels: string; value: number; histogram: string }>;
}

/** A test group of a unit test file. Durations are ms. */
interface TestGroup {
  intervalMs: number;
  inputSeries: InputSeries[];
  alertRuleTests: AlertTestCase[];
  promqlExprTests: PromQLTestCase[];
  externalLabels: Labels;
  externalURL: string;
  name: string;
  /** start_timestamp in ms, or null (the Unix epoch). */
  startMs: number | null;
}

/** A unit test file. */
interface UnitTestFile {
  ruleFiles: string[];
  evaluationIntervalMs: number;
  groupEvalOrder: string[];
  tests: TestGroup[];
  fuzzyCompare: boolean;
}

/**
 * `promtool test rules FILE...`: runs each unit test file, printing
 * `Unit Testing:  <file>` then `  SUCCESS` (stdout) or `  FAILED:` and the
 * failures (stderr), as upstream. Resolves to 0 when every file passed,
 * else 1.
 */
export async function testRules(files: readonly string[], opts: TestRulesOptions, io: Streams): Promise<ExitCode> {
  let failed = false;
  const junit = new JUnitXML();
  const run = opts.run === null ? null : new RegExp(opts.run.join("|"), "u");
  for (const f of files) {
    io.stdout.write(`Unit Testing:  ${f}\n`);
    const errs = await ruleUnitTest(f, opts, run, junit.suite(f), io);
    if (errs.length > 0) {
      io.stderr.write("  FAILED:\n");
      for (const e of errs) {
        io.stderr.write(`${e.message}\n`);
        io.stdout.write("\n");
      }
      failed = true;
    } else {
      io.stdout.write("  SUCCESS\n");
    }
    io.stdout.write("\n");
  }
  if (opts.junit !== null) {
    try {
      await opts.junit.write(junit.toXML());
    } catch (e) {
      io.stderr.write(`failed to write JUnit XML: ${(e as Error).message}\n`);
    }
  }
  return failed ? ExitCode.Failure : ExitCode.Success;
}

async function ruleUnitTest(filename: string, opts: TestRulesOptions, run: RegExp | null, ts: TestSuite, io: Streams): Promise<Error[]> {
  let utf: UnitTestFile;
  try {
    utf = decodeUnitTestFile(await readFile(filename, "utf8"));
  } catch (e) {
    const err = e instanceof Error ? readError(filename, e) : new Error(String(e));
    ts.abort(err);
    return [err];
  }
  utf.ruleFiles = resolveAndGlob(dirname(filename), utf.ruleFiles, io);
  ts.setTime(formatLocalTime(new Date((opts.now ?? Date.now)())));
  const groupOrder = new Map<string, number>();
  for (const [i, gn] of utf.groupEvalOrder.entries()) {
    if (groupOrder.has(gn)) {
      const err = new Error(`group name repeated in evaluation order: ${gn}`);
      ts.abort(err);
      return [err];
    }
    groupOrder.set(gn, i);
  }
  const errs: Error[] = [];
  for (const [i, tg] of utf.tests.entries()) {
    if (run !== null && !run.test(tg.name)) continue;
    const testname = tg.name !== "" ? tg.name : `unnamed#${i}`;
    ts.case(testname);
    if (tg.intervalMs === 0) tg.intervalMs = utf.evaluationIntervalMs;
    const ers = await runTestGroup(tg, testname, utf, groupOrder, opts, io);
    for (const e of ers) ts.fail(e.message);
    errs.push(...ers);
  }
  return errs;
}

/** A read error as Go's os.ReadFile words it; other errors unchanged. */
function readError(file: string, e: Error): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new Error(`open ${file}: no such file or directory`);
  if (code === "EACCES") return new Error(`open ${file}: permission denied`);
  if (code === "EISDIR") return new Error(`read ${file}: is a directory`);
  return e;
}

/** Joins relative rule file paths with the test file's directory and expands globs, warning on empty matches. */
function resolveAndGlob(baseDir: string, ruleFiles: readonly string[], io: Streams): string[] {
  const out: string[] = [];
  for (let rf of ruleFiles) {
    if (rf !== "" && !isAbsolute(rf)) rf = join(baseDir, rf);
    const m = globFiles(rf);
    if (m.length === 0) io.stderr.write(`  WARNING: no file match pattern ${rf}\n`);
    out.push(...m);
  }
  return out;
}

/** Go's time.Format("2006-01-02T15:04:05") in local time. */
function formatLocalTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// ---------------------------------------------------------------------------
// Decoding: gopkg.in/yaml.v2 UnmarshalStrict into upstream's Go types, with
// their type names in the messages.

/** Decodes a unit test file; throws ConfigError (`yaml: unmarshal errors: ...`, or a duration error). */
export function decodeUnitTestFile(text: string): UnitTestFile {
  const { d, root } = Decoder.parse(text);
  const f: UnitTestFile = { ruleFiles: [], evaluationIntervalMs: 0, groupEvalOrder: [], tests: [], fuzzyCompare: false };
  d.struct(root, "main.unitTestFile", {
    rule_files: (v) => (f.ruleFiles = strList(d, v)),
    evaluation_interval: (v) => (f.evaluationIntervalMs = duration(d, v)),
    group_eval_order: (v) => (f.groupEvalOrder = strList(d, v)),
    tests: (v) => (f.tests = d.list(v, "[]main.testGroup", (e) => decodeTestGroup(d, e)) ?? []),
    fuzzy_compare: (v) => (f.fuzzyCompare = d.bool(v) ?? false),
  });
  if (d.errors.length > 0) throw new ConfigError(`yaml: unmarshal errors:\n  ${d.errors.join("\n  ")}`);
  if (f.evaluationIntervalMs === 0) f.evaluationIntervalMs = 60_000;
  return f;
}

function strList(d: Decoder, v: YNode): string[] {
  return d.list(v, "[]string", (e) => d.str(e) ?? "") ?? [];
}

function strMap(d: Decoder, v: YNode): Map<string, string> | null {
  const es = d.entries(v, "map[string]string");
  if (es === null) return null;
  return new Map(es.map(([k, , val]) => [k, d.str(val) ?? ""]));
}

/** A model.Duration: its UnmarshalYAML fails the whole decoding on a bad value. */
function duration(d: Decoder, v: YNode): number {
  const s = d.str(v);
  if (s === null) return 0;
  try {
    return parseDuration(s);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

function decodeTestGroup(d: Decoder, n: YNode): TestGroup {
  const tg: TestGroup = {
    intervalMs: 0,
    inputSeries: [],
    alertRuleTests: [],
    promqlExprTests: [],
    externalLabels: Labels.EMPTY,
    externalURL: "",
    name: "",
    startMs: null,
  };
  d.struct(n, "main.testGroup", {
    interval: (v) => (tg.intervalMs = duration(d, v)),
    input_series: (v) =>
      (tg.inputSeries =
        d.list(v, "[]main.series", (e) => {
          const s: InputSeries = { series: "", values: "" };
          d.struct(e, "main.series", { series: (x) => (s.series = d.str(x) ?? ""), values: (x) => (s.values = d.str(x) ?? "") });
          return s;
        }) ?? []),
    alert_rule_test: (v) => (tg.alertRuleTests = d.list(v, "[]main.alertTestCase", (e) => decodeAlertTestCase(d, e)) ?? []),
    promql_expr_test: (v) => (tg.promqlExprTests = d.list(v, "[]main.promqlTestCase", (e) => decodePromQLTestCase(d, e)) ?? []),
    external_labels: (v) => {
      const m = strMap(d, v);
      tg.externalLabels = m === null ? Labels.EMPTY : Labels.fromObject(Object.fromEntries(m));
    },
    external_url: (v) => (tg.externalURL = d.str(v) ?? ""),
    name: (v) => (tg.name = d.str(v) ?? ""),
    start_timestamp: (v) => {
      const s = d.str(v);
      if (s !== null) tg.startMs = parseTimeMs(s);
    },
  });
  return tg;
}

function decodeAlertTestCase(d: Decoder, n: YNode): AlertTestCase {
  const c: AlertTestCase = { evalTime: 0, alertname: "", expAlerts: [] };
  d.struct(n, "main.alertTestCase", {
    eval_time: (v) => (c.evalTime = duration(d, v)),
    alertname: (v) => (c.alertname = d.str(v) ?? ""),
    exp_alerts: (v) =>
      (c.expAlerts =
        d.list(v, "[]main.alert", (e) => {
          const a: AlertTestCase["expAlerts"][number] = { labels: null, annotations: null };
          d.struct(e, "main.alert", { exp_labels: (x) => (a.labels = strMap(d, x)), exp_annotations: (x) => (a.annotations = strMap(d, x)) });
          return a;
        }) ?? []),
  });
  return c;
}

function decodePromQLTestCase(d: Decoder, n: YNode): PromQLTestCase {
  const c: PromQLTestCase = { expr: "", evalTime: 0, expSamples: [] };
  d.struct(n, "main.promqlTestCase", {
    expr: (v) => (c.expr = d.str(v) ?? ""),
    eval_time: (v) => (c.evalTime = duration(d, v)),
    exp_samples: (v) =>
      (c.expSamples =
        d.list(v, "[]main.sample", (e) => {
          const s = { labels: "", value: 0, histogram: "" };
          d.struct(e, "main.sample", {
            labels: (x) => (s.labels = d.str(x) ?? ""),
            value: (x) => (s.value = d.float(x) ?? 0),
            histogram: (x) => (s.histogram = d.str(x) ?? ""),
          });
          return s;
        }) ?? []),
  });
  return c;
}

/**
 * promtool's parseTime: a Unix timestamp in seconds (fractions allowed) or
 * an RFC 3339 time, in ms. Throws `cannot parse "x" to a valid timestamp`.
 */
export function parseTimeMs(s: string): number {
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s.trim()) && s.trim() === s) return Math.round(Number(s) * 1000);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return t;
  }
  throw new ConfigError(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

// ---------------------------------------------------------------------------
// Running a test group.

/** Input samples of a test group, appended up to a time as evaluation advances (the LazyLoader). */
class LazyInput {
  readonly #samples: Array<{ metric: Labels; t: number; v: number; stale: boolean }>;
  #next: number;

  constructor(samples: Array<{ metric: Labels; t: number; v: number; stale: boolean }>) {
    this.#samples = samples.sort((a, b) => a.t - b.t);
    this.#next = 0;
  }

  /** Appends every sample at or before t (ms) not appended yet. */
  async appendTill(storage: MemoryStorage, t: number): Promise<void> {
    const app = storage.appender();
    while (this.#next < this.#samples.length && this.#samples[this.#next]!.t <= t) {
      const s = this.#samples[this.#next++]!;
      app.append(0, s.metric, s.t, s.v, s.stale ? { stale: true } : undefined);
    }
    await app.commit();
  }
}

/** Expands the input series notation into samples (a later line for the same series replaces an earlier one). */
function loadInput(tg: TestGroup, startMs: number): LazyInput {
  const bySeries = new Map<string, { metric: Labels; values: ReturnType<typeof parseSeriesDesc>["values"] }>();
  for (const is of tg.inputSeries) {
    let desc: ReturnType<typeof parseSeriesDesc>;
    try {
      desc = parseSeriesDesc(`${is.series} ${is.values}`);
    } catch (e) {
      throw new Error(`error in input series ${quoteString(`${is.series} ${is.values}`)}: ${(e as Error).message}`);
    }
    if (desc.values.some((v) => v.kind === SequenceKind.Histogram)) {
      throw new Error(`input series ${is.series}: native histogram samples are not supported by promstack`);
    }
    bySeries.set(desc.metric.key, desc);
  }
  const samples: Array<{ metric: Labels; t: number; v: number; stale: boolean }> = [];
  for (const s of bySeries.values()) {
    s.values.forEach((v, i) => {
      if (v.kind === SequenceKind.Omitted) return;
      samples.push({ metric: s.metric, t: startMs + i * tg.intervalMs, v: v.value, stale: v.kind === SequenceKind.Stale });
    });
  }
  return new LazyInput(samples);
}

/** Expands alert templates with Prometheus's template functions, queries running on `engine` over `storage`. */
function templateExpander(engine: Engine, storage: MemoryStorage): ExpandTemplateFunc {
  const query = engineQueryFunc(engine, storage);
  return async (text, data, ctx) => {
    let url: URL;
    try {
      url = new URL(data.externalURL);
    } catch {
      url = new URL("http://localhost/");
    }
    const funcs = prometheusFuncs({
      query: async (q, t) => (await query(q, t)).map((s) => ({ metric: s.metric, value: s.f })),
      tMs: ctx.t,
      externalURL: url,
    });
    const td = new AlertTemplateData(Labels.fromObject(data.labels), Labels.fromObject(data.externalLabels), data.externalURL, data.value);
    return expandText(ctx.name, TEMPLATE_DEFS + text, td, funcs);
  };
}

/** Labels and annotations of one firing alert, or of one expected alert. */
interface LabelsAndAnnotations {
  labels: Labels;
  annotations: Labels;
}

async function runTestGroup(
  tg: TestGroup,
  testname: string,
  utf: UnitTestFile,
  groupOrder: ReadonlyMap<string, number>,
  opts: TestRulesOptions,
  io: Streams,
): Promise<Error[]> {
  const now = opts.now ?? Date.now;
  const started = now();
  if (opts.debug) io.stderr.write(`DEBUG: Starting test ${testname}\n`);
  try {
    return await testGroup(tg, utf, groupOrder, opts, io);
  } finally {
    if (opts.debug) io.stderr.write(`DEBUG: Test ${testname} finished, took ${formatGoDuration(now() - started)}\n`);
  }
}

async function testGroup(tg: TestGroup, utf: UnitTestFile, groupOrder: ReadonlyMap<string, number>, opts: TestRulesOptions, io: Streams): Promise<Error[]> {
  const mint = tg.startMs ?? 0;
  let input: LazyInput;
  try {
    input = loadInput(tg, mint);
  } catch (e) {
    return [e as Error];
  }
  const storage = new MemoryStorage();
  // NOTE: matches Prometheus's LazyLoader: subqueries without a step use the evaluation interval.
  const engine = new Engine({ lookbackDeltaMs: 300_000, timeoutMs: 100_000, maxSamples: 50_000_000, noStepSubqueryIntervalMs: utf.evaluationIntervalMs });
  const clock = new VirtualClock(mint);
  const manager = new Manager({
    queryFn: engineQueryFunc(engine, storage),
    appendable: storage,
    queryable: storage,
    expandTemplate: templateExpander(engine, storage),
    clock,
    parse: { ignoreUnknownFields: opts.ignoreUnknownFields, checkTemplate: checkTemplateParses },
  });
  let groups: Group[];
  try {
    const m = await manager.loadGroups(utf.ruleFiles, { evaluationIntervalMs: tg.intervalMs, externalLabels: tg.externalLabels, externalURL: tg.externalURL });
    groups = [...m.values()];
  } catch (e) {
    if (e instanceof RuleLoadError) return [...e.errors];
    throw e;
  }
  groups.sort((a, b) => (groupOrder.get(a.name) ?? 0) - (groupOrder.get(b.name) ?? 0));
  const maxt = mint + maxEvalTime(tg);

  const alertTests = new Map<number, AlertTestCase[]>();
  for (const a of tg.alertRuleTests) {
    if (a.alertname === "") {
      const where = tg.name !== "" ? ` (in TestGroup ${tg.name})` : "";
      return [new Error(`an item under alert_rule_test misses required attribute alertname at eval_time ${formatDuration(a.evalTime)}${where}`)];
    }
    const l = alertTests.get(a.evalTime);
    if (l === undefined) alertTests.set(a.evalTime, [a]);
    else l.push(a);
  }
  const alertEvalTimes = [...alertTests.keys()].sort((a, b) => a - b);
  let curr = 0;

  // Alerting rules are marked restored so that ALERTS series are written from the first evaluation.
  for (const g of groups) for (const r of g.alertingRules()) r.restored = true;

  const errs: Error[] = [];
  const step = utf.evaluationIntervalMs;
  for (let ts = mint; ts <= maxt; ts += step) {
    await input.appendTill(storage, ts);
    if (ts > clock.now()) clock.advance(ts - clock.now());
    const evalErrs: Error[] = [];
    for (const g of groups) {
      await g.eval(ts);
      for (const r of g.rules) {
        if (r.lastError !== null) evalErrs.push(new Error(`    rule: ${r.name}, time: ${formatGoDuration(ts)}, err: ${r.lastError.message}`));
      }
    }
    errs.push(...evalErrs);
    if (evalErrs.length > 0) return errs;

    // Alert tests whose eval_time falls in [ts, ts + interval) are checked against this evaluation.
    while (curr < alertEvalTimes.length && ts - mint <= alertEvalTimes[curr]! && alertEvalTimes[curr]! < ts + step - mint) {
      const t = alertEvalTimes[curr]!;
      const cases = alertTests.get(t)!;
      const names = new Set(cases.map((c) => c.alertname));
      const got = new Map<string, LabelsAndAnnotations[]>();
      for (const g of groups) {
        for (const ar of g.alertingRules()) {
          if (!names.has(ar.name)) continue;
          const l = got.get(ar.name) ?? [];
          for (const a of firingAlerts(ar)) l.push(a);
          got.set(ar.name, l);
        }
      }
      for (const c of cases) {
        const gotAlerts = [...(got.get(c.alertname) ?? [])].sort(compareLA);
        const expAlerts = c.expAlerts
          .map((a) => {
            const lm = new Map(a.labels ?? []);
            lm.set("alertname", c.alertname);
            return { labels: fromMap(lm), annotations: fromMap(a.annotations ?? new Map()) };
          })
          .sort(compareLA);
        if (equalLAs(expAlerts, gotAlerts)) continue;
        const testName = tg.name !== "" ? `    name: ${tg.name},\n` : "";
        if (opts.diff) {
          errs.push(new Error(`${testName}    alertname: ${c.alertname}, time: ${formatDuration(c.evalTime)}, \n        diff: ${indentLines(alertsDiff(expAlerts, gotAlerts), "            ")}`));
        } else {
          const exp = indentLines(laString(expAlerts), "            ");
          const gotS = indentLines(laString(gotAlerts), "            ");
          errs.push(new Error(`${testName}    alertname: ${c.alertname}, time: ${formatDuration(c.evalTime)}, \n        exp:${exp}, \n        got:${gotS}`));
        }
      }
      curr++;
    }
  }

  outer: for (const tc of tg.promqlExprTests) {
    let got: Sample[];
    try {
      got = await instantVector(engine, storage, tc.expr, mint + tc.evalTime);
    } catch (e) {
      errs.push(new Error(`    expr: ${quoteString(tc.expr)}, time: ${formatDuration(tc.evalTime)}, err: ${(e as Error).message}`));
      continue;
    }
    const exp: ParsedSample[] = [];
    for (const s of tc.expSamples) {
      let lb: Labels;
      try {
        lb = parseMetric(s.labels);
        if (s.histogram !== "") throw new Error("native histogram samples are not supported by promstack");
      } catch (e) {
        errs.push(new Error(`    expr: ${quoteString(tc.expr)}, time: ${formatDuration(tc.evalTime)}, err: labels ${quoteString(s.labels)}: ${(e as Error).message}`));
        continue outer;
      }
      exp.push({ labels: lb, value: s.value });
    }
    const gotSamples: ParsedSample[] = got.map((s) => ({ labels: s.metric, value: s.f }));
    exp.sort((a, b) => compareLabels(a.labels, b.labels));
    gotSamples.sort((a, b) => compareLabels(a.labels, b.labels));
    if (!equalSamples(exp, gotSamples, utf.fuzzyCompare)) {
      errs.push(
        new Error(
          `    expr: ${quoteString(tc.expr)}, time: ${formatDuration(tc.evalTime)},\n        exp: ${samplesString(exp)}\n        got: ${samplesString(gotSamples)}`,
        ),
      );
    }
  }

  if (opts.debug) await debugDump(tg, engine, storage, mint, io);
  return errs;
}

/** The latest eval_time of the group's tests (ms). */
function maxEvalTime(tg: TestGroup): number {
  let m = 0;
  for (const a of tg.alertRuleTests) m = Math.max(m, a.evalTime);
  for (const p of tg.promqlExprTests) m = Math.max(m, p.evalTime);
  return m;
}

function firingAlerts(ar: AlertingRule): LabelsAndAnnotations[] {
  return ar
    .activeAlerts()
    .filter((a) => a.state === AlertState.Firing)
    .map((a) => ({ labels: a.labels, annotations: a.annotations }));
}

/** Labels from a map, empty values kept (labels.FromMap). */
function fromMap(m: ReadonlyMap<string, string>): Labels {
  if (m.size === 0) return Labels.EMPTY;
  const names = [...m.keys()].sort();
  return Labels.fromSortedUnchecked(names, names.map((n) => m.get(n)!));
}

function compareLA(a: LabelsAndAnnotations, b: LabelsAndAnnotations): number {
  return compareLabels(a.labels, b.labels) || compareLabels(a.annotations, b.annotations);
}

function equalLabels(a: Labels, b: Labels): boolean {
  if (a.names.length !== b.names.length) return false;
  for (let i = 0; i < a.names.length; i++) if (a.names[i] !== b.names[i] || a.values[i] !== b.values[i]) return false;
  return true;
}

function equalLAs(a: readonly LabelsAndAnnotations[], b: readonly LabelsAndAnnotations[]): boolean {
  return a.length === b.length && a.every((x, i) => equalLabels(x.labels, b[i]!.labels) && equalLabels(x.annotations, b[i]!.annotations));
}

/** Upstream's labelsAndAnnotations.String(). */
function laString(la: readonly LabelsAndAnnotations[]): string {
  if (la.length === 0) return "[]";
  const one = (l: LabelsAndAnnotations): string => `Labels:${l.labels.toString()}\nAnnotations:${l.annotations.toString()}`;
  let s = "[\n0:" + indentLines("\n" + one(la[0]!), "  ");
  for (let i = 1; i < la.length; i++) s += `,\n${i}:` + indentLines("\n" + one(la[i]!), "  ");
  return s + "\n]";
}

/** Prefixes every line but the first with `indent`. */
function indentLines(lines: string, indent: string): string {
  return lines.split("\n").join("\n" + indent);
}

/**
 * The --diff rendering: expected and received alerts as indented JSON
 * (`[{"Labels":{...},"Annotations":{...}}]`, an empty alert standing in
 * for none), compared line by line; removed lines start with `-`, added
 * ones with `+`.
 */
function alertsDiff(exp: readonly LabelsAndAnnotations[], got: readonly LabelsAndAnnotations[]): string {
  const toJSON = (la: readonly LabelsAndAnnotations[]): string[] => {
    const list = la.length === 0 ? [{ labels: Labels.EMPTY, annotations: Labels.EMPTY }] : la;
    return JSON.stringify(
      list.map((a) => ({ Labels: a.labels.toObject(), Annotations: a.annotations.toObject() })),
      null,
      2,
    ).split("\n");
  };
  return lineDiff(toJSON(exp), toJSON(got)).join("\n");
}

/** A minimal line diff (longest common subsequence): common lines indented by two spaces. */
function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i++]}`);
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+ ${b[j++]}`);
    else out.push(`- ${a[i++]}`);
  }
  return out;
}

/** A sample of a promql_expr_test, expected or received. */
interface ParsedSample {
  labels: Labels;
  value: number;
}

function equalSamples(a: readonly ParsedSample[], b: readonly ParsedSample[], fuzzy: boolean): boolean {
  return a.length === b.length && a.every((x, i) => equalLabels(x.labels, b[i]!.labels) && floatEqual(x.value, b[i]!.value, fuzzy));
}

/** Exact float equality (NaN never equal, as Go's ==), or within one ulp with fuzzy_compare. */
function floatEqual(x: number, y: number, fuzzy: boolean): boolean {
  if (x === y) return true;
  return fuzzy && Number.isFinite(x) && (nextAfter(x, -Infinity) === y || nextAfter(x, Infinity) === y);
}

/** math.Nextafter for finite x. */
function nextAfter(x: number, toward: number): number {
  if (x === 0) return toward > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  buf.setBigUint64(0, (x < toward) === (x > 0) ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}

/** Upstream's parsedSamplesString: `nil`, or `<labels> <value %E>` joined by ", ". */
function samplesString(ss: readonly ParsedSample[]): string {
  if (ss.length === 0) return "nil";
  return ss.map((s) => `${s.labels.toString()} ${goFloatE(s.value)}`).join(", ");
}

/** strconv.FormatFloat(v, 'E', -1, 64). */
function goFloatE(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return formatFloatE(v).toUpperCase();
}

/**
 * parser.ParseMetric for exp_samples labels: `name`, `{a="b"}`,
 * `name{a="b"}`; empty text is the empty label set.
 */
function parseMetric(text: string): Labels {
  const t = text.trim();
  if (t === "" || /^\{\s*\}$/.test(t)) return Labels.EMPTY;
  const ms = parseMetricSelector(t);
  const obj: Record<string, string> = {};
  for (const m of ms) {
    if (m.type !== MatchType.Equal) throw new Error(`unexpected matcher ${m.name}${m.type}${quoteString(m.value)} in a label set`);
    obj[m.name] = m.value;
  }
  return Labels.fromObject(obj);
}

/** Runs an instant query; a scalar becomes one sample without labels, other types are an error. */
async function instantVector(engine: Engine, storage: MemoryStorage, qs: string, t: number): Promise<Sample[]> {
  const res = await engine.newInstantQuery(storage, qs, t).exec();
  const v = res.value;
  if (v.type === "vector") return v.vector;
  if (v.type === "scalar") return [{ metric: Labels.EMPTY, t: v.t, f: v.v }];
  throw new Error("rule result is not a vector or scalar");
}

/** --debug: prints every series (input and rule results) up to the group's last eval time. */
async function debugDump(tg: TestGroup, engine: Engine, storage: MemoryStorage, mint: number, io: Streams): Promise<void> {
  // A time with fractional seconds cannot be a PromQL range: round up to the next whole second.
  const ts = Math.floor((maxEvalTime(tg) + 1000) / 1000) * 1000;
  const expr = `{__name__=~".+"}[${formatDuration(ts)}]`;
  let v;
  try {
    v = (await engine.newInstantQuery(storage, expr, mint + ts).exec()).value;
  } catch (e) {
    io.stderr.write(`DEBUG: Failed query exec, expr: ${quoteString(expr)}, err: ${(e as Error).message}\n`);
    return;
  }
  if (v.type !== "matrix") {
    io.stderr.write(`DEBUG: Got unexpected type ${v.type}\n`);
    return;
  }
  io.stderr.write(`DEBUG: Dump of all data (input_series and rules) at ${formatGoDuration(ts)}:\n`);
  const series = v.matrix.map((s) => {
    const points: string[] = [];
    for (let i = 0; i < s.ts.length; i++) points.push(`${formatFloatF(s.fs[i]!)} @[${s.ts[i]}]`);
    return `${s.metric.toString()} =>\n${points.join("\n")}`;
  });
  io.stderr.write(`${series.join("\n")}\n`);
}

