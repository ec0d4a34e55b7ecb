export { PBReader, PBWriter, pbInt, pbTimestamp, readPBTimestamp } from "./wire.ts";
