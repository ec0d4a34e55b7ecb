/**
 * The edac collector: correctable and uncorrectable memory error counts per
 * memory controller, chip-select row and channel from
 * /sys/devices/system/edac/mc.
 */
import path from "node:path";
import { MetricType, newDesc } from "../../exposition/index.ts";
import type { CollectorFactory } from "./collector.ts";
import { listDir, readAttr, readIntAttr } from "./sysfs.ts";

const c = MetricType.Counter;
const ce = newDesc("node_edac_correctable_errors_total", "Total correctable memory errors.", c, ["controller"]);
const ue = newDesc("node_edac_uncorrectable_errors_total", "Total uncorrectable memory errors.", c, ["controller"]);
const csrowCe = newDesc("node_edac_csrow_correctable_errors_total", "Total correctable memory errors for this csrow.", c, ["controller", "csrow"]);
const csrowUe = newDesc("node_edac_csrow_uncorrectable_errors_total", "Total uncorrectable memory errors for this csrow.", c, ["controller", "csrow"]);
const chanLabels = ["controller", "csrow", "channel", "dimm_label"];
const chanCe = newDesc("node_edac_channel_correctable_errors_total", "Total correctable memory errors for this channel.", c, chanLabels);
const chanUe = newDesc("node_edac_channel_uncorrectable_errors_total", "Total uncorrectable memory errors for this channel.", c, chanLabels);

/**
 * The dimm_label label: the kernel's generated labels for unlabelled DIMMs
 * ("mc#0csrow#1channel#0", "mc0csrow1channel0") become "mc0_csrow1_channel0";
 * labels set by the BIOS or edac-utils are kept as they are.
 */
function dimmLabel(raw: string): string {
  const m = /^mc#?(\d+)csrow#?(\d+)channel#?(\d+)$/.exec(raw);
  return m === null ? raw : `mc${m[1]}_csrow${m[2]}_channel${m[3]}`;
}

/** Registers as upstream: "edac", enabled by default. */
export const edacCollector: CollectorFactory = {
  name: "edac",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const base = ctx.sysPath("devices/system/edac/mc");
        for (const mc of await listDir(base)) {
          const m = /^mc(\d+)$/.exec(mc);
          if (m === null) continue;
          const controller = m[1]!;
          const dir = path.join(base, mc);
          const num = (f: string): Promise<number | null> => readIntAttr(path.join(dir, f));
          const [ceCount, ueCount, ceNoinfo, ueNoinfo] = await Promise.all([num("ce_count"), num("ue_count"), num("ce_noinfo_count"), num("ue_noinfo_count")]);
          if (ceCount !== null) emit(ce, ceCount, controller);
          if (ueCount !== null) emit(ue, ueCount, controller);
          // Errors the driver could not attribute to a csrow.
          if (ceNoinfo !== null) emit(csrowCe, ceNoinfo, controller, "unknown");
          if (ueNoinfo !== null) emit(csrowUe, ueNoinfo, controller, "unknown");
          for (const row of await listDir(dir)) {
            const r = /^csrow(\d+)$/.exec(row);
            if (r === null) continue;
            const rowDir = path.join(dir, row);
            const csrow = r[1]!;
            const rowCe = await readIntAttr(path.join(rowDir, "ce_count"));
            const rowUe = await readIntAttr(path.join(rowDir, "ue_count"));
            if (rowCe !== null) emit(csrowCe, rowCe, controller, csrow);
            if (rowUe !== null) emit(csrowUe, rowUe, controller, csrow);
            for (const f of await listDir(rowDir)) {
              const ch = /^ch(\d+)_dimm_label$/.exec(f);
              if (ch === null) continue;
              const label = dimmLabel((await readAttr(path.join(rowDir, f))) ?? "");
              const chCe = await readIntAttr(path.join(rowDir, `ch${ch[1]}_ce_count`));
              const chUe = await readIntAttr(path.join(rowDir, `ch${ch[1]}_ue_count`));
              if (chCe !== null) emit(chanCe, chCe, controller, csrow, ch[1]!, label);
              if (chUe !== null) emit(chanUe, chUe, controller, csrow, ch[1]!, label);
            }
          }
        }
      },
    };
  },
};
