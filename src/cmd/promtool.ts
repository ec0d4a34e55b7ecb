import { testPromQL } from "../promtool/index.ts";

/**
 * `promstack promtool ...`: a small command tree in the style of promtool's
 * kingpin CLI (context-sensitive --help, `help <command>`), wired to the
 * functions of src/promtool. Exit codes: what the command returns, 2 for a
 * usage error.
 */

/** A positional argument of a command. */
interface ArgSpec {
  name: string;
  help: string;
  /** Takes one or more values (`<name>...`). */
  repeated: boolean;
}

/** A command: a leaf with `run`, or a group with `sub` commands. */
interface CommandSpec {
  name: string;
  help: string;
  args: ArgSpec[];
  sub: CommandSpec[];
  run: ((args: string[]) => Promise<number>) | null;
}

const app: CommandSpec = {
  name: "promtool",
  help: "Tooling for the Prometheus monitoring system.",
  args: [],
  run: null,
  sub: [
    {
      name: "test",
      help: "Unit testing.",
      args: [],
      run: null,
      sub: [
        {
          name: "promql",
          help: "Run PromQL test scripts (load/clear/eval/expect, the language of Prometheus's promqltest) against promstack's engine.",
          args: [{ name: "test-file", help: "The PromQL test files, e.g. ../shared/reference/promql-tests/*.test.", repeated: true }],
          sub: [],
          run: (files) => testPromQL(files, process.stdout),
        },
      ],
    },
  ],
};

const prog = "promstack promtool";

/** A bad command line; printed with a hint to use --help. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function argsUsage(c: CommandSpec): string {
  return c.args.map((a) => `<${a.name}>${a.repeated ? "..." : ""}`).join(" ");
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

/** Help text of the command at `path` (empty for the app). */
function helpText(c: CommandSpec, path: string[]): string {
  const full = [prog, ...path].join(" ");
  let s: string;
  if (c.sub.length > 0) s = `usage: ${full}${path.length === 0 ? " [<flags>]" : ""} <command> [<args> ...]\n\n`;
  else s = `usage: ${full} ${argsUsage(c)}\n\n`;
  s += `${c.help}\n\nFlags:\n  -h, --help  Show context-sensitive help.\n`;
  if (c.sub.length === 0 && c.args.length > 0) {
    s += "\nArgs:\n";
    for (const a of c.args) s += `  <${a.name}>\n${wrap(a.help, "    ")}\n`;
  }
  if (c.sub.length > 0) {
    s += path.length === 0 ? "\nCommands:\n  help [<command>...]\n    Show help.\n\n" : "\nSubcommands:\n";
    for (const l of leaves(c, path)) {
      s += `  ${[...l.path, argsUsage(l.cmd)].filter((x) => x !== "").join(" ")}\n${wrap(l.cmd.help, "    ")}\n\n`;
    }
  }
  return s;
}

/** Finds the command at `words`; throws UsageError for an unknown one. */
function resolve(words: string[]): { cmd: CommandSpec; path: string[]; rest: string[] } {
  let cmd = app;
  const path: string[] = [];
  let i = 0;
  while (cmd.sub.length > 0 && i < words.length) {
    const next = cmd.sub.find((s) => s.name === words[i]);
    if (next === undefined) throw new UsageError(`expected command but got ${JSON.stringify(words[i])}`);
    cmd = next;
    path.push(words[i]!);
    i++;
  }
  return { cmd, path, rest: words.slice(i) };
}

/** Entry point: runs `promstack promtool <argv>`, resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    let help = false;
    const words: string[] = [];
    let onlyArgs = false;
    for (const a of argv) {
      if (!onlyArgs && (a === "-h" || a === "--help")) help = true;
      else if (!onlyArgs && a === "--") onlyArgs = true;
      else if (!onlyArgs && a.startsWith("-") && a !== "-") throw new UsageError(`unknown long flag '${a}'`);
      else words.push(a);
    }
    if (words[0] === "help") {
      const { cmd, path } = resolve(words.slice(1));
      process.stdout.write(helpText(cmd, path));
      return 0;
    }
    const { cmd, path, rest } = resolve(words);
    if (help) {
      process.stdout.write(helpText(cmd, path));
      return 0;
    }
    if (cmd.run === null) {
      throw new UsageError(path.length === 0 ? "expected command but got nothing" : `expected command after ${JSON.stringify(path.join(" "))}`);
    }
    for (const a of cmd.args) {
      if (a.repeated && rest.length === 0) throw new UsageError(`required argument '${a.name}' not provided`);
    }
    if (cmd.args.length === 0 && rest.length > 0) throw new UsageError(`unexpected ${rest[0]}`);
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${prog}: error: ${e.message}, try --help\n`);
      return 2;
    }
    throw e;
  }
}
