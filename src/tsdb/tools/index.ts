/**
 * promtool's tsdb commands as functions (the CLI wiring is in
 * src/promtool/tsdb.ts and src/cmd/promtool.ts), matching Prometheus 3.x's
 * cmd/promtool/tsdb.go and backfill.go output byte for byte:
 *
 * - listBlocks: `tsdb list [-r]`, the tabwriter table with SIZE.
 * - analyze: `tsdb analyze [--limit] [--extended] [--match] [dir] [block]`.
 * - dump: `tsdb dump [--min-time] [--max-time] [--match]... [--format
 *   prom|seriesjson]` and `tsdb dump-openmetrics`, blocks plus the WAL.
 * - createBlocksFromOpenMetrics: `tsdb create-blocks-from openmetrics
 *   [-r] [-q] [--max-block-duration] [--label]`.
 *
 * Checked against Debian's promtool 2.42 (tools.test.ts). Where 2.42 and
 * 3.x differ we print what 3.x prints: analyze says `Total Series:` (2.42:
 * `Series:`), adds `Matcher:`/`Matched series:` with --match, and
 * --extended prints 3.x's "Compaction analysis" histograms (2.42: a
 * "Fullness" chart); dump takes --match several times and --format, and
 * dump-openmetrics and --label exist only in 3.x. One deliberate
 * difference from both: analyze breaks ties between equal counts by key
 * (upstream's order of ties is random map order).
 */
export { ReadOnlyDB } from "./read-only.ts";
export { listBlocks, formatBlocks, type BlockRow } from "./list-blocks.ts";
export { analyze, type AnalyzeOptions } from "./analyze.ts";
export { dump, DumpFormat, type DumpOptions, type DumpSink } from "./dump.ts";
export { createBlocksFromOpenMetrics, compatibleBlockDuration, BackfillError, type BackfillOptions, type BackfillResult } from "./backfill.ts";
export { goTimeUTC, base2Bytes, tabwrite } from "./format.ts";
