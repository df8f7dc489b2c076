import { folderPath } from "../core/paths.js";
import { resolve } from "node:path";
import { loadConfig, type AudbConfig } from "../core/config.js";
import type { Repository } from "../core/repository.js";

let current: AudbConfig | undefined;

/**
 * The configuration in force: `~/.config/audb.yaml` (or `$AUDB_CONFIG`) and the
 * environment, read on first use, with whatever {@link configure} changed.
 */
export function settings(): AudbConfig {
  current ??= loadConfig();
  return current;
}

/**
 * Changes the configuration for this process, like assigning `audb.config.REPOSITORIES`
 * in Python. Omitted keys keep their value; `reset: true` re-reads file and environment first.
 */
export function configure(changes: { repositories?: Repository[]; cacheRoot?: string; sharedCacheRoot?: string; reset?: boolean }): AudbConfig {
  if (changes.reset) current = undefined;
  const base = settings();
  current = {
    ...base,
    ...(changes.repositories ? { repositories: [...changes.repositories] } : {}),
    ...(changes.cacheRoot ? { cacheRoot: resolve(changes.cacheRoot) } : {}),
    ...(changes.sharedCacheRoot ? { sharedCacheRoot: resolve(changes.sharedCacheRoot) } : {}),
  };
  return current;
}

/** The cache root a call uses: its `cacheRoot` option, else the configured one; absolute, as audb's. */
export function cacheRootFor(option: string | undefined): string {
  return option === undefined ? folderPath(settings().cacheRoot, "cache root") : folderPath(resolve(option), "cacheRoot");
}
