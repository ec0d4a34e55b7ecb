/**
 * The nvme collector: controller identity and state from /sys/class/nvme/<ctrl>,
 * and per-namespace size, usage and block size (sizes in logical blocks in
 * sysfs, bytes here).
 */
import path from "node:path";
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, isNotExist } from "./collector.ts";
import { isDir, listDir, readAttr, readIntAttr } from "./sysfs.ts";
import { readdirSync } from "node:fs";

const g = MetricType.Gauge;
const nsLabels = ["device", "nsid"];
const infoDesc = newDesc("node_nvme_info", "Non-numeric data from /sys/class/nvme/<device>, value is always 1.", g, ["device", "firmware_revision", "model", "serial", "state", "cntlid"]);
const nsInfoDesc = newDesc("node_nvme_namespace_info", "Information about NVMe namespaces. Value is always 1", g, ["device", "nsid", "ana_state"]);
const nsCapacityDesc = newDesc("node_nvme_namespace_capacity_bytes", "Capacity of the NVMe namespace in bytes. Computed as namespace_size * namespace_logical_block_size", g, nsLabels);
const nsSizeDesc = newDesc("node_nvme_namespace_size_bytes", "Size of the NVMe namespace in bytes. Available in /sys/class/nvme/<device>/<namespace>/size", g, nsLabels);
const nsUsedDesc = newDesc("node_nvme_namespace_used_bytes", "Used space of the NVMe namespace in bytes. Available in /sys/class/nvme/<device>/<namespace>/nuse", g, nsLabels);
const nsBlockDesc = newDesc("node_nvme_namespace_logical_block_size_bytes", "Logical block size of the NVMe namespace in bytes. Usually 4Kb. Available in /sys/class/nvme/<device>/<namespace>/queue/logical_block_size", g, nsLabels);

/** Registers as upstream: "nvme", enabled by default. */
export const nvmeCollector: CollectorFactory = {
  name: "nvme",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const base = ctx.sysPath("class/nvme");
        let names: string[];
        try {
          names = (readdirSync(base)).sort();
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError("nvme: /sys/class/nvme not found");
          throw e;
        }
        for (const device of names) {
          const dir = path.join(base, device);
          const attr = async (f: string): Promise<string> => (await readAttr(path.join(dir, f))) ?? "";
          emit(infoDesc, 1, device, await attr("firmware_rev"), await attr("model"), await attr("serial"), await attr("state"), await attr("cntlid"));
          for (const ns of await listDir(dir)) {
            const m = /^nvme\d+(?:c\d+)?n(\d+)$/.exec(ns);
            if (m === null || !(await isDir(path.join(dir, ns)))) continue;
            const nsid = m[1]!;
            const nsDir = path.join(dir, ns);
            const size = await readIntAttr(path.join(nsDir, "size"));
            const nuse = await readIntAttr(path.join(nsDir, "nuse"));
            const lbs = await readIntAttr(path.join(nsDir, "queue/logical_block_size"));
            const ana = (await readAttr(path.join(nsDir, "ana_state"))) ?? "";
            if (size === null || nuse === null || lbs === null) {
              ctx.logger.debug("failed to read NVMe namespace", "device", device, "namespace", ns);
              continue;
            }
            emit(nsInfoDesc, 1, device, nsid, ana);
            emit(nsCapacityDesc, size * lbs, device, nsid);
            emit(nsSizeDesc, size * lbs, device, nsid);
            emit(nsUsedDesc, nuse * lbs, device, nsid);
            emit(nsBlockDesc, lbs, device, nsid);
          }
        }
      },
    };
  },
};
