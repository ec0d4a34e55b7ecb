/**
 * Errors of query evaluation, with Prometheus's texts. The API edge maps
 * them to error types: QueryTimeoutError -> `timeout`, QueryCanceledError
 * -> `canceled`, TooManySamplesError and EvalError -> `execution`.
 */

/** The query ran past its deadline; `stage` names where (e.g. "expression evaluation"). */
export class QueryTimeoutError extends Error {
  readonly stage: string;
  constructor(stage: string) {
    super(`query timed out in ${stage}`);
    this.name = "QueryTimeoutError";
    this.stage = stage;
  }
}

/** The caller aborted the query; `stage` names where. */
export class QueryCanceledError extends Error {
  readonly stage: string;
  constructor(stage: string) {
    super(`query was canceled in ${stage}`);
    this.name = "QueryCanceledError";
    this.stage = stage;
  }
}

/** The query would hold more samples in memory than the engine's maxSamples. */
export class TooManySamplesError extends Error {
  readonly stage: string;
  constructor(stage: string) {
    super(`query processing would load too many samples into memory in ${stage}`);
    this.name = "TooManySamplesError";
    this.stage = stage;
  }
}

/**
 * An execution error of a well-formed query, e.g. "vector cannot contain
 * metrics with the same labelset" or a bad regex in label_replace().
 * `warnings` and `infos` are the annotations collected before the failure.
 */
export class EvalError extends Error {
  warnings: string[];
  infos: string[];
  constructor(message: string) {
    super(message);
    this.name = "EvalError";
    this.warnings = [];
    this.infos = [];
  }
}

/** A query whose expression type cannot be evaluated as asked (e.g. a range query over a string). */
export class InvalidQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidQueryError";
  }
}
