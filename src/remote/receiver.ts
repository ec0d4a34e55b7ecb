import { uncompressSync } from "snappy";
import { CounterVec, type Registry } from "../exposition/index.ts";
import type { Appendable } from "../storage/index.ts";
import { type Logger, nopLogger } from "../util/index.ts";
import { appendWriteV1, appendWriteV2, LabelsCache, WriteStats } from "./write-decoder.ts";
import { ProtoDecodeError } from "./wire.ts";

/** The remote write protobuf messages, as Prometheus's config.RemoteWriteProtoMsg. */
export const RemoteWriteProtoMsg = {
  V1: "prometheus.WriteRequest",
  V2: "io.prometheus.write.v2.Request",
} as const;
export type RemoteWriteProtoMsg = (typeof RemoteWriteProtoMsg)[keyof typeof RemoteWriteProtoMsg];

/** The media type of remote write bodies. */
export const PROTOBUF_CONTENT_TYPE = "application/x-protobuf";

/** Response headers of remote write 2.0 telling the sender what was written. */
export const WrittenHeader = {
  Samples: "X-Prometheus-Remote-Write-Samples-Written",
  Histograms: "X-Prometheus-Remote-Write-Histograms-Written",
  Exemplars: "X-Prometheus-Remote-Write-Exemplars-Written",
} as const;

/** How far in the future a sample may be, as Prometheus's maxAheadTime (10m). */
const MAX_AHEAD_MS = 10 * 60 * 1000;

/** A remote write request, independent of the HTTP framework. */
export interface WriteHTTPRequest {
  /** Content-Type header ("" when absent). */
  contentType: string;
  /** Content-Encoding header ("" when absent). */
  contentEncoding: string;
  /** The raw (compressed) body. */
  body: Buffer;
}

/** What to answer: status, headers, and a plain-text body ("" for none). */
export interface WriteHTTPResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Options of a WriteHandler. */
export interface WriteHandlerOptions {
  appendable: Appendable;
  logger?: Logger;
  /** Where prometheus_api_remote_write_* counters are registered; none if absent. */
  registry?: Registry;
  /** Messages accepted; both if absent (Prometheus 3's default). */
  acceptedMessages?: readonly RemoteWriteProtoMsg[];
  /** Current time in ms (for the 10-minute future limit). */
  now?: () => number;
}

/**
 * The remote write receiver behind `POST /api/v1/write`, as Prometheus's
 * writeHandler: content negotiation by Content-Type (`proto=` parameter,
 * 415 for unknown or unaccepted messages and for encodings other than
 * snappy), snappy block decompression and protobuf decoding (400 with the
 * decoder's error), then:
 *
 * - 1.0: every sample is appended; the first rejected one (out of order,
 *   duplicate, out of bounds, too far in the future) rolls the whole
 *   request back and answers 400 with the reason, so the sender does not
 *   retry; success is 204.
 * - 2.0: partial writes: rejected samples and invalid series are reported
 *   in a 400 after the rest was committed; the X-Prometheus-Remote-Write-
 *   *-Written headers are always set.
 *
 * Series without a metric name or with invalid labels are skipped and
 * counted (1.0) or reported (2.0). Native histograms and exemplars are
 * counted but not stored (the TSDB keeps float samples only). The labels
 * of 1.0 series are cached by their bytes (LabelsCache), as senders repeat
 * the same series request after request.
 */
export class WriteHandler {
  readonly #appendable: Appendable;
  readonly #log: Logger;
  readonly #accepted: readonly RemoteWriteProtoMsg[];
  readonly #now: () => number;
  readonly #invalidLabels: CounterVec;
  readonly #withoutMetadata: CounterVec;
  readonly #labelsCache: LabelsCache;

  constructor(o: WriteHandlerOptions) {
    this.#appendable = o.appendable;
    this.#log = o.logger ?? nopLogger;
    this.#accepted = o.acceptedMessages ?? [RemoteWriteProtoMsg.V1, RemoteWriteProtoMsg.V2];
    this.#now = o.now ?? Date.now;
    this.#labelsCache = new LabelsCache();
    this.#invalidLabels = new CounterVec(
      "prometheus_api_remote_write_invalid_labels_samples_total",
      "The total number of received remote write samples and histogram samples which were rejected due to invalid labels.",
    );
    this.#withoutMetadata = new CounterVec(
      "prometheus_api_remote_write_without_metadata_appended_samples_total",
      "The total number of received remote write samples (and histogram samples) which were ingested without corresponding metadata.",
    );
    if (o.registry !== undefined) for (const c of [this.#invalidLabels, this.#withoutMetadata]) o.registry.register(c);
  }

  /** Handles one request; never throws (storage failures answer 500). */
  async handle(req: WriteHTTPRequest): Promise<WriteHTTPResponse> {
    const contentType = req.contentType === "" ? PROTOBUF_CONTENT_TYPE : req.contentType;
    const msg = parseProtoMsg(contentType);
    if (msg instanceof Error) {
      this.#log.error("Error decoding remote write request", "err", msg.message);
      return httpError(415, msg.message);
    }
    if (!this.#accepted.includes(msg)) {
      const text = `${msg} protobuf message is not accepted by this server; accepted [${this.#accepted.join(" ")}]`;
      this.#log.error("Error decoding remote write request", "err", text);
      return httpError(415, text);
    }
    const enc = req.contentEncoding;
    if (enc !== "" && enc.toLowerCase() !== "snappy") {
      const text = `${enc} encoding (compression) is not accepted by this server; only snappy is acceptable`;
      this.#log.error("Error decoding remote write request", "err", text);
      return httpError(415, text);
    }
    let plain: Buffer;
    try {
      plain = uncompressSync(req.body, { asBuffer: true, copyOutputData: true }) as Buffer;
    } catch (e) {
      const text = snappyErrorText(e);
      this.#log.error("Error decompressing remote write request", "err", text);
      return httpError(400, text);
    }
    return msg === RemoteWriteProtoMsg.V1 ? this.#writeV1(plain) : this.#writeV2(plain);
  }

  async #writeV1(buf: Buffer): Promise<WriteHTTPResponse> {
    const app = this.#appendable.appender();
    const stats = new WriteStats();
    let reject: string | null;
    try {
      reject = appendWriteV1(buf, app, this.#now() + MAX_AHEAD_MS, stats, this.#labelsCache);
    } catch (e) {
      app.rollback();
      if (e instanceof ProtoDecodeError) {
        this.#log.error("Error decoding v1 remote write request", "protobuf_message", RemoteWriteProtoMsg.V1, "err", e.message);
        return httpError(400, e.message);
      }
      return this.#internal(e);
    }
    for (const s of stats.invalidSeries) this.#log.warn("Invalid metric names or labels", "got", s);
    if (stats.invalidLabelSamples > 0) this.#invalidLabels.with().inc(stats.invalidLabelSamples);
    if (reject !== null) {
      // NOTE: matches Prometheus: an out-of-order or out-of-bounds sample is
      // a bad request (so the sender does not retry) and nothing is written.
      app.rollback();
      this.#log.error("Out of order sample from remote write", "err", reject);
      return httpError(400, reject);
    }
    try {
      await app.commit();
    } catch (e) {
      return this.#internal(e);
    }
    this.#withoutMetadata.with().inc(stats.samples);
    return { status: 204, headers: {}, body: "" };
  }

  async #writeV2(buf: Buffer): Promise<WriteHTTPResponse> {
    const app = this.#appendable.appender();
    const stats = new WriteStats();
    try {
      appendWriteV2(buf, app, this.#now() + MAX_AHEAD_MS, stats);
    } catch (e) {
      app.rollback();
      if (e instanceof ProtoDecodeError) {
        this.#log.error("Error decoding v2 remote write request", "protobuf_message", RemoteWriteProtoMsg.V2, "err", e.message);
        return httpError(400, e.message);
      }
      return this.#internal(e, writtenHeaders(new WriteStats()));
    }
    try {
      await app.commit();
    } catch (e) {
      return this.#internal(e, writtenHeaders(new WriteStats()));
    }
    if (stats.invalidLabelSamples > 0) this.#invalidLabels.with().inc(stats.invalidLabelSamples);
    const headers = writtenHeaders(stats);
    if (stats.rejects.length > 0) {
      for (const r of stats.rejects.slice(0, 10)) this.#log.error("Out of order sample from remote write", "err", r);
      // NOTE: matches Prometheus, which joins the errors with errors.Join.
      return { ...httpError(400, stats.rejects.join("\n")), headers: { ...headers, ...textHeaders() } };
    }
    return { status: 204, headers, body: "" };
  }

  #internal(e: unknown, headers: Record<string, string> = {}): WriteHTTPResponse {
    const text = e instanceof Error ? e.message : String(e);
    this.#log.error("Error while remote writing the request", "err", text);
    const r = httpError(500, text);
    return { ...r, headers: { ...r.headers, ...headers } };
  }
}

/**
 * The message of a Content-Type, as Prometheus's parseProtoMsg: the media
 * type must be exactly application/x-protobuf; a `proto=` parameter names
 * the message (1.0 when absent). Returns an Error for a 415.
 */
export function parseProtoMsg(contentType: string): RemoteWriteProtoMsg | Error {
  const ct = contentType.trim();
  const parts = ct.split(";");
  if (parts[0] !== PROTOBUF_CONTENT_TYPE) {
    return new Error(`expected ${PROTOBUF_CONTENT_TYPE} as the first (media) part, got ${ct} content-type`);
  }
  for (const p of parts.slice(1)) {
    const pair = p.split("=");
    if (pair.length !== 2) {
      return new Error(`as per https://www.rfc-editor.org/rfc/rfc9110#parameter expected parameters to be key-values, got ${p} in ${ct} content-type`);
    }
    // NOTE: matches Prometheus, which does not trim parameter names: "; proto=" is ignored.
    if (pair[0] === "proto") {
      const m = pair[1]!;
      if (m !== RemoteWriteProtoMsg.V1 && m !== RemoteWriteProtoMsg.V2) {
        return new Error(
          `got ${ct} content type; unknown remote write protobuf message ${m}, supported: ${RemoteWriteProtoMsg.V1}, ${RemoteWriteProtoMsg.V2}`,
        );
      }
      return m;
    }
  }
  return RemoteWriteProtoMsg.V1;
}

function snappyErrorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // NOTE: matches Go's snappy package, whose error is exactly "snappy: corrupt input".
  if (/corrupt/i.test(msg)) return "snappy: corrupt input";
  return msg.startsWith("snappy") ? msg : `snappy: ${msg}`;
}

function textHeaders(): Record<string, string> {
  return { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };
}

/** Go's http.Error: the text plus a newline, as plain text. */
function httpError(status: number, text: string): WriteHTTPResponse {
  return { status, headers: textHeaders(), body: text + "\n" };
}

function writtenHeaders(s: WriteStats): Record<string, string> {
  return {
    [WrittenHeader.Samples]: String(s.samples),
    // Histograms and exemplars are not stored, so none are reported as written.
    [WrittenHeader.Histograms]: "0",
    [WrittenHeader.Exemplars]: "0",
  };
}
