import { test } from "node:test";
import assert from "node:assert/strict";
import { APIRequestError, decodePostableAlerts, decodePostableSilence, isGoURI, isUUID, parseQueryBool, parseRFC3339 } from "../index.ts";

const times = [
  { name: "UTC with ms", input: "2020-01-01T00:00:00.123Z", want: Date.UTC(2020, 0, 1, 0, 0, 0, 123) },
  { name: "nanoseconds truncated", input: "2020-01-01T00:00:00.123456789Z", want: Date.UTC(2020, 0, 1, 0, 0, 0, 123) },
  { name: "offset", input: "2020-01-01T02:00:00+02:00", want: Date.UTC(2020, 0, 1) },
  { name: "Go zero time", input: "0001-01-01T00:00:00Z", want: -62135596800000 },
  { name: "garbage", input: "garbage", want: null },
  { name: "month 13", input: "2020-13-01T00:00:00Z", want: null },
];
for (const c of times) test(`parseRFC3339: ${c.name}`, () => assert.equal(parseRFC3339(c.input), c.want));

const alertErrors = [
  { name: "empty body", body: "  ", status: 422, msg: "alerts in body is required" },
  { name: "null", body: "null", status: 422, msg: "alerts in body is required" },
  { name: "bad JSON", body: "[", status: 400, msg: 'parsing alerts body from "" failed, because ' },
  { name: "object", body: "{}", status: 400, msg: 'parsing alerts body from "" failed, because json: cannot unmarshal object into Go value of type models.PostableAlerts' },
  { name: "label value not a string", body: '[{"labels":{"a":1}}]', status: 400, msg: "json: cannot unmarshal number into Go struct field PostableAlert.labels of type string" },
  { name: "bad time", body: '[{"labels":{"a":"1"},"startsAt":"x"}]', status: 400, msg: 'parsing time "x"' },
  { name: "missing labels", body: '[{"labels":{"a":"1"}},{}]', status: 422, msg: "1.labels in body is required" },
  { name: "bad URI", body: '[{"labels":{"a":"1"},"generatorURL":":x"}]', status: 422, msg: '0.generatorURL in body must be of type uri: ":x"' },
];
for (const c of alertErrors) {
  test(`decodePostableAlerts rejects: ${c.name}`, () => {
    assert.throws(
      () => decodePostableAlerts(c.body),
      (e: unknown) => e instanceof APIRequestError && e.status === c.status && e.message.includes(c.msg),
    );
  });
}

test("decodePostableAlerts: zero times are unset, null entries skipped", () => {
  const [a, ...rest] = decodePostableAlerts('[{"labels":{"b":"2","a":"1"},"startsAt":"0001-01-01T00:00:00Z","endsAt":"2020-01-01T00:00:00Z","generatorURL":"http://x/y"},null]');
  assert.equal(rest.length, 0);
  assert.equal(a!.labels.toString(), '{a="1", b="2"}');
  assert.equal(a!.startsAt, null);
  assert.equal(a!.endsAt, Date.UTC(2020, 0, 1));
  assert.equal(a!.generatorURL, "http://x/y");
});

const silenceErrors = [
  { name: "nothing", body: "{}", msg: "comment in body is required" },
  { name: "no createdBy", body: '{"comment":"c"}', msg: "createdBy in body is required" },
  { name: "no endsAt", body: '{"comment":"c","createdBy":"a"}', msg: "endsAt in body is required" },
  { name: "no matchers", body: '{"comment":"c","createdBy":"a","endsAt":"2020-01-01T00:00:00Z"}', msg: "matchers in body is required" },
  { name: "matcher without isRegex", body: '{"comment":"c","createdBy":"a","endsAt":"2020-01-01T00:00:00Z","matchers":[{"name":"a"}]}', msg: "matchers.0.isRegex in body is required" },
  { name: "no startsAt", body: '{"comment":"c","createdBy":"a","endsAt":"2020-01-01T00:00:00Z","matchers":[{"name":"a","value":"b","isRegex":false}]}', msg: "startsAt in body is required" },
];
for (const c of silenceErrors) {
  test(`decodePostableSilence rejects: ${c.name}`, () => {
    assert.throws(
      () => decodePostableSilence(c.body),
      (e: unknown) => e instanceof APIRequestError && e.status === 422 && e.message === c.msg,
    );
  });
}

test("decodePostableSilence: isEqual defaults to true", () => {
  const s = decodePostableSilence('{"id":"x","comment":"c","createdBy":"a","startsAt":"2020-01-01T00:00:00Z","endsAt":"2020-01-02T00:00:00Z","matchers":[{"name":"a","value":"b","isRegex":true}]}');
  assert.deepEqual(s.matchers, [{ name: "a", value: "b", isRegex: true, isEqual: true }]);
  assert.equal(s.id, "x");
});

const small = [
  { name: "uuid", got: isUUID("6e1b5a9e-4a4c-4b39-9b0f-000000000000"), want: true },
  { name: "not uuid", got: isUUID("abc"), want: false },
  { name: "relative URI", got: isGoURI("foo/bar"), want: true },
  { name: "URI with empty scheme", got: isGoURI("::bad"), want: false },
  { name: "URI with bad escape", got: isGoURI("http://x/%zz"), want: false },
  { name: "bool word", got: parseQueryBool("Yes", false), want: true },
  { name: "bool other word", got: parseQueryBool("maybe", true), want: false },
  { name: "bool default", got: parseQueryBool(undefined, true), want: true },
];
for (const c of small) test(`helpers: ${c.name}`, () => assert.equal(c.got, c.want));
