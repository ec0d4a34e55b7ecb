import { runAmtool } from "../alertmanager/amtool/index.ts";

/** `promstack amtool`: View and modify the current Alertmanager state. */
export async function main(argv: string[]): Promise<number> {
  return runAmtool(argv, {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    now: () => Date.now(),
  });
}
