import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { existsSync } from "node:fs";
import { configToYAML, loadConfig, loadConfigFile } from "./index.ts";

const REF = path.resolve(process.cwd(), "../shared/reference/alertmanager-config");
const haveRef = existsSync(REF);
const ref = (f: string): string => path.join(REF, f);

// Expectations of upstream's config_test.go for the reference files: null loads, a string is the error.
const files: ReadonlyArray<[string, string | null]> = [
  ["conf.empty-fields.yml", null],
  ["conf.good.yml", null],
  ["conf.group-by-all.yml", null],
  ["conf.http-config.good.yml", null],
  ["conf.mattermost-both-webhook-url-and-file.yml", "at most one of mattermost_webhook_url & mattermost_webhook_url_file must be configured"],
  ["conf.mattermost-default-webhook-url-file.yml", null],
  ["conf.mattermost-default-webhook-url.yml", null],
  ["conf.mattermost-no-webhook-url.yml", "missing webhook_url or webhook_url_file on mattermost_config"],
  ["conf.mattermost-valid-receiver-both-webhook-url-and-file.yml", "at most one of mattermost_webhook_url & mattermost_webhook_url_file must be configured"],
  ["conf.nil-match_re-route.yml", 'invalid regexp value for "invalid_label"'],
  ["conf.nil-source_match_re-inhibition.yml", 'invalid regexp value for "invalid_source_label"'],
  ["conf.nil-target_match_re-inhibition.yml", 'invalid regexp value for "invalid_target_label"'],
  ["conf.opsgenie-both-file-and-apikey.yml", "at most one of opsgenie_api_key & opsgenie_api_key_file must be configured"],
  ["conf.opsgenie-default-apikey-file.yml", null],
  ["conf.opsgenie-default-apikey-old-team.yml", "yaml: unmarshal errors:\n  line 16: field teams not found in type config.plain"],
  ["conf.opsgenie-default-apikey.yml", null],
  ["conf.opsgenie-no-apikey.yml", "no global OpsGenie API Key set either inline or in a file"],
  ["conf.rocketchat-both-token-and-tokenfile.yml", "at most one of rocketchat_token & rocketchat_token_file must be configured"],
  ["conf.rocketchat-both-tokenid-and-tokenidfile.yml", "at most one of rocketchat_token_id & rocketchat_token_id_file must be configured"],
  ["conf.rocketchat-default-token-file.yml", null],
  ["conf.rocketchat-default-token.yml", null],
  ["conf.rocketchat-no-token.yml", "no global Rocketchat Token set either inline or in a file"],
  ["conf.slack-both-file-and-token.yml", "at most one of slack_app_token & slack_app_token_file must be configured"],
  ["conf.slack-both-file-and-url.yml", "at most one of slack_api_url & slack_api_url_file must be configured"],
  ["conf.slack-both-url-and-token.yml", "at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file must be configured"],
  ["conf.slack-default-api-url-file.yml", null],
  ["conf.slack-default-app-token.yml", null],
  ["conf.slack-no-api-url-or-token.yml", "no Slack API URL nor App token set either inline or in a file"],
  ["conf.slack-update-message-and-webhook.yml", "update_message can only be used with bot tokens. api_url must be set to https://slack.com/api/chat.postMessage"],
  ["conf.smtp-both-password-and-file.yml", "at most one of smtp_auth_password & smtp_auth_password_file must be configured"],
  ["conf.smtp-no-username-or-password.yml", null],
  ["conf.smtp-password-global-and-local.yml", null],
  ["conf.sns-invalid.yml", "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config"],
  ["conf.sns-topic-arn.yml", null],
  ["conf.telegram-both-bot-token-and-file.yml", "at most one of telegram_bot_token & telegram_bot_token_file must be configured"],
  ["conf.telegram-default-bot-token-file.yml", null],
  ["conf.telegram-default-bot-token.yml", null],
  ["conf.telegram-no-bot-token.yml", "missing bot_token or bot_token_file on telegram_config"],
  ["conf.telegram-valid-receiver-both-bot-token-and-file.yml", "at most one of telegram_bot_token & telegram_bot_token_file must be configured"],
  ["conf.victorops-both-file-and-apikey.yml", "at most one of victorops_api_key & victorops_api_key_file must be configured"],
  ["conf.victorops-default-apikey-file.yml", null],
  ["conf.victorops-default-apikey.yml", null],
  ["conf.victorops-no-apikey.yml", "no global VictorOps API Key set"],
  ["conf.wechat-both-file-and-secret.yml", "at most one of wechat_api_secret & wechat_api_secret_file must be configured"],
  ["conf.wechat-default-api-secret-file.yml", null],
  ["conf.wechat-no-api-secret.yml", "no global Wechat Api Secret set either inline or in a file"],
];
for (const [f, err] of files) {
  test(`reference ${f}`, { skip: haveRef ? false : "reference data not found at ../shared/reference" }, () => {
    if (err === null) assert.doesNotThrow(() => loadConfigFile(ref(f)));
    else assert.throws(() => loadConfigFile(ref(f)), { name: "ConfigError", message: err });
  });
}

// Inline cases of upstream's config_test.go.
const inline: ReadonlyArray<{ name: string; yaml: string; err: string }> = [
  { name: "empty", yaml: "", err: "no route provided in config" },
  { name: "default receiver", yaml: "route:\n  group_wait: 30s\n", err: "root route must specify a default receiver" },
  { name: "unique receiver", yaml: "route:\n  receiver: team-X\nreceivers:\n- name: 'team-X'\n- name: 'team-X'\n", err: 'notification config name "team-X" is not unique' },
  { name: "receiver exists", yaml: "route:\n  receiver: team-X\nreceivers:\n- name: 'team-Y'\n", err: 'undefined receiver "team-X" used in route' },
  {
    name: "deep receiver exists",
    yaml: "route:\n  receiver: team-X\n  routes:\n  - match:\n      foo: bar\n    routes:\n    - match:\n        foo: bar\n      receiver: nonexistent\nreceivers:\n- name: 'team-X'\n",
    err: 'undefined receiver "nonexistent" used in route',
  },
  { name: "receiver name", yaml: "route:\nreceivers:\n- name: ''\n", err: "missing name in receiver" },
  {
    name: "mute time exists",
    yaml: "route:\n  receiver: team-Y\n  routes:\n  - match:\n      severity: critical\n    mute_time_intervals:\n    - business_hours\nreceivers:\n- name: 'team-Y'\n",
    err: 'undefined time interval "business_hours" used in route',
  },
  {
    name: "active time exists",
    yaml: "route:\n  receiver: team-Y\n  routes:\n  - match:\n      severity: critical\n    active_time_intervals:\n    - business_hours\nreceivers:\n- name: 'team-Y'\n",
    err: 'undefined time interval "business_hours" used in route',
  },
  {
    name: "time interval name",
    yaml: "time_intervals:\n- name:\n  time_intervals:\n  - times:\n    - start_time: '09:00'\n      end_time: '17:00'\nreceivers:\n- name: x\nroute:\n  receiver: x\n",
    err: "missing name in time interval",
  },
  {
    name: "mute time interval name",
    yaml: "mute_time_intervals:\n- name:\n  time_intervals:\n  - times:\n    - start_time: '09:00'\n      end_time: '17:00'\nreceivers:\n- name: x\nroute:\n  receiver: x\n",
    err: "missing name in mute time interval",
  },
  {
    name: "mute time duplicates",
    yaml: "mute_time_intervals:\n- name: duplicate\n- name: duplicate\nreceivers:\n- name: x\nroute:\n  receiver: x\n",
    err: 'mute time interval "duplicate" is not unique',
  },
  { name: "group_by duplicate", yaml: "route:\n  group_by: ['alertname', 'cluster', 'service', 'cluster']\nreceivers:\n- name: x\n", err: 'duplicated label "cluster" in group_by' },
  {
    name: "wildcard group_by",
    yaml: "route:\n  group_by: ['alertname', 'cluster', '...']\n  receiver: x\nreceivers:\n- name: x\n",
    err: "cannot have wildcard group_by (`...`) and other labels at the same time",
  },
  { name: "group_by label", yaml: "route:\n  group_by: ['-invalid-']\n  receiver: x\nreceivers:\n- name: x\n", err: 'invalid label name "-invalid-" in group_by list' },
  { name: "root route", yaml: "receivers:\n- name: x\n", err: "no routes provided" },
  {
    name: "root mute times",
    yaml: "mute_time_intervals:\n- name: m\n  time_intervals:\n  - times:\n    - start_time: '09:00'\n      end_time: '17:00'\nreceivers:\n- name: x\nroute:\n  receiver: x\n  mute_time_intervals: [m]\n",
    err: "root route must not have any mute time intervals",
  },
  {
    name: "root active times",
    yaml: "time_intervals:\n- name: m\nreceivers:\n- name: x\nroute:\n  receiver: x\n  active_time_intervals: [m]\n",
    err: "root route must not have any active time intervals",
  },
  { name: "root match", yaml: "route:\n  receiver: x\n  match:\n    severity: critical\nreceivers:\n- name: x\n", err: "root route must not have any matchers" },
  { name: "root matchers", yaml: "route:\n  receiver: x\n  matchers:\n  - severity=critical\nreceivers:\n- name: x\n", err: "root route must not have any matchers" },
  { name: "root continue", yaml: "route:\n  receiver: x\n  continue: true\nreceivers:\n- name: x\n", err: "cannot have continue in root route" },
  { name: "group_interval zero", yaml: "route:\n  receiver: x\n  group_interval: 0s\nreceivers:\n- name: x\n", err: "group_interval cannot be zero" },
  { name: "repeat_interval zero", yaml: "route:\n  receiver: x\n  repeat_interval: 0s\nreceivers:\n- name: x\n", err: "repeat_interval cannot be zero" },
  { name: "bad matcher", yaml: "route:\n  receiver: x\n  routes:\n  - matchers: ['foo']\nreceivers:\n- name: x\n", err: "bad matcher format: foo" },
  { name: "match label name", yaml: "route:\n  receiver: x\n  routes:\n  - match: {'a-b': c}\nreceivers:\n- name: x\n", err: 'invalid label name "a-b"' },
  { name: "equal label", yaml: "route:\n  receiver: x\nreceivers:\n- name: x\ninhibit_rules:\n- equal: ['qux🙂']\n", err: 'invalid label name "qux🙂" in equal list' },
  { name: "unknown top-level field", yaml: "route:\n  receiver: x\nreceivers:\n- name: x\nfoo: 1\n", err: "yaml: unmarshal errors:\n  line 5: field foo not found in type config.plain" },
  { name: "webhook without url", yaml: "route:\n  receiver: x\nreceivers:\n- name: x\n  webhook_configs:\n  - {}\n", err: "one of url or url_file must be configured" },
  { name: "webhook bad scheme", yaml: "route:\n  receiver: x\nreceivers:\n- name: x\n  webhook_configs:\n  - url: ftp://a/b\n", err: 'unsupported scheme "ftp" for URL' },
  { name: "email without smarthost", yaml: "route:\n  receiver: x\nreceivers:\n- name: x\n  email_configs:\n  - to: a@b\n", err: "no global SMTP smarthost set" },
  { name: "email without to", yaml: "route:\n  receiver: x\nreceivers:\n- name: x\n  email_configs:\n  - from: a@b\n", err: "missing to address in email config" },
  { name: "pagerduty without key", yaml: "route:\n  receiver: x\nreceivers:\n- name: x\n  pagerduty_configs:\n  - {}\n", err: "missing service or routing key in PagerDuty config" },
  { name: "smarthost port", yaml: "global:\n  smtp_smarthost: 'localhost:'\nroute:\n  receiver: x\nreceivers:\n- name: x\n", err: 'address "localhost:": port cannot be empty' },
  { name: "empty webhook entry", yaml: "global:\nroute:\n  receiver: r\nreceivers:\n- name: r\n  webhook_configs:\n  -\n", err: "missing webhook config" },
  { name: "empty slack entry", yaml: "global:\nroute:\n  receiver: r\nreceivers:\n- name: r\n  slack_configs:\n  -\n", err: "no Slack API URL nor App token set either inline or in a file" },
  { name: "empty rocketchat entry", yaml: "global:\nroute:\n  receiver: r\nreceivers:\n- name: r\n  rocketchat_configs:\n  -\n", err: "no global Rocketchat TokenID set either inline or in a file" },
];
for (const c of inline) test(`rejects: ${c.name}`, () => assert.throws(() => loadConfig(c.yaml), { name: "ConfigError", message: c.err }));

test("defaults and inheritance from global", { skip: haveRef ? false : "reference data not found" }, () => {
  const c = loadConfigFile(ref("conf.good.yml"));
  assert.equal(c.global.resolveTimeout, 300_000);
  assert.equal(c.global.smtpHello, "host.example.org");
  assert.equal(c.route.groupWaitMs, 30_000);
  assert.deepEqual(c.route.groupBy, ["alertname", "cluster", "service"]);
  const email = c.receivers[0]!.emailConfigs[0]!;
  assert.equal(email.smarthost, "localhost:25");
  assert.equal(email.from, "alertmanager@example.org");
  assert.equal(email.requireTls, true);
  assert.equal(email.sendResolved, false);
  assert.equal(email.html, '{{ template "email.default.html" . }}');
  const pd = c.receivers[1]!.pagerdutyConfigs[0]!;
  assert.equal(pd.url, "https://events.pagerduty.com/v2/enqueue");
  assert.equal(pd.sendResolved, true);
  assert.equal(pd.source, pd.client);
  assert.equal(pd.httpConfig?.proxyURL?.href, "http://127.0.0.1:1025");
  const og = c.receivers.find((r) => r.name === "opsGenie-receiver")!.opsgenieConfigs[0]!;
  assert.equal(og.apiUrl, "https://api.opsgenie.com/");
  const slack = c.receivers.find((r) => r.name === "slack-receiver")!.slackConfigs[0]!;
  assert.equal(slack.apiUrl, "http://mysecret.example.com/");
});

test("secrets are hidden when printed, and the output loads again", { skip: haveRef ? false : "reference data not found" }, () => {
  const c = loadConfigFile(ref("conf.good.yml"));
  const y = configToYAML(c);
  assert.equal(y.match(/<secret>/g)?.length, 13);
  assert.equal(y.includes("mysecret"), false);
  assert.equal(configToYAML(loadConfig(y)), y);
});

test("group_by all is not printed as a field", () => {
  const c = loadConfig("route:\n  receiver: x\n  group_by: [...]\nreceivers:\n- name: x\n");
  assert.equal(c.route.groupByAll, true);
  assert.equal(c.route.groupBy, null);
  assert.equal(configToYAML(c).includes("groupbyall"), false);
});

test("group_by [] overrides the parent", () => {
  const c = loadConfig("route:\n  receiver: d\n  group_by: ['alertname', 'cluster']\n  routes:\n  - group_by: []\nreceivers:\n- name: d\n");
  assert.deepEqual(c.route.routes[0]!.groupBy, []);
});

test("global and local HTTP config", { skip: haveRef ? false : "reference data not found" }, () => {
  const c = loadConfigFile(ref("conf.http-config.good.yml"));
  assert.equal(c.global.httpConfig?.followRedirects, false);
  assert.equal(c.receivers[0]!.slackConfigs[0]!.httpConfig?.followRedirects, true);
});

test("global and local SMTP passwords", { skip: haveRef ? false : "reference data not found" }, () => {
  const e = loadConfigFile(ref("conf.smtp-password-global-and-local.yml")).receivers[0]!.emailConfigs;
  assert.equal(e[0]!.authPasswordFile, "/tmp/globaluserpassword");
  assert.equal(e[0]!.authPassword, "");
  assert.equal(e[1]!.authPasswordFile, "/tmp/localuser1password");
  assert.equal(e[2]!.authPassword, "mysecret");
  assert.equal(e[2]!.authPasswordFile, "");
  assert.equal(e[3]!.authSecret, "myprecious");
  assert.equal(e[4]!.authSecretFile, "/tmp/localuser4secret");
});

test("slack app tokens", { skip: haveRef ? false : "reference data not found" }, () => {
  const s = loadConfigFile(ref("conf.slack-default-app-token.yml")).receivers[0]!.slackConfigs;
  assert.equal(s[0]!.appToken, "xoxb-1234-abcdefgh");
  assert.equal(s[0]!.apiUrl, "https://slack.com/api/chat.postMessage");
  assert.deepEqual([s[0]!.httpConfig?.authorization?.type, s[0]!.httpConfig?.authorization?.credentials], ["Bearer", "xoxb-1234-abcdefgh"]);
  assert.equal(s[1]!.httpConfig?.authorization?.credentials, "xoxb-1234-xxxxxx");
  assert.equal(s[2]!.appUrl, "http://api.fakeslack.example/");
  assert.equal(s[3]!.appToken, "");
  assert.equal(s[3]!.httpConfig?.authorization?.credentials, "xoxb-my-bot-token");
  assert.equal(s[4]!.apiUrl, "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX");
  assert.equal(s[4]!.apiUrlFile, "");
});

test("defaults from global files", { skip: haveRef ? false : "reference data not found" }, () => {
  const vo = loadConfigFile(ref("conf.victorops-default-apikey-file.yml")).receivers;
  assert.equal(vo[0]!.victoropsConfigs[0]!.apiKeyFile, "/global_file");
  assert.equal(vo[1]!.victoropsConfigs[0]!.apiKeyFile, "/override_file");
  const tg = loadConfigFile(ref("conf.telegram-default-bot-token.yml")).receivers;
  assert.equal(tg[0]!.telegramConfigs[0]!.botToken, "asd132");
  assert.equal(tg[1]!.telegramConfigs[0]!.botToken, "qwe456");
  const wc = loadConfigFile(ref("conf.wechat-default-api-secret-file.yml")).receivers[0]!.wechatConfigs;
  assert.deepEqual(
    wc.map((w) => [w.apiSecret, w.apiSecretFile]),
    [["", "/global_file"], ["", "/override_file"], ["my_inline_secret", ""]],
  );
  const mm = loadConfigFile(ref("conf.mattermost-default-webhook-url.yml")).receivers;
  assert.equal(mm[0]!.mattermostConfigs[0]!.webhookUrl, "https://mattermost.example.com/hooks/xxxxxxxxxxxxxxxxxxxxxxxxxx");
  assert.equal(mm[1]!.mattermostConfigs[0]!.webhookUrl, "https://fakemattermost.example.com/hooks/xxxxxxxxxxxxxxxxxxxxxxxxxx");
  const rc = loadConfigFile(ref("conf.rocketchat-default-token.yml")).receivers;
  assert.deepEqual([rc[0]!.rocketchatConfigs[0]!.token, rc[1]!.rocketchatConfigs[0]!.tokenId], ["token123", "id456"]);
});

test("webhook defaults and templated URL", () => {
  const c = loadConfig("route:\n  receiver: x\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http://h/{{ .GroupLabels.alertname }}'\n    max_alerts: 3\n    timeout: 10s\n");
  const w = c.receivers[0]!.webhookConfigs[0]!;
  assert.deepEqual([w.sendResolved, w.maxAlerts, w.timeout, w.url], [true, 3, 10_000, "http://h/{{ .GroupLabels.alertname }}"]);
  // The URL as Alertmanager 0.25 prints it; url_file, newer than 0.25, only when set.
  assert.match(configToYAML(c), /url: http:\/\/h\/\{\{ \.GroupLabels\.alertname \}\}\n {4}max_alerts: 3\n {4}timeout: 10s\n/);
});

test("keys newer than Alertmanager 0.25 are printed only when set", () => {
  const base = "route:\n  receiver: x\nreceivers:\n- name: x\n";
  const cases: ReadonlyArray<{ name: string; yaml: string; present: readonly string[]; absent: readonly string[] }> = [
    { name: "defaults", yaml: base + "  slack_configs:\n  - api_url: http://s/\n    channel: '#c'\n", present: ["channel: '#c'"], absent: ["slack_app_url", "rocketchat_api_url", "smtp_tls_config", "app_url", "update_message", "    timeout:", "jira_api_url"] },
    { name: "set", yaml: "global:\n  slack_app_url: http://app/\n" + base + "  slack_configs:\n  - api_url: http://s/\n    message_text: hi\n    timeout: 5s\n", present: ["slack_app_url: http://app/", "app_url: http://app/", "message_text: hi", "timeout: 5s"], absent: [] },
    { name: "email headers filled as the notifier does", yaml: "global:\n  smtp_from: a@b\n  smtp_smarthost: h:25\n" + base + "  email_configs:\n  - to: c@d\n", present: ["    headers:\n      From: a@b\n      Subject: '{{ template \"email.default.subject\" . }}'\n      To: c@d\n"], absent: ["tls_config", "force_implicit_tls", "threading"] },
    { name: "group_by all quoted", yaml: base.replace("receiver: x", "receiver: x\n  group_by: ['...']"), present: ["- '...'\n"], absent: [] },
    {
      name: "go-yaml quoting",
      yaml: base.replace("receiver: x", "receiver: x\n  routes:\n  - match: {a: 'true', b: '1', c: '#x', d: plain, e: '2024-01-02'}"),
      present: ['a: "true"\n', 'b: "1"\n', "c: '#x'\n", "d: plain\n", 'e: "2024-01-02"\n'],
      absent: [],
    },
  ];
  for (const c of cases) {
    const y = configToYAML(loadConfig(c.yaml));
    for (const p of c.present) assert.ok(y.includes(p), `${c.name}: ${JSON.stringify(p)} missing in\n${y}`);
    for (const a of c.absent) assert.ok(!y.includes(a), `${c.name}: ${JSON.stringify(a)} present in\n${y}`);
    assert.equal(configToYAML(loadConfig(y)), y, c.name);
  }
});

test("relative template and file paths are resolved against the config directory", { skip: haveRef ? false : "reference data not found" }, () => {
  const c = loadConfigFile(ref("conf.good.yml"));
  assert.deepEqual(c.templates, ["/etc/alertmanager/template/*.tmpl"]);
});
