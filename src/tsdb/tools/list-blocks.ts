import type { BlockMeta } from "../block/index.ts";
import { base2Bytes, goTimeUTC, tabwrite } from "./format.ts";
import { ReadOnlyDB } from "./read-only.ts";
import { formatGoDuration } from "../../util/index.ts";

/** The header row of promtool's block table. */
const HEADER = ["BLOCK ULID", "MIN TIME", "MAX TIME", "DURATION", "NUM SAMPLES", "NUM CHUNKS", "NUM SERIES", "SIZE"];

/** What a row of the table shows: a block's meta and its size on disk in bytes (a Block fits). */
export interface BlockRow {
  readonly meta: BlockMeta;
  readonly size: number;
}

/**
 * promtool's printBlocks: one tabwriter table (minwidth 13, padding 2)
 * of the blocks, with the header when writeHeader; times in ms or, with
 * humanReadable, as UTC dates, and sizes in bytes or as Base2Bytes.
 */
export function formatBlocks(blocks: readonly BlockRow[], writeHeader: boolean, humanReadable: boolean): string {
  const rows: string[][] = writeHeader ? [HEADER] : [];
  for (const b of blocks) {
    const m = b.meta;
    const time = (t: number): string => (humanReadable ? goTimeUTC(t) : String(t));
    const size = b.size;
    rows.push([
      m.ulid,
      time(m.minTime),
      time(m.maxTime),
      formatGoDuration(m.maxTime - m.minTime),
      String(m.stats.numSamples),
      String(m.stats.numChunks),
      String(m.stats.numSeries),
      humanReadable ? base2Bytes(size) : String(size),
    ]);
  }
  return tabwrite(rows, 13, 2);
}

/**
 * `promtool tsdb list [-r] <dir>`: the table of the blocks in dir, sorted
 * by min time. Throws StorageError when dir is missing or a block is corrupt.
 */
export function listBlocks(dir: string, humanReadable = false): string {
  const db = new ReadOnlyDB(dir);
  try {
    return formatBlocks(db.blocks(), true, humanReadable);
  } finally {
    db.close();
  }
}
