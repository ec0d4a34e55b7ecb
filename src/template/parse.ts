// The template parser: Go's text/template/parse rules and error texts
// ("template: <name>:<line>: unexpected \"}\" in operand"), producing a tree
// per template name. Nodes print back as Go's Node.String does, which the
// executor uses in "executing ... at <node>" messages.

import { ItemType, itemString, lex } from "./lex.ts";
import type { Item } from "./lex.ts";
import { goQuote } from "./fmt.ts";

/** The source a node comes from: the top-level template name being parsed and its text (for error positions). */
export interface Source {
  readonly parseName: string;
  readonly text: string;
}

interface Base {
  readonly pos: number;
  readonly src: Source;
}

/** Plain text between actions. */
export interface TextNode extends Base {
  readonly kind: "text";
  readonly text: string;
}
/** `.` */
export interface DotNode extends Base {
  readonly kind: "dot";
}
/** `nil` */
export interface NilNode extends Base {
  readonly kind: "nil";
}
/** `true` / `false` */
export interface BoolNode extends Base {
  readonly kind: "bool";
  readonly value: boolean;
}
/** A number literal: which Go types it can be, and its values. */
export interface NumberNode extends Base {
  readonly kind: "number";
  readonly text: string;
  readonly isInt: boolean;
  readonly isUint: boolean;
  readonly isFloat: boolean;
  readonly int: bigint;
  readonly float: number;
}
/** A string literal: its quoted source and unquoted value. */
export interface StringNode extends Base {
  readonly kind: "string";
  readonly quoted: string;
  readonly text: string;
}
/** `.A.B` */
export interface FieldNode extends Base {
  readonly kind: "field";
  readonly ident: readonly string[];
}
/** `$x.A.B` (ident[0] is the variable name with its `$`). */
export interface VariableNode extends Base {
  readonly kind: "variable";
  readonly ident: readonly string[];
}
/** A function name. */
export interface IdentifierNode extends Base {
  readonly kind: "identifier";
  readonly ident: string;
}
/** `(pipeline).A.B` or `term.A` for a term that is not a field or variable. */
export interface ChainNode extends Base {
  readonly kind: "chain";
  readonly node: ArgNode;
  readonly field: readonly string[];
}
/** A command: operands separated by spaces. */
export interface CommandNode extends Base {
  readonly kind: "command";
  readonly args: ArgNode[];
}
/** A pipeline with optional declarations: `$x := a | b`. */
export interface PipeNode extends Base {
  readonly kind: "pipe";
  readonly line: number;
  isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}
/** An operand. */
export type ArgNode =
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | FieldNode
  | VariableNode
  | IdentifierNode
  | ChainNode
  | PipeNode;

/** `{{pipeline}}` */
export interface ActionNode extends Base {
  readonly kind: "action";
  readonly pipe: PipeNode;
}
/** `{{if}}`, `{{range}}`, `{{with}}`. */
export interface BranchNode extends Base {
  readonly kind: "if" | "range" | "with";
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | null;
}
/** `{{template "name" pipeline}}` (also what `{{block}}` leaves in place). */
export interface TemplateNode extends Base {
  readonly kind: "template";
  readonly name: string;
  readonly pipe: PipeNode | null;
}
/** `{{break}}` / `{{continue}}`. */
export interface LoopControlNode extends Base {
  readonly kind: "break" | "continue";
}
/** A sequence of nodes. */
export interface ListNode extends Base {
  readonly kind: "list";
  readonly nodes: Node[];
}
/** Internal markers for `{{end}}` and `{{else}}`. */
interface EndNode extends Base {
  readonly kind: "end";
}
interface ElseNode extends Base {
  readonly kind: "else";
}

/** A node of a template body. */
export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode | ListNode | ArgNode | CommandNode;

/** A parse error with Go's text: `template: <name>:<line>: <message>`. */
export class TemplateParseError extends Error {
  readonly templateName: string;
  readonly line: number;
  constructor(message: string, templateName: string, line: number) {
    super(message);
    this.name = "TemplateParseError";
    this.templateName = templateName;
    this.line = line;
  }
}

/** Prints a node as Go's Node.String does. */
export function nodeString(n: Node | EndNode | ElseNode): string {
  switch (n.kind) {
    case "text":
      return goQuote(n.text);
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "bool":
      return n.value ? "true" : "false";
    case "number":
      return n.text;
    case "string":
      return n.quoted;
    case "field":
      return n.ident.map((i) => "." + i).join("");
    case "variable":
      return n.ident.join(".");
    case "identifier":
      return n.ident;
    case "chain": {
      const inner = n.node.kind === "pipe" ? "(" + nodeString(n.node) + ")" : nodeString(n.node);
      return inner + n.field.map((f) => "." + f).join("");
    }
    case "command":
      return n.args.map((a) => (a.kind === "pipe" ? "(" + nodeString(a) + ")" : nodeString(a))).join(" ");
    case "pipe": {
      let s = "";
      if (n.decl.length > 0) s = n.decl.map(nodeString).join(", ") + (n.isAssign ? " = " : " := ");
      return s + n.cmds.map(nodeString).join(" | ");
    }
    case "action":
      return "{{" + nodeString(n.pipe) + "}}";
    case "if":
    case "range":
    case "with": {
      let s = `{{${n.kind} ${nodeString(n.pipe)}}}${nodeString(n.list)}`;
      if (n.elseList !== null) s += "{{else}}" + nodeString(n.elseList);
      return s + "{{end}}";
    }
    case "template":
      return n.pipe === null ? `{{template ${goQuote(n.name)}}}` : `{{template ${goQuote(n.name)} ${nodeString(n.pipe)}}}`;
    case "break":
      return "{{break}}";
    case "continue":
      return "{{continue}}";
    case "list":
      return n.nodes.map(nodeString).join("");
    case "end":
      return "{{end}}";
    case "else":
      return "{{else}}";
  }
}

/** Whether a tree holds nothing but space and comments (Go's IsEmptyTree). */
export function isEmptyTree(n: Node): boolean {
  if (n.kind === "list") return n.nodes.every(isEmptyTree);
  if (n.kind === "text") return n.text.trim() === "";
  return false;
}

// ---------------------------------------------------------------------------
// Go literal syntax.

const simpleEscapes: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
};

/** Go's strconv.Unquote for "..." `...` and '...'. Throws Error("invalid syntax"). */
export function unquote(s: string): string {
  const q = s[0];
  if (s.length < 2 || s[s.length - 1] !== q) throw new Error("invalid syntax");
  const body = s.slice(1, -1);
  if (q === "`") {
    if (body.includes("`")) throw new Error("invalid syntax");
    return body.replace(/\r/g, "");
  }
  if (q !== '"' && q !== "'") throw new Error("invalid syntax");
  let out = "";
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) {
      out += new TextDecoder().decode(new Uint8Array(bytes));
      bytes = [];
    }
  };
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === q) throw new Error("invalid syntax");
    if (c === "\n") throw new Error("invalid syntax");
    if (c !== "\\") {
      flush();
      const cp = String.fromCodePoint(body.codePointAt(i)!);
      out += cp;
      i += cp.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new Error("invalid syntax");
    if (e in simpleEscapes) {
      flush();
      out += simpleEscapes[e];
      i += 2;
    } else if (e === q) {
      flush();
      out += q;
      i += 2;
    } else if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error("invalid syntax");
      const v = parseInt(hex, 16);
      if (e === "x") {
        if (q === "'") {
          flush();
          out += String.fromCodePoint(v);
        } else bytes.push(v);
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new Error("invalid syntax");
        flush();
        out += String.fromCodePoint(v);
      }
      i += 2 + n;
    } else if (e >= "0" && e <= "7") {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error("invalid syntax");
      const v = parseInt(oct, 8);
      if (v > 255) throw new Error("invalid syntax");
      if (q === "'") {
        flush();
        out += String.fromCodePoint(v);
      } else bytes.push(v);
      i += 4;
    } else throw new Error("invalid syntax");
  }
  flush();
  if (q === "'" && [...out].length !== 1) throw new Error("invalid syntax");
  return out;
}

/** Parses Go integer literal syntax (strconv.ParseInt(s, 0, 64) without the range check); null if invalid. */
function parseGoInt(text: string): bigint | null {
  let s = text;
  let neg = false;
  if (s[0] === "+" || s[0] === "-") {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  let base = 10;
  let prefixed = false;
  if (/^0[xX]/.test(s)) {
    base = 16;
    s = s.slice(2);
    prefixed = true;
  } else if (/^0[oO]/.test(s)) {
    base = 8;
    s = s.slice(2);
    prefixed = true;
  } else if (/^0[bB]/.test(s)) {
    base = 2;
    s = s.slice(2);
    prefixed = true;
  } else if (s.length > 1 && s[0] === "0") {
    base = 8;
    s = s.slice(1);
    prefixed = true;
  }
  if (s.includes("_")) {
    // Underscores only between digits, or after a base prefix.
    if (!/^_?[0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(s) || (!prefixed && s.startsWith("_"))) return null;
    s = s.replace(/_/g, "");
  }
  const digits = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base]!;
  if (!digits.test(s)) return null;
  const prefix = base === 16 ? "0x" : base === 8 ? "0o" : base === 2 ? "0b" : "";
  const v = BigInt(prefix + s);
  return neg ? -v : v;
}

/** Parses Go float literal syntax (decimal or hex); null if invalid. */
function parseGoFloat(text: string): number | null {
  let s = text.replace(/_/g, "");
  let neg = false;
  if (s[0] === "+" || s[0] === "-") {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  let v: number;
  if (/^0[xX]/.test(s)) {
    const m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(s);
    if (m === null || (m[1] === "" && (m[2] ?? "") === "")) return null;
    const mant = parseInt((m[1] || "0") + (m[2] ?? ""), 16);
    v = mant * 2 ** (Number(m[3]) - 4 * (m[2] ?? "").length);
  } else {
    if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) return null;
    v = Number(s);
  }
  return neg ? -v : v;
}

const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

// ---------------------------------------------------------------------------
// The parser.

/** Options of one parse. */
export interface ParseOptions {
  /** Whether a function name is defined (builtins or the caller's FuncMap). */
  readonly hasFunction: (name: string) => boolean;
  readonly leftDelim: string;
  readonly rightDelim: string;
}

/**
 * Parses `text` as the template `name`; returns every tree it defines
 * (`name` itself and each {{define}}/{{block}}). Throws TemplateParseError.
 */
export function parseTemplates(name: string, text: string, opts: ParseOptions): Map<string, ListNode> {
  const items = lex(text, opts.leftDelim, opts.rightDelim);
  const src: Source = { parseName: name, text };
  const treeSet = new Map<string, ListNode>();
  const p = new Parser(items, src, opts, treeSet);
  p.parseTop(name);
  return treeSet;
}

class Parser {
  readonly items: Item[];
  readonly src: Source;
  readonly opts: ParseOptions;
  readonly treeSet: Map<string, ListNode>;
  idx = 0;
  // The furthest token read so far and its line: Go reports that line.
  maxRead = 0;
  lastLine = 1;
  vars: string[] = ["$"];
  rangeDepth = 0;
  actionLine = 0;

  constructor(items: Item[], src: Source, opts: ParseOptions, treeSet: Map<string, ListNode>) {
    this.items = items;
    this.src = src;
    this.opts = opts;
    this.treeSet = treeSet;
  }

  errorf(msg: string): never {
    throw new TemplateParseError(`template: ${this.src.parseName}:${this.lastLine}: ${msg}`, this.src.parseName, this.lastLine);
  }

  next(): Item {
    const it = this.items[Math.min(this.idx, this.items.length - 1)]!;
    this.idx++;
    if (this.idx >= this.maxRead) {
      this.maxRead = this.idx;
      this.lastLine = it.line;
    }
    return it;
  }

  backup(): void {
    this.idx--;
  }

  peek(): Item {
    const it = this.next();
    this.backup();
    return it;
  }

  nextNonSpace(): Item {
    for (;;) {
      const it = this.next();
      if (it.typ !== ItemType.Space) return it;
    }
  }

  // Like Go's: the spaces before the token stay consumed.
  peekNonSpace(): Item {
    const it = this.nextNonSpace();
    this.backup();
    return it;
  }

  expect(typ: ItemType, context: string): Item {
    const it = this.nextNonSpace();
    if (it.typ !== typ) this.unexpected(it, context);
    return it;
  }

  unexpected(it: Item, context: string): never {
    if (it.typ === ItemType.Error) {
      let extra = "";
      if (this.actionLine !== 0 && this.actionLine !== it.line) {
        extra = ` in action started at ${this.src.parseName}:${this.actionLine}`;
        if (it.val.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.errorf(it.val + extra);
    }
    this.errorf(`unexpected ${itemString(it)} in ${context}`);
  }

  add(name: string, root: ListNode): void {
    const existing = this.treeSet.get(name);
    if (existing === undefined || isEmptyTree(existing)) {
      this.treeSet.set(name, root);
      return;
    }
    if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${goQuote(name)}`);
  }

  parseTop(name: string): void {
    const root: ListNode = { kind: "list", pos: this.peek().pos, src: this.src, nodes: [] };
    while (this.peek().typ !== ItemType.EOF) {
      if (this.peek().typ === ItemType.LeftDelim) {
        const save = this.idx;
        this.next();
        if (this.nextNonSpace().typ === ItemType.Define) {
          this.parseDefinition();
          continue;
        }
        this.idx = save;
      }
      const n = this.textOrAction();
      if (n.kind === "end" || n.kind === "else") this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
    this.add(name, root);
  }

  parseDefinition(): void {
    const context = "define clause";
    const tok = this.nextNonSpace();
    if (tok.typ !== ItemType.String && tok.typ !== ItemType.RawString) this.unexpected(tok, context);
    const name = this.unquoteOrFail(tok.val);
    this.expect(ItemType.RightDelim, context);
    const savedVars = this.vars;
    this.vars = ["$"];
    const [list, end] = this.itemList();
    if (end.kind !== "end") this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.vars = savedVars;
    this.add(name, list);
  }

  unquoteOrFail(s: string): string {
    try {
      return unquote(s);
    } catch (e) {
      return this.errorf((e as Error).message);
    }
  }

  itemList(): [ListNode, EndNode | ElseNode] {
    const list: ListNode = { kind: "list", pos: this.peekNonSpace().pos, src: this.src, nodes: [] };
    while (this.peekNonSpace().typ !== ItemType.EOF) {
      const n = this.textOrAction();
      if (n.kind === "end" || n.kind === "else") return [list, n];
      list.nodes.push(n);
    }
    this.errorf("unexpected EOF");
  }

  textOrAction(): Node | EndNode | ElseNode {
    const tok = this.nextNonSpace();
    switch (tok.typ) {
      case ItemType.Text:
        return { kind: "text", pos: tok.pos, src: this.src, text: tok.val };
      case ItemType.LeftDelim: {
        this.actionLine = tok.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
    }
    this.unexpected(tok, "input");
  }

  action(): Node | EndNode | ElseNode {
    const tok = this.nextNonSpace();
    switch (tok.typ) {
      case ItemType.Block:
        return this.blockControl();
      case ItemType.Break:
      case ItemType.Continue: {
        const word = tok.typ === ItemType.Break ? "break" : "continue";
        const t = this.nextNonSpace();
        if (t.typ !== ItemType.RightDelim) this.unexpected(t, `{{${word}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
        return { kind: word, pos: tok.pos, src: this.src };
      }
      case ItemType.Else:
        return this.elseControl();
      case ItemType.End:
        return { kind: "end", pos: this.expect(ItemType.RightDelim, "end").pos, src: this.src };
      case ItemType.If:
        return this.control("if");
      case ItemType.Range:
        return this.control("range");
      case ItemType.Template:
        return this.templateControl();
      case ItemType.With:
        return this.control("with");
    }
    this.backup();
    const t = this.peek();
    return { kind: "action", pos: t.pos, src: this.src, pipe: this.pipeline("command", ItemType.RightDelim) };
  }

  elseControl(): ElseNode {
    const peek = this.peekNonSpace();
    if (peek.typ === ItemType.If || peek.typ === ItemType.With) return { kind: "else", pos: peek.pos, src: this.src };
    const tok = this.expect(ItemType.RightDelim, "else");
    return { kind: "else", pos: tok.pos, src: this.src };
  }

  control(context: "if" | "range" | "with"): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, ItemType.RightDelim);
      if (context === "range") this.rangeDepth++;
      let list: ListNode;
      let next: EndNode | ElseNode;
      try {
        [list, next] = this.itemList();
      } finally {
        if (context === "range") this.rangeDepth--;
      }
      let elseList: ListNode | null = null;
      if (next.kind === "else") {
        // "{{else if x}}" is "{{else}}{{if x}}...{{end}}" with the inner {{end}} shared.
        const peekTyp = this.peek().typ;
        if ((context === "if" && peekTyp === ItemType.If) || (context === "with" && peekTyp === ItemType.With)) {
          this.next();
          elseList = { kind: "list", pos: next.pos, src: this.src, nodes: [this.control(context)] };
        } else {
          let end: EndNode | ElseNode;
          [elseList, end] = this.itemList();
          if (end.kind !== "end") this.errorf(`expected end; found ${nodeString(end)}`);
        }
      }
      return { kind: context, pos: pipe.pos, src: this.src, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  parseTemplateName(tok: Item, context: string): string {
    if (tok.typ === ItemType.String || tok.typ === ItemType.RawString) return this.unquoteOrFail(tok.val);
    this.unexpected(tok, context);
  }

  templateControl(): TemplateNode {
    const context = "template clause";
    const tok = this.nextNonSpace();
    const name = this.parseTemplateName(tok, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== ItemType.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, ItemType.RightDelim);
    }
    return { kind: "template", pos: tok.pos, src: this.src, name, pipe };
  }

  blockControl(): TemplateNode {
    const context = "block clause";
    const tok = this.nextNonSpace();
    const name = this.parseTemplateName(tok, context);
    const pipe = this.pipeline(context, ItemType.RightDelim);
    const savedVars = this.vars;
    const savedRange = this.rangeDepth;
    this.vars = ["$"];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    if (end.kind !== "end") this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.vars = savedVars;
    this.rangeDepth = savedRange;
    this.add(name, list);
    return { kind: "template", pos: tok.pos, src: this.src, name, pipe };
  }

  pipeline(context: string, end: ItemType): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { kind: "pipe", pos: first.pos, line: first.line, src: this.src, isAssign: false, decl: [], cmds: [] };
    // Declarations: "$x :=", "$x =", "$i, $e :=" (range only).
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== ItemType.Variable) break;
      const save = this.idx;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.typ === ItemType.Assign || next.typ === ItemType.Declare) {
        pipe.isAssign = next.typ === ItemType.Assign;
        this.nextNonSpace();
        pipe.decl.push({ kind: "variable", pos: v.pos, src: this.src, ident: [v.val] });
        this.vars.push(v.val);
        break;
      }
      if (next.typ === ItemType.Char && next.val === ",") {
        this.nextNonSpace();
        pipe.decl.push({ kind: "variable", pos: v.pos, src: this.src, ident: [v.val] });
        this.vars.push(v.val);
        if (context === "range" && pipe.decl.length < 2) {
          const t = this.peekNonSpace().typ;
          if (t === ItemType.Variable || t === ItemType.RightDelim || t === ItemType.RightParen) continue;
          this.errorf("range can only initialize variables");
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.idx = save;
      break;
    }
    for (;;) {
      const tok = this.nextNonSpace();
      if (tok.typ === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (tok.typ) {
        case ItemType.Bool:
        case ItemType.CharConstant:
        case ItemType.Complex:
        case ItemType.Dot:
        case ItemType.Field:
        case ItemType.Identifier:
        case ItemType.Number:
        case ItemType.Nil:
        case ItemType.RawString:
        case ItemType.String:
        case ItemType.Variable:
        case ItemType.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          continue;
      }
      this.unexpected(tok, context);
    }
  }

  checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = c.args[0]!.kind;
      if (k === "bool" || k === "dot" || k === "nil" || k === "number" || k === "string") {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  command(): CommandNode {
    const cmd: CommandNode = { kind: "command", pos: this.peekNonSpace().pos, src: this.src, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const tok = this.next();
      if (tok.typ === ItemType.Space) continue;
      if (tok.typ === ItemType.RightDelim || tok.typ === ItemType.RightParen) this.backup();
      else if (tok.typ !== ItemType.Pipe) this.unexpected(tok, "operand");
      break;
    }
    if (cmd.args.length === 0) this.errorf("empty command");
    return cmd;
  }

  operand(): ArgNode | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().typ !== ItemType.Field) return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === ItemType.Field) fields.push(this.next().val.slice(1));
    switch (node.kind) {
      case "field":
        return { kind: "field", pos, src: this.src, ident: [...node.ident, ...fields] };
      case "variable":
        return { kind: "variable", pos, src: this.src, ident: [...node.ident, ...fields] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
    }
    return { kind: "chain", pos, src: this.src, node, field: fields };
  }

  term(): ArgNode | null {
    const tok = this.nextNonSpace();
    switch (tok.typ) {
      case ItemType.Identifier:
        if (!this.opts.hasFunction(tok.val)) this.errorf(`function ${goQuote(tok.val)} not defined`);
        return { kind: "identifier", pos: tok.pos, src: this.src, ident: tok.val };
      case ItemType.Dot:
        return { kind: "dot", pos: tok.pos, src: this.src };
      case ItemType.Nil:
        return { kind: "nil", pos: tok.pos, src: this.src };
      case ItemType.Variable: {
        const ident = tok.val.split(".");
        if (!this.vars.includes(ident[0]!)) this.errorf(`undefined variable ${goQuote(ident[0]!)}`);
        return { kind: "variable", pos: tok.pos, src: this.src, ident };
      }
      case ItemType.Field:
        return { kind: "field", pos: tok.pos, src: this.src, ident: tok.val.split(".").slice(1) };
      case ItemType.Bool:
        return { kind: "bool", pos: tok.pos, src: this.src, value: tok.val === "true" };
      case ItemType.CharConstant:
      case ItemType.Complex:
      case ItemType.Number:
        return this.number(tok);
      case ItemType.LeftParen:
        return this.pipeline("parenthesized pipeline", ItemType.RightParen);
      case ItemType.String:
      case ItemType.RawString:
        return { kind: "string", pos: tok.pos, src: this.src, quoted: tok.val, text: this.unquoteOrFail(tok.val) };
    }
    this.backup();
    return null;
  }

  number(tok: Item): NumberNode {
    const text = tok.val;
    const base = { kind: "number" as const, pos: tok.pos, src: this.src, text };
    if (tok.typ === ItemType.CharConstant) {
      let s: string;
      try {
        s = unquote(text);
      } catch {
        this.errorf(`malformed character constant: ${text}`);
      }
      const r = BigInt(s.codePointAt(0)!);
      return { ...base, isInt: true, isUint: true, isFloat: true, int: r, float: Number(r) };
    }
    if (tok.typ === ItemType.Complex) this.errorf(`illegal number syntax: ${goQuote(text)}`);
    if (text.endsWith("i")) this.errorf(`illegal number syntax: ${goQuote(text)}`);
    let isInt = false;
    let isUint = false;
    let isFloat = false;
    let int = 0n;
    let float = 0;
    const iv = parseGoInt(text);
    if (iv !== null) {
      if (iv >= 0n && iv <= MAX_UINT64) isUint = true;
      if (iv >= MIN_INT64 && iv <= MAX_INT64) {
        isInt = true;
        int = iv;
      }
      if (isInt || isUint) {
        isFloat = true;
        float = Number(iv);
      }
    }
    if (!isInt && !isUint) {
      const f = parseGoFloat(text);
      if (f !== null) {
        if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${goQuote(text)}`);
        isFloat = true;
        float = f;
        if (Number.isInteger(f) && Math.abs(f) <= 2 ** 63 && f !== 2 ** 63) {
          isInt = true;
          int = BigInt(f);
        }
        if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) isUint = true;
      }
    }
    if (!isInt && !isUint && !isFloat) this.errorf(`illegal number syntax: ${goQuote(text)}`);
    return { ...base, isInt, isUint, isFloat, int, float };
  }
}
