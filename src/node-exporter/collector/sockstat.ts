/**
 * The sockstat collector: socket counts from /proc/net/sockstat and
 * /proc/net/sockstat6 as node_sockstat_<PROTO>_<field>; "mem" (pages) also
 * gets a <PROTO>_mem_bytes twin.
 */
import { readFile } from "node:fs/promises";
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, parseFloatStrict, readText } from "./collector.ts";

let pageSize: number | null = null;

/**
 * The kernel page size of this process (Go's os.Getpagesize), read once from
 * the real /proc/self/smaps; 4096 when that is not readable.
 */
async function getPageSize(): Promise<number> {
  if (pageSize !== null) return pageSize;
  pageSize = 4096;
  try {
    const m = /KernelPageSize:\s+(\d+) kB/.exec(await readFile("/proc/self/smaps", "utf8"));
    if (m) pageSize = Number(m[1]) * 1024;
  } catch {
    // keep the default: not Linux, or /proc not mounted
  }
  return pageSize;
}

/** Registers as upstream: "sockstat", enabled by default. */
export const sockstatCollector: CollectorFactory = {
  name: "sockstat",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const page = await getPageSize();
        let found = false;
        for (const file of ["net/sockstat", "net/sockstat6"]) {
          let text: string;
          try {
            text = await readText(ctx.procPath(file));
          } catch (e) {
            if (isNotExist(e)) {
              ctx.logger.debug("IPv4/IPv6 sockstat statistics not found, skipping", "file", file);
              continue;
            }
            throw e;
          }
          found = true;
          for (const line of text.split("\n")) {
            const f = fields(line);
            if (f.length < 3) continue;
            const proto = f[0]!.replace(/:$/, "");
            if (f.length % 2 === 0) throw new Error(`malformed sockstat line: ${line}`);
            for (let i = 1; i + 1 < f.length; i += 2) {
              const name = f[i]!;
              const v = parseFloatStrict(f[i + 1]!);
              if (proto === "sockets" && name === "used") {
                emit(newDesc("node_sockstat_sockets_used", "Number of IPv4 sockets in use.", MetricType.Gauge), v);
                continue;
              }
              emit(newDesc(`node_sockstat_${proto}_${name}`, `Number of ${proto} sockets in state ${name}.`, MetricType.Gauge), v);
              if (name === "mem") {
                emit(newDesc(`node_sockstat_${proto}_mem_bytes`, `Number of ${proto} sockets in state mem_bytes.`, MetricType.Gauge), v * page);
              }
            }
          }
        }
        if (!found) throw new NoDataError("no sockstat files found");
      },
    };
  },
};
