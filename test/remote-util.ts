/**
 * Helpers of the remote write/read tests against Debian's Prometheus 2.42:
 * starting and stopping the real binary, a changing exporter, waiting,
 * querying and reading /metrics.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { listen } from "./net.ts";
import { until } from "./until.ts";

/** Debian's Prometheus 2.42. */
export const REAL = "/usr/bin/prometheus";
/** The `skip` option of tests that need the real Prometheus. */
export const skipWithoutReal: string | false = existsSync(REAL) ? false : `${REAL} is not installed`;

type Matrix = Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;

/**
 * The range-vector result of `q` at time `t` (seconds) as sorted lines
 * `<labels as JSON> <timestamp> <value>`, one per sample, `dropLabels` removed.
 */
export async function rangeAt(base: string, q: string, t: number, dropLabels: string[] = []): Promise<string[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}&time=${t}`);
  const body = (await res.json()) as { status: string; data: { resultType: string; result: Matrix }; warnings?: string[] };
  assert.equal(body.status, "success");
  assert.deepEqual(body.warnings ?? [], [], `warnings of ${q} at ${base}`);
  const out: string[] = [];
  for (const s of body.data.result) {
    const m = { ...s.metric };
    for (const d of dropLabels) delete m[d];
    const key = JSON.stringify(Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1))));
    for (const [ts, v] of s.values) out.push(`${key} ${ts} ${v}`);
  }
  return out.sort();
}

/** Samples per series of rangeAt's lines, as `labels → count`. */
export function countsPerSeries(lines: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) {
    const key = l.slice(0, l.indexOf("} ") + 1);
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

/** The value of a scalar-valued instant query at `base`, or null when the result is empty. */
export async function scalarQuery(base: string, q: string): Promise<number | null> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
  const r = body.data.result[0];
  return r === undefined ? null : Number(r.value[1]);
}

/** The newest sample timestamp (seconds) among the series of selector q, 0 when there is none. */
export async function maxTime(base: string, q: string): Promise<number> {
  return (await scalarQuery(base, `max(timestamp(${q}))`)) ?? 0;
}

/**
 * The oldest of the newest sample timestamps (seconds) of the series of
 * selector q over the last `range`: when it is t, every series has samples
 * up to t. 0 when there is no series.
 */
export async function minLastTime(base: string, q: string, range = "2m"): Promise<number> {
  const last = new Map<string, number>();
  for (const l of await rangeAt(base, `${q}[${range}]`, Date.now() / 1000)) {
    const key = l.slice(0, l.indexOf("} ") + 1);
    last.set(key, Math.max(last.get(key) ?? 0, Number(l.slice(key.length + 1).split(" ")[0])));
  }
  return last.size === 0 ? 0 : Math.min(...last.values());
}

/** Starts the real Prometheus with args; its stderr is kept and printed if it exits with an error. */
export function startReal(args: string[]): ChildProcess {
  const proc = spawn(REAL, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr!.on("data", (c: Buffer) => {
    log += c.toString();
    if (log.length > 20_000) log = log.slice(-10_000);
  });
  proc.on("exit", (code) => {
    if (code !== 0 && code !== null) process.stderr.write(`prometheus exited with ${code}:\n${log}\n`);
  });
  return proc;
}

/** Stops a child process with `signal` (SIGTERM unless given) and waits for it to exit. */
export async function stopProcess(p: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((r) => {
    p.once("exit", () => r());
    p.kill(signal);
  });
}

/** Waits until the Prometheus-compatible server at base answers /-/ready. */
export async function waitReady(base: string, what: string, timeoutMs = 60_000): Promise<void> {
  await until(what, async () => ((await fetch(`${base}/-/ready`)).ok ? true : null), timeoutMs);
}

/** A tiny exporter whose two gauges change on every scrape. */
export async function exporter(): Promise<{ port: number; close: () => Promise<void> }> {
  let n = 0;
  const s = createServer((_req, res) => {
    n++;
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end(`# TYPE demo_value gauge\ndemo_value{kind="a"} ${n}\ndemo_value{kind="b"} ${n * 0.5}\n`);
  });
  const port = await listen(s);
  return { port, close: () => new Promise<void>((r) => s.close(() => r())) };
}

/** One sample line of a /metrics page: family (type), name, labels and value. */
export interface MetricLine {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the sample lines and `# TYPE` lines of a text-format page (label values without escaped quotes). */
export function parseMetrics(text: string): { lines: MetricLine[]; types: Map<string, string> } {
  const lines: MetricLine[] = [];
  const types = new Map<string, string>();
  for (const l of text.split("\n")) {
    if (l.startsWith("# TYPE ")) {
      const [name, type] = l.slice(7).split(" ");
      types.set(name!, type!);
      continue;
    }
    if (l === "" || l.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(l);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]!] = lm[2]!;
    lines.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { lines, types };
}

/** The value of metric `name` whose labels include `labels` in a /metrics page; throws if absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const hit = parseMetrics(text).lines.find((l) => l.name === name && Object.entries(labels).every(([k, v]) => l.labels[k] === v));
  if (hit === undefined) throw new Error(`${name}${JSON.stringify(labels)} not on the /metrics page`);
  return hit.value;
}
