import { Labels, compareLabels } from "../model/index.ts";
import { parseRuleFile, parseRules } from "../rules/index.ts";
import type { ParseRulesOptions, RuleGroupDef, RuleParseResult } from "../rules/index.ts";
import { checkTemplateParses } from "../template/index.ts";
import { ExitCode, type Streams } from "./io.ts";

/** The `--lint` options of `check rules` (and the rule part of `check config`). */
export const LintOption = {
  All: "all",
  DuplicateRules: "duplicate-rules",
  None: "none",
} as const;
export type LintOption = (typeof LintOption)[keyof typeof LintOption];

/** How rule files are linted and parsed. */
export interface RulesLintConfig {
  all: boolean;
  duplicateRules: boolean;
  /** --lint-fatal: lint problems exit with 3. */
  fatal: boolean;
  /** --ignore-unknown-fields. */
  ignoreUnknownFields: boolean;
}

/**
 * Builds the lint settings from a comma-separated `--lint` value, warning
 * on stdout about unknown options as upstream (`WARNING: unknown lint
 * option: "x"`).
 */
export function newRulesLintConfig(lint: string, fatal: boolean, ignoreUnknownFields: boolean, io: Streams): RulesLintConfig {
  const ls: RulesLintConfig = { all: false, duplicateRules: false, fatal, ignoreUnknownFields };
  if (lint === "") return ls;
  for (const setting of lint.split(",")) {
    if (setting === LintOption.All) ls.all = true;
    else if (setting === LintOption.DuplicateRules) ls.duplicateRules = true;
    else if (setting !== LintOption.None) io.stdout.write(`WARNING: unknown lint option: ${JSON.stringify(setting)}\n`);
  }
  return ls;
}

/** A lint problem: reported like an error, but fatal (exit 3) only with --lint-fatal. */
export class LintError extends Error {
  constructor(message: string) {
    super(`lint error ${message}`);
    this.name = "LintError";
  }
}

/** Parser options for rule files as promtool checks them. */
export function ruleParseOptions(ls: RulesLintConfig): ParseRulesOptions {
  return { ignoreUnknownFields: ls.ignoreUnknownFields, checkTemplate: checkTemplateParses };
}

/** Outcome of checking some rule files: whether anything failed, and whether a failure was more than a lint. */
export interface RulesCheckOutcome {
  failed: boolean;
  hasErrors: boolean;
}

/**
 * `promtool check rules [FILE...]`: checks each file (standard input when
 * none), printing `Checking <file>` and `  SUCCESS: N rules found` on stdout
 * or `  FAILED:` and the errors on stderr. Resolves to the exit code: 1 on
 * an error, 3 on lint problems with --lint-fatal, else 0.
 */
export async function checkRules(files: readonly string[], ls: RulesLintConfig, io: Streams, readStdin: () => Promise<string>): Promise<ExitCode> {
  const o = files.length === 0 ? await checkRulesFromStdin(ls, io, readStdin) : await checkRuleFiles(files, ls, io);
  return exitCode(o, ls.fatal);
}

/** The exit code of a check: 1 with errors, 3 for lint problems when fatal, else 0. */
export function exitCode(o: RulesCheckOutcome, fatal: boolean): ExitCode {
  if (o.failed && o.hasErrors) return ExitCode.Failure;
  if (o.failed && fatal) return ExitCode.Lint;
  return ExitCode.Success;
}

async function checkRulesFromStdin(ls: RulesLintConfig, io: Streams, readStdin: () => Promise<string>): Promise<RulesCheckOutcome> {
  io.stdout.write("Checking standard input\n");
  let data: string;
  try {
    data = await readStdin();
  } catch (e) {
    io.stderr.write(`  FAILED: ${(e as Error).message}\n`);
    return { failed: true, hasErrors: true };
  }
  return reportOne(parseRules(data, ruleParseOptions(ls)), ls, io, { failed: false, hasErrors: false });
}

/** Checks rule files in order (shared with `check config`), printing as upstream's checkRules. */
export async function checkRuleFiles(files: readonly string[], ls: RulesLintConfig, io: Streams): Promise<RulesCheckOutcome> {
  const o: RulesCheckOutcome = { failed: false, hasErrors: false };
  for (const f of files) {
    io.stdout.write(`Checking ${f}\n`);
    await reportOne(await parseRuleFile(f, ruleParseOptions(ls)), ls, io, o);
  }
  return o;
}

function reportOne(res: RuleParseResult, ls: RulesLintConfig, io: Streams, o: RulesCheckOutcome): RulesCheckOutcome {
  if (res.errors.length > 0 || res.groups === null) {
    o.failed = true;
    io.stderr.write("  FAILED:\n");
    for (const e of res.errors) {
      io.stderr.write(`${e.message}\n`);
      o.hasErrors ||= !(e instanceof LintError);
    }
    // NOTE: matches Prometheus, which moves on without the blank line once any file had an error.
    if (o.hasErrors) return o;
  }
  const groups = res.groups ?? [];
  const problems = checkRuleGroups(groups, ls);
  if (problems.length > 0) {
    io.stderr.write("  FAILED:\n");
    for (const e of problems) io.stderr.write(`${e.message}\n`);
    o.failed = true;
    for (const e of problems) o.hasErrors ||= !(e instanceof LintError);
  } else {
    io.stdout.write(`  SUCCESS: ${groups.reduce((n, g) => n + g.rules.length, 0)} rules found\n`);
  }
  io.stdout.write("\n");
  return o;
}

/** The lint problems of parsed groups (none when duplicate-rules linting is off). */
export function checkRuleGroups(groups: readonly RuleGroupDef[], ls: RulesLintConfig): LintError[] {
  if (!(ls.all || ls.duplicateRules)) return [];
  const dups = findDuplicates(groups);
  if (dups.length === 0) return [];
  let msg = `${dups.length} duplicate rule(s) found.\n`;
  for (const d of dups) {
    msg += `Metric: ${d.metric}\nLabel(s):\n`;
    d.labels.forEach((n, v) => (msg += `\t${n}: ${v}\n`));
  }
  msg += "Might cause inconsistency while recording expressions";
  return [new LintError(msg)];
}

/** A rule's identity for the duplicate lint: its record or alert name and its labels (group labels merged in). */
export interface RuleIdentity {
  metric: string;
  labels: Labels;
}

function compareIdentity(a: RuleIdentity, b: RuleIdentity): number {
  if (a.metric !== b.metric) return a.metric < b.metric ? -1 : 1;
  return compareLabels(a.labels, b.labels);
}

/** Rules that share name and labels with another rule, each reported once, sorted. */
export function findDuplicates(groups: readonly RuleGroupDef[]): RuleIdentity[] {
  const ids: RuleIdentity[] = [];
  for (const g of groups) {
    for (const r of g.rules) {
      const m = new Map<string, string>(g.labels ?? []);
      for (const [k, v] of r.labels ?? []) m.set(k, v);
      ids.push({ metric: r.alert !== "" ? r.alert : r.record, labels: Labels.fromObject(Object.fromEntries(m)) });
    }
  }
  const out: RuleIdentity[] = [];
  if (ids.length < 2) return out;
  ids.sort(compareIdentity);
  for (let i = 1; i < ids.length; i++) {
    if (compareIdentity(ids[i - 1]!, ids[i]!) !== 0) continue;
    if (out.length === 0 || compareIdentity(ids[i - 1]!, out[out.length - 1]!) !== 0) out.push(ids[i]!);
  }
  return out;
}
