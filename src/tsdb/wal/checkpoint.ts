import * as fs from "node:fs";
import * as path from "node:path";
import { StorageError } from "../../storage/index.ts";
import { Encbuf } from "../encoding/index.ts";
import { nopLogger, type Logger } from "../../util/index.ts";
import {
  RecordType,
  RefSamples,
  decodeSamples,
  decodeSeries,
  decodeTombstones,
  encodeSamples,
  encodeSeries,
  encodeTombstones,
  recordType,
  type RefSeries,
  type RefTombstone,
} from "../record/index.ts";
import { WalCompression, segmentName } from "./wal.ts";
import { WalDirReader, Wlog, listSegments, type SegmentRef } from "./wlog.ts";

const CHECKPOINT_PREFIX = "checkpoint.";
const CHECKPOINT_NAME = /^checkpoint\.(\d+)$/;
/** Records are written to the checkpoint in batches of about this many bytes, as upstream. */
const FLUSH_BYTES = 1024 * 1024;

/** The directory name of the checkpoint covering segments up to i: checkpoint.NNNNNNNN. */
export function checkpointDirName(i: number): string {
  return CHECKPOINT_PREFIX + segmentName(i);
}

/** A checkpoint directory of a WAL and the last segment index it covers. */
export interface CheckpointRef {
  dir: string;
  index: number;
}

function listCheckpoints(walDir: string): CheckpointRef[] {
  let names: string[];
  try {
    names = fs.readdirSync(walDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new StorageError(`list checkpoints in ${walDir}`, { cause: e });
  }
  const out: CheckpointRef[] = [];
  for (const n of names) {
    const m = CHECKPOINT_NAME.exec(n);
    if (m !== null) out.push({ dir: path.join(walDir, n), index: Number(m[1]) });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** The newest finished checkpoint of walDir (".tmp" directories are ignored), or null. */
export function lastCheckpoint(walDir: string): CheckpointRef | null {
  const all = listCheckpoints(walDir);
  return all.length === 0 ? null : all[all.length - 1]!;
}

/** Deletes the checkpoints of walDir with index < maxIndex. Throws StorageError on I/O errors. */
export function deleteCheckpoints(walDir: string, maxIndex: number): void {
  for (const c of listCheckpoints(walDir)) {
    if (c.index >= maxIndex) continue;
    try {
      fs.rmSync(c.dir, { recursive: true, force: true });
    } catch (e) {
      throw new StorageError(`delete checkpoint ${c.dir}`, { cause: e });
    }
  }
}

/** What a checkpoint kept and dropped. */
export interface CheckpointStats {
  droppedSeries: number;
  droppedSamples: number;
  droppedTombstones: number;
  /** Records of types this version does not rewrite (exemplars, metadata, histograms), copied as they are. */
  copiedRecords: number;
  /** Records dropped: mmap markers and unknown types, as upstream. */
  droppedRecords: number;
  totalSeries: number;
  totalSamples: number;
  totalTombstones: number;
}

/** Options of checkpoint(). */
export interface CheckpointOptions {
  compression?: WalCompression;
  logger?: Logger;
}

/**
 * Writes checkpoint.<to> into walDir from the previous checkpoint (if any)
 * and segments [from, to], as Prometheus's wlog.Checkpoint: series records
 * keep the series for which keep(ref) is true, samples keep those with
 * t >= mint (ms), tombstones those reaching mint of kept series. The
 * checkpoint is written to checkpoint.<to>.tmp, fsynced, then renamed.
 * Older checkpoints and segments are left for the caller to delete
 * (Wlog.truncate(to + 1), deleteCheckpoints(walDir, to)).
 *
 * NOTE: differs from Prometheus, which drops record types its checkpoint
 * does not handle: exemplars, metadata and histogram records are copied
 * unchanged here (promstack cannot filter them yet), so nothing is lost.
 *
 * Throws StorageError on I/O errors or when the WAL is corrupt in the
 * range, and when `from` leaves a gap after the last checkpoint.
 */
export function checkpoint(
  walDir: string,
  from: number,
  to: number,
  keep: (ref: number) => boolean,
  mint: number,
  opts: CheckpointOptions = {},
): CheckpointStats {
  const logger = opts.logger ?? nopLogger;
  const stats: CheckpointStats = {
    droppedSeries: 0,
    droppedSamples: 0,
    droppedTombstones: 0,
    copiedRecords: 0,
    droppedRecords: 0,
    totalSeries: 0,
    totalSamples: 0,
    totalTombstones: 0,
  };
  const readers: WalDirReader[] = [];
  const last = lastCheckpoint(walDir);
  if (last !== null) {
    if (from > last.index + 1) {
      throw new StorageError(`unexpected gap to last checkpoint. expected:${last.index + 1}, requested:${from}`);
    }
    // Segments below the checkpoint should not exist; ignore them.
    from = last.index + 1;
    readers.push(new WalDirReader(last.dir, listSegments(last.dir)));
  }
  const segs: SegmentRef[] = listSegments(walDir).filter((s) => s.index >= from && s.index <= to);
  readers.push(new WalDirReader(walDir, segs));

  const final = path.join(walDir, checkpointDirName(to));
  const tmp = final + ".tmp";
  fs.rmSync(tmp, { recursive: true, force: true });
  const cp = Wlog.open(tmp, { compression: opts.compression ?? WalCompression.Snappy, logger });

  const buf = new Encbuf(64 * 1024);
  const recs: Uint8Array[] = [];
  let pending = 0;
  const flush = (): void => {
    if (recs.length > 0) cp.log(...recs);
    recs.length = 0;
    pending = 0;
  };
  const series: RefSeries[] = [];
  const keptSeries: RefSeries[] = [];
  const samples = new RefSamples(1024);
  const keptSamples = new RefSamples(1024);
  const stones: RefTombstone[] = [];

  try {
    for (const r of readers) {
      while (r.next()) {
        const rec = r.record();
        buf.reset();
        switch (recordType(rec)) {
          case RecordType.Series: {
            series.length = 0;
            keptSeries.length = 0;
            decodeSeries(rec, series);
            for (const s of series) if (keep(s.ref)) keptSeries.push(s);
            stats.totalSeries += series.length;
            stats.droppedSeries += series.length - keptSeries.length;
            if (keptSeries.length > 0) encodeSeries(buf, keptSeries);
            break;
          }
          case RecordType.Samples: {
            samples.clear();
            keptSamples.clear();
            decodeSamples(rec, samples);
            for (let i = 0; i < samples.length; i++) {
              if (samples.ts[i]! >= mint) keptSamples.push(samples.refs[i]!, samples.ts[i]!, samples.vs[i]!, samples.stale[i] === 1);
            }
            stats.totalSamples += samples.length;
            stats.droppedSamples += samples.length - keptSamples.length;
            if (keptSamples.length > 0) encodeSamples(buf, keptSamples);
            break;
          }
          case RecordType.Tombstones: {
            stones.length = 0;
            decodeTombstones(rec, stones);
            const kept = stones.filter((s) => s.maxt >= mint && keep(s.ref));
            stats.totalTombstones += stones.length;
            stats.droppedTombstones += stones.length - kept.length;
            if (kept.length > 0) encodeTombstones(buf, kept);
            break;
          }
          case RecordType.Exemplars:
          case RecordType.Metadata:
          case RecordType.HistogramSamples:
          case RecordType.FloatHistogramSamples:
          case RecordType.CustomBucketsHistogramSamples:
          case RecordType.CustomBucketsFloatHistogramSamples:
            buf.putBytes(rec);
            stats.copiedRecords++;
            break;
          default:
            stats.droppedRecords++;
            continue;
        }
        if (buf.length === 0) continue;
        recs.push(buf.copy());
        pending += buf.length;
        if (pending > FLUSH_BYTES) flush();
      }
      const err = r.err();
      if (err !== null) throw new StorageError(`read segments for checkpoint: ${err.message}`, { cause: err });
    }
    flush();
    cp.close();
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(tmp, final);
    syncDir(walDir);
  } catch (e) {
    cp.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    if (e instanceof StorageError) throw e;
    throw new StorageError(`create checkpoint ${checkpointDirName(to)}`, { cause: e });
  }
  logger.info("WAL checkpoint complete", "first", from, "last", to, "dir", final);
  return stats;
}

/** fsyncs a directory so a rename in it is durable. */
function syncDir(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
