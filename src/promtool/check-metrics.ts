import { Entry, MetadataType, TextParser } from "../exposition/index.ts";
import { LabelsBuilder } from "../model/index.ts";
import { ExitCode, type Streams } from "./io.ts";

/** A metric family as the linter sees it (client_model's MetricFamily, reduced). */
export interface LintFamily {
  name: string;
  type: MetadataType;
  hasHelp: boolean;
  /** The label names of each metric (sample line) of the family. */
  metricLabelNames: string[][];
  /** Buckets per histogram metric / quantiles per summary metric, for --extended. */
  perMetricSeries: number;
}

/** A problem found by the linter: `<metric> <text>`. */
export interface LintProblem {
  metric: string;
  text: string;
}

/**
 * Groups a text-format exposition into metric families as
 * prometheus/common's text parser does: `_bucket`, `_sum`, `_count` lines
 * (and `quantile` lines) join their histogram or summary; families without
 * samples are dropped. Throws ExpositionParseError.
 */
export function parseFamilies(text: string): LintFamily[] {
  const p = new TextParser(text);
  const fams = new Map<string, LintFamily>();
  const b = new LabelsBuilder();
  const get = (name: string): LintFamily => {
    let f = fams.get(name);
    if (f === undefined) {
      f = { name, type: MetadataType.Unknown, hasHelp: false, metricLabelNames: [], perMetricSeries: 0 };
      fams.set(name, f);
    }
    return f;
  };
  const samples = new Map<string, Map<string, number>>();
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e === Entry.Type) get(p.familyName()).type = p.type();
    else if (e === Entry.Help) get(p.familyName()).hasHelp = true;
    else if (e === Entry.Series) {
      const name = p.metricName();
      const f = familyOf(fams, name) ?? get(name);
      const lset = p.labels(b);
      const own: string[] = [];
      let groupKey = "";
      lset.forEach((n, v) => {
        if (n === "__name__") return;
        const structural = (f.type === MetadataType.Histogram && n === "le") || (f.type === MetadataType.Summary && n === "quantile");
        if (!structural) {
          own.push(n);
          groupKey += `${n}=${v},`;
        }
      });
      // One metric per label set (buckets, quantiles, _sum and _count belong to the same metric).
      const perFamily = samples.get(f.name) ?? new Map<string, number>();
      samples.set(f.name, perFamily);
      if (!perFamily.has(groupKey)) {
        perFamily.set(groupKey, 0);
        f.metricLabelNames.push(own);
      }
      if ((f.type === MetadataType.Histogram && name === `${f.name}_bucket`) || (f.type === MetadataType.Summary && name === f.name)) {
        perFamily.set(groupKey, perFamily.get(groupKey)! + 1);
      }
    }
  }
  for (const f of fams.values()) {
    const first = samples.get(f.name)?.values().next();
    f.perMetricSeries = first === undefined || first.done === true ? 0 : first.value;
  }
  return [...fams.values()].filter((f) => f.metricLabelNames.length > 0);
}

/** The histogram or summary family a `_bucket`/`_sum`/`_count` sample belongs to, if declared. */
function familyOf(fams: ReadonlyMap<string, LintFamily>, name: string): LintFamily | undefined {
  const direct = fams.get(name);
  if (direct !== undefined) return direct;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!name.endsWith(suffix)) continue;
    const f = fams.get(name.slice(0, -suffix.length));
    if (f === undefined) continue;
    if (f.type === MetadataType.Histogram || (f.type === MetadataType.Summary && suffix !== "_bucket")) return f;
  }
  return undefined;
}

// Units and prefixes of client_golang's promlint.
const UNITS = new Map<string, string>([
  ["amperes", "amperes"],
  ["bytes", "bytes"],
  ["celsius", "celsius"],
  ["grams", "grams"],
  ["joules", "joules"],
  ["kelvin", "kelvin"],
  ["meters", "meters"],
  ["metres", "metres"],
  ["seconds", "seconds"],
  ["volts", "volts"],
  ["minutes", "seconds"],
  ["hours", "seconds"],
  ["days", "seconds"],
  ["weeks", "seconds"],
  ["kelvins", "kelvin"],
  ["fahrenheit", "celsius"],
  ["rankine", "celsius"],
  ["inches", "meters"],
  ["yards", "meters"],
  ["miles", "meters"],
  ["bits", "bytes"],
  ["calories", "joules"],
  ["pounds", "grams"],
  ["ounces", "grams"],
]);
const UNIT_PREFIXES = ["pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega", "mibi", "giga", "gibi", "tera", "tebi", "peta", "pebi"];
const UNIT_ABBREVIATIONS = ["s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"];
/** client_model's MetricType names, in enum order (untyped excluded from the type-in-name lint). */
const TYPE_NAMES = ["counter", "gauge", "summary", "histogram", "gaugehistogram"];
const CAMEL_CASE = /[a-z][A-Z]/;

function metricUnits(name: string): { unit: string; base: string } | null {
  for (const s of name.split("_")) {
    const base = UNITS.get(s);
    if (base !== undefined) return { unit: s, base };
    for (const p of UNIT_PREFIXES) {
      if (!s.startsWith(p)) continue;
      const b = UNITS.get(s.slice(p.length));
      if (b !== undefined) return { unit: s, base: b };
    }
  }
  return null;
}

/** client_golang's promlint default validations for one family, in order. */
export function lintFamily(f: LintFamily): string[] {
  const out: string[] = [];
  const n = f.name;
  if (!f.hasHelp) out.push("no help text");
  const u = metricUnits(n);
  if (u !== null && u.unit !== u.base) out.push(`use base unit ${JSON.stringify(u.base)} instead of ${JSON.stringify(u.unit)}`);
  const isCounter = f.type === MetadataType.Counter;
  const isUntyped = f.type === MetadataType.Unknown;
  if (isCounter && !n.endsWith("_total")) out.push('counter metrics should have "_total" suffix');
  else if (!isUntyped && !isCounter && n.endsWith("_total")) out.push('non-counter metrics should not have "_total" suffix');
  if (!isUntyped) {
    const isHistogram = f.type === MetadataType.Histogram;
    const isSummary = f.type === MetadataType.Summary;
    if (!isHistogram && n.endsWith("_bucket")) out.push('non-histogram metrics should not have "_bucket" suffix');
    if (!isHistogram && !isSummary && n.endsWith("_count")) out.push('non-histogram and non-summary metrics should not have "_count" suffix');
    if (!isHistogram && !isSummary && n.endsWith("_sum")) out.push('non-histogram and non-summary metrics should not have "_sum" suffix');
    for (const names of f.metricLabelNames) {
      for (const ln of names) {
        if (!isHistogram && ln === "le") out.push('non-histogram metrics should not have "le" label');
        if (!isSummary && ln === "quantile") out.push('non-summary metrics should not have "quantile" label');
      }
    }
  }
  const lower = n.toLowerCase();
  for (const t of TYPE_NAMES) {
    if (lower.includes(`_${t}_`) || lower.endsWith(`_${t}`)) out.push(`metric name should not include type '${t}'`);
  }
  if (n.includes(":")) out.push("metric names should not contain ':'");
  if (CAMEL_CASE.test(n)) out.push("metric names should be written in 'snake_case' not 'camelCase'");
  for (const names of f.metricLabelNames) {
    for (const ln of names) if (CAMEL_CASE.test(ln)) out.push("label names should be written in 'snake_case' not 'camelCase'");
  }
  for (const s of UNIT_ABBREVIATIONS) {
    if (lower.includes(`_${s}_`) || lower.endsWith(`_${s}`)) out.push("metric names should not contain abbreviated units");
  }
  return out;
}

/** Lints an exposition; problems sorted by metric then text, as promlint. Throws ExpositionParseError. */
export function lintMetrics(text: string): LintProblem[] {
  const problems: LintProblem[] = [];
  for (const f of parseFamilies(text)) for (const t of lintFamily(f)) problems.push({ metric: f.name, text: t });
  return problems.sort((a, b) => (a.metric !== b.metric ? (a.metric < b.metric ? -1 : 1) : a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}

/**
 * `promtool check metrics [--extended] [--lint=all|none]`: lints the
 * exposition read from stdin, printing `<metric> <problem>` lines on
 * stderr, and with --extended a cardinality table on stdout. Resolves to
 * 3 when problems were found, 1 on a parse error, else 0.
 */
export async function checkMetrics(extended: boolean, lint: string, io: Streams, readStdin: () => Promise<string>): Promise<ExitCode> {
  if (!extended && lint === "none") {
    io.stderr.write("error: at least one of --extended or linting must be enabled\n");
    io.stderr.write("Use --extended for cardinality analysis, or remove --lint=none to enable linting\n");
    return ExitCode.Failure;
  }
  const text = await readStdin();
  let problems: LintProblem[] = [];
  if (lint !== "none") {
    try {
      problems = lintMetrics(text);
    } catch (e) {
      io.stderr.write(`error while linting: ${(e as Error).message}\n`);
      return ExitCode.Failure;
    }
    for (const p of problems) io.stderr.write(`${p.metric} ${p.text}\n`);
  }
  if (extended) {
    let fams: LintFamily[];
    try {
      fams = parseFamilies(text);
    } catch (e) {
      io.stderr.write(`error while parsing text to metric families: ${(e as Error).message}\n`);
      return ExitCode.Failure;
    }
    io.stdout.write(cardinalityTable(fams));
  }
  return problems.length > 0 ? ExitCode.Lint : ExitCode.Success;
}

/** The --extended table: metric, cardinality, percentage, biggest first (tabwriter, padding 4). */
function cardinalityTable(fams: readonly LintFamily[]): string {
  const stats = fams.map((f) => {
    const n = f.metricLabelNames.length;
    const extra = f.type === MetadataType.Histogram || f.type === MetadataType.Summary ? 2 + f.perMetricSeries : 0;
    return { name: f.name, cardinality: extra > 0 ? n * extra : n };
  });
  const total = stats.reduce((s, x) => s + x.cardinality, 0);
  const rows: string[][] = [["Metric", "Cardinality", "Percentage"]];
  const sorted = stats.map((s, i) => ({ ...s, i })).sort((a, b) => b.cardinality - a.cardinality || a.i - b.i);
  for (const s of sorted) rows.push([s.name, String(s.cardinality), `${((s.cardinality / total) * 100).toFixed(2)}%`]);
  rows.push(["Total", String(total), "100%"]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)) + 4);
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("") + "\n").join("");
}
