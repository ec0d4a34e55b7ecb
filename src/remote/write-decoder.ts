import { Labels, MetricName } from "../model/index.ts";
import type { Appender, SeriesRef } from "../storage/index.ts";
import { ProtoDecodeError, WireReader, WireType } from "./wire.ts";

/**
 * Collects the labels of one series as decoded, then validates and sorts
 * them into a Labels, like Prometheus's labels.ScratchBuilder. Reused for
 * every series of a request; only the final Labels is allocated.
 */
export class ScratchLabels {
  #names: string[];
  #values: string[];
  #n: number;
  /** A label name or value was not valid UTF-8. */
  invalidUtf8: boolean;

  constructor() {
    this.#names = [];
    this.#values = [];
    this.#n = 0;
    this.invalidUtf8 = false;
  }

  /** Starts a new series. */
  reset(): void {
    this.#n = 0;
    this.invalidUtf8 = false;
  }

  /** Adds a pair as it arrived. */
  add(name: string, value: string): void {
    this.#names[this.#n] = name;
    this.#values[this.#n] = value;
    this.#n++;
  }

  /**
   * The sorted labels, or a string saying why the series is invalid:
   * "invalid" (no metric name, an empty or non-UTF-8 name or value) or
   * "duplicate:<name>". Labels with empty values are dropped, as our
   * Labels never hold them.
   */
  finish(): Labels | string {
    const n = this.#n;
    if (this.invalidUtf8) return "invalid";
    const names = this.#names;
    const values = this.#values;
    let sorted = true;
    for (let i = 1; i < n; i++) {
      if (names[i - 1]! >= names[i]!) {
        sorted = false;
        break;
      }
    }
    let outN: string[];
    let outV: string[];
    if (sorted) {
      outN = names.slice(0, n);
      outV = values.slice(0, n);
    } else {
      const idx = Array.from({ length: n }, (_, i) => i);
      idx.sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
      outN = idx.map((i) => names[i]!);
      outV = idx.map((i) => values[i]!);
      for (let i = 1; i < n; i++) if (outN[i - 1] === outN[i]) return `duplicate:${outN[i]}`;
    }
    let hasName = false;
    let w = 0;
    for (let i = 0; i < n; i++) {
      const name = outN[i]!;
      if (name === "") return "invalid";
      if (name === MetricName && outV[i] !== "") hasName = true;
      if (outV[i] === "") continue;
      outN[w] = name;
      outV[w] = outV[i]!;
      w++;
    }
    if (!hasName) return "invalid";
    outN.length = w;
    outV.length = w;
    return Labels.fromSortedUnchecked(outN, outV);
  }

  /** The pairs as they arrived, formatted like Prometheus's Labels.String, for error messages of invalid series. */
  toString(): string {
    const parts: string[] = [];
    for (let i = 0; i < this.#n; i++) parts.push(`${this.#names[i]}=${JSON.stringify(this.#values[i])}`);
    return `{${parts.join(", ")}}`;
  }
}

/** Why appender.append returned 0, read from appenders that say so (the TSDB's); a generic rejection otherwise. */
export function rejectReason(app: Appender): string {
  const r = (app as { lastReject?: unknown }).lastReject;
  return typeof r === "string" && r !== "" ? r : "out of order sample";
}

/** Text of the rejection of a sample too far in the future, as Prometheus's timeLimitAppender. */
export const TOO_FAR_IN_FUTURE = "out of bounds: timestamp is too far in the future";

/** Counts of one decoded request. */
export class WriteStats {
  /** Float samples appended. */
  samples = 0;
  /** Native histogram samples received (not stored: the TSDB keeps floats only). */
  histograms = 0;
  /** Exemplars received (not stored: there is no exemplar storage). */
  exemplars = 0;
  /** Samples of series rejected for invalid labels. */
  invalidLabelSamples = 0;
  /** Series with invalid labels, for logging: at most a few. */
  invalidSeries: string[] = [];
  /** Per rejected sample: reason and series (remote write 2.0 keeps going; 1.0 stops at the first). */
  rejects: string[] = [];
}

/** Entries per generation of a LabelsCache. */
const LABELS_CACHE_GENERATION = 100_000;

/**
 * The receiver's cache of series labels: the raw bytes of a TimeSeries'
 * label fields → its Labels. A sender repeats the same series in every
 * request, so a hit spares decoding the label strings and building the
 * Labels, and the storage's lookup by labels is quicker with a Labels
 * whose key was computed (and hashed) before. Two generations of
 * LABELS_CACHE_GENERATION entries: when the current one is full it
 * becomes the old one, and entries hit in the old one move back.
 */
export class LabelsCache {
  #current: Map<string, Labels>;
  #old: Map<string, Labels>;

  constructor() {
    this.#current = new Map();
    this.#old = new Map();
  }

  /** The entry for this key (see appendSeriesV1), or undefined. */
  get(key: string): Labels | undefined {
    const e = this.#current.get(key);
    if (e !== undefined) return e;
    const o = this.#old.get(key);
    if (o !== undefined) this.#put(key, o);
    return o;
  }

  /** Adds an entry. */
  add(key: string, labels: Labels): void {
    this.#put(key, labels);
  }

  /** Entries held (both generations; an entry may be in both). */
  get size(): number {
    return this.#current.size + this.#old.size;
  }

  #put(key: string, e: Labels): void {
    if (this.#current.size >= LABELS_CACHE_GENERATION) {
      this.#old = this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, e);
  }
}

/**
 * Decodes a prometheus.WriteRequest (remote write 1.0) and appends every
 * sample straight into `app` as it is read: no object per sample, labels
 * built once per series (or taken from `cache` when the same label bytes
 * were seen before). Series with invalid labels are
 * skipped and counted. Stops at the first rejected sample and returns its
 * reason (the caller rolls back and answers 400, as upstream); returns
 * null when all samples were appended. Samples with t > maxT are rejected
 * as too far in the future. Throws ProtoDecodeError on a malformed message.
 */
export function appendWriteV1(buf: Buffer, app: Appender, maxT: number, stats: WriteStats, cache: LabelsCache | null = null): string | null {
  const r = new WireReader(buf);
  const scratch = new ScratchLabels();
  while (r.pos < r.end) {
    const key = r.uint32();
    if (key >>> 3 === 1 && (key & 7) === WireType.Bytes) {
      const end = r.delimited();
      const err = appendSeriesV1(r, r.pos, end, app, maxT, scratch, stats, cache);
      if (err !== null) return err;
      r.pos = end;
    } else {
      r.skip(key & 7);
    }
  }
  return null;
}

/** Decodes the label fields (1) of the TimeSeries in [start, end) into scratch. */
function decodeLabelsV1(r: WireReader, start: number, end: number, scratch: ScratchLabels): void {
  scratch.reset();
  r.pos = start;
  while (r.pos < end) {
    const key = r.uint32();
    if (key !== ((1 << 3) | WireType.Bytes)) {
      r.skip(key & 7);
      continue;
    }
    const le = r.delimited();
    let name = "";
    let value = "";
    r.invalidUtf8 = false;
    const saveEnd = r.end;
    r.end = le;
    while (r.pos < le) {
      const k = r.uint32();
      if (k === ((1 << 3) | WireType.Bytes)) name = r.string();
      else if (k === ((2 << 3) | WireType.Bytes)) value = r.string();
      else r.skip(k & 7);
    }
    r.end = saveEnd;
    if (r.invalidUtf8) scratch.invalidUtf8 = true;
    scratch.add(name, value);
  }
}

function appendSeriesV1(
  r: WireReader,
  start: number,
  end: number,
  app: Appender,
  maxT: number,
  scratch: ScratchLabels,
  stats: WriteStats,
  cache: LabelsCache | null,
): string | null {
  // Pass 1: where the labels (field 1) are, and how many samples. Fields
  // may come in any order, so samples are read in a second pass once the
  // series is known.
  r.pos = start;
  const outerEnd = r.end;
  r.end = end;
  let nSamples = 0;
  let spanStart = -1;
  let spanEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const key = r.uint32();
    const field = key >>> 3;
    if (field === 1 && (key & 7) === WireType.Bytes) {
      if (spanStart < 0) spanStart = at;
      else if (spanEnd !== at) contiguous = false;
      r.pos = spanEnd = r.delimited();
    } else if (field === 2 && (key & 7) === WireType.Bytes) {
      r.pos = r.delimited();
      nSamples++;
    } else if (field === 3 && (key & 7) === WireType.Bytes) {
      r.pos = r.delimited();
      stats.exemplars++;
    } else if (field === 4 && (key & 7) === WireType.Bytes) {
      r.pos = r.delimited();
      stats.histograms++;
    } else {
      r.skip(key & 7);
    }
  }
  // The label fields' bytes identify the series when they are contiguous (as every sender writes them).
  const cacheKey = cache !== null && contiguous && spanStart >= 0 ? r.buf.toString("latin1", spanStart, spanEnd) : null;
  let lset = cacheKey === null ? undefined : cache!.get(cacheKey);
  if (lset === undefined) {
    decodeLabelsV1(r, start, end, scratch);
    const decoded = scratch.finish();
    if (typeof decoded === "string") {
      stats.invalidLabelSamples += nSamples;
      if (stats.invalidSeries.length < 10) stats.invalidSeries.push(scratch.toString());
      r.end = outerEnd;
      return null;
    }
    lset = decoded;
    if (cacheKey !== null) cache!.add(cacheKey, lset);
  }
  // Pass 2: samples (field 2), appended as read.
  r.pos = start;
  let ref: SeriesRef = 0;
  while (r.pos < end) {
    const key = r.uint32();
    if (key === ((2 << 3) | WireType.Bytes)) {
      const se = r.delimited();
      let v = 0;
      let t = 0;
      let stale = false;
      while (r.pos < se) {
        const k = r.uint32();
        if (k === ((1 << 3) | WireType.Fixed64)) {
          stale = r.staleAt();
          v = r.double();
        } else if (k === ((2 << 3) | WireType.Varint)) {
          t = r.int64();
        } else {
          r.skip(k & 7);
        }
      }
      if (r.pos !== se) throw new ProtoDecodeError("unexpected EOF");
      if (t > maxT) {
        r.end = outerEnd;
        return TOO_FAR_IN_FUTURE;
      }
      const got = stale ? app.append(ref, lset, t, v, { stale: true }) : app.append(ref, lset, t, v);
      if (got === 0) {
        r.end = outerEnd;
        return rejectReason(app);
      }
      ref = got;
      stats.samples++;
    } else {
      r.skip(key & 7);
    }
  }
  r.end = outerEnd;
  return null;
}

/**
 * Decodes an io.prometheus.write.v2.Request (remote write 2.0) and appends
 * its samples into `app` as read. As upstream's writeV2, a partial write is
 * allowed: series with invalid labels and rejected samples are recorded in
 * `stats.rejects` (texts as upstream's) and the rest is appended; the
 * caller commits and answers 400 when there are rejects. Throws
 * ProtoDecodeError on a malformed message or a symbol reference out of
 * range.
 */
export function appendWriteV2(buf: Buffer, app: Appender, maxT: number, stats: WriteStats): void {
  const r = new WireReader(buf);
  // Pass 1: the symbols table (field 4), wherever it is.
  const symbols: string[] = [];
  while (r.pos < r.end) {
    const key = r.uint32();
    if (key === ((4 << 3) | WireType.Bytes)) symbols.push(r.string());
    else r.skip(key & 7);
  }
  const symbolsInvalid = r.invalidUtf8;
  // Pass 2: time series (field 5).
  r.pos = 0;
  const scratch = new ScratchLabels();
  while (r.pos < r.end) {
    const key = r.uint32();
    if (key === ((5 << 3) | WireType.Bytes)) {
      const end = r.delimited();
      appendSeriesV2(r, r.pos, end, app, maxT, symbols, symbolsInvalid, scratch, stats);
      r.pos = end;
    } else {
      r.skip(key & 7);
    }
  }
}

function symbol(symbols: readonly string[], ref: number): string {
  if (ref >= symbols.length) throw new ProtoDecodeError(`symbol reference ${ref} out of range of ${symbols.length} symbols`);
  return symbols[ref]!;
}

function appendSeriesV2(
  r: WireReader,
  start: number,
  end: number,
  app: Appender,
  maxT: number,
  symbols: readonly string[],
  symbolsInvalid: boolean,
  scratch: ScratchLabels,
  stats: WriteStats,
): void {
  scratch.reset();
  r.pos = start;
  const outerEnd = r.end;
  r.end = end;
  let nSamples = 0;
  let pending = -1;
  const addRef = (ref: number): void => {
    if (pending < 0) {
      pending = ref;
      return;
    }
    scratch.add(symbol(symbols, pending), symbol(symbols, ref));
    pending = -1;
  };
  while (r.pos < end) {
    const key = r.uint32();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === WireType.Bytes) {
      // Packed labels_refs.
      const pe = r.delimited();
      while (r.pos < pe) addRef(r.uint32());
    } else if (field === 1 && wt === WireType.Varint) {
      addRef(r.uint32());
    } else if (field === 2 && wt === WireType.Bytes) {
      r.pos = r.delimited();
      nSamples++;
    } else if (field === 3 && wt === WireType.Bytes) {
      r.pos = r.delimited();
      stats.histograms++;
    } else if (field === 4 && wt === WireType.Bytes) {
      r.pos = r.delimited();
      stats.exemplars++;
    } else {
      r.skip(wt);
    }
  }
  if (pending >= 0) throw new ProtoDecodeError("labels_refs has an odd number of elements");
  // NOTE: matches Prometheus, which checks UTF-8 on the labels; a bad
  // symbol anywhere in the table marks every series invalid only if the
  // series uses it, which the labels' U+FFFD check below approximates.
  if (symbolsInvalid) scratch.invalidUtf8 = hasReplacement(scratch);
  const lset = scratch.finish();
  if (typeof lset === "string") {
    stats.invalidLabelSamples += nSamples;
    const shown = scratch.toString();
    if (lset.startsWith("duplicate:")) {
      stats.rejects.push(`invalid labels for series, labels ${shown}, duplicated label ${lset.slice("duplicate:".length)}`);
    } else {
      stats.rejects.push(`invalid metric name or labels, got ${shown}`);
    }
    r.end = outerEnd;
    return;
  }
  r.pos = start;
  let ref: SeriesRef = 0;
  while (r.pos < end) {
    const key = r.uint32();
    if (key === ((2 << 3) | WireType.Bytes)) {
      const se = r.delimited();
      let v = 0;
      let t = 0;
      let stale = false;
      while (r.pos < se) {
        const k = r.uint32();
        if (k === ((1 << 3) | WireType.Fixed64)) {
          stale = r.staleAt();
          v = r.double();
        } else if (k === ((2 << 3) | WireType.Varint)) {
          t = r.int64();
        } else {
          r.skip(k & 7);
        }
      }
      if (r.pos !== se) throw new ProtoDecodeError("unexpected EOF");
      if (t > maxT) {
        stats.rejects.push(`${TOO_FAR_IN_FUTURE} for series ${lset.toString()}`);
        continue;
      }
      const got = stale ? app.append(ref, lset, t, v, { stale: true }) : app.append(ref, lset, t, v);
      if (got === 0) {
        stats.rejects.push(`${rejectReason(app)} for series ${lset.toString()}`);
        continue;
      }
      ref = got;
      stats.samples++;
    } else {
      r.skip(key & 7);
    }
  }
  r.end = outerEnd;
}

/** Whether the series' labels contain U+FFFD, the trace of an invalid UTF-8 symbol. */
function hasReplacement(scratch: ScratchLabels): boolean {
  return scratch.toString().includes("\uFFFD");
}
