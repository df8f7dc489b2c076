import { existsSync } from "node:fs";
import { BackendUnavailableError } from "../../backends/backend.js";
import { flavorFolder, listCache } from "../core/cache.js";
import type { Dependencies } from "../core/dependencies.js";
import { flavorId, makeFlavor, type Flavor, type FlavorOptions } from "../core/flavor.js";
import { listDatabases, listVersions, sortVersions } from "../core/layout.js";
import type { Repository } from "../core/repository.js";
import { messageOf } from "../errors.js";
import { cachedFlavor } from "./cached-header.js";
import { cachedDependencies } from "./load-cache.js";
import { latestVersionIn, lookupVersion, reachableVersions } from "./resolve.js";
import { cacheRootFor, settings } from "./settings.js";

/** One published database version and the repository holding it. */
export interface AvailableVersion {
  name: string;
  version: string;
  repository: Repository;
}

/** One flavour folder in the cache. */
export interface CachedFlavor {
  name: string;
  version: string;
  flavorId: string;
  path: string;
  /** True when every file of the database is there (`.complete`). */
  complete: boolean;
  /** The flavour, from the folder's `db.yaml` (as audb's `cached()` columns); undefined before a header is there. */
  flavor?: Flavor;
}

/** Options of {@link available}. */
export interface AvailableOptions {
  /** List only the newest version of each database. */
  onlyLatest?: boolean;
  /** Called with each repository that could not be listed and was skipped. */
  onSkipped?: (repository: Repository, error: BackendUnavailableError) => void;
}

/** Options of {@link exists}: the flavour, and which version in which cache. */
export interface ExistsOptions extends FlavorOptions {
  /** Version to look for; default: the latest. */
  version?: string;
  /** The only cache to look in; default: the shared cache and the user cache. */
  cacheRoot?: string;
}

/** Options of {@link dependencies}. */
export interface DependenciesOptions {
  /** Version whose dependency table to load; default: the latest. */
  version?: string;
  /** Cache folder the table is cached in; default from configuration. */
  cacheRoot?: string;
}

/** Options of {@link cached}. */
export interface CachedOptions {
  /** Cache folder to list; default: the user cache from configuration. */
  cacheRoot?: string;
  /** List only the flavour folders of this database. */
  name?: string;
}

/** The error for a repository whose databases or versions could not be listed. */
function listingFailed(repository: Repository, error: unknown): BackendUnavailableError {
  return new BackendUnavailableError(`cannot list repository ${repository.toString()}: ${messageOf(error)}`, { cause: error });
}

async function listRepository(repository: Repository): Promise<AvailableVersion[]> {
  try {
    const backend = await repository.open();
    const out: AvailableVersion[] = [];
    for (const name of await listDatabases(backend)) {
      for (const version of await listVersions(backend, name)) out.push({ name, version, repository });
    }
    return out;
  } catch (error) {
    throw listingFailed(repository, error);
  }
}

/**
 * Every database version in the configured repositories, sorted by name then version
 * (a version in several repositories is listed once, from the first). With
 * `onlyLatest`, only the newest version of each database. A repository that cannot be
 * listed is skipped, as audb does, and passed to `onSkipped`; when none can be listed,
 * the first one's {@link BackendUnavailableError} is thrown instead.
 */
export async function available(options: AvailableOptions = {}): Promise<AvailableVersion[]> {
  const byKey = new Map<string, AvailableVersion>();
  const repositories = settings().repositories;
  const skipped: Array<[Repository, BackendUnavailableError]> = [];
  for (const repository of repositories) {
    const entries = await listRepository(repository).catch((error: BackendUnavailableError) => {
      skipped.push([repository, error]);
      return [];
    });
    for (const entry of entries) {
      const key = `${entry.name}\u0000${entry.version}`;
      if (!byKey.has(key)) byKey.set(key, entry);
    }
  }
  if (repositories.length > 0 && skipped.length === repositories.length) throw skipped[0]![1];
  for (const [repository, error] of skipped) options.onSkipped?.(repository, error);
  const byName = new Map<string, AvailableVersion[]>();
  for (const entry of byKey.values()) byName.set(entry.name, [...(byName.get(entry.name) ?? []), entry]);
  const out: AvailableVersion[] = [];
  for (const name of [...byName.keys()].sort()) {
    const entries = byName.get(name)!;
    const order = sortVersions(entries.map((e) => e.version));
    const sorted = order.map((v) => entries.find((e) => e.version === v)!);
    out.push(...(options.onlyLatest ? sorted.slice(-1) : sorted));
  }
  return out;
}

/**
 * Published versions of `name` across the configured repositories that can be reached,
 * ascending in audb's version order (`audeer.sort_versions`: `1.0.9` < `1.0.10`, `2.0.0` <
 * `2.0.0-1` < `2.0.1`); `[]` when unknown. When none can be reached, the first one's error
 * is thrown.
 */
export async function versions(name: string): Promise<string[]> {
  const repositories = settings().repositories;
  const { versions: found, unreachable } = await reachableVersions(name, repositories);
  if (found.length === 0 && repositories.length > 0 && unreachable.length === repositories.length) {
    throw listingFailed(unreachable[0]!.repository, unreachable[0]!.error);
  }
  return found;
}

/**
 * The newest version of `name` in audb's version order; MissingVersionError when no
 * reachable repository holds it, BackendUnavailableError when none can be reached.
 */
export async function latestVersion(name: string): Promise<string> {
  await versions(name);
  return latestVersionIn(name);
}

/** The repository that holds `name` `version` (the first configured one); MissingVersionError otherwise. */
export async function repository(name: string, version: string): Promise<Repository> {
  return lookupVersion(name, version);
}

/**
 * True when the folder of `name` (default: latest version) in the given flavour is in the
 * shared cache or the user cache, complete or not, as audb's `exists` (a metadata-only
 * or filtered load counts; {@link cached} tells which are complete). With `cacheRoot`,
 * only that cache is looked at.
 */
export async function exists(name: string, options: ExistsOptions = {}): Promise<boolean> {
  const version = options.version ?? (await latestVersion(name));
  const id = flavorId(makeFlavor(options));
  const roots = options.cacheRoot === undefined ? [settings().sharedCacheRoot, cacheRootFor(undefined)] : [cacheRootFor(options.cacheRoot)];
  return roots.some((root) => existsSync(flavorFolder(root, name, version, id)));
}

/** The dependency table of `name` `version` (default: latest), cached under `cacheRoot`. */
export async function dependencies(name: string, options: DependenciesOptions = {}): Promise<Dependencies> {
  const version = options.version ?? (await latestVersion(name));
  return cachedDependencies(cacheRootFor(options.cacheRoot), name, version);
}

/** Flavour folders in the cache (`cacheRoot`, default the user cache), optionally of one database. */
export async function cached(options: CachedOptions = {}): Promise<CachedFlavor[]> {
  const entries = await listCache(cacheRootFor(options.cacheRoot));
  const listed = options.name === undefined ? entries : entries.filter((e) => e.name === options.name);
  const out: CachedFlavor[] = await Promise.all(listed.map(async (e) => {
    const flavor = await cachedFlavor(e.path);
    return flavor ? { ...e, flavor } : e;
  }));
  const versionRank = new Map(sortVersions([...new Set(out.map((e) => e.version))]).map((v, i) => [v, i]));
  return out.sort((a, b) =>
    a.name.localeCompare(b.name) || versionRank.get(a.version)! - versionRank.get(b.version)! || a.flavorId.localeCompare(b.flavorId));
}
