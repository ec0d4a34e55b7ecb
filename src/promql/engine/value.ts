import type { Labels } from "../../model/index.ts";

/** One sample of an instant vector. t in ms. */
export interface Sample {
  metric: Labels;
  t: number;
  f: number;
}

/** One series of a range result: ts[i] (ms) and fs[i] of equal length, ascending. */
export interface SeriesData {
  metric: Labels;
  ts: Float64Array;
  fs: Float64Array;
}

/** The value of an evaluated query, shaped as the HTTP API's resultType. */
export type Value =
  | { type: "scalar"; t: number; v: number }
  | { type: "string"; t: number; v: string }
  | { type: "vector"; vector: Sample[] }
  | { type: "matrix"; matrix: SeriesData[] };

/** Timings in seconds, as the API's stats.timings. */
export interface QueryTimings {
  evalTotalTime: number;
  resultSortTime: number;
  queryPreparationTime: number;
  innerEvalTime: number;
  execQueueTime: number;
  execTotalTime: number;
}

/** Per-query statistics, as the API's stats with stats=all. */
export interface QueryStats {
  timings: QueryTimings;
  /** Samples read from storage (after selection), Prometheus's totalQueryableSamples. */
  totalQueryableSamples: number;
  /** Most samples held in memory at once, Prometheus's peakSamples. */
  peakSamples: number;
}

/** What Query.exec() resolves to. Warnings and infos are annotation texts. */
export interface QueryResult {
  value: Value;
  warnings: string[];
  infos: string[];
  stats: QueryStats;
}
