/** promtool's commands as functions; cmd/promtool.ts parses flags and calls them. */
export { testPromQL, runPromQLTests, formatFileReport } from "./test-promql.ts";
export type { Output, TestPromQLSummary } from "./test-promql.ts";
