/**
 * The netclass collector: per-interface properties from /sys/class/net/<iface>
 * (operstate, carrier, MTU, speed, flags, ...) as node_network_* gauges and
 * counters, and the non-numeric ones in node_network_info.
 * Interfaces matching --collector.netclass.ignored-devices are skipped.
 *
 * NOTE: upstream's --collector.netclass.netlink reads the same properties
 * over rtnetlink; Node.js has no netlink sockets, so the flag is accepted and
 * this collector reads /sys/class/net either way (said once at start).
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { type Desc, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, compileGoRegexp, isNotExist } from "./collector.ts";
import { isDir, readAttr, readIntAttr } from "./sysfs.ts";

const g = MetricType.Gauge;
const c = MetricType.Counter;
const upDesc = newDesc("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", g, ["device"]);
const infoDesc = newDesc("node_network_info", "Non-numeric data from /sys/class/net/<iface>, value is always 1.", g, ["device", "address", "broadcast", "duplex", "operstate", "adminstate", "ifalias"]);

function prop(name: string, type: MetricType): Desc {
  return newDesc(`node_network_${name}`, `Network device property: ${name}`, type, ["device"]);
}

/** The numeric attribute files, in upstream's emission order, with their metric. */
const numeric: { file: string; desc: Desc }[] = [
  { file: "addr_assign_type", desc: prop("address_assign_type", g) },
  { file: "carrier", desc: prop("carrier", g) },
  { file: "carrier_changes", desc: prop("carrier_changes_total", c) },
  { file: "carrier_up_count", desc: prop("carrier_up_changes_total", c) },
  { file: "carrier_down_count", desc: prop("carrier_down_changes_total", c) },
  { file: "dev_id", desc: prop("device_id", g) },
  { file: "dormant", desc: prop("dormant", g) },
  { file: "flags", desc: prop("flags", g) },
  { file: "ifindex", desc: prop("iface_id", g) },
  { file: "iflink", desc: prop("iface_link", g) },
  { file: "link_mode", desc: prop("iface_link_mode", g) },
  { file: "mtu", desc: prop("mtu_bytes", g) },
  { file: "name_assign_type", desc: prop("name_assign_type", g) },
  { file: "netdev_group", desc: prop("net_dev_group", g) },
  { file: "tx_queue_len", desc: prop("transmit_queue_length", g) },
  { file: "type", desc: prop("protocol_type", g) },
];
const speedDesc = prop("speed_bytes", g);
/** IFF_UP in the interface flags: the administrative state. */
const IFF_UP = 0x1;

/** Registers as upstream: "netclass", enabled by default. */
export const netclassCollector: CollectorFactory = {
  name: "netclass",
  defaultEnabled: true,
  create(ctx) {
    const ignored = compileGoRegexp(ctx.settings.netclassIgnoredDevices);
    const ignoreInvalidSpeed = ctx.settings.netclassIgnoreInvalidSpeed;
    if (ctx.settings.netclassNetlink) ctx.logger.info("netclass collector: netlink is not available to promstack, reading /sys/class/net");
    return {
      async collect(emit) {
        const base = ctx.sysPath("class/net");
        let names: string[];
        try {
          names = (readdirSync(base)).sort();
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError("netclass: /sys/class/net not found");
          throw e;
        }
        for (const device of names) {
          const dir = path.join(base, device);
          if (!(await isDir(dir)) || ignored.test(device)) continue;
          const attr = (f: string): Promise<string | null> => readAttr(path.join(dir, f));
          const operstate = (await attr("operstate")) ?? "";
          emit(upDesc, operstate === "up" ? 1 : 0, device);
          const values = await Promise.all(numeric.map((n) => readIntAttr(path.join(dir, n.file))));
          const flags = values[numeric.findIndex((n) => n.file === "flags")] ?? null;
          const adminstate = flags === null ? "unknown" : (flags & IFF_UP) !== 0 ? "up" : "down";
          emit(infoDesc, 1, device, (await attr("address")) ?? "", (await attr("broadcast")) ?? "", (await attr("duplex")) ?? "", operstate, adminstate, (await attr("ifalias")) ?? "");
          numeric.forEach((n, i) => {
            const v = values[i];
            if (v !== null && v !== undefined) emit(n.desc, v, device);
          });
          const speed = await readIntAttr(path.join(dir, "speed"));
          // Some devices report -1 when the speed is unknown.
          if (speed !== null && (speed >= 0 || !ignoreInvalidSpeed)) emit(speedDesc, Math.trunc((speed * 1000 * 1000) / 8), device);
        }
      },
    };
  },
};
