import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../../model/index.ts";
import { loadConfig } from "../config/index.ts";
import { Inhibitor, fingerprint } from "./index.ts";
import type { InhibitAlert } from "./index.ts";

function rules(yaml: string): ReturnType<typeof loadConfig>["inhibitRules"] {
  return loadConfig(`route:\n  receiver: x\nreceivers:\n- name: x\ninhibit_rules:\n${yaml}`).inhibitRules;
}

const alert = (labels: Record<string, string>, endsAt = 0): InhibitAlert => ({ labels: Labels.fromObject(labels), startsAt: 1, endsAt });

test("fingerprints match Prometheus's FNV-1a", () => {
  // From prometheus/common model signature tests.
  assert.equal(BigInt("0x" + fingerprint(Labels.fromObject({ name: "garland, briggs", fear: "love is not enough" }))).toString(), "5799056148416392346");
  assert.equal(fingerprint(Labels.EMPTY), "cbf29ce484222325");
});

/** FNV-1a 64 over TextEncoder's bytes, with BigInt: the reference the fast path must agree with. */
function referenceFingerprint(l: Labels): string {
  let h = 0xcbf29ce484222325n;
  const add = (b: number): void => {
    h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  for (let i = 0; i < l.names.length; i++) {
    for (const b of new TextEncoder().encode(l.names[i]!)) add(b);
    add(0xff);
    for (const b of new TextEncoder().encode(l.values[i]!)) add(b);
    add(0xff);
  }
  return h.toString(16).padStart(16, "0");
}

test("fingerprints of non-ASCII label values match the UTF-8 reference", () => {
  const values = ["plain", "café", "日本語", "emoji 🚨 x", "lone \ud800 high", "lone \udc00 low", "end \ud83d", "\u007f\u0080\u07ff\u0800\uffff", ""];
  for (const v of values) {
    const l = Labels.fromObject({ alertname: "A", v });
    assert.equal(fingerprint(l), referenceFingerprint(l), JSON.stringify(v));
  }
});

const RULE = "- source_matchers: ['severity=critical']\n  target_matchers: ['severity=warning']\n  equal: ['alertname', 'cluster']\n";
const cases: ReadonlyArray<{ name: string; rule: string; sources: InhibitAlert[]; target: Record<string, string>; now: number; want: boolean }> = [
  { name: "equal labels inhibit", rule: RULE, sources: [alert({ alertname: "A", cluster: "c1", severity: "critical" })], target: { alertname: "A", cluster: "c1", severity: "warning" }, now: 10, want: true },
  { name: "different equal label", rule: RULE, sources: [alert({ alertname: "A", cluster: "c2", severity: "critical" })], target: { alertname: "A", cluster: "c1", severity: "warning" }, now: 10, want: false },
  { name: "missing equal label on both sides counts as equal", rule: RULE, sources: [alert({ alertname: "A", severity: "critical" })], target: { alertname: "A", severity: "warning" }, now: 10, want: true },
  { name: "target side does not match", rule: RULE, sources: [alert({ alertname: "A", cluster: "c1", severity: "critical" })], target: { alertname: "A", cluster: "c1", severity: "info" }, now: 10, want: false },
  { name: "resolved source does not inhibit", rule: RULE, sources: [alert({ alertname: "A", cluster: "c1", severity: "critical" }, 5)], target: { alertname: "A", cluster: "c1", severity: "warning" }, now: 10, want: false },
  { name: "source resolving later still inhibits", rule: RULE, sources: [alert({ alertname: "A", cluster: "c1", severity: "critical" }, 50)], target: { alertname: "A", cluster: "c1", severity: "warning" }, now: 10, want: true },
  {
    name: "old-style match and match_re",
    rule: "- source_match: {severity: critical}\n  target_match_re: {severity: 'warn.*'}\n  equal: [alertname]\n",
    sources: [alert({ alertname: "A", severity: "critical" })],
    target: { alertname: "A", severity: "warning" },
    now: 10,
    want: true,
  },
  {
    name: "an alert matching both sides is not muted by another such alert",
    rule: "- source_matchers: ['src=1']\n  target_matchers: ['dst=1']\n  equal: [alertname]\n",
    sources: [alert({ alertname: "A", src: "1", dst: "1", n: "1" })],
    target: { alertname: "A", src: "1", dst: "1", n: "2" },
    now: 10,
    want: false,
  },
  {
    name: "an alert matching both sides is muted by a pure source alert",
    rule: "- source_matchers: ['src=1']\n  target_matchers: ['dst=1']\n  equal: [alertname]\n",
    sources: [alert({ alertname: "A", src: "1" })],
    target: { alertname: "A", src: "1", dst: "1" },
    now: 10,
    want: true,
  },
];
for (const c of cases) {
  test(`inhibit: ${c.name}`, () => {
    const ih = new Inhibitor(rules(c.rule), { alerts: () => c.sources });
    const res = ih.check(Labels.fromObject(c.target), c.now);
    assert.equal(res.muted, c.want);
    assert.deepEqual(res.inhibitedBy, c.want ? [fingerprint(c.sources[0]!.labels)] : []);
  });
}

test("observe replaces an alert and gc drops resolved sources", () => {
  const ih = new Inhibitor(rules(RULE));
  const src = { alertname: "A", cluster: "c1", severity: "critical" };
  const target = Labels.fromObject({ alertname: "A", cluster: "c1", severity: "warning" });
  ih.observe(alert(src));
  assert.equal(ih.mutes(target, 10), true);
  ih.observe(alert(src, 20));
  assert.equal(ih.mutes(target, 30), false);
  assert.equal(ih.gc(30), 1);
  assert.equal(ih.gc(30), 0);
});
