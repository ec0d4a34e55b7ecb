/**
 * Time intervals of alertmanager.yml (`time_intervals`, the deprecated
 * `mute_time_intervals`), with upstream's parsing, validation messages and
 * ContainsTime semantics. Local time in `location` is computed with Intl.
 */

import { ConfigError } from "../../config/index.ts";
import type { Decoder, YNode } from "../../config/index.ts";

/** A range of minutes of the day [startMinute, endMinute). */
export interface TimeRange {
  readonly startMinute: number;
  readonly endMinute: number;
}

/** An inclusive range of integers (weekdays 0=Sunday..6, days of month ±1..31, months 1..12, years). */
export interface InclusiveRange {
  readonly begin: number;
  readonly end: number;
}

/**
 * One time interval: every non-null list must contain the time (lists are
 * ORed inside, ANDed together). `location` is an IANA zone name; null means UTC.
 */
export interface TimeInterval {
  times: TimeRange[] | null;
  weekdays: InclusiveRange[] | null;
  daysOfMonth: InclusiveRange[] | null;
  months: InclusiveRange[] | null;
  years: InclusiveRange[] | null;
  location: string | null;
}

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/** Go's strconv.Atoi for the small numbers used here. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new ConfigError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

function rangeFromString(input: string, member: (s: string) => number): InclusiveRange {
  const s = input.toLowerCase();
  if (s.includes(":")) {
    const parts = s.split(":");
    if (parts.length !== 2) throw new ConfigError(`couldn't parse range ${s}, invalid format`);
    return { begin: member(parts[0]!), end: member(parts[1]!) };
  }
  const v = member(s);
  return { begin: v, end: v };
}

/** Parses a `weekdays` entry ("monday:friday", "saturday"). Throws ConfigError. */
export function parseWeekdayRange(s: string): InclusiveRange {
  const r = rangeFromString(s, (m) => {
    const i = DAYS.indexOf(m);
    if (i < 0) throw new ConfigError(`${m} is not a valid weekday`);
    return i;
  });
  if (r.begin > r.end) throw new ConfigError("start day cannot be before end day");
  return r;
}

/** Parses a `days_of_month` entry ("1:5", "-3:-1"). Throws ConfigError. */
export function parseDayOfMonthRange(s: string): InclusiveRange {
  const r = rangeFromString(s, atoi);
  if (r.begin === 0 || r.begin < -31 || r.begin > 31) throw new ConfigError(`${r.begin} is not a valid day of the month: out of range`);
  if (r.end === 0 || r.end < -31 || r.end > 31) throw new ConfigError(`${r.end} is not a valid day of the month: out of range`);
  if (r.begin < 0 && r.end > 0) throw new ConfigError("end day must be negative if start day is negative");
  // Negative days count from the month's end: check with the shortest month (28 days).
  const cb = r.begin < 0 ? 28 + r.begin : r.begin;
  const ce = r.end < 0 ? 28 + r.end : r.end;
  if (cb > ce) throw new ConfigError(`end day ${r.end} is always before start day ${r.begin}`);
  return r;
}

/** Parses a `months` entry ("january:march", "1:3"). Throws ConfigError. */
export function parseMonthRange(s: string): InclusiveRange {
  const r = rangeFromString(s, (m) => {
    const i = MONTHS.indexOf(m);
    if (i >= 0) return i + 1;
    if (!/^[+-]?[0-9]+$/.test(m)) throw new ConfigError(`${m} is not a valid month`);
    return Number(m);
  });
  if (r.begin > r.end) throw new ConfigError(`end month ${MONTHS[r.end - 1] ?? ""} is before start month ${MONTHS[r.begin - 1] ?? ""}`);
  return r;
}

/** Parses a `years` entry ("2020:2022"). Throws ConfigError. */
export function parseYearRange(s: string): InclusiveRange {
  const r = rangeFromString(s, atoi);
  if (r.begin > r.end) throw new ConfigError(`end year ${r.end} is before start year ${r.begin}`);
  return r;
}

/** Minutes of the day of "HH:MM" (00:00..24:00). Throws ConfigError. */
export function parseClock(s: string): number {
  if (!/^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)/.test(s)) throw new ConfigError(`couldn't parse timestamp ${s}, invalid format`);
  const [h, m] = s.split(":");
  return Number(h) * 60 + Number(m);
}

/** Builds a time range from start/end clock strings. Throws ConfigError. */
export function parseTimeRange(start: string, end: string): TimeRange {
  if (start === "" || end === "") throw new ConfigError("both start and end times must be provided");
  const s = parseClock(start);
  const e = parseClock(end);
  if (s >= e) throw new ConfigError("start time cannot be equal or greater than end time");
  return { startMinute: s, endMinute: e };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Validates an IANA zone name as Go's time.LoadLocation would ("" and
 * "UTC" are UTC, "Local" the host zone). Returns the name; throws
 * ConfigError `unknown time zone X`.
 */
export function validateLocation(zone: string): string {
  if (zone === "" || zone === "UTC" || zone === "Local") return zone;
  try {
    formatter(zone);
  } catch {
    throw new ConfigError(`unknown time zone ${zone}`);
  }
  return zone;
}

/** Calendar fields of an instant in a zone. */
interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minuteOfDay: number;
}

const WEEKDAY_SHORT = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function localTime(tMs: number, zone: string | null): LocalTime {
  if (zone === null || zone === "" || zone === "UTC") {
    const d = new Date(tMs);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      weekday: d.getUTCDay(),
      minuteOfDay: d.getUTCHours() * 60 + d.getUTCMinutes(),
    };
  }
  if (zone === "Local") {
    const d = new Date(tMs);
    return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), weekday: d.getDay(), minuteOfDay: d.getHours() * 60 + d.getMinutes() };
  }
  const out: LocalTime = { year: 0, month: 0, day: 0, weekday: 0, minuteOfDay: 0 };
  let hour = 0;
  for (const p of formatter(zone).formatToParts(tMs)) {
    if (p.type === "year") out.year = Number(p.value);
    else if (p.type === "month") out.month = Number(p.value);
    else if (p.type === "day") out.day = Number(p.value);
    else if (p.type === "hour") hour = Number(p.value);
    else if (p.type === "minute") out.minuteOfDay = Number(p.value);
    else if (p.type === "weekday") out.weekday = WEEKDAY_SHORT.indexOf(p.value);
  }
  out.minuteOfDay += hour * 60;
  return out;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function clamp(n: number, min: number, max: number): number {
  return n <= min ? min : n >= max ? max : n;
}

/** Whether the interval contains the instant tMs (ms since epoch): upstream's ContainsTime. */
export function intervalContains(ti: TimeInterval, tMs: number): boolean {
  const t = localTime(tMs, ti.location);
  if (ti.times !== null && !ti.times.some((r) => t.minuteOfDay >= r.startMinute && t.minuteOfDay < r.endMinute)) return false;
  if (ti.daysOfMonth !== null) {
    const dim = daysInMonth(t.year, t.month);
    let inRange = false;
    for (const r of ti.daysOfMonth) {
      let begin = r.begin < 0 ? dim + r.begin + 1 : r.begin;
      let end = r.end < 0 ? dim + r.end + 1 : r.end;
      if (begin > dim) continue; // e.g. the 31st in a 30-day month
      begin = clamp(begin, -dim, dim);
      end = clamp(end, -dim, dim);
      if (t.day >= begin && t.day <= end) {
        inRange = true;
        break;
      }
    }
    if (!inRange) return false;
  }
  if (ti.months !== null && !ti.months.some((r) => t.month >= r.begin && t.month <= r.end)) return false;
  if (ti.weekdays !== null && !ti.weekdays.some((r) => t.weekday >= r.begin && t.weekday <= r.end)) return false;
  if (ti.years !== null && !ti.years.some((r) => t.year >= r.begin && t.year <= r.end)) return false;
  return true;
}

/** Whether any of the intervals contains tMs (an Intervener's check for one named interval). */
export function intervalsContain(tis: readonly TimeInterval[], tMs: number): boolean {
  return tis.some((ti) => intervalContains(ti, tMs));
}

/**
 * Decodes one `time_intervals` list entry with the shared strict YAML
 * decoder. Range and zone errors throw ConfigError with upstream's text.
 */
export function decodeTimeInterval(d: Decoder, n: YNode): TimeInterval {
  const ti: TimeInterval = { times: null, weekdays: null, daysOfMonth: null, months: null, years: null, location: null };
  const ranges = (v: YNode, goType: string, parse: (s: string) => InclusiveRange): InclusiveRange[] | null =>
    d.list(v, goType, (e) => {
      const s = d.str(e);
      return s === null ? { begin: 0, end: 0 } : parse(s);
    });
  d.struct(n, "timeinterval.TimeInterval", {
    times: (v) =>
      (ti.times = d.list(v, "[]timeinterval.TimeRange", (e) => {
        let start = "";
        let end = "";
        const before = d.errors.length;
        d.struct(e, "timeinterval.yamlTimeRange", {
          start_time: (x) => (start = d.str(x) ?? ""),
          end_time: (x) => (end = d.str(x) ?? ""),
        });
        if (d.errors.length !== before) return { startMinute: 0, endMinute: 0 };
        return parseTimeRange(start, end);
      })),
    weekdays: (v) => (ti.weekdays = ranges(v, "[]timeinterval.WeekdayRange", parseWeekdayRange)),
    days_of_month: (v) => (ti.daysOfMonth = ranges(v, "[]timeinterval.DayOfMonthRange", parseDayOfMonthRange)),
    months: (v) => (ti.months = ranges(v, "[]timeinterval.MonthRange", parseMonthRange)),
    years: (v) => (ti.years = ranges(v, "[]timeinterval.YearRange", parseYearRange)),
    location: (v) => {
      const s = d.str(v);
      ti.location = s === null ? null : validateLocation(s);
    },
  });
  return ti;
}

function rangeText(r: InclusiveRange, names: readonly string[] | null, offset: number): string {
  const one = (n: number): string => (names !== null ? (names[n - offset] ?? String(n)) : String(n));
  return r.begin === r.end ? one(r.begin) : `${one(r.begin)}:${one(r.end)}`;
}

/** The interval as a plain YAML-ready object, in upstream's field order and spelling. */
export function timeIntervalToYAMLObject(ti: TimeInterval): Record<string, unknown> {
  const hhmm = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const o: Record<string, unknown> = {};
  if (ti.times !== null && ti.times.length > 0) o["times"] = ti.times.map((r) => ({ start_time: hhmm(r.startMinute), end_time: hhmm(r.endMinute) }));
  if (ti.weekdays !== null && ti.weekdays.length > 0) o["weekdays"] = ti.weekdays.map((r) => rangeText(r, DAYS, 0));
  if (ti.daysOfMonth !== null && ti.daysOfMonth.length > 0) o["days_of_month"] = ti.daysOfMonth.map((r) => rangeText(r, null, 0));
  if (ti.months !== null && ti.months.length > 0) o["months"] = ti.months.map((r) => rangeText(r, MONTHS, 1));
  if (ti.years !== null && ti.years.length > 0) o["years"] = ti.years.map((r) => rangeText(r, null, 0));
  if (ti.location !== null) o["location"] = ti.location === "" ? "UTC" : ti.location;
  return o;
}
