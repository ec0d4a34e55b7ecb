/**
 * The node exporter's logger: levels and formats of upstream's
 * --log.level (debug, info, warn, error) and --log.format (logfmt, json).
 */
import type { LogFields, Logger } from "./collector/index.ts";

export type { LogFields, Logger };
export { nopLogger } from "./collector/index.ts";

/** Log levels, lowest first. */
export const LogLevel = { Debug: "debug", Info: "info", Warn: "warn", Error: "error" } as const;
/** One of the LogLevel values. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Output formats of --log.format. */
export const LogFormat = { Logfmt: "logfmt", Json: "json" } as const;
/** One of the LogFormat values. */
export type LogFormat = (typeof LogFormat)[keyof typeof LogFormat];

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function str(v: unknown): string {
  if (v instanceof Error) return v.message;
  return typeof v === "string" ? v : String(v);
}

function logfmtValue(s: string): string {
  return /[\s"=\\]/.test(s) || s === "" ? JSON.stringify(s) : s;
}

/**
 * A logger writing one line per record to write (default stderr), with
 * `time`, `level`, `source`-less `msg` and the given pairs, like upstream's slog output.
 * now gives the record time (injected for tests).
 */
export function newLogger(
  level: LogLevel,
  format: LogFormat,
  write: (line: string) => void = (l) => process.stderr.write(l),
  now: () => Date = () => new Date(),
): Logger {
  const log = (lv: LogLevel, msg: string, kv: LogFields): void => {
    if (rank[lv] < rank[level]) return;
    const pairs: [string, string][] = [["time", now().toISOString()], ["level", lv.toUpperCase()], ["msg", msg]];
    for (let i = 0; i + 1 < kv.length; i += 2) pairs.push([str(kv[i]), str(kv[i + 1])]);
    if (format === LogFormat.Json) {
      write(JSON.stringify(Object.fromEntries(pairs)) + "\n");
    } else {
      write(pairs.map(([k, v]) => `${k}=${logfmtValue(v)}`).join(" ") + "\n");
    }
  };
  return {
    debug: (m, ...kv) => log(LogLevel.Debug, m, kv),
    info: (m, ...kv) => log(LogLevel.Info, m, kv),
    warn: (m, ...kv) => log(LogLevel.Warn, m, kv),
    error: (m, ...kv) => log(LogLevel.Error, m, kv),
  };
}

