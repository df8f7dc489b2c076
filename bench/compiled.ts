// Benches that time the library run it compiled, as users get it from npm: under tsx every
// worker thread loads tsx and esbuild again (~0.2-0.7 s a worker), which says nothing about
// audb-ts. `runCompiled` builds src/, backends/ and bench/ once per run into
// .cache/bench-build/ (tsconfig.bench.json) and runs the bench's compiled module in a node
// process, which calls the module's `measure` (see `measureIfMain`).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The project folder: the nearest one above this file with a package.json (this file also runs compiled). */
export const PROJECT_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("bench: no package.json above bench/");
    dir = up;
  }
  return dir;
})();

const BUILD = path.join(PROJECT_ROOT, ".cache", "bench-build");
const MEASURE_FLAG = "--measure";
let built = false;

/** The compiled counterpart of the module `sourceUrl` (its `import.meta.url`), built once per run. */
export function compiledPath(sourceUrl: string): string {
  if (!built) {
    const tsc = path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "-p", path.join(PROJECT_ROOT, "tsconfig.bench.json")], { stdio: "inherit" });
    built = true;
  }
  return path.join(BUILD, path.relative(PROJECT_ROOT, fileURLToPath(sourceUrl))).replace(/\.ts$/, ".js");
}

/** Runs the bench module `benchUrl` (its `import.meta.url`) compiled, in a node process of its own. */
export function runCompiled(benchUrl: string): void {
  execFileSync(process.execPath, [compiledPath(benchUrl), MEASURE_FLAG], { stdio: "inherit", cwd: PROJECT_ROOT });
}

/** Calls `measure` when the module `moduleUrl` is the process's entry, started by {@link runCompiled}. */
export async function measureIfMain(moduleUrl: string, measure: () => Promise<void>): Promise<void> {
  if (process.argv[2] === MEASURE_FLAG && process.argv[1] === fileURLToPath(moduleUrl)) await measure();
}
