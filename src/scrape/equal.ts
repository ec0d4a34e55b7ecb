/**
 * Structural equality of configuration values (Go's reflect.DeepEqual for
 * the shapes configs have): primitives, arrays, Maps, Sets, RegExps and
 * objects compared field by field, with the same prototype.
 */
import type { ScrapeConfig } from "../config/index.ts";

/** Whether a and b hold the same data. NaN equals NaN. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof RegExp) return a.source === (b as RegExp).source && a.flags === (b as RegExp).flags;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    const bm = b as Map<unknown, unknown>;
    if (a.size !== bm.size) return false;
    for (const [k, v] of a) if (!bm.has(k) || !deepEqual(v, bm.get(k))) return false;
    return true;
  }
  if (a instanceof Set) {
    const bs = b as Set<unknown>;
    if (a.size !== bs.size) return false;
    for (const v of a) if (!bs.has(v)) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * Whether a reloaded pool may keep its loops' scrape caches: the configs
 * differ at most in interval, timeout, sample limit and HTTP client
 * settings, which do not change the series produced (upstream's reusableCache).
 */
export function reusableCache(a: ScrapeConfig, b: ScrapeConfig): boolean {
  const zero = (c: ScrapeConfig): ScrapeConfig => ({ ...c, scrapeIntervalMs: 0, scrapeTimeoutMs: 0, sampleLimit: 0, httpClientConfig: b.httpClientConfig });
  return deepEqual(zero(a), zero(b));
}
