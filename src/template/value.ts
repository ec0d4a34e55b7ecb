// The value model: how Go values are represented by JavaScript values.
//
//   Go                          JavaScript
//   ------------------------    ------------------------------------------
//   string                      string (UTF-16; len/slice/index count UTF-8 bytes where Go does)
//   float64                     number (every JS number is a float64)
//   int (int64)                 bigint (template number literals like 3, len, range indexes)
//   bool                        boolean
//   nil                         null or undefined
//   []T                         Array
//   map[K]V                     Map, or a plain object (prototype Object.prototype or null)
//   map[string]string           TypedMap with zero "" (missingkey=zero and index give "")
//   struct / pointer to struct  an instance of a class: fields are its own properties,
//                               methods are functions on its prototype chain; a String()
//                               method makes it a fmt.Stringer
//   func                        function (only through `call`)
//   time.Time, time.Duration    GoTime, GoDuration (time.ts)
//   a named Go type             any of the above with a `goTypeName` getter (for messages)
//
// undefined is Go's invalid reflect.Value (a missing map key: prints "<no value>"); null is
// a nil interface (also prints "<no value>" at top level, "<nil>" inside a slice or map).
//
// A number is never an int: `{{ printf "%d" 1.0 }}` prints %!d(float64=1) as Go does, and
// `eq $value 1` fails with "incompatible types for comparison"; callers that hold Go ints
// pass bigints.

/** A Go map with a declared element zero value (what a missing key yields under missingkey=zero and in `index`). */
export class TypedMap<V> extends Map<string, V> {
  /** The zero value of the element type, e.g. "" for map[string]string. */
  readonly zero: V;
  /** The Go element type name, for messages and %T-like texts ("string"). */
  readonly elemType: string;

  constructor(entries: Iterable<readonly [string, V]> | Record<string, V>, zero: V, elemType: string) {
    super(Symbol.iterator in entries ? (entries as Iterable<readonly [string, V]>) : Object.entries(entries));
    this.zero = zero;
    this.elemType = elemType;
  }
}

/** A map[string]string (e.g. label sets): missing keys read as "". */
export function stringMap(entries: Iterable<readonly [string, string]> | Record<string, string>): TypedMap<string> {
  return new TypedMap<string>(entries, "", "string");
}

/** Whether v is a plain object (treated as a map with string keys). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v) as unknown;
  return p === Object.prototype || p === null;
}

/** Whether v is a Go map (a Map or a plain object). */
export function isMapValue(v: unknown): v is Map<unknown, unknown> | Record<string, unknown> {
  return v instanceof Map || isPlainObject(v);
}

/** Whether v stands for a Go struct (an instance of a class that is not a map, array or special value). */
export function isStruct(v: unknown): v is object {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Map) && !isPlainObject(v);
}

/** Whether v is Go's nil (or a missing value). */
export function isNil(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** A map's size. */
export function mapSize(m: Map<unknown, unknown> | Record<string, unknown>): number {
  return m instanceof Map ? m.size : Object.keys(m).length;
}

/** Looks a key up; `found` is false when the key is absent. */
export function mapLookup(m: Map<unknown, unknown> | Record<string, unknown>, key: unknown): { found: boolean; value: unknown } {
  if (m instanceof Map) return m.has(key) ? { found: true, value: m.get(key) } : { found: false, value: undefined };
  if (typeof key === "string" && Object.prototype.hasOwnProperty.call(m, key)) return { found: true, value: m[key] };
  return { found: false, value: undefined };
}

/** The zero value of a map's element type: "" for a TypedMap<string>, nil (null) for maps of interface{}. */
export function mapZero(m: Map<unknown, unknown> | Record<string, unknown>): unknown {
  return m instanceof TypedMap ? m.zero : null;
}

/** Compares Go map keys as fmtsort does: numbers numerically, strings by bytes (code points), false before true. */
export function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  if ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint")) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  return 0;
}

/** Compares strings by Unicode code points, which is the order of their UTF-8 bytes (Go's string order). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (U+D800..DFFF) encode code points above U+FFFF, which sort after U+E000..FFFF.
      const sx = x >= 0xd800 && x <= 0xdfff;
      const sy = y >= 0xd800 && y <= 0xdfff;
      if (sx !== sy) return sx ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}

/** A map's entries in Go's sorted key order (range and printing). */
export function sortedEntries(m: Map<unknown, unknown> | Record<string, unknown>): Array<[unknown, unknown]> {
  const entries: Array<[unknown, unknown]> = m instanceof Map ? [...m.entries()] : Object.entries(m);
  return entries.sort((x, y) => compareKeys(x[0], y[0]));
}

/** The number of bytes of s in UTF-8 (Go's len of a string). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The UTF-8 bytes of s. */
export function utf8Bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Decodes UTF-8 bytes (invalid sequences become U+FFFD). */
export function utf8Decode(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

/**
 * A Go type name for v, as %T and the template's error messages print it:
 * "string", "float64", "int", "bool", "[]interface {}", "map[string]interface {}",
 * "map[string]string", the class name of a struct.
 */
export function typeName(v: unknown): string {
  if (isNil(v)) return "<nil>";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "float64";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "function":
      return "func";
  }
  const goType = (v as { goTypeName?: unknown }).goTypeName;
  if (typeof goType === "string") return goType;
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof TypedMap) return `map[string]${v.elemType}`;
  if (v instanceof Map) return "map[interface {}]interface {}";
  if (isPlainObject(v)) return "map[string]interface {}";
  return (v as object).constructor.name;
}

/**
 * Go's truth (text/template IsTrue): false for nil, false, 0, "" and empty
 * arrays and maps; structs and functions are true. NaN is true (NaN != 0).
 */
export function isTrue(v: unknown): boolean {
  if (isNil(v)) return false;
  switch (typeof v) {
    case "string":
      return v.length > 0;
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
    case "boolean":
      return v;
    case "function":
      return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return true;
}

/** A struct's field names in declaration order (own enumerable properties that are not functions). */
export function structFields(v: object): string[] {
  return Object.keys(v).filter((k) => typeof (v as Record<string, unknown>)[k] !== "function");
}

/**
 * Looks up a method of a struct: a function on its prototype chain. A
 * function held in an own property is a func-typed field, not a method
 * (templates run it with `call`).
 */
export function findMethod(v: object, name: string): ((...args: unknown[]) => unknown) | null {
  if (name === "constructor" || Object.prototype.hasOwnProperty.call(v, name)) return null;
  const m = (v as Record<string, unknown>)[name];
  return typeof m === "function" ? (m as (...args: unknown[]) => unknown) : null;
}
