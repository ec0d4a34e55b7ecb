/**
 * A scrape body parsed into columns, so that parsing can run on a worker
 * thread and the result cross back without an object or a string per
 * sample:
 *
 *   entry i:  kinds[i]        Series | Type | Help | Unit   (comments dropped)
 *             values[i]       Series: the sample value
 *             timestamps[i]   Series: the timestamp in ms, NaN for none
 *             from[i], to[i]  Series: the raw `name{labels}` text is text[from:to]
 *   text:     the text the parser read (one string, cloned once per body)
 *   meta:     a metadata entry's two strings (family name, then the type,
 *             help or unit text), in entry order
 *   error:    the parse error that ended the body early, or null
 *
 * ColumnsParser replays the columns through the subset of the pull
 * parser's interface the scrape loop uses (EntrySource), so the loop's
 * append path is the same for both; its series text is a range of `text`
 * too, so the scrape cache looks it up without slicing.
 */
import { Entry, ExpositionParseError, MetadataType, decodeExposition, parserForMediaType } from "../exposition/index.ts";
import type { Parser } from "../exposition/index.ts";
import type { Labels, LabelsBuilder } from "../model/index.ts";

/** The media types parsed into columns: the text format and OpenMetrics. */
export const ColumnsMediaType = {
  Text: "text/plain",
  OpenMetrics: "application/openmetrics-text",
} as const;
/** One of the ColumnsMediaType values. */
export type ColumnsMediaType = (typeof ColumnsMediaType)[keyof typeof ColumnsMediaType];

/** Whether mediaType (as extractMediaType returns it) can be parsed into columns. */
export function isColumnsMediaType(mediaType: string | null): mediaType is ColumnsMediaType {
  return mediaType === ColumnsMediaType.Text || mediaType === ColumnsMediaType.OpenMetrics;
}

/** The entries of the pull parser the scrape loop reads: Parser without exemplars, comments and created timestamps. */
export type EntrySource = Pick<
  Parser,
  "next" | "series" | "seriesSource" | "seriesFrom" | "seriesTo" | "expect" | "expectedMatched" | "value" | "timestamp" | "labels" | "familyName" | "type" | "help" | "unit"
>;

/** Entry kinds as stored in ParsedColumns.kinds. */
const Kind = { Series: 0, Type: 1, Help: 2, Unit: 3 } as const;
const KIND_ENTRY: readonly Entry[] = [Entry.Series, Entry.Type, Entry.Help, Entry.Unit];

/** The error that ended a parse, as plain data (it crosses threads). offset, line and column are -1 unless name is ExpositionParseError. */
export interface ParseErrorInfo {
  name: string;
  message: string;
  offset: number;
  line: number;
  column: number;
}

/**
 * A parsed body (see the file comment for the layout). The typed arrays
 * may be longer than n (they grow by doubling); only the first n entries
 * are meaningful. Plain data: structured-clonable, with its array buffers
 * transferable (transferList).
 */
export interface ParsedColumns {
  mediaType: ColumnsMediaType;
  n: number;
  kinds: Uint8Array;
  values: Float64Array;
  timestamps: Float64Array;
  from: Uint32Array;
  to: Uint32Array;
  text: string;
  meta: string[];
  error: ParseErrorInfo | null;
}

/** The buffers of c, for postMessage's transfer list (c's arrays are detached after the post). */
export function transferList(c: ParsedColumns): ArrayBuffer[] {
  return [c.kinds.buffer as ArrayBuffer, c.values.buffer as ArrayBuffer, c.timestamps.buffer as ArrayBuffer, c.from.buffer as ArrayBuffer, c.to.buffer as ArrayBuffer];
}

function grow<T extends Uint8Array | Float64Array | Uint32Array>(a: T, make: (n: number) => T): T {
  const b = make(a.length * 2);
  b.set(a);
  return b;
}

/** Entries a columns buffer starts with; a 64 KiB body has about a thousand. */
const INITIAL_ENTRIES = 1024;

function errorInfo(e: unknown): ParseErrorInfo {
  if (e instanceof ExpositionParseError) return { name: e.name, message: e.message, offset: e.offset, line: e.line, column: e.column };
  if (e instanceof Error) return { name: e.name, message: e.message, offset: -1, line: -1, column: -1 };
  return { name: "Error", message: String(e), offset: -1, line: -1, column: -1 };
}

/**
 * Decodes and parses body (UTF-8; invalid bytes as decodeExposition
 * treats them) with the parser for mediaType, into columns. Never throws
 * for a malformed body: the parse error is in `error`, after the entries
 * read before it.
 */
export function parseToColumns(body: Uint8Array, mediaType: ColumnsMediaType): ParsedColumns {
  const p = parserForMediaType(decodeExposition(body), mediaType);
  let kinds = new Uint8Array(INITIAL_ENTRIES);
  let values = new Float64Array(INITIAL_ENTRIES);
  let timestamps = new Float64Array(INITIAL_ENTRIES);
  let from = new Uint32Array(INITIAL_ENTRIES);
  let to = new Uint32Array(INITIAL_ENTRIES);
  const meta: string[] = [];
  let text = "";
  let n = 0;
  let error: ParseErrorInfo | null = null;
  for (;;) {
    let e: Entry;
    try {
      e = p.next();
    } catch (err) {
      error = errorInfo(err);
      break;
    }
    if (e === Entry.EOF) break;
    if (e === Entry.Comment) continue;
    if (n === kinds.length) {
      kinds = grow(kinds, (k) => new Uint8Array(k));
      values = grow(values, (k) => new Float64Array(k));
      timestamps = grow(timestamps, (k) => new Float64Array(k));
      from = grow(from, (k) => new Uint32Array(k));
      to = grow(to, (k) => new Uint32Array(k));
    }
    switch (e) {
      case Entry.Series: {
        kinds[n] = Kind.Series;
        values[n] = p.value();
        timestamps[n] = p.timestamp() ?? Number.NaN;
        text = p.seriesSource();
        from[n] = p.seriesFrom();
        to[n] = p.seriesTo();
        break;
      }
      case Entry.Type:
        kinds[n] = Kind.Type;
        meta.push(p.familyName(), p.type());
        break;
      case Entry.Help:
        kinds[n] = Kind.Help;
        meta.push(p.familyName(), p.help());
        break;
      case Entry.Unit:
        kinds[n] = Kind.Unit;
        meta.push(p.familyName(), p.unit());
        break;
    }
    n++;
  }
  return { mediaType, n, kinds, values, timestamps, from, to, text, meta, error };
}

/** The error a ParseErrorInfo describes, as the parser threw it. */
export function errorFromInfo(info: ParseErrorInfo): Error {
  if (info.name === "ExpositionParseError") return new ExpositionParseError(info.message, info.offset, info.line, info.column);
  const e = new Error(info.message);
  e.name = info.name;
  return e;
}

/**
 * Replays ParsedColumns as the pull parser would have returned them: the
 * same entries in the same order, then the parse error (thrown by next())
 * or EOF. labels() parses the series text again, with the parser of the
 * body's format and the family type in force at that entry (it decides
 * the normalisation of `le` and `quantile`), so the labels are exactly the
 * pull parser's; the scrape cache makes that rare (new series only).
 */
export class ColumnsParser implements EntrySource {
  readonly #c: ParsedColumns;
  /** Current entry, -1 before the first. */
  #i: number;
  /** Next string of meta. */
  #m: number;
  #family: string;
  #text: string;
  #mtype: MetadataType;
  #done: boolean;

  constructor(c: ParsedColumns) {
    this.#c = c;
    this.#i = -1;
    this.#m = 0;
    this.#family = "";
    this.#text = "";
    this.#mtype = MetadataType.Unknown;
    this.#done = false;
  }

  /** The next entry; throws the body's parse error after the last entry read before it. */
  next(): Entry {
    const c = this.#c;
    if (this.#done) return Entry.EOF;
    if (++this.#i >= c.n) {
      this.#done = true;
      if (c.error !== null) throw errorFromInfo(c.error);
      return Entry.EOF;
    }
    const kind = c.kinds[this.#i]!;
    if (kind !== Kind.Series) {
      this.#family = c.meta[this.#m++]!;
      this.#text = c.meta[this.#m++]!;
      if (kind === Kind.Type) this.#mtype = this.#text as MetadataType;
    }
    return KIND_ENTRY[kind]!;
  }

  series(): string {
    return this.#c.text.slice(this.#c.from[this.#i]!, this.#c.to[this.#i]!);
  }

  seriesSource(): string {
    return this.#c.text;
  }

  seriesFrom(): number {
    return this.#c.from[this.#i]!;
  }

  seriesTo(): number {
    return this.#c.to[this.#i]!;
  }

  /** Takes no guess: the columns hold every line parsed already. */
  expect(_series: string): void {}

  expectedMatched(): boolean {
    return false;
  }

  value(): number {
    return this.#c.values[this.#i]!;
  }

  timestamp(): number | null {
    const t = this.#c.timestamps[this.#i]!;
    return Number.isNaN(t) ? null : t;
  }

  labels(b: LabelsBuilder): Labels {
    // The series text alone, after a TYPE line restoring the type in force; " 0" completes the sample line.
    const typeLine = this.#mtype === MetadataType.Unknown ? "" : `# TYPE x ${this.#mtype}\n`;
    const series = this.series();
    const line = `${typeLine}${series} 0\n`;
    const p = parserForMediaType(line, this.#c.mediaType);
    for (let e = p.next(); e !== Entry.Series; e = p.next()) {
      if (e === Entry.EOF) throw new Error(`BUG: series text ${JSON.stringify(series)} did not parse again`);
    }
    return p.labels(b);
  }

  familyName(): string {
    return this.#family;
  }

  type(): MetadataType {
    return this.#mtype;
  }

  help(): string {
    return this.#text;
  }

  unit(): string {
    return this.#text;
  }
}
