import { test } from "node:test";
import { MemoryStorage, storageConformance } from "./index.ts";

for (const c of storageConformance()) test(`MemoryStorage: ${c.name}`, () => c.run(new MemoryStorage()));
