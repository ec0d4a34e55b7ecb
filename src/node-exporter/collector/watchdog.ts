/**
 * The watchdog collector: timeouts, boot status and identity of the
 * hardware and software watchdogs in /sys/class/watchdog.
 */
import path from "node:path";
import { MetricType, newDesc } from "../../exposition/index.ts";
import type { CollectorFactory } from "./collector.ts";
import { isDir, listDir, readAttr, readIntAttr } from "./sysfs.ts";

const g = MetricType.Gauge;
const infoDesc = newDesc("node_watchdog_info", "Info of /sys/class/watchdog/<watchdog>", g, ["name", "options", "identity", "state", "status", "pretimeout_governor"]);
/** The numeric attribute files and their metric names. */
const numeric = [
  { file: "bootstatus", metric: "bootstatus" },
  { file: "fw_version", metric: "fw_version" },
  { file: "nowayout", metric: "nowayout" },
  { file: "timeleft", metric: "timeleft_seconds" },
  { file: "timeout", metric: "timeout_seconds" },
  { file: "pretimeout", metric: "pretimeout_seconds" },
  { file: "access_cs0", metric: "access_cs0" },
].map((n) => ({ file: n.file, desc: newDesc(`node_watchdog_${n.metric}`, `Value of /sys/class/watchdog/<watchdog>/${n.file}`, g, ["name"]) }));

/** Registers as upstream: "watchdog", enabled by default. */
export const watchdogCollector: CollectorFactory = {
  name: "watchdog",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const base = ctx.sysPath("class/watchdog");
        for (const name of await listDir(base)) {
          const dir = path.join(base, name);
          if (!(await isDir(dir))) continue;
          for (const n of numeric) {
            const v = await readIntAttr(path.join(dir, n.file));
            if (v !== null) emit(n.desc, v, name);
          }
          const attr = async (f: string): Promise<string> => (await readAttr(path.join(dir, f))) ?? "";
          emit(infoDesc, 1, name, await attr("options"), await attr("identity"), await attr("state"), await attr("status"), await attr("pretimeout_governor"));
        }
      },
    };
  },
};
