import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS,
  DEFAULT_SCRAPE_PROTOCOLS,
  EscapingScheme,
  OpenMetricsParser,
  ScrapeProtocol,
  TextParser,
  acceptHeader,
  decodeExposition,
  isScrapeProtocol,
  parseMediaType,
  parserFor,
  protocolMediaType,
} from "./index.ts";

// Expected strings from Prometheus's scrape_test.go TestAcceptHeader.
const accepts = [
  {
    name: "default scrape protocols with no escaping",
    protocols: DEFAULT_SCRAPE_PROTOCOLS,
    escaping: EscapingScheme.AllowUTF8,
    want: "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
  },
  {
    name: "default proto first scrape protocols with dots escaping",
    protocols: DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS,
    escaping: EscapingScheme.Dots,
    want: "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=dots;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=dots;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
  },
  {
    name: "text first with underscores",
    protocols: [ScrapeProtocol.PrometheusText0_0_4, ScrapeProtocol.OpenMetricsText1_0_0],
    escaping: EscapingScheme.Underscores,
    want: "text/plain;version=0.0.4;q=0.6,application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,*/*;q=0.4",
  },
];
for (const c of accepts) test(`acceptHeader: ${c.name}`, () => assert.equal(acceptHeader(c.protocols, c.escaping), c.want));

test("acceptHeader defaults to allow-utf-8 escaping", () => {
  assert.equal(acceptHeader([ScrapeProtocol.PrometheusText1_0_0]), "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.6,*/*;q=0.5");
});

const mediaTypes = [
  { name: "client_golang text", v: "text/plain; version=0.0.4; charset=utf-8", want: "text/plain", params: { version: "0.0.4", charset: "utf-8" } },
  { name: "case and quotes", v: 'Application/OpenMetrics-Text; Version="1.0.0"', want: "application/openmetrics-text", params: { version: "1.0.0" } },
  { name: "trailing semicolon", v: "text/plain;", want: "text/plain", params: {} },
  { name: "type without subtype (Go accepts it)", v: "text", want: "text", params: {} },
];
for (const c of mediaTypes) {
  test(`parseMediaType: ${c.name}`, () => {
    const got = parseMediaType(c.v);
    assert.equal(got.mediaType, c.want);
    assert.deepEqual(Object.fromEntries(got.params), c.params);
  });
}

const badMediaTypes = [
  { v: "; charset=utf-8", err: "mime: no media type" },
  { v: "text/", err: "mime: expected token after slash" },
  { v: "text plain", err: "mime: expected slash after first token" },
  { v: "text/plain; version", err: "mime: invalid media parameter" },
  { v: "text/plain; a=1; a=2", err: "mime: duplicate parameter name" },
];
for (const c of badMediaTypes) test(`parseMediaType rejects ${JSON.stringify(c.v)}`, () => assert.throws(() => parseMediaType(c.v), { message: c.err }));

// Mirrors Prometheus's textparse.New / extractMediaType cases.
const choices = [
  { name: "text 0.0.4", ct: "text/plain; version=0.0.4; charset=utf-8", fb: "", parser: "text", err: null },
  { name: "text 1.0.0", ct: "text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8", fb: "", parser: "text", err: null },
  { name: "OpenMetrics 1.0.0", ct: "application/openmetrics-text; version=1.0.0; charset=utf-8", fb: "", parser: "om", err: null },
  { name: "OpenMetrics 0.0.1", ct: "application/openmetrics-text; version=0.0.1", fb: "", parser: "om", err: null },
  {
    name: "blank without fallback fails",
    ct: "",
    fb: "",
    parser: null,
    err: "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target",
  },
  {
    name: "blank with fallback",
    ct: "",
    fb: "text/plain",
    parser: "text",
    err: 'non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "text/plain"',
  },
  {
    name: "unparseable without fallback fails",
    ct: "text/",
    fb: "",
    parser: null,
    err: 'cannot parse Content-Type "text/" and no fallback_scrape_protocol for target\nmime: expected token after slash',
  },
  {
    name: "unparseable with fallback",
    ct: "text plain",
    fb: "application/openmetrics-text",
    parser: "om",
    err: 'could not parse received Content-Type "text plain", using fallback_scrape_protocol "application/openmetrics-text"\nmime: expected slash after first token',
  },
  {
    name: "a bare token is a media type to Go, so unsupported",
    ct: "some.garbage",
    fb: "",
    parser: null,
    err: 'received unsupported Content-Type "some.garbage" and no fallback_scrape_protocol specified for target',
  },
  {
    name: "unsupported without fallback fails",
    ct: "application/json",
    fb: "",
    parser: null,
    err: 'received unsupported Content-Type "application/json" and no fallback_scrape_protocol specified for target',
  },
  {
    name: "unsupported with fallback",
    ct: "application/json",
    fb: "text/plain",
    parser: "text",
    err: 'received unsupported Content-Type "application/json", using fallback_scrape_protocol "text/plain"',
  },
];
for (const c of choices) {
  test(`parserFor: ${c.name}`, () => {
    const { parser, error } = parserFor("", c.ct, { fallbackMediaType: c.fb });
    assert.equal(parser === null ? null : parser instanceof TextParser ? "text" : parser instanceof OpenMetricsParser ? "om" : "other", c.parser);
    assert.equal(error === null ? null : error.message, c.err);
  });
}

test("parserFor: protobuf has no parser and says so", () => {
  const { parser, error } = parserFor("", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited");
  assert.equal(parser, null);
  assert.match(error!.message, /protobuf/);
});

test("parserFor: skipOpenMetricsCreatedSeries reaches the OpenMetrics parser", () => {
  const { parser } = parserFor("# TYPE c counter\nc_total 1\nc_created 2\n# EOF\n", "application/openmetrics-text", { skipOpenMetricsCreatedSeries: true });
  const seen: string[] = [];
  for (let e = parser!.next(); e !== "eof"; e = parser!.next()) if (e === "series") seen.push(parser!.series());
  assert.deepEqual(seen, ["c_total"]);
});

test("protocolMediaType and isScrapeProtocol", () => {
  assert.equal(protocolMediaType(ScrapeProtocol.PrometheusText1_0_0), "text/plain");
  assert.equal(protocolMediaType(ScrapeProtocol.OpenMetricsText0_0_1), "application/openmetrics-text");
  assert.equal(protocolMediaType(ScrapeProtocol.PrometheusProto), "application/vnd.google.protobuf");
  assert.ok(isScrapeProtocol("PrometheusText0.0.4"));
  assert.ok(!isScrapeProtocol("PrometheusText2.0.0"));
});

const decodes = [
  { name: "ASCII", bytes: [0x61, 0x20, 0x31], want: "a 1" },
  { name: "multi-byte UTF-8", bytes: [0xc3, 0xb6, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], want: "ö€😀" },
  { name: "invalid byte", bytes: [0x61, 0xff, 0x62], want: "a\udcffb" },
  { name: "truncated sequence", bytes: [0xe2, 0x82], want: "\udce2\udc82" },
  { name: "overlong encoding", bytes: [0xe0, 0x80, 0xaf], want: "\udce0\udc80\udcaf" },
  { name: "encoded surrogate", bytes: [0xed, 0xa0, 0x80], want: "\udced\udca0\udc80" },
];
for (const c of decodes) test(`decodeExposition: ${c.name}`, () => assert.equal(decodeExposition(Uint8Array.from(c.bytes)), c.want));

test("decodeExposition: an invalid label value byte is reported as upstream does", () => {
  const body = decodeExposition(Uint8Array.from([...Buffer.from('a{b="'), 0xff, ...Buffer.from('"} 1\n')]));
  assert.throws(() => new TextParser(body).next(), { message: 'invalid UTF-8 label value: "\\"\\xff\\""' });
});
