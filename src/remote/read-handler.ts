import { compressSync, uncompressSync } from "snappy";
import { Labels, Matcher, MatchType } from "../model/index.ts";
import type { Queryable, SelectHints } from "../storage/index.ts";
import { ValueType } from "../storage/index.ts";
import { crc32cUpdate, XORChunk } from "../tsdb/index.ts";
import { type Logger, nopLogger } from "../util/index.ts";
import { protoRoot, newWriter } from "./wire.ts";
import { encodeLabelsV1, encodeWriteRequestV1, WireWriter, type SampleBatch } from "./write-encoder.ts";

/** Response types of remote read, as prompb.ReadRequest_ResponseType. */
export const ReadResponseType = {
  Samples: 0,
  StreamedXORChunks: 1,
} as const;
export type ReadResponseType = (typeof ReadResponseType)[keyof typeof ReadResponseType];

/** Content-Type of streamed chunked responses. */
export const STREAMED_CONTENT_TYPE = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";

/** Samples per XOR chunk in streamed responses, as the TSDB's head chunks. */
const SAMPLES_PER_CHUNK = 120;

/** A decoded remote read query. */
export interface ReadQuery {
  startMs: number;
  endMs: number;
  matchers: Matcher[];
  hints: SelectHints | null;
}

/** What to answer: a whole body, or frames streamed one by one. */
export interface ReadHTTPResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | AsyncIterable<Buffer>;
}

/** Options of a ReadHandler. */
export interface ReadHandlerOptions {
  queryable: Queryable;
  /** External labels: added to every series returned, and equality matchers on them are dropped. */
  externalLabels: () => Labels;
  /** --storage.remote.read-sample-limit for SAMPLES responses; 0 = none. */
  sampleLimit?: number;
  /** --storage.remote.read-max-bytes-in-frame; 1 MiB if absent. */
  maxBytesInFrame?: number;
  logger?: Logger;
}

interface DecodedReadRequest {
  queries?: Array<{
    start_timestamp_ms?: number;
    end_timestamp_ms?: number;
    matchers?: Array<{ type?: number; name?: string; value?: string }>;
    hints?: { step_ms?: number; func?: string; start_ms?: number; end_ms?: number; range_ms?: number } | null;
  }>;
  accepted_response_types?: number[];
}

const MATCH_TYPES = [MatchType.Equal, MatchType.NotEqual, MatchType.Regexp, MatchType.NotRegexp] as const;

/**
 * Decodes a snappy-compressed prometheus.ReadRequest. Throws on bad
 * snappy, protobuf or matcher regexes (answered 400).
 */
export function decodeReadRequest(body: Buffer): { queries: ReadQuery[]; accepted: number[] } {
  const plain = uncompressSync(body, { asBuffer: true, copyOutputData: true }) as Buffer;
  const T = protoRoot().lookupType("prometheus.ReadRequest");
  const req = T.toObject(T.decode(plain), { longs: Number, enums: Number, defaults: false }) as DecodedReadRequest;
  const queries = (req.queries ?? []).map((q): ReadQuery => {
    const matchers = (q.matchers ?? []).map((m) => {
      const t = MATCH_TYPES[m.type ?? 0];
      if (t === undefined) throw new Error(`invalid matcher type ${m.type}`);
      return new Matcher(t, m.name ?? "", m.value ?? "");
    });
    const h = q.hints;
    const hints: SelectHints | null =
      h === undefined || h === null
        ? null
        : { start: h.start_ms ?? 0, end: h.end_ms ?? 0, step: h.step_ms ?? 0, range: h.range_ms ?? 0, func: h.func ?? "" };
    return { startMs: q.start_timestamp_ms ?? 0, endMs: q.end_timestamp_ms ?? 0, matchers, hints };
  });
  return { queries, accepted: req.accepted_response_types ?? [] };
}

/**
 * The remote read endpoint (`POST /api/v1/read`), as Prometheus's
 * readHandler: response type negotiated from accepted_response_types in
 * order (SAMPLES when empty): a snappy-compressed ReadResponse, or
 * STREAMED_XOR_CHUNKS frames (uvarint length, big-endian CRC32C, a
 * ChunkedReadResponse per series with XOR chunks of up to 120 samples).
 * External labels are added to the series (the series' own labels win)
 * and equality matchers that the external labels satisfy are dropped.
 */
export class ReadHandler {
  readonly #o: ReadHandlerOptions;
  readonly #log: Logger;

  constructor(o: ReadHandlerOptions) {
    this.#o = o;
    this.#log = o.logger ?? nopLogger;
  }

  /** Handles one request; never throws. */
  async handle(body: Buffer): Promise<ReadHTTPResponse> {
    let req: { queries: ReadQuery[]; accepted: number[] };
    try {
      req = decodeReadRequest(body);
    } catch (e) {
      return textError(400, e instanceof Error ? e.message : String(e));
    }
    const type = negotiate(req.accepted);
    if (type === null) {
      return textError(400, `server does not support any of the requested response types: ${formatTypes(req.accepted)}; supported: [SAMPLES STREAMED_XOR_CHUNKS]`);
    }
    const ext = this.#o.externalLabels();
    for (const q of req.queries) q.matchers = filterExternalMatchers(q.matchers, ext);
    try {
      if (type === ReadResponseType.Samples) return await this.#samples(req.queries, ext);
      return { status: 200, headers: { "content-type": STREAMED_CONTENT_TYPE }, body: this.#streamed(req.queries, ext) };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.#log.error("Error serving remote read", "err", msg);
      return textError(e instanceof SampleLimitError ? 400 : 500, msg);
    }
  }

  async #samples(queries: readonly ReadQuery[], ext: Labels): Promise<ReadHTTPResponse> {
    const limit = this.#o.sampleLimit ?? 5e7;
    let total = 0;
    const out = new WireWriter();
    const results: Buffer[] = [];
    for (const q of queries) {
      const labels: Uint8Array[] = [];
      const series: number[] = [];
      const ts: number[] = [];
      const vs: number[] = [];
      const stale: number[] = [];
      await this.#each(q, ext, (ls, it) => {
        const k = labels.length;
        let n = 0;
        while (it.next() !== ValueType.None) {
          const t = it.atT();
          if (t > q.endMs) break;
          series.push(k);
          ts.push(t);
          vs.push(it.atF());
          stale.push(it.isStale() ? 1 : 0);
          n++;
        }
        total += n;
        if (limit > 0 && total > limit) throw new SampleLimitError(`exceeded sample limit (${limit})`);
        if (n > 0) labels.push(encodeLabelsV1(ls));
      });
      const batch: SampleBatch = {
        length: ts.length,
        series: Int32Array.from(series),
        ts: Float64Array.from(ts),
        vs: Float64Array.from(vs),
        stale: Uint8Array.from(stale),
      };
      // A QueryResult has the WriteRequest's layout: repeated TimeSeries in field 1.
      results.push(Buffer.from(encodeWriteRequestV1(out, batch, labels)));
    }
    const w = new WireWriter();
    for (const r of results) {
      w.uvarint((1 << 3) | 2);
      w.uvarint(r.length);
      w.raw(r);
    }
    const body = compressSync(w.finish(), { copyOutputData: true }) as Buffer;
    return { status: 200, headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" }, body };
  }

  async *#streamed(queries: readonly ReadQuery[], ext: Labels): AsyncGenerator<Buffer> {
    const maxBytes = this.#o.maxBytesInFrame ?? 1024 * 1024;
    const T = protoRoot().lookupType("prometheus.ChunkedReadResponse");
    for (let qi = 0; qi < queries.length; qi++) {
      const q = queries[qi]!;
      const frames: Buffer[] = [];
      await this.#each(q, ext, (ls, it) => {
        const lbls = ls.names.map((name, i) => ({ name, value: ls.values[i]! }));
        let chunks: Array<{ min_time_ms: number; max_time_ms: number; type: number; data: Uint8Array }> = [];
        let size = 0;
        let c = XORChunk.create();
        let app = c.appender();
        let n = 0;
        let mint = 0;
        let maxt = 0;
        const flush = (): void => {
          const frame = T.encode(T.fromObject({ chunked_series: [{ labels: lbls, chunks }], query_index: qi })).finish();
          frames.push(frameOf(frame));
          chunks = [];
          size = 0;
        };
        const cut = (): void => {
          if (n === 0) return;
          const data = c.bytes();
          if (size > 0 && size + data.length > maxBytes) flush();
          chunks.push({ min_time_ms: mint, max_time_ms: maxt, type: 1, data: Uint8Array.from(data) });
          size += data.length;
          c = XORChunk.create();
          app = c.appender();
          n = 0;
        };
        while (it.next() !== ValueType.None) {
          const t = it.atT();
          if (t > q.endMs) break;
          if (n === 0) mint = t;
          app.append(t, it.atF(), it.isStale());
          maxt = t;
          if (++n >= SAMPLES_PER_CHUNK) cut();
        }
        cut();
        if (chunks.length > 0) flush();
      });
      for (const f of frames) yield f;
    }
  }

  /** Selects q's series (sorted) and calls fn with each series' labels (external labels merged) and an iterator positioned before startMs. */
  async #each(q: ReadQuery, ext: Labels, fn: (ls: Labels, it: { next(): number; atT(): number; atF(): number; isStale(): boolean }) => void): Promise<void> {
    const querier = await this.#o.queryable.querier(q.startMs, q.endMs);
    try {
      const ss = await querier.select(true, q.hints, ...q.matchers);
      while (ss.next()) {
        const s = ss.at();
        const it = s.iterator();
        let first = true;
        const positioned = {
          next: (): number => {
            if (first) {
              first = false;
              return it.seek(q.startMs);
            }
            return it.next();
          },
          atT: () => it.atT(),
          atF: () => it.atF(),
          isStale: () => it.isStale(),
        };
        fn(mergeExternal(s.labels, ext), positioned);
      }
      const err = ss.err();
      if (err !== null) throw err;
    } finally {
      querier.close();
    }
  }
}

/** The remote read sample limit was exceeded (answered 400). */
export class SampleLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SampleLimitError";
  }
}

function negotiate(accepted: readonly number[]): ReadResponseType | null {
  if (accepted.length === 0) return ReadResponseType.Samples;
  for (const t of accepted) if (t === ReadResponseType.Samples || t === ReadResponseType.StreamedXORChunks) return t;
  return null;
}

function formatTypes(ts: readonly number[]): string {
  return `[${ts.map((t) => (t === 0 ? "SAMPLES" : t === 1 ? "STREAMED_XOR_CHUNKS" : String(t))).join(" ")}]`;
}

/** As upstream's filterExtLabelsFromMatchers: an equality matcher the external labels satisfy is dropped. */
export function filterExternalMatchers(ms: readonly Matcher[], ext: Labels): Matcher[] {
  return ms.filter((m) => !(m.type === MatchType.Equal && ext.get(m.name) === m.value));
}

/** Series labels plus the external labels they do not have. */
export function mergeExternal(ls: Labels, ext: Labels): Labels {
  if (ext.length === 0) return ls;
  const b = ls.builder();
  ext.forEach((n, v) => {
    if (!ls.has(n)) b.set(n, v);
  });
  return b.labels();
}

/** One streamed frame: uvarint length, big-endian CRC32C of the message, the message. */
export function frameOf(msg: Uint8Array): Buffer {
  const w = newWriter();
  w.uint32(msg.length);
  const len = w.finish();
  const out = Buffer.allocUnsafe(len.length + 4 + msg.length);
  out.set(len, 0);
  out.writeUInt32BE(crc32cUpdate(0, msg, 0, msg.length) >>> 0, len.length);
  out.set(msg, len.length + 4);
  return out;
}

function textError(status: number, text: string): ReadHTTPResponse {
  return { status, headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" }, body: Buffer.from(text + "\n") };
}
