/**
 * The exposition formats: the text format 0.0.4 writer and the small
 * collector/registry interface for families a component writes itself.
 */
export { MetricType, newDesc, FamilyBuilder, Registry, GatherError } from "./registry.ts";
export type { Desc, Emit, Collector, Metric, MetricFamily, MetricValue, SummaryValue, HistogramValue, GatherResult } from "./registry.ts";
export { TEXT_CONTENT_TYPE, escapeHelp, escapeLabelValue, writeFamily, writeText } from "./writer.ts";
export { Entry, MetadataType, ExpositionParseError, isSeriesPartOfFamily } from "./parser.ts";
export type { Parser, Exemplar } from "./parser.ts";
export { TextParser } from "./text-parser.ts";
export { OpenMetricsParser } from "./openmetrics-parser.ts";
export type { OpenMetricsParserOptions } from "./openmetrics-parser.ts";
export { NumberSyntaxError, parseGoFloat, formatOpenMetricsFloat } from "./parse-float.ts";
export { ScrapeProtocol, SCRAPE_PROTOCOL_HEADERS, DEFAULT_SCRAPE_PROTOCOLS, DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS, isScrapeProtocol } from "./content-type.ts";
export { EscapingScheme, acceptHeader, MediaTypeError, parseMediaType, protocolMediaType, ContentTypeError, extractMediaType, parserFor, parserForMediaType, decodeExposition } from "./content-type.ts";
export type { ParserForOptions } from "./content-type.ts";
export { CounterChild, CounterVec, DEFAULT_BUCKETS, GaugeChild, GaugeFunc, GaugeVec, HistogramChild, HistogramVec, SummaryChild, SummaryVec } from "./metrics.ts";
export { ProcessCollector } from "./process.ts";
export type { ProcFs } from "./process.ts";
