export { NotificationTemplate } from "./notification-template.ts";
export type { NotificationTemplateOptions } from "./notification-template.ts";
export { KV, Pair, Pairs, TemplateAlert, TemplateAlerts, TemplateData, buildTemplateData, templateDataJSON, templateAlertJSON, goJSON, goTime, goTimeJSON, quoteMeta } from "./data.ts";
export { alertmanagerFuncs, SafeHTML, SafeURL } from "./funcs.ts";
export { escapeHTML, escapeTemplateText } from "./html.ts";
export { DEFAULT_TMPL, EMAIL_TMPL } from "./default-tmpl.ts";
