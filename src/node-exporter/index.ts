/**
 * promstack's node exporter: Linux host metrics from /proc and /sys with
 * node_exporter's metric names, labels, flags and HTTP endpoints.
 */
export { createNodeExporter, parseListenAddress, UnknownCollectorError, NODE_EXPORTER_VERSION } from "./app.ts";
export type { NodeExporter, NodeExporterOptions } from "./app.ts";
export { parseNodeExporterFlags, helpText } from "./flags.ts";
export type { NodeExporterCommand } from "./flags.ts";
export { DEFAULT_SETTINGS, NoDataError, COLLECTORS, UNIMPLEMENTED_COLLECTORS, UNSUPPORTED_COLLECTORS } from "./collector/index.ts";
export type { CollectorSettings, CollectorFactory, NodeCollector } from "./collector/index.ts";
