/**
 * promstack's version: what prometheus, alertmanager, promtool and amtool
 * report (--version, build info, status APIs, the server's User-Agent);
 * node-exporter reports the node_exporter version it matches.
 */
export const PROMSTACK_VERSION = "0.1.0";

/** A command's --version text: the `<program>, version <version> (...)` first line of the Prometheus tools, then the platform. */
export function versionText(program: string): string {
  return `${program}, version ${PROMSTACK_VERSION} (promstack)\n  platform: ${process.platform}/${process.arch}\n  node: ${process.version}\n`;
}
