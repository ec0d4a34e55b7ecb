import { test } from "node:test";
import assert from "node:assert/strict";
import { goExpand } from "./index.ts";

const env: Record<string, string> = { POD: "prometheus-0", A_1: "x", "1": "one", $: "$" };
// Expected outputs are Go's os.Expand(s, mapping) with mapping = env lookup ("" when unset).
const cases = [
  { s: "${POD}", want: "prometheus-0" },
  { s: "$POD", want: "prometheus-0" },
  { s: "replica-$POD-end", want: "replica-prometheus-0-end" },
  { s: "$A_1.b", want: "x.b" },
  { s: "${UNSET}", want: "" },
  { s: "cost: $$5", want: "cost: $5" },
  { s: "$1st", want: "onest" },
  { s: "a$", want: "a$" },
  { s: "a$ b", want: "a$ b" },
  { s: "${}", want: "" },
  { s: "${POD", want: "POD" },
  { s: "no dollars", want: "no dollars" },
];
for (const c of cases) test(`goExpand(${JSON.stringify(c.s)})`, () => assert.equal(goExpand(c.s, (n) => env[n] ?? ""), c.want));
