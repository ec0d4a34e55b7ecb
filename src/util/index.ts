export { LogFormat, LogLevel, isLogFormat, isLogLevel, newLogger, nopLogger } from "./logger.ts";
export type { LogFields, Logger, LoggerOptions } from "./logger.ts";
export { VirtualClock, systemClock } from "./clock.ts";
export type { Clock, Timer } from "./clock.ts";
export { seededRandom } from "./random.ts";
export { formatFloatE, formatFloatF, formatFloatG } from "./strconv.ts";
export { xxhash64 } from "./xxhash.ts";
