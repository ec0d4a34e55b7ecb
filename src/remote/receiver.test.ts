import { test } from "node:test";
import assert from "node:assert/strict";
import { compressSync } from "snappy";
import { Labels, StaleNaNBits } from "../model/index.ts";
import { MemoryStorage } from "../storage/index.ts";
import { seededRandom } from "../util/index.ts";
import { Registry, writeText } from "../exposition/index.ts";
import { WriteHandler, RemoteWriteProtoMsg, protoRoot, parseProtoMsg, WireWriter, encodeWriteRequestV1, encodeWriteRequestV2, encodeLabelsV1 } from "./index.ts";
import type { SampleBatch } from "./index.ts";
import { dumpSamples } from "./remote-test-util.test.ts";
import { LabelsCache } from "./write-decoder.ts";

const NOW = 1_700_000_000_000;
const V2_CT = "application/x-protobuf;proto=io.prometheus.write.v2.Request";

function snappy(b: Uint8Array): Buffer {
  return compressSync(Buffer.from(b), { copyOutputData: true }) as Buffer;
}

/** A WriteRequest encoded by protobufjs reflection from the vendored schema (the reference encoder). */
function v1(obj: object): Uint8Array {
  const T = protoRoot().lookupType("prometheus.WriteRequest");
  return T.encode(T.fromObject(obj)).finish();
}

function v2(obj: object): Uint8Array {
  const T = protoRoot().lookupType("io.prometheus.write.v2.Request");
  return T.encode(T.fromObject(obj)).finish();
}

function handler(m: MemoryStorage, registry?: Registry): WriteHandler {
  return new WriteHandler({ appendable: m, now: () => NOW, ...(registry !== undefined ? { registry } : {}) });
}

async function post(h: WriteHandler, body: Uint8Array, contentType = "application/x-protobuf", contentEncoding = "snappy") {
  return h.handle({ contentType, contentEncoding, body: snappy(body) });
}

test("golden bytes: a 1.0 WriteRequest from Prometheus's wire format is appended", async () => {
  // WriteRequest{timeseries: [{labels: [__name__="a"], samples: [{value: 1.5, timestamp: 1700000000000}]}]},
  // as gogoproto marshals it (field order labels, samples; value then timestamp).
  const golden = Buffer.from("0a210a0d0a085f5f6e616d655f5f120161121009000000000000f83f1080d095ffbc31", "hex");
  const m = new MemoryStorage();
  const res = await post(handler(m), golden);
  assert.equal(res.status, 204);
  assert.equal(res.body, "");
  assert.deepEqual(await dumpSamples(m), ['{__name__="a"} 1700000000000 1.5']);
});

test("golden bytes: our 1.0 encoder produces the gogoproto bytes", () => {
  const w = new WireWriter();
  const batch: SampleBatch = { length: 1, series: Int32Array.of(0), ts: Float64Array.of(1700000000000), vs: Float64Array.of(1.5), stale: Uint8Array.of(0) };
  const got = encodeWriteRequestV1(w, batch, [encodeLabelsV1(Labels.fromStrings("__name__", "a"))]);
  assert.equal(got.toString("hex"), "0a210a0d0a085f5f6e616d655f5f120161121009000000000000f83f1080d095ffbc31");
});

const cases: Array<{ name: string; ct?: string; enc?: string; body: () => Uint8Array; raw?: Buffer; status: number; text?: string; want: string[] }> = [
  {
    name: "1.0 with several series, unsorted labels, label order restored",
    body: () =>
      v1({
        timeseries: [
          { labels: [{ name: "job", value: "x" }, { name: "__name__", value: "up" }], samples: [{ value: 1, timestamp: 1000 }, { value: 0, timestamp: 2000 }] },
          { labels: [{ name: "__name__", value: "neg" }], samples: [{ value: -2.5, timestamp: -5000 }] },
        ],
      }),
    status: 204,
    want: ['{__name__="neg"} -5000 -2.5', '{__name__="up", job="x"} 1000 1', '{__name__="up", job="x"} 2000 0'],
  },
  {
    name: "1.0 series without a metric name is skipped, the rest written",
    body: () =>
      v1({
        timeseries: [
          { labels: [{ name: "job", value: "x" }], samples: [{ value: 1, timestamp: 1000 }] },
          { labels: [{ name: "__name__", value: "ok" }], samples: [{ value: 3, timestamp: 1000 }] },
        ],
      }),
    status: 204,
    want: ['{__name__="ok"} 1000 3'],
  },
  {
    name: "1.0 duplicate label names skip the series",
    body: () => v1({ timeseries: [{ labels: [{ name: "__name__", value: "a" }, { name: "__name__", value: "b" }], samples: [{ value: 1, timestamp: 1 }] }] }),
    status: 204,
    want: [],
  },
  {
    name: "1.0 out-of-order sample: 400 with the reason, nothing written",
    body: () =>
      v1({
        timeseries: [
          { labels: [{ name: "__name__", value: "first" }], samples: [{ value: 1, timestamp: 1000 }] },
          { labels: [{ name: "__name__", value: "ooo" }], samples: [{ value: 1, timestamp: 2000 }, { value: 2, timestamp: 1000 }] },
        ],
      }),
    status: 400,
    text: "out of order sample\n",
    want: [],
  },
  {
    name: "1.0 sample more than 10m in the future: 400 out of bounds",
    body: () => v1({ timeseries: [{ labels: [{ name: "__name__", value: "f" }], samples: [{ value: 1, timestamp: NOW + 11 * 60_000 }] }] }),
    status: 400,
    text: "out of bounds: timestamp is too far in the future\n",
    want: [],
  },
  {
    name: "no Content-Type and no Content-Encoding: assumed 1.0 and snappy",
    ct: "",
    enc: "",
    body: () => v1({ timeseries: [{ labels: [{ name: "__name__", value: "y" }], samples: [{ value: 7, timestamp: 5 }] }] }),
    status: 204,
    want: ['{__name__="y"} 5 7'],
  },
  {
    name: "other media type: 415",
    ct: "application/json",
    body: () => v1({}),
    status: 415,
    text: "expected application/x-protobuf as the first (media) part, got application/json content-type\n",
    want: [],
  },
  {
    name: "unknown proto message: 415",
    ct: "application/x-protobuf;proto=foo.Bar",
    body: () => v1({}),
    status: 415,
    text: "got application/x-protobuf;proto=foo.Bar content type; unknown remote write protobuf message foo.Bar, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request\n",
    want: [],
  },
  {
    name: "gzip encoding: 415",
    enc: "gzip",
    body: () => v1({}),
    status: 415,
    text: "gzip encoding (compression) is not accepted by this server; only snappy is acceptable\n",
    want: [],
  },
  {
    name: "body that is not snappy: 400",
    body: () => new Uint8Array(0),
    raw: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02]),
    status: 400,
    text: "snappy: corrupt input\n",
    want: [],
  },
  {
    name: "truncated protobuf: 400 unexpected EOF",
    body: () => v1({ timeseries: [{ labels: [{ name: "__name__", value: "t" }], samples: [{ value: 1, timestamp: 1 }] }] }).subarray(0, 10),
    status: 400,
    text: "unexpected EOF\n",
    want: [],
  },
  {
    name: "2.0 request with symbols",
    ct: V2_CT,
    body: () =>
      v2({
        symbols: ["", "__name__", "up", "job", "x"],
        timeseries: [{ labels_refs: [1, 2, 3, 4], samples: [{ value: 1, timestamp: 1000 }, { value: 2, timestamp: 2000 }] }],
      }),
    status: 204,
    want: ['{__name__="up", job="x"} 1000 1', '{__name__="up", job="x"} 2000 2'],
  },
  {
    name: "2.0 partial write: invalid series and out-of-order sample reported, the rest committed",
    ct: V2_CT,
    body: () =>
      v2({
        symbols: ["", "__name__", "a", "job", "x"],
        timeseries: [
          { labels_refs: [3, 4], samples: [{ value: 1, timestamp: 1000 }] },
          { labels_refs: [1, 2], samples: [{ value: 1, timestamp: 2000 }, { value: 2, timestamp: 1000 }, { value: 3, timestamp: 3000 }] },
        ],
      }),
    status: 400,
    text: 'invalid metric name or labels, got {job="x"}\nout of order sample for series {__name__="a"}\n',
    want: ['{__name__="a"} 2000 1', '{__name__="a"} 3000 3'],
  },
  {
    name: "2.0 symbol reference out of range: 400",
    ct: V2_CT,
    body: () => v2({ symbols: ["", "__name__"], timeseries: [{ labels_refs: [1, 9], samples: [{ value: 1, timestamp: 1 }] }] }),
    status: 400,
    text: "symbol reference 9 out of range of 2 symbols\n",
    want: [],
  },
];

for (const c of cases) {
  test(`receiver: ${c.name}`, async () => {
    const m = new MemoryStorage();
    const h = handler(m);
    const res = await h.handle({ contentType: c.ct ?? "application/x-protobuf", contentEncoding: c.enc ?? "snappy", body: c.raw ?? snappy(c.body()) });
    assert.equal(res.status, c.status, res.body);
    if (c.text !== undefined) assert.equal(res.body, c.text);
    assert.deepEqual(await dumpSamples(m), c.want);
  });
}

test("receiver: 2.0 responses carry the written-samples headers", async () => {
  const m = new MemoryStorage();
  const res = await post(handler(m), v2({ symbols: ["", "__name__", "a"], timeseries: [{ labels_refs: [1, 2], samples: [{ value: 1, timestamp: 1 }, { value: 2, timestamp: 2 }] }] }), V2_CT);
  assert.equal(res.status, 204);
  assert.equal(res.headers["X-Prometheus-Remote-Write-Samples-Written"], "2");
  assert.equal(res.headers["X-Prometheus-Remote-Write-Histograms-Written"], "0");
});

test("receiver: 2.0 refused when only 1.0 is accepted", async () => {
  const h = new WriteHandler({ appendable: new MemoryStorage(), acceptedMessages: [RemoteWriteProtoMsg.V1] });
  const res = await post(h, v2({}), V2_CT);
  assert.equal(res.status, 415);
  assert.equal(res.body, "io.prometheus.write.v2.Request protobuf message is not accepted by this server; accepted [prometheus.WriteRequest]\n");
});

test("receiver: stale markers keep their meaning both ways", async () => {
  const w = new WireWriter();
  const batch: SampleBatch = { length: 2, series: Int32Array.of(0, 0), ts: Float64Array.of(1, 2), vs: Float64Array.of(4, Number.NaN), stale: Uint8Array.of(0, 1) };
  const body = encodeWriteRequestV1(w, batch, [encodeLabelsV1(Labels.fromStrings("__name__", "s"))]);
  // The stale NaN bits are on the wire.
  const hi = StaleNaNBits.hi.toString(16).padStart(8, "0");
  assert.ok(body.toString("hex").includes(Buffer.from(hi, "hex").reverse().toString("hex")));
  const m = new MemoryStorage();
  assert.equal((await post(handler(m), body)).status, 204);
  assert.deepEqual(await dumpSamples(m), ['{__name__="s"} 1 4', '{__name__="s"} 2 stale']);
});

test("receiver: invalid label samples are counted", async () => {
  const reg = new Registry();
  const m = new MemoryStorage();
  await post(handler(m, reg), v1({ timeseries: [{ labels: [{ name: "job", value: "x" }], samples: [{ value: 1, timestamp: 1 }, { value: 1, timestamp: 2 }] }] }));
  const text = writeText((await reg.gather()).families);
  assert.match(text, /prometheus_api_remote_write_invalid_labels_samples_total 2/);
});

test("parseProtoMsg: parameters as upstream parses them", () => {
  assert.equal(parseProtoMsg("application/x-protobuf"), RemoteWriteProtoMsg.V1);
  assert.equal(parseProtoMsg(V2_CT), RemoteWriteProtoMsg.V2);
  // NOTE: upstream does not trim parameter names, so "; proto=" means 1.0.
  assert.equal(parseProtoMsg("application/x-protobuf; proto=io.prometheus.write.v2.Request"), RemoteWriteProtoMsg.V1);
  assert.ok(parseProtoMsg("application/x-protobuf;charset") instanceof Error);
});

for (const msg of [RemoteWriteProtoMsg.V1, RemoteWriteProtoMsg.V2]) {
  test(`encoder round trip through protobufjs and our receiver (${msg}, seeded)`, async () => {
    const r = seededRandom(42);
    const series: Labels[] = [];
    for (let k = 0; k < 20; k++) series.push(Labels.fromStrings("__name__", `m${k % 3}`, "i", String(k), "u", "ünïcödé ☃"));
    const n = 300;
    const batch: SampleBatch = { length: n, series: new Int32Array(n), ts: new Float64Array(n), vs: new Float64Array(n), stale: new Uint8Array(n) };
    const next = new Float64Array(series.length);
    for (let i = 0; i < n; i++) {
      const k = Math.floor(r() * series.length);
      batch.series[i] = k;
      next[k] = next[k]! + 1 + Math.floor(r() * 1000);
      batch.ts[i] = NOW - 1e9 + next[k]!;
      batch.vs[i] = r() < 0.1 ? 0 : (r() - 0.5) * 1e6;
    }
    const w = new WireWriter(16);
    const body = msg === RemoteWriteProtoMsg.V1 ? encodeWriteRequestV1(w, batch, series.map(encodeLabelsV1)) : encodeWriteRequestV2(w, batch, series);
    // protobufjs reads what we wrote.
    const T = protoRoot().lookupType(msg);
    const obj = T.toObject(T.decode(body), { longs: Number, defaults: true }) as { timeseries: Array<{ samples: Array<{ value: number; timestamp: number }> }> };
    assert.equal(
      obj.timeseries.reduce((a, ts) => a + ts.samples.length, 0),
      n,
    );
    // And our receiver stores exactly the batch.
    const m = new MemoryStorage();
    const res = await post(handler(m), body, msg === RemoteWriteProtoMsg.V1 ? "application/x-protobuf" : V2_CT);
    assert.equal(res.status, 204, res.body);
    const want: string[] = [];
    for (let i = 0; i < n; i++) want.push(`${series[batch.series[i]!]!.toString()} ${batch.ts[i]} ${batch.vs[i]}`);
    const sortKey = (s: string): [string, number] => {
      const j = s.lastIndexOf(" ", s.lastIndexOf(" ") - 1);
      return [s.slice(0, j), Number(s.slice(j + 1).split(" ")[0])];
    };
    want.sort((a, b) => {
      const [la, ta] = sortKey(a);
      const [lb, tb] = sortKey(b);
      return la < lb ? -1 : la > lb ? 1 : ta - tb;
    });
    const got = await dumpSamples(m);
    assert.deepEqual(got.sort((a, b) => {
      const [la, ta] = sortKey(a);
      const [lb, tb] = sortKey(b);
      return la < lb ? -1 : la > lb ? 1 : ta - tb;
    }), want);
  });
}

/** A 1.0 WriteRequest whose one TimeSeries has its fields in the order given (protobuf merges concatenated messages). */
function v1Interleaved(parts: object[]): Uint8Array {
  const TS = protoRoot().lookupType("prometheus.TimeSeries");
  const ts = Buffer.concat(parts.map((p) => TS.encode(TS.fromObject(p)).finish()));
  const len: number[] = [];
  for (let n = ts.length; ; n >>>= 7) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.of(0x0a, ...len), ts]);
}

test("receiver: repeated series (label cache) are stored right, request after request", async () => {
  const up = (job: string, t: number, v: number) => ({ labels: [{ name: "__name__", value: "up" }, { name: "job", value: job }], samples: [{ value: v, timestamp: t }] });
  const steps: Array<{ name: string; body: Uint8Array }> = [
    { name: "first sight", body: v1({ timeseries: [up("a", 1000, 1), up("b", 1000, 2)] }) },
    { name: "same bytes again", body: v1({ timeseries: [up("a", 2000, 3), up("b", 2000, 4)] }) },
    {
      name: "same labels, other order",
      body: v1({ timeseries: [{ labels: [{ name: "job", value: "a" }, { name: "__name__", value: "up" }], samples: [{ value: 5, timestamp: 3000 }] }] }),
    },
    {
      name: "labels split around a sample",
      body: v1Interleaved([{ labels: [{ name: "__name__", value: "up" }] }, { samples: [{ value: 6, timestamp: 4000 }] }, { labels: [{ name: "job", value: "b" }] }]),
    },
    {
      name: "split again",
      body: v1Interleaved([{ labels: [{ name: "__name__", value: "up" }] }, { samples: [{ value: 7, timestamp: 5000 }] }, { labels: [{ name: "job", value: "b" }] }]),
    },
    { name: "no metric name", body: v1({ timeseries: [{ labels: [{ name: "job", value: "a" }], samples: [{ value: 1, timestamp: 1000 }] }] }) },
    { name: "no metric name again", body: v1({ timeseries: [{ labels: [{ name: "job", value: "a" }], samples: [{ value: 1, timestamp: 2000 }] }] }) },
  ];
  const m = new MemoryStorage();
  const reg = new Registry();
  const h = handler(m, reg);
  for (const s of steps) assert.equal((await post(h, s.body)).status, 204, s.name);
  assert.deepEqual(await dumpSamples(m), [
    '{__name__="up", job="a"} 1000 1',
    '{__name__="up", job="a"} 2000 3',
    '{__name__="up", job="a"} 3000 5',
    '{__name__="up", job="b"} 1000 2',
    '{__name__="up", job="b"} 2000 4',
    '{__name__="up", job="b"} 4000 6',
    '{__name__="up", job="b"} 5000 7',
  ]);
  assert.match(writeText((await reg.gather()).families), /prometheus_api_remote_write_invalid_labels_samples_total 2\n/);
});

test("LabelsCache: two generations, hits move back to the current one", () => {
  const c = new LabelsCache();
  const l = Labels.fromStrings("__name__", "x");
  c.add("k0", l);
  for (let i = 1; i <= 100_000; i++) c.add(`k${i}`, l);
  // k0 is in the old generation now, and comes back on a hit.
  assert.equal(c.get("k0"), l);
  for (let i = 100_001; i <= 199_999; i++) c.add(`k${i}`, l);
  assert.equal(c.get("k0"), l, "k0 was hit, so it stayed");
  assert.equal(c.get("k1"), undefined, "k1 was not, so it is gone");
  assert.ok(c.size <= 200_000);
});
