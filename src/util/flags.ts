/**
 * Command-line flags in the style of kingpin, which Prometheus, Alertmanager
 * and the node exporter use: `--name=value` or `--name value`, booleans as
 * `--name`, `--no-name` or `--name=true|false`, repeatable flags, `-h` for
 * `--help`, and errors worded like kingpin's.
 */

/** A bad command line; printed as `<app>: error: <message>, try --help`. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

/** The kind of value a flag takes. */
export const FlagKind = { String: "string", Bool: "bool", List: "list" } as const;
export type FlagKind = (typeof FlagKind)[keyof typeof FlagKind];

/** One flag's definition. `def` is the text shown as the default and used when absent. */
export interface FlagSpec {
  name: string;
  help: string;
  kind: FlagKind;
  /** Default value text ("" for none; "false"/"true" for booleans). */
  def: string;
  /** Placeholder in the help text, e.g. `<path>`. */
  placeholder?: string;
  /** Hidden from --help (upstream has hidden flags too). */
  hidden?: boolean;
}

/** Parsed flag values: strings for String and Bool ("true"/"false") flags, arrays for List flags. */
export interface ParsedFlags {
  /** The value of a String flag (its default when absent). */
  string(name: string): string;
  /** The value of a Bool flag. */
  bool(name: string): boolean;
  /** All values given to a List flag (its default split on nothing when absent: [def] or []). */
  list(name: string): string[];
  /** Whether the flag was given on the command line. */
  given(name: string): boolean;
  /** Every flag with its value as text, as /api/v1/status/flags shows them. */
  all(): Record<string, string>;
  /** Positional arguments. */
  args: string[];
}

/** The outcome of parsing: flags, or a request for help or the version. */
export type ParseOutcome = { kind: "flags"; flags: ParsedFlags } | { kind: "help" } | { kind: "version" };

const builtins: FlagSpec[] = [
  { name: "help", help: "Show context-sensitive help (also try --help-long and --help-man).", kind: FlagKind.Bool, def: "false" },
  { name: "version", help: "Show application version.", kind: FlagKind.Bool, def: "false" },
];

function parseBool(name: string, v: string): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw new FlagError(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax for flag --${name}`);
}

/** Parses argv against specs. Throws FlagError for unknown flags, missing values and bad booleans. */
export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[]): ParseOutcome {
  const byName = new Map<string, FlagSpec>();
  for (const s of [...builtins, ...specs]) byName.set(s.name, s);
  const values = new Map<string, string[]>();
  const args: string[] = [];
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-h") {
      help = true;
      continue;
    }
    if (!a.startsWith("--")) {
      if (a.startsWith("-") && a.length > 1) throw new FlagError(`unknown short flag '${a}'`);
      args.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    let name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    let inline: string | null = eq < 0 ? null : a.slice(eq + 1);
    let spec = byName.get(name);
    let negated = false;
    if (spec === undefined && name.startsWith("no-")) {
      const s = byName.get(name.slice(3));
      if (s !== undefined && s.kind === FlagKind.Bool) {
        spec = s;
        negated = true;
        name = s.name;
      }
    }
    if (spec === undefined) throw new FlagError(`unknown long flag '--${name}'`);
    let value: string;
    if (spec.kind === FlagKind.Bool) {
      if (negated) {
        if (inline !== null) throw new FlagError(`unexpected value for flag --no-${name}`);
        value = "false";
      } else value = inline === null ? "true" : String(parseBool(name, inline));
    } else {
      if (inline === null) {
        if (i + 1 >= argv.length) throw new FlagError(`expected argument for flag '--${name}'`);
        inline = argv[++i]!;
      }
      value = inline;
    }
    if (name === "help" && value === "true") help = true;
    if (name === "version" && value === "true") version = true;
    const vs = values.get(name) ?? [];
    if (spec.kind === FlagKind.List) vs.push(value);
    else vs.splice(0, vs.length, value);
    values.set(name, vs);
  }
  if (help) return { kind: "help" };
  if (version) return { kind: "version" };
  const spec = (name: string): FlagSpec => {
    const s = byName.get(name);
    if (s === undefined) throw new Error(`BUG: flag --${name} is not defined`);
    return s;
  };
  const flags: ParsedFlags = {
    string: (name) => values.get(name)?.[0] ?? spec(name).def,
    bool: (name) => (values.get(name)?.[0] ?? spec(name).def) === "true",
    list: (name) => values.get(name) ?? (spec(name).def === "" ? [] : [spec(name).def]),
    given: (name) => values.has(name),
    all: () => {
      const out: Record<string, string> = {};
      for (const s of specs) {
        const v = values.get(s.name);
        out[s.name] = v === undefined ? s.def : s.kind === FlagKind.List ? v.join(",") : v[0]!;
      }
      return out;
    },
    args,
  };
  return { kind: "flags", flags };
}

/** Help text in kingpin's layout. */
export function flagsHelp(app: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows: [string, string][] = [];
  for (const s of [...builtins, ...specs]) {
    if (s.hidden === true) continue;
    let left = s.name === "help" ? "-h, --[no-]help" : s.kind === FlagKind.Bool ? `    --[no-]${s.name}` : `    --${s.name}`;
    if (s.kind !== FlagKind.Bool) left += `=${s.placeholder ?? (s.def !== "" ? `"${s.def}"` : "<value>")}`;
    let help = s.help;
    if (s.kind === FlagKind.List) help += " ...";
    rows.push([left, help]);
  }
  const width = Math.min(40, Math.max(...rows.map((r) => r[0].length)) + 2);
  const lines = [`usage: ${app} [<flags>]`, "", summary, "", "Flags:"];
  for (const [l, h] of rows) {
    lines.push(l.length + 2 > width ? `  ${l}\n${" ".repeat(width + 2)}${h}` : `  ${l.padEnd(width)}${h}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Runs a daemon's command line: prints help or the version and returns 0,
 * prints a kingpin-style error and returns 1, or calls run with the flags.
 */
export async function runWithFlags(
  app: string,
  summary: string,
  versionText: string,
  specs: readonly FlagSpec[],
  argv: readonly string[],
  run: (flags: ParsedFlags) => Promise<number>,
): Promise<number> {
  let out: ParseOutcome;
  try {
    out = parseFlags(specs, argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`${app}: error: ${e.message}, try --help\n`);
    return 1;
  }
  if (out.kind === "help") {
    process.stdout.write(flagsHelp(app, summary, specs));
    return 0;
  }
  if (out.kind === "version") {
    process.stdout.write(versionText);
    return 0;
  }
  return run(out.flags);
}
