import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

let cached: string | undefined;

/** audb-ts's version, from its package.json (the nearest above this module, in src/ or dist/). */
export function packageVersion(): string {
  if (cached) return cached;
  cached = "unknown";
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "audb-ts" && pkg.version) cached = pkg.version;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return cached;
}
