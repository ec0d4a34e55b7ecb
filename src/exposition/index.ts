/**
 * The exposition formats: the text format 0.0.4 writer and the small
 * collector/registry interface for families a component writes itself.
 */
export { MetricType, newDesc, FamilyBuilder, Registry, GatherError } from "./registry.ts";
export type { Desc, Emit, Collector, Metric, MetricFamily, MetricValue, SummaryValue, HistogramValue, GatherResult } from "./registry.ts";
export { TEXT_CONTENT_TYPE, escapeHelp, escapeLabelValue, writeFamily, writeText } from "./writer.ts";
