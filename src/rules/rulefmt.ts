/**
 * Rule files in Prometheus's format (model/rulefmt): groups of recording
 * and alerting rules, decoded with go-yaml v3 semantics and validated with
 * upstream's checks and messages. Files in the Prometheus Operator's
 * PrometheusRule form (a Kubernetes manifest with `spec.groups`) load too.
 */

import { readFile } from "node:fs/promises";
import { isScalar } from "yaml";
import {
  DurationParseError,
  isLegacyLabelName,
  isLegacyMetricName,
  isValidLabelName,
  MetricName,
  parseDuration,
  quoteString,
} from "../model/index.ts";
import { parseExpr } from "../promql/parser/index.ts";
import type { ParseOptions } from "../promql/parser/index.ts";
import { NO_POS, Yaml3Decoder, Yaml3FatalError, Yaml3TypeError } from "./yaml3.ts";
import type { MapEntry, NodePos, YNode } from "./yaml3.ts";

export type { NodePos } from "./yaml3.ts";

/** One recording or alerting rule as written in a rule file. Durations in ms. */
export interface RuleDef {
  /** Metric name of a recording rule ("" for an alerting rule). */
  record: string;
  /** Name of an alerting rule ("" for a recording rule). */
  alert: string;
  expr: string;
  forMs: number;
  keepFiringForMs: number;
  /** Labels in file order; null when absent. */
  labels: Map<string, string> | null;
  /** Annotations in file order; null when absent. */
  annotations: Map<string, string> | null;
  /** Positions of the `record`, `alert` and `expr` values (0:0 when absent). */
  pos: { record: NodePos; alert: NodePos; expr: NodePos };
}

/** A group of rules evaluated in order at one interval. Durations in ms. */
export interface RuleGroupDef {
  name: string;
  /** 0 means the global evaluation interval. */
  intervalMs: number;
  /** null means the global rule query offset. */
  queryOffsetMs: number | null;
  /** Most series (recording) or alerts (alerting) a rule may produce; 0 means no limit. */
  limit: number;
  rules: RuleDef[];
  /** Labels added to every rule of the group (rule labels win); null when absent. */
  labels: Map<string, string> | null;
  /** Position of the group's mapping. */
  pos: NodePos;
}

/** Which names are valid: Prometheus 3's UTF-8 default or the legacy character set. */
export const NameValidation = {
  UTF8: "utf8",
  Legacy: "legacy",
} as const;
export type NameValidation = (typeof NameValidation)[keyof typeof NameValidation];

/** Options of rule file parsing. */
export interface ParseRulesOptions {
  /** Accept unknown fields, as `promtool check rules` never does; default false. */
  ignoreUnknownFields?: boolean;
  /** Default NameValidation.UTF8. */
  nameValidation?: NameValidation;
  /** Options of the PromQL parser the expressions are checked with. */
  parser?: ParseOptions;
  /**
   * Checks that a template of an alerting rule's label or annotation
   * parses (upstream's testTemplateParsing). `text` already starts with the
   * `$labels`, `$externalLabels`, `$externalURL` and `$value` definitions;
   * `name` is `__alert_<alertname>`. Returns the parse error or null.
   * Without it, templates are not checked.
   */
  checkTemplate?: (name: string, text: string) => Error | null;
}

/** The result of parsing: the groups, or null when the YAML did not decode; and every error found. */
export interface RuleParseResult {
  groups: RuleGroupDef[] | null;
  errors: Error[];
}

/** The definitions Prometheus puts in front of every alert template. */
export const TEMPLATE_DEFS = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/**
 * A problem with one rule, printed as upstream's rulefmt.Error:
 * `[line:col: [line:col: ]]group "g", rule N, "name": reason`.
 */
export class RuleValidationError extends Error {
  readonly group: string;
  /** 1-based index of the rule in its group. */
  readonly rule: number;
  readonly ruleName: string;
  readonly reason: string;
  /** Position of the offending value, or null when the problem has none. */
  readonly pos: NodePos | null;
  /** A second position (record and alert), or null. */
  readonly posAlt: NodePos | null;

  constructor(group: string, rule: number, ruleName: string, reason: string, pos: NodePos | null, posAlt: NodePos | null) {
    let prefix = "";
    if (pos !== null) prefix += `${pos.line}:${pos.column}: `;
    if (pos !== null && posAlt !== null) prefix += `${posAlt.line}:${posAlt.column}: `;
    super(`${prefix}group ${quoteString(group)}, rule ${rule}, ${quoteString(ruleName)}: ${reason}`);
    this.name = "RuleValidationError";
    this.group = group;
    this.rule = rule;
    this.ruleName = ruleName;
    this.reason = reason;
    this.pos = pos;
    this.posAlt = posAlt;
  }
}

/** A problem with a group (empty or repeated name, bad group label). */
export class RuleGroupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuleGroupError";
  }
}

/** An error of a rule file, prefixed with the file name as upstream's ParseFile does. */
export class RuleFileError extends Error {
  readonly file: string;
  /** The error without the file name. */
  readonly err: Error;

  constructor(file: string, err: Error) {
    super(`${file}: ${err.message}`);
    this.name = "RuleFileError";
    this.file = file;
    this.err = err;
  }
}

/** Type names in go-yaml messages for the two decodings upstream runs. */
interface TypeNames {
  groups: string;
  groupList: string;
  group: string;
  ruleList: string;
  rule: string;
}

const STRICT_NAMES: TypeNames = {
  groups: "rulefmt.RuleGroups",
  groupList: "[]rulefmt.RuleGroup",
  group: "rulefmt.RuleGroup",
  ruleList: "[]rulefmt.Rule",
  rule: "rulefmt.Rule",
};

const NODE_NAMES: TypeNames = {
  groups: "rulefmt.ruleGroups",
  groupList: "[]rulefmt.RuleGroupNode",
  group: "rulefmt.RuleGroupNode",
  ruleList: "[]rulefmt.RuleNode",
  rule: "rulefmt.RuleNode",
};

/** The Operator's PrometheusRule API group. */
const OPERATOR_API = /^monitoring\.coreos\.com\/v\d+(?:(?:alpha|beta)\d+)?$/;

/**
 * Parses and validates the content of a rule file, as upstream's
 * rulefmt.Parse: decoding errors stop before validation; validation
 * reports every problem.
 */
export function parseRules(content: string, opts: ParseRulesOptions = {}): RuleParseResult {
  let parsed: ReturnType<typeof Yaml3Decoder.parse>;
  try {
    parsed = Yaml3Decoder.parse(content);
  } catch (err) {
    if (err instanceof Yaml3FatalError) return { groups: null, errors: [err] };
    throw err;
  }
  const { d, root } = parsed;
  const strict = opts.ignoreUnknownFields !== true;
  const errors: Error[] = [];
  let groups: RuleGroupDef[] | null = null;
  // NOTE: matches Prometheus, which decodes twice: strictly into RuleGroups
  // and leniently into the node-annotated form; both can fail.
  for (const pass of [{ strict, names: STRICT_NAMES }, { strict: false, names: NODE_NAMES }]) {
    d.errors.length = 0;
    try {
      const gs = decodeFile(d, root, pass.strict, pass.names);
      if (d.errors.length > 0) errors.push(new Yaml3TypeError([...d.errors]));
      else if (pass.names === STRICT_NAMES) groups = gs;
    } catch (err) {
      if (!(err instanceof Yaml3FatalError)) throw err;
      errors.push(err);
    }
  }
  if (errors.length > 0) return { groups: null, errors };
  const gs = groups ?? [];
  return { groups: gs, errors: validateGroups(gs, opts) };
}

/**
 * Reads and parses a rule file. Every error is a RuleFileError naming the
 * file, as upstream's ParseFile.
 */
export async function parseRuleFile(file: string, opts: ParseRulesOptions = {}): Promise<RuleParseResult> {
  let content: string;
  try {
    const buf = await readFile(file);
    content = new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch (err) {
    const e = err instanceof TypeError ? new Yaml3FatalError("yaml: invalid leading UTF-8 octet") : toError(file, err);
    return { groups: null, errors: [new RuleFileError(file, e)] };
  }
  const res = parseRules(content, opts);
  return { groups: res.groups, errors: res.errors.map((e) => new RuleFileError(file, e)) };
}

/** A read error as Go's os.ReadFile words it. */
function toError(file: string, err: unknown): Error {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return new Error(`open ${file}: no such file or directory`);
    if (code === "EACCES") return new Error(`open ${file}: permission denied`);
    if (code === "EISDIR") return new Error(`read ${file}: is a directory`);
    return err;
  }
  return new Error(String(err));
}

function decodeFile(d: Yaml3Decoder, root: YNode, strict: boolean, names: TypeNames): RuleGroupDef[] {
  const entries = d.mapping(root, names.groups);
  if (entries === null) return [];
  if (isPrometheusRule(entries)) return decodePrometheusRule(d, entries, strict, names);
  const out: RuleGroupDef[] = [];
  for (const e of entries) {
    if (e.key === "groups") out.push(...decodeGroups(d, e.value, strict, names, false));
    else if (strict) d.typeError(e.keyNode, `field ${e.key} not found in type ${names.groups}`);
  }
  return out;
}

function isPrometheusRule(entries: MapEntry[]): boolean {
  let kind = "";
  let api = "";
  for (const e of entries) {
    if (e.value === null || !isScalar(e.value) || typeof e.value.value !== "string") continue;
    if (e.key === "kind") kind = e.value.value;
    if (e.key === "apiVersion") api = e.value.value;
  }
  return kind === "PrometheusRule" && OPERATOR_API.test(api);
}

/** A PrometheusRule manifest: apiVersion, kind, metadata (anything), spec.groups. */
function decodePrometheusRule(d: Yaml3Decoder, entries: MapEntry[], strict: boolean, names: TypeNames): RuleGroupDef[] {
  const out: RuleGroupDef[] = [];
  for (const e of entries) {
    switch (e.key) {
      case "apiVersion":
      case "kind":
      case "metadata":
      case "status":
        break;
      case "spec": {
        const spec = d.mapping(e.value, "v1.PrometheusRuleSpec");
        for (const s of spec ?? []) {
          if (s.key === "groups") out.push(...decodeGroups(d, s.value, strict, names, true));
          else if (strict) d.typeError(s.keyNode, `field ${s.key} not found in type v1.PrometheusRuleSpec`);
        }
        break;
      }
      default:
        if (strict) d.typeError(e.keyNode, `field ${e.key} not found in type v1.PrometheusRule`);
    }
  }
  return out;
}

function decodeGroups(d: Yaml3Decoder, n: YNode, strict: boolean, names: TypeNames, operator: boolean): RuleGroupDef[] {
  const items = d.seq(n, names.groupList);
  if (items === null) return [];
  const out: RuleGroupDef[] = [];
  for (const it of items) {
    const g: RuleGroupDef = {
      name: "",
      intervalMs: 0,
      queryOffsetMs: null,
      limit: 0,
      rules: [],
      labels: null,
      pos: d.pos(it.raw),
    };
    const entries = d.mapping(it.value, names.group);
    for (const e of entries ?? []) {
      switch (e.key) {
        case "name":
          g.name = d.str(e.value) ?? "";
          break;
        case "interval":
          g.intervalMs = duration(d, e.value) ?? 0;
          break;
        case "query_offset":
          g.queryOffsetMs = duration(d, e.value);
          break;
        case "limit":
          g.limit = d.int(e.value);
          break;
        case "rules":
          g.rules = decodeRules(d, e.value, strict, names);
          break;
        case "labels":
          g.labels = d.stringMap(e.value);
          break;
        case "partial_response_strategy":
          // A Thanos field the Operator's CRD carries; Prometheus ignores it.
          if (operator) break;
          if (strict) d.typeError(e.keyNode, `field ${e.key} not found in type ${names.group}`);
          break;
        default:
          if (strict) d.typeError(e.keyNode, `field ${e.key} not found in type ${names.group}`);
      }
    }
    out.push(g);
  }
  return out;
}

function decodeRules(d: Yaml3Decoder, n: YNode, strict: boolean, names: TypeNames): RuleDef[] {
  const items = d.seq(n, names.ruleList);
  if (items === null) return [];
  const nodeMode = names === NODE_NAMES;
  const out: RuleDef[] = [];
  for (const it of items) {
    const r: RuleDef = {
      record: "",
      alert: "",
      expr: "",
      forMs: 0,
      keepFiringForMs: 0,
      labels: null,
      annotations: null,
      pos: { record: NO_POS, alert: NO_POS, expr: NO_POS },
    };
    const entries = d.mapping(it.value, names.rule);
    for (const e of entries ?? []) {
      switch (e.key) {
        case "record":
        case "alert":
        case "expr": {
          // The node decoding keeps these as yaml.Node: any node is fine there.
          const v = nodeMode ? textOf(d, e.value) : d.str(e.value);
          r[e.key] = v ?? "";
          r.pos[e.key] = d.pos(e.raw);
          break;
        }
        case "for":
          r.forMs = duration(d, e.value) ?? 0;
          break;
        case "keep_firing_for":
          r.keepFiringForMs = duration(d, e.value) ?? 0;
          break;
        case "labels":
          r.labels = d.stringMap(e.value);
          break;
        case "annotations":
          r.annotations = d.stringMap(e.value);
          break;
        default:
          if (strict) d.typeError(e.keyNode, `field ${e.key} not found in type ${names.rule}`);
      }
    }
    out.push(r);
  }
  return out;
}

function textOf(d: Yaml3Decoder, n: YNode): string {
  if (d.isNull(n) || n === null || !isScalar(n)) return "";
  return typeof n.value === "string" ? n.value : "";
}

/** A model.Duration: null leaves it unset; a bad string aborts decoding as upstream's UnmarshalYAML does. */
function duration(d: Yaml3Decoder, n: YNode): number | null {
  if (d.isNull(n)) return null;
  const s = d.str(n);
  if (s === null) return null;
  try {
    return parseDuration(s);
  } catch (err) {
    if (err instanceof DurationParseError) throw new Yaml3FatalError(err.message);
    throw err;
  }
}

function validateGroups(groups: RuleGroupDef[], opts: ParseRulesOptions): Error[] {
  const errs: Error[] = [];
  const legacy = opts.nameValidation === NameValidation.Legacy;
  const validLabelName = legacy ? isLegacyLabelName : isValidLabelName;
  const seen = new Set<string>();
  for (const g of groups) {
    if (g.name === "") errs.push(new RuleGroupError(`${g.pos.line}:${g.pos.column}: Groupname must not be empty`));
    if (seen.has(g.name)) {
      errs.push(new RuleGroupError(`${g.pos.line}:${g.pos.column}: groupname: "${g.name}" is repeated in the same file`));
    }
    for (const [k, v] of g.labels ?? []) {
      if (!validLabelName(k) || k === MetricName) errs.push(new RuleGroupError(`invalid label name: ${k}`));
      if (!v.isWellFormed()) errs.push(new RuleGroupError(`invalid label value: ${v}`));
    }
    seen.add(g.name);
    g.rules.forEach((r, i) => {
      const ruleName = r.alert !== "" ? r.alert : r.record;
      for (const p of validateRule(r, opts)) {
        errs.push(new RuleValidationError(g.name, i + 1, ruleName, p.reason, p.pos, p.posAlt));
      }
    });
  }
  return errs;
}

interface Problem {
  reason: string;
  pos: NodePos | null;
  posAlt: NodePos | null;
}

/** Upstream's Rule.Validate, in its order. */
function validateRule(r: RuleDef, opts: ParseRulesOptions): Problem[] {
  const out: Problem[] = [];
  const legacy = opts.nameValidation === NameValidation.Legacy;
  const validLabelName = legacy ? isLegacyLabelName : isValidLabelName;
  const validMetricName = legacy ? isLegacyMetricName : isValidLabelName;
  const add = (reason: string, pos: NodePos | null = null, posAlt: NodePos | null = null): void => {
    out.push({ reason, pos, posAlt });
  };
  if (r.record !== "" && r.alert !== "") add("only one of 'record' and 'alert' must be set", r.pos.record, r.pos.alert);
  if (r.record === "" && r.alert === "") add("one of 'record' or 'alert' must be set", r.pos.record, r.pos.alert);
  if (r.expr === "") add("field 'expr' must be set in rule", r.pos.expr);
  else {
    try {
      parseExpr(r.expr, opts.parser ?? {});
    } catch (err) {
      add(`could not parse expression: ${err instanceof Error ? err.message : String(err)}`, r.pos.expr);
    }
  }
  if (r.record !== "") {
    if (r.annotations !== null && r.annotations.size > 0) add("invalid field 'annotations' in recording rule", r.pos.record);
    if (r.forMs !== 0) add("invalid field 'for' in recording rule", r.pos.record);
    if (r.keepFiringForMs !== 0) add("invalid field 'keep_firing_for' in recording rule", r.pos.record);
    if (!validMetricName(r.record)) add(`invalid recording rule name: ${r.record}`, r.pos.record);
    // A valid UTF-8 name, but a common mistake: PromQL in the record name.
    if (r.record.includes("{") || r.record.includes("}")) {
      add(`braces present in the recording rule name; should it be in expr?: ${r.record}`, r.pos.record);
    }
  }
  for (const [k, v] of r.labels ?? []) {
    if (!validLabelName(k) || k === MetricName) add(`invalid label name: ${k}`);
    if (!v.isWellFormed()) add(`invalid label value: ${v}`);
  }
  for (const k of r.annotations?.keys() ?? []) {
    if (!validLabelName(k)) add(`invalid annotation name: ${k}`);
  }
  const check = opts.checkTemplate;
  if (r.alert !== "" && check !== undefined) {
    const name = `__alert_${r.alert}`;
    for (const [k, v] of r.labels ?? []) {
      const err = check(name, TEMPLATE_DEFS + v);
      if (err !== null) add(`label ${quoteString(k)}: ${err.message}`);
    }
    for (const [k, v] of r.annotations ?? []) {
      const err = check(name, TEMPLATE_DEFS + v);
      if (err !== null) add(`annotation ${quoteString(k)}: ${err.message}`);
    }
  }
  return out;
}

