/** promtool's commands as functions; cmd/promtool.ts parses flags and calls them. */
export { testPromQL, runPromQLTests, formatFileReport } from "./test-promql.ts";
export type { Output, TestPromQLSummary } from "./test-promql.ts";
export { BufferStreams, ExitCode } from "./io.ts";
export type { Streams } from "./io.ts";
export { checkRules, checkRuleFiles, checkRuleGroups, findDuplicates, newRulesLintConfig, LintError, LintOption } from "./check-rules.ts";
export type { RulesLintConfig, RulesCheckOutcome, RuleIdentity } from "./check-rules.ts";
export { checkConfig, newConfigLintConfig, LINT_TOO_LONG_SCRAPE_INTERVAL } from "./check-config.ts";
export type { CheckConfigOptions, ConfigLintConfig } from "./check-config.ts";
export { testRules, decodeUnitTestFile, parseTimeMs } from "./test-rules.ts";
export type { TestRulesOptions } from "./test-rules.ts";
export { queryInstant, queryRange, querySeries, queryLabels, printValue, QueryFormat } from "./query.ts";
export type { QueryClientOptions } from "./query.ts";
export { checkWebConfig } from "./web-config.ts";
export { checkMetrics, lintMetrics, lintFamily, parseFamilies } from "./check-metrics.ts";
export type { LintFamily, LintProblem } from "./check-metrics.ts";
export { tsdbList, tsdbAnalyze, tsdbDump, tsdbCreateBlocksFromOpenMetrics, parseInt64Flag, DEFAULT_DB_PATH, DEFAULT_DUMP_MATCH } from "./tsdb.ts";
export type { TsdbDumpOptions, TsdbBackfillOptions } from "./tsdb.ts";
