/**
 * Prometheus's own PromQL test scripts (promql/promqltest/testdata, kept in
 * ../shared/reference/promql-tests) run against promstack's engine: one test
 * per file, one subtest per eval, named "line <n>/<expr>" as upstream names
 * them. Evals on native histograms and files of unsupported experimental
 * features are skipped with the reason (see src/promql/promqltest/features.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { runTestFile } from "../src/promql/promqltest/index.ts";

const dir = path.resolve(process.cwd(), "../shared/reference/promql-tests");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".test"))
  .sort();

for (const f of files) {
  test(`promqltest ${f}`, async (t) => {
    const r = await runTestFile(path.join(dir, f), { file: f });
    for (const o of r.outcomes) {
      await t.test(`line ${o.line}/${o.expr}`, (st) => {
        if (o.status === "skipped") st.skip(o.message);
        else if (o.status === "failed") assert.fail(o.message);
      });
    }
  });
}
