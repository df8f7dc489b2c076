import type { Backend } from "../../backends/backend.js";
import type { Dependencies } from "../core/dependencies.js";
import type { Flavor } from "../core/flavor.js";
import type { ProgressListener } from "../core/progress.js";

/**
 * What the fetch steps need; `reuse: false` never links files from other cached versions.
 * `otherDependencies` keeps the dependency tables of other cached versions read for reuse,
 * for a context that fetches many times (by `<root>\0<version>`); `destinationsChecked`
 * that no two media meet in the flavour's format (checked once a context).
 */
export interface Context {
  name: string; version: string; flavor: Flavor; folder: string; deps: Dependencies; backend: Backend;
  cacheRoot: string; numWorkers: number; verify: boolean; onProgress?: ProgressListener; reuse?: boolean;
  otherDependencies?: Map<string, Dependencies | undefined>;
  destinationsChecked?: boolean;
}
