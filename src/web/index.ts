export { ApiError, ErrorType, errorStatus, invalidParam } from "./errors.ts";
export { addFormParser, formValues } from "./form.ts";
export { sendApiData, sendApiError, sendJSONChunks } from "./respond.ts";
export { registerApiV1 } from "./api/v1/api.ts";
export type { AdminOps, ApiV1Options, BuildInfo } from "./api/v1/api.ts";
export { formatTimestamp, formatValue } from "./api/v1/encode.ts";
export { parseTime, parseDurationValue } from "./api/v1/params.ts";
export { registerFederate } from "./federate.ts";
export type { FederateOptions } from "./federate.ts";
