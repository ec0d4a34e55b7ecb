/**
 * The PromQL test scripting language of Prometheus's promql/promqltest:
 * parse scripts (`load`, `clear`, `eval`, `expect`) and run them against
 * the engine over in-memory storage.
 */
export { parseScript, parseExpectLine, parseExpectString, ScriptParseError, ExpectType } from "./script.ts";
export type { Command, LoadCmd, ClearCmd, EvalCmd, Expectation, ExpectedSeries, LoadSeries } from "./script.ts";
export { parseSeriesDesc, SeriesParseError, SequenceKind } from "./series.ts";
export type { SeriesDesc, SequenceValue } from "./series.ts";
export { almostEqual, DEFAULT_EPSILON } from "./compare.ts";
export { experimentalFiles, fileSkipReason } from "./features.ts";
export type { ExperimentalFile } from "./features.ts";
export { runScript, runTestFile, testEngineOptions } from "./runner.ts";
export type { EvalOutcome, RunOptions, ScriptResult } from "./runner.ts";
