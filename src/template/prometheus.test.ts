// Rows re-typed from prometheus/template/template_test.go (TestTemplateExpansion)
// and the alert field expansion of rules/alerting.go.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels } from "../model/index.ts";
import {
  AlertTemplateData,
  GoDuration,
  MissingKey,
  Template,
  expandAlertField,
  expandText,
  prometheusFuncs,
} from "./index.ts";
import type { QuerySample } from "./index.ts";

const externalURL = new URL("http://testhost:9090/path/prefix");

const lbls = (...kv: string[]): Labels => Labels.fromStrings(...kv);

interface Row {
  name: string;
  text: string;
  output?: string;
  error?: string;
  input?: unknown;
  queryResult?: QuerySample[];
  missingKey?: MissingKey;
}

const metricA: QuerySample[] = [{ metric: lbls("__name__", "metric", "instance", "a"), value: 11 }];

const rows: Row[] = [
  { name: "no template", text: "plain text", output: "plain text" },
  { name: "simple value", text: "{{ 1 }}", output: "1" },
  {
    name: "non-ASCII space",
    text: "{{\u00a0}}",
    error: "error parsing template test: template: test:1: unrecognized character in action: U+00A0",
  },
  { name: "non-ASCII space inside quotes", text: '{{ "\u00a0" }}', output: "\u00a0" },
  { name: "value from query", text: "{{ query \"metric{instance='a'}\" | first | value }}", queryResult: metricA, output: "11" },
  { name: "label from query", text: "{{ query \"metric{instance='a'}\" | first | label \"instance\" }}", queryResult: metricA, output: "a" },
  {
    name: "label __value__ from query",
    text: "{{ query \"metric{__value__='a'}\" | first | strvalue }}",
    queryResult: [{ metric: lbls("__name__", "metric", "__value__", "a"), value: 11 }],
    output: "a",
  },
  { name: "missing label with label()", text: "{{ query \"metric{instance='a'}\" | first | label \"foo\" }}", queryResult: metricA, output: "" },
  { name: "missing label is empty", text: '{{ $x := query "metric" | first }}{{ $x.Labels.foo }}', queryResult: metricA, output: "" },
  {
    name: "missing label with missingkey=error",
    text: '{{ $x := query "metric" | first }}{{ $x.Labels.foo }}',
    queryResult: metricA,
    missingKey: MissingKey.Error,
    error: 'error executing template test: template: test:1:39: executing "test" at <$x.Labels.foo>: map has no entry for key "foo"',
  },
  {
    name: "missing label with missingkey=default",
    text: '{{ $x := query "metric" | first }}{{ $x.Labels.foo }}',
    queryResult: metricA,
    missingKey: MissingKey.Default,
    output: "<no value>",
  },
  {
    name: "missing label with missingkey=invalid",
    text: '{{ $x := query "metric" | first }}{{ $x.Labels.foo }}',
    queryResult: metricA,
    missingKey: MissingKey.Invalid,
    output: "<no value>",
  },
  {
    name: "error in function",
    text: '{{ query "missing" | first }}',
    queryResult: [],
    error: 'error executing template test: template: test:1:21: executing "test" at <first>: error calling first: first() called on vector with no elements',
  },
  {
    name: "field of a query result",
    text: '{{ (query "missing").banana }}',
    queryResult: [],
    error: 'error executing template test: template: test:1:10: executing "test" at <"missing">: can\'t evaluate field banana in type template.queryResult',
  },
  {
    name: "wrong argument type",
    text: "{{ 1 | first }}",
    error: 'error executing template test: template: test:1:7: executing "test" at <first>: wrong type for value; expected template.queryResult; got int',
  },
  { name: "regex replacement", text: '{{ reReplaceAll "(a)b" "x$1" "ab" }}', output: "xa" },
  { name: "regex replacement, longest name", text: '{{ reReplaceAll "(a)b" "$1x|${1}x|$$" "ab ab" }}', output: "|ax|$ |ax|$" },
  { name: "regex replacement, empty matches", text: '{{ reReplaceAll "a*" "-" "baaac" }}', output: "-b-c-" },
  { name: "regex match", text: '{{ match "a+" "aa" }} {{ match "a+" "b" }}', output: "true false" },
  { name: "regex dot does not match newline", text: '{{ match "a.b" "a\\nb" }} {{ match "(?s)a.b" "a\\nb" }}', output: "false true" },
  {
    name: "bad regex",
    text: '{{ match "(" "x" }}',
    error: 'error executing template test: template: test:1:3: executing "test" at <match "(" "x">: error calling match: error parsing regexp: missing closing ): `(`',
  },
  { name: "graphLink", text: '{{ graphLink "up" }}', output: "/graph?g0.expr=up&g0.tab=0" },
  { name: "tableLink", text: '{{ tableLink "up" }}', output: "/graph?g0.expr=up&g0.tab=1" },
  { name: "graphLink escapes", text: '{{ graphLink "rate(up{a=\\"b c\\"}[5m])" }}', output: "/graph?g0.expr=rate%28up%7Ba%3D%22b+c%22%7D%5B5m%5D%29&g0.tab=0" },
  { name: "pathPrefix", text: "{{ pathPrefix }}", output: "/path/prefix" },
  { name: "externalURL", text: "{{ externalURL }}", output: "http://testhost:9090/path/prefix" },
  {
    name: "sorting",
    text: '{{ range query "metric" | sortByLabel "instance" }}{{.Labels.instance}}:{{.Value}}: {{end}}',
    queryResult: [
      { metric: lbls("__name__", "metric", "instance", "b"), value: 21 },
      { metric: lbls("__name__", "metric", "instance", "a"), value: 11 },
    ],
    output: "a:11: b:21: ",
  },
  { name: "humanize float64", text: "{{ range . }}{{ humanize . }}:{{ end }}", input: [0.0, 1.0, 1234567.0, 0.12], output: "0:1:1.235M:120m:" },
  { name: "humanize string", text: "{{ range . }}{{ humanize . }}:{{ end }}", input: ["0.0", "1.0", "1234567.0", ".12"], output: "0:1:1.235M:120m:" },
  {
    name: "humanize string with error",
    text: '{{ humanize "one" }}',
    error: 'error executing template test: template: test:1:3: executing "test" at <humanize "one">: error calling humanize: strconv.ParseFloat: parsing "one": invalid syntax',
  },
  {
    name: "humanize int",
    text: "{{ range . }}{{ humanize . }}:{{ end }}",
    input: [0n, -1n, 1n, 1234567n, 9223372036854775807n],
    output: "0:-1:1:1.235M:9.223E:",
  },
  { name: "humanize small", text: "{{ range . }}{{ humanize . }}:{{ end }}", input: [0.0012, -0.000001, 1e-30], output: "1.2m:-1u:1e-06y:" },
  { name: "humanize bool", text: "{{ humanize true }}", error: 'error executing template test: template: test:1:3: executing "test" at <humanize true>: error calling humanize: can\'t convert bool to float' },
  { name: "humanize1024 float64", text: "{{ range . }}{{ humanize1024 . }}:{{ end }}", input: [0.0, 1.0, 1048576.0, 0.12], output: "0:1:1Mi:0.12:" },
  { name: "humanize1024 string", text: "{{ range . }}{{ humanize1024 . }}:{{ end }}", input: ["0.0", "1.0", "1048576.0", ".12"], output: "0:1:1Mi:0.12:" },
  {
    name: "humanize1024 string with error",
    text: '{{ humanize1024 "one" }}',
    error: 'error executing template test: template: test:1:3: executing "test" at <humanize1024 "one">: error calling humanize1024: strconv.ParseFloat: parsing "one": invalid syntax',
  },
  {
    name: "humanizeDuration seconds float64",
    text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}",
    input: [0, 1, 60, 3600, 86400, 86400 + 3600, -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99],
    output: "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:",
  },
  {
    name: "humanizeDuration seconds string",
    text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}",
    input: ["0", "1", "60", "3600", "86400"],
    output: "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:",
  },
  {
    name: "humanizeDuration subsecond and fractional seconds float64",
    text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}",
    input: [0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345],
    output: "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:",
  },
  {
    name: "humanizeDuration subsecond and fractional seconds string",
    text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}",
    input: [".1", ".0001", ".12345", "60.1", "60.5", "1.2345", "12.345"],
    output: "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:",
  },
  {
    name: "humanizeDuration durations",
    text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}",
    input: [GoDuration.fromSeconds(0), GoDuration.fromSeconds(1.5), GoDuration.fromSeconds(3661)],
    output: "0s:1.5s:1h 1m 1s:",
  },
  {
    name: "humanizeDuration string with error",
    text: '{{ humanizeDuration "one" }}',
    error: 'error executing template test: template: test:1:3: executing "test" at <humanizeDuration "one">: error calling humanizeDuration: strconv.ParseFloat: parsing "one": invalid syntax',
  },
  {
    name: "humanize* Inf and NaN float64",
    text: "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}",
    input: [Infinity, -Infinity, NaN],
    output: "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:",
  },
  {
    name: "humanize* Inf and NaN string",
    text: "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}",
    input: ["+Inf", "-Inf", "NaN"],
    output: "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:",
  },
  {
    name: "humanizePercentage float64",
    text: "{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}",
    output: "-22.22%:0%:12.35%:123.5%",
  },
  {
    name: "humanizePercentage string",
    text: '{{ "-0.22222" | humanizePercentage }}:{{ "0.0" | humanizePercentage }}:{{ "0.1234567" | humanizePercentage }}:{{ "1.23456" | humanizePercentage }}',
    output: "-22.22%:0%:12.35%:123.5%",
  },
  {
    name: "humanizePercentage string with error",
    text: '{{ "one" | humanizePercentage }}',
    error: 'error executing template test: template: test:1:11: executing "test" at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing "one": invalid syntax',
  },
  { name: "humanizeTimestamp float64", text: "{{ 1435065584.128 | humanizeTimestamp }}", output: "2015-06-23 13:19:44.128 +0000 UTC" },
  { name: "humanizeTimestamp string", text: '{{ "1435065584.128" | humanizeTimestamp }}', output: "2015-06-23 13:19:44.128 +0000 UTC" },
  { name: "humanizeTimestamp int", text: "{{ 1435065584 | humanizeTimestamp }}", output: "2015-06-23 13:19:44 +0000 UTC" },
  {
    name: "humanizeTimestamp string with error",
    text: '{{ "one" | humanizeTimestamp }}',
    error: 'error executing template test: template: test:1:11: executing "test" at <humanizeTimestamp>: error calling humanizeTimestamp: strconv.ParseFloat: parsing "one": invalid syntax',
  },
  {
    name: "humanizeTimestamp overflow",
    text: "{{ humanizeTimestamp 9223372036854775807 }}",
    error: 'error executing template test: template: test:1:3: executing "test" at <humanizeTimestamp 9223372036854775807>: error calling humanizeTimestamp: 9.223372036854776e+18 cannot be represented as a nanoseconds timestamp since it overflows int64',
  },
  { name: "toTime float64", text: '{{ (1435065584.128 | toTime).Format "Jan 02, 2006 15:04:05 MST" }}', output: "Jun 23, 2015 13:19:44 UTC" },
  { name: "toTime string", text: '{{ ("1435065584.128" | toTime).Format "Jan 02, 2006 15:04:05 MST" }}', output: "Jun 23, 2015 13:19:44 UTC" },
  { name: "toTime prints as a time", text: "{{ toTime 1435065584.128 }}", output: "2015-06-23 13:19:44.128 +0000 UTC" },
  { name: "toDuration float64", text: "{{ (1800 | toDuration).String }} {{ toDuration 1.1 }}", output: "30m0s 1.1s" },
  { name: "toDuration string", text: '{{ ("1800" | toDuration) }}', output: "30m0s" },
  { name: "toDuration then humanizeDuration", text: "{{ 90061 | toDuration | humanizeDuration }}", output: "1d 1h 1m 1s" },
  { name: "now", text: "{{ now }} {{ (now | toTime).Unix }}", output: "1.5e+09 1500000000" },
  { name: "title", text: '{{ "aa bb CC" | title }}', output: "Aa Bb CC" },
  { name: "title keeps apostrophes inside words", text: `{{ "don't stop-me now_ok" | title }}`, output: "Don't Stop-Me Now_ok" },
  { name: "toUpper", text: '{{ "aa bb CC" | toUpper }}', output: "AA BB CC" },
  { name: "toLower", text: '{{ "aA bB CC" | toLower }}', output: "aa bb cc" },
  { name: "args", text: '{{ define "x" }}{{ .arg0 }} {{ .arg1 }}{{ end }}{{ template "x" (args 1 "two") }}', output: "1 two" },
  { name: "safeHtml", text: '{{ "<b>" | safeHtml }}', output: "<b>" },
  { name: "stripPort", text: '{{ stripPort "foo.example.com:12345" }} {{ stripPort "[2001:db8::1]:80" }} {{ stripPort "foo" }}', output: "foo.example.com 2001:db8::1 foo" },
  {
    name: "stripDomain",
    text: '{{ stripDomain "foo.example.com" }} {{ stripDomain "foo.example.com:12345" }} {{ stripDomain "192.0.2.1:12345" }} {{ stripDomain "[2001:0DB8::1]:12345" }} {{ stripDomain "localhost" }}',
    output: "foo foo:12345 192.0.2.1:12345 [2001:0DB8::1]:12345 localhost",
  },
  { name: "parseDuration", text: '{{ printf "%0.2f" (parseDuration "1h2m10ms") }}', output: "3720.01" },
  {
    name: "parseDuration error",
    text: '{{ parseDuration "1x" }}',
    error: 'error executing template test: template: test:1:3: executing "test" at <parseDuration "1x">: error calling parseDuration: unknown unit "x" in duration "1x"',
  },
  { name: "urlQueryEscape", text: '{{ "a+b c/d?e=&" | urlQueryEscape }}', output: "a%2Bb+c%2Fd%3Fe%3D%26" },
  {
    name: "comparing a float with an int literal fails as in Go",
    text: "{{ if gt . 80 }}high{{ end }}",
    input: 90,
    error: 'error executing template test: template: test:1:6: executing "test" at <gt . 80>: error calling gt: incompatible types for comparison',
  },
  { name: "comparing with a float literal works", text: "{{ if gt . 80.0 }}high{{ end }}", input: 90, output: "high" },
  {
    name: "query error",
    text: '{{ query "bad(" }}',
    error: 'error executing template test: template: test:1:3: executing "test" at <query "bad(">: error calling query: parse error',
  },
];

for (const r of rows) {
  test(`prometheus template: ${r.name}`, async () => {
    const funcs = prometheusFuncs({
      query: async (q) => {
        if (q === "bad(") throw new Error("parse error");
        return r.queryResult ?? [];
      },
      tMs: 1_500_000_000_000,
      externalURL,
    });
    let got: { output?: string; error?: string };
    if (r.missingKey !== undefined) {
      try {
        got = { output: await new Template("test", { funcs, missingKey: r.missingKey }).parse(r.text).execute(r.input ?? null) };
      } catch (e) {
        got = { error: "error executing template test: " + (e as Error).message };
      }
    } else {
      try {
        got = { output: await expandText("test", r.text, r.input ?? null, funcs) };
      } catch (e) {
        got = { error: (e as Error).message };
      }
    }
    assert.deepEqual(got, r.output !== undefined ? { output: r.output } : { error: r.error });
  });
}

const noQuery = async (): Promise<QuerySample[]> => [];

const alertRows: Array<{ name: string; text: string; want: string; error: boolean }> = [
  {
    name: "labels and value",
    text: "{{ $labels.instance }} of {{ $labels.job }} is at {{ $value }} ({{ humanize $value }})",
    want: "host:9100 of node is at 1.2345e+06 (1.234M)",
    error: false,
  },
  { name: "missing label is empty", text: "[{{ $labels.missing }}]", want: "[]", error: false },
  { name: "external labels and URL", text: "{{ $externalLabels.cluster }} {{ $externalURL }}", want: "eu1 http://prom.example:9090", error: false },
  { name: "fields on dot", text: "{{ .Labels.job }} {{ .Value }}", want: "node 1.2345e+06", error: false },
  {
    name: "execution error",
    text: "{{ .Nope }}",
    want:
      "<error expanding template: error executing template __alert_InstanceDown: template: __alert_InstanceDown:1:115: executing \"__alert_InstanceDown\" at <.Nope>: can't evaluate field Nope in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }>",
    error: true,
  },
  {
    name: "parse error",
    text: "{{ $labels.instance ",
    want: "<error expanding template: error parsing template __alert_InstanceDown: template: __alert_InstanceDown:1: unclosed action>",
    error: true,
  },
];

for (const r of alertRows) {
  test(`alert field: ${r.name}`, async () => {
    const data = new AlertTemplateData(
      lbls("__name__", "up", "instance", "host:9100", "job", "node"),
      lbls("cluster", "eu1"),
      "http://prom.example:9090",
      1234500,
    );
    const funcs = prometheusFuncs({ query: noQuery, tMs: 0, externalURL: new URL("http://prom.example:9090") });
    const got = await expandAlertField(r.text, { ruleName: "InstanceDown", data, funcs });
    assert.equal(got.text, r.want);
    assert.equal(got.error !== null, r.error);
  });
}

test("externalURL without a path prints without a trailing slash", async () => {
  const funcs = prometheusFuncs({ query: noQuery, tMs: 0, externalURL: new URL("http://localhost:9090") });
  assert.equal(await expandText("t", "{{ externalURL }}|{{ pathPrefix }}", null, funcs), "http://localhost:9090|");
});
