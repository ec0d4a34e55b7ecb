// Function maps: how a template function declares its parameters, and Go's
// builtin functions (and, or, not, len, index, slice, print, printf,
// println, html, js, urlquery, eq, ne, lt, le, gt, ge, call).

import { sprint, sprintf, sprintln } from "./fmt.ts";
import {
  compareStrings,
  isMapValue,
  isNil,
  isTrue,
  mapLookup,
  mapSize,
  mapZero,
  typeName,
  utf8Bytes,
  utf8Decode,
  utf8Length,
  TypedMap,
} from "./value.ts";

/** A Go parameter type that checks its own values, e.g. Prometheus's `*template.sample`. */
export interface CustomParamType {
  /** The Go type name, for "wrong type for value; expected <name>; got int". */
  readonly name: string;
  readonly accepts: (v: unknown) => boolean;
}

/**
 * A parameter type. Constants in the template convert as Go converts them
 * (a number literal passes as float64 or int, a string literal as string);
 * other values must already be of the type.
 * - "any": interface{}; a missing value arrives as null.
 * - "value": reflect.Value (builtins); a missing value arrives as undefined.
 */
export type ParamType = "any" | "value" | "string" | "float64" | "int" | "bool" | CustomParamType;

/**
 * A typed template function: fixed parameters, then optionally a variadic
 * one. `call` may return a Promise (execution awaits it) and reports an
 * error by throwing, which execution turns into "error calling <name>: <message>".
 */
export interface TemplateFunction {
  readonly params: readonly ParamType[];
  readonly variadic: ParamType | null;
  readonly call: (...args: never[]) => unknown;
}

/**
 * Functions available to a template, by name. A plain JS function is
 * untyped and variadic: it receives every argument as evaluated (missing
 * values as null).
 */
export type FuncMap = Readonly<Record<string, TemplateFunction | ((...args: never[]) => unknown)>>;

/** Declares a typed template function. */
export function defineFunc(
  params: readonly ParamType[],
  variadic: ParamType | null,
  call: (...args: never[]) => unknown,
): TemplateFunction {
  return { params, variadic, call };
}

/** The Go name of a parameter type. */
export function paramTypeName(t: ParamType): string {
  if (typeof t !== "string") return t.name;
  if (t === "any") return "interface {}";
  if (t === "value") return "reflect.Value";
  return t;
}

// ---------------------------------------------------------------------------
// Builtins.

function indexArg(index: unknown, cap: number): number {
  if (typeof index === "bigint") {
    if (index < 0n || index > BigInt(cap)) throw new Error(`index out of range: ${index}`);
    return Number(index);
  }
  if (isNil(index)) throw new Error("cannot index slice/array with nil");
  throw new Error(`cannot index slice/array with type ${typeName(index)}`);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new Error("index of untyped nil");
  for (const ix of indexes) {
    if (isNil(item)) throw new Error("index of nil pointer");
    if (typeof item === "string" || Array.isArray(item)) {
      const bytes = typeof item === "string" ? utf8Bytes(item) : null;
      const len = bytes !== null ? bytes.length : (item as unknown[]).length;
      const x = indexArg(ix, len);
      if (x === len) throw new Error(`reflect: ${bytes !== null ? "string" : "slice"} index out of range`);
      item = bytes !== null ? BigInt(bytes[x]!) : (item as unknown[])[x];
      continue;
    }
    if (isMapValue(item)) {
      const stringKeys = !(item instanceof Map) || item instanceof TypedMap;
      if (stringKeys && typeof ix !== "string") {
        if (isNil(ix)) throw new Error("value is nil; should be of type string");
        throw new Error(`value has type ${typeName(ix)}; should be string`);
      }
      const r = mapLookup(item, ix);
      item = r.found ? r.value : mapZero(item);
      continue;
    }
    throw new Error(`can't index item of type ${typeName(item)}`);
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new Error("slice of untyped nil");
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  let bytes: Uint8Array | null = null;
  if (typeof item === "string") {
    if (indexes.length === 3) throw new Error("cannot 3-index slice a string");
    bytes = utf8Bytes(item);
    len = bytes.length;
  } else if (Array.isArray(item)) len = item.length;
  else throw new Error(`can't slice item of type ${typeName(item)}`);
  const idx = [0, len, len];
  indexes.forEach((ix, i) => {
    idx[i] = indexArg(ix, len);
  });
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (bytes !== null) return utf8Decode(bytes.subarray(idx[0], idx[1]));
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function length(item: unknown): bigint {
  if (item === undefined) throw new Error("reflect: call of reflect.Value.Type on zero Value");
  if (item === null) throw new Error("len of nil pointer");
  if (typeof item === "string") return BigInt(utf8Length(item));
  if (Array.isArray(item)) return BigInt(item.length);
  if (isMapValue(item)) return BigInt(mapSize(item));
  throw new Error(`len of type ${typeName(item)}`);
}

// Comparison, with Go's kinds: only basic kinds compare with lt/le/gt/ge.
type Kind = "bool" | "int" | "float" | "string" | "invalid";

function basicKind(v: unknown): Kind {
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
    case "string":
      return "string";
  }
  return "invalid";
}

const errBadComparisonType = "invalid type for comparison";
const errBadComparison = "incompatible types for comparison";
const errNoComparison = "missing argument for comparison";

function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  if (arg2.length === 0) throw new Error(errNoComparison);
  const k1 = basicKind(arg1);
  for (const arg of arg2) {
    const k2 = basicKind(arg);
    let truth: boolean;
    if (k1 !== k2) {
      if (!isNil(arg1) && !isNil(arg)) throw new Error(errBadComparison);
      truth = false;
    } else if (k1 !== "invalid") truth = arg1 === arg;
    else if (isNil(arg1) || isNil(arg)) truth = isNil(arg1) === isNil(arg);
    else {
      for (const v of [arg1, arg]) {
        if (Array.isArray(v) || isMapValue(v) || typeof v === "function") {
          throw new Error(`non-comparable type ${sprint([v])}: ${typeName(v)}`);
        }
      }
      truth = arg1 === arg;
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: unknown, arg2: unknown): boolean {
  const k1 = basicKind(arg1);
  if (k1 === "invalid") throw new Error(errBadComparisonType);
  const k2 = basicKind(arg2);
  if (k2 === "invalid") throw new Error(errBadComparisonType);
  if (k1 !== k2) throw new Error(errBadComparison);
  if (k1 === "bool") throw new Error(errBadComparisonType);
  if (k1 === "string") return compareStrings(arg1 as string, arg2 as string) < 0;
  return (arg1 as number | bigint) < (arg2 as number | bigint);
}

function le(arg1: unknown, arg2: unknown): boolean {
  return lt(arg1, arg2) || eq(arg1, arg2);
}

// The text/template escapers take their arguments as fmt.Sprint would,
// except that one string argument is used as is and a missing value reads "<no value>".
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(args.map((a) => (isNil(a) ? "<no value>" : a)));
}

/** Go's template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "'":
        return "&#39;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&#34;";
    }
    return "\uFFFD";
  });
}

const jsPrintable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) {
      switch (ch) {
        case "\\":
          out += "\\\\";
          continue;
        case "'":
          out += "\\'";
          continue;
        case '"':
          out += '\\"';
          continue;
        case "<":
          out += "\\u003C";
          continue;
        case ">":
          out += "\\u003E";
          continue;
        case "&":
          out += "\\u0026";
          continue;
        case "=":
          out += "\\u003D";
          continue;
      }
      if (c < 0x20) out += "\\u00" + c.toString(16).toUpperCase().padStart(2, "0");
      else out += ch;
      continue;
    }
    if (jsPrintable.test(ch)) out += ch;
    else out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
  }
  return out;
}

/** Go's url.QueryEscape: unreserved bytes stay, space becomes '+', everything else %XX. */
export function queryEscape(s: string): string {
  let out = "";
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

async function call(fn: unknown, ...args: unknown[]): Promise<unknown> {
  if (isNil(fn)) throw new Error("call of nil");
  if (typeof fn !== "function") throw new Error(`non-function of type ${typeName(fn)}`);
  return await (fn as (...a: unknown[]) => unknown)(...args.map((a) => (a === undefined ? null : a)));
}

/** Go's builtin template functions. `and` and `or` short-circuit in the executor. */
export const builtins: Readonly<Record<string, TemplateFunction>> = {
  and: defineFunc(["value"], "value", () => {
    throw new Error("BUG: and is evaluated by the executor");
  }),
  or: defineFunc(["value"], "value", () => {
    throw new Error("BUG: or is evaluated by the executor");
  }),
  not: defineFunc(["value"], null, (v: unknown) => !isTrue(v)),
  len: defineFunc(["value"], null, length),
  index: defineFunc(["value"], "value", index),
  slice: defineFunc(["value"], "value", slice),
  print: defineFunc([], "any", (...args: unknown[]) => sprint(args)),
  printf: defineFunc(["string"], "any", (format: string, ...args: unknown[]) => sprintf(format, args)),
  println: defineFunc([], "any", (...args: unknown[]) => sprintln(args)),
  html: defineFunc([], "any", (...args: unknown[]) => htmlEscape(evalArgs(args))),
  js: defineFunc([], "any", (...args: unknown[]) => jsEscape(evalArgs(args))),
  urlquery: defineFunc([], "any", (...args: unknown[]) => queryEscape(evalArgs(args))),
  eq: defineFunc(["value"], "value", eq),
  ne: defineFunc(["value", "value"], null, (a: unknown, b: unknown) => !eq(a, b)),
  lt: defineFunc(["value", "value"], null, lt),
  le: defineFunc(["value", "value"], null, le),
  gt: defineFunc(["value", "value"], null, (a: unknown, b: unknown) => !le(a, b)),
  ge: defineFunc(["value", "value"], null, (a: unknown, b: unknown) => !lt(a, b)),
  call: defineFunc(["value"], "value", call),
};
