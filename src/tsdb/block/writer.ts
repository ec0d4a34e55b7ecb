import * as fs from "node:fs";
import * as path from "node:path";
import type { Labels } from "../../model/index.ts";
import { StorageError } from "../../storage/index.ts";
import { Encoding } from "../chunkenc/index.ts";
import { syncDir } from "../fileutil/index.ts";
import { TimeSlice, sortCooperative } from "../../util/index.ts";
import { IndexWriter, type ChunkMeta } from "../index/index.ts";
import { MemTombstones, writeTombstones } from "../tombstones/index.ts";
import { CHUNKS_DIRNAME, INDEX_FILENAME } from "./block.ts";
import { ChunkWriter, DEFAULT_CHUNK_SEGMENT_BYTES } from "./chunk-files.ts";
import { META_VERSION, writeMeta, type BlockMeta, type BlockMetaCompaction } from "./meta.ts";
import { newULID } from "./ulid.ts";

/** Suffix of a block directory being written; removed on open, as upstream's tmpForCreationBlockDirSuffix. */
export const TMP_FOR_CREATION_SUFFIX = ".tmp-for-creation";
/** Suffix of a block directory being deleted. */
export const TMP_FOR_DELETION_SUFFIX = ".tmp-for-deletion";

/** XOR chunk data with its time range (ms, inclusive) and sample count. */
export interface ChunkData {
  data: Uint8Array;
  mint: number;
  maxt: number;
  samples: number;
}

/** One series for writeBlock: labels and its chunks in time order, without overlap. */
export interface SeriesChunks {
  labels: Labels;
  chunks: ChunkData[];
}

/** Options of writeBlock. */
export interface WriteBlockOptions {
  /** Time for the ULID, ms. */
  now: number;
  /** Chunk segment size; 512 MiB if absent. */
  segmentBytes?: number;
  /** ULID to use (tests); a fresh one if absent. */
  ulid?: string;
  /** Time slice between event loop turns; a fresh default one if absent. */
  slice?: TimeSlice;
}

/**
 * Writes a block into parentDir: series (sorted by labels; series without
 * chunks are skipped) go to chunks/ and index, with an empty tombstones
 * file and meta.json for [minTime, maxTime) (maxTime exclusive). Written
 * in <ulid>.tmp-for-creation, fsynced, then renamed to <ulid>, so a crash
 * never leaves a half block. Resolves to the meta, or null (nothing
 * written) when there are no samples. Rejects with StorageError.
 *
 * Gives the event loop a turn between series (and while sorting symbols
 * and writing postings) whenever opts.slice is used up, so writing a large
 * block does not stall HTTP requests, scrapes or queries; the bytes
 * written do not depend on the yields. `series` is read between those
 * turns: its source must not change underneath in the meantime.
 */
export async function writeBlock(
  parentDir: string,
  series: Iterable<SeriesChunks>,
  minTime: number,
  maxTime: number,
  compaction: Omit<BlockMetaCompaction, "sources"> & { sources: string[] | null },
  opts: WriteBlockOptions,
): Promise<BlockMeta | null> {
  const slice = opts.slice ?? new TimeSlice();
  const ulid = opts.ulid ?? newULID(opts.now);
  const final = path.join(parentDir, ulid);
  const tmp = final + TMP_FOR_CREATION_SUFFIX;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const cw = new ChunkWriter(path.join(tmp, CHUNKS_DIRNAME), opts.segmentBytes ?? DEFAULT_CHUNK_SEGMENT_BYTES);
  let iw: IndexWriter | null = null;
  try {
    const written: { labels: Labels; metas: ChunkMeta[] }[] = [];
    const symbols = new Set<string>();
    let numSamples = 0;
    let numChunks = 0;
    for (const s of series) {
      if (slice.due()) await slice.yield();
      if (s.chunks.length === 0) continue;
      const metas: ChunkMeta[] = [];
      for (const c of s.chunks) {
        metas.push({ mint: c.mint, maxt: c.maxt, ref: cw.write(Encoding.XOR, c.data) });
        numSamples += c.samples;
      }
      numChunks += metas.length;
      s.labels.forEach((n, v) => {
        symbols.add(n);
        symbols.add(v);
      });
      written.push({ labels: s.labels, metas });
    }
    cw.close();
    if (numSamples === 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      return null;
    }
    iw = new IndexWriter(path.join(tmp, INDEX_FILENAME));
    iw.addSymbols(await sortCooperative([...symbols], compareStrings, slice));
    for (let i = 0; i < written.length; i++) {
      if ((i & 255) === 0 && slice.due()) await slice.yield();
      iw.addSeries(written[i]!.labels, written[i]!.metas);
    }
    await iw.close(slice);
    iw = null;
    writeTombstones(tmp, new MemTombstones());
    const meta: BlockMeta = {
      ulid,
      minTime,
      maxTime,
      stats: { numSamples, numSeries: written.length, numChunks, numTombstones: 0 },
      compaction: { ...compaction, sources: compaction.sources ?? [ulid] },
      version: META_VERSION,
    };
    writeMeta(tmp, meta);
    syncDir(tmp);
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(tmp, final);
    syncDir(parentDir);
    return meta;
  } catch (e) {
    cw.abort();
    fs.rmSync(tmp, { recursive: true, force: true });
    if (e instanceof StorageError) throw e;
    throw new StorageError(`write block ${ulid}`, { cause: e });
  }
}

/** The order of Array.prototype.sort without a comparator (UTF-16 code units). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deletes a block directory crash-safely: rename to <dir>.tmp-for-deletion, then remove. */
export function deleteBlockDir(dir: string): void {
  const tmp = dir + TMP_FOR_DELETION_SUFFIX;
  try {
    fs.renameSync(dir, tmp);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new StorageError(`delete block ${dir}`, { cause: e });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}
