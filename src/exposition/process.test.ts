import { test } from "node:test";
import assert from "node:assert/strict";
import { ProcessCollector, Registry, writeText } from "./index.ts";

test("process collector reads /proc/<pid> as client_golang does", async () => {
  const files: Record<string, string> = {
    "/proc/42/stat": "42 (node worker (x)) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 5000 1000000 2500 18446744073709551615\n",
    "/proc/stat": "cpu  1 2 3\nbtime 1700000000\n",
    "/proc/42/limits": "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\nMax address space         unlimited            unlimited            bytes\n",
  };
  const c = new ProcessCollector(
    {
      readFile: (p) => {
        const v = files[p];
        if (v === undefined) throw new Error(`ENOENT ${p}`);
        return v;
      },
      readDir: (p) => (p === "/proc/42/fd" ? ["0", "1", "2", "3"] : []),
    },
    "/proc/42",
  );
  const r = new Registry();
  r.register(c);
  const text = writeText((await r.gather()).families);
  assert.match(text, /^process_cpu_seconds_total 3$/m);
  assert.match(text, /^process_resident_memory_bytes 1.024e\+07$/m);
  assert.match(text, /^process_virtual_memory_bytes 1e\+06$/m);
  assert.match(text, /^process_start_time_seconds 1.70000005e\+09$/m);
  assert.match(text, /^process_open_fds 4$/m);
  assert.match(text, /^process_max_fds 1024$/m);
  assert.match(text, /^process_virtual_memory_max_bytes 1.8446744073709552e\+19$/m);
});

test("process collector on this machine reports a live process", async () => {
  const r = new Registry();
  r.register(new ProcessCollector());
  const text = writeText((await r.gather()).families);
  assert.match(text, /^process_resident_memory_bytes [1-9]/m);
});
