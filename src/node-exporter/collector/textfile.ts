/**
 * The textfile collector: metrics from *.prom files in
 * --collector.textfile.directory (a directory or a glob of directories),
 * plus node_textfile_mtime_seconds per file read and node_textfile_scrape_error.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { type Desc, type Emit, type HistogramValue, MetricType, type SummaryValue, newDesc } from "../../exposition/index.ts";
import type { CollectorFactory } from "./collector.ts";
import { type ParsedFamily, parseTextFamilies } from "./textfile-format.ts";

const mtimeDesc = newDesc("node_textfile_mtime_seconds", "Unixtime mtime of textfiles successfully read.", MetricType.Gauge, ["file"]);
const errorDesc = newDesc("node_textfile_scrape_error", "1 if there was an error opening or reading a file, 0 otherwise", MetricType.Gauge);

function globSegmentRe(seg: string): RegExp {
  let re = "";
  for (const ch of seg) {
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|\\\]]/g, "\\$&").replace("[", "[");
  }
  return new RegExp(`^${re}$`);
}

/** Expands a filepath.Glob-style pattern (*, ?, [..] per segment); sorted, existing paths only. */
export async function expandGlob(pattern: string): Promise<string[]> {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const abs = path.isAbsolute(pattern);
  const segs = pattern.split("/").filter((s, i) => s !== "" || i === 0);
  let cur = [abs ? "/" : "."];
  for (const seg of segs) {
    if (seg === "") continue;
    const next: string[] = [];
    for (const base of cur) {
      if (!/[*?[]/.test(seg)) {
        next.push(base === "." && !abs ? seg : path.join(base, seg));
        continue;
      }
      let names: string[];
      try {
        names = await readdir(base);
      } catch {
        continue;
      }
      const re = globSegmentRe(seg);
      for (const n of names.sort()) if (re.test(n)) next.push(base === "." && !abs ? n : path.join(base, n));
    }
    cur = next;
  }
  return cur;
}

/** Emits one parsed family, giving every metric all label names seen in the family ("" when missing). */
function emitFamily(f: ParsedFamily, help: string, emit: Emit): void {
  const all: string[] = [];
  for (const m of f.metrics) for (const n of m.labelNames) if (!all.includes(n)) all.push(n);
  for (const m of f.metrics) {
    const names = [...m.labelNames];
    const values = [...m.labelValues];
    for (const n of all) {
      if (!names.includes(n)) {
        names.push(n);
        values.push("");
      }
    }
    const desc: Desc = newDesc(f.name, help, f.type, names);
    if (f.type === MetricType.Summary) {
      const qs = [...m.quantiles.keys()].sort((a, b) => a - b);
      const v: SummaryValue = { kind: "summary", quantiles: qs, values: qs.map((q) => m.quantiles.get(q)!), sum: m.sum, count: m.count };
      emit(desc, v, ...values);
    } else if (f.type === MetricType.Histogram) {
      const ubs = [...m.buckets.keys()].sort((a, b) => a - b);
      const v: HistogramValue = { kind: "histogram", upperBounds: ubs, cumulativeCounts: ubs.map((u) => m.buckets.get(u)!), sum: m.sum, count: m.count };
      emit(desc, v, ...values);
    } else {
      emit(desc, m.value, ...values);
    }
  }
}

/**
 * Builds the textfile collector. mtimeOverride replaces every file's mtime
 * (upstream's tests do the same to get predictable output); null in production.
 */
export function newTextfileCollector(mtimeOverride: number | null): CollectorFactory {
  return {
    name: "textfile",
    defaultEnabled: true,
    create(ctx) {
      const dir = ctx.settings.textfileDirectory;
      return {
        async collect(emit) {
          let errored = false;
          const mtimes = new Map<string, number>();
          const parsed: { file: string; family: ParsedFamily }[] = [];
          const helpByName = new Map<string, string | null>();
          const filesByName = new Map<string, string[]>();
          let paths = dir === "" ? [] : await expandGlob(dir);
          if (paths.length === 0 && dir !== "") paths = [dir];
          for (const p of paths) {
            let names: string[];
            try {
              names = (await readdir(p)).sort();
            } catch (e) {
              errored = true;
              ctx.logger.error("failed to read textfile collector directory", "path", p, "err", e);
              continue;
            }
            for (const name of names) {
              if (!name.endsWith(".prom")) continue;
              const file = path.join(p, name);
              try {
                const families = parseTextFamilies(await readFile(file, "utf8"));
                if (families.some((f) => f.metrics.some((m) => m.timestampMs !== null))) {
                  throw new Error(`textfile ${JSON.stringify(file)} contains unsupported client-side timestamps, skipping entire file`);
                }
                for (const f of families) {
                  const seen = helpByName.get(f.name);
                  if (seen !== undefined && seen !== f.help) {
                    // NOTE: matches upstream: the first HELP wins; the family from this file is dropped.
                    errored = true;
                    ctx.logger.error("inconsistent metric help text", "metric", f.name, "original_help_text", seen ?? "", "new_help_text", f.help ?? "", "file", file);
                    continue;
                  }
                  helpByName.set(f.name, f.help);
                  filesByName.set(f.name, [...(filesByName.get(f.name) ?? []), file]);
                  parsed.push({ file, family: f });
                }
                // Stat only after a successful parse, so that a broken file does not look fresh.
                const st = await stat(file);
                mtimes.set(file, mtimeOverride ?? Math.floor(st.mtimeMs / 1000));
              } catch (e) {
                errored = true;
                ctx.logger.error("failed to collect textfile data", "file", name, "err", e);
              }
            }
          }
          for (const { family } of parsed) {
            const help = family.help ?? `Metric read from ${filesByName.get(family.name)!.join(", ")}`;
            emitFamily(family, help, emit);
          }
          for (const file of [...mtimes.keys()].sort()) emit(mtimeDesc, mtimes.get(file)!, file);
          emit(errorDesc, errored ? 1 : 0);
        },
      };
    },
  };
}

/** Registers as upstream: "textfile", enabled by default. */
export const textfileCollector: CollectorFactory = newTextfileCollector(null);
