/**
 * The dmi collector: node_dmi_info with the BIOS, board, chassis and product
 * identification of /sys/class/dmi/id as labels (those the firmware
 * provides; files that are missing or unreadable are left out).
 */
import path from "node:path";
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, isNotExist } from "./collector.ts";
import { readAttr } from "./sysfs.ts";
import { readdirSync } from "node:fs";

/** The sysfs file and label of each identification field, in label order. */
const fieldsByLabel: [file: string, label: string][] = [
  ["bios_date", "bios_date"], ["bios_release", "bios_release"], ["bios_vendor", "bios_vendor"], ["bios_version", "bios_version"],
  ["board_asset_tag", "board_asset_tag"], ["board_name", "board_name"], ["board_serial", "board_serial"], ["board_vendor", "board_vendor"],
  ["board_version", "board_version"], ["chassis_asset_tag", "chassis_asset_tag"], ["chassis_serial", "chassis_serial"],
  ["chassis_vendor", "chassis_vendor"], ["chassis_version", "chassis_version"], ["product_family", "product_family"],
  ["product_name", "product_name"], ["product_serial", "product_serial"], ["product_sku", "product_sku"], ["product_uuid", "product_uuid"],
  ["product_version", "product_version"], ["sys_vendor", "system_vendor"],
];
const HELP = `A metric with a constant '1' value labeled by ${fieldsByLabel.map(([, l]) => l).join(", ")} if provided by DMI.`;

/** Registers as upstream: "dmi", enabled by default. */
export const dmiCollector: CollectorFactory = {
  name: "dmi",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const dir = ctx.sysPath("class/dmi/id");
        try {
          readdirSync(dir);
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError("dmi: /sys/class/dmi/id not found");
          throw e;
        }
        const names: string[] = [];
        const values: string[] = [];
        for (const [file, label] of fieldsByLabel) {
          const v = await readAttr(path.join(dir, file));
          if (v === null) continue;
          names.push(label);
          values.push(v);
        }
        emit(newDesc("node_dmi_info", HELP, MetricType.Gauge, names), 1, ...values);
      },
    };
  },
};
