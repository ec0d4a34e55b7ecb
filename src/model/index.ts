export { Labels, LabelsBuilder, MetricName, compareLabels, quoteString, formatLabelName } from "./labels.ts";
export { isLegacyLabelName, isLegacyMetricName, isValidLabelName } from "./labels.ts";
export type { Label } from "./labels.ts";
export { Matcher, MatchType } from "./matcher.ts";
export { RegexError, compileAnchoredRE2 } from "./re2.ts";
export { StaleNaNBits, STALE_VALUE, secondsToMs } from "./value.ts";
