/**
 * The receiver integrations of alertmanager.yml: their fields in upstream's
 * struct order, defaults (the notification templates of default.tmpl) and
 * per-integration validation with upstream's messages (config/notifiers.go
 * and notify/<integration>/config.go). Cross-checks against `global`
 * happen in config.ts.
 */

import { ConfigError, goQuote } from "../../config/index.ts";
import type { Field, StructOf } from "./fields.ts";

const t = (name: string): string => `{{ template "${name}" . }}`;
const SEND_RESOLVED_TRUE = { key: "send_resolved", kind: "bool", def: true, keep: true } as const;
const SEND_RESOLVED_FALSE = { key: "send_resolved", kind: "bool", def: false, keep: true } as const;
const HTTP = { key: "http_config", kind: "http" } as const;

/** Upstream's default global slack_app_url, which receivers inherit. */
export const SLACK_APP_URL = "https://slack.com/api/chat.postMessage";

/** Fields of `webhook_configs`. */
export const WEBHOOK_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  // NOTE: printed as is, as Alertmanager 0.25 does (its url was not a secret yet); amtool 0.25 cannot read `<secret>` there.
  { key: "url", kind: "templateURL", keep: true, plain: true },
  { key: "url_file", kind: "str", keep: true, newer: true },
  { key: "max_alerts", kind: "int", keep: true },
  { key: "timeout", kind: "goDuration", keep: true, newer: true },
] as const satisfies readonly Field[];

/** Fields of `email_configs`. */
export const EMAIL_FIELDS = [
  SEND_RESOLVED_FALSE,
  { key: "to", kind: "str" },
  { key: "from", kind: "str" },
  { key: "hello", kind: "str" },
  { key: "smarthost", kind: "hostport" },
  { key: "auth_username", kind: "str" },
  { key: "auth_password", kind: "secret" },
  { key: "auth_password_file", kind: "str" },
  { key: "auth_secret", kind: "secret" },
  { key: "auth_secret_file", kind: "str", newer: true },
  { key: "auth_identity", kind: "str" },
  { key: "headers", kind: "strMap" },
  { key: "html", kind: "str", def: t("email.default.html") },
  { key: "text", kind: "str" },
  { key: "require_tls", kind: "boolPtr" },
  { key: "tls_config", kind: "tls" },
  { key: "force_implicit_tls", kind: "boolPtr", newer: true },
  {
    key: "threading",
    newer: true,
    kind: {
      sub: [
        { key: "enabled", kind: "bool" },
        { key: "thread_by_date", kind: "str" },
      ],
    },
  },
] as const satisfies readonly Field[];

/** Fields of `pagerduty_configs`. */
export const PAGERDUTY_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "service_key", kind: "secret" },
  { key: "service_key_file", kind: "str" },
  { key: "routing_key", kind: "secret" },
  { key: "routing_key_file", kind: "str" },
  { key: "url", kind: "url" },
  { key: "client", kind: "str", def: t("pagerduty.default.client") },
  { key: "client_url", kind: "str", def: t("pagerduty.default.clientURL") },
  { key: "description", kind: "str", def: '{{ template "pagerduty.default.description" .}}' },
  { key: "details", kind: "anyMap" },
  {
    key: "images",
    kind: {
      list: [
        { key: "src", kind: "str" },
        { key: "alt", kind: "str" },
        { key: "href", kind: "str" },
      ],
    },
  },
  {
    key: "links",
    kind: {
      list: [
        { key: "href", kind: "str" },
        { key: "text", kind: "str" },
      ],
    },
  },
  { key: "source", kind: "str" },
  { key: "severity", kind: "str" },
  { key: "class", kind: "str" },
  { key: "component", kind: "str" },
  { key: "group", kind: "str" },
  { key: "timeout", kind: "goDuration", keep: true, newer: true },
] as const satisfies readonly Field[];

/** PagerDuty `details` added unless set (upstream DefaultPagerdutyDetails). */
export const DEFAULT_PAGERDUTY_DETAILS: ReadonlyMap<string, string> = new Map([
  ["firing", '{{ template "pagerduty.default.instances" .Alerts.Firing }}'],
  ["num_firing", "{{ .Alerts.Firing | len }}"],
  ["num_resolved", "{{ .Alerts.Resolved | len }}"],
  ["resolved", '{{ template "pagerduty.default.instances" .Alerts.Resolved }}'],
]);

/** Fields of `slack_configs`. */
export const SLACK_FIELDS = [
  SEND_RESOLVED_FALSE,
  HTTP,
  { key: "api_url", kind: "secretURL" },
  { key: "api_url_file", kind: "str" },
  { key: "app_token", kind: "secret", newer: true },
  { key: "app_token_file", kind: "str", newer: true },
  { key: "app_url", kind: "url", newer: true, def: SLACK_APP_URL },
  { key: "channel", kind: "str" },
  { key: "username", kind: "str", def: t("slack.default.username") },
  { key: "color", kind: "str", def: '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}' },
  { key: "title", kind: "str", def: t("slack.default.title") },
  { key: "title_link", kind: "str", def: t("slack.default.titlelink") },
  { key: "pretext", kind: "str", def: t("slack.default.pretext") },
  { key: "text", kind: "str", def: t("slack.default.text") },
  { key: "message_text", kind: "str", newer: true },
  {
    key: "fields",
    kind: {
      list: [
        { key: "title", kind: "str" },
        { key: "value", kind: "str" },
        { key: "short", kind: "boolPtr" },
      ],
    },
  },
  { key: "short_fields", kind: "bool", keep: true },
  { key: "footer", kind: "str", def: t("slack.default.footer") },
  { key: "fallback", kind: "str", def: t("slack.default.fallback") },
  { key: "callback_id", kind: "str", def: t("slack.default.callbackid") },
  { key: "icon_emoji", kind: "str", def: t("slack.default.iconemoji") },
  { key: "icon_url", kind: "str", def: t("slack.default.iconurl") },
  { key: "image_url", kind: "str" },
  { key: "thumb_url", kind: "str" },
  { key: "link_names", kind: "bool", keep: true },
  { key: "mrkdwn_in", kind: "strList" },
  {
    key: "actions",
    kind: {
      list: [
        { key: "type", kind: "str" },
        { key: "text", kind: "str" },
        { key: "url", kind: "str" },
        { key: "style", kind: "str" },
        { key: "name", kind: "str" },
        { key: "value", kind: "str" },
        {
          key: "confirm",
          kind: {
            sub: [
              { key: "text", kind: "str" },
              { key: "title", kind: "str" },
              { key: "ok_text", kind: "str" },
              { key: "dismiss_text", kind: "str" },
            ],
          },
        },
      ],
    },
  },
  { key: "update_message", kind: "bool", keep: true, newer: true },
  { key: "timeout", kind: "goDuration", keep: true, newer: true },
] as const satisfies readonly Field[];

/** Fields of `opsgenie_configs`. */
export const OPSGENIE_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "api_key", kind: "secret" },
  { key: "api_key_file", kind: "str" },
  { key: "api_url", kind: "url" },
  { key: "message", kind: "str", def: t("opsgenie.default.message") },
  { key: "description", kind: "str", def: t("opsgenie.default.description") },
  { key: "source", kind: "str", def: t("opsgenie.default.source") },
  { key: "details", kind: "strMap" },
  { key: "entity", kind: "str" },
  {
    key: "responders",
    kind: {
      list: [
        { key: "id", kind: "str" },
        { key: "name", kind: "str" },
        { key: "username", kind: "str" },
        { key: "type", kind: "str" },
      ],
    },
  },
  { key: "actions", kind: "str" },
  { key: "tags", kind: "str" },
  { key: "note", kind: "str" },
  { key: "priority", kind: "str" },
  { key: "update_alerts", kind: "bool" },
] as const satisfies readonly Field[];

/** Fields of `wechat_configs`. */
export const WECHAT_FIELDS = [
  SEND_RESOLVED_FALSE,
  HTTP,
  { key: "api_secret", kind: "secret" },
  { key: "api_secret_file", kind: "str", newer: true },
  { key: "corp_id", kind: "str" },
  { key: "message", kind: "str", def: t("wechat.default.message") },
  { key: "api_url", kind: "url" },
  { key: "to_user", kind: "str", def: t("wechat.default.to_user") },
  { key: "to_party", kind: "str", def: t("wechat.default.to_party") },
  { key: "to_tag", kind: "str", def: t("wechat.default.to_tag") },
  { key: "agent_id", kind: "str", def: t("wechat.default.agent_id") },
  { key: "message_type", kind: "str" },
] as const satisfies readonly Field[];

/** Fields of `victorops_configs`. */
export const VICTOROPS_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "api_key", kind: "secret" },
  { key: "api_key_file", kind: "str" },
  { key: "api_url", kind: "url", keep: true },
  { key: "routing_key", kind: "str", keep: true },
  { key: "message_type", kind: "str", def: "CRITICAL", keep: true },
  { key: "state_message", kind: "str", def: t("victorops.default.state_message"), keep: true },
  { key: "entity_display_name", kind: "str", def: t("victorops.default.entity_display_name"), keep: true },
  { key: "monitoring_tool", kind: "str", def: t("victorops.default.monitoring_tool"), keep: true },
  { key: "custom_fields", kind: "strMap" },
] as const satisfies readonly Field[];

/** Fields of `pushover_configs`. */
export const PUSHOVER_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "user_key", kind: "secret" },
  { key: "user_key_file", kind: "str", newer: true },
  { key: "token", kind: "secret" },
  { key: "token_file", kind: "str", newer: true },
  { key: "title", kind: "str", def: t("pushover.default.title") },
  { key: "message", kind: "str", def: t("pushover.default.message") },
  { key: "url", kind: "str", def: t("pushover.default.url") },
  { key: "url_title", kind: "str" },
  { key: "device", kind: "str", newer: true },
  { key: "sound", kind: "str" },
  { key: "priority", kind: "str", def: '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}' },
  { key: "retry", kind: "goDuration", def: 60_000 },
  { key: "expire", kind: "goDuration", def: 3_600_000 },
  { key: "ttl", kind: "goDuration", newer: true },
  { key: "html", kind: "bool", keep: true },
  { key: "monospace", kind: "bool", newer: true },
] as const satisfies readonly Field[];

/** Fields of `sns_configs`. */
export const SNS_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "api_url", kind: "str" },
  {
    key: "sigv4",
    keep: true,
    kind: {
      sub: [
        { key: "region", kind: "str" },
        { key: "access_key", kind: "str" },
        { key: "secret_key", kind: "secret" },
        { key: "profile", kind: "str" },
        { key: "role_arn", kind: "str" },
        { key: "external_id", kind: "str" },
        { key: "use_fips_sts_endpoint", kind: "bool" },
      ],
    },
  },
  { key: "topic_arn", kind: "str" },
  { key: "phone_number", kind: "str" },
  { key: "target_arn", kind: "str" },
  { key: "subject", kind: "str", def: t("sns.default.subject") },
  { key: "message", kind: "str", def: t("sns.default.message") },
  { key: "attributes", kind: "strMap" },
  { key: "use_aws_http_client", kind: "bool", newer: true },
] as const satisfies readonly Field[];

/** Fields of `telegram_configs`. */
export const TELEGRAM_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "api_url", kind: "url", keep: true },
  { key: "bot_token", kind: "secret" },
  { key: "bot_token_file", kind: "str", newer: true },
  { key: "chat_id", kind: "int" },
  { key: "message_thread_id", kind: "int", newer: true },
  { key: "message", kind: "str", def: t("telegram.default.message") },
  { key: "disable_notifications", kind: "bool" },
  { key: "parse_mode", kind: "str", def: "HTML" },
] as const satisfies readonly Field[];

/** Fields of `discord_configs`. */
export const DISCORD_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "webhook_url", kind: "secretURL" },
  { key: "webhook_url_file", kind: "str", newer: true },
  { key: "content", kind: "str", newer: true },
  { key: "title", kind: "str", def: t("discord.default.title") },
  { key: "message", kind: "str", def: t("discord.default.message") },
  { key: "username", kind: "str", newer: true },
  { key: "avatar_url", kind: "str", newer: true },
] as const satisfies readonly Field[];

/** Fields of `webex_configs`. */
export const WEBEX_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "api_url", kind: "url" },
  { key: "message", kind: "str", def: t("webex.default.message") },
  { key: "room_id", kind: "str", keep: true },
] as const satisfies readonly Field[];

/** Fields of `msteams_configs`. */
export const MSTEAMS_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "webhook_url", kind: "secretURL" },
  { key: "webhook_url_file", kind: "str" },
  { key: "title", kind: "str", def: t("msteams.default.title") },
  { key: "summary", kind: "str", def: t("msteams.default.summary") },
  { key: "text", kind: "str", def: t("msteams.default.text") },
] as const satisfies readonly Field[];

/** Fields of `msteamsv2_configs`. */
export const MSTEAMSV2_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "webhook_url", kind: "secretURL" },
  { key: "webhook_url_file", kind: "str" },
  { key: "title", kind: "str", def: t("msteamsv2.default.title") },
  { key: "text", kind: "str", def: t("msteamsv2.default.text") },
] as const satisfies readonly Field[];

/** Fields of `jira_configs`. */
export const JIRA_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "api_url", kind: "url" },
  { key: "project", kind: "str" },
  { key: "summary", kind: "str", def: t("jira.default.summary") },
  { key: "description", kind: "str", def: t("jira.default.description") },
  { key: "labels", kind: "strList" },
  { key: "priority", kind: "str", def: t("jira.default.priority") },
  { key: "issue_type", kind: "str" },
  { key: "reopen_transition", kind: "str" },
  { key: "resolve_transition", kind: "str" },
  { key: "wont_fix_resolution", kind: "str" },
  { key: "reopen_duration", kind: "modelDuration" },
  { key: "fields", kind: "anyMap" },
] as const satisfies readonly Field[];

/** Fields of `rocketchat_configs`. Attachment keys are go-yaml's lowercased Go field names, as upstream has no yaml tags there. */
export const ROCKETCHAT_FIELDS = [
  SEND_RESOLVED_FALSE,
  HTTP,
  { key: "api_url", kind: "url" },
  { key: "token_id", kind: "secretPtr" },
  { key: "token_id_file", kind: "str" },
  { key: "token", kind: "secretPtr" },
  { key: "token_file", kind: "str" },
  { key: "channel", kind: "str" },
  { key: "color", kind: "str", def: '{{ if eq .Status "firing" }}red{{ else }}green{{ end }}' },
  { key: "title", kind: "str", def: t("rocketchat.default.title") },
  { key: "title_link", kind: "str", def: t("rocketchat.default.titlelink") },
  { key: "text", kind: "str", def: t("rocketchat.default.text") },
  {
    key: "fields",
    kind: {
      list: [
        { key: "short", kind: "boolPtr" },
        { key: "title", kind: "str" },
        { key: "value", kind: "str" },
      ],
    },
  },
  { key: "short_fields", kind: "bool", keep: true },
  { key: "emoji", kind: "str", def: t("rocketchat.default.emoji") },
  { key: "icon_url", kind: "str", def: t("rocketchat.default.iconurl") },
  { key: "image_url", kind: "str" },
  { key: "thumb_url", kind: "str" },
  { key: "link_names", kind: "bool", keep: true },
  {
    key: "actions",
    kind: {
      list: [
        { key: "type", kind: "str" },
        { key: "text", kind: "str" },
        { key: "url", kind: "str" },
        { key: "imageurl", kind: "str" },
        { key: "iswebview", kind: "bool" },
        { key: "webviewheightratio", kind: "str" },
        { key: "msg", kind: "str" },
        { key: "msginchatwindow", kind: "bool" },
        { key: "msgprocessingtype", kind: "str" },
      ],
    },
  },
] as const satisfies readonly Field[];

const MATTERMOST_FIELD_FIELDS = [
  { key: "title", kind: "str" },
  { key: "value", kind: "str" },
  { key: "short", kind: "boolPtr" },
] as const satisfies readonly Field[];

/** Fields of `mattermost_configs`. */
export const MATTERMOST_FIELDS = [
  SEND_RESOLVED_TRUE,
  HTTP,
  { key: "webhook_url", kind: "secretURL" },
  { key: "webhook_url_file", kind: "str" },
  { key: "channel", kind: "str" },
  { key: "username", kind: "str", def: t("mattermost.default.username") },
  { key: "text", kind: "str", def: t("mattermost.default.text") },
  { key: "fallback", kind: "str", def: t("mattermost.default.fallback") },
  { key: "color", kind: "str", def: t("mattermost.default.color") },
  { key: "pretext", kind: "str" },
  { key: "author_name", kind: "str" },
  { key: "author_link", kind: "str" },
  { key: "author_icon", kind: "str" },
  { key: "title", kind: "str", def: t("mattermost.default.title") },
  { key: "title_link", kind: "str", def: t("mattermost.default.titlelink") },
  { key: "fields", kind: { list: MATTERMOST_FIELD_FIELDS } },
  { key: "thumb_url", kind: "str" },
  { key: "footer", kind: "str" },
  { key: "footer_icon", kind: "str" },
  { key: "image_url", kind: "str" },
  { key: "icon_url", kind: "str" },
  { key: "icon_emoji", kind: "str" },
  {
    key: "attachments",
    kind: {
      list: [
        { key: "fallback", kind: "str" },
        { key: "color", kind: "str" },
        { key: "pretext", kind: "str" },
        { key: "text", kind: "str" },
        { key: "author_name", kind: "str" },
        { key: "author_link", kind: "str" },
        { key: "author_icon", kind: "str" },
        { key: "title", kind: "str" },
        { key: "title_link", kind: "str" },
        { key: "fields", kind: { list: MATTERMOST_FIELD_FIELDS } },
        { key: "thumb_url", kind: "str" },
        { key: "footer", kind: "str" },
        { key: "footer_icon", kind: "str" },
        { key: "image_url", kind: "str" },
      ],
    },
  },
  { key: "type", kind: "str" },
  { key: "props", kind: { sub: [{ key: "card", kind: "str" }] } },
  {
    key: "priority",
    kind: {
      sub: [
        { key: "priority", kind: "str" },
        { key: "requested_ack", kind: "bool" },
        { key: "persistent_notifications", kind: "bool" },
      ],
    },
  },
] as const satisfies readonly Field[];

/** `webhook_configs` entry. */
export type WebhookConfig = StructOf<typeof WEBHOOK_FIELDS>;
/** `email_configs` entry. */
export type EmailConfig = StructOf<typeof EMAIL_FIELDS>;
/** `pagerduty_configs` entry. */
export type PagerdutyConfig = StructOf<typeof PAGERDUTY_FIELDS>;
/** `slack_configs` entry. */
export type SlackConfig = StructOf<typeof SLACK_FIELDS>;
/** `opsgenie_configs` entry. */
export type OpsGenieConfig = StructOf<typeof OPSGENIE_FIELDS>;
/** `wechat_configs` entry. */
export type WechatConfig = StructOf<typeof WECHAT_FIELDS>;
/** `victorops_configs` entry. */
export type VictorOpsConfig = StructOf<typeof VICTOROPS_FIELDS>;
/** `pushover_configs` entry. */
export type PushoverConfig = StructOf<typeof PUSHOVER_FIELDS>;
/** `sns_configs` entry. */
export type SNSConfig = StructOf<typeof SNS_FIELDS>;
/** `telegram_configs` entry. */
export type TelegramConfig = StructOf<typeof TELEGRAM_FIELDS>;
/** `discord_configs` entry. */
export type DiscordConfig = StructOf<typeof DISCORD_FIELDS>;
/** `webex_configs` entry. */
export type WebexConfig = StructOf<typeof WEBEX_FIELDS>;
/** `msteams_configs` entry. */
export type MSTeamsConfig = StructOf<typeof MSTEAMS_FIELDS>;
/** `msteamsv2_configs` entry. */
export type MSTeamsV2Config = StructOf<typeof MSTEAMSV2_FIELDS>;
/** `jira_configs` entry. */
export type JiraConfig = StructOf<typeof JIRA_FIELDS>;
/** `rocketchat_configs` entry. */
export type RocketchatConfig = StructOf<typeof ROCKETCHAT_FIELDS>;
/** `mattermost_configs` entry. */
export type MattermostConfig = StructOf<typeof MATTERMOST_FIELDS>;

const fail = (m: string): never => {
  throw new ConfigError(m);
};
const canonicalHeader = (h: string): string => h.toLowerCase().replace(/(^|-)([a-z])/g, (_, p: string, c: string) => p + c.toUpperCase());

/** Per-integration validation run right after decoding (upstream UnmarshalYAML). */
export const validators = {
  webhook(c: WebhookConfig): void {
    if (c.url === null && c.urlFile === "") fail("one of url or url_file must be configured");
    if (c.url !== null && c.urlFile !== "") fail("at most one of url & url_file must be configured");
  },
  email(c: EmailConfig): void {
    if (c.to === "") fail("missing to address in email config");
    if (c.headers !== null) {
      const norm = new Map<string, string>();
      for (const [h, v] of c.headers) {
        const n = canonicalHeader(h);
        if (norm.has(n)) fail(`duplicate header ${goQuote(n)} in email config`);
        norm.set(n, v);
      }
      c.headers = norm;
      if (c.threading !== null && c.threading.enabled) {
        if (norm.has("References")) fail("conflicting configuration: threading.enabled conflicts with custom References header");
        if (norm.has("In-Reply-To")) fail("conflicting configuration: threading.enabled conflicts with custom In-Reply-To header");
      }
    }
    if (c.threading !== null && c.threading.enabled && c.threading.threadByDate !== "none" && c.threading.threadByDate !== "daily") {
      fail("threading.thread_by_date must be either 'none' or 'daily'");
    }
  },
  pagerduty(c: PagerdutyConfig): void {
    if (c.routingKey === "" && c.serviceKey === "" && c.routingKeyFile === "" && c.serviceKeyFile === "") {
      fail("missing service or routing key in PagerDuty config");
    }
    if (c.routingKey !== "" && c.routingKeyFile !== "") fail("at most one of routing_key & routing_key_file must be configured");
    if (c.serviceKey !== "" && c.serviceKeyFile !== "") fail("at most one of service_key & service_key_file must be configured");
    const details = c.details ?? new Map<string, unknown>();
    for (const [k, v] of DEFAULT_PAGERDUTY_DETAILS) if (!details.has(k)) details.set(k, v);
    c.details = details;
    if (c.source === "") c.source = c.client;
  },
  slack(c: SlackConfig): void {
    for (const f of c.fields ?? []) {
      if (f.title === "") fail("missing title in Slack field configuration");
      if (f.value === "") fail("missing value in Slack field configuration");
    }
    for (const a of c.actions ?? []) {
      if (a.type === "") fail("missing type in Slack action configuration");
      if (a.text === "") fail("missing text in Slack action configuration");
      if (a.url !== "") {
        a.name = "";
        a.value = "";
        a.confirm = null;
      } else if (a.name === "") {
        fail("missing name or url in Slack action configuration");
      }
      if (a.confirm !== null && a.confirm.text === "") fail("missing text in Slack confirmation configuration");
    }
    if (c.apiUrl !== null && c.apiUrlFile !== "") fail("at most one of api_url & api_url_file must be configured");
    if (c.appToken !== "" && c.appTokenFile !== "") fail("at most one of app_token & app_token_file must be configured");
    if ((c.apiUrl !== null || c.apiUrlFile !== "") && (c.appToken !== "" || c.appTokenFile !== "")) {
      fail("at most one of api_url/api_url_file & app_token/app_token_file must be configured");
    }
    if (c.updateMessage && c.apiUrl !== "https://slack.com/api/chat.postMessage") {
      fail("update_message can only be used with bot tokens. api_url must be set to https://slack.com/api/chat.postMessage");
    }
  },
  opsgenie(c: OpsGenieConfig): void {
    if (c.apiKey !== "" && c.apiKeyFile !== "") fail("at most one of api_key & api_key_file must be configured");
    for (const r of c.responders ?? []) {
      const show = `{${r.id} ${r.name} ${r.username} ${r.type}}`;
      if (r.id === "" && r.username === "" && r.name === "") {
        fail(`opsGenieConfig responder ${show} has to have at least one of id, username or name specified`);
      }
      if (!r.type.includes("{{")) {
        r.type = r.type.toLowerCase();
        if (!/^(team|teams|user|escalation|schedule)$/.test(r.type)) {
          fail(`opsGenieConfig responder ${show} type does not match valid options ^(team|teams|user|escalation|schedule)$`);
        }
      }
    }
  },
  wechat(c: WechatConfig): void {
    if (c.messageType === "") c.messageType = "text";
    if (!/^(text|markdown)$/.test(c.messageType)) fail(`weChat message type ${goQuote(c.messageType)} does not match valid options ^(text|markdown)$`);
    if (c.apiSecret !== "" && c.apiSecretFile !== "") fail("at most one of api_secret & api_secret_file must be configured");
  },
  victorops(c: VictorOpsConfig): void {
    if (c.routingKey === "") fail("missing Routing key in VictorOps config");
    if (c.apiKey !== "" && c.apiKeyFile !== "") fail("at most one of api_key & api_key_file must be configured");
    for (const r of ["routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool", "entity_id", "entity_state"]) {
      if (c.customFields?.has(r) === true) {
        fail(`victorOps config contains custom field ${r} which cannot be used as it conflicts with the fixed/static fields`);
      }
    }
  },
  pushover(c: PushoverConfig): void {
    if (c.userKey === "" && c.userKeyFile === "") fail("one of user_key or user_key_file must be configured");
    if (c.userKey !== "" && c.userKeyFile !== "") fail("at most one of user_key & user_key_file must be configured");
    if (c.token === "" && c.tokenFile === "") fail("one of token or token_file must be configured");
    if (c.token !== "" && c.tokenFile !== "") fail("at most one of token & token_file must be configured");
    if (c.html && c.monospace) fail("at most one of monospace & html must be configured");
  },
  sns(c: SNSConfig): void {
    // NOTE: matches Alertmanager's check, (a != b) != c over "is empty", which
    // also accepts all three set.
    if ((c.targetArn === "") !== (c.topicArn === "") !== (c.phoneNumber === "")) {
      fail("must provide either a Target ARN, Topic ARN, or Phone Number for SNS config");
    }
  },
  telegram(c: TelegramConfig): void {
    if (c.botToken !== "" && c.botTokenFile !== "") fail("at most one of bot_token & bot_token_file must be configured");
    if (c.chatId === 0) fail("missing chat_id on telegram_config");
    if (c.parseMode !== "" && c.parseMode !== "Markdown" && c.parseMode !== "MarkdownV2" && c.parseMode !== "HTML") {
      fail("unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string");
    }
  },
  discord(c: DiscordConfig): void {
    if (c.webhookUrl === null && c.webhookUrlFile === "") fail("one of webhook_url or webhook_url_file must be configured");
    if (c.webhookUrl !== null && c.webhookUrlFile !== "") fail("at most one of webhook_url & webhook_url_file must be configured");
  },
  webex(c: WebexConfig): void {
    if (c.roomId === "") fail("missing room_id on webex_config");
    if (c.httpConfig === null || c.httpConfig.authorization === null) fail("missing webex_configs.http_config.authorization");
  },
  msteams(c: MSTeamsConfig): void {
    if (c.webhookUrl === null && c.webhookUrlFile === "") fail("one of webhook_url or webhook_url_file must be configured");
    if (c.webhookUrl !== null && c.webhookUrlFile !== "") fail("at most one of webhook_url & webhook_url_file must be configured");
  },
  msteamsv2(c: MSTeamsV2Config): void {
    if (c.webhookUrl === null && c.webhookUrlFile === "") fail("one of webhook_url or webhook_url_file must be configured");
    if (c.webhookUrl !== null && c.webhookUrlFile !== "") fail("at most one of webhook_url & webhook_url_file must be configured");
  },
  jira(c: JiraConfig): void {
    if (c.project === "") fail("missing project in jira_config");
    if (c.issueType === "") fail("missing issue_type in jira_config");
  },
  rocketchat(c: RocketchatConfig): void {
    if (c.token !== null && c.tokenFile !== "") fail("at most one of token & token_file must be configured");
    if (c.tokenId !== null && c.tokenIdFile !== "") fail("at most one of token_id & token_id_file must be configured");
  },
  mattermost(c: MattermostConfig): void {
    const check = (fs: ReadonlyArray<{ title: string; value: string }> | null): void => {
      for (const f of fs ?? []) {
        if (f.title === "") fail("missing title in Mattermost field configuration");
        if (f.value === "") fail("missing value in Mattermost field configuration");
      }
    };
    check(c.fields);
    for (const a of c.attachments ?? []) check(a.fields);
    if (c.webhookUrl !== null && c.webhookUrlFile !== "") fail("at most one of webhook_url & webhook_url_file must be configured");
  },
};
