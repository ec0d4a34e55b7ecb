import * as fs from "node:fs";
import * as path from "node:path";
import { LabelsBuilder, type Labels } from "../../model/index.ts";
import { Entry, ExpositionParseError, OpenMetricsParser } from "../../exposition/index.ts";
import { systemClock, type Clock } from "../../util/index.ts";
import { writeBlock, type BlockMeta } from "../block/index.ts";
import { exponentialBlockRanges, headSeriesChunks } from "../compact/index.ts";
import { dirSize } from "../fileutil/index.ts";
import { Head, RejectReason, type HeadAppender } from "../head/index.ts";
import { floatBitsHi, floatBitsLo } from "../encoding/index.ts";
import { DEFAULT_MIN_BLOCK_DURATION_MS } from "../db.ts";
import { formatBlocks } from "./list-blocks.ts";

/** Samples per appender before it is committed and replaced, as promtool's 5000 (bounds the pending batch). */
const MAX_SAMPLES_IN_APPENDER = 5000;

/** A failed backfill; the message is promtool's (`block creation: process blocks: add sample: out of order sample`). */
export class BackfillError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BackfillError";
  }
}

/** Options of createBlocksFromOpenMetrics. */
export interface BackfillOptions {
  /** Largest block to create (--max-block-duration); anything up to 2h means 2h. */
  maxBlockDurationMs?: number;
  /** Print times and sizes human readable (-r). */
  humanReadable?: boolean;
  /** Print nothing (-q). */
  quiet?: boolean;
  /** Labels added to (or replacing those of) every series (--label name=value). */
  labels?: Readonly<Record<string, string>>;
  /** Time source of the block ULIDs; the system clock if absent. */
  clock?: Clock;
}

/** What a backfill created: the blocks' metas in time order and the table promtool prints for them. */
export interface BackfillResult {
  blocks: BlockMeta[];
  output: string;
}

/**
 * promtool's getCompatibleBlockDuration: 2h, or the largest of the
 * compaction ranges (2h * 3^k, ten of them) not above maxBlockDurationMs.
 */
export function compatibleBlockDuration(maxBlockDurationMs: number): number {
  let d = DEFAULT_MIN_BLOCK_DURATION_MS;
  if (maxBlockDurationMs > d) {
    const ranges = exponentialBlockRanges(d, 10, 3);
    let idx = ranges.length - 1;
    for (let i = 0; i < ranges.length; i++) {
      if (ranges[i]! > maxBlockDurationMs) {
        idx = i - 1;
        break;
      }
    }
    d = ranges[idx]!;
  }
  return d;
}

/** Why Prometheus's appender refuses t, v for lset given the committed samples (not the pending batch), or null. */
function committedReject(head: Head, lset: Labels, t: number, v: number): RejectReason | null {
  const s = head.seriesByLabels(lset);
  if (s === undefined) return null;
  if (t < s.headMaxt) return RejectReason.OutOfOrder;
  if (t === s.headMaxt && (floatBitsHi(v) !== s.lastHi || floatBitsLo(v) !== s.lastLo)) return RejectReason.Duplicate;
  return null;
}

function parseFail(prefix: string, e: unknown): never {
  if (e instanceof ExpositionParseError) throw new BackfillError(`${prefix}: ${e.message}`, { cause: e });
  throw e;
}

/** Oldest and newest sample timestamps (ms) of the input; 0, 0 without samples. Every sample needs a timestamp. */
function minMaxTimestamps(input: string): { mint: number; maxt: number } {
  const p = new OpenMetricsParser(input);
  let mint = Number.POSITIVE_INFINITY;
  let maxt = Number.NEGATIVE_INFINITY;
  for (;;) {
    let e: Entry;
    try {
      e = p.next();
    } catch (err) {
      parseFail("getting min and max timestamp: next", err);
    }
    if (e === Entry.EOF) break;
    if (e !== Entry.Series) continue;
    const t = p.timestamp();
    if (t === null) throw new BackfillError("getting min and max timestamp: expected timestamp for series got none");
    if (t > maxt) maxt = t;
    if (t < mint) mint = t;
  }
  return { mint: mint === Number.POSITIVE_INFINITY ? 0 : mint, maxt: maxt === Number.NEGATIVE_INFINITY ? 0 : maxt };
}

/**
 * `promtool tsdb create-blocks-from openmetrics <input> <outputDir>`:
 * writes the samples of an OpenMetrics file (every sample with a
 * timestamp) into blocks in outputDir, as upstream's backfill: blocks
 * aligned to the block duration (2h unless maxBlockDurationMs allows a
 * larger compaction range), one pass over the input per block range,
 * each block built in an in-memory head (chunks cut as the head cuts
 * them) and written with min/max time of its samples (max exclusive),
 * level 1. Samples should be in time order per series: one older than
 * (or at the time of, with another value) a sample committed before
 * fails the backfill (blocks written so far stay), while one that only
 * conflicts with the pending batch of 5000 is dropped, as upstream.
 * Throws BackfillError with promtool's message, StorageError on I/O.
 * The whole input is read into memory, as promtool maps it.
 */
export async function createBlocksFromOpenMetrics(inputFile: string, outputDir: string, opts: BackfillOptions = {}): Promise<BackfillResult> {
  let input: string;
  try {
    input = fs.readFileSync(inputFile, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BackfillError(`open ${inputFile}: ${code === "ENOENT" ? "no such file or directory" : (e as Error).message}`, { cause: e });
  }
  try {
    fs.mkdirSync(outputDir, { recursive: true });
  } catch (e) {
    throw new BackfillError(`create output dir: mkdir ${outputDir}: ${(e as Error).message}`, { cause: e });
  }
  const { mint, maxt } = minMaxTimestamps(input);
  try {
    return await createBlocks(input, mint, maxt, outputDir, opts);
  } catch (e) {
    if (e instanceof BackfillError) throw new BackfillError(`block creation: process blocks: ${e.message}`, { cause: e });
    throw e;
  }
}

async function createBlocks(input: string, mintIn: number, maxt: number, outputDir: string, opts: BackfillOptions): Promise<BackfillResult> {
  const blockDuration = compatibleBlockDuration(opts.maxBlockDurationMs ?? 0);
  // NOTE: matches promtool, which truncates towards zero (Go's integer division).
  const mint = blockDuration * Math.trunc(mintIn / blockDuration);
  const clock = opts.clock ?? systemClock;
  const custom = Object.entries(opts.labels ?? {});
  const lb = new LabelsBuilder();
  const result: BackfillResult = { blocks: [], output: "" };
  let wroteHeader = false;
  let nextSampleTs = Number.POSITIVE_INFINITY;
  for (let t = mint; t <= maxt; t += blockDuration) {
    const tsUpper = t + blockDuration;
    // The next sample is not in this range: no need to parse the input for it.
    if (nextSampleTs !== Number.POSITIVE_INFINITY && nextSampleTs >= tsUpper) continue;
    nextSampleTs = Number.POSITIVE_INFINITY;
    // NOTE: matches promtool's block writer, whose head has twice the block
    // duration as chunk range so that samples anywhere in [t, tsUpper) are
    // appendable; chunks are cut at that range's boundaries.
    const head = new Head({ chunkRangeMs: 2 * blockDuration });
    let app: HeadAppender = head.appender();
    let pending = 0;
    const p = new OpenMetricsParser(input);
    for (;;) {
      let e: Entry;
      try {
        e = p.next();
      } catch (err) {
        parseFail("parse", err);
      }
      if (e === Entry.EOF) break;
      if (e !== Entry.Series) continue;
      const ts = p.timestamp();
      if (ts === null) throw new BackfillError(`expected timestamp for series ${p.labels(lb).toString()}, got none`);
      if (ts < t) continue;
      if (ts >= tsUpper) {
        if (ts < nextSampleTs) nextSampleTs = ts;
        continue;
      }
      let lset = p.labels(lb);
      if (custom.length > 0) {
        lb.reset(lset);
        for (const [n, v] of custom) lb.set(n, v);
        lset = lb.labels();
      }
      const v = p.value();
      if (app.append(0, lset, ts, v) === 0) {
        const reason = committedReject(head, lset, ts, v) ?? (app.lastReject === RejectReason.OutOfBounds ? app.lastReject : null);
        // NOTE: matches Prometheus, whose appender checks a sample against
        // committed samples only: one out of order (or a duplicate) within
        // the pending batch is dropped at commit without an error.
        if (reason !== null) throw new BackfillError(`add sample: ${reason}`);
      }
      if (++pending < MAX_SAMPLES_IN_APPENDER) continue;
      await app.commit();
      app = head.appender();
      pending = 0;
    }
    await app.commit();
    if (head.numSeries === 0 || head.maxTime < head.minTime) continue; // promtool's ErrNoSeriesAppended
    const meta = await writeBlock(
      outputDir,
      await headSeriesChunks(head, head.minTime, head.maxTime),
      head.minTime,
      head.maxTime + 1,
      { level: 1, sources: null, parents: [], deletable: false, failed: false },
      { now: clock.now() },
    );
    if (meta === null) continue;
    result.blocks.push(meta);
    if (opts.quiet === true) continue;
    result.output += formatBlocks([{ meta, size: dirSize(path.join(outputDir, meta.ulid)) }], !wroteHeader, opts.humanReadable === true);
    wroteHeader = true;
  }
  return result;
}

