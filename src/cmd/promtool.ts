import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { parseDuration } from "../model/index.ts";
import {
  checkConfig,
  checkMetrics,
  checkRules,
  checkWebConfig,
  newConfigLintConfig,
  newRulesLintConfig,
  queryInstant,
  queryLabels,
  queryRange,
  querySeries,
  QueryFormat,
  testPromQL,
  testRules,
} from "../promtool/index.ts";
import type { QueryClientOptions, Streams } from "../promtool/index.ts";
import {
  DEFAULT_DB_PATH,
  DEFAULT_DUMP_MATCH,
  parseInt64Flag,
  tsdbAnalyze,
  tsdbCreateBlocksFromOpenMetrics,
  tsdbDump,
  tsdbList,
} from "../promtool/index.ts";
import { DumpFormat } from "../tsdb/index.ts";
import { versionText } from "../util/index.ts";

/**
 * `promstack promtool ...`: a small command tree in the style of promtool's
 * kingpin CLI (flags of a command and its parents, context-sensitive
 * --help, `help <command>`), wired to the functions of src/promtool.
 * Exit codes: what the command returns, 1 for a usage error (as kingpin).
 */

/** A positional argument of a command. */
interface ArgSpec {
  name: string;
  help: string;
  /** Takes one or more values (`<name>...`). */
  repeated: boolean;
  required: boolean;
  /** Each value must name an existing path (kingpin's ExistingFile(s)). */
  existing: boolean;
}

/** The kinds of flag values, as kingpin's Bool, String, Strings, Enum, Duration, StringMap. */
type FlagKind = "bool" | "string" | "strings" | "enum" | "duration" | "map";

/** A flag of a command. */
interface FlagSpec {
  name: string;
  help: string;
  kind: FlagKind;
  /** Default value text; null for none. */
  def: string | null;
  short: string | null;
  /** Allowed values of an enum. */
  values: readonly string[];
  required: boolean;
}

/** Parsed flag values by name: booleans, strings, lists, maps and durations (ms). */
type FlagValues = Map<string, boolean | string | string[] | Record<string, string> | number>;

/** A command: a leaf with `run`, or a group with `sub` commands. */
interface CommandSpec {
  name: string;
  help: string;
  args: ArgSpec[];
  flags: FlagSpec[];
  sub: CommandSpec[];
  run: ((args: Map<string, string[]>, flags: FlagValues) => Promise<number>) | null;
}

const prog = "promstack promtool";
const io: Streams = { stdout: process.stdout, stderr: process.stderr };

function arg(name: string, help: string, o: Partial<ArgSpec> = {}): ArgSpec {
  return { name, help, repeated: false, required: true, existing: false, ...o };
}

function flag(name: string, kind: FlagKind, help: string, o: Partial<FlagSpec> = {}): FlagSpec {
  return { name, help, kind, def: null, short: null, values: [], required: false, ...o };
}

function cmd(name: string, help: string, o: Partial<CommandSpec>): CommandSpec {
  return { name, help, args: [], flags: [], sub: [], run: null, ...o };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const str = (f: FlagValues, n: string): string => (f.get(n) as string | undefined) ?? "";
const bool = (f: FlagValues, n: string): boolean => (f.get(n) as boolean | undefined) ?? false;
const strs = (f: FlagValues, n: string): string[] => (f.get(n) as string[] | undefined) ?? [];
const ms = (f: FlagValues, n: string): number => (f.get(n) as number | undefined) ?? 0;

function queryOpts(a: Map<string, string[]>, f: FlagValues, headers: Record<string, string> = {}): QueryClientOptions {
  return { server: a.get("server")![0]!, format: str(f, "format") as QueryFormat, headers };
}

const lintHelp = (opts: string): string => `Linting checks to apply. Available options are: ${opts}. Use --lint=none to disable linting`;
const ignoreUnknownHelp =
  "Ignore unknown fields in the rule files. This is useful when you want to extend rule files with custom metadata. Ensure that those fields are removed before loading them into the Prometheus server as it performs strict checks by default.";

const dbPathArg = (): ArgSpec => arg("db path", `Database path (default is ${DEFAULT_DB_PATH}).`, { required: false });
const dbPath = (a: Map<string, string[]>): string => a.get("db path")?.[0] ?? DEFAULT_DB_PATH;

/** A Go Int64 flag value; a bad one is a usage error, as kingpin reports it. */
function int64Flag(f: FlagValues, n: string): number {
  try {
    return parseInt64Flag(str(f, n));
  } catch (e) {
    throw new UsageError(`${(e as Error).message} for flag --${n}`);
  }
}

const dumpFlags = (): FlagSpec[] => [
  flag(
    "sandbox-dir-root",
    "string",
    "Root directory where a sandbox directory will be created, this sandbox is used in case WAL replay generates chunks (default is the database path). The sandbox is cleaned up at the end.",
  ),
  flag("min-time", "string", "Minimum timestamp to dump, in milliseconds since the Unix epoch.", { def: "-9223372036854775808" }),
  flag("max-time", "string", "Maximum timestamp to dump, in milliseconds since the Unix epoch.", { def: "9223372036854775807" }),
  flag("match", "strings", "Series selector. Can be specified multiple times.", { def: DEFAULT_DUMP_MATCH }),
];

/** `promtool tsdb ...`: list, analyze, dump, dump-openmetrics, create-blocks-from openmetrics. */
const tsdbCommand: CommandSpec = cmd("tsdb", "Run tsdb commands.", {
  sub: [
    cmd("analyze", "Analyze churn, label pair cardinality and compaction efficiency.", {
      args: [dbPathArg(), arg("block id", "Block to analyze (default is the last block).", { required: false })],
      flags: [
        flag("limit", "string", "How many items to show in each list.", { def: "20" }),
        flag("extended", "bool", "Run extended analysis."),
        flag("match", "string", "Series selector to analyze. Only 1 set of matchers is supported now."),
      ],
      run: (a, f) => {
        const limit = str(f, "limit");
        if (!/^[+-]?\d+$/.test(limit)) throw new UsageError(`strconv.ParseInt: parsing ${JSON.stringify(limit)}: invalid syntax for flag --limit`);
        return tsdbAnalyze(dbPath(a), a.get("block id")?.[0] ?? "", Number(limit), bool(f, "extended"), str(f, "match"), io);
      },
    }),
    cmd("list", "List tsdb blocks.", {
      args: [dbPathArg()],
      flags: [flag("human-readable", "bool", "Print human readable values.", { short: "r" })],
      run: (a, f) => tsdbList(dbPath(a), bool(f, "human-readable"), io),
    }),
    cmd("dump", "Dump data (series+samples or optionally just series) from a TSDB.", {
      args: [dbPathArg()],
      flags: [
        ...dumpFlags(),
        flag("format", "enum", "Output format of the dump (prom (default) or seriesjson).", { def: "prom", values: ["prom", "seriesjson"] }),
      ],
      run: (a, f) =>
        tsdbDump(
          dbPath(a),
          {
            minTime: int64Flag(f, "min-time"),
            maxTime: int64Flag(f, "max-time"),
            match: strs(f, "match"),
            format: str(f, "format") === "seriesjson" ? DumpFormat.SeriesJSON : DumpFormat.Prom,
          },
          io,
        ),
    }),
    cmd(
      "dump-openmetrics",
      "[Experimental] Dump samples from a TSDB into OpenMetrics text format, excluding native histograms and staleness markers, which are not representable in OpenMetrics.",
      {
        args: [dbPathArg()],
        flags: dumpFlags(),
        run: (a, f) =>
          tsdbDump(
            dbPath(a),
            { minTime: int64Flag(f, "min-time"), maxTime: int64Flag(f, "max-time"), match: strs(f, "match"), format: DumpFormat.OpenMetrics },
            io,
          ),
      },
    ),
    cmd("create-blocks-from", "[Experimental] Import samples from input and produce TSDB blocks. Please refer to the storage docs for more details.", {
      flags: [
        flag("human-readable", "bool", "Print human readable values.", { short: "r" }),
        flag("quiet", "bool", "Do not print created blocks.", { short: "q" }),
        flag("max-block-duration", "duration", "Maximum duration created blocks may span. Anything less than 2h is ignored."),
      ],
      sub: [
        cmd("openmetrics", "Import samples from OpenMetrics input and produce TSDB blocks. Please refer to the storage docs for more details.", {
          args: [arg("input file", "OpenMetrics file to read samples from."), arg("output directory", "Output directory for generated blocks.", { required: false })],
          flags: [flag("label", "map", "Label to attach to metrics. Can be specified multiple times. Example --label=label_name=label_value")],
          run: (a, f) =>
            tsdbCreateBlocksFromOpenMetrics(
              a.get("input file")![0]!,
              a.get("output directory")?.[0] ?? DEFAULT_DB_PATH,
              {
                humanReadable: bool(f, "human-readable"),
                quiet: bool(f, "quiet"),
                maxBlockDurationMs: ms(f, "max-block-duration"),
                labels: (f.get("label") as Record<string, string> | undefined) ?? {},
              },
              io,
            ),
        }),
      ],
    }),
  ],
});

const app: CommandSpec = cmd("promtool", "Tooling for the Prometheus monitoring system.", {
  sub: [
    cmd("check", "Check the resources for validity.", {
      flags: [flag("query.lookback-delta", "duration", "The server's maximum query lookback duration.", { def: "5m" })],
      sub: [
        cmd("config", "Check if the config files are valid or not.", {
          args: [arg("config-files", "The config files to check.", { repeated: true, existing: true })],
          flags: [
            flag("syntax-only", "bool", "Only check the config file syntax, ignoring file and content validation referenced in the config"),
            flag("lint", "string", lintHelp("all, duplicate-rules, none, too-long-scrape-interval"), { def: "duplicate-rules" }),
            flag("lint-fatal", "bool", "Make lint errors exit with exit code 3."),
            flag("ignore-unknown-fields", "bool", ignoreUnknownHelp),
            flag("agent", "bool", "Check config file for Prometheus in Agent mode."),
          ],
          run: (a, f) =>
            checkConfig(
              a.get("config-files")!,
              {
                agentMode: bool(f, "agent"),
                syntaxOnly: bool(f, "syntax-only"),
                lint: newConfigLintConfig(str(f, "lint"), bool(f, "lint-fatal"), bool(f, "ignore-unknown-fields"), ms(f, "query.lookback-delta"), io),
              },
              io,
            ),
        }),
        cmd("web-config", "Check if the web config files are valid or not.", {
          args: [arg("web-config-files", "The config files to check.", { repeated: true, existing: true })],
          run: async (a) => checkWebConfig(a.get("web-config-files")!, io),
        }),
        cmd("rules", "Check if the rule files are valid or not.", {
          args: [arg("rule-files", "The rule files to check, default is read from standard input.", { repeated: true, existing: true, required: false })],
          flags: [
            flag("lint", "string", lintHelp("all, duplicate-rules, none"), { def: "duplicate-rules" }),
            flag("lint-fatal", "bool", "Make lint errors exit with exit code 3."),
            flag("ignore-unknown-fields", "bool", ignoreUnknownHelp),
          ],
          run: (a, f) =>
            checkRules(a.get("rule-files") ?? [], newRulesLintConfig(str(f, "lint"), bool(f, "lint-fatal"), bool(f, "ignore-unknown-fields"), io), io, readStdin),
        }),
        cmd("metrics", "Pass Prometheus metrics over stdin to lint them for consistency and correctness, and optionally perform cardinality analysis.", {
          flags: [
            flag("extended", "bool", "Print extended information related to the cardinality of the metrics."),
            flag("lint", "string", "Linting checks to apply for metrics. Available options are: all, none. Use --lint=none to disable metrics linting.", { def: "all" }),
          ],
          run: (_a, f) => checkMetrics(bool(f, "extended"), str(f, "lint"), io, readStdin),
        }),
      ],
    }),
    cmd("query", "Run query against a Prometheus server.", {
      flags: [flag("format", "enum", "Output format of the query.", { short: "o", def: "promql", values: ["promql", "json"] })],
      sub: [
        cmd("instant", "Run instant query.", {
          args: [arg("server", "Prometheus server to query."), arg("expr", "PromQL query expression.")],
          flags: [flag("time", "string", "Query evaluation time (RFC3339 or Unix timestamp).")],
          run: (a, f) => queryInstant(queryOpts(a, f), a.get("expr")![0]!, str(f, "time"), io),
        }),
        cmd("range", "Run range query.", {
          args: [arg("server", "Prometheus server to query."), arg("expr", "PromQL query expression.")],
          flags: [
            flag("header", "map", "Extra headers to send to server."),
            flag("start", "string", "Query range start time (RFC3339 or Unix timestamp)."),
            flag("end", "string", "Query range end time (RFC3339 or Unix timestamp)."),
            flag("step", "duration", "Query step size (duration)."),
          ],
          run: (a, f) =>
            queryRange(
              queryOpts(a, f, (f.get("header") as Record<string, string> | undefined) ?? {}),
              a.get("expr")![0]!,
              str(f, "start"),
              str(f, "end"),
              ms(f, "step"),
              io,
            ),
        }),
        cmd("series", "Run series query.", {
          args: [arg("server", "Prometheus server to query.")],
          flags: [
            flag("match", "strings", "Series selector. Can be specified multiple times.", { required: true }),
            flag("start", "string", "Start time (RFC3339 or Unix timestamp)."),
            flag("end", "string", "End time (RFC3339 or Unix timestamp)."),
          ],
          run: (a, f) => querySeries(queryOpts(a, f), strs(f, "match"), str(f, "start"), str(f, "end"), io),
        }),
        cmd("labels", "Run labels query.", {
          args: [arg("server", "Prometheus server to query."), arg("name", "Label name to provide label values for.")],
          flags: [
            flag("start", "string", "Start time (RFC3339 or Unix timestamp)."),
            flag("end", "string", "End time (RFC3339 or Unix timestamp)."),
            flag("match", "strings", "Series selector. Can be specified multiple times."),
          ],
          run: (a, f) => queryLabels(queryOpts(a, f), a.get("name")![0]!, strs(f, "match"), str(f, "start"), str(f, "end"), io),
        }),
      ],
    }),
    cmd("test", "Unit testing.", {
      flags: [flag("junit", "string", "File path to store JUnit XML test results.")],
      sub: [
        cmd("rules", "Unit tests for rules.", {
          args: [arg("test-rule-file", "The unit test file.", { repeated: true, existing: true })],
          flags: [
            flag("run", "strings", "If set, will only run test groups whose names match the regular expression. Can be specified multiple times."),
            flag("debug", "bool", "Enable unit test debugging."),
            flag("diff", "bool", "[Experimental] Print colored differential output between expected & received output."),
            flag("ignore-unknown-fields", "bool", ignoreUnknownHelp),
          ],
          run: (a, f) => {
            const junit = str(f, "junit");
            return testRules(
              a.get("test-rule-file")!,
              {
                run: f.has("run") ? strs(f, "run") : null,
                diff: bool(f, "diff"),
                debug: bool(f, "debug"),
                ignoreUnknownFields: bool(f, "ignore-unknown-fields"),
                junit: junit === "" ? null : { write: (xml) => writeFile(junit, xml) },
              },
              io,
            );
          },
        }),
        cmd("promql", "Run PromQL test scripts (load/clear/eval/expect, the language of Prometheus's promqltest) against promstack's engine.", {
          args: [arg("test-file", "The PromQL test files, e.g. ../shared/reference/promql-tests/*.test.", { repeated: true })],
          run: (a) => testPromQL(a.get("test-file")!, process.stdout),
        }),
      ],
    }),
    tsdbCommand,
  ],
});

/** A bad command line; printed with a hint to use --help. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function argsUsage(c: CommandSpec): string {
  return c.args.map((a) => (a.required ? `<${a.name}>${a.repeated ? "..." : ""}` : `[<${a.name}>${a.repeated ? "..." : ""}]`)).join(" ");
}

/** Leaf commands under c with their full paths (relative to the app). */
function leaves(c: CommandSpec, path: string[]): { path: string[]; cmd: CommandSpec }[] {
  if (c.sub.length === 0) return [{ path, cmd: c }];
  return c.sub.flatMap((s) => leaves(s, [...path, s.name]));
}

function wrap(text: string, indent: string): string {
  const words = text.split(" ");
  const lines: string[] = [];
  let cur = "";
  for (const w of words) {
    if (cur !== "" && indent.length + cur.length + 1 + w.length > 80) {
      lines.push(cur);
      cur = w;
    } else cur = cur === "" ? w : `${cur} ${w}`;
  }
  if (cur !== "") lines.push(cur);
  return lines.map((l) => indent + l).join("\n");
}

function flagUsage(f: FlagSpec): string {
  const long = f.kind === "bool" ? `--[no-]${f.name}` : `--${f.name}=${f.kind === "map" ? "KEY=VALUE" : f.name.toUpperCase()}`;
  return f.short !== null ? `-${f.short}, ${long}` : `    ${long}`;
}

/** Help text of the command at `path` (empty for the app), with the flags of it and its parents. */
function helpText(c: CommandSpec, path: string[], chain: CommandSpec[]): string {
  const full = [prog, ...path].join(" ");
  let s: string;
  if (c.sub.length > 0) s = `usage: ${full} [<flags>] <command> [<args> ...]\n\n`;
  else s = `usage: ${full} [<flags>]${c.args.length > 0 ? ` ${argsUsage(c)}` : ""}\n\n`;
  s += `${c.help}\n\nFlags:\n  -h, --help     Show context-sensitive help.\n      --version  Show application version.\n`;
  for (const f of chain.flatMap((x) => x.flags)) {
    s += `  ${flagUsage(f)}\n${wrap(f.help + (f.def !== null && f.kind !== "bool" ? ` (default: ${f.def})` : ""), "      ")}\n`;
  }
  if (c.sub.length === 0 && c.args.length > 0) {
    s += "\nArgs:\n";
    for (const a of c.args) s += `  ${a.required ? `<${a.name}>` : `[<${a.name}>]`}\n${wrap(a.help, "    ")}\n`;
  }
  if (c.sub.length > 0) {
    s += path.length === 0 ? "\nCommands:\n  help [<command>...]\n    Show help.\n\n" : "\nSubcommands:\n";
    for (const l of leaves(c, path)) {
      s += `  ${[...l.path, argsUsage(l.cmd)].filter((x) => x !== "").join(" ")}\n${wrap(l.cmd.help, "    ")}\n\n`;
    }
  }
  return s;
}

/** Finds the command at `words` (help <command>); throws UsageError for an unknown one. */
function resolve(words: string[]): { cmd: CommandSpec; path: string[]; chain: CommandSpec[] } {
  let c = app;
  const path: string[] = [];
  const chain = [app];
  for (const w of words) {
    const next = c.sub.find((s) => s.name === w);
    if (next === undefined) throw new UsageError(`expected command but got ${JSON.stringify(w)}`);
    c = next;
    path.push(w);
    chain.push(c);
  }
  return { cmd: c, path, chain };
}

/** Sets a flag's value, checking enums, durations and maps. */
function setFlag(values: FlagValues, f: FlagSpec, raw: string): void {
  switch (f.kind) {
    case "bool":
      values.set(f.name, raw === "true" || raw === "");
      return;
    case "enum":
      if (!f.values.includes(raw)) throw new UsageError(`enum value must be one of ${f.values.join(",")}, got '${raw}'`);
      values.set(f.name, raw);
      return;
    case "duration":
      try {
        values.set(f.name, parseDuration(raw));
      } catch {
        throw new UsageError(`time: invalid duration ${JSON.stringify(raw)}`);
      }
      return;
    case "strings":
      values.set(f.name, [...((values.get(f.name) as string[] | undefined) ?? []), raw]);
      return;
    case "map": {
      const i = raw.indexOf("=");
      if (i < 0) throw new UsageError(`expected KEY=VALUE got '${raw}'`);
      values.set(f.name, { ...((values.get(f.name) as Record<string, string> | undefined) ?? {}), [raw.slice(0, i)]: raw.slice(i + 1) });
      return;
    }
    default:
      values.set(f.name, raw);
  }
}

/** Parses argv against the command tree: resolves the command, its flags (and its parents') and its arguments. */
function parse(argv: string[]): { chain: CommandSpec[]; path: string[]; help: boolean; version: boolean; positional: string[]; flags: FlagValues } {
  let c = app;
  const chain = [app];
  const path: string[] = [];
  const positional: string[] = [];
  const flags: FlagValues = new Map();
  let help = false;
  let version = false;
  let onlyArgs = false;
  const visible = (): FlagSpec[] => chain.flatMap((x) => x.flags);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!onlyArgs && a === "--") {
      onlyArgs = true;
      continue;
    }
    if (!onlyArgs && (a === "-h" || a === "--help")) {
      help = true;
      continue;
    }
    if (!onlyArgs && a === "--version") {
      version = true;
      continue;
    }
    if (!onlyArgs && a.startsWith("--")) {
      const eq = a.indexOf("=");
      let name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      let negated = false;
      let f = visible().find((x) => x.name === name);
      if (f === undefined && name.startsWith("no-")) {
        f = visible().find((x) => x.name === name.slice(3) && x.kind === "bool");
        negated = f !== undefined;
        if (negated) name = name.slice(3);
      }
      if (f === undefined) throw new UsageError(`unknown long flag '--${name}'`);
      if (f.kind === "bool") setFlag(flags, f, negated ? "false" : eq < 0 ? "true" : a.slice(eq + 1));
      else if (eq >= 0) setFlag(flags, f, a.slice(eq + 1));
      else {
        if (i + 1 >= argv.length) throw new UsageError(`expected argument for flag '--${name}'`);
        setFlag(flags, f, argv[++i]!);
      }
      continue;
    }
    if (!onlyArgs && a.startsWith("-") && a !== "-") {
      const short = a[1]!;
      const f = visible().find((x) => x.short === short);
      if (f === undefined) throw new UsageError(`unknown short flag '-${short}'`);
      if (f.kind === "bool") setFlag(flags, f, "true");
      else if (a.length > 2) setFlag(flags, f, a.slice(2));
      else {
        if (i + 1 >= argv.length) throw new UsageError(`expected argument for flag '-${short}'`);
        setFlag(flags, f, argv[++i]!);
      }
      continue;
    }
    if (c.sub.length > 0) {
      const next = c.sub.find((s) => s.name === a);
      if (next === undefined) throw new UsageError(`expected command but got ${JSON.stringify(a)}`);
      c = next;
      chain.push(c);
      path.push(a);
      continue;
    }
    positional.push(a);
  }
  return { chain, path, help, version, positional, flags };
}

/** Entry point: runs `promstack promtool <argv>`, resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const first = argv.find((a) => !a.startsWith("-"));
    if (first === "help") {
      const { cmd: c, path, chain } = resolve(argv.slice(argv.indexOf("help") + 1).filter((a) => !a.startsWith("-")));
      process.stdout.write(helpText(c, path, chain));
      return 0;
    }
    const { chain, path, help, version, positional, flags } = parse(argv);
    const c = chain[chain.length - 1]!;
    // As kingpin's --version: an application flag, so after any command too.
    if (version) {
      process.stdout.write(versionText("promtool"));
      return 0;
    }
    if (help) {
      process.stdout.write(helpText(c, path, chain));
      return 0;
    }
    if (c.run === null) {
      throw new UsageError(path.length === 0 ? "expected command but got nothing" : `must select a subcommand of '${path.join(" ")}'`);
    }
    const args = new Map<string, string[]>();
    let i = 0;
    for (const a of c.args) {
      const vals = a.repeated ? positional.slice(i) : positional.slice(i, i + 1);
      i += vals.length;
      if (vals.length === 0) {
        if (a.required) throw new UsageError(`required argument '${a.name}' not provided`);
        continue;
      }
      if (a.existing) for (const v of vals) if (!existsSync(v)) throw new UsageError(`path '${v}' does not exist`);
      args.set(a.name, vals);
    }
    if (i < positional.length) throw new UsageError(`unexpected ${positional[i]}`);
    for (const f of chain.flatMap((x) => x.flags)) {
      if (f.required && !flags.has(f.name)) throw new UsageError(`required flag --${f.name} not provided`);
      if (!flags.has(f.name) && f.def !== null) setFlag(flags, f, f.def);
    }
    return await c.run(args, flags);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${prog}: error: ${e.message}, try --help\n`);
      return 1;
    }
    throw e;
  }
}
