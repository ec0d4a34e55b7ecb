/**
 * The cluster's wire format. Every exchange is one TCP connection: the
 * caller writes one request frame, the listener answers with one frame
 * (Ack or PushPull) and the caller closes.
 *
 *   frame  := u32 BE length of what follows
 *             u8 version (1) | u8 type | u16 BE label length | label (UTF-8)
 *             u32 BE header length | header (JSON, UTF-8)
 *             blob*            ; blob := u32 BE length | bytes
 *
 * The JSON header carries the structure (node names, addresses,
 * incarnations, the keys of the state parts); the blobs carry the
 * replicated state as its owner encodes it (silencepb / nflogpb delimited
 * messages), in the order of the header's `parts`.
 *
 * NOTE: this is promstack's own protocol, not hashicorp/memberlist's:
 * promstack replicas cluster with each other, not with Go Alertmanagers.
 */

/** Frame types. */
export const FrameType = {
  /** Probe: "are you `to`?"; answered by Ack. */
  Ping: 1,
  /** Answer to Ping and Gossip. */
  Ack: 2,
  /** Membership updates and state deltas; answered by Ack. */
  Gossip: 3,
  /** Full member list and state; answered by PushPull with the listener's own. */
  PushPull: 4,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Member states (memberlist's alive, suspect, dead, left). */
export const MemberState = { Alive: "alive", Suspect: "suspect", Dead: "dead", Left: "left" } as const;
export type MemberState = (typeof MemberState)[keyof typeof MemberState];

/** A node as the sender knows itself. */
export interface NodeInfo {
  readonly name: string;
  /** Advertised `host:port`. */
  readonly addr: string;
  /** Incarnation: raised by the node to refute suspicion. */
  readonly inc: number;
}

/** A statement about a member: "`name` at incarnation `inc` is `state`", made by `from`. */
export interface MemberUpdate extends NodeInfo {
  readonly state: MemberState;
  readonly from: string;
}

/** One replicated state's bytes under its key ("sil", "nfl"). */
export interface StatePart {
  readonly key: string;
  readonly data: Uint8Array;
}

/** A decoded frame. `updates` and `parts` are empty for Ping and Ack. */
export interface Frame {
  readonly type: FrameType;
  readonly label: string;
  readonly from: NodeInfo;
  /** Ping: the name the caller expects to reach; "" otherwise. */
  readonly to: string;
  /** PushPull: whether the caller is joining (upstream's join flag). */
  readonly join: boolean;
  readonly updates: readonly MemberUpdate[];
  readonly parts: readonly StatePart[];
}

/** Bytes that are not a valid frame. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FrameError";
  }
}

const VERSION = 1;
/** Largest frame accepted: a full state of ~100k silences or nflog entries fits well below. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

/** Encodes a frame. Throws FrameError when it exceeds MAX_FRAME_BYTES. */
export function encodeFrame(f: Frame): Uint8Array {
  const label = enc.encode(f.label);
  const header = enc.encode(
    JSON.stringify({ from: f.from, to: f.to, join: f.join, updates: f.updates, parts: f.parts.map((p) => p.key) }),
  );
  let size = 1 + 1 + 2 + label.length + 4 + header.length;
  for (const p of f.parts) size += 4 + p.data.length;
  if (size > MAX_FRAME_BYTES) throw new FrameError(`frame of ${size} bytes exceeds ${MAX_FRAME_BYTES}`);
  if (label.length > 0xffff) throw new FrameError("cluster label too long");
  const out = new Uint8Array(4 + size);
  const dv = new DataView(out.buffer);
  let o = 0;
  dv.setUint32(o, size);
  o += 4;
  out[o++] = VERSION;
  out[o++] = f.type;
  dv.setUint16(o, label.length);
  o += 2;
  out.set(label, o);
  o += label.length;
  dv.setUint32(o, header.length);
  o += 4;
  out.set(header, o);
  o += header.length;
  for (const p of f.parts) {
    dv.setUint32(o, p.data.length);
    o += 4;
    out.set(p.data, o);
    o += p.data.length;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nodeInfo(v: unknown, what: string): NodeInfo {
  if (!isObject(v) || typeof v.name !== "string" || typeof v.addr !== "string" || !Number.isSafeInteger(v.inc) || (v.inc as number) < 0) {
    throw new FrameError(`invalid ${what}`);
  }
  return { name: v.name, addr: v.addr, inc: v.inc as number };
}

const STATES = new Set<string>(Object.values(MemberState));

function memberUpdate(v: unknown): MemberUpdate {
  const n = nodeInfo(v, "member update");
  const o = v as Record<string, unknown>;
  if (typeof o.state !== "string" || !STATES.has(o.state) || typeof o.from !== "string") throw new FrameError("invalid member update");
  return { ...n, state: o.state as MemberState, from: o.from };
}

/**
 * Decodes the body of a frame (what follows the u32 length). Throws
 * FrameError for an unknown version or type, a malformed header or blobs
 * that do not match the header's parts.
 */
export function decodeFrameBody(b: Uint8Array): Frame {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const need = (o: number, n: number): void => {
    if (o + n > b.length) throw new FrameError("truncated frame");
  };
  need(0, 4);
  if (b[0] !== VERSION) throw new FrameError(`unsupported frame version ${b[0]}`);
  const type = b[1]!;
  if (type < FrameType.Ping || type > FrameType.PushPull) throw new FrameError(`unknown frame type ${type}`);
  let o = 2;
  const labelLen = dv.getUint16(o);
  o += 2;
  need(o, labelLen + 4);
  let label: string;
  let header: unknown;
  try {
    label = dec.decode(b.subarray(o, o + labelLen));
    o += labelLen;
    const headerLen = dv.getUint32(o);
    o += 4;
    need(o, headerLen);
    header = JSON.parse(dec.decode(b.subarray(o, o + headerLen)));
    o += headerLen;
  } catch (e) {
    if (e instanceof FrameError) throw e;
    throw new FrameError(`invalid frame header: ${(e as Error).message}`);
  }
  if (!isObject(header)) throw new FrameError("invalid frame header");
  const from = nodeInfo(header.from, "sender");
  const to = typeof header.to === "string" ? header.to : "";
  const join = header.join === true;
  const updates = Array.isArray(header.updates) ? header.updates.map(memberUpdate) : [];
  const keys = Array.isArray(header.parts) ? header.parts : [];
  const parts: StatePart[] = [];
  for (const key of keys) {
    if (typeof key !== "string") throw new FrameError("invalid part key");
    need(o, 4);
    const n = dv.getUint32(o);
    o += 4;
    need(o, n);
    parts.push({ key, data: b.subarray(o, o + n) });
    o += n;
  }
  if (o !== b.length) throw new FrameError("trailing bytes after the last part");
  return { type: type as FrameType, label, from, to, join, updates, parts };
}

/**
 * Splits a byte stream into frames. push() chunks as they arrive; next()
 * returns each complete frame body once, or null while incomplete. Throws
 * FrameError for a frame announced larger than MAX_FRAME_BYTES.
 */
export class FrameReader {
  #chunks: Uint8Array[];
  #buffered: number;

  constructor() {
    this.#chunks = [];
    this.#buffered = 0;
  }

  /** Adds received bytes. */
  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** The next complete frame, or null. */
  next(): Frame | null {
    if (this.#buffered < 4) return null;
    const size = this.#peekSize();
    if (size > MAX_FRAME_BYTES) throw new FrameError(`frame of ${size} bytes exceeds ${MAX_FRAME_BYTES}`);
    // Flatten only once the frame is complete: a big state arrives in many chunks.
    if (this.#buffered < 4 + size) return null;
    const all = this.#flatten();
    const body = all.subarray(4, 4 + size);
    const rest = all.subarray(4 + size);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return decodeFrameBody(body);
  }

  #peekSize(): number {
    let size = 0;
    let n = 0;
    for (const c of this.#chunks) {
      for (let i = 0; i < c.length && n < 4; i++, n++) size = size * 256 + c[i]!;
      if (n === 4) break;
    }
    return size;
  }

  #flatten(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0]!;
    const all = new Uint8Array(this.#buffered);
    let o = 0;
    for (const c of this.#chunks) {
      all.set(c, o);
      o += c.length;
    }
    this.#chunks = [all];
    return all;
  }
}
