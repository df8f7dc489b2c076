import type { Database } from "../format/index.js";
import { openLoadedDatabase } from "./database-view.js";
import { loadToCache, type LoadOptions } from "./load-cache.js";

export type { LoadOptions, LoadedFolder } from "./load-cache.js";

/**
 * Loads a database version into `<cacheRoot>/<name>/<version>/<flavorId>/` and returns
 * it, with file paths made absolute unless `fullPath: false`. Files another cached
 * version of the same flavour holds with the same checksum are linked, not downloaded.
 */
export async function load(name: string, options: LoadOptions = {}): Promise<Database> {
  const loaded = await loadToCache(name, options);
  return openLoadedDatabase(loaded, {
    fullPath: options.fullPath ?? true,
    removedMedia: options.removedMedia ?? false,
    mediaFiltered: options.media !== undefined,
  });
}

