import { test } from "node:test";
import assert from "node:assert/strict";
import { seededRandom } from "../../util/index.ts";
import { FrameError, FrameReader, FrameType, MemberState, decodeFrameBody, encodeFrame } from "./index.ts";
import type { Frame } from "./index.ts";

const from = { name: "01HZX", addr: "10.0.0.1:9094", inc: 3 };

const frames: { name: string; frame: Frame }[] = [
  { name: "ping", frame: { type: FrameType.Ping, label: "", from, to: "01HZY", join: false, updates: [], parts: [] } },
  { name: "ack with a label", frame: { type: FrameType.Ack, label: "prod-é", from, to: "", join: false, updates: [], parts: [] } },
  {
    name: "gossip with updates and parts",
    frame: {
      type: FrameType.Gossip,
      label: "",
      from,
      to: "",
      join: false,
      updates: [
        { name: "a", addr: "[::1]:9094", inc: 0, state: MemberState.Suspect, from: "b" },
        { name: "c", addr: "10.0.0.3:9094", inc: 7, state: MemberState.Left, from: "c" },
      ],
      parts: [
        { key: "sil", data: Uint8Array.of(1, 2, 3) },
        { key: "nfl", data: new Uint8Array(0) },
      ],
    },
  },
  {
    name: "push-pull join",
    frame: { type: FrameType.PushPull, label: "", from, to: "", join: true, updates: [], parts: [{ key: "sil", data: Uint8Array.of(9) }] },
  },
];

for (const c of frames) {
  test(`frame round trip: ${c.name}`, () => {
    const b = encodeFrame(c.frame);
    const size = new DataView(b.buffer).getUint32(0);
    assert.equal(size, b.length - 4);
    const got = decodeFrameBody(b.subarray(4));
    assert.deepEqual({ ...got, parts: got.parts.map((p) => ({ key: p.key, data: [...p.data] })) }, {
      ...c.frame,
      parts: c.frame.parts.map((p) => ({ key: p.key, data: [...p.data] })),
    });
  });
}

test("the reader reassembles frames split at every possible point", () => {
  const rnd = seededRandom(7);
  const all = frames.map((c) => encodeFrame(c.frame));
  const stream = new Uint8Array(all.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of all) {
    stream.set(b, o);
    o += b.length;
  }
  for (let round = 0; round < 50; round++) {
    const r = new FrameReader();
    const got: FrameType[] = [];
    let i = 0;
    while (i < stream.length) {
      const n = 1 + Math.floor(rnd() * 40);
      r.push(stream.slice(i, i + n));
      i += n;
      for (let f = r.next(); f !== null; f = r.next()) got.push(f.type);
    }
    assert.deepEqual(got, frames.map((c) => c.frame.type));
  }
});

function body(header: string, opts: { version?: number; type?: number; blobs?: Uint8Array[] } = {}): Uint8Array {
  const h = new TextEncoder().encode(header);
  const blobs = opts.blobs ?? [];
  const out = new Uint8Array(2 + 2 + 4 + h.length + blobs.reduce((n, b) => n + 4 + b.length, 0));
  const dv = new DataView(out.buffer);
  out[0] = opts.version ?? 1;
  out[1] = opts.type ?? FrameType.Gossip;
  dv.setUint16(2, 0);
  dv.setUint32(4, h.length);
  out.set(h, 8);
  let o = 8 + h.length;
  for (const b of blobs) {
    dv.setUint32(o, b.length);
    out.set(b, o + 4);
    o += 4 + b.length;
  }
  return out;
}

const okFrom = JSON.stringify(from);
const bad = [
  { name: "unknown version", b: body(`{"from":${okFrom}}`, { version: 2 }), msg: /unsupported frame version 2/ },
  { name: "unknown type", b: body(`{"from":${okFrom}}`, { type: 9 }), msg: /unknown frame type 9/ },
  { name: "header not JSON", b: body("{"), msg: /invalid frame header/ },
  { name: "sender missing", b: body("{}"), msg: /invalid sender/ },
  { name: "negative incarnation", b: body(`{"from":{"name":"a","addr":"b","inc":-1}}`), msg: /invalid sender/ },
  { name: "bad member state", b: body(`{"from":${okFrom},"updates":[{"name":"a","addr":"b","inc":1,"state":"zombie","from":"x"}]}`), msg: /invalid member update/ },
  { name: "part without its blob", b: body(`{"from":${okFrom},"parts":["sil"]}`), msg: /truncated frame/ },
  { name: "blob without a part", b: body(`{"from":${okFrom}}`, { blobs: [Uint8Array.of(1)] }), msg: /trailing bytes/ },
  { name: "truncated", b: Uint8Array.of(1), msg: /truncated frame/ },
];
for (const c of bad) {
  test(`decode rejects: ${c.name}`, () => assert.throws(() => decodeFrameBody(c.b), (e: Error) => e instanceof FrameError && c.msg.test(e.message)));
}

test("the reader rejects a frame announced larger than the limit", () => {
  const r = new FrameReader();
  r.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
  assert.throws(() => r.next(), FrameError);
});
