export { Silences, SilenceState, silenceState, validateSilence, matchesFilter } from "./silence.ts";
export { SilenceValidationError, SilenceNotFoundError, SilenceExpiredError } from "./silence.ts";
export type { Silence, SilenceInput, SilenceQuery, SilencesOptions } from "./silence.ts";
export { SnapshotError, encodeSnapshot, decodeSnapshot } from "./silencepb.ts";
export type { MeshSilence, StoredSilence } from "./silencepb.ts";
