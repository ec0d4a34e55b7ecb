import { ValueType } from "../storage/index.ts";
import { Rechunker, type SeriesChunks } from "./block/index.ts";
import { oooIterator, type OOOSnapshot } from "./head/index.ts";
import { TombstoneIterator, type Interval } from "./tombstones/index.ts";

/**
 * Out-of-order samples (a snapshot, sorted by labels) in [mint, maxt]
 * (inclusive) as series with XOR chunks, for writing a block of their own,
 * as Prometheus's out-of-order head compaction (such blocks may overlap
 * others; block compaction merges them), without the samples `deleted`
 * gives for a series ref (head tombstones). Computed eagerly, so appends
 * while the block is written cannot change it.
 */
export function oooSeriesChunks(
  snap: readonly OOOSnapshot[],
  mint: number,
  maxt: number,
  deleted: (ref: number) => readonly Interval[] | undefined,
): SeriesChunks[] {
  const out: SeriesChunks[] = [];
  for (const { series, samples } of snap) {
    if (samples.length === 0 || samples.minTime > maxt || samples.maxTime < mint) continue;
    const ivs = deleted(series.ref);
    const it = ivs === undefined ? oooIterator(samples, mint, maxt) : new TombstoneIterator(oooIterator(samples, mint, maxt), ivs);
    const rc = new Rechunker();
    while (it.next() !== ValueType.None) rc.addFrom(it);
    const chunks = rc.finish();
    if (chunks.length > 0) out.push({ labels: series.labels, chunks });
  }
  return out;
}
