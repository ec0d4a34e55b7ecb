import { type ScriptResult, runTestFile } from "../promql/promqltest/index.ts";

/** Where a promtool command writes; process.stdout/stderr in the CLI, buffers in tests. */
export interface Output {
  write(s: string): void;
}

/** Totals over all files of a `test promql` run. */
export interface TestPromQLSummary {
  passed: number;
  failed: number;
  skipped: number;
  results: ScriptResult[];
}

/**
 * `promtool test promql FILE...`: runs PromQL test scripts and prints, per
 * file, `<file>: <p> passed, <f> failed, <s> skipped`, then one line per
 * failure and per skipped eval, and finally `<p> passed, <f> failed, <s> skipped`.
 * Resolves to the exit code: 0 when nothing failed, 1 otherwise. A file
 * that cannot be read counts as one failure.
 */
export async function testPromQL(files: readonly string[], out: Output): Promise<number> {
  const s = await runPromQLTests(files, out);
  out.write(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped\n`);
  return s.failed > 0 ? 1 : 0;
}

/** Runs the files in order, printing each file's report as it finishes. */
export async function runPromQLTests(files: readonly string[], out: Output): Promise<TestPromQLSummary> {
  const sum: TestPromQLSummary = { passed: 0, failed: 0, skipped: 0, results: [] };
  for (const f of files) {
    let r: ScriptResult;
    try {
      r = await runTestFile(f);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      r = { file: f, passed: 0, failed: 1, skipped: 0, outcomes: [{ line: 0, expr: "", status: "failed", message: msg }] };
    }
    sum.results.push(r);
    sum.passed += r.passed;
    sum.failed += r.failed;
    sum.skipped += r.skipped;
    out.write(formatFileReport(r));
  }
  return sum;
}

/**
 * The report of one file. Skips that share a reason with every other eval
 * of the file (a whole file of an unsupported feature) are printed once.
 */
export function formatFileReport(r: ScriptResult): string {
  let s = `${r.file}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped\n`;
  for (const o of r.outcomes) {
    if (o.status !== "failed") continue;
    const where = o.line > 0 ? `line ${o.line}` : "file";
    s += `  FAIL ${where}${o.expr === "" ? "" : `: ${o.expr}`}\n    ${o.message.replaceAll("\n", "\n    ")}\n`;
  }
  const skips = r.outcomes.filter((o) => o.status === "skipped");
  if (skips.length > 0 && skips.length === r.outcomes.length && skips.every((o) => o.message === skips[0]!.message)) {
    s += `  SKIP all ${skips.length} evals: ${skips[0]!.message}\n`;
  } else {
    for (const o of skips) s += `  SKIP line ${o.line}: ${o.expr}\n    ${o.message}\n`;
  }
  return s;
}
