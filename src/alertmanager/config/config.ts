/**
 * alertmanager.yml: typed configuration with upstream's defaults and
 * validation (config/config.go), decoded with go-yaml v2 strict semantics
 * (unknown fields are errors). Errors are ConfigError with upstream's text.
 */

import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, Decoder, decodeStringList, goQuote, httpClientSetDirectory, joinDir, newHTTPClientConfig, newTLSConfig } from "../../config/index.ts";
import type { HTTPClientConfig, YNode } from "../../config/index.ts";
import { Matcher, MatchType, RegexError, isLegacyLabelName, parseDuration } from "../../model/index.ts";
import { MatcherParseError, compareMatchers, parseMatchers } from "../matchers/index.ts";
import { decodeTimeInterval } from "../timeinterval/index.ts";
import type { TimeInterval } from "../timeinterval/index.ts";
import { camel, decodeStruct, defaults, toPlain } from "./fields.ts";
import type { Field, StructOf } from "./fields.ts";
import * as N from "./notifiers.ts";

/** Upstream's default global rocketchat_api_url. */
const ROCKETCHAT_API_URL = "https://open.rocket.chat/";

/** Fields of `global`, in upstream's order, with upstream's defaults. */
export const GLOBAL_FIELDS = [
  { key: "resolve_timeout", kind: "modelDuration", def: 300_000, keep: true },
  { key: "http_config", kind: "http" },
  { key: "jira_api_url", kind: "url", newer: true },
  { key: "smtp_from", kind: "str" },
  { key: "smtp_hello", kind: "str", def: "localhost" },
  { key: "smtp_smarthost", kind: "hostport" },
  { key: "smtp_auth_username", kind: "str" },
  { key: "smtp_auth_password", kind: "secret" },
  { key: "smtp_auth_password_file", kind: "str" },
  { key: "smtp_auth_secret", kind: "secret" },
  { key: "smtp_auth_secret_file", kind: "str", newer: true },
  { key: "smtp_auth_identity", kind: "str" },
  { key: "smtp_require_tls", kind: "bool", def: true, keep: true },
  { key: "smtp_tls_config", kind: "tls", newer: true },
  { key: "smtp_force_implicit_tls", kind: "boolPtr", newer: true },
  { key: "slack_api_url", kind: "secretURL" },
  { key: "slack_api_url_file", kind: "str" },
  { key: "slack_app_token", kind: "secret", newer: true },
  { key: "slack_app_token_file", kind: "str", newer: true },
  { key: "slack_app_url", kind: "url", newer: true, def: N.SLACK_APP_URL },
  { key: "pagerduty_url", kind: "url" },
  { key: "opsgenie_api_url", kind: "url" },
  { key: "opsgenie_api_key", kind: "secret" },
  { key: "opsgenie_api_key_file", kind: "str" },
  { key: "wechat_api_url", kind: "url" },
  { key: "wechat_api_secret", kind: "secret" },
  { key: "wechat_api_secret_file", kind: "str", newer: true },
  { key: "wechat_api_corp_id", kind: "str" },
  { key: "victorops_api_url", kind: "url" },
  { key: "victorops_api_key", kind: "secret" },
  { key: "victorops_api_key_file", kind: "str" },
  { key: "telegram_api_url", kind: "url" },
  { key: "telegram_bot_token", kind: "secret", newer: true },
  { key: "telegram_bot_token_file", kind: "str", newer: true },
  { key: "webex_api_url", kind: "url" },
  { key: "rocketchat_api_url", kind: "url", newer: true, def: ROCKETCHAT_API_URL },
  { key: "rocketchat_token", kind: "secretPtr", newer: true },
  { key: "rocketchat_token_file", kind: "str", newer: true },
  { key: "rocketchat_token_id", kind: "secretPtr", newer: true },
  { key: "rocketchat_token_id_file", kind: "str", newer: true },
  { key: "mattermost_webhook_url", kind: "secretURL", newer: true },
  { key: "mattermost_webhook_url_file", kind: "str", newer: true },
] as const satisfies readonly Field[];

/** `global`: defaults for every receiver. */
export type GlobalConfig = StructOf<typeof GLOBAL_FIELDS>;

/** Upstream DefaultGlobalConfig(). */
export function defaultGlobalConfig(): GlobalConfig {
  const g = defaults(GLOBAL_FIELDS);
  g.httpConfig = newHTTPClientConfig();
  g.smtpTlsConfig = newTLSConfig();
  g.pagerdutyUrl = "https://events.pagerduty.com/v2/enqueue";
  g.opsgenieApiUrl = "https://api.opsgenie.com/";
  g.wechatApiUrl = "https://qyapi.weixin.qq.com/cgi-bin/";
  g.victoropsApiUrl = "https://alert.victorops.com/integrations/generic/20131114/alert/";
  g.telegramApiUrl = "https://api.telegram.org";
  g.webexApiUrl = "https://webexapis.com/v1/messages";
  g.rocketchatApiUrl = ROCKETCHAT_API_URL;
  g.slackAppUrl = N.SLACK_APP_URL;
  return g;
}

/** One node of the routing tree as written (dispatch/route.ts builds the runtime tree). */
export interface RouteConfig {
  receiver: string;
  /** group_by as written, or null when absent (inherited). */
  groupByStr: string[] | null;
  /** group_by without `...`; null when absent. */
  groupBy: string[] | null;
  /** group_by contains `...`: group by all labels. */
  groupByAll: boolean;
  /** Deprecated `match`, in document order. */
  match: Map<string, string> | null;
  /** Deprecated `match_re`: label name to the pattern as written. */
  matchRE: Map<string, string> | null;
  /** `matchers`, sorted as upstream sorts them. */
  matchers: Matcher[];
  muteTimeIntervals: string[];
  activeTimeIntervals: string[];
  continue: boolean;
  routes: RouteConfig[];
  /** Durations in ms; null when inherited. */
  groupWaitMs: number | null;
  groupIntervalMs: number | null;
  repeatIntervalMs: number | null;
}

/** An inhibition rule as written. */
export interface InhibitRuleConfig {
  name: string;
  sourceMatch: Map<string, string> | null;
  sourceMatchRE: Map<string, string> | null;
  sourceMatchers: Matcher[];
  targetMatch: Map<string, string> | null;
  targetMatchRE: Map<string, string> | null;
  targetMatchers: Matcher[];
  equal: string[];
}

/** A receiver: a name and its integrations, each list in upstream's order. */
export interface ReceiverConfig {
  name: string;
  discordConfigs: N.DiscordConfig[];
  emailConfigs: N.EmailConfig[];
  pagerdutyConfigs: N.PagerdutyConfig[];
  slackConfigs: N.SlackConfig[];
  webhookConfigs: N.WebhookConfig[];
  opsgenieConfigs: N.OpsGenieConfig[];
  wechatConfigs: N.WechatConfig[];
  pushoverConfigs: N.PushoverConfig[];
  victoropsConfigs: N.VictorOpsConfig[];
  snsConfigs: N.SNSConfig[];
  telegramConfigs: N.TelegramConfig[];
  webexConfigs: N.WebexConfig[];
  msteamsConfigs: N.MSTeamsConfig[];
  msteamsv2Configs: N.MSTeamsV2Config[];
  jiraConfigs: N.JiraConfig[];
  rocketchatConfigs: N.RocketchatConfig[];
  mattermostConfigs: N.MattermostConfig[];
}

/** A named list of time intervals (`time_intervals` or `mute_time_intervals`). */
export interface NamedTimeInterval {
  name: string;
  timeIntervals: TimeInterval[];
}

/** The whole alertmanager.yml. */
export interface AlertmanagerConfig {
  global: GlobalConfig;
  route: RouteConfig;
  inhibitRules: InhibitRuleConfig[];
  receivers: ReceiverConfig[];
  templates: string[];
  muteTimeIntervals: NamedTimeInterval[];
  timeIntervals: NamedTimeInterval[];
  /** `tracing` kept as plain values (not interpreted yet); null when absent. */
  tracing: unknown;
  /** The text the config was loaded from. */
  original: string;
}

/** The integration lists of a receiver: YAML key, config key, spec, validator, message for a null entry. */
interface IntegrationDef {
  readonly yamlKey: string;
  readonly key: keyof Omit<ReceiverConfig, "name">;
  readonly fields: readonly Field[];
  readonly validate: (c: never) => void;
  readonly nullMsg: string | null;
}

const INTEGRATIONS: readonly IntegrationDef[] = [
  { yamlKey: "discord_configs", key: "discordConfigs", fields: N.DISCORD_FIELDS, validate: N.validators.discord, nullMsg: "missing discord config" },
  { yamlKey: "email_configs", key: "emailConfigs", fields: N.EMAIL_FIELDS, validate: N.validators.email, nullMsg: "missing email config" },
  { yamlKey: "pagerduty_configs", key: "pagerdutyConfigs", fields: N.PAGERDUTY_FIELDS, validate: N.validators.pagerduty, nullMsg: "missing pagerduty config" },
  { yamlKey: "slack_configs", key: "slackConfigs", fields: N.SLACK_FIELDS, validate: N.validators.slack, nullMsg: null },
  { yamlKey: "webhook_configs", key: "webhookConfigs", fields: N.WEBHOOK_FIELDS, validate: N.validators.webhook, nullMsg: "missing webhook config" },
  { yamlKey: "opsgenie_configs", key: "opsgenieConfigs", fields: N.OPSGENIE_FIELDS, validate: N.validators.opsgenie, nullMsg: null },
  { yamlKey: "wechat_configs", key: "wechatConfigs", fields: N.WECHAT_FIELDS, validate: N.validators.wechat, nullMsg: null },
  { yamlKey: "pushover_configs", key: "pushoverConfigs", fields: N.PUSHOVER_FIELDS, validate: N.validators.pushover, nullMsg: "missing pushover config" },
  { yamlKey: "victorops_configs", key: "victoropsConfigs", fields: N.VICTOROPS_FIELDS, validate: N.validators.victorops, nullMsg: "missing victorops config" },
  { yamlKey: "sns_configs", key: "snsConfigs", fields: N.SNS_FIELDS, validate: N.validators.sns, nullMsg: "missing sns config" },
  { yamlKey: "telegram_configs", key: "telegramConfigs", fields: N.TELEGRAM_FIELDS, validate: N.validators.telegram, nullMsg: "missing telegram config" },
  { yamlKey: "webex_configs", key: "webexConfigs", fields: N.WEBEX_FIELDS, validate: N.validators.webex, nullMsg: "missing webex config" },
  { yamlKey: "msteams_configs", key: "msteamsConfigs", fields: N.MSTEAMS_FIELDS, validate: N.validators.msteams, nullMsg: "missing msteams config" },
  { yamlKey: "msteamsv2_configs", key: "msteamsv2Configs", fields: N.MSTEAMSV2_FIELDS, validate: N.validators.msteamsv2, nullMsg: "missing msteamsv2 config" },
  { yamlKey: "jira_configs", key: "jiraConfigs", fields: N.JIRA_FIELDS, validate: N.validators.jira, nullMsg: "missing jira config" },
  { yamlKey: "rocketchat_configs", key: "rocketchatConfigs", fields: N.ROCKETCHAT_FIELDS, validate: N.validators.rocketchat, nullMsg: null },
  { yamlKey: "mattermost_configs", key: "mattermostConfigs", fields: N.MATTERMOST_FIELDS, validate: N.validators.mattermost, nullMsg: "missing mattermost config" },
];

/** The integration table, for printing and for the notify layer. */
export const RECEIVER_INTEGRATIONS: ReadonlyArray<Readonly<Pick<IntegrationDef, "yamlKey" | "key" | "fields">>> = INTEGRATIONS;

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function fail(m: string): never {
  throw new ConfigError(m);
}

/** Runs f, turning matcher and regex errors into ConfigError. */
function asConfigError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof MatcherParseError || e instanceof RegexError) throw new ConfigError(e.message);
    throw e;
  }
}

function decodeStrMap(d: Decoder, v: YNode): Map<string, string> | null {
  const es = d.entries(v, "map[string]string");
  return es === null ? null : new Map(es.map(([k, , x]) => [k, d.str(x) ?? ""]));
}

/** `match_re`: names checked, null values rejected, patterns compiled like Go's `^(?:re)$`. */
function decodeMatchRE(d: Decoder, v: YNode): Map<string, string> | null {
  const es = d.entries(v, "config.MatchRegexps");
  if (es === null) return null;
  const m = new Map<string, string>();
  const nulls = new Set<string>();
  for (const [k, , x] of es) {
    const s = d.str(x, "config.Regexp");
    if (s === null) nulls.add(k);
    else asConfigError(() => new Matcher(MatchType.Regexp, k, s));
    m.set(k, s ?? "");
  }
  for (const k of m.keys()) {
    if (!LABEL_NAME_RE.test(k)) fail(`invalid label name ${goQuote(k)}`);
    if (nulls.has(k)) fail(`invalid regexp value for ${goQuote(k)}`);
  }
  return m;
}

/** `matchers`: a list of matcher lists in the classic syntax, flattened and sorted. */
function decodeMatcherLines(d: Decoder, v: YNode): Matcher[] {
  const lines = decodeStringList(d, v) ?? [];
  const out: Matcher[] = [];
  for (const line of lines) out.push(...asConfigError(() => parseMatchers(line)));
  return out.sort(compareMatchers);
}

function modelDuration(d: Decoder, v: YNode): number | null {
  const s = d.str(v, "model.Duration");
  if (s === null) return null;
  try {
    return parseDuration(s);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

function decodeRoute(d: Decoder, n: YNode): RouteConfig {
  const r: RouteConfig = {
    receiver: "",
    groupByStr: null,
    groupBy: null,
    groupByAll: false,
    match: null,
    matchRE: null,
    matchers: [],
    muteTimeIntervals: [],
    activeTimeIntervals: [],
    continue: false,
    routes: [],
    groupWaitMs: null,
    groupIntervalMs: null,
    repeatIntervalMs: null,
  };
  return d.checked(
    () => {
      d.struct(n, "config.plain", {
        receiver: (v) => (r.receiver = d.str(v) ?? ""),
        group_by: (v) => (r.groupByStr = decodeStringList(d, v)),
        match: (v) => (r.match = decodeStrMap(d, v)),
        match_re: (v) => (r.matchRE = decodeMatchRE(d, v)),
        matchers: (v) => (r.matchers = decodeMatcherLines(d, v)),
        mute_time_intervals: (v) => (r.muteTimeIntervals = decodeStringList(d, v) ?? []),
        active_time_intervals: (v) => (r.activeTimeIntervals = decodeStringList(d, v) ?? []),
        continue: (v) => (r.continue = d.bool(v) ?? false),
        routes: (v) => (r.routes = d.list(v, "[]*config.Route", (e) => decodeRoute(d, e)) ?? []),
        group_wait: (v) => (r.groupWaitMs = modelDuration(d, v)),
        group_interval: (v) => (r.groupIntervalMs = modelDuration(d, v)),
        repeat_interval: (v) => (r.repeatIntervalMs = modelDuration(d, v)),
      });
      return r;
    },
    (r) => {
      for (const k of r.match?.keys() ?? []) if (!LABEL_NAME_RE.test(k)) fail(`invalid label name ${goQuote(k)}`);
      if (r.groupByStr !== null) {
        const by: string[] = [];
        for (const l of r.groupByStr) {
          if (l === "...") r.groupByAll = true;
          else {
            if (!isLegacyLabelName(l)) fail(`invalid label name ${goQuote(l)} in group_by list`);
            by.push(l);
          }
        }
        // NOTE: matches Alertmanager: `group_by: ['...']` leaves GroupBy nil (so
        // the route inherits nothing but sets GroupByAll); `group_by: []` overrides with none.
        r.groupBy = by.length > 0 || r.groupByStr.length === 0 ? by : null;
        if (by.length > 0 && r.groupByAll) fail("cannot have wildcard group_by (`...`) and other labels at the same time");
        const seen = new Set<string>();
        for (const l of by) {
          if (seen.has(l)) fail(`duplicated label ${goQuote(l)} in group_by`);
          seen.add(l);
        }
      }
      if (r.groupIntervalMs === 0) fail("group_interval cannot be zero");
      if (r.repeatIntervalMs === 0) fail("repeat_interval cannot be zero");
    },
  );
}

function decodeInhibitRule(d: Decoder, n: YNode): InhibitRuleConfig {
  const r: InhibitRuleConfig = {
    name: "",
    sourceMatch: null,
    sourceMatchRE: null,
    sourceMatchers: [],
    targetMatch: null,
    targetMatchRE: null,
    targetMatchers: [],
    equal: [],
  };
  return d.checked(
    () => {
      d.struct(n, "config.plain", {
        name: (v) => (r.name = d.str(v) ?? ""),
        source_match: (v) => (r.sourceMatch = decodeStrMap(d, v)),
        source_match_re: (v) => (r.sourceMatchRE = decodeMatchRE(d, v)),
        source_matchers: (v) => (r.sourceMatchers = decodeMatcherLines(d, v)),
        target_match: (v) => (r.targetMatch = decodeStrMap(d, v)),
        target_match_re: (v) => (r.targetMatchRE = decodeMatchRE(d, v)),
        target_matchers: (v) => (r.targetMatchers = decodeMatcherLines(d, v)),
        equal: (v) => (r.equal = decodeStringList(d, v) ?? []),
      });
      return r;
    },
    (r) => {
      for (const k of r.sourceMatch?.keys() ?? []) if (!LABEL_NAME_RE.test(k)) fail(`invalid label name ${goQuote(k)}`);
      for (const k of r.targetMatch?.keys() ?? []) if (!LABEL_NAME_RE.test(k)) fail(`invalid label name ${goQuote(k)}`);
      for (const l of r.equal) if (!isLegacyLabelName(l)) fail(`invalid label name ${goQuote(l)} in equal list`);
    },
  );
}

function decodeReceiver(d: Decoder, n: YNode): ReceiverConfig {
  const r = { name: "" } as ReceiverConfig;
  for (const i of INTEGRATIONS) (r[i.key] as unknown[]) = [];
  const handlers: Record<string, (v: YNode) => void> = { name: (v) => (r.name = d.str(v) ?? "") };
  for (const i of INTEGRATIONS) {
    handlers[i.yamlKey] = (v) => {
      const list =
        d.list(v, "[]*config.plain", (e) => {
          if (d.isNull(e)) {
            if (i.nullMsg !== null) fail(i.nullMsg);
            // NOTE: matches Alertmanager, which checks a null Slack, OpsGenie,
            // WeChat or Rocket.Chat entry as an empty struct (no defaults).
            return Object.fromEntries(i.fields.map((f) => [camel(f.key), emptyValue(f)]));
          }
          return d.checked(
            () => decodeStruct(d, e, i.fields),
            (c) => (i.validate as (c: unknown) => void)(c),
          );
        }) ?? [];
      (r[i.key] as unknown[]) = list;
    };
  }
  return d.checked(
    () => {
      d.struct(n, "config.plain", handlers);
      return r;
    },
    (r) => {
      if (r.name === "") fail("missing name in receiver");
    },
  );
}

function emptyValue(f: Field): unknown {
  switch (f.kind) {
    case "str":
    case "secret":
    case "hostport":
      return "";
    case "bool":
      return false;
    case "int":
    case "goDuration":
    case "modelDuration":
      return 0;
    default:
      return null;
  }
}

function decodeNamedIntervals(d: Decoder, n: YNode, missing: string): NamedTimeInterval[] {
  return (
    d.list(n, "[]config.TimeInterval", (e) => {
      const ti: NamedTimeInterval = { name: "", timeIntervals: [] };
      return d.checked(
        () => {
          d.struct(e, "config.plain", {
            name: (v) => (ti.name = d.str(v) ?? ""),
            time_intervals: (v) => (ti.timeIntervals = d.list(v, "[]timeinterval.TimeInterval", (x) => decodeTimeInterval(d, x)) ?? []),
          });
          return ti;
        },
        (ti) => {
          if (ti.name === "") fail(missing);
        },
      );
    }) ?? []
  );
}

function or<T>(a: T, b: T, zero: T): T {
  return a === zero ? b : a;
}

/** The cross-checks and inheritance from `global` (upstream Config.UnmarshalYAML). */
function validate(c: AlertmanagerConfig, route: RouteConfig | null): void {
  const g = c.global;
  if (g.slackAppToken !== "" && g.slackAppTokenFile !== "") fail("at most one of slack_app_token & slack_app_token_file must be configured");
  if (g.slackApiUrl !== null && g.slackApiUrlFile !== "") fail("at most one of slack_api_url & slack_api_url_file must be configured");
  if ((g.slackAppToken !== "" || g.slackAppTokenFile !== "") && (g.slackApiUrl !== null || g.slackApiUrlFile !== "")) {
    // NOTE: matches Alertmanager, which still accepts the older workaround of
    // slack_api_url set to the chat.postMessage endpoint next to a token.
    if (g.slackApiUrl !== g.slackAppUrl) fail("at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file must be configured");
  }
  if (g.opsgenieApiKey !== "" && g.opsgenieApiKeyFile !== "") fail("at most one of opsgenie_api_key & opsgenie_api_key_file must be configured");
  if (g.victoropsApiKey !== "" && g.victoropsApiKeyFile !== "") fail("at most one of victorops_api_key & victorops_api_key_file must be configured");
  if (g.telegramBotToken !== "" && g.telegramBotTokenFile !== "") fail("at most one of telegram_bot_token & telegram_bot_token_file must be configured");
  if (g.smtpAuthPassword !== "" && g.smtpAuthPasswordFile !== "") fail("at most one of smtp_auth_password & smtp_auth_password_file must be configured");
  if (g.rocketchatToken !== null && g.rocketchatTokenFile !== "") fail("at most one of rocketchat_token & rocketchat_token_file must be configured");
  if (g.rocketchatTokenId !== null && g.rocketchatTokenIdFile !== "") fail("at most one of rocketchat_token_id & rocketchat_token_id_file must be configured");
  if (g.smtpAuthSecret !== "" && g.smtpAuthSecretFile !== "") fail("at most one of smtp_auth_secret & smtp_auth_secret_file must be configured");
  if (g.wechatApiSecret !== "" && g.wechatApiSecretFile !== "") fail("at most one of wechat_api_secret & wechat_api_secret_file must be configured");
  if (g.mattermostWebhookUrl !== null && g.mattermostWebhookUrlFile !== "") {
    fail("at most one of mattermost_webhook_url & mattermost_webhook_url_file must be configured");
  }

  const names = new Set<string>();
  const http = (h: HTTPClientConfig | null): HTTPClientConfig | null => h ?? g.httpConfig;
  for (const rcv of c.receivers) {
    if (names.has(rcv.name)) fail(`notification config name ${goQuote(rcv.name)} is not unique`);
    for (const w of rcv.webhookConfigs) w.httpConfig = http(w.httpConfig);
    for (const e of rcv.emailConfigs) {
      e.tlsConfig = e.tlsConfig ?? g.smtpTlsConfig;
      e.smarthost = or(e.smarthost, g.smtpSmarthost, "");
      if (e.smarthost === "") fail("no global SMTP smarthost set");
      e.from = or(e.from, g.smtpFrom, "");
      if (e.from === "") fail("no global SMTP from set");
      e.hello = or(e.hello, g.smtpHello, "");
      e.authUsername = or(e.authUsername, g.smtpAuthUsername, "");
      if (e.authPassword === "" && e.authPasswordFile === "") {
        e.authPassword = g.smtpAuthPassword;
        e.authPasswordFile = g.smtpAuthPasswordFile;
      }
      e.authSecret = or(e.authSecret, g.smtpAuthSecret, "");
      e.authSecretFile = or(e.authSecretFile, g.smtpAuthSecretFile, "");
      e.authIdentity = or(e.authIdentity, g.smtpAuthIdentity, "");
      e.requireTls = e.requireTls ?? g.smtpRequireTls;
      e.forceImplicitTls = e.forceImplicitTls ?? g.smtpForceImplicitTls;
    }
    for (const s of rcv.slackConfigs) {
      s.appUrl = s.appUrl ?? g.slackAppUrl;
      if (s.appUrl === null) fail("no global Slack App URL set");
      // The global app token applies only without a local authorization or webhook URL.
      if (s.appToken === "" && s.appTokenFile === "" && (s.httpConfig === null || s.httpConfig.authorization === null) && s.apiUrl === null) {
        s.appToken = g.slackAppToken;
        s.appTokenFile = g.slackAppTokenFile;
      }
      if (s.apiUrl === null && s.apiUrlFile === "") {
        s.apiUrl = g.slackApiUrl;
        s.apiUrlFile = g.slackApiUrlFile;
      }
      if (s.apiUrl === null && s.apiUrlFile === "" && s.appToken === "" && s.appTokenFile === "") {
        fail("no Slack API URL nor App token set either inline or in a file");
      }
      // A copy, so that setting the token does not change the global client config.
      if (s.httpConfig === null) s.httpConfig = structuredClone(g.httpConfig);
      if (s.appToken !== "" || s.appTokenFile !== "") {
        if (s.httpConfig!.authorization !== null) fail("http authorization can't be set when using Slack App tokens");
        s.httpConfig!.authorization = { type: "Bearer", credentials: s.appToken, credentialsFile: s.appTokenFile, credentialsRef: "" };
        s.apiUrl = s.appUrl;
      }
    }
    for (const p of rcv.pushoverConfigs) p.httpConfig = http(p.httpConfig);
    for (const p of rcv.pagerdutyConfigs) {
      p.httpConfig = http(p.httpConfig);
      p.url = p.url ?? g.pagerdutyUrl;
      if (p.url === null) fail("no global PagerDuty URL set");
    }
    for (const o of rcv.opsgenieConfigs) {
      o.httpConfig = http(o.httpConfig);
      o.apiUrl = o.apiUrl ?? g.opsgenieApiUrl;
      if (o.apiUrl === null) fail("no global OpsGenie URL set");
      if (!o.apiUrl.endsWith("/")) o.apiUrl += "/";
      o.apiKey = or(o.apiKey, g.opsgenieApiKey, "");
      o.apiKeyFile = or(o.apiKeyFile, g.opsgenieApiKeyFile, "");
      if (o.apiKey === "" && o.apiKeyFile === "") fail("no global OpsGenie API Key set either inline or in a file");
    }
    for (const w of rcv.wechatConfigs) {
      w.httpConfig = http(w.httpConfig);
      w.apiUrl = w.apiUrl ?? g.wechatApiUrl;
      if (w.apiUrl === null) fail("no global Wechat URL set");
      if (w.apiSecret === "" && w.apiSecretFile === "") {
        if (g.wechatApiSecret === "" && g.wechatApiSecretFile === "") fail("no global Wechat Api Secret set either inline or in a file");
        w.apiSecret = g.wechatApiSecret;
        w.apiSecretFile = g.wechatApiSecretFile;
      }
      w.corpId = or(w.corpId, g.wechatApiCorpId, "");
      if (w.corpId === "") fail("no global Wechat CorpID set");
      if (!w.apiUrl.endsWith("/")) w.apiUrl += "/";
    }
    for (const v of rcv.victoropsConfigs) {
      v.httpConfig = http(v.httpConfig);
      v.apiUrl = v.apiUrl ?? g.victoropsApiUrl;
      if (v.apiUrl === null) fail("no global VictorOps URL set");
      if (!v.apiUrl.endsWith("/")) v.apiUrl += "/";
      v.apiKey = or(v.apiKey, g.victoropsApiKey, "");
      v.apiKeyFile = or(v.apiKeyFile, g.victoropsApiKeyFile, "");
      if (v.apiKey === "" && v.apiKeyFile === "") fail("no global VictorOps API Key set");
    }
    for (const s of rcv.snsConfigs) s.httpConfig = http(s.httpConfig);
    for (const tg of rcv.telegramConfigs) {
      tg.httpConfig = http(tg.httpConfig);
      tg.apiUrl = tg.apiUrl ?? g.telegramApiUrl;
      if (tg.botToken === "" && tg.botTokenFile === "") {
        if (g.telegramBotToken === "" && g.telegramBotTokenFile === "") fail("missing bot_token or bot_token_file on telegram_config");
        tg.botToken = g.telegramBotToken;
        tg.botTokenFile = g.telegramBotTokenFile;
      }
    }
    for (const x of rcv.discordConfigs) x.httpConfig = http(x.httpConfig);
    for (const x of rcv.webexConfigs) {
      x.httpConfig = http(x.httpConfig);
      x.apiUrl = x.apiUrl ?? g.webexApiUrl;
      if (x.apiUrl === null) fail("no global Webex URL set");
    }
    for (const x of rcv.msteamsConfigs) x.httpConfig = http(x.httpConfig);
    for (const x of rcv.msteamsv2Configs) x.httpConfig = http(x.httpConfig);
    for (const x of rcv.jiraConfigs) {
      x.httpConfig = http(x.httpConfig);
      x.apiUrl = x.apiUrl ?? g.jiraApiUrl;
      if (x.apiUrl === null) fail("no global Jira Cloud URL set");
    }
    for (const x of rcv.rocketchatConfigs) {
      x.httpConfig = http(x.httpConfig);
      x.apiUrl = x.apiUrl ?? g.rocketchatApiUrl;
      x.tokenId = x.tokenId ?? g.rocketchatTokenId;
      x.tokenIdFile = or(x.tokenIdFile, g.rocketchatTokenIdFile, "");
      if (x.tokenId === null && x.tokenIdFile === "") fail("no global Rocketchat TokenID set either inline or in a file");
      x.token = x.token ?? g.rocketchatToken;
      x.tokenFile = or(x.tokenFile, g.rocketchatTokenFile, "");
      if (x.token === null && x.tokenFile === "") fail("no global Rocketchat Token set either inline or in a file");
    }
    for (const x of rcv.mattermostConfigs) {
      x.httpConfig = http(x.httpConfig);
      if (x.webhookUrl === null && x.webhookUrlFile === "") {
        if (g.mattermostWebhookUrl === null && g.mattermostWebhookUrlFile === "") fail("missing webhook_url or webhook_url_file on mattermost_config");
        x.webhookUrl = g.mattermostWebhookUrl;
        x.webhookUrlFile = g.mattermostWebhookUrlFile;
      }
    }
    names.add(rcv.name);
  }

  if (route === null) fail("no routes provided");
  if (route.receiver === "") fail("root route must specify a default receiver");
  if ((route.match?.size ?? 0) > 0 || (route.matchRE?.size ?? 0) > 0 || route.matchers.length > 0) fail("root route must not have any matchers");
  if (route.muteTimeIntervals.length > 0) fail("root route must not have any mute time intervals");
  if (route.activeTimeIntervals.length > 0) fail("root route must not have any active time intervals");
  checkReceiver(route, names);
  const tiNames = new Set<string>();
  for (const mt of c.muteTimeIntervals) {
    if (tiNames.has(mt.name)) fail(`mute time interval ${goQuote(mt.name)} is not unique`);
    tiNames.add(mt.name);
  }
  for (const ti of c.timeIntervals) {
    if (tiNames.has(ti.name)) fail(`time interval ${goQuote(ti.name)} is not unique`);
    tiNames.add(ti.name);
  }
  checkTimeIntervals(route, tiNames);
}

function checkReceiver(r: RouteConfig, names: ReadonlySet<string>): void {
  for (const sr of r.routes) checkReceiver(sr, names);
  if (r.receiver !== "" && !names.has(r.receiver)) fail(`undefined receiver ${goQuote(r.receiver)} used in route`);
}

function checkTimeIntervals(r: RouteConfig, names: ReadonlySet<string>): void {
  for (const sr of r.routes) checkTimeIntervals(sr, names);
  for (const n of [...r.activeTimeIntervals, ...r.muteTimeIntervals]) {
    if (!names.has(n)) fail(`undefined time interval ${goQuote(n)} used in route`);
  }
}

/**
 * Parses and validates alertmanager.yml text (upstream config.Load).
 * Throws ConfigError: `yaml: unmarshal errors:\n  line N: ...` for type
 * errors and unknown fields, or upstream's validation message.
 */
export function loadConfig(text: string): AlertmanagerConfig {
  const { d, root } = Decoder.parse(text);
  const c: AlertmanagerConfig = {
    global: defaultGlobalConfig(),
    route: null as unknown as RouteConfig,
    inhibitRules: [],
    receivers: [],
    templates: [],
    muteTimeIntervals: [],
    timeIntervals: [],
    tracing: null,
    original: text,
  };
  let route: RouteConfig | null = null;
  let decoded = false;
  d.checked(
    () => {
      decoded = d.struct(root, "config.plain", {
        global: (v) => {
          c.global = d.isNull(v)
            ? defaultGlobalConfig()
            : (() => {
                const g = decodeStruct(d, v, GLOBAL_FIELDS);
                const def = defaultGlobalConfig();
                // Pointer fields keep their defaults when the key is absent.
                for (const k of ["httpConfig", "smtpTlsConfig", "pagerdutyUrl", "opsgenieApiUrl", "wechatApiUrl", "victoropsApiUrl", "telegramApiUrl", "webexApiUrl", "rocketchatApiUrl", "slackAppUrl"] as const) {
                  if (g[k] === null) (g as Record<string, unknown>)[k] = def[k];
                }
                return g;
              })();
        },
        route: (v) => (route = d.isNull(v) ? null : decodeRoute(d, v)),
        inhibit_rules: (v) => (c.inhibitRules = d.list(v, "[]config.InhibitRule", (e) => decodeInhibitRule(d, e)) ?? []),
        receivers: (v) => (c.receivers = d.list(v, "[]config.Receiver", (e) => decodeReceiver(d, e)) ?? []),
        templates: (v) => (c.templates = decodeStringList(d, v) ?? []),
        mute_time_intervals: (v) => (c.muteTimeIntervals = decodeNamedIntervals(d, v, "missing name in mute time interval")),
        time_intervals: (v) => (c.timeIntervals = decodeNamedIntervals(d, v, "missing name in time interval")),
        tracing: (v) => (c.tracing = toPlain(d, v)),
      });
      return c;
    },
    (c) => {
      // NOTE: matches go-yaml, which does not call UnmarshalYAML for an empty document.
      if (decoded) validate(c, route);
    },
  );
  if (d.errors.length > 0) throw new ConfigError(`yaml: unmarshal errors:\n  ${d.errors.join("\n  ")}`);
  if (route === null) fail("no route provided in config");
  c.route = route;
  if (c.route.continue) fail("cannot have continue in root route");
  return c;
}

/**
 * Reads and loads an alertmanager.yml file and resolves relative paths
 * (templates, credential and certificate files) against its directory.
 * Throws ConfigError, or the fs error when unreadable.
 */
export function loadConfigFile(path: string): AlertmanagerConfig {
  const c = loadConfig(readFileSync(path, "utf8"));
  resolveFilepaths(dirname(path), c);
  return c;
}

/** Makes relative paths of templates and HTTP client configs relative to `dir`. */
export function resolveFilepaths(dir: string, c: AlertmanagerConfig): void {
  c.templates = c.templates.map((t) => joinDir(dir, t));
  const done = new Set<HTTPClientConfig>();
  const fix = (h: HTTPClientConfig | null): void => {
    if (h === null || done.has(h)) return;
    done.add(h);
    httpClientSetDirectory(h, dir);
  };
  fix(c.global.httpConfig);
  for (const r of c.receivers) {
    for (const i of INTEGRATIONS) {
      for (const x of r[i.key] as ReadonlyArray<{ httpConfig?: HTTPClientConfig | null }>) fix(x.httpConfig ?? null);
    }
  }
}

