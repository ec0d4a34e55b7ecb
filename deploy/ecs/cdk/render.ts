/**
 * Writes deploy/ecs/ecs-prometheus-staging.json from the staging settings
 * (staging.ts), the same ones the CDK stack uses. Run from the repository
 * root after `npx tsc -p tsconfig.json`:
 *
 *   node dist/deploy/ecs/cdk/render.js           # rewrite the file
 *   node dist/deploy/ecs/cdk/render.js --check   # exit 1 when it is stale
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatTaskDefinition, readmePlaceholders, renderTaskDefinition } from "./staging.ts";

const target = resolve(process.cwd(), "deploy/ecs/ecs-prometheus-staging.json");
const text = formatTaskDefinition(renderTaskDefinition(readmePlaceholders));
if (process.argv.includes("--check")) {
  if (readFileSync(target, "utf8") !== text) {
    process.stderr.write(`${target} is stale: run node dist/deploy/ecs/cdk/render.js\n`);
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
