export { Inhibitor, InhibitRule, resolvedAt } from "./inhibit.ts";
export type { InhibitAlert, AlertProvider, InhibitResult } from "./inhibit.ts";
export { fingerprint } from "./fingerprint.ts";
