export { runAmtool, argMatchers, argLabels, AmtoolError } from "./amtool.ts";
export type { AmtoolIO } from "./amtool.ts";
export { tabTable, goFormatTime, formatLabelPairs, formatSilenceMatchers, formatAlerts, formatSilences } from "./format.ts";
export type { APIAlert, APISilence } from "./format.ts";
