import { test } from "node:test";
import assert from "node:assert/strict";
import { LogFormat, LogLevel, newLogger } from "./index.ts";

const fixed = () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));

function capture(level: LogLevel, format: LogFormat): { lines: string[]; log: ReturnType<typeof newLogger> } {
  const lines: string[] = [];
  return { lines, log: newLogger({ level, format, write: (l) => lines.push(l), now: fixed }) };
}

const cases = [
  {
    name: "logfmt quotes values with spaces and keeps bare words",
    format: LogFormat.Logfmt,
    run: (l: ReturnType<typeof newLogger>) => l.info("Server is ready", "component", "web", "addr", "0.0.0.0:9090"),
    want: 'time=2026-01-02T03:04:05.006Z level=INFO msg="Server is ready" component=web addr=0.0.0.0:9090\n',
  },
  {
    name: "json has the same pairs",
    format: LogFormat.Json,
    run: (l: ReturnType<typeof newLogger>) => l.warn("x", "n", 3),
    want: '{"time":"2026-01-02T03:04:05.006Z","level":"WARN","msg":"x","n":"3"}\n',
  },
  {
    name: "errors print their message, empty values are quoted",
    format: LogFormat.Logfmt,
    run: (l: ReturnType<typeof newLogger>) => l.error("failed", "err", new Error('bad "x"'), "v", ""),
    want: 'time=2026-01-02T03:04:05.006Z level=ERROR msg=failed err="bad \\"x\\"" v=""\n',
  },
  {
    name: "with() adds fields to every record",
    format: LogFormat.Logfmt,
    run: (l: ReturnType<typeof newLogger>) => l.with("component", "tsdb").info("ok", "k", "v"),
    want: "time=2026-01-02T03:04:05.006Z level=INFO msg=ok component=tsdb k=v\n",
  },
];
for (const c of cases) {
  test(`logger: ${c.name}`, () => {
    const { lines, log } = capture(LogLevel.Debug, c.format);
    c.run(log);
    assert.deepEqual(lines, [c.want]);
  });
}

test("logger: records below the level are dropped", () => {
  const { lines, log } = capture(LogLevel.Warn, LogFormat.Logfmt);
  log.debug("a");
  log.info("b");
  log.warn("c");
  log.error("d");
  assert.equal(lines.length, 2);
});
