export {
  MemTombstones,
  addInterval,
  isDeleted,
  encodeTombstonesFile,
  decodeTombstonesFile,
  readTombstones,
  writeTombstones,
  TOMBSTONES_FILENAME,
  TOMBSTONES_MAGIC,
  type Interval,
} from "./tombstones.ts";
export { TombstoneIterator } from "./iterator.ts";
