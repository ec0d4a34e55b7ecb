import { statSync } from "node:fs";
import { formatDuration } from "../model/index.ts";
import { getScrapeConfigs, globFiles, loadConfigFile } from "../config/index.ts";
import type { Config, ScrapeConfig, TLSConfig } from "../config/index.ts";
import { checkRuleFiles, exitCode, newRulesLintConfig, type RulesLintConfig } from "./check-rules.ts";
import { ExitCode, type Streams } from "./io.ts";

/** `--lint` of `check config` also knows the scrape config lint. */
export const LINT_TOO_LONG_SCRAPE_INTERVAL = "too-long-scrape-interval";

/** Lint settings of `check config`: the rule lints plus the scrape interval lint. */
export interface ConfigLintConfig {
  rules: RulesLintConfig;
  /** Scrape intervals at or above this are reported (0: off). ms. */
  lookbackDeltaMs: number;
}

/**
 * Builds the `check config` lint settings from `--lint` (comma-separated),
 * `--lint-fatal`, `--ignore-unknown-fields` and `--query.lookback-delta`
 * (ms), as upstream's newConfigLintConfig.
 */
export function newConfigLintConfig(lint: string, fatal: boolean, ignoreUnknownFields: boolean, lookbackDeltaMs: number, io: Streams): ConfigLintConfig {
  let lookback = 0;
  let none = false;
  const ruleOptions: string[] = [];
  for (const option of lint.split(",")) {
    if (option === "all" || option === LINT_TOO_LONG_SCRAPE_INTERVAL) {
      lookback = lookbackDeltaMs;
      if (option === "all") ruleOptions.push("all");
    } else if (option === "none") none = true;
    else ruleOptions.push(option);
  }
  if (none) {
    lookback = 0;
    ruleOptions.length = 0;
  }
  return { rules: newRulesLintConfig(ruleOptions.join(","), fatal, ignoreUnknownFields, io), lookbackDeltaMs: lookback };
}

/** Options of `check config`. */
export interface CheckConfigOptions {
  /** --agent. */
  agentMode: boolean;
  /** --syntax-only: skip referenced files (rule files, certificates, SD files). */
  syntaxOnly: boolean;
  lint: ConfigLintConfig;
}

/**
 * `promtool check config FILE...`: validates each configuration file and,
 * unless --syntax-only, the rule files it references (paths relative to the
 * config file) and the files its scrape configs need. Output and exit codes
 * as upstream: 1 on an error, 3 on lint problems with --lint-fatal.
 */
export async function checkConfig(files: readonly string[], opts: CheckConfigOptions, io: Streams): Promise<ExitCode> {
  let failed = false;
  let hasErrors = false;
  for (const f of files) {
    io.stdout.write(`Checking ${f}\n`);
    let ruleFiles: string[] = [];
    let scrapeConfigs: ScrapeConfig[] = [];
    try {
      ({ ruleFiles, scrapeConfigs } = checkOneConfig(f, opts, io));
      if (ruleFiles.length > 0) io.stdout.write(`  SUCCESS: ${ruleFiles.length} rule files found\n`);
      io.stdout.write(` SUCCESS: ${f} is valid prometheus config file syntax\n`);
    } catch (e) {
      io.stderr.write(`  FAILED: ${(e as Error).message}\n`);
      failed = true;
      hasErrors = true;
    }
    io.stdout.write("\n");
    if (!opts.syntaxOnly) {
      failed = lintScrapeConfigs(scrapeConfigs, opts.lint, io) || failed;
      const o = await checkRuleFiles(ruleFiles, opts.lint.rules, io);
      failed ||= o.failed;
      hasErrors ||= o.hasErrors;
    }
  }
  return exitCode({ failed, hasErrors }, opts.lint.rules.fatal);
}

/** Loads one file; returns its rule files (globbed) and scrape configs. Throws the first problem. */
function checkOneConfig(file: string, opts: CheckConfigOptions, io: Streams): { ruleFiles: string[]; scrapeConfigs: ScrapeConfig[] } {
  const cfg: Config = loadConfigFile(file, { agentMode: opts.agentMode });
  const ruleFiles: string[] = [];
  if (!opts.syntaxOnly) {
    for (const rf of cfg.ruleFiles ?? []) {
      const rfs = globFiles(rf);
      // An explicit file must exist; a glob may match nothing.
      if (!rf.includes("*")) {
        if (rfs.length === 0) throw new Error(`${JSON.stringify(rf)} does not point to an existing file`);
        checkFileExists(rfs[0]!, (m) => `error checking rule file ${JSON.stringify(rfs[0])}: ${m}`);
      }
      ruleFiles.push(...rfs);
    }
  }
  const scrapeConfigs = opts.syntaxOnly ? cfg.scrapeConfigs : loadScrapeConfigs(cfg);
  for (const sc of scrapeConfigs) {
    const auth = sc.httpClientConfig.authorization;
    if (!opts.syntaxOnly && auth !== null && auth.credentialsFile !== "") {
      checkFileExists(auth.credentialsFile, (m) => `error checking authorization credentials or bearer token file ${JSON.stringify(auth.credentialsFile)}: ${m}`);
    }
    checkTLSConfig(sc.httpClientConfig.tlsConfig, opts.syntaxOnly);
    for (const sd of sc.serviceDiscoveryConfigs) {
      if (sd.mechanism === "kubernetes" && "httpClientConfig" in sd) checkTLSConfig(sd.httpClientConfig.tlsConfig, opts.syntaxOnly);
      if (sd.mechanism === "file" && "files" in sd && !opts.syntaxOnly) warnMissingSDFiles(sd.files, `in scrape job ${JSON.stringify(sc.jobName)}`, io);
    }
  }
  for (const am of cfg.alerting.alertmanagers) {
    for (const sd of am.serviceDiscoveryConfigs) {
      if (sd.mechanism === "file" && "files" in sd && !opts.syntaxOnly) warnMissingSDFiles(sd.files, "in alertmanager config", io);
    }
  }
  return { ruleFiles, scrapeConfigs };
}

function loadScrapeConfigs(cfg: Config): ScrapeConfig[] {
  try {
    return getScrapeConfigs(cfg);
  } catch (e) {
    throw new Error(`error loading scrape configs: ${(e as Error).message}`);
  }
}

function warnMissingSDFiles(files: readonly string[], where: string, io: Streams): void {
  for (const f of files) {
    if (globFiles(f).length === 0) io.stdout.write(`  WARNING: file ${JSON.stringify(f)} for file_sd ${where} does not exist\n`);
  }
}

/** Throws `wrap(<Go's os.Stat error>)` when `path` does not exist. */
function checkFileExists(path: string, wrap: (msg: string) => string): void {
  if (path === "") return;
  try {
    statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new Error(wrap(`stat ${path}: ${why}`));
  }
}

function checkTLSConfig(tls: TLSConfig, syntaxOnly: boolean): void {
  if (tls.certFile !== "" && tls.keyFile === "") throw new Error(`client cert file ${JSON.stringify(tls.certFile)} specified without client key file`);
  if (tls.keyFile !== "" && tls.certFile === "") throw new Error(`client key file ${JSON.stringify(tls.keyFile)} specified without client cert file`);
  if (syntaxOnly) return;
  checkFileExists(tls.certFile, (m) => `error checking client cert file ${JSON.stringify(tls.certFile)}: ${m}`);
  checkFileExists(tls.keyFile, (m) => `error checking client key file ${JSON.stringify(tls.keyFile)}: ${m}`);
}

/** Reports the first scrape config whose interval reaches the lookback delta; returns whether one did. */
function lintScrapeConfigs(scs: readonly ScrapeConfig[], lint: ConfigLintConfig, io: Streams): boolean {
  for (const sc of scs) {
    if (lint.lookbackDeltaMs > 0 && sc.scrapeIntervalMs >= lint.lookbackDeltaMs) {
      io.stderr.write(
        `  FAILED: too long scrape interval found, data point will be marked as stale - job: ${sc.jobName}, interval: ${formatDuration(sc.scrapeIntervalMs)}\n`,
      );
      return true;
    }
  }
  return false;
}

