export {
  RecordType,
  RefSamples,
  recordType,
  encodeLabels,
  decodeLabels,
  encodeSeries,
  encodeSamples,
  encodeTombstones,
  decodeSeries,
  decodeSamples,
  decodeTombstones,
} from "./record.ts";
export type { RefSeries, RefTombstone } from "./record.ts";
