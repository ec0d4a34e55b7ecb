import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on 127.0.0.1 (a free port unless given) and returns the port. */
export async function listen(s: Server, port = 0): Promise<number> {
  await new Promise<void>((r) => s.listen(port, "127.0.0.1", r));
  return (s.address() as AddressInfo).port;
}

/** A port free at the time of the call. */
export async function freePort(): Promise<number> {
  const s = createServer();
  const p = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}
