import { readFileSync } from "node:fs";
import v8 from "node:v8";
const rf = () => { const s = readFileSync("/proc/self/status","utf8"); const g=(k)=>Number(s.match(new RegExp(k+":\\s+(\\d+)"))[1]); return `file ${g("RssFile")} anon ${g("RssAnon")}`; };
for (const m of process.argv.slice(2)) { await import(m); console.log(m, rf()); }
for (const s of v8.getHeapSpaceStatistics()) console.log(s.space_name, (s.space_size/1024|0), (s.space_used_size/1024|0), (s.physical_space_size/1024|0));
const h = v8.getHeapStatistics(); console.log("total phys", h.total_physical_size>>10, "used", h.used_heap_size>>10, "malloced", h.malloced_memory>>10, "ext", h.external_memory>>10);
