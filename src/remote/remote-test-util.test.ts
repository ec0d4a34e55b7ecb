import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels, Matcher, MatchType } from "../model/index.ts";
import { MemoryStorage, ValueType, type Queryable } from "../storage/index.ts";

/**
 * Every sample of a Queryable as lines `<labels> <t> <v>` ("stale" for a
 * stale marker), series in label order: what the remote tests compare.
 */
export async function dumpSamples(q: Queryable, mint = -Infinity, maxt = Infinity): Promise<string[]> {
  const querier = await q.querier(mint === -Infinity ? -8.64e15 : mint, maxt === Infinity ? 8.64e15 : maxt);
  const ss = await querier.select(true, null, new Matcher(MatchType.Regexp, "__name__", ".+"));
  const out: string[] = [];
  while (ss.next()) {
    const s = ss.at();
    const it = s.iterator();
    while (it.next() !== ValueType.None) out.push(`${s.labels.toString()} ${it.atT()} ${it.isStale() ? "stale" : it.atF()}`);
  }
  querier.close();
  return out;
}

test("dumpSamples lists samples in label order", async () => {
  const m = new MemoryStorage();
  const app = m.appender();
  app.append(0, Labels.fromStrings("__name__", "b"), 1, 2);
  app.append(0, Labels.fromStrings("__name__", "a"), 3, 4, { stale: true });
  await app.commit();
  assert.deepEqual(await dumpSamples(m), ['{__name__="a"} 3 stale', '{__name__="b"} 1 2']);
});
