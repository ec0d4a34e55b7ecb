/**
 * The PromQL engine: instant and range queries over a storage Queryable,
 * with Prometheus 3's evaluation semantics.
 */
export { Engine, EngineMetrics } from "./engine.ts";
export type { EngineOptions, Query, QueryOptions } from "./engine.ts";
export { EvalError, InvalidQueryError, QueryCanceledError, QueryTimeoutError, TooManySamplesError } from "./errors.ts";
export type { QueryResult, QueryStats, QueryTimings, Sample, SeriesData, Value } from "./value.ts";
export { AT_MODIFIER_UNSAFE_FUNCTIONS } from "./plan.ts";
