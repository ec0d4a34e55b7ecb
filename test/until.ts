/**
 * Polls fn every intervalMs until it returns something other than null (a
 * rejection counts as null) and returns that; after timeoutMs it throws,
 * naming what it waited for and fn's last error.
 */
export async function until<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    const v = await fn().catch((e: unknown) => {
      last = e;
      return null;
    });
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
