/** Runs the textfile collector on upstream's textfile fixtures and compares with their *.out files. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { FamilyBuilder, writeText } from "../../exposition/index.ts";
import { nopLogger } from "../../util/index.ts";
import { DEFAULT_SETTINGS, newCollectorContext } from "./collector.ts";
import { newTextfileCollector } from "./textfile.ts";
import { parseTextFamilies, TextParseError } from "./textfile-format.ts";

const DIR = path.resolve(process.cwd(), "../shared/reference/node-exporter/textfile");

const cases = [
  { name: "client_side_timestamp", dir: "client_side_timestamp" },
  { name: "different_metric_types", dir: "different_metric_types" },
  { name: "glob_extra_dimension", dir: "*_extra_dimension" },
  { name: "histogram", dir: "histogram" },
  { name: "histogram_extra_dimension", dir: "histogram_extra_dimension" },
  { name: "inconsistent_metrics", dir: "inconsistent_metrics" },
  { name: "metrics_merge_different_help", dir: "metrics_merge_different_help" },
  { name: "metrics_merge_empty_help", dir: "metrics_merge_empty_help" },
  { name: "metrics_merge_no_help", dir: "metrics_merge_no_help" },
  { name: "metrics_merge_same_help", dir: "metrics_merge_same_help" },
  { name: "no_metric_files", dir: "no_metric_files" },
  { name: "nonexistent_path", dir: "nonexistent_path" },
  { name: "summary", dir: "summary" },
  { name: "summary_extra_dimension", dir: "summary_extra_dimension" },
  { name: "two_metric_files", dir: "two_metric_files" },
];

for (const c of cases) {
  test(`textfile fixture ${c.name}`, async () => {
    const ctx = newCollectorContext({ ...DEFAULT_SETTINGS, textfileDirectory: path.join(DIR, c.dir) }, nopLogger);
    const b = new FamilyBuilder();
    await newTextfileCollector(1).create(ctx).collect(b.emit);
    // Upstream's test runs from collector/ with directory "fixtures/textfile/<dir>".
    const got = writeText(b.families()).split(DIR + "/").join("fixtures/textfile/");
    assert.equal(got, readFileSync(path.join(DIR, `${c.name}.out`), "utf8"));
  });
}

const parseErrors = [
  { name: "second HELP", text: "# HELP a x\n# HELP a y\na 1\n" },
  { name: "TYPE after samples", text: "a 1\n# TYPE a gauge\n" },
  { name: "bad value", text: "a one\n" },
  { name: "bad escape in label value", text: 'a{b="\\x"} 1\n' },
  { name: "summary sample without quantile", text: "# TYPE s summary\ns 1\n" },
];
for (const c of parseErrors) {
  test(`textfile parser rejects ${c.name}`, () => assert.throws(() => parseTextFamilies(c.text), TextParseError));
}
