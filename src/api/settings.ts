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
    ...(changes.cacheRoot ? { cacheRoot: changes.cacheRoot } : {}),
    ...(changes.sharedCacheRoot ? { sharedCacheRoot: changes.sharedCacheRoot } : {}),
  };
  return current;
}
