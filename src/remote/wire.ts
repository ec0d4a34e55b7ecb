import { isUtf8 } from "node:buffer";
import { createRequire } from "node:module";
import type protobufjs from "protobufjs";
import { StaleNaNBits } from "../model/index.ts";
import { PROTO_DESCRIPTOR } from "./proto/descriptor.ts";

const require = createRequire(import.meta.url);
let pb: typeof protobufjs | null = null;

/**
 * protobufjs, loaded on first use: only remote read (and tests) use it,
 * and a server that never serves one is spared it (measured importing the
 * remote package: 0.67 MB less heap after GC, 3.4 MB less resident).
 */
function protobuf(): typeof protobufjs {
  if (pb === null) {
    pb = require("protobufjs") as typeof protobufjs;
    // NOTE: int64 fields decode to plain numbers, not Long objects: timestamps
    // in ms fit in 2^53 (see DEPENDENCIES.md).
    pb.util.Long = undefined as unknown as typeof protobufjs.util.Long;
    pb.configure();
  }
  return pb;
}

/** The protobuf wire types. */
export const WireType = {
  Varint: 0,
  Fixed64: 1,
  Bytes: 2,
  Fixed32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** A protobuf message that cannot be decoded; the message is the one upstream's Go decoder uses where one exists. */
export class ProtoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtoDecodeError";
  }
}

const TWO_32 = 4294967296;
const STALE_NAN_HI = StaleNaNBits.hi;
const STALE_NAN_LO = StaleNaNBits.lo;

/**
 * A forward-only reader of protobuf wire data over a Buffer, for the
 * hand-written decoders of the hot paths: it hands out primitives and
 * positions, never objects. Throws ProtoDecodeError on truncated or
 * malformed input.
 */
export class WireReader {
  readonly buf: Buffer;
  pos: number;
  end: number;
  /** Set by string() when a string was not valid UTF-8. */
  invalidUtf8: boolean;
  readonly #view: DataView;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.invalidUtf8 = false;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Reads a varint as an unsigned 32-bit number (higher bits are dropped, as protobuf's uint32). */
  uint32(): number {
    const b = this.buf;
    let v = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoDecodeError("unexpected EOF");
      const c = b[this.pos++]!;
      if (shift < 32) v |= (c & 0x7f) << shift;
      if (c < 0x80) return v >>> 0;
      shift += 7;
    }
    throw new ProtoDecodeError("proto: integer overflow");
  }

  /** Reads a varint as a signed 64-bit integer (two's complement), exact up to 2^53. */
  int64(): number {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; i < 4; i++) {
      if (this.pos >= this.end) throw new ProtoDecodeError("unexpected EOF");
      const c = b[this.pos++]!;
      lo |= (c & 0x7f) << (i * 7);
      if (c < 0x80) return lo >>> 0;
    }
    // Byte 4 carries bits 28..34: 4 low bits into lo, 3 into hi.
    if (this.pos >= this.end) throw new ProtoDecodeError("unexpected EOF");
    let c = b[this.pos++]!;
    lo |= (c & 0x0f) << 28;
    hi = (c & 0x7f) >> 4;
    if (c >= 0x80) {
      for (i = 0; i < 5; i++) {
        if (this.pos >= this.end) throw new ProtoDecodeError("unexpected EOF");
        c = b[this.pos++]!;
        hi |= (c & 0x7f) << (i * 7 + 3);
        if (c < 0x80) break;
      }
      if (c >= 0x80) throw new ProtoDecodeError("proto: integer overflow");
    }
    return (hi | 0) * TWO_32 + (lo >>> 0);
  }

  /** Reads a zigzag-encoded sint64. */
  sint64(): number {
    const v = this.int64();
    // Undo zigzag without BigInt: works exactly for |v| < 2^53.
    const u = v < 0 ? v + 2 * TWO_32 * TWO_32 : v;
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Reads a little-endian double. */
  double(): number {
    if (this.pos + 8 > this.end) throw new ProtoDecodeError("unexpected EOF");
    const v = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads the length of a length-delimited field and returns its end offset, checked against the bounds. */
  delimited(): number {
    const n = this.uint32();
    const e = this.pos + n;
    if (e > this.end) throw new ProtoDecodeError("unexpected EOF");
    return e;
  }

  /**
   * Reads a length-delimited string. Invalid UTF-8 does not throw (as Go's
   * gogoproto, which keeps the bytes): it sets `invalidUtf8`, which the
   * caller resets and checks, and decodes with U+FFFD replacements.
   */
  string(): string {
    const e = this.delimited();
    const s = this.buf.toString("utf8", this.pos, e);
    // Invalid bytes decode to U+FFFD; only then is the exact check needed.
    if (s.includes("\uFFFD") && !isUtf8(this.buf.subarray(this.pos, e))) this.invalidUtf8 = true;
    this.pos = e;
    return s;
  }

  /** Whether the 8 bytes at the current position are Prometheus's stale NaN (0x7ff0000000000002). */
  staleAt(): boolean {
    if (this.pos + 8 > this.end) return false;
    return this.#view.getUint32(this.pos, true) === STALE_NAN_LO && this.#view.getUint32(this.pos + 4, true) === STALE_NAN_HI;
  }

  /** Skips a field of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.int64();
        return;
      case WireType.Fixed64:
        if (this.pos + 8 > this.end) throw new ProtoDecodeError("unexpected EOF");
        this.pos += 8;
        return;
      case WireType.Bytes:
        this.pos = this.delimited();
        return;
      case WireType.Fixed32:
        if (this.pos + 4 > this.end) throw new ProtoDecodeError("unexpected EOF");
        this.pos += 4;
        return;
      default:
        throw new ProtoDecodeError(`proto: illegal wireType ${wireType}`);
    }
  }
}

let root: protobufjs.Root | null = null;

/**
 * The vendored schema (prometheus.* and io.prometheus.write.v2.*) loaded
 * by protobufjs reflection, for the messages off the hot paths (remote
 * read) and for tests. Loaded on first use.
 */
export function protoRoot(): protobufjs.Root {
  root ??= protobuf().Root.fromJSON(PROTO_DESCRIPTOR);
  return root;
}

/** A fresh protobufjs Writer. */
export function newWriter(): protobufjs.Writer {
  return protobuf().Writer.create();
}

/** The field tag of (field number, wire type). */
export function tag(field: number, wireType: WireType): number {
  return (field << 3) | wireType;
}
