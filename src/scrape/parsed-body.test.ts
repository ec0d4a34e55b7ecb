import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { Entry, ExpositionParseError, OpenMetricsParser, TextParser, decodeExposition } from "../exposition/index.ts";
import { LabelsBuilder } from "../model/index.ts";
import { ColumnsMediaType, ColumnsParser, parseToColumns, transferList } from "./parsed-body.ts";
import type { EntrySource } from "./parsed-body.ts";

/** Everything the scrape loop reads from a source, entry by entry; the error (class, message, position) last. */
function replay(p: EntrySource): unknown[] {
  const lb = new LabelsBuilder();
  const out: unknown[] = [];
  for (;;) {
    let e: Entry;
    try {
      e = p.next();
    } catch (err) {
      const pe = err as ExpositionParseError;
      out.push(["error", pe instanceof ExpositionParseError, pe.message, pe.offset, pe.line, pe.column]);
      return out;
    }
    switch (e) {
      case Entry.EOF:
        return out;
      case Entry.Series:
        out.push([e, p.series(), p.value(), p.timestamp(), p.labels(lb).toString()]);
        break;
      case Entry.Type:
        out.push([e, p.familyName(), p.type()]);
        break;
      case Entry.Help:
        out.push([e, p.familyName(), p.help()]);
        break;
      case Entry.Unit:
        out.push([e, p.familyName(), p.unit()]);
        break;
      case Entry.Comment:
        // The columns drop comments; the loop skips them too.
        break;
    }
  }
}

function direct(body: Uint8Array, mt: ColumnsMediaType): unknown[] {
  const text = decodeExposition(body);
  return replay(mt === ColumnsMediaType.OpenMetrics ? new OpenMetricsParser(text) : new TextParser(text));
}

/** Through a structured clone with the buffers transferred, as the columns cross from a worker. */
function viaColumns(body: Uint8Array, mt: ColumnsMediaType): unknown[] {
  const c = parseToColumns(body, mt);
  return replay(new ColumnsParser(structuredClone(c, { transfer: transferList(c) })));
}

const T = ColumnsMediaType.Text;
const OM = ColumnsMediaType.OpenMetrics;
const cases: Array<{ name: string; mt: ColumnsMediaType; body: string | Uint8Array; has?: string }> = [
  { name: "text: plain samples with and without timestamps", mt: T, body: "a 1\nb{x=\"y\"} 2 1000\n\n  c 3\n" },
  { name: "text: histogram le normalised by the type in force", mt: T, body: '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\n# TYPE g gauge\ng{le="1"} 1\n', has: 'le=\\"1.0\\"' },
  { name: "text: summary quantile normalised", mt: T, body: '# TYPE s summary\ns{quantile="0.50"} 1\ns_count 2\n', has: 'quantile=\\"0.5\\"' },
  { name: "text: type stays in force across families (as upstream)", mt: T, body: '# TYPE h histogram\nother{le="5"} 1\n' },
  { name: "text: escapes in values and help, comments", mt: T, body: '# HELP m a \\\\ b \\n c\n# just a comment\nm{a="q\\"u\\\\o\\nte"} NaN\n' },
  { name: "text: quoted UTF-8 names", mt: T, body: '{"my.metric","a.b"="c"} 1\n# TYPE "my.hist" histogram\n{"my.hist",le="2"} 1\n' },
  { name: "text: special values", mt: T, body: "a +Inf\nb -Inf\nc NaN\nd 1e308\ne -0\n" },
  { name: "text: malformed after good lines", mt: T, body: "a 1\nb 2\nc\n", has: "expected value after metric" },
  { name: "text: malformed first line", mt: T, body: "{} 1\n" },
  { name: "text: invalid UTF-8 label value", mt: T, body: Buffer.concat([Buffer.from('a{x="'), Buffer.from([0xff]), Buffer.from('"} 1\n')]) },
  { name: "text: empty", mt: T, body: "" },
  {
    name: "OpenMetrics: metadata, units, timestamps in seconds, exemplars",
    mt: OM,
    body: '# TYPE foo_seconds counter\n# HELP foo_seconds Foo.\n# UNIT foo_seconds seconds\nfoo_seconds_total 3 1.5 # {id="x"} 1\nfoo_seconds_created 1\n# EOF\n',
  },
  { name: "OpenMetrics: histogram and gaugehistogram", mt: OM, body: '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_count 1\n# TYPE gh gaugehistogram\ngh_bucket{le="1"} 1\n# EOF\n' },
  { name: "OpenMetrics: missing # EOF", mt: OM, body: "a 1\n", has: "data does not end with # EOF" },
  { name: "OpenMetrics: data after # EOF", mt: OM, body: "a 1\n# EOF\nb 1\n" },
];

for (const c of cases) {
  test(`columns replay like the pull parser: ${c.name}`, () => {
    const body = typeof c.body === "string" ? Buffer.from(c.body) : c.body;
    const want = direct(body, c.mt);
    assert.deepEqual(viaColumns(body, c.mt), want);
    if (c.has !== undefined) assert.ok(JSON.stringify(want).includes(c.has), JSON.stringify(want));
  });
}

test("columns: the error ends the entries and is thrown once, then EOF", () => {
  const p = new ColumnsParser(parseToColumns(Buffer.from("a 1\nb\n"), T));
  assert.equal(p.next(), Entry.Series);
  assert.throws(() => p.next(), (e: unknown) => e instanceof ExpositionParseError && e.line === 2);
  assert.equal(p.next(), Entry.EOF);
});

test("columns: compact layout, no object per sample", () => {
  const c = parseToColumns(Buffer.from("# TYPE a counter\na_total 1\na_total{x=\"1\"} 2 7\n"), T);
  assert.equal(c.n, 3);
  assert.deepEqual([...c.kinds.subarray(0, 3)], [1, 0, 0]);
  assert.deepEqual([...c.values.subarray(1, 3)], [1, 2]);
  assert.ok(Number.isNaN(c.timestamps[1]));
  assert.equal(c.timestamps[2], 7);
  assert.deepEqual(c.meta, ["a", "counter"]);
  // Series are ranges of the parsed text (the body itself: it ends with a newline, so the parser adds none), not strings of their own.
  assert.equal(c.text, '# TYPE a counter\na_total 1\na_total{x="1"} 2 7\n');
  assert.deepEqual([...c.from.subarray(1, 3)], [17, 27]);
  assert.deepEqual([...c.to.subarray(1, 3)], [24, 41]);
  assert.equal(c.error, null);
});

const refDir = path.resolve(process.cwd(), "../shared/reference/exposition");
const refFiles = existsSync(refDir) ? readdirSync(refDir).filter((f) => f.endsWith(".txt")) : [];
test("columns replay like the pull parser: reference vectors", { skip: refFiles.length === 0 ? `no reference data in ${refDir}` : false }, () => {
  for (const f of refFiles) {
    const body = readFileSync(path.join(refDir, f));
    const mt = f.includes(".om.") ? OM : T;
    assert.deepEqual(viaColumns(body, mt), direct(body, mt), f);
  }
});
