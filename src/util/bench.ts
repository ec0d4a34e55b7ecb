/**
 * Helpers of the in-process benchmarks (`*.bench.ts` beside the code): a
 * global gc(), parameters sized from the environment, and the bytes a
 * piece of work allocates.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * The gc() of node's --expose-gc. Without it, runs the benchmark at url
 * again in a child node that has the flag (same arguments, output
 * inherited) and exits with the child's status.
 */
export function exposedGc(url: string): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) return gc;
  const r = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, fileURLToPath(url), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

/** The number in environment variable name, or def when it is unset or empty. */
export function envInt(name: string, def: number): number {
  const v = process.env[name];
  return v === undefined || v === "" ? def : Number(v);
}

/** Profile nodes as the inspector reports them (HeapProfiler.SamplingHeapProfileNode). */
interface HeapProfileNode {
  selfSize: number;
  children: HeapProfileNode[];
}

function totalSize(n: HeapProfileNode): number {
  let s = n.selfSize;
  for (const c of n.children) s += totalSize(c);
  return s;
}

/**
 * The bytes allocated while work runs, including what the minor and major
 * GCs collected in the meantime: V8's sampling heap profiler, one sample
 * per KiB allocated on average (an estimate; the garbage a hot path makes).
 */
export async function allocatedBytes(work: () => Promise<void> | void): Promise<number> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  try {
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await work();
    const { profile } = await session.post("HeapProfiler.stopSampling");
    return totalSize(profile.head as HeapProfileNode);
  } finally {
    session.disconnect();
  }
}
