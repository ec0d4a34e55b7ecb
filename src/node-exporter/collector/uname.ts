/** The uname collector: node_uname_info labelled like the uname(2) system call. */
import os from "node:os";
import { readFile } from "node:fs/promises";
import { MetricType, newDesc } from "../../exposition/index.ts";
import type { CollectorFactory } from "./collector.ts";

const info = newDesc(
  "node_uname_info",
  "Labeled system information as provided by the uname system call.",
  MetricType.Gauge,
  ["sysname", "release", "version", "machine", "nodename", "domainname"],
);

/** The NIS domain name of the running kernel, "(none)" when unset, as uname reports it. */
async function domainname(): Promise<string> {
  try {
    return (await readFile("/proc/sys/kernel/domainname", "utf8")).trim();
  } catch {
    return "(none)";
  }
}

/** Registers as upstream: "uname", enabled by default. Reads the running kernel, not --path.procfs. */
export const unameCollector: CollectorFactory = {
  name: "uname",
  defaultEnabled: true,
  create() {
    return {
      async collect(emit) {
        emit(info, 1, os.type(), os.release(), os.version(), os.machine(), os.hostname(), await domainname());
      },
    };
  },
};
