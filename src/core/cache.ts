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

/** A database in a cache: its name (segments joined by `/`: audb-python's names may nest), folder and version folders. */
export interface CachedDatabase { name: string; path: string; versions: string[] }

/**
 * Segments of a database name searched for under a cache root: nested names are rare, and a
 * cache root that is not dedicated (a home or data folder) must not be walked deep.
 */
const MAX_NAME_SEGMENTS = 4;

/**
 * The databases cached under `root` by audb-ts or audb-python. A folder (at any depth, as a
 * name with `/` nests) is one when a folder in it is a version folder: a name with a digit
 * holding a cached dependency table (ours or `db.pkl`) or a flavour folder with a header.
 * Version folders are not searched further, and anything else in a cache root that is not
 * dedicated (a project folder with a `db.yaml` a level down) is not a database.
 */
export async function cachedDatabases(root: string): Promise<CachedDatabase[]> {
  const found: CachedDatabase[] = [];
  const visit = async (path: string, name: string, depth: number): Promise<void> => {
    const versions: string[] = [];
    const others: string[] = [];
    for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      if (name !== "" && (await isVersionFolder(join(path, entry.name), entry.name))) versions.push(entry.name);
      else others.push(entry.name);
    }
    if (versions.length > 0) found.push({ name, path, versions });
    if (depth === MAX_NAME_SEGMENTS) return;
    for (const other of others) await visit(join(path, other), name === "" ? other : `${name}/${other}`, depth + 1);
  };
  await visit(root, "", 0);
  return found;
}

/** See {@link cachedDatabases}. */
async function isVersionFolder(path: string, name: string): Promise<boolean> {
  if (!/\d/.test(name)) return false;
  const inside = await readdir(path).catch(() => [] as string[]);
  if (inside.some((f) => f === CACHED_DEPENDENCY_FILE || f === "db.pkl")) return true;
  return inside.some((f) => FLAVOR_ID.test(f) && existsSync(join(path, f, "db.yaml")));
}

const FLAVOR_ID = /^[0-9a-f]{8}$/;

/** Every cached flavour folder under `root`: name, version, flavour id, completeness. */
export async function listCache(root: string): Promise<{ name: string; version: string; flavorId: string; path: string; complete: boolean }[]> {
  const out: { name: string; version: string; flavorId: string; path: string; complete: boolean }[] = [];
  for (const db of await cachedDatabases(root)) {
    for (const version of db.versions) {
      for (const flavor of await readdir(join(db.path, version), { withFileTypes: true }).catch(() => [])) {
        if (!flavor.isDirectory() || !FLAVOR_ID.test(flavor.name)) continue;
        const path = join(db.path, version, flavor.name);
        out.push({ name: db.name, version, flavorId: flavor.name, path, complete: isComplete(path) });
      }
    }
  }
  return out;
}
