/** The errorType values of Prometheus's HTTP API. */
export const ErrorType = {
  BadData: "bad_data",
  Execution: "execution",
  Timeout: "timeout",
  Canceled: "canceled",
  Internal: "internal",
  Unavailable: "unavailable",
  NotFound: "not_found",
  NotAcceptable: "not_acceptable",
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** HTTP status of each error type, as Prometheus's API answers. */
export const errorStatus: Readonly<Record<ErrorType, number>> = {
  bad_data: 400,
  execution: 422,
  // NOTE: matches Prometheus, which answers canceled queries with nginx's 499.
  canceled: 499,
  timeout: 503,
  internal: 500,
  unavailable: 503,
  not_found: 404,
  not_acceptable: 406,
};

/** An error answered by the API as `{"status":"error","errorType":...,"error":...}`. */
export class ApiError extends Error {
  readonly type: ErrorType;
  constructor(type: ErrorType, message: string) {
    super(message);
    this.name = "ApiError";
    this.type = type;
  }
}

/** Prometheus's invalidParamError: `invalid parameter "name": <cause>`, bad_data. */
export function invalidParam(name: string, cause: unknown): ApiError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new ApiError(ErrorType.BadData, `invalid parameter ${JSON.stringify(name)}: ${msg}`);
}
