/**
 * Exposition parser benchmark:
 * `npx tsc -p tsconfig.json && node dist/src/exposition/parser.bench.js`.
 *
 * Parses the reference exposition alltypes.237mfs.prom.txt (1857 samples,
 * 237 families) repeated REPEAT times into one body, and the OpenMetrics
 * alltypes.5mfs.om.txt likewise, in three modes:
 *
 * - next: next() only, what a scrape costs when every series is cached
 *   (the loop reads value() and timestamp(), no string per sample);
 * - next+series: plus the series() cache key string per sample;
 * - next+labels: plus labels() per sample, a scrape with a cold cache.
 *
 * Prints samples/s (best of ROUNDS) and heap growth per sample in the
 * `next` mode (heapUsed after the pass minus before, GC before, lowest of
 * ROUNDS; with --expose-gc, which it re-executes itself with when missing).
 * A body ending with a newline (this one, and every scrape) is parsed in
 * place: TextParser appends the newline upstream appends only to a text
 * without one, so no copy of the body shows in the text figure. Values
 * (and OpenMetrics timestamps) with more than 15 significant digits or a
 * decimal exponent beyond +-22 are converted through a short-lived string
 * (see parseGoFloat), which shows in the OpenMetrics figure: its exemplar
 * and `_created` lines carry 16-19 digit floats.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { LabelsBuilder } from "../model/index.ts";
import { exposedGc } from "../util/index.ts";
import { Entry, OpenMetricsParser, TextParser } from "./index.ts";
import type { Parser } from "./index.ts";

const collect = exposedGc(import.meta.url);

const REPEAT = 50;
const ROUNDS = 5;
const refDir = path.resolve(process.cwd(), "../shared/reference/exposition");

type Mode = "next" | "next+series" | "next+labels";

/** One pass; returns the number of samples and a checksum so nothing is optimised away. */
function pass(p: Parser, mode: Mode, lb: LabelsBuilder): { samples: number; check: number } {
  let samples = 0;
  let check = 0;
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e !== Entry.Series) continue;
    samples++;
    const v = p.value();
    if (v === v) check += v > 0 ? 1 : 0;
    if (p.timestamp() !== null) check++;
    if (mode === "next+series") check += p.series().length;
    else if (mode === "next+labels") check += p.labels(lb).length;
  }
  return { samples, check };
}

function bench(name: string, body: string, make: (b: string) => Parser): void {
  const lb = new LabelsBuilder();
  for (const mode of ["next", "next+series", "next+labels"] as const) {
    pass(make(body), mode, lb); // warm up the JIT
    let best = Infinity;
    let samples = 0;
    let heapPerSample = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      const p = make(body);
      collect();
      const heap0 = process.memoryUsage().heapUsed;
      const t0 = process.hrtime.bigint();
      const res = pass(p, mode, lb);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const heap1 = process.memoryUsage().heapUsed;
      samples = res.samples;
      best = Math.min(best, ms);
      heapPerSample = Math.min(heapPerSample, (heap1 - heap0) / res.samples);
    }
    const rate = (samples / best) * 1000;
    const heap = mode === "next" ? `, heap ${heapPerSample.toFixed(1)} B/sample` : "";
    console.log(`${name} ${mode}: ${samples} samples in ${best.toFixed(1)} ms, ${(rate / 1e6).toFixed(2)}M samples/s${heap}`);
  }
}

const prom = readFileSync(path.join(refDir, "alltypes.237mfs.prom.txt"), "utf8").replace(/# EOF\n?$/, "");
bench(`text (alltypes.237mfs x${REPEAT})`, prom.repeat(REPEAT), (b) => new TextParser(b));

const om = readFileSync(path.join(refDir, "alltypes.5mfs.om.txt"), "utf8").replace(/# EOF\n?$/, "");
bench(`OpenMetrics (alltypes.5mfs x${REPEAT * 40})`, `${om.repeat(REPEAT * 40)}# EOF\n`, (b) => new OpenMetricsParser(b));
