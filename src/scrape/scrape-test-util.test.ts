// Helpers shared by the scrape tests (no tests of its own).
import { loadConfig } from "../config/index.ts";
import type { Config, ScrapeConfig } from "../config/index.ts";
import { Labels } from "../model/index.ts";
import { MemoryStorage, ValueType } from "../storage/index.ts";
import type { ScrapeResponse } from "./http-client.ts";
import type { Scraper } from "./loop.ts";

/** A config from YAML (validated, defaults filled in). */
export function config(yaml: string): Config {
  return loadConfig(yaml, "prometheus.yml");
}

/** The first scrape config of a YAML `scrape_configs` entry, e.g. "job_name: a\nscrape_interval: 10s". */
export function scrapeConfig(job: string): ScrapeConfig {
  const indented = job
    .trim()
    .split("\n")
    .map((l, i) => (i === 0 ? "  - " : "    ") + l)
    .join("\n");
  return config(`scrape_configs:\n${indented}\n`).scrapeConfigs[0]!;
}

/** One sample as dump() shows it: [t, value] or [t, "stale"]. */
export type Point = [number, number | "stale"];

/** Every series of the storage as `{labels}` text to its samples. */
export async function dump(db: MemoryStorage): Promise<Map<string, Point[]>> {
  const q = await db.querier(-1e15, 1e15);
  const ss = await q.select(true, null);
  const out = new Map<string, Point[]>();
  while (ss.next()) {
    const s = ss.at();
    const it = s.iterator();
    const pts: Point[] = [];
    while (it.next() !== ValueType.None) pts.push([it.atT(), it.isStale() ? "stale" : it.atF()]);
    out.set(s.labels.toString(), pts);
  }
  q.close();
  return out;
}

/** The text-format response for body. */
export function text(body: string): ScrapeResponse {
  return { contentType: "text/plain; version=0.0.4", body: Buffer.from(body) };
}

/**
 * A scraper answering from a queue (the last answer repeats); an Error
 * answer rejects. Each answer's body is a fresh copy: the loop may
 * transfer (detach) the body it gets.
 */
export class FakeScraper implements Scraper {
  readonly answers: Array<ScrapeResponse | Error>;
  calls = 0;
  /** Called by a response's release() with its body. */
  onRelease: ((body: Uint8Array) => void) | null = null;
  constructor(...answers: Array<ScrapeResponse | Error>) {
    this.answers = answers;
  }
  async scrape(_signal: AbortSignal): Promise<ScrapeResponse> {
    const a = this.answers.length > 1 ? this.answers.shift()! : this.answers[0]!;
    this.calls++;
    if (a instanceof Error) throw a;
    const body = Uint8Array.prototype.slice.call(a.body);
    return { contentType: a.contentType, body, release: () => this.onRelease?.(body) };
  }
}

/** Labels from an object. */
export function L(o: Record<string, string>): Labels {
  return Labels.fromObject(o);
}
