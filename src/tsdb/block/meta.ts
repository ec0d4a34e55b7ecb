import * as fs from "node:fs";
import * as path from "node:path";
import { StorageError } from "../../storage/index.ts";
import { writeFileAtomic } from "../fileutil/index.ts";

/** File name of a block's metadata. */
export const META_FILENAME = "meta.json";
/** meta.json version Prometheus writes and reads. */
export const META_VERSION = 1;

/** A block's identity and time range (ms; maxTime exclusive), as in compaction.parents. */
export interface BlockDesc {
  ulid: string;
  minTime: number;
  maxTime: number;
}

/** Counts of a block (meta.json "stats"). */
export interface BlockStats {
  numSamples: number;
  numSeries: number;
  numChunks: number;
  numTombstones: number;
}

/** Compaction history of a block (meta.json "compaction"). */
export interface BlockMetaCompaction {
  /** 1 for blocks cut from the head, +1 per compaction. */
  level: number;
  /** ULIDs of the level-1 blocks whose data this block holds. */
  sources: string[];
  /** The blocks compacted into this one; they are deleted once this one is in place. */
  parents: BlockDesc[];
  /** Set on a block that is empty after compaction or deletion; it is deleted. */
  deletable: boolean;
  /** Set when compacting this block failed, so the planner skips it. */
  failed: boolean;
}

/** The contents of meta.json. Times are ms; minTime inclusive, maxTime exclusive. */
export interface BlockMeta {
  ulid: string;
  minTime: number;
  maxTime: number;
  stats: BlockStats;
  compaction: BlockMetaCompaction;
  version: number;
}

/** meta.json text as Prometheus writes it: Go's field order, tab indentation, zero fields omitted where Go omits them. */
export function encodeMeta(m: BlockMeta): string {
  const stats: Record<string, number> = {};
  if (m.stats.numSamples !== 0) stats["numSamples"] = m.stats.numSamples;
  if (m.stats.numSeries !== 0) stats["numSeries"] = m.stats.numSeries;
  if (m.stats.numChunks !== 0) stats["numChunks"] = m.stats.numChunks;
  if (m.stats.numTombstones !== 0) stats["numTombstones"] = m.stats.numTombstones;
  const compaction: Record<string, unknown> = { level: m.compaction.level };
  if (m.compaction.sources.length > 0) compaction["sources"] = m.compaction.sources;
  if (m.compaction.deletable) compaction["deletable"] = true;
  if (m.compaction.parents.length > 0) compaction["parents"] = m.compaction.parents;
  if (m.compaction.failed) compaction["failed"] = true;
  const doc = { ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime, stats, compaction, version: m.version };
  return JSON.stringify(doc, null, "\t");
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** Parses meta.json text. Throws StorageError when it is not a version 1 meta. */
export function decodeMeta(text: string, what = META_FILENAME): BlockMeta {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new StorageError(`${what}: ${(e as Error).message}`, { cause: e });
  }
  if (doc === null || typeof doc !== "object") throw new StorageError(`${what}: not an object`);
  if (doc["version"] !== META_VERSION) throw new StorageError(`${what}: unexpected meta file version ${String(doc["version"])}`);
  const st = (doc["stats"] ?? {}) as Record<string, unknown>;
  const c = (doc["compaction"] ?? {}) as Record<string, unknown>;
  const parents = Array.isArray(c["parents"]) ? (c["parents"] as Record<string, unknown>[]) : [];
  return {
    ulid: String(doc["ulid"] ?? ""),
    minTime: num(doc["minTime"]),
    maxTime: num(doc["maxTime"]),
    stats: {
      numSamples: num(st["numSamples"]),
      numSeries: num(st["numSeries"]),
      numChunks: num(st["numChunks"]),
      numTombstones: num(st["numTombstones"]),
    },
    compaction: {
      level: num(c["level"]),
      sources: Array.isArray(c["sources"]) ? (c["sources"] as unknown[]).map(String) : [],
      parents: parents.map((p) => ({ ulid: String(p["ulid"] ?? ""), minTime: num(p["minTime"]), maxTime: num(p["maxTime"]) })),
      deletable: c["deletable"] === true,
      failed: c["failed"] === true,
    },
    version: META_VERSION,
  };
}

/** Reads dir/meta.json. Throws StorageError. */
export function readMeta(dir: string): BlockMeta {
  const file = path.join(dir, META_FILENAME);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new StorageError(`read ${file}`, { cause: e });
  }
  return decodeMeta(text, file);
}

/** Writes dir/meta.json atomically; returns its size in bytes. */
export function writeMeta(dir: string, m: BlockMeta): number {
  const text = encodeMeta(m);
  writeFileAtomic(path.join(dir, META_FILENAME), text);
  return Buffer.byteLength(text);
}
