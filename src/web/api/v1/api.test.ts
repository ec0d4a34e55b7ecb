import { test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import { Labels } from "../../../model/index.ts";
import { Engine } from "../../../promql/engine/index.ts";
import { MemoryStorage } from "../../../storage/index.ts";
import { formatFloatE, formatFloatF, seededRandom } from "../../../util/index.ts";
import { addFormParser, formatTimestamp, formatValue, registerApiV1 } from "../../index.ts";

async function newApp(): Promise<FastifyInstance> {
  const db = new MemoryStorage();
  const app = db.appender();
  for (let t = 0; t <= 600_000; t += 15_000) {
    app.append(0, Labels.fromObject({ __name__: "up", job: "a", instance: "x:1" }), t, 1);
    app.append(0, Labels.fromObject({ __name__: "up", job: "b", instance: "y:2" }), t, 0);
    app.append(0, Labels.fromObject({ __name__: "http_requests_total", job: "a" }), t, t / 1000);
  }
  await app.commit();
  const f = Fastify({ logger: false });
  addFormParser(f);
  await f.register(
    async (api) =>
      registerApiV1(api, {
        queryable: db,
        engine: new Engine(),
        now: () => 600_000,
        configYAML: () => "global:\n  scrape_interval: 15s\n",
        flags: { "web.listen-address": ":9090" },
        buildInfo: { version: "0.1.0", revision: "", branch: "", buildUser: "", buildDate: "", goVersion: "node" },
        runtimeInfo: () => ({ storageRetention: "15d" }),
        ruleGroups: () => [],
        alertingRules: () => [],
        alertmanagers: () => ({ active: ["http://am:9093/api/v2/alerts"], dropped: [] }),
        targets: () => ({
          activeTargets: [
            {
              discoveredLabels: { __address__: "x:1", job: "a" },
              labels: { instance: "x:1", job: "a" },
              scrapePool: "a",
              scrapeUrl: "http://x:1/metrics",
              globalUrl: "http://x:1/metrics",
              lastError: "",
              lastScrape: "2026-01-01T00:00:00Z",
              lastScrapeDuration: 0.01,
              health: "up",
              scrapeInterval: "15s",
              scrapeTimeout: "10s",
            },
          ],
          droppedTargets: [{ discoveredLabels: { __address__: "z:9", job: "a" }, scrapePool: "a" }],
          droppedTargetCounts: { a: 1 },
        }),
        admin: null,
        headStats: () => ({ numSeries: 3, chunkCount: 3, minTime: 0, maxTime: 600_000 }),
        walReplay: () => ({ min: 0, max: 2, current: 2 }),
        maxConcurrency: 2,
        targetsMetadata: () => [
          {
            scrapePool: "a",
            labels: Labels.fromObject({ instance: "x:1", job: "a" }),
            metadata: [
              { metricFamily: "up", type: "gauge", help: "Up.", unit: "" },
              { metricFamily: "http_requests_total", type: "counter", help: "Requests.", unit: "" },
            ],
          },
        ],
      }),
    { prefix: "/api/v1" },
  );
  return f;
}

const app = await newApp();

const cases = [
  {
    name: "instant vector",
    url: "/api/v1/query?query=up&time=300",
    status: 200,
    body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"x:1","job":"a"},"value":[300,"1"]},{"metric":{"__name__":"up","instance":"y:2","job":"b"},"value":[300,"0"]}]}}',
  },
  {
    name: "scalar with fractional time",
    url: "/api/v1/query?query=1%2B1&time=1.5",
    status: 200,
    body: '{"status":"success","data":{"resultType":"scalar","result":[1.500,"2"]}}',
  },
  {
    name: "string",
    url: '/api/v1/query?query="a"&time=10',
    status: 200,
    body: '{"status":"success","data":{"resultType":"string","result":[10,"a"]}}',
  },
  {
    name: "default time is now",
    url: "/api/v1/query?query=time()",
    status: 200,
    body: '{"status":"success","data":{"resultType":"scalar","result":[600,"600"]}}',
  },
  {
    name: "RFC 3339 time",
    url: "/api/v1/query?query=time()&time=1970-01-01T00:01:00.5Z",
    status: 200,
    body: '{"status":"success","data":{"resultType":"scalar","result":[60.500,"60.5"]}}',
  },
  {
    name: "range query",
    url: "/api/v1/query_range?query=http_requests_total&start=0&end=30&step=15",
    status: 200,
    body: '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"http_requests_total","job":"a"},"values":[[0,"0"],[15,"15"],[30,"30"]]}]}}',
  },
  {
    name: "parse error is bad data with the position",
    url: "/api/v1/query?query=sum(up",
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:7: parse error: unclosed left parenthesis"}',
  },
  {
    name: "bad time",
    url: "/api/v1/query?query=up&time=abc",
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"time\\": cannot parse \\"abc\\" to a valid timestamp"}',
  },
  {
    name: "missing start",
    url: "/api/v1/query_range?query=up&end=10&step=1",
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"start\\": cannot parse \\"\\" to a valid timestamp"}',
  },
  {
    name: "end before start",
    url: "/api/v1/query_range?query=up&start=10&end=5&step=1",
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"end timestamp must not be before start time"}',
  },
  {
    name: "zero step",
    url: "/api/v1/query_range?query=up&start=0&end=5&step=0",
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"zero or negative query resolution step widths are not accepted. Try a positive integer"}',
  },
  {
    name: "too many points",
    url: "/api/v1/query_range?query=up&start=0&end=11001&step=1",
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}',
  },
  {
    name: "execution error is 422",
    url: "/api/v1/query?query=up%2Bon()vector(1)&time=300",
    status: 422,
    body: '{"status":"error","errorType":"execution","error":"multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"}',
  },
  {
    name: "series union over match[]",
    url: '/api/v1/series?match[]=up{job="a"}&match[]=http_requests_total',
    status: 200,
    body: '{"status":"success","data":[{"__name__":"http_requests_total","job":"a"},{"__name__":"up","instance":"x:1","job":"a"}]}',
  },
  {
    name: "series without match[]",
    url: "/api/v1/series",
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"no match[] parameter provided"}',
  },
  {
    name: "series with only empty matchers",
    url: '/api/v1/series?match[]={job=~".*"}',
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"match[] must contain at least one non-empty matcher"}',
  },
  {
    name: "label names",
    url: "/api/v1/labels",
    status: 200,
    body: '{"status":"success","data":["__name__","instance","job"]}',
  },
  {
    name: "label names with match[] and limit",
    url: "/api/v1/labels?match[]=http_requests_total&limit=1",
    status: 200,
    body: '{"status":"success","data":["__name__"],"warnings":["results truncated due to limit"]}',
  },
  {
    name: "label values",
    url: "/api/v1/label/job/values",
    status: 200,
    body: '{"status":"success","data":["a","b"]}',
  },
  {
    name: "label values of an unknown label is an empty list",
    url: "/api/v1/label/nope/values",
    status: 200,
    body: '{"status":"success","data":[]}',
  },
  {
    name: "format_query",
    url: "/api/v1/format_query?query=sum(rate(foo[5m]))by(job)",
    status: 200,
    body: '{"status":"success","data":"sum by (job) (rate(foo[5m]))"}',
  },
  {
    name: "parse_query",
    url: "/api/v1/parse_query?query=" + encodeURIComponent('sum by (job) (rate(foo{a="b"}[5m] offset 1m)) > bool 2'),
    status: 200,
    body:
      '{"status":"success","data":{"type":"binaryExpr","op":">","lhs":{"type":"aggregation","op":"sum",' +
      '"expr":{"type":"call","func":{"name":"rate","argTypes":["matrix"],"variadic":0,"returnType":"vector"},' +
      '"args":[{"type":"matrixSelector","name":"foo","range":300000,"rangeExpr":null,"offset":60000,"offsetExpr":null,' +
      '"matchers":[{"name":"a","value":"b","type":"="},{"name":"__name__","value":"foo","type":"="}],' +
      '"timestamp":null,"startOrEnd":null,"anchored":false,"smoothed":false}]},"param":null,"grouping":["job"],"without":false},' +
      '"rhs":{"type":"numberLiteral","val":"2"},"matching":null,"bool":true}}',
  },
  {
    name: "parse_query with a bad query",
    url: "/api/v1/parse_query?query=" + encodeURIComponent("sum(rate(foo[5m])"),
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:18: parse error: unclosed left parenthesis"}',
  },
  {
    name: "rules without any loaded",
    url: "/api/v1/rules",
    status: 200,
    body: '{"status":"success","data":{"groups":[]}}',
  },
  {
    name: "rules with a bad type",
    url: "/api/v1/rules?type=foo",
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"type\\": not supported value \\"foo\\""}',
  },
  {
    name: "alertmanagers",
    url: "/api/v1/alertmanagers",
    status: 200,
    body: '{"status":"success","data":{"activeAlertmanagers":[{"url":"http://am:9093/api/v2/alerts"}],"droppedAlertmanagers":[]}}',
  },
  {
    name: "active targets only",
    url: "/api/v1/targets?state=active",
    status: 200,
    body: '{"status":"success","data":{"activeTargets":[{"discoveredLabels":{"__address__":"x:1","job":"a"},"labels":{"instance":"x:1","job":"a"},"scrapePool":"a","scrapeUrl":"http://x:1/metrics","globalUrl":"http://x:1/metrics","lastError":"","lastScrape":"2026-01-01T00:00:00Z","lastScrapeDuration":0.01,"health":"up","scrapeInterval":"15s","scrapeTimeout":"10s"}],"droppedTargets":[]}}',
  },
  {
    name: "dropped targets with counts",
    url: "/api/v1/targets?state=dropped",
    status: 200,
    body: '{"status":"success","data":{"activeTargets":[],"droppedTargets":[{"discoveredLabels":{"__address__":"z:9","job":"a"},"scrapePool":"a"}],"droppedTargetCounts":{"a":1}}}',
  },
  {
    name: "targets metadata for one metric",
    url: '/api/v1/targets/metadata?metric=up&match_target={job="a"}',
    status: 200,
    body: '{"status":"success","data":[{"target":{"instance":"x:1","job":"a"},"type":"gauge","help":"Up.","unit":""}]}',
  },
  {
    name: "targets metadata not found",
    url: "/api/v1/targets/metadata?metric=nope",
    status: 404,
    body: '{"status":"error","errorType":"not_found","error":"specified metadata not found"}',
  },
  {
    name: "metadata",
    url: "/api/v1/metadata",
    status: 200,
    body: '{"status":"success","data":{"up":[{"type":"gauge","help":"Up.","unit":""}],"http_requests_total":[{"type":"counter","help":"Requests.","unit":""}]}}',
  },
  {
    name: "tsdb status",
    url: "/api/v1/status/tsdb?limit=2",
    status: 200,
    body: '{"status":"success","data":{"headStats":{"numSeries":3,"numLabelPairs":6,"chunkCount":3,"minTime":0,"maxTime":600000},"seriesCountByMetricName":[{"name":"up","value":2},{"name":"http_requests_total","value":1}],"labelValueCountByLabelName":[{"name":"__name__","value":2},{"name":"instance","value":2}],"memoryInBytesByLabelName":[{"name":"__name__","value":21},{"name":"instance","value":6}],"seriesCountByLabelValuePair":[{"name":"__name__=up","value":2},{"name":"job=a","value":2}]}}',
  },
  {
    name: "wal replay",
    url: "/api/v1/status/walreplay",
    status: 200,
    body: '{"status":"success","data":{"min":0,"max":2,"current":2}}',
  },
  {
    name: "exemplars are empty",
    url: "/api/v1/query_exemplars?query=up",
    status: 200,
    body: '{"status":"success","data":[]}',
  },
  {
    name: "buildinfo",
    url: "/api/v1/status/buildinfo",
    status: 200,
    body: '{"status":"success","data":{"version":"0.1.0","revision":"","branch":"","buildUser":"","buildDate":"","goVersion":"node"}}',
  },
];
for (const c of cases) {
  test(`api v1: ${c.name}`, async () => {
    const res = await app.inject({ method: "GET", url: c.url });
    assert.equal(res.statusCode, c.status);
    assert.equal(res.headers["content-type"], "application/json");
    assert.equal(res.body, c.body);
  });
}

test("api v1: admin endpoints answer unavailable when disabled", async () => {
  const res = await app.inject({ method: "POST", url: "/api/v1/admin/tsdb/snapshot" });
  assert.equal(res.statusCode, 503);
  assert.equal(res.body, '{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}');
});

test("api v1: parse_query by form POST", async () => {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/parse_query",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "query=" + encodeURIComponent('-foo @ start()'),
  });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(JSON.parse(res.body), {
    status: "success",
    data: {
      type: "unaryExpr",
      op: "-",
      expr: {
        type: "vectorSelector",
        name: "foo",
        offset: 0,
        offsetExpr: null,
        matchers: [{ name: "__name__", value: "foo", type: "=" }],
        timestamp: null,
        startOrEnd: "start",
        anchored: false,
        smoothed: false,
      },
    },
  });
});

test("api v1: form POST, body values first", async () => {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/query?time=1",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "query=time()&time=2",
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, '{"status":"success","data":{"resultType":"scalar","result":[2,"2"]}}');
});

test("api v1: gzip when accepted", async () => {
  const res = await app.inject({ method: "GET", url: "/api/v1/label/job/values", headers: { "accept-encoding": "gzip" } });
  assert.equal(res.headers["content-encoding"], "gzip");
  assert.equal(gunzipSync(res.rawPayload).toString(), '{"status":"success","data":["a","b"]}');
});

test("api v1: stats on request", async () => {
  const res = await app.inject({ method: "GET", url: "/api/v1/query?query=up&time=300&stats=all" });
  const body = JSON.parse(res.body) as { data: { stats: { samples: { totalQueryableSamples: number }; timings: object } } };
  assert.equal(body.data.stats.samples.totalQueryableSamples, 2);
  assert.ok("evalTotalTime" in body.data.stats.timings);
});

const tsCases = [
  { t: 0, want: "0" },
  { t: 1500, want: "1.500" },
  { t: 1435781451781, want: "1435781451.781" },
  { t: 1005, want: "1.005" },
  { t: -1500, want: "-1.500" },
];
for (const c of tsCases) test(`timestamp ${c.t}`, () => assert.equal(formatTimestamp(c.t), c.want));

const valueCases = [
  { v: 1, want: "1" },
  { v: 0.1, want: "0.1" },
  { v: 1e21, want: "1e+21" },
  { v: 1e20, want: "100000000000000000000" },
  { v: 1e-7, want: "1e-07" },
  { v: 0.000001, want: "0.000001" },
  { v: Infinity, want: "+Inf" },
  { v: -Infinity, want: "-Inf" },
  { v: NaN, want: "NaN" },
];
for (const c of valueCases) test(`value ${c.v}`, () => assert.equal(formatValue(c.v), c.want));

test("value: the fast path prints what Go's 'f'/'e' formatting prints, over all magnitudes", () => {
  const rnd = seededRandom(7);
  const edges = [1e-6, 1e-6 * (1 - 1e-16), 1e21, 1e21 * (1 - 1e-16), 0.1 + 0.2, 123456789.125, 2 ** 53, 2 ** 53 + 2, -0, 0, 5e-324];
  const vs: number[] = [...edges, ...edges.map((x) => -x)];
  for (let i = 0; i < 20_000; i++) {
    const mant = rnd() * 10;
    const exp = Math.floor(rnd() * 60) - 30;
    vs.push((rnd() < 0.5 ? -1 : 1) * mant * 10 ** exp, Math.round(rnd() * 1e6) / 1000);
  }
  for (const v of vs) {
    const a = Math.abs(v);
    const want = a !== 0 && (a < 1e-6 || a >= 1e21) ? formatFloatE(v) : formatFloatF(v);
    assert.equal(formatValue(v), want, `value ${v}`);
  }
});
