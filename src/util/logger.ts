/**
 * Structured logging in the format of Prometheus 3 and Alertmanager (Go's
 * slog): logfmt `time=... level=INFO source=... msg="..." k=v` or JSON.
 */

/** Alternating keys and values after the message. */
export type LogFields = readonly unknown[];

/** A leveled structured logger. Methods never throw. */
export interface Logger {
  debug(msg: string, ...kv: LogFields): void;
  info(msg: string, ...kv: LogFields): void;
  warn(msg: string, ...kv: LogFields): void;
  error(msg: string, ...kv: LogFields): void;
  /** A logger that adds kv to every record. */
  with(...kv: LogFields): Logger;
}

/** Log levels, lowest first, as --log.level takes them. */
export const LogLevel = { Debug: "debug", Info: "info", Warn: "warn", Error: "error" } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Output formats of --log.format. */
export const LogFormat = { Logfmt: "logfmt", Json: "json" } as const;
export type LogFormat = (typeof LogFormat)[keyof typeof LogFormat];

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Whether s is a --log.level value. */
export function isLogLevel(s: string): s is LogLevel {
  return s in rank;
}

/** Whether s is a --log.format value. */
export function isLogFormat(s: string): s is LogFormat {
  return s === LogFormat.Logfmt || s === LogFormat.Json;
}

/** A logger that drops everything. */
export const nopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  with() {
    return nopLogger;
  },
};

function str(v: unknown): string {
  if (v instanceof Error) return v.message;
  if (typeof v === "string") return v;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function logfmtValue(s: string): string {
  return s === "" || /[\s"=\\]/.test(s) || /[\x00-\x1f]/.test(s) ? JSON.stringify(s) : s;
}

/** Where and how a logger writes. `now` gives the record time (injected in tests). */
export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
}

/** A logger writing one line per record (default: stderr, info, logfmt). */
export function newLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? LogLevel.Info;
  const format = opts.format ?? LogFormat.Logfmt;
  const write = opts.write ?? ((l: string) => process.stderr.write(l));
  const now = opts.now ?? (() => new Date());
  const make = (base: LogFields): Logger => {
    const log = (lv: LogLevel, msg: string, kv: LogFields): void => {
      if (rank[lv] < rank[level]) return;
      const pairs: [string, string][] = [
        ["time", now().toISOString()],
        ["level", lv.toUpperCase()],
        ["msg", msg],
      ];
      const all = base.length === 0 ? kv : [...base, ...kv];
      for (let i = 0; i + 1 < all.length; i += 2) pairs.push([str(all[i]), str(all[i + 1])]);
      if (format === LogFormat.Json) write(JSON.stringify(Object.fromEntries(pairs)) + "\n");
      else write(pairs.map(([k, v]) => `${k}=${logfmtValue(v)}`).join(" ") + "\n");
    };
    return {
      debug: (m, ...kv) => log(LogLevel.Debug, m, kv),
      info: (m, ...kv) => log(LogLevel.Info, m, kv),
      warn: (m, ...kv) => log(LogLevel.Warn, m, kv),
      error: (m, ...kv) => log(LogLevel.Error, m, kv),
      with: (...kv) => make([...base, ...kv]),
    };
  };
  return make([]);
}
