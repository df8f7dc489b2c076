import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempPathFor } from "../../backends/filesystem.js";
import type { Dependencies } from "./dependencies.js";
import { dependenciesFromCompact, dependenciesToCompact } from "./dependencies-compact.js";

// Cache layout, as audb's so the folders match:
//   <root>/<name>/<version>/                   dependency table cache, header
//   <root>/<name>/<version>/<flavorId>/        one self-contained database folder
//   <root>/<name>/<version>/<flavorId>/.complete  everything is there

/** Marks a flavour folder whose database is complete. */
export const COMPLETE_FILE = ".complete";
/** Our cached dependency table (audb keeps `db.pkl`, which we cannot read). */
export const CACHED_DEPENDENCY_FILE = "db.audb-ts.deps";

/** `<root>/<name>/<version>`. */
export const versionFolder = (root: string, name: string, version: string) => join(root, name, version);
/** `<root>/<name>/<version>/<flavorId>`. */
export const flavorFolder = (root: string, name: string, version: string, flavorId: string) => join(root, name, version, flavorId);

/** True when the flavour folder holds a complete database. */
export function isComplete(folder: string): boolean {
  return existsSync(join(folder, COMPLETE_FILE));
}

/** Reads the cached dependency table of a version, if there. */
export async function readCachedDependencies(root: string, name: string, version: string): Promise<Dependencies | undefined> {
  const path = join(versionFolder(root, name, version), CACHED_DEPENDENCY_FILE);
  const data = await readFile(path).catch(() => undefined);
  if (!data) return undefined;
  try {
    return dependenciesFromCompact(data, path);
  } catch {
    return undefined; // a corrupt cache entry is refetched
  }
}

/** Caches the dependency table of a version (temp + rename). */
export async function writeCachedDependencies(root: string, name: string, version: string, deps: Dependencies): Promise<void> {
  const folder = versionFolder(root, name, version);
  await mkdir(folder, { recursive: true });
  const path = join(folder, CACHED_DEPENDENCY_FILE);
  const temp = tempPathFor(path);
  await writeFile(temp, dependenciesToCompact(deps));
  await rename(temp, path);
}

/** Versions of `name` cached under `root` that have a folder for `flavorId`. */
export async function cachedFlavorVersions(root: string, name: string, flavorId: string): Promise<string[]> {
  const entries = await readdir(join(root, name), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(root, name, e.name, flavorId)))
    .map((e) => e.name);
}

/** Every cached flavour folder under `root`: name, version, flavour id, completeness. */
export async function listCache(root: string): Promise<{ name: string; version: string; flavorId: string; path: string; complete: boolean }[]> {
  const out: { name: string; version: string; flavorId: string; path: string; complete: boolean }[] = [];
  for (const name of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!name.isDirectory() || name.name.startsWith(".")) continue;
    for (const version of await readdir(join(root, name.name), { withFileTypes: true }).catch(() => [])) {
      if (!version.isDirectory() || version.name.startsWith(".")) continue;
      for (const flavor of await readdir(join(root, name.name, version.name), { withFileTypes: true }).catch(() => [])) {
        if (!flavor.isDirectory() || !/^[0-9a-f]{8}$/.test(flavor.name)) continue;
        const path = join(root, name.name, version.name, flavor.name);
        out.push({ name: name.name, version: version.name, flavorId: flavor.name, path, complete: isComplete(path) });
      }
    }
  }
  return out;
}
