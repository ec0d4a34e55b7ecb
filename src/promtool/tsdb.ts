import type { Matcher } from "../model/index.ts";
import { parseMetricSelector } from "../promql/parser/index.ts";
import { DumpFormat, analyze, createBlocksFromOpenMetrics, dump, listBlocks } from "../tsdb/index.ts";
import type { DumpSink } from "../tsdb/index.ts";
import { ExitCode, type Streams } from "./io.ts";
import type { Output } from "./test-promql.ts";

/** promtool's default database path of the tsdb commands. */
export const DEFAULT_DB_PATH = "data/";
/** The default --match of dump: every series. */
export const DEFAULT_DUMP_MATCH = "{__name__=~'(?s:.*)'}";

/** promtool's checkErr: prints the error on stderr and returns 1, or returns 0. */
async function checkErr(io: Streams, f: () => Promise<void>): Promise<number> {
  try {
    await f();
    return ExitCode.Success;
  } catch (e) {
    io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return ExitCode.Failure;
  }
}

/** A sink that waits for 'drain' when out is a Node stream whose buffer is full. */
function sinkOf(out: Output): DumpSink {
  const stream = out as Partial<NodeJS.WritableStream>;
  if (typeof stream.once !== "function" || typeof stream.write !== "function") return (s) => out.write(s);
  return (s) => (stream.write!(s) ? undefined : new Promise<void>((resolve) => stream.once!("drain", () => resolve())));
}

/** `promtool tsdb list [-r] [<db path>]`. */
export async function tsdbList(dir: string, humanReadable: boolean, io: Streams): Promise<number> {
  return checkErr(io, async () => io.stdout.write(listBlocks(dir, humanReadable)));
}

/** `promtool tsdb analyze [--limit] [--extended] [--match] [<db path>] [<block id>]`; match "" for none. */
export async function tsdbAnalyze(dir: string, blockId: string, limit: number, extended: boolean, match: string, io: Streams): Promise<number> {
  return checkErr(io, async () => {
    const m = match === "" ? null : { text: match, matchers: parseMetricSelector(match) };
    io.stdout.write(analyze(dir, { blockId: blockId === "" ? null : blockId, limit, extended, match: m }));
  });
}

/** Options of tsdbDump. */
export interface TsdbDumpOptions {
  /** Inclusive, ms. */
  minTime: number;
  maxTime: number;
  /** Selectors (--match); a series matching any is dumped. */
  match: string[];
  format: DumpFormat;
}

/** `promtool tsdb dump` (prom or seriesjson format) and `promtool tsdb dump-openmetrics` (format openmetrics). */
export async function tsdbDump(dir: string, opts: TsdbDumpOptions, io: Streams): Promise<number> {
  return checkErr(io, async () => {
    const sets: Matcher[][] = (opts.match.length === 0 ? [DEFAULT_DUMP_MATCH] : opts.match).map((s) => parseMetricSelector(s));
    await dump(dir, { matchers: sets, minTime: opts.minTime, maxTime: opts.maxTime, format: opts.format }, sinkOf(io.stdout));
  });
}

/** Options of tsdbCreateBlocksFromOpenMetrics (the flags of `create-blocks-from` and its `openmetrics` command). */
export interface TsdbBackfillOptions {
  humanReadable: boolean;
  quiet: boolean;
  /** --max-block-duration in ms; 0 for the default (2h). */
  maxBlockDurationMs: number;
  /** --label name=value, added to every series. */
  labels: Record<string, string>;
}

/** `promtool tsdb create-blocks-from openmetrics <input file> [<output directory>]`. */
export async function tsdbCreateBlocksFromOpenMetrics(input: string, outputDir: string, opts: TsdbBackfillOptions, io: Streams): Promise<number> {
  return checkErr(io, async () => {
    const r = await createBlocksFromOpenMetrics(input, outputDir, {
      humanReadable: opts.humanReadable,
      quiet: opts.quiet,
      maxBlockDurationMs: opts.maxBlockDurationMs,
      labels: opts.labels,
    });
    io.stdout.write(r.output);
  });
}

/** Parses a --min-time/--max-time value as Go's Int64 flag (ms); throws Error with strconv's text. */
export function parseInt64Flag(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const big = BigInt(s);
  if (big > 9223372036854775807n || big < -9223372036854775808n) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(big);
}
