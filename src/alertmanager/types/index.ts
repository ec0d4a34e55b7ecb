export { newAlert, withFields, alertResolvedAt, alertStatusAt, alertsStatusAt, mergeAlerts, compareAlerts, sortAlerts, AlertStatusName } from "./alert.ts";
export type { Alert, AlertFields } from "./alert.ts";
export { Marker, AlertState } from "./marker.ts";
export type { AlertStatus } from "./marker.ts";
