export { Alerts, AlertValidationError, normalizeAlert, DEFAULT_ALERT_GC_INTERVAL_MS } from "./alerts.ts";
export type { AlertsOptions, AlertListener, PostableAlert } from "./alerts.ts";
