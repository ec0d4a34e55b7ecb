import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../../model/index.ts";
import { newAlert } from "../types/index.ts";
import type { Alert } from "../types/index.ts";
import { NotificationTemplate, escapeTemplateText, goJSON, templateDataJSON } from "./index.ts";

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

function alert(labels: Record<string, string>, annotations: Record<string, string>, endsAt = 0): Alert {
  return newAlert({
    labels: Labels.fromObject(labels),
    annotations: Labels.fromObject(annotations),
    startsAt: T0,
    endsAt,
    generatorURL: "http://prom:9090/graph?g0.expr=up+%3D%3D+0",
    updatedAt: T0,
    timeout: false,
  });
}

const alerts = [
  alert({ alertname: "Down", job: "node", instance: "a:9100", severity: "critical" }, { summary: "a is down" }),
  alert({ alertname: "Down", job: "node", instance: "b:9100", severity: "critical" }, { summary: "b is down" }, T0 + 1000),
];
const tmpl = new NotificationTemplate({ externalURL: "http://am:9093", now: () => T0 + 90_000 });
const data = tmpl.data("team-x", Labels.fromObject({ alertname: "Down" }), alerts, T0 + 60_000);

const cases: ReadonlyArray<{ name: string; text: string; want: string }> = [
  { name: "__subject", text: '{{ template "__subject" . }}', want: "[FIRING:1] Down (node critical)" },
  { name: "slack.default.titlelink", text: '{{ template "slack.default.titlelink" . }}', want: "http://am:9093/#/alerts?receiver=team-x" },
  {
    name: "__text_alert_list puts alertname first",
    text: '{{ template "__text_alert_list" .Alerts.Firing }}',
    want: "Labels:\n - alertname = Down\n - instance = a:9100\n - job = node\n - severity = critical\nAnnotations:\n - summary = a is down\nSource: http://prom:9090/graph?g0.expr=up+%3D%3D+0\n",
  },
  { name: "Resolved and len", text: "{{ len .Alerts.Resolved }}/{{ len .Alerts }} {{ .Status }}", want: "1/2 firing" },
  { name: "KV methods", text: '{{ .CommonLabels.Remove .GroupLabels.Names | len }} {{ .CommonLabels.Names | join "," }}', want: "2 alertname,job,severity" },
  { name: "missing key is empty", text: "[{{ .CommonLabels.nope }}]", want: "[]" },
  { name: "functions", text: '{{ "hello WORLD" | title }} {{ toUpper "x" }} {{ "a%20b+c" | urlUnescape }} {{ reReplaceAll "(a+)" "<$1>" "baab" }}', want: "Hello World X a b c b<aa>b" },
  { name: "date and tz", text: '{{ (index .Alerts 0).StartsAt | date "2006-01-02 15:04" }} {{ ((index .Alerts 0).StartsAt | tz "Europe/Berlin").Format "15:04 MST" }}', want: "2024-01-02 03:04 04:04 CET" },
  { name: "since and humanizeDuration", text: "{{ (index .Alerts 0).StartsAt | since }} {{ humanizeDuration 3725 }}", want: "1m30s 1h 2m 5s" },
  { name: "zero end time", text: "{{ (index .Alerts 0).EndsAt }}", want: "0001-01-01 00:00:00 +0000 UTC" },
  { name: "receiver is regexp-quoted", text: "{{ .Receiver }}", want: "team-x" },
  { name: "stringSlice and toJson", text: '{{ stringSlice "a" "<b>" | toJson }}', want: '["a","\\u003cb\\u003e"]' },
  { name: "text with its own define", text: '{{ define "x" }}X{{ end }}{{ template "x" }}', want: "X" },
];
for (const c of cases) {
  test(`template: ${c.name}`, async () => assert.equal(await tmpl.executeText(c.text, data), c.want));
}

test("template: a define inside an executed text does not leak", async () => {
  await tmpl.executeText('{{ define "leak" }}L{{ end }}', data);
  assert.equal(tmpl.has("leak"), false);
});

const htmlCases: ReadonlyArray<{ name: string; text: string; want: string }> = [
  { name: "escapes text", text: "<b>{{ .CommonAnnotations.x }}</b>{{ 'c' }}", want: "<b></b>99" },
  { name: "escapes values", text: '<p>{{ "a<b & \'c\' + d" }}</p>', want: "<p>a&lt;b &amp; &#39;c&#39; &#43; d</p>" },
  { name: "safeHtml passes", text: '{{ "<i>x</i>" | safeHtml }}', want: "<i>x</i>" },
  { name: "URL attribute is filtered", text: '<a href="{{ "javascript:alert(1)" }}">', want: '<a href="#ZgotmplZ">' },
  { name: "URL attribute is normalized", text: '<a href="{{ "http://x/a b?q=1&r=2" }}">', want: '<a href="http://x/a%20b?q=1&amp;r=2">' },
];
for (const c of htmlCases) {
  test(`html template: ${c.name}`, async () => assert.equal(await tmpl.executeHTML(c.text, data), c.want));
}

test("escapeTemplateText leaves control actions alone", () => {
  assert.equal(
    escapeTemplateText('{{ if .X }}{{- $a := 1 -}}{{ range .Y }}{{ .Z }}{{ end }}{{ else }}{{ template "t" . }}{{ end }}{{/* c */}}'),
    '{{ if .X }}{{- $a := 1 -}}{{ range .Y }}{{ .Z  | __promstack_html_escaper }}{{ end }}{{ else }}{{ template "t" . }}{{ end }}{{/* c */}}',
  );
});

test("email.default.html renders the alerts escaped", async () => {
  const html = await tmpl.executeHTML('{{ template "email.default.html" . }}', data);
  assert.match(html, /<title>\[FIRING:1\] Down \(node critical\)<\/title>/);
  assert.match(html, /\[1\] Firing<\/strong>/);
  assert.match(html, /\[1\] Resolved<\/strong>/);
  assert.match(html, /instance = a:9100<br/);
  assert.match(html, /href="http:\/\/prom:9090\/graph\?g0.expr=up&#43;%3D%3D&#43;0"/);
  assert.match(html, /href="http:\/\/am:9093\/#\/alerts\?receiver=team-x"/);
});

test("template data JSON is upstream's webhook shape", () => {
  const j = JSON.parse(goJSON(templateDataJSON(data))) as Record<string, unknown>;
  assert.deepEqual(Object.keys(j), ["receiver", "status", "alerts", "groupLabels", "commonLabels", "commonAnnotations", "externalURL"]);
  const a = (j["alerts"] as Array<Record<string, unknown>>)[1]!;
  assert.equal(a["status"], "resolved");
  assert.equal(a["startsAt"], "2024-01-02T03:04:05Z");
  assert.equal(a["endsAt"], "2024-01-02T03:04:06Z");
  assert.equal(a["fingerprint"], alerts[1]!.fingerprint);
});
