/** The object last kept of each class, by constructor. */
const kept = new Map<unknown, object>();

/**
 * Keeps o reachable until another object of the same class is kept: one
 * object per class, whatever it references included.
 *
 * NOTE: a workaround for V8's memory reducer. An object's hidden class
 * (its map) lives only as long as some object has it, and optimized code
 * that embeds a map is thrown away when the map is collected. V8 keeps
 * such maps for two old-generation GCs, except in the GCs its memory
 * reducer starts (about 8 s after the heap grew, once allocation slows
 * down: a scraping server between two rounds of scrapes). Then the maps
 * of every class whose objects live only during a scrape (the parser, the
 * appender, the HTTP response reader) went, and with them the optimized
 * code of the whole scrape path: in the server benchmark's first minute
 * 27 functions were thrown away (V8's --trace-deopt: "weak objects"), and
 * compiling took 220 ms from the reducer's first GC to 30 s after start
 * (--trace-opt), against 90 ms with their objects kept. Call it once per
 * request with one object of each such class: a Map update, no
 * allocation. What it costs is the memory the kept objects reference:
 * for the parser, the last scrape's body.
 */
export function keepShape(o: object): void {
  kept.set(o.constructor, o);
}
