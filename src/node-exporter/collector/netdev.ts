/**
 * The netdev collector: per-device counters from /proc/net/dev as
 * node_network_{receive,transmit}_<stat>_total{device}, filtered by
 * --collector.netdev.device-include / -exclude (upstream's procfs mode,
 * i.e. --no-collector.netdev.netlink).
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, compileGoRegexp, fields, parseFloatStrict, readText } from "./collector.ts";

const receive = ["bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast"] as const;
const transmit = ["bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed"] as const;

/** Parses /proc/net/dev into device -> stat name ("receive_bytes", ...) -> value, in file order. */
export function parseNetDev(text: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const line of text.split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    const f = fields(line.slice(colon + 1));
    if (f.length !== receive.length + transmit.length) throw new Error(`invalid line in net/dev: ${line}`);
    const m = new Map<string, number>();
    receive.forEach((s, i) => m.set(`receive_${s}`, parseFloatStrict(f[i]!)));
    transmit.forEach((s, i) => m.set(`transmit_${s}`, parseFloatStrict(f[receive.length + i]!)));
    out.set(device, m);
  }
  return out;
}

/** Registers as upstream: "netdev", enabled by default. */
export const netdevCollector: CollectorFactory = {
  name: "netdev",
  defaultEnabled: true,
  create(ctx) {
    const s = ctx.settings;
    if (s.netdevDeviceInclude !== null && s.netdevDeviceExclude !== null) {
      throw new Error("device-exclude & device-include are mutually exclusive");
    }
    const include = s.netdevDeviceInclude !== null ? compileGoRegexp(s.netdevDeviceInclude) : null;
    const exclude = s.netdevDeviceExclude !== null ? compileGoRegexp(s.netdevDeviceExclude) : null;
    return {
      async collect(emit) {
        for (const [device, stats] of parseNetDev(await readText(ctx.procPath("net/dev")))) {
          if ((include !== null && !include.test(device)) || (exclude !== null && exclude.test(device))) {
            ctx.logger.debug("Ignoring device", "device", device);
            continue;
          }
          for (const [k, v] of stats) {
            emit(newDesc(`node_network_${k}_total`, `Network device statistic ${k}.`, MetricType.Counter, ["device"]), v, device);
          }
        }
      },
    };
  },
};
