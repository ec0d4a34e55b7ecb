/**
 * A parser for the text exposition format 0.0.4 as the textfile collector
 * needs it: whole files into metric families, with the checks and grouping
 * of prometheus/common expfmt's TextParser (summary and histogram samples
 * grouped per label set, one HELP and one TYPE per family, TYPE before samples).
 */
import type { MetricType } from "../../exposition/index.ts";

/** One parsed metric: its labels (in file order) and value parts. */
export interface ParsedMetric {
  labelNames: string[];
  labelValues: string[];
  /** counter, gauge, untyped */
  value: number;
  /** summary: quantile -> value */
  quantiles: Map<number, number>;
  /** histogram: upper bound -> cumulative count */
  buckets: Map<number, number>;
  sum: number;
  count: number;
  /** Client-side timestamp in ms, null when absent. */
  timestampMs: number | null;
}

/** One parsed family; help is null when the file has no (or an empty) HELP line. */
export interface ParsedFamily {
  name: string;
  help: string | null;
  type: MetricType;
  metrics: ParsedMetric[];
}

/** A syntax or consistency error, with the 1-based line number. */
export class TextParseError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`text format parsing error in line ${line}: ${message}`);
    this.name = "TextParseError";
    this.line = line;
  }
}

const metricNameRe = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNameRe = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types = new Set(["counter", "gauge", "untyped", "summary", "histogram"]);

/** Parses a float the way Go's strconv.ParseFloat does for exposition values (incl. Inf/NaN spellings). */
export function parseGoFloat(s: string): number | null {
  const l = s.toLowerCase();
  if (l === "nan") return NaN;
  if (l === "inf" || l === "+inf" || l === "infinity" || l === "+infinity") return Infinity;
  if (l === "-inf" || l === "-infinity") return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

function newMetric(names: string[], values: string[]): ParsedMetric {
  return { labelNames: names, labelValues: values, value: 0, quantiles: new Map(), buckets: new Map(), sum: 0, count: 0, timestampMs: null };
}

/** Reads `{a="b",...}` starting at s[i] === "{"; returns the pairs and the index after "}". */
function parseLabels(s: string, i: number, lineNo: number): { names: string[]; values: string[]; end: number } {
  const names: string[] = [];
  const values: string[] = [];
  i++;
  for (;;) {
    while (s[i] === " " || s[i] === "\t") i++;
    if (s[i] === "}") return { names, values, end: i + 1 };
    const start = i;
    while (i < s.length && /[a-zA-Z0-9_]/.test(s[i]!)) i++;
    const name = s.slice(start, i);
    if (!labelNameRe.test(name)) throw new TextParseError(lineNo, `invalid label name for metric`);
    while (s[i] === " " || s[i] === "\t") i++;
    if (s[i] !== "=") throw new TextParseError(lineNo, `expected '=' after label name, found ${JSON.stringify(s[i] ?? "")}`);
    i++;
    while (s[i] === " " || s[i] === "\t") i++;
    if (s[i] !== '"') throw new TextParseError(lineNo, `expected '"' at start of label value, found ${JSON.stringify(s[i] ?? "")}`);
    i++;
    let v = "";
    for (;;) {
      const ch = s[i];
      if (ch === undefined) throw new TextParseError(lineNo, "unexpected end of label value");
      if (ch === '"') break;
      if (ch === "\\") {
        const nx = s[i + 1];
        if (nx === "\\") v += "\\";
        else if (nx === '"') v += '"';
        else if (nx === "n") v += "\n";
        else throw new TextParseError(lineNo, `invalid escape sequence '\\${nx ?? ""}'`);
        i += 2;
        continue;
      }
      v += ch;
      i++;
    }
    i++;
    if (names.includes(name)) throw new TextParseError(lineNo, `duplicate label names for metric`);
    names.push(name);
    values.push(v);
    while (s[i] === " " || s[i] === "\t") i++;
    if (s[i] === ",") {
      i++;
      continue;
    }
    if (s[i] === "}") return { names, values, end: i + 1 };
    throw new TextParseError(lineNo, `unexpected end of label set, found ${JSON.stringify(s[i] ?? "")}`);
  }
}

function unescapeHelp(s: string): string {
  return s.replace(/\\([\\n])/g, (_, c: string) => (c === "n" ? "\n" : "\\"));
}

/**
 * Parses a whole exposition into families, in order of first appearance.
 * Throws TextParseError on the first syntax or consistency error, as expfmt does.
 */
export function parseTextFamilies(text: string): ParsedFamily[] {
  const families = new Map<string, ParsedFamily & { sawSamples: boolean; sawType: boolean; grouped: Map<string, ParsedMetric> }>();
  const get = (name: string) => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, help: null, type: "untyped", metrics: [], sawSamples: false, sawType: false, grouped: new Map() };
      families.set(name, f);
    }
    return f;
  };
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const line = lines[n]!.replace(/^[ \t]+/, "");
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (!m) continue; // an ordinary comment
      const name = m[2]!;
      if (!metricNameRe.test(name)) throw new TextParseError(lineNo, `invalid metric name in comment`);
      const f = get(name);
      if (m[1] === "HELP") {
        if (f.help !== null) throw new TextParseError(lineNo, `second HELP line for metric name ${JSON.stringify(name)}`);
        const h = unescapeHelp(m[3] ?? "");
        // NOTE: an empty HELP counts as none, so the textfile collector generates one.
        if (h.trim() !== "") f.help = h.replace(/[ \t]+$/, "");
      } else {
        const t = (m[3] ?? "").trim().toLowerCase();
        if (f.sawType || f.sawSamples) throw new TextParseError(lineNo, `second TYPE line for metric name ${JSON.stringify(name)}, or TYPE reported after samples`);
        if (!types.has(t)) throw new TextParseError(lineNo, `unknown metric type ${JSON.stringify(m[3] ?? "")}`);
        f.type = t as MetricType;
        f.sawType = true;
      }
      continue;
    }
    let i = 0;
    while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i]!)) i++;
    const sampleName = line.slice(0, i);
    if (!metricNameRe.test(sampleName)) throw new TextParseError(lineNo, `invalid metric name`);
    let names: string[] = [];
    let values: string[] = [];
    while (line[i] === " " || line[i] === "\t") i++;
    if (line[i] === "{") {
      const l = parseLabels(line, i, lineNo);
      names = l.names;
      values = l.values;
      i = l.end;
    }
    const rest = line.slice(i).trim().split(/[ \t]+/);
    if (rest.length < 1 || rest[0] === "" || rest.length > 2) throw new TextParseError(lineNo, `expected value and optional timestamp after metric`);
    const v = parseGoFloat(rest[0]!);
    if (v === null) throw new TextParseError(lineNo, `expected float as value, got ${JSON.stringify(rest[0])}`);
    let ts: number | null = null;
    if (rest.length === 2) {
      if (!/^-?\d+$/.test(rest[1]!)) throw new TextParseError(lineNo, `expected integer as timestamp, got ${JSON.stringify(rest[1])}`);
      ts = Number(rest[1]);
    }

    // Which family does this sample belong to? A _sum/_count/_bucket suffix
    // joins a summary or histogram family of the base name, like expfmt.
    let fam = families.get(sampleName);
    let suffix: "" | "sum" | "count" | "bucket" = "";
    for (const sfx of ["_sum", "_count", "_bucket"] as const) {
      if (!sampleName.endsWith(sfx)) continue;
      const base = families.get(sampleName.slice(0, -sfx.length));
      if (base && (base.type === "summary" || (base.type === "histogram"))) {
        if (sfx === "_bucket" && base.type !== "histogram") continue;
        fam = base;
        suffix = sfx.slice(1) as "sum" | "count" | "bucket";
      }
    }
    if (fam === undefined) fam = get(sampleName);
    fam.sawSamples = true;

    if (fam.type === "summary" || fam.type === "histogram") {
      const special = fam.type === "summary" ? "quantile" : "le";
      const at = names.indexOf(special);
      let bound = NaN;
      const needsBound = (fam.type === "summary" && suffix === "") || suffix === "bucket";
      if (needsBound) {
        if (at < 0) throw new TextParseError(lineNo, `missing label "${special}" for ${fam.type} sample`);
        const b = parseGoFloat(values[at]!);
        if (b === null) throw new TextParseError(lineNo, `expected float as value for '${special}' label, got ${JSON.stringify(values[at])}`);
        bound = b;
      } else if (fam.type === "histogram" && suffix === "") {
        throw new TextParseError(lineNo, `histogram sample ${JSON.stringify(sampleName)} without _bucket, _sum or _count suffix`);
      }
      const keepNames: string[] = [];
      const keepValues: string[] = [];
      for (let k = 0; k < names.length; k++) {
        if (k === at && needsBound) continue;
        keepNames.push(names[k]!);
        keepValues.push(values[k]!);
      }
      const key = keepNames.map((nm, k) => [nm, keepValues[k]]).sort().map((p) => `${p[0]}\xff${p[1]}`).join("\xff");
      let m = fam.grouped.get(key);
      if (m === undefined) {
        m = newMetric(keepNames, keepValues);
        fam.grouped.set(key, m);
        fam.metrics.push(m);
      }
      if (ts !== null) m.timestampMs = ts;
      if (suffix === "sum") m.sum = v;
      else if (suffix === "count") m.count = v;
      else if (fam.type === "summary") m.quantiles.set(bound, v);
      else m.buckets.set(bound, v);
      continue;
    }
    const m = newMetric(names, values);
    m.value = v;
    m.timestampMs = ts;
    fam.metrics.push(m);
  }
  // Families mentioned only in comments have no metrics; expfmt drops them.
  return [...families.values()]
    .filter((f) => f.metrics.length > 0)
    .map((f) => ({ name: f.name, help: f.help, type: f.type, metrics: f.metrics }));
}
