/**
 * XOR decoding benchmark, in process: `npx tsc -p tsconfig.json && node
 * dist/src/tsdb/chunkenc/xor.bench.js` (re-executes itself with --expose-gc).
 *
 * Encodes XOR_BENCH_CHUNKS chunks (default 20,000) of 120 samples each,
 * a third each of counters (integer increments), gauges (one decimal, as a
 * scraped gauge) and random floats, at a 15 s interval with a few ms of
 * scrape jitter, then decodes all of them XOR_BENCH_ROUNDS times (default
 * 10), one iterator reused across chunks, in three ways:
 *
 *   next    next() / atT() / atF() per sample (what seek-driven callers do)
 *   readInto  readInto() of every sample into Float64Arrays (the engine's selector reads)
 *   seek    seek() to the middle of the chunk, then readInto() of the rest
 *
 * For each: samples per CPU-second, then bytes allocated per sample over
 * as many rounds again (V8's sampling heap profiler, counting objects minor
 * and major GCs collected). CPU times are what count: the machine may be
 * shared. A checksum of the decoded samples guards against the decoder
 * being optimised away and against results that differ between ways.
 */
import { ValueType } from "../../storage/index.ts";
import { allocatedBytes, envInt, exposedGc } from "../../util/index.ts";
import { XORChunk, XORIterator } from "./xor.ts";

const gc = exposedGc(import.meta.url);
const CHUNKS = envInt("XOR_BENCH_CHUNKS", 20_000);
const ROUNDS = envInt("XOR_BENCH_ROUNDS", 10);
const SAMPLES = 120;
const INTERVAL = 15_000;

function log(msg: string): void {
  process.stdout.write(`[xor bench] ${msg}\n`);
}

/** A deterministic pseudo-random generator (xorshift32), so runs decode the same data. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function makeChunks(): Uint8Array[] {
  const rand = rng(42);
  const out: Uint8Array[] = [];
  const t0 = Math.floor(Date.UTC(2024, 0, 1) / INTERVAL) * INTERVAL;
  for (let c = 0; c < CHUNKS; c++) {
    const chunk = XORChunk.create();
    const app = chunk.appender();
    let t = t0 + c * 7;
    let v = Math.floor(rand() * 100_000);
    const kind = c % 3;
    for (let i = 0; i < SAMPLES; i++) {
      // Most scrapes land on the interval; some a few ms off.
      const jitter = rand() < 0.2 ? Math.floor(rand() * 9) - 4 : 0;
      if (kind === 0) v += 1 + Math.floor(rand() * 20);
      else if (kind === 1) v = Math.round(rand() * 1000) / 10;
      else v = rand() * 1e3;
      app.append(t + jitter, v);
      t += INTERVAL;
    }
    out.push(chunk.bytes().slice());
  }
  return out;
}

/** The same scratch arrays for every way, sized for a whole chunk. */
const ts = new Float64Array(SAMPLES);
const vs = new Float64Array(SAMPLES);

type Way = (it: XORIterator, chunks: Uint8Array[]) => number;

const ways: Record<string, Way> = {
  next(it, chunks) {
    let sum = 0;
    for (const c of chunks) {
      it.reset(c);
      while (it.next() !== ValueType.None) sum += it.atT() + it.atF();
    }
    return sum;
  },
  readInto(it, chunks) {
    let sum = 0;
    for (const c of chunks) {
      it.reset(c);
      if (it.next() === ValueType.None) continue;
      sum += it.atT() + it.atF();
      const n = it.readInto(ts, vs, null, Number.POSITIVE_INFINITY);
      for (let i = 0; i < n; i++) sum += ts[i]! + vs[i]!;
    }
    return sum;
  },
  seek(it, chunks) {
    let sum = 0;
    for (const c of chunks) {
      it.reset(c);
      if (it.next() === ValueType.None) continue;
      // The middle of the chunk.
      if (it.seek(it.atT() + (SAMPLES / 2) * INTERVAL - 1000) === ValueType.None) continue;
      sum += it.atT() + it.atF();
      const n = it.readInto(ts, vs, null, Number.POSITIVE_INFINITY);
      for (let i = 0; i < n; i++) sum += ts[i]! + vs[i]!;
    }
    return sum;
  },
};

/** Samples each way visits per round (seek skips half of each chunk). */
function samplesPerRound(way: string): number {
  return way === "seek" ? CHUNKS * (SAMPLES / 2) : CHUNKS * SAMPLES;
}

const chunks = makeChunks();
const bytes = chunks.reduce((s, c) => s + c.length, 0);
log(`${CHUNKS} chunks of ${SAMPLES} samples, ${(bytes / (CHUNKS * SAMPLES)).toFixed(2)} bytes per sample, ${ROUNDS} rounds per measurement`);
const it = new XORIterator(chunks[0]!);
const sums = new Map<string, number>();
for (const [name, way] of Object.entries(ways)) {
  // Warm up until optimised.
  for (let r = 0; r < 3; r++) way(it, chunks);
  gc();
  const cpu0 = process.cpuUsage();
  let sum = 0;
  for (let r = 0; r < ROUNDS; r++) sum = way(it, chunks);
  const cpu = process.cpuUsage(cpu0);
  const sec = (cpu.user + cpu.system) / 1e6;
  const samples = ROUNDS * samplesPerRound(name);
  const perSample =
    (await allocatedBytes(() => {
      for (let r = 0; r < ROUNDS; r++) way(it, chunks);
    })) / samples;
  sums.set(name, sum);
  log(
    `${name.padEnd(8)} ${Math.round(samples / sec).toLocaleString("en-US").padStart(12)} samples per CPU-second, ${perSample.toFixed(2)} B allocated per sample`,
  );
}
if (sums.get("next") !== sums.get("readInto")) throw new Error(`BUG: next and readInto decode differently: ${sums.get("next")} vs ${sums.get("readInto")}`);
