/**
 * Small readers for sysfs attribute files shared by the sysfs-based
 * collectors: optional reads that treat "not there", "not permitted" and
 * "not supported" (EINVAL, EOPNOTSUPP, ENODATA: attributes the driver
 * cannot answer right now) as absent, like procfs's sysfs package.
 */
import { readdirSync, statSync } from "node:fs";
import { isNotExist, readText } from "./collector.ts";

const ABSENT_CODES = new Set(["ENOENT", "EACCES", "EPERM", "EINVAL", "EOPNOTSUPP", "ENOTSUP", "ENODATA", "EAGAIN", "EIO", "ENXIO", "ENODEV"]);

/** True for a read error that means "this attribute has no value here". */
export function isAbsent(e: unknown): boolean {
  return e instanceof Error && ABSENT_CODES.has((e as NodeJS.ErrnoException).code ?? "");
}

/** Reads an attribute trimmed of surrounding whitespace; null when absent. Other errors reject. */
export async function readAttr(p: string): Promise<string | null> {
  try {
    return (await readText(p)).trim();
  } catch (e) {
    if (isAbsent(e)) return null;
    throw e;
  }
}

/** Go's strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64): decimal, 0x hex, 0o/0 octal, 0b binary. NaN when invalid. */
export function parseGoInt(s: string): number {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[1-9][0-9_]*|0)$/.exec(s);
  if (m === null) return NaN;
  let body = m[2]!.replaceAll("_", "");
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[bB]/.test(body)) v = parseInt(body.slice(2), 2);
  else if (/^0[oO]/.test(body)) v = parseInt(body.slice(2), 8);
  else if (body.length > 1 && body.startsWith("0")) v = parseInt((body = body.slice(1)), 8);
  else v = parseInt(body, 10);
  return m[1] === "-" ? -v : v;
}

/** Reads an attribute as a Go-style integer; null when absent or not a number. */
export async function readIntAttr(p: string): Promise<number | null> {
  const s = await readAttr(p);
  if (s === null) return null;
  const v = parseGoInt(s);
  return Number.isNaN(v) ? null : v;
}

/** Reads an attribute as a decimal float; null when absent or not a number. */
export async function readFloatAttr(p: string): Promise<number | null> {
  const s = await readAttr(p);
  if (s === null || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

/** Names in a directory, sorted; [] when the directory does not exist. Synchronous inside, as readText. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    if (isNotExist(e)) return [];
    throw e;
  }
}

/** True when p is a directory (following symlinks). Synchronous inside, as readText. */
export async function isDir(p: string): Promise<boolean> {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

/** The largest uint64; sysfs counters at this value are often "not implemented". */
export const MAX_UINT64 = (1n << 64n) - 1n;

/** Parses a sysfs counter like Go's strconv.ParseUint(s, 0, 64); throws when invalid. */
export function parseUint64(s: string): bigint {
  if (!/^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[0-7]*|[1-9]\d*)$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const v = /^0[0-7]+$/.test(s) ? BigInt(`0o${s.slice(1)}`) : BigInt(s);
  if (v > MAX_UINT64) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return v;
}
