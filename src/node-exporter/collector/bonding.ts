/**
 * The bonding collector: configured and active (MII status "up") slaves of
 * every Linux bonding master listed in /sys/class/net/bonding_masters.
 */
import path from "node:path";
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, readText } from "./collector.ts";

const slavesDesc = newDesc("node_bonding_slaves", "Number of configured slaves per bonding interface.", MetricType.Gauge, ["master"]);
const activeDesc = newDesc("node_bonding_active", "Number of active slaves per bonding interface.", MetricType.Gauge, ["master"]);

/** Reads master -> [configured slaves, slaves whose mii_status is "up"] under a class/net directory. */
export async function readBondingStats(root: string): Promise<Map<string, [number, number]>> {
  const out = new Map<string, [number, number]>();
  for (const master of fields(await readText(path.join(root, "bonding_masters")))) {
    const slaves = fields(await readText(path.join(root, master, "bonding", "slaves")));
    const stat: [number, number] = [0, 0];
    for (const slave of slaves) {
      let state: string;
      try {
        state = await readText(path.join(root, master, `lower_${slave}`, "bonding_slave", "mii_status"));
      } catch (e) {
        if (!isNotExist(e)) throw e;
        // Older kernels name the link slave_<name>.
        state = await readText(path.join(root, master, `slave_${slave}`, "bonding_slave", "mii_status"));
      }
      stat[0]++;
      if (state.trim() === "up") stat[1]++;
    }
    out.set(master, stat);
  }
  return out;
}

/** Registers as upstream: "bonding", enabled by default. */
export const bondingCollector: CollectorFactory = {
  name: "bonding",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const root = ctx.sysPath("class/net");
        let stats: Map<string, [number, number]>;
        try {
          stats = await readBondingStats(root);
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError(`Not collecting bonding, file does not exist: ${root}`);
          throw e;
        }
        for (const [master, [slaves, active]] of stats) {
          emit(slavesDesc, slaves, master);
          emit(activeDesc, active, master);
        }
      },
    };
  },
};
