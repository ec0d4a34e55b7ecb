// The date functions (year(), month(), day_of_month(), ...). Prometheus
// converts the sample value with time.Unix(int64(v), 0).UTC(): the value is
// truncated toward zero to whole seconds and read in the proleptic Gregorian
// calendar, UTC. For the no-argument form the engine passes the evaluation
// time in seconds (Prometheus uses enh.Ts / 1000 with integer division, which
// truncates the same way).

const SECONDS_PER_DAY = 86400;
/** 2^63: float64 values at or beyond it do not fit an int64. */
const TWO63 = 9223372036854775808;

// Fields of the last decoded time, kept in module state so that no object is
// allocated per call.
let cYear = 0;
let cMonth = 0; // 1..12
let cDay = 0; // 1..31
let cDayOfYear = 0; // 1..366
let cWeekday = 0; // 0 = Sunday
let cSecOfDay = 0;

/**
 * Decodes tSeconds into the c* fields. NaN, ±Inf and values outside the int64
 * range become -2^63 seconds, as Go's float-to-int64 conversion does on amd64
 * (where Prometheus is built and tested).
 */
function decode(tSeconds: number): void {
  let sec = Math.trunc(tSeconds);
  if (!(sec >= -TWO63 && sec < TWO63)) sec = -TWO63;
  // % is exact on floats, so the second of the day is exact even for huge
  // values; the day number is then exact below 2^53 * 86400.
  let secOfDay = (sec % SECONDS_PER_DAY) + 0; // + 0 turns -0 into 0
  if (secOfDay < 0) secOfDay += SECONDS_PER_DAY;
  const days = Math.round((sec - secOfDay) / SECONDS_PER_DAY);
  cSecOfDay = secOfDay;
  // 1970-01-01 was a Thursday (4).
  const wd = (days + 4) % 7;
  cWeekday = wd < 0 ? wd + 7 : wd + 0; // + 0 turns -0 into 0

  // Civil date from a day count (days since 1970-01-01), in eras of 400
  // years starting on March 1st so that the leap day ends each year.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097; // [0, 146096]
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doyMar = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // [0, 365], from March 1st
  const mp = Math.floor((5 * doyMar + 2) / 153); // [0, 11], March = 0
  const day = doyMar - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  cYear = year;
  cMonth = month;
  cDay = day;
  // Day of the year counted from January 1st.
  const leap = isLeap(year);
  cDayOfYear = month <= 2 ? doyMar - 305 : doyMar + 60 + (leap ? 1 : 0);
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** PromQL year(): the year (UTC) of a time given in seconds since the epoch. */
export function year(tSeconds: number): number {
  decode(tSeconds);
  return cYear;
}

/** PromQL month(): the month (1 = January .. 12, UTC) of a time in seconds. */
export function month(tSeconds: number): number {
  decode(tSeconds);
  return cMonth;
}

/** PromQL day_of_month(): 1..31 (UTC) for a time in seconds. */
export function dayOfMonth(tSeconds: number): number {
  decode(tSeconds);
  return cDay;
}

/** PromQL day_of_week(): 0 = Sunday .. 6 = Saturday (UTC) for a time in seconds. */
export function dayOfWeek(tSeconds: number): number {
  decode(tSeconds);
  return cWeekday;
}

/** PromQL day_of_year(): 1..365, or 366 in leap years (UTC), for a time in seconds. */
export function dayOfYear(tSeconds: number): number {
  decode(tSeconds);
  return cDayOfYear;
}

/** PromQL days_in_month(): 28..31, the length of the month (UTC) of a time in seconds. */
export function daysInMonth(tSeconds: number): number {
  decode(tSeconds);
  return cMonth === 2 && isLeap(cYear) ? 29 : DAYS_IN_MONTH[cMonth - 1]!;
}

/** PromQL hour(): 0..23 (UTC) for a time in seconds. */
export function hour(tSeconds: number): number {
  decode(tSeconds);
  return Math.floor(cSecOfDay / 3600);
}

/** PromQL minute(): 0..59 (UTC) for a time in seconds. */
export function minute(tSeconds: number): number {
  decode(tSeconds);
  return Math.floor((cSecOfDay % 3600) / 60);
}
