import { checkWebConfigFile } from "../web/index.ts";
import { ExitCode, type Streams } from "./io.ts";

/**
 * `promtool check web-config FILE...`: prints `<file> SUCCESS` or
 * `<file> FAILED: <error>` on stderr for each file, with the same
 * validation the daemons apply to --web.config.file. Resolves to 1 when
 * any failed, else 0.
 */
export function checkWebConfig(files: readonly string[], io: Streams): ExitCode {
  let failed = false;
  for (const f of files) {
    try {
      checkWebConfigFile(f);
      io.stderr.write(`${f} SUCCESS\n`);
    } catch (e) {
      io.stderr.write(`${f} FAILED: ${(e as Error).message}\n`);
      failed = true;
    }
  }
  return failed ? ExitCode.Failure : ExitCode.Success;
}
