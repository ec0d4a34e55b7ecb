/**
 * The node exporter's collectors: the shared context and outcomes, and the
 * table of implemented collectors.
 */
export { DEFAULT_SETTINGS, NoDataError, newCollectorContext } from "./collector.ts";
export type { CollectorContext, CollectorFactory, CollectorSettings, NodeCollector } from "./collector.ts";
export { COLLECTORS, UNIMPLEMENTED_COLLECTORS, UNSUPPORTED_COLLECTORS } from "./collectors.ts";
export { newTimeCollector } from "./time.ts";
export { newTextfileCollector } from "./textfile.ts";
