/**
 * The os collector: node_os_info and node_os_version from os-release
 * (<rootfs>/etc/os-release, else <rootfs>/usr/lib/os-release).
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, isNotExist, readText } from "./collector.ts";

const infoLabels = ["build_id", "id", "id_like", "image_id", "image_version", "name", "pretty_name", "variant", "variant_id", "version", "version_codename", "version_id"] as const;
const info = newDesc(
  "node_os_info",
  `A metric with a constant '1' value labeled by ${infoLabels.join(", ")}.`,
  MetricType.Gauge,
  infoLabels,
);
const version = newDesc("node_os_version", "Metric containing the major.minor part of the OS version.", MetricType.Gauge, ["id", "id_like", "name"]);

/** Parses os-release (shell-like KEY=value lines, values optionally quoted with \ escapes). */
export function parseOsRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    let v = line.slice(eq + 1);
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
      const q = v[0];
      v = v.slice(1, -1);
      if (q === '"') v = v.replace(/\\([$"\\`])/g, "$1");
    }
    out.set(key, v);
  }
  return out;
}

/** Registers as upstream: "os", enabled by default. */
export const osCollector: CollectorFactory = {
  name: "os",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        let text: string | null = null;
        for (const p of [ctx.rootfsPath("etc/os-release"), ctx.rootfsPath("usr/lib/os-release")]) {
          try {
            text = await readText(p);
            break;
          } catch (e) {
            if (!isNotExist(e)) throw e;
          }
        }
        if (text === null) throw new NoDataError("no os-release file found");
        const r = parseOsRelease(text);
        const get = (k: string): string => r.get(k) ?? "";
        emit(info, 1, ...infoLabels.map((l) => get(l.toUpperCase())));
        // NOTE: matches upstream: the version is the leading major[.minor] of VERSION_ID.
        const m = /^[0-9]+\.?[0-9]*/.exec(get("VERSION_ID"));
        if (m) emit(version, Number(m[0]), get("ID"), get("ID_LIKE"), get("NAME"));
      },
    };
  },
};
