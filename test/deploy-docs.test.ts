/**
 * The deployment docs (docs/development.md, staging.md, production.md):
 * the README links them, every relative link and every repository path they
 * name exists, each page has its commands, its measured resource use and
 * cost, and its upgrade and rollback procedure.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

const repo = process.cwd();
const pages = ["docs/development.md", "docs/staging.md", "docs/production.md"];
const read = (p: string) => readFileSync(resolve(repo, p), "utf8");

test("docs: the README links every environment's page", () => {
  const readme = read("README.md");
  for (const p of pages) assert.ok(readme.includes(`](${p})`), `README links ${p}`);
});

const links = (file: string) => [...read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));

test("docs: every relative link resolves", () => {
  for (const file of [...pages, "README.md", "deploy/README.md", "deploy/ecs/README.md"]) {
    for (const l of links(file)) assert.ok(existsSync(resolve(repo, dirname(file), l)), `${file} links ${l}, which does not exist`);
  }
});

test("docs: the repository paths the pages name exist", () => {
  const named = /`((?:deploy|src|test|config|bench)\/[\w./-]+?)`/g;
  for (const file of pages) {
    for (const m of read(file).matchAll(named)) {
      const path = m[1]!.replace(/\/$/, "");
      assert.ok(existsSync(resolve(repo, path)), `${file} names ${path}, which does not exist`);
    }
  }
});

const sections: Array<{ page: string; needles: string[] }> = [
  { page: "docs/development.md", needles: ["npm start", "promstack up", "promtool check rules", "/-/reload", "slo:availability:ratio_rate5m", "docker compose up", "build-local-base.sh", "## Resource use, measured", "## Upgrade and rollback"] },
  {
    page: "docs/staging.md",
    needles: ["aws-cdk@2 deploy", "node dist/deploy/ecs/cdk/app.js", "aws ecs register-task-definition", "aws ecs update-service", "prometheus-staging:<N>", "## Cost, with promstack's measured resource use", "## Upgrade and rollback", "Prometheus 2.42"],
  },
  {
    page: "docs/production.md",
    needles: ["kubectl apply -k deploy/kubernetes", "kubectl set image statefulset/prometheus", "kubectl rollout status", "kubectl rollout undo statefulset/prometheus", "--to-revision=2", "## Cost, with promstack's measured resource use", "## Upgrade and rollback", "Prometheus 2.42"],
  },
];
for (const { page, needles } of sections) {
  test(`docs: ${page} has its commands, resource use and upgrade and rollback`, () => {
    const text = read(page);
    for (const n of needles) assert.ok(text.includes(n), `${page} has ${n}`);
  });
}

test("docs: the measured server figures are the same on every page that quotes them", () => {
  // The Prometheus and promstack cells of the memory and scrape-ingest rows.
  const rows = [/resident memory per active series[^|]*\| ([\d,]+ B) \| ([\d,]+ B) \|/, /first minute after ready \| ([\d,]+) \| ([\d,]+) \|/, /steady state \| ([\d,]+) \| ([\d,]+) \|/];
  const figures = (page: string): string[][] =>
    rows.map((re) => {
      const m = re.exec(read(page));
      assert.ok(m !== null, `${page} has a row for ${re}`);
      return [m[1]!, m[2]!];
    });
  assert.deepEqual(figures("docs/production.md"), figures("docs/staging.md"));
});
