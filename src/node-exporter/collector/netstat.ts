/**
 * The netstat collector: network statistics from /proc/net/netstat,
 * /proc/net/snmp and /proc/net/snmp6, filtered by --collector.netstat.fields
 * (matched against "<Protocol>_<Name>"), as untyped node_netstat_<Protocol>_<Name>.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, compileGoRegexp, fields, isNotExist, parseFloatStrict, readText } from "./collector.ts";

/** Parses the paired "Proto: names" / "Proto: values" lines of /proc/net/netstat and /proc/net/snmp. */
export function parseNetStats(text: string, file: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = fields(lines[i]!);
    const values = fields(lines[i + 1]!);
    const protocol = names[0]!.replace(/:$/, "");
    if (names.length !== values.length) {
      throw new Error(`mismatch field count mismatch in ${file}: ${protocol}`);
    }
    const m = out.get(protocol) ?? new Map<string, string>();
    out.set(protocol, m);
    for (let j = 1; j < names.length; j++) m.set(names[j]!, values[j]!);
  }
  return out;
}

/** Parses /proc/net/snmp6 ("Ip6InReceives 7"): the protocol is the name up to and including its first "6". */
export function parseSnmp6(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (f.length < 2) continue;
    const six = f[0]!.indexOf("6");
    if (six === -1) continue;
    const protocol = f[0]!.slice(0, six + 1);
    const m = out.get(protocol) ?? new Map<string, string>();
    out.set(protocol, m);
    m.set(f[0]!.slice(six + 1), f[1]!);
  }
  return out;
}

/** Registers as upstream: "netstat", enabled by default. */
export const netstatCollector: CollectorFactory = {
  name: "netstat",
  defaultEnabled: true,
  create(ctx) {
    const re = compileGoRegexp(ctx.settings.netstatFields);
    return {
      async collect(emit) {
        const netstatPath = ctx.procPath("net/netstat");
        const snmpPath = ctx.procPath("net/snmp");
        const all = new Map<string, Map<string, string>>();
        for (const [p, m] of parseNetStats(await readText(netstatPath), netstatPath)) all.set(p, m);
        for (const [p, m] of parseNetStats(await readText(snmpPath), snmpPath)) all.set(p, m);
        try {
          for (const [p, m] of parseSnmp6(await readText(ctx.procPath("net/snmp6")))) all.set(p, m);
        } catch (e) {
          // NOTE: matches upstream: IPv6 may be disabled; snmp6 is optional.
          if (!isNotExist(e)) throw e;
          ctx.logger.debug("not collecting ipv6 based metrics");
        }
        for (const [protocol, m] of all) {
          for (const [name, value] of m) {
            const key = `${protocol}_${name}`;
            if (!re.test(key)) continue;
            const v = parseFloatStrict(value);
            emit(newDesc(`node_netstat_${key}`, `Statistic ${protocol}${name}.`, MetricType.Untyped), v);
          }
        }
      },
    };
  },
};
