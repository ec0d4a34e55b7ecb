import { test } from "node:test";
import assert from "node:assert/strict";
import { compressSync, uncompressSync } from "snappy";
import { Labels } from "../model/index.ts";
import { MemoryStorage, ValueType } from "../storage/index.ts";
import { crc32cUpdate, XORChunk } from "../tsdb/index.ts";
import { ReadHandler, STREAMED_CONTENT_TYPE, protoRoot, filterExternalMatchers } from "./index.ts";
import { Matcher, MatchType } from "../model/index.ts";

async function storage(): Promise<MemoryStorage> {
  const m = new MemoryStorage();
  const app = m.appender();
  for (let i = 0; i < 300; i++) {
    app.append(0, Labels.fromStrings("__name__", "a", "job", "x"), i * 1000, i);
    if (i % 2 === 0) app.append(0, Labels.fromStrings("__name__", "b", "job", "x"), i * 1000, -i, i === 298 ? { stale: true } : undefined);
  }
  await app.commit();
  return m;
}

function readRequest(obj: object): Buffer {
  const T = protoRoot().lookupType("prometheus.ReadRequest");
  return compressSync(Buffer.from(T.encode(T.fromObject(obj)).finish()), { copyOutputData: true }) as Buffer;
}

const query = (matchers: object[], start = 0, end = 299_000) => ({ start_timestamp_ms: start, end_timestamp_ms: end, matchers });

async function collect(body: Buffer | AsyncIterable<Buffer>): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const parts: Buffer[] = [];
  for await (const b of body) parts.push(b);
  return Buffer.concat(parts);
}

test("remote read: SAMPLES response with external labels merged, series labels winning", async () => {
  const h = new ReadHandler({ queryable: await storage(), externalLabels: () => Labels.fromStrings("cluster", "c1", "job", "ext") });
  const res = await h.handle(readRequest({ queries: [query([{ type: 0, name: "__name__", value: "a" }], 10_000, 12_000)] }));
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-encoding"], "snappy");
  const R = protoRoot().lookupType("prometheus.ReadResponse");
  const obj = R.toObject(R.decode(uncompressSync(await collect(res.body), { asBuffer: true, copyOutputData: true }) as Buffer), { longs: Number });
  assert.deepEqual(obj, {
    results: [
      {
        timeseries: [
          {
            labels: [
              { name: "__name__", value: "a" },
              { name: "cluster", value: "c1" },
              { name: "job", value: "x" },
            ],
            samples: [
              { value: 10, timestamp: 10_000 },
              { value: 11, timestamp: 11_000 },
              { value: 12, timestamp: 12_000 },
            ],
          },
        ],
      },
    ],
  });
});

test("remote read: STREAMED_XOR_CHUNKS frames carry checksummed XOR chunks of 120 samples", async () => {
  const h = new ReadHandler({ queryable: await storage(), externalLabels: () => Labels.EMPTY });
  const res = await h.handle(readRequest({ queries: [query([{ type: 2, name: "__name__", value: "a|b" }])], accepted_response_types: [1, 0] }));
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], STREAMED_CONTENT_TYPE);
  const raw = await collect(res.body);
  const T = protoRoot().lookupType("prometheus.ChunkedReadResponse");
  const got: string[] = [];
  let off = 0;
  let chunks = 0;
  while (off < raw.length) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = raw[off++]!;
      len |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    const crc = raw.readUInt32BE(off);
    off += 4;
    const msg = raw.subarray(off, off + len);
    off += len;
    assert.equal(crc32cUpdate(0, msg, 0, msg.length) >>> 0, crc);
    const o = T.toObject(T.decode(msg), { longs: Number, defaults: true }) as {
      chunked_series: Array<{ labels: Array<{ name: string; value: string }>; chunks: Array<{ min_time_ms: number; max_time_ms: number; type: number; data: Uint8Array }> }>;
    };
    for (const s of o.chunked_series) {
      const name = s.labels.find((l) => l.name === "__name__")!.value;
      for (const c of s.chunks) {
        chunks++;
        assert.equal(c.type, 1);
        const it = XORChunk.fromBytes(c.data).iterator();
        let first = -1;
        let last = -1;
        while (it.next() !== ValueType.None) {
          if (first < 0) first = it.atT();
          last = it.atT();
          got.push(`${name} ${it.atT()} ${it.isStale() ? "stale" : it.atF()}`);
        }
        assert.equal(c.min_time_ms, first);
        assert.equal(c.max_time_ms, last);
      }
    }
  }
  assert.equal(got.length, 300 + 150);
  assert.equal(chunks, 3 + 2);
  assert.equal(got[0], "a 0 0");
  assert.equal(got[got.length - 1], "b 298000 stale");
});

test("remote read: unsupported response types are refused", async () => {
  const h = new ReadHandler({ queryable: new MemoryStorage(), externalLabels: () => Labels.EMPTY });
  const res = await h.handle(readRequest({ queries: [], accepted_response_types: [7] }));
  assert.equal(res.status, 400);
  assert.equal((await collect(res.body)).toString(), "server does not support any of the requested response types: [7]; supported: [SAMPLES STREAMED_XOR_CHUNKS]\n");
});

test("remote read: the sample limit answers 400", async () => {
  const h = new ReadHandler({ queryable: await storage(), externalLabels: () => Labels.EMPTY, sampleLimit: 10 });
  const res = await h.handle(readRequest({ queries: [query([{ type: 0, name: "__name__", value: "a" }])] }));
  assert.equal(res.status, 400);
  assert.equal((await collect(res.body)).toString(), "exceeded sample limit (10)\n");
});

test("remote read: a body that is not snappy is a bad request", async () => {
  const h = new ReadHandler({ queryable: new MemoryStorage(), externalLabels: () => Labels.EMPTY });
  const res = await h.handle(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 1]));
  assert.equal(res.status, 400);
});

test("filterExternalMatchers drops equality matchers the external labels satisfy", () => {
  const ext = Labels.fromStrings("cluster", "c1");
  const ms = [new Matcher(MatchType.Equal, "cluster", "c1"), new Matcher(MatchType.Equal, "cluster", "c2"), new Matcher(MatchType.Equal, "job", "x")];
  assert.deepEqual(
    filterExternalMatchers(ms, ext).map((m) => `${m.name}${m.type}${m.value}`),
    ["cluster=c2", "job=x"],
  );
});
