import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../../model/index.ts";
import { xxhash64 } from "../../util/index.ts";
import { hashAlert } from "./index.ts";

/** The bytes upstream hashes: name, 0xff, value, 0xff per label, by TextEncoder. */
function referenceBytes(l: Labels): Uint8Array {
  const parts: number[] = [];
  for (let i = 0; i < l.names.length; i++) parts.push(...new TextEncoder().encode(l.names[i]!), 0xff, ...new TextEncoder().encode(l.values[i]!), 0xff);
  return Uint8Array.from(parts);
}

test("hashAlert is xxHash64 of the label bytes, also when cached", () => {
  const cases: ReadonlyArray<Record<string, string>> = [{}, { alertname: "A" }, { alertname: "Long", instance: "host-123456789:9100", job: "node", severity: "warning" }, { v: "日本語 🚨 \ud800" }];
  for (const c of cases) {
    const l = Labels.fromObject(c);
    const want = xxhash64(referenceBytes(l));
    assert.equal(hashAlert(l), want, JSON.stringify(c));
    assert.equal(hashAlert(l), want, `${JSON.stringify(c)} cached`);
    assert.equal(hashAlert(Labels.fromObject(c)), want, `${JSON.stringify(c)} equal labels`);
  }
});
