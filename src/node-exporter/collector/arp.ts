/**
 * The arp collector: ARP table entries per device from /proc/net/arp as
 * node_arp_entries{device}, filtered by --collector.arp.device-include /
 * -exclude.
 *
 * NOTE: upstream defaults --collector.arp.netlink to true and then also
 * reports node_arp_states from rtnetlink; Node.js has no netlink sockets, so
 * this collector always reads /proc/net/arp (upstream's --no-collector.arp.netlink
 * mode) and says so once at start when netlink was asked for.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, compileGoRegexp, fields, readText } from "./collector.ts";

const entriesDesc = newDesc("node_arp_entries", "ARP entries by device", MetricType.Gauge, ["device"]);

/** Counts /proc/net/arp rows by their device column (the last one), skipping the header. */
export function parseArpEntries(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (f.length === 0 || f[0] === "IP") continue;
    // NOTE: matches procfs, which rejects rows with fewer than the 6 columns of the format.
    if (f.length < 6) throw new Error(`failed to parse ARP info: invalid line ${JSON.stringify(line)}`);
    const device = f[f.length - 1]!;
    out.set(device, (out.get(device) ?? 0) + 1);
  }
  return out;
}

/** Registers as upstream: "arp", enabled by default. */
export const arpCollector: CollectorFactory = {
  name: "arp",
  defaultEnabled: true,
  create(ctx) {
    const s = ctx.settings;
    if (s.arpDeviceInclude !== null && s.arpDeviceExclude !== null) {
      throw new Error("device-exclude & device-include are mutually exclusive");
    }
    const include = s.arpDeviceInclude !== null ? compileGoRegexp(s.arpDeviceInclude) : null;
    const exclude = s.arpDeviceExclude !== null ? compileGoRegexp(s.arpDeviceExclude) : null;
    if (s.arpNetlink) ctx.logger.info("arp collector: netlink is not available to promstack, reading /proc/net/arp (node_arp_states is not reported)");
    return {
      async collect(emit) {
        let entries: Map<string, number>;
        try {
          entries = parseArpEntries(await readText(ctx.procPath("net/arp")));
        } catch (e) {
          throw new Error(`could not get ARP entries: ${(e as Error).message}`);
        }
        for (const [device, n] of entries) {
          if (exclude !== null && exclude.test(device)) continue;
          if (include !== null && !include.test(device)) continue;
          emit(entriesDesc, n, device);
        }
      },
    };
  },
};
