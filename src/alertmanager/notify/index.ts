export {
  Integration,
  NotifyError,
  NotifyMetrics,
  Reason,
  reasonFromStatus,
  DeadlineExceededError,
  CanceledError,
  MultiStage,
  MultiError,
  FanoutStage,
  RoutingStage,
  MuteStage,
  Silencer,
  InhibitMuter,
  TimeIntervalStage,
  WaitStage,
  DedupStage,
  RetryStage,
  RetryFailedError,
  SetNotifiesStage,
  buildPipeline,
  sleep,
  INTEGRATION_NAMES,
} from "./notify.ts";
export type { NotifyContext, Stage, Notifier, Muter, TimeIntervals, PipelineOptions, RetryStageOptions } from "./notify.ts";
export { hashAlert } from "./hash.ts";
export { HTTPClient, checkResponse, redactURL, USER_AGENT } from "./http.ts";
export type { HTTPResponse } from "./http.ts";
export { buildReceiverIntegrations, hashKey, truncateInRunes, truncateInBytes, UNSUPPORTED_INTEGRATIONS } from "./integrations.ts";
export type { IntegrationOptions } from "./integrations.ts";
export { EmailNotifier, DEFAULT_EMAIL_SUBJECT } from "./email.ts";
