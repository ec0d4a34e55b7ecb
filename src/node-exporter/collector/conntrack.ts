/**
 * The conntrack collector: connection tracking table size and limit from
 * /proc/sys/net/netfilter, and the per-CPU statistics of /proc/net/stat/nf_conntrack summed.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, readText, readUint } from "./collector.ts";

const g = MetricType.Gauge;
const entries = newDesc("node_nf_conntrack_entries", "Number of currently allocated flow entries for connection tracking.", g);
const limit = newDesc("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.", g);
/** The /proc/net/stat/nf_conntrack columns upstream exports, with their HELP texts. */
const statDescs: Record<string, ReturnType<typeof newDesc>> = {
  found: newDesc("node_nf_conntrack_stat_found", "Number of searched entries which were successful.", g),
  invalid: newDesc("node_nf_conntrack_stat_invalid", "Number of packets seen which can not be tracked.", g),
  ignore: newDesc("node_nf_conntrack_stat_ignore", "Number of packets seen which are already connected to a conntrack entry.", g),
  insert: newDesc("node_nf_conntrack_stat_insert", "Number of entries inserted into the list.", g),
  insert_failed: newDesc("node_nf_conntrack_stat_insert_failed", "Number of entries for which list insertion was attempted but failed.", g),
  drop: newDesc("node_nf_conntrack_stat_drop", "Number of packets dropped due to conntrack failure.", g),
  early_drop: newDesc("node_nf_conntrack_stat_early_drop", "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.", g),
  search_restart: newDesc("node_nf_conntrack_stat_search_restart", "Number of conntrack table lookups which had to be restarted due to hashtable resizes.", g),
};

/** Sums the hex per-CPU rows of /proc/net/stat/nf_conntrack by column name. */
export function parseConntrackStat(text: string): Map<string, number> {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const out = new Map<string, number>();
  if (lines.length === 0) return out;
  const names = fields(lines[0]!);
  for (const line of lines.slice(1)) {
    const f = fields(line);
    if (f.length !== names.length) throw new Error(`invalid conntrack stat line: ${line}`);
    for (let i = 0; i < names.length; i++) {
      const v = parseInt(f[i]!, 16);
      if (Number.isNaN(v)) throw new Error(`invalid conntrack stat value: ${f[i]}`);
      out.set(names[i]!, (out.get(names[i]!) ?? 0) + v);
    }
  }
  return out;
}

/** Registers as upstream: "conntrack", enabled by default. */
export const conntrackCollector: CollectorFactory = {
  name: "conntrack",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        try {
          emit(entries, await readUint(ctx.procPath("sys/net/netfilter/nf_conntrack_count")));
          emit(limit, await readUint(ctx.procPath("sys/net/netfilter/nf_conntrack_max")));
        } catch (e) {
          // NOTE: matches upstream: no netfilter module loaded is "no data".
          if (isNotExist(e)) throw new NoDataError("conntrack: nf_conntrack module not loaded");
          throw e;
        }
        let text: string;
        try {
          text = await readText(ctx.procPath("net/stat/nf_conntrack"));
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError("conntrack: /proc/net/stat/nf_conntrack not found");
          throw e;
        }
        const stats = parseConntrackStat(text);
        for (const [name, d] of Object.entries(statDescs)) {
          const v = stats.get(name);
          if (v !== undefined) emit(d, v);
        }
      },
    };
  },
};
