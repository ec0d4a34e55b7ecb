import { test } from "node:test";
import assert from "node:assert/strict";
import { dayOfMonth, dayOfWeek, dayOfYear, daysInMonth, hour, minute, month, year } from "./index.ts";

// Times and expectations from Prometheus's functions.test (reference copy in
// /work/shared/reference/promql-tests) unless marked hand-computed.

interface DateCase {
  name: string;
  t: number;
  want: {
    year: number;
    month: number;
    dayOfMonth: number;
    dayOfYear: number;
    dayOfWeek: number;
    hour: number;
    minute: number;
    daysInMonth: number;
  };
}

const cases: DateCase[] = [
  { name: "the epoch, a Thursday", t: 0, want: { year: 1970, month: 1, dayOfMonth: 1, dayOfYear: 1, dayOfWeek: 4, hour: 0, minute: 0, daysInMonth: 31 } },
  { name: "2006-01-02 22:04:05, a Monday", t: 1136239445, want: { year: 2006, month: 1, dayOfMonth: 2, dayOfYear: 2, dayOfWeek: 1, hour: 22, minute: 4, daysInMonth: 31 } },
  { name: "2008-12-31 23:59:59 before a leap second", t: 1230767999, want: { year: 2008, month: 12, dayOfMonth: 31, dayOfYear: 366, dayOfWeek: 3, hour: 23, minute: 59, daysInMonth: 31 } },
  { name: "2009-01-01 00:00:00 after a leap second", t: 1230768000, want: { year: 2009, month: 1, dayOfMonth: 1, dayOfYear: 1, dayOfWeek: 4, hour: 0, minute: 0, daysInMonth: 31 } },
  { name: "2016-02-29 23:59:59 in a leap year", t: 1456790399, want: { year: 2016, month: 2, dayOfMonth: 29, dayOfYear: 60, dayOfWeek: 1, hour: 23, minute: 59, daysInMonth: 29 } },
  { name: "2016-03-01 00:00:00 in a leap year", t: 1456790400, want: { year: 2016, month: 3, dayOfMonth: 1, dayOfYear: 61, dayOfWeek: 2, hour: 0, minute: 0, daysInMonth: 31 } },
  { name: "2016-12-31 13:37:00, day 366", t: 1483191420, want: { year: 2016, month: 12, dayOfMonth: 31, dayOfYear: 366, dayOfWeek: 6, hour: 13, minute: 37, daysInMonth: 31 } },
  { name: "2022-12-31 13:37:00, day 365", t: 1672493820, want: { year: 2022, month: 12, dayOfMonth: 31, dayOfYear: 365, dayOfWeek: 6, hour: 13, minute: 37, daysInMonth: 31 } },
  { name: "2016-02-01, 29 days", t: 1454284800, want: { year: 2016, month: 2, dayOfMonth: 1, dayOfYear: 32, dayOfWeek: 1, hour: 0, minute: 0, daysInMonth: 29 } },
  { name: "2017-02-01, 28 days", t: 1485907200, want: { year: 2017, month: 2, dayOfMonth: 1, dayOfYear: 32, dayOfWeek: 3, hour: 0, minute: 0, daysInMonth: 28 } },
  // Hand-computed: fractions truncate toward zero, so -0.5 is the epoch and -1.5 one second before.
  { name: "fractional seconds truncate toward zero (hand)", t: 59.999, want: { year: 1970, month: 1, dayOfMonth: 1, dayOfYear: 1, dayOfWeek: 4, hour: 0, minute: 0, daysInMonth: 31 } },
  { name: "-0.5 truncates to the epoch (hand)", t: -0.5, want: { year: 1970, month: 1, dayOfMonth: 1, dayOfYear: 1, dayOfWeek: 4, hour: 0, minute: 0, daysInMonth: 31 } },
  { name: "-1.5 is 1969-12-31 23:59:59 (hand)", t: -1.5, want: { year: 1969, month: 12, dayOfMonth: 31, dayOfYear: 365, dayOfWeek: 3, hour: 23, minute: 59, daysInMonth: 31 } },
  // Hand-computed: 1900 is not a leap year, 2000 is.
  { name: "1900-02-28 (hand)", t: -2203977600, want: { year: 1900, month: 2, dayOfMonth: 28, dayOfYear: 59, dayOfWeek: 3, hour: 0, minute: 0, daysInMonth: 28 } },
  { name: "2000-02-29 12:30 (hand)", t: 951827400, want: { year: 2000, month: 2, dayOfMonth: 29, dayOfYear: 60, dayOfWeek: 2, hour: 12, minute: 30, daysInMonth: 29 } },
  // Go converts NaN to int64 -2^63 on amd64; time.Unix(math.MinInt64, 0).UTC()
  // prints -292277022657-01-27 08:29:52 +0000 UTC.
  { name: "NaN reads as the smallest int64 second", t: NaN, want: { year: -292277022657, month: 1, dayOfMonth: 27, dayOfYear: 27, dayOfWeek: 0, hour: 8, minute: 29, daysInMonth: 31 } },
];

for (const c of cases) {
  test(`date functions: ${c.name}`, () => {
    const got = {
      year: year(c.t),
      month: month(c.t),
      dayOfMonth: dayOfMonth(c.t),
      dayOfYear: dayOfYear(c.t),
      dayOfWeek: dayOfWeek(c.t),
      hour: hour(c.t),
      minute: minute(c.t),
      daysInMonth: daysInMonth(c.t),
    };
    assert.deepEqual(got, c.want);
  });
}

test("date functions agree with the JavaScript Date over four centuries", () => {
  // Every 1,000,003 seconds (about 11.6 days, drifting through all hours)
  // from 1800 to 2200.
  for (let t = -5364662400; t < 7258118400; t += 1000003) {
    const d = new Date(t * 1000);
    const start = Date.UTC(d.getUTCFullYear(), 0, 1);
    const want = [
      d.getUTCFullYear(),
      d.getUTCMonth() + 1,
      d.getUTCDate(),
      Math.floor((t * 1000 - start) / 86400000) + 1,
      d.getUTCDay(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate(),
    ];
    const got = [year(t), month(t), dayOfMonth(t), dayOfYear(t), dayOfWeek(t), hour(t), minute(t), daysInMonth(t)];
    assert.deepEqual(got, want, `t=${t}`);
  }
});
