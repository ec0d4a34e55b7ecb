export { registerAPIv2, gettableAlert, gettableSilence, sortSilences, matchFilterLabels } from "./v2/api.ts";
export type { APIv2Options, APIState, ClusterStatusView, VersionInfo } from "./v2/api.ts";
export { APIRequestError, OpenAPICode, GO_ZERO_TIME_MS, decodePostableAlerts, decodePostableSilence, parseRFC3339, formatTime, isGoURI, isUUID, parseQueryBool, removeEmptyLabels } from "./v2/decode.ts";
export type { DecodedAlert, DecodedMatcher, DecodedSilence } from "./v2/decode.ts";
