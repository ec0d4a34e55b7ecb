export { loadConfig, loadConfigFile, resolveFilepaths, defaultGlobalConfig, GLOBAL_FIELDS, RECEIVER_INTEGRATIONS } from "./config.ts";
export type { AlertmanagerConfig, GlobalConfig, RouteConfig, InhibitRuleConfig, ReceiverConfig, NamedTimeInterval } from "./config.ts";
export { configToYAML } from "./render.ts";
export { DEFAULT_PAGERDUTY_DETAILS } from "./notifiers.ts";
export type {
  WebhookConfig,
  EmailConfig,
  PagerdutyConfig,
  SlackConfig,
  OpsGenieConfig,
  WechatConfig,
  VictorOpsConfig,
  PushoverConfig,
  SNSConfig,
  TelegramConfig,
  DiscordConfig,
  WebexConfig,
  MSTeamsConfig,
  MSTeamsV2Config,
  JiraConfig,
  RocketchatConfig,
  MattermostConfig,
} from "./notifiers.ts";
export { formatGoDuration, parseGoDuration } from "./fields.ts";
