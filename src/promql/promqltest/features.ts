/**
 * The one place that decides which upstream test files of experimental
 * features run. Prometheus's own test engine enables them all; promstack
 * runs a file when its engine and storage implement the feature, and
 * otherwise skips the whole file with the reason below (every eval in it is
 * counted as skipped). Flip `run` when a feature lands.
 */

/** An experimental feature that has its own upstream test file. */
export interface ExperimentalFile {
  /** The feature, as Prometheus names it. */
  feature: string;
  /** Whether promstack runs the file. */
  run: boolean;
  /** Why the file is skipped (printed with every skipped eval); "" when it runs. */
  reason: string;
}

/** Upstream test files of experimental features, by file name. */
export const experimentalFiles: Readonly<Record<string, ExperimentalFile>> = {
  "native_histograms.test": {
    feature: "native histograms",
    run: false,
    reason: "native histograms are not supported by promstack's storage and engine yet",
  },
  "start_timestamps.test": {
    feature: "start timestamps (@st load lines)",
    run: false,
    reason: "start timestamps are not stored by promstack's storage yet",
  },
  "type_and_unit.test": {
    feature: "type-and-unit-labels",
    run: true,
    reason: "",
  },
  "info.test": {
    feature: "promql-experimental-functions: info()",
    run: false,
    reason: "the engine does not evaluate info() yet",
  },
  "fill-modifier.test": {
    feature: "promql-binop-fill-modifiers",
    run: true,
    reason: "",
  },
  "extended_vectors.test": {
    feature: "promql-extended-range-selectors (anchored, smoothed)",
    run: false,
    reason: "the engine parses anchored and smoothed but does not evaluate them yet",
  },
};

/** The skip reason for a whole file, or null when it runs. `name` is the file's base name. */
export function fileSkipReason(name: string): string | null {
  const f = experimentalFiles[name];
  if (f === undefined || f.run) return null;
  return `experimental feature ${f.feature}: ${f.reason}`;
}
