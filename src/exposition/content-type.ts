/**
 * Content negotiation for scrapes, as Prometheus 3 does it: the Accept
 * header sent for a scrape_protocols list (scrape/scrape.go acceptHeader),
 * and the choice of parser from the response's Content-Type with the
 * fallback_scrape_protocol semantics of model/textparse.New.
 */
import { isUtf8 } from "node:buffer";
import { quoteString } from "../model/index.ts";
import { OpenMetricsParser } from "./openmetrics-parser.ts";
import type { Parser } from "./parser.ts";
import { TextParser } from "./text-parser.ts";

/** A scrape protocol as named in scrape_protocols and fallback_scrape_protocol. */
export const ScrapeProtocol = {
  PrometheusProto: "PrometheusProto",
  PrometheusText0_0_4: "PrometheusText0.0.4",
  PrometheusText1_0_0: "PrometheusText1.0.0",
  OpenMetricsText0_0_1: "OpenMetricsText0.0.1",
  OpenMetricsText1_0_0: "OpenMetricsText1.0.0",
} as const;
/** One of the ScrapeProtocol values. */
export type ScrapeProtocol = (typeof ScrapeProtocol)[keyof typeof ScrapeProtocol];

/** The media range Prometheus sends in Accept for each protocol (config.ScrapeProtocolsHeaders). */
export const SCRAPE_PROTOCOL_HEADERS: Readonly<Record<ScrapeProtocol, string>> = {
  PrometheusProto: "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
  "PrometheusText0.0.4": "text/plain;version=0.0.4",
  "PrometheusText1.0.0": "text/plain;version=1.0.0",
  "OpenMetricsText0.0.1": "application/openmetrics-text;version=0.0.1",
  "OpenMetricsText1.0.0": "application/openmetrics-text;version=1.0.0",
};

/** The default scrape_protocols, by priority (config.DefaultScrapeProtocols). */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  ScrapeProtocol.OpenMetricsText1_0_0,
  ScrapeProtocol.OpenMetricsText0_0_1,
  ScrapeProtocol.PrometheusText1_0_0,
  ScrapeProtocol.PrometheusText0_0_4,
];

/** The protobuf-first list used with scrape_native_histograms (config.DefaultProtoFirstScrapeProtocols). */
export const DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [ScrapeProtocol.PrometheusProto, ...DEFAULT_SCRAPE_PROTOCOLS];

/** Whether s names a scrape protocol. */
export function isScrapeProtocol(s: string): s is ScrapeProtocol {
  return Object.hasOwn(SCRAPE_PROTOCOL_HEADERS, s);
}

/** How a target should escape names that are not legacy-valid (the `escaping` Accept parameter). */
export const EscapingScheme = {
  AllowUTF8: "allow-utf-8",
  Underscores: "underscores",
  Dots: "dots",
  Values: "values",
} as const;
/** One of the EscapingScheme values. */
export type EscapingScheme = (typeof EscapingScheme)[keyof typeof EscapingScheme];

/**
 * The Accept header Prometheus sends for protocols (in priority order):
 * each media range with `q=0.<w>` counting down from 6, `escaping=<scheme>`
 * added to the 1.0.0 text formats, and `*` `/*` last. The default list
 * gives `application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,`
 * `application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,`
 * `text/plain;version=0.0.4;q=0.3,*` `/*;q=0.2`.
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[], escaping: EscapingScheme = EscapingScheme.AllowUTF8): string {
  const vals: string[] = [];
  let weight = Object.keys(SCRAPE_PROTOCOL_HEADERS).length + 1;
  for (const p of protocols) {
    let v = SCRAPE_PROTOCOL_HEADERS[p];
    // NOTE: matches Prometheus, which only offers an escaping scheme to the
    // formats that can carry UTF-8 names.
    if (p === ScrapeProtocol.PrometheusText1_0_0 || p === ScrapeProtocol.OpenMetricsText1_0_0) v += `;escaping=${escaping}`;
    vals.push(`${v};q=0.${weight}`);
    weight--;
  }
  vals.push(`*/*;q=0.${weight}`);
  return vals.join(",");
}

/** Why a Content-Type could not be parsed; the message is Go's mime package's. */
export class MediaTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MediaTypeError";
  }
}

// RFC 1521 tspecials plus space and controls are not token characters.
function isTokenChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && '()<>@,;:\\"/[]?='.indexOf(String.fromCharCode(c)) < 0;
}

function consumeToken(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  return i;
}

/**
 * Go's mime.ParseMediaType: the lowercased media type and its parameters
 * (names lowercased). A bare type without subtype is accepted, as in Go.
 * Throws MediaTypeError with Go's messages.
 */
export function parseMediaType(v: string): { mediaType: string; params: Map<string, string> } {
  const semi = v.indexOf(";");
  const base = (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
  let i = consumeToken(base, 0);
  if (i === 0) throw new MediaTypeError("mime: no media type");
  if (i < base.length) {
    if (base[i] !== "/") throw new MediaTypeError("mime: expected slash after first token");
    const j = consumeToken(base, i + 1);
    if (j === i + 1) throw new MediaTypeError("mime: expected token after slash");
    if (j !== base.length) throw new MediaTypeError("mime: unexpected content after media subtype");
  }
  const params = new Map<string, string>();
  if (semi < 0) return { mediaType: base, params };
  let rest = v.slice(semi);
  while (rest.length > 0) {
    i = skipSpace(rest, 0);
    if (i === rest.length) break;
    const start = i;
    if (rest[i] !== ";") throw new MediaTypeError("mime: invalid media parameter");
    i = skipSpace(rest, i + 1);
    const keyEnd = consumeToken(rest, i);
    if (keyEnd === i) {
      // Go ignores a trailing semicolon.
      if (rest.slice(start).trim() === ";") break;
      throw new MediaTypeError("mime: invalid media parameter");
    }
    const key = rest.slice(i, keyEnd).toLowerCase();
    i = skipSpace(rest, keyEnd);
    if (rest[i] !== "=") throw new MediaTypeError("mime: invalid media parameter");
    i = skipSpace(rest, i + 1);
    let value: string;
    if (rest[i] === '"') {
      let out = "";
      let k = i + 1;
      for (; k < rest.length && rest[k] !== '"'; k++) {
        if (rest[k] === "\\" && k + 1 < rest.length) k++;
        out += rest[k];
      }
      if (k >= rest.length) throw new MediaTypeError("mime: invalid media parameter");
      value = out;
      i = k + 1;
    } else {
      const end = consumeToken(rest, i);
      if (end === i) throw new MediaTypeError("mime: invalid media parameter");
      value = rest.slice(i, end);
      i = end;
    }
    if (params.has(key)) throw new MediaTypeError("mime: duplicate parameter name");
    params.set(key, value);
    rest = rest.slice(i);
  }
  return { mediaType: base, params };
}

/** The media type of a protocol's Accept entry, e.g. "text/plain" (a fallback_scrape_protocol's meaning). */
export function protocolMediaType(p: ScrapeProtocol): string {
  return parseMediaType(SCRAPE_PROTOCOL_HEADERS[p]).mediaType;
}

/**
 * Why the parser for a scrape body was chosen the way it was: a missing,
 * unparseable or unsupported Content-Type. With a parser it is a warning
 * (the fallback was used), without one the scrape fails with it.
 */
export class ContentTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContentTypeError";
  }
}

/**
 * The media type to parse a body as, from its Content-Type and the
 * fallback media type ("" for none), as Prometheus's extractMediaType:
 * `mediaType` is null when the scrape must fail; `error` explains a
 * fallback or a failure. Messages are Prometheus's (errors.Join'd lines).
 */
export function extractMediaType(contentType: string, fallbackMediaType: string): { mediaType: string | null; error: ContentTypeError | null } {
  if (contentType === "") {
    if (fallbackMediaType === "") {
      return { mediaType: null, error: new ContentTypeError("non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target") };
    }
    return {
      mediaType: fallbackMediaType,
      error: new ContentTypeError(`non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol ${quoteString(fallbackMediaType)}`),
    };
  }
  let mediaType: string;
  try {
    mediaType = parseMediaType(contentType).mediaType;
  } catch (e) {
    if (!(e instanceof MediaTypeError)) throw e;
    if (fallbackMediaType === "") {
      return { mediaType: null, error: new ContentTypeError(`cannot parse Content-Type ${quoteString(contentType)} and no fallback_scrape_protocol for target\n${e.message}`) };
    }
    return {
      mediaType: fallbackMediaType,
      error: new ContentTypeError(`could not parse received Content-Type ${quoteString(contentType)}, using fallback_scrape_protocol ${quoteString(fallbackMediaType)}\n${e.message}`),
    };
  }
  switch (mediaType) {
    case "application/openmetrics-text":
    case "application/vnd.google.protobuf":
    case "text/plain":
      return { mediaType, error: null };
  }
  if (fallbackMediaType === "") {
    return { mediaType: null, error: new ContentTypeError(`received unsupported Content-Type ${quoteString(contentType)} and no fallback_scrape_protocol specified for target`) };
  }
  return {
    mediaType: fallbackMediaType,
    error: new ContentTypeError(`received unsupported Content-Type ${quoteString(contentType)}, using fallback_scrape_protocol ${quoteString(fallbackMediaType)}`),
  };
}

/** Options of parserFor. */
export interface ParserForOptions {
  /** The fallback_scrape_protocol's media type (see protocolMediaType), "" or absent for none. */
  fallbackMediaType?: string;
  /** OpenMetrics: do not return `_created` series (created-timestamp zero ingestion). */
  skipOpenMetricsCreatedSeries?: boolean;
}

/**
 * Chooses and creates the parser for a scrape body from its Content-Type
 * header, as Prometheus's textparse.New: text/plain (0.0.4 and 1.0.0) gets
 * the text parser, application/openmetrics-text (0.0.1 and 1.0.0) the
 * OpenMetrics parser; a blank, unparseable or unknown Content-Type uses the
 * fallback media type with a warning, or fails without one. A null parser
 * means the scrape fails with `error`; a parser with an error is a warning.
 * The protobuf format has no parser here and fails.
 */
export function parserFor(body: string, contentType: string, opts: ParserForOptions = {}): { parser: Parser | null; error: ContentTypeError | null } {
  const { mediaType, error } = extractMediaType(contentType, opts.fallbackMediaType ?? "");
  if (mediaType === null) return { parser: null, error };
  const parser = parserForMediaType(body, mediaType, opts);
  return parser instanceof ContentTypeError ? { parser: null, error: parser } : { parser, error };
}

/**
 * The parser for a body of mediaType, a media type extractMediaType
 * returned (for a caller that keeps it between bodies); the protobuf
 * format has none here: its error. The two text formats always have one.
 */
export function parserForMediaType(body: string, mediaType: "text/plain" | "application/openmetrics-text", opts?: ParserForOptions): Parser;
export function parserForMediaType(body: string, mediaType: string, opts?: ParserForOptions): Parser | ContentTypeError;
export function parserForMediaType(body: string, mediaType: string, opts: ParserForOptions = {}): Parser | ContentTypeError {
  switch (mediaType) {
    case "text/plain":
      return new TextParser(body);
    case "application/openmetrics-text":
      return new OpenMetricsParser(body, { skipCreatedSeries: opts.skipOpenMetricsCreatedSeries ?? false });
    case "application/vnd.google.protobuf":
      return new ContentTypeError("the protobuf exposition format (application/vnd.google.protobuf) is not supported; remove PrometheusProto from scrape_protocols");
  }
  throw new Error(`BUG: ${mediaType} is not a media type extractMediaType returns`);
}

/**
 * Decodes a scrape body from UTF-8. Valid input takes Node's native decoder;
 * otherwise each byte of an invalid sequence becomes a lone surrogate
 * U+DC80..U+DCFF (the codebase's convention), so the parsers report invalid
 * label values and Go's `%q` prints the byte as `\xNN`.
 */
export function decodeExposition(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  let out = "";
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const c = bytes[i]!;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    let min = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
      min = 0x10000;
    }
    let ok = need > 0;
    for (let k = 1; ok && k <= need; k++) {
      const d = bytes[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (d & 0x3f);
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (!ok) {
      out += String.fromCharCode(0xdc00 + c);
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}
