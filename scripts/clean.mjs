// Removes dist/ so that no output of a deleted source file survives a build.
import { rmSync } from "node:fs";
rmSync("dist", { recursive: true, force: true });
