export type { TimeInterval, TimeRange, InclusiveRange } from "./time-interval.ts";
export { intervalContains, intervalsContain, decodeTimeInterval, timeIntervalToYAMLObject, validateLocation } from "./time-interval.ts";
export { parseWeekdayRange, parseDayOfMonthRange, parseMonthRange, parseYearRange, parseTimeRange, parseClock } from "./time-interval.ts";
