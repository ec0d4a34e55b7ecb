export type {
  AppendOptions,
  Appendable,
  Appender,
  Querier,
  Queryable,
  SelectHints,
  Series,
  SeriesIterator,
  SeriesRef,
  SeriesSet,
} from "./interface.ts";
export { ValueType } from "./interface.ts";
export { StorageError } from "./errors.ts";
export { ArraySeriesSet, emptySeriesSet } from "./series-set.ts";
export { MemoryStorage } from "./memory.ts";
export { storageConformance } from "./conformance.ts";
export type { ConformanceCase, StorageUnderTest } from "./conformance.ts";
