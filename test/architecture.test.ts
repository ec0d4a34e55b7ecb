/**
 * Enforces the layering of ARCHITECTURE.md: a unit (a folder of src/ with an
 * index.ts) imports another unit only through its index.ts, only from a
 * lower layer, and units never form a cycle. Test files may import any
 * unit, but also only through its index.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** Layer of each unit; units under alertmanager/ and node-exporter/ use `apps`. */
const layers: Record<string, number> = {
  util: 0,
  model: 1,
  exposition: 2,
  config: 2,
  template: 2,
  storage: 3,
  discovery: 3,
  tsdb: 4,
  "promql/parser": 4,
  "promql/engine": 5,
  scrape: 5,
  remote: 5,
  rules: 6,
  notifier: 6,
  "promql/promqltest": 6,
  web: 7,
  server: 8,
  promtool: 8,
  amtool: 8,
  up: 8,
  cmd: 9,
};

/** What the application trees may import besides their own units. */
const apps: Record<string, string[]> = {
  alertmanager: ["util", "model", "exposition", "config", "template", "web"],
  "node-exporter": ["util", "model", "exposition", "web"],
};

/** The unit a src-relative path belongs to ("" for none). */
export function unitOf(path: string): string {
  const parts = path.split("/");
  const top = parts[0]!;
  if (parts.length === 1) return "";
  if (top === "promql" || top === "discovery" || top in apps) {
    // Nested units: promql/parser, discovery/file, alertmanager/dispatch, ...
    return parts.length > 2 ? `${top}/${parts[1]}` : top;
  }
  return top;
}

function layerOf(unit: string): number | null {
  if (unit in layers) return layers[unit]!;
  if (unit.startsWith("discovery/")) return layers.discovery!;
  return null;
}

/** Why importing `to` from `from` (both src-relative file paths) is not allowed, or null. */
export function violation(from: string, to: string, isTest: boolean): string | null {
  const fu = unitOf(from);
  const tu = unitOf(to);
  if (fu === tu) return null;
  if (to !== `${tu}/index.ts`) return `${from} imports ${to}: import ${tu}/index.ts instead`;
  if (isTest) return null;
  const fTop = fu.split("/")[0]!;
  const tTop = tu.split("/")[0]!;
  if (fTop in apps) {
    if (tTop === fTop || apps[fTop]!.includes(tu)) return null;
    return `${from} imports ${tu}: ${fTop} may import only ${apps[fTop]!.join(", ")}`;
  }
  if (tTop in apps) {
    if (fu === "cmd") return null;
    return `${from} imports ${tu}: only cmd may import ${tTop}`;
  }
  const fl = layerOf(fu);
  const tl = layerOf(tu);
  if (fl === null) return `${from}: unit ${fu} has no layer in ARCHITECTURE.md`;
  if (tl === null) return `${to}: unit ${tu} has no layer in ARCHITECTURE.md`;
  if (tl >= fl) return `${from} (layer ${fl}) imports ${tu} (layer ${tl}): imports must go to a lower layer`;
  return null;
}

/** A cycle in a graph of unit -> units, as a path, or null. */
export function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      const s = state.get(m);
      if (s === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (s === undefined) {
        const c = visit(m);
        if (c !== null) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of graph.keys()) {
    if (state.get(n) === undefined) {
      const c = visit(n);
      if (c !== null) return c;
    }
  }
  return null;
}

const importRe = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;

/** Relative import specifiers of a source text. */
export function importsOf(src: string): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith(".")) out.push(spec);
  }
  return out;
}

function walk(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

const cases = [
  { name: "same unit is free", from: "promql/engine/engine.ts", to: "promql/engine/kernels/rate.ts", want: null },
  { name: "lower layer through index", from: "promql/engine/engine.ts", to: "storage/index.ts", want: null },
  { name: "deep import", from: "promql/engine/engine.ts", to: "storage/memory.ts", want: "import storage/index.ts instead" },
  { name: "upward import", from: "model/labels.ts", to: "storage/index.ts", want: "imports must go to a lower layer" },
  { name: "same layer", from: "scrape/loop.ts", to: "remote/index.ts", want: "imports must go to a lower layer" },
  { name: "node exporter to storage", from: "node-exporter/app.ts", to: "storage/index.ts", want: "node-exporter may import only" },
  { name: "server to alertmanager", from: "server/server.ts", to: "alertmanager/index.ts", want: "only cmd may import" },
  { name: "cmd to alertmanager", from: "cmd/alertmanager.ts", to: "alertmanager/index.ts", want: null },
  { name: "alertmanager units", from: "alertmanager/dispatch/route.ts", to: "alertmanager/config/index.ts", want: null },
];
for (const c of cases) {
  test(`layering: ${c.name}`, () => {
    const v = violation(c.from, c.to, false);
    if (c.want === null) assert.equal(v, null);
    else assert.match(v ?? "", new RegExp(c.want));
  });
}

test("layering: test files may import any unit through its index", () => {
  assert.equal(violation("model/labels.test.ts", "storage/index.ts", true), null);
  assert.match(violation("model/labels.test.ts", "storage/memory.ts", true) ?? "", /instead/);
});

test("cycle detection", () => {
  const g = new Map([
    ["a", new Set(["b"])],
    ["b", new Set(["c"])],
    ["c", new Set(["a"])],
  ]);
  assert.deepEqual(findCycle(g), ["a", "b", "c", "a"]);
  g.get("c")!.delete("a");
  assert.equal(findCycle(g), null);
});

test("import scanning", () => {
  const src = `import { a } from "../x/index.ts";\nimport type { B } from './b.ts';\nexport { c } from "./c.ts";\nconst m = await import("./d.ts");\nimport "./e.ts";\nimport fs from "node:fs";`;
  assert.deepEqual(importsOf(src), ["../x/index.ts", "./b.ts", "./c.ts", "./d.ts", "./e.ts"]);
});

test("src/ follows the layering of ARCHITECTURE.md", () => {
  const root = resolve(process.cwd(), "src");
  const files = walk(root, []);
  assert.ok(files.length > 0, "no sources found: run from the repository root");
  const problems: string[] = [];
  const unitGraph = new Map<string, Set<string>>();
  for (const file of files) {
    const from = relative(root, file).split(sep).join("/");
    const isTest = from.endsWith(".test.ts") || from.endsWith(".bench.ts");
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      const target = relative(root, resolve(dirname(file), spec)).split(sep).join("/");
      if (target.startsWith("..")) {
        problems.push(`${from} imports ${spec}, outside src/`);
        continue;
      }
      const v = violation(from, target, isTest);
      if (v !== null) problems.push(v);
      if (isTest) continue;
      const fu = unitOf(from);
      const tu = unitOf(target);
      if (fu !== tu) {
        if (!unitGraph.has(fu)) unitGraph.set(fu, new Set());
        unitGraph.get(fu)!.add(tu);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.equal(findCycle(unitGraph), null, "units form a cycle");
});
