import { test } from "node:test";
import assert from "node:assert/strict";
import { Decoder } from "../../config/index.ts";
import { decodeTimeInterval, intervalContains, timeIntervalToYAMLObject } from "./index.ts";
import type { TimeInterval } from "./index.ts";

function load(yaml: string): TimeInterval {
  const { d, root } = Decoder.parse(yaml);
  const ti = decodeTimeInterval(d, root);
  if (d.errors.length > 0) throw new Error(d.errors.join("; "));
  return ti;
}

const bad = [
  { name: "weekday name", yaml: "weekdays: ['mon']", err: "mon is not a valid weekday" },
  { name: "weekday order", yaml: "weekdays: ['friday:monday']", err: "start day cannot be before end day" },
  { name: "day of month zero", yaml: "days_of_month: ['0']", err: "0 is not a valid day of the month: out of range" },
  { name: "day of month too large", yaml: "days_of_month: ['1:32']", err: "32 is not a valid day of the month: out of range" },
  { name: "day of month sign", yaml: "days_of_month: ['-10:10']", err: "end day must be negative if start day is negative" },
  { name: "day of month order", yaml: "days_of_month: ['10:-25']", err: "end day -25 is always before start day 10" },
  { name: "day of month syntax", yaml: "days_of_month: ['a']", err: 'strconv.Atoi: parsing "a": invalid syntax' },
  { name: "month name", yaml: "months: ['jan']", err: "jan is not a valid month" },
  { name: "month order", yaml: "months: ['march:january']", err: "end month january is before start month march" },
  { name: "year order", yaml: "years: ['2020:2019']", err: "end year 2019 is before start year 2020" },
  { name: "range format", yaml: "years: ['2020:2021:2022']", err: "couldn't parse range 2020:2021:2022, invalid format" },
  { name: "time missing end", yaml: "times: [{start_time: '09:00'}]", err: "both start and end times must be provided" },
  { name: "time format", yaml: "times: [{start_time: '9:00', end_time: '10:00'}]", err: "couldn't parse timestamp 9:00, invalid format" },
  { name: "time order", yaml: "times: [{start_time: '10:00', end_time: '10:00'}]", err: "start time cannot be equal or greater than end time" },
  { name: "time out of range", yaml: "times: [{start_time: '10:00', end_time: '24:01'}]", err: "couldn't parse timestamp 24:01, invalid format" },
  { name: "zone", yaml: "location: 'Mars/Olympus'", err: "unknown time zone Mars/Olympus" },
];
for (const c of bad) test(`rejects ${c.name}`, () => assert.throws(() => load(c.yaml), { message: c.err }));

test("unknown field is a type error", () => assert.throws(() => load("weekday: ['monday']"), /field weekday not found in type timeinterval.TimeInterval/));

const contains = [
  // 2024-03-04 is a Monday.
  { name: "inside weekday hours", yaml: "weekdays: ['monday:friday']\ntimes: [{start_time: '09:00', end_time: '17:00'}]", at: "2024-03-04T10:00:00Z", want: true },
  { name: "end minute is exclusive", yaml: "times: [{start_time: '09:00', end_time: '17:00'}]", at: "2024-03-04T17:00:00Z", want: false },
  { name: "start minute is inclusive", yaml: "times: [{start_time: '09:00', end_time: '17:00'}]", at: "2024-03-04T09:00:00Z", want: true },
  { name: "24:00 ends the day", yaml: "times: [{start_time: '23:00', end_time: '24:00'}]", at: "2024-03-04T23:59:00Z", want: true },
  { name: "weekend excluded", yaml: "weekdays: ['monday:friday']", at: "2024-03-09T10:00:00Z", want: false },
  { name: "case-insensitive names", yaml: "weekdays: ['Saturday', 'SUNDAY']", at: "2024-03-10T10:00:00Z", want: true },
  { name: "last day of month", yaml: "days_of_month: ['-1']", at: "2024-02-29T10:00:00Z", want: true },
  { name: "not last day", yaml: "days_of_month: ['-1']", at: "2024-02-28T10:00:00Z", want: false },
  { name: "31st skipped in 30-day month", yaml: "days_of_month: ['31']", at: "2024-04-30T10:00:00Z", want: false },
  { name: "clamped range", yaml: "days_of_month: ['25:31']", at: "2024-02-29T10:00:00Z", want: true },
  { name: "months numeric", yaml: "months: ['1:3']", at: "2024-03-31T10:00:00Z", want: true },
  { name: "months named", yaml: "months: ['april']", at: "2024-03-31T10:00:00Z", want: false },
  { name: "years", yaml: "years: ['2023:2024']", at: "2024-12-31T23:59:00Z", want: true },
  { name: "zone shifts the day", yaml: "weekdays: ['tuesday']\nlocation: 'Australia/Sydney'", at: "2024-03-04T20:00:00Z", want: true },
  { name: "zone shifts the hour", yaml: "times: [{start_time: '09:00', end_time: '17:00'}]\nlocation: 'America/New_York'", at: "2024-03-04T14:30:00Z", want: true },
  { name: "zone DST", yaml: "times: [{start_time: '09:00', end_time: '10:00'}]\nlocation: 'Europe/Berlin'", at: "2024-07-01T07:30:00Z", want: true },
  { name: "empty interval contains everything", yaml: "{}", at: "2024-07-01T07:30:00Z", want: true },
];
for (const c of contains) test(`contains: ${c.name}`, () => assert.equal(intervalContains(load(c.yaml), Date.parse(c.at)), c.want));

test("prints back in upstream's spelling", () => {
  const ti = load("weekdays: ['monday:friday', 'sunday']\nmonths: ['1:3']\ndays_of_month: ['-3:-1']\ntimes: [{start_time: '09:05', end_time: '17:00'}]\nlocation: Europe/Berlin");
  assert.deepEqual(timeIntervalToYAMLObject(ti), {
    times: [{ start_time: "09:05", end_time: "17:00" }],
    weekdays: ["monday:friday", "sunday"],
    days_of_month: ["-3:-1"],
    months: ["january:march"],
    location: "Europe/Berlin",
  });
});
