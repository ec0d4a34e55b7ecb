// Templates and their execution: Go's text/template/exec.go semantics over
// the value model of value.ts. Execution is async so that template
// functions (PromQL queries) can await; everything else runs as in Go.

import { formatValue, goQuote } from "./fmt.ts";
import { builtins, paramTypeName } from "./funcs.ts";
import type { FuncMap, ParamType, TemplateFunction } from "./funcs.ts";
import { isEmptyTree, nodeString, parseTemplates } from "./parse.ts";
import type {
  ArgNode,
  BranchNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  VariableNode,
} from "./parse.ts";
import {
  findMethod,
  isMapValue,
  isNil,
  isStruct,
  isTrue,
  mapLookup,
  mapZero,
  sortedEntries,
  typeName,
  utf8Length,
} from "./value.ts";

/**
 * What a missing map key yields (Go's Option("missingkey=...")):
 * "default"/"invalid": no value (prints "<no value>"); "zero": the map's
 * element zero (TypedMap.zero, else nil); "error": execution fails.
 */
export const MissingKey = {
  Default: "default",
  Invalid: "invalid",
  Zero: "zero",
  Error: "error",
} as const;
/** A missingkey option value. */
export type MissingKey = (typeof MissingKey)[keyof typeof MissingKey];

/** Options of a template set. */
export interface TemplateOptions {
  /** Functions besides the builtins; they must be given before parsing (as with Go's Funcs). */
  readonly funcs?: FuncMap;
  readonly missingKey?: MissingKey;
  /** Action delimiters, "{{" and "}}" by default. */
  readonly leftDelim?: string;
  readonly rightDelim?: string;
  /** Maximum nesting of {{template}} calls; Go's is 100000. */
  readonly maxExecDepth?: number;
}

/**
 * An execution error with Go's text, e.g.
 * `template: t:1:2: executing "t" at <.Foo>: can't evaluate field Foo in type int`.
 */
export class TemplateExecError extends Error {
  /** The name of the template being executed. */
  readonly templateName: string;
  constructor(message: string, templateName: string) {
    super(message);
    this.name = "TemplateExecError";
    this.templateName = templateName;
  }
}

// The "no final argument" marker of a pipeline stage (Go's missingVal).
const MISSING: unique symbol = Symbol("missing");
type Final = unknown | typeof MISSING;

// Signals for {{break}} and {{continue}}, caught by the enclosing range.
class BreakSignal {}
class ContinueSignal {}
const breakSignal = new BreakSignal();
const continueSignal = new ContinueSignal();

interface Common {
  readonly trees: Map<string, ListNode>;
  funcs: Map<string, TemplateFunction | ((...args: never[]) => unknown)>;
  readonly missingKey: MissingKey;
  readonly leftDelim: string;
  readonly rightDelim: string;
  readonly maxExecDepth: number;
}

/**
 * A set of associated templates (Go's *template.Template): parse text into
 * it, then execute it or one of its {{define}}d templates.
 *
 *   const t = new Template("alert", { funcs: prometheusFuncs(...) });
 *   t.parse("{{ $labels.instance }} is down");
 *   const text = await t.execute(data);
 */
export class Template {
  /** The name of this template within its set. */
  readonly name: string;
  readonly #common: Common;

  constructor(name: string, opts: TemplateOptions = {}) {
    this.name = name;
    this.#common = {
      trees: new Map(),
      funcs: new Map(Object.entries(opts.funcs ?? {})),
      missingKey: opts.missingKey ?? MissingKey.Default,
      leftDelim: opts.leftDelim || "{{",
      rightDelim: opts.rightDelim || "}}",
      maxExecDepth: opts.maxExecDepth ?? 100000,
    };
  }

  /** Adds functions (replacing same-named ones). Call before parse. */
  funcs(fm: FuncMap): this {
    for (const [k, v] of Object.entries(fm)) this.#common.funcs.set(k, v);
    return this;
  }

  /**
   * Parses text as the body of this template; {{define}} and {{block}}
   * add templates to the set. A body that is only space and comments does
   * not replace an existing one. Throws TemplateParseError.
   */
  parse(text: string): this {
    const trees = parseTemplates(this.name, text, {
      hasFunction: (n) => this.#common.funcs.has(n) || n in builtins,
      leftDelim: this.#common.leftDelim,
      rightDelim: this.#common.rightDelim,
    });
    for (const [name, root] of trees) {
      const old = this.#common.trees.get(name);
      if (old !== undefined && isEmptyTree(root)) continue;
      this.#common.trees.set(name, root);
    }
    return this;
  }

  /** The names of the templates defined in the set, sorted. */
  definedTemplates(): string[] {
    return [...this.#common.trees.keys()].sort();
  }

  /** Whether the set defines a template with this name. */
  has(name: string): boolean {
    return this.#common.trees.has(name);
  }

  /** Executes this template with `data` as dot and returns the output. Throws TemplateExecError. */
  async execute(data: unknown): Promise<string> {
    return this.executeTemplate(this.name, data);
  }

  /** Executes the named template of the set. Throws TemplateExecError. */
  async executeTemplate(name: string, data: unknown): Promise<string> {
    const root = this.#common.trees.get(name);
    if (root === undefined) {
      if (name === this.name) {
        throw new TemplateExecError(`template: ${name}: ${goQuote(name)} is an incomplete or empty template`, name);
      }
      throw new TemplateExecError(`template: no template ${goQuote(name)} associated with template ${goQuote(this.name)}`, name);
    }
    const st = new State(this.#common, name, data);
    await st.walk(data, root);
    return st.out.join("");
  }
}

interface Variable {
  readonly name: string;
  value: unknown;
}

class State {
  readonly common: Common;
  readonly tmplName: string;
  readonly out: string[];
  vars: Variable[];
  node: Node | null = null;
  depth = 0;

  constructor(common: Common, tmplName: string, dot: unknown, out: string[] = [], depth = 0) {
    this.common = common;
    this.tmplName = tmplName;
    this.vars = [{ name: "$", value: dot }];
    this.out = out;
    this.depth = depth;
  }

  at(n: Node): void {
    this.node = n;
  }

  errorf(msg: string): never {
    const name = this.tmplName;
    if (this.node === null) throw new TemplateExecError(`template: ${name}: ${msg}`, name);
    const n = this.node;
    const before = n.src.text.slice(0, n.pos);
    const nl = before.lastIndexOf("\n");
    const col = utf8Length(nl < 0 ? before : before.slice(nl + 1));
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const location = `${n.src.parseName}:${line}:${col}`;
    throw new TemplateExecError(`template: ${location}: executing ${goQuote(name)} at <${nodeString(n)}>: ${msg}`, name);
  }

  mark(): number {
    return this.vars.length;
  }

  pop(mark: number): void {
    this.vars.length = mark;
  }

  varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    return this.errorf(`undefined variable: ${name}`);
  }

  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // -------------------------------------------------------------------------
  // Walking.

  async walk(dot: unknown, node: Node): Promise<void> {
    this.at(node);
    switch (node.kind) {
      case "action": {
        const val = await this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case "if":
      case "with":
        return this.walkIfOrWith(dot, node);
      case "list":
        for (const n of node.nodes) await this.walk(dot, n);
        return;
      case "range":
        return this.walkRange(dot, node);
      case "template":
        return this.walkTemplate(dot, node);
      case "text":
        this.out.push(node.text);
        return;
      case "break":
        throw breakSignal;
      case "continue":
        throw continueSignal;
    }
    this.errorf(`unknown node: ${nodeString(node)}`);
  }

  async walkIfOrWith(dot: unknown, node: BranchNode): Promise<void> {
    const mark = this.mark();
    try {
      const val = await this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) await this.walk(node.kind === "with" ? val : dot, node.list);
      else if (node.elseList !== null) await this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  async walkRange(dot: unknown, r: BranchNode): Promise<void> {
    this.at(r);
    const outer = this.mark();
    try {
      const val = await this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl.length;
      // Returns false to stop ({{break}}).
      const d = r.pipe.decl;
      const oneIteration = async (index: unknown, elem: unknown): Promise<boolean> => {
        // "range $i, $e := x" declared the variables on the stack (top is $e);
        // "range $i, $e = x" assigns to existing ones by name.
        if (r.pipe.isAssign) {
          if (decl === 1) this.setVar(d[0]!.ident[0]!, elem);
          if (decl > 1) {
            this.setVar(d[0]!.ident[0]!, index);
            this.setVar(d[1]!.ident[0]!, elem);
          }
        } else {
          if (decl > 0) this.vars[this.vars.length - 1]!.value = elem;
          if (decl > 1) this.vars[this.vars.length - 2]!.value = index;
        }
        try {
          await this.walk(elem, r.list);
        } catch (e) {
          if (e === breakSignal) return false;
          if (e !== continueSignal) throw e;
        } finally {
          this.pop(mark);
        }
        return true;
      };
      let iterated = false;
      if (Array.isArray(val)) {
        for (let i = 0; i < val.length; i++) {
          iterated = true;
          if (!(await oneIteration(BigInt(i), val[i]))) break;
        }
      } else if (isMapValue(val)) {
        for (const [k, v] of sortedEntries(val)) {
          iterated = true;
          if (!(await oneIteration(k, v))) break;
        }
      } else if (typeof val === "bigint") {
        if (decl > 1) this.errorf(`can't use ${val} to iterate over more than one variable`);
        for (let i = 0n; i < val; i++) {
          iterated = true;
          if (!(await oneIteration(i, i))) break;
        }
      } else if (!isNil(val)) {
        this.errorf(`range can't iterate over ${formatValue(val)}`);
      }
      if (!iterated && r.elseList !== null) await this.walk(dot, r.elseList);
    } finally {
      this.pop(outer);
    }
  }

  async walkTemplate(dot: unknown, t: TemplateNode): Promise<void> {
    this.at(t);
    const root = this.common.trees.get(t.name);
    if (root === undefined) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= this.common.maxExecDepth) this.errorf(`exceeded maximum template depth (${this.common.maxExecDepth})`);
    const newDot = t.pipe === null ? undefined : await this.evalPipeline(dot, t.pipe);
    const st = new State(this.common, t.name, newDot, this.out, this.depth + 1);
    await st.walk(newDot, root);
  }

  // -------------------------------------------------------------------------
  // Evaluation.

  async evalPipeline(dot: unknown, pipe: PipeNode): Promise<unknown> {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = await this.evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value });
    }
    return value;
  }

  notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  async evalCommand(dot: unknown, cmd: CommandNode, final: Final): Promise<unknown> {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case "field":
        return this.evalFieldNode(dot, first, cmd.args, final);
      case "chain":
        return this.evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case "variable":
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case "bool":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        return this.errorf("nil is not a command");
      case "number":
        return this.idealConstant(first);
      case "string":
        return first.text;
    }
  }

  idealConstant(n: NumberNode): unknown {
    this.at(n);
    const isHexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !isHexInt && !n.text.startsWith("'") && /[.eEpP]/.test(n.text)) return n.float;
    if (n.isInt) return n.int;
    if (n.isUint) this.errorf(`${n.text} overflows int`);
    return undefined;
  }

  async evalFieldNode(dot: unknown, field: FieldNode, args: readonly ArgNode[], final: Final): Promise<unknown> {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  async evalChainNode(dot: unknown, chain: ChainNode, args: readonly ArgNode[], final: Final): Promise<unknown> {
    this.at(chain);
    if (chain.node.kind === "nil") this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = await this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  async evalVariableNode(dot: unknown, v: VariableNode, args: readonly ArgNode[] | null, final: Final): Promise<unknown> {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      if (args !== null) this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  async evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: Node,
    ident: readonly string[],
    args: readonly ArgNode[] | null,
    final: Final,
  ): Promise<unknown> {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = await this.evalField(dot, ident[i]!, node, null, MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  async evalFunction(
    dot: unknown,
    node: IdentifierNode,
    cmd: Node,
    args: readonly ArgNode[] | null,
    final: Final,
  ): Promise<unknown> {
    this.at(node);
    const name = node.ident;
    const user = this.common.funcs.get(name);
    const fn = user ?? builtins[name];
    if (fn === undefined) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, fn, user === undefined, cmd, name, args, final, null);
  }

  async evalField(
    dot: unknown,
    fieldName: string,
    node: Node,
    args: readonly ArgNode[] | null,
    final: Final,
    receiver: unknown,
  ): Promise<unknown> {
    if (receiver === undefined) {
      if (this.common.missingKey === MissingKey.Error) this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    if (typeof receiver === "object") {
      const method = methodOf(receiver, fieldName);
      if (method !== null) return this.evalCall(dot, method, false, node, fieldName, args, final, receiver);
    }
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    if (isMapValue(receiver)) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const r = mapLookup(receiver, fieldName);
      if (r.found) return r.value === undefined ? null : r.value;
      switch (this.common.missingKey) {
        case MissingKey.Zero:
          return mapZero(receiver);
        case MissingKey.Error:
          this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
      }
      return undefined;
    }
    if (isStruct(receiver) && fieldName in receiver) {
      if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
      const v = (receiver as Record<string, unknown>)[fieldName];
      return v === undefined ? null : v;
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typeName(receiver)}`);
  }

  async evalCall(
    dot: unknown,
    fn: TemplateFunction | ((...args: never[]) => unknown),
    isBuiltin: boolean,
    node: Node,
    name: string,
    argNodes: readonly ArgNode[] | null,
    final: Final,
    receiver: object | null,
  ): Promise<unknown> {
    const args = argNodes === null ? [] : argNodes.slice(1);
    const typed = typeof fn === "function" ? null : fn;
    const params: readonly ParamType[] = typed?.params ?? [];
    const variadic: ParamType | null = typed === null ? "any" : typed.variadic;
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    if (variadic !== null) {
      if (numIn < params.length) {
        this.errorf(`wrong number of args for ${name}: want at least ${params.length} got ${args.length}`);
      }
    } else if (numIn !== params.length) {
      this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }
    const paramAt = (i: number): ParamType => (i < params.length ? params[i]! : variadic!);

    // and/or short-circuit: arguments are evaluated only until the result is known.
    if (isBuiltin && (name === "and" || name === "or")) {
      let v: unknown;
      for (const a of args) {
        v = await this.evalArg(dot, "value", a);
        if (isTrue(v) === (name === "or")) return v;
      }
      if (final !== MISSING) v = this.validateType(final, "value");
      return v;
    }

    const argv: unknown[] = [];
    for (let i = 0; i < args.length; i++) argv.push(await this.evalArg(dot, paramAt(i), args[i]!));
    if (final !== MISSING) argv.push(this.validateType(final, paramAt(numIn - 1)));
    const impl = (typed === null ? fn : typed.call) as (...a: unknown[]) => unknown;
    try {
      return await impl.apply(receiver, argv);
    } catch (e) {
      this.at(node);
      const msg = e instanceof Error ? e.message : String(e);
      return this.errorf(`error calling ${name}: ${msg}`);
    }
  }

  validateType(value: unknown, typ: ParamType | null): unknown {
    if (value === undefined) {
      if (typ === null || typ === "value") return undefined;
      if (typ === "any") return null;
      this.errorf(`invalid value; expected ${paramTypeName(typ)}`);
    }
    if (typ === null || typ === "value" || typ === "any") return value;
    let ok: boolean;
    switch (typ) {
      case "string":
        ok = typeof value === "string";
        break;
      case "float64":
        ok = typeof value === "number";
        break;
      case "int":
        ok = typeof value === "bigint";
        break;
      case "bool":
        ok = typeof value === "boolean";
        break;
      default:
        ok = typ.accepts(value);
    }
    if (!ok) this.errorf(`wrong type for value; expected ${paramTypeName(typ)}; got ${typeName(value)}`);
    return value;
  }

  async evalArg(dot: unknown, typ: ParamType | null, n: ArgNode): Promise<unknown> {
    this.at(n);
    switch (n.kind) {
      case "dot":
        return this.validateType(dot, typ);
      case "nil":
        if (typ === null || typ === "any" || typ === "value" || typeof typ !== "string") return null;
        return this.errorf(`cannot assign nil to ${paramTypeName(typ)}`);
      case "field":
        return this.validateType(await this.evalFieldNode(dot, n, [n], MISSING), typ);
      case "variable":
        return this.validateType(await this.evalVariableNode(dot, n, null, MISSING), typ);
      case "pipe":
        return this.validateType(await this.evalPipeline(dot, n), typ);
      case "identifier":
        return this.validateType(await this.evalFunction(dot, n, n, null, MISSING), typ);
      case "chain":
        return this.validateType(await this.evalChainNode(dot, n, [], MISSING), typ);
    }
    switch (typ) {
      case null:
      case "any":
      case "value":
        switch (n.kind) {
          case "bool":
            return n.value;
          case "number":
            return this.idealConstant(n);
          case "string":
            return n.text;
        }
        break;
      case "bool":
        if (n.kind === "bool") return n.value;
        return this.errorf(`expected bool; found ${nodeString(n)}`);
      case "string":
        if (n.kind === "string") return n.text;
        return this.errorf(`expected string; found ${nodeString(n)}`);
      case "float64":
        if (n.kind === "number" && n.isFloat) return n.float;
        return this.errorf(`expected float; found ${nodeString(n)}`);
      case "int":
        if (n.kind === "number" && n.isInt) return n.int;
        return this.errorf(`expected integer; found ${nodeString(n)}`);
    }
    return this.errorf(`can't handle ${nodeString(n)} for arg of type ${paramTypeName(typ)}`);
  }

  printValue(n: Node, v: unknown): void {
    this.at(n);
    if (isNil(v)) {
      this.out.push("<no value>");
      return;
    }
    if (typeof v === "function") this.errorf(`can't print ${nodeString(n)} of type ${typeName(v)}`);
    this.out.push(formatValue(v));
  }
}

/**
 * The method `name` of a value, with its parameters: functions on a
 * struct's prototype chain, or methods a Map or Array subclass adds
 * (capitalized, as Go's exported methods are). Arity is the JS function's length.
 */
function methodOf(receiver: object, name: string): TemplateFunction | null {
  if (isMapValue(receiver)) {
    if (!(receiver instanceof Map) || name in Map.prototype || !/^\p{Lu}/u.test(name)) return null;
  } else if (Array.isArray(receiver)) {
    // A named slice type with methods (Alertmanager's Alerts.Firing, Pairs.Values): an Array subclass.
    if (Object.getPrototypeOf(receiver) === Array.prototype || name in Array.prototype || !/^\p{Lu}/u.test(name)) return null;
  } else if (!isStruct(receiver)) return null;
  const m = findMethod(receiver, name);
  if (m === null) return null;
  return { params: new Array<ParamType>(m.length).fill("any"), variadic: null, call: m };
}
