/**
 * Recording and alerting rules: rule files, groups evaluated on a clock,
 * the alert state machine with ALERTS / ALERTS_FOR_STATE, the manager that
 * (re)loads them, and the data of the rules and alerts APIs.
 */
export { parseRules, parseRuleFile, NameValidation, TEMPLATE_DEFS } from "./rulefmt.ts";
export { RuleValidationError, RuleGroupError, RuleFileError } from "./rulefmt.ts";
export type { RuleDef, RuleGroupDef, ParseRulesOptions, RuleParseResult, NodePos } from "./rulefmt.ts";
export { Yaml3FatalError, Yaml3TypeError } from "./yaml3.ts";
export { RuleHealth } from "./rule.ts";
export type { QueryFunc, Rule, TemplateData, ExpandTemplateFunc } from "./rule.ts";
export { RecordingRule } from "./recording.ts";
export {
  AlertingRule,
  AlertState,
  ALERT_METRIC_NAME,
  ALERT_FOR_STATE_METRIC_NAME,
  ALERT_NAME_LABEL,
  ALERT_STATE_LABEL,
  RESOLVED_RETENTION_MS,
} from "./alerting.ts";
export type { Alert, AlertingRuleOptions } from "./alerting.ts";
export { Group, groupKey, tableLinkForExpression, RuleSampleRejectedError } from "./group.ts";
export type { GroupEnv, GroupOptions, NotifyAlert, NotifyFunc } from "./group.ts";
export { Manager, RuleLoadError, engineQueryFunc } from "./manager.ts";
export { RuleMetrics } from "./metrics.ts";
export type { ManagerOptions, UpdateOptions } from "./manager.ts";
export { rulesAPIData, alertsAPIData, RulesAPIParamError, formatTime, formatFloatE } from "./api.ts";
export type { APIAlert, APIAlertingRule, APIRecordingRule, APIRuleGroup, RulesFilter } from "./api.ts";
