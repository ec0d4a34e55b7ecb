export { Notifier, alertmanagersFromGroup, alertsJSON } from "./notifier.ts";
export type { NotifierAlert, NotifierOptions } from "./notifier.ts";
