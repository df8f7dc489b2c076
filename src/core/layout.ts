import type { Backend } from "../../backends/backend.js";

// Where audb keeps each object of a database on a backend (audbackend's versioned layout:
// `<folder>/<version>/<basename>`). `name` = database, `version` = the version that uploaded it.

/** Header `N/V/db.yaml`; a version exists iff this exists. */
export const headerKey = (name: string, version: string) => `${name}/${version}/db.yaml`;
/** Dependency table written by audb >= 1.7. */
export const depsParquetKey = (name: string, version: string) => `${name}/${version}/db.parquet`;
/** Legacy dependency table: `db.csv` inside a zip (what audb-ts writes). */
export const depsZipKey = (name: string, version: string) => `${name}/${version}/db.zip`;
/** A table stored as CSV inside a zip. */
export const tableZipKey = (name: string, version: string, id: string) => `${name}/meta/${version}/${id}.zip`;
/** A table stored as parquet. */
export const tableParquetKey = (name: string, version: string, id: string) => `${name}/meta/${version}/${id}.parquet`;
/** A media archive. */
export const mediaKey = (name: string, version: string, archive: string) => `${name}/media/${version}/${archive}.zip`;
/** An attachment archive. */
export const attachmentKey = (name: string, version: string, id: string) => `${name}/attachment/${version}/${id}.zip`;

/**
 * Sorts version strings ascending as audb does (`audeer.sort_versions`): a leading `v`
 * ignored, then compared as `LooseVersion`s, so numbers compare as numbers (`1.0.10` after
 * `1.0.5`) and a suffix sorts after its base (`2.0.0` < `2.0.0-1` < `2.0.1`), unlike a
 * semver pre-release.
 */
export function sortVersions(versions: string[]): string[] {
  const keys = new Map(versions.map((v) => [v, looseComponents(v)]));
  return [...versions].sort((a, b) => compareLoose(keys.get(a)!, keys.get(b)!));
}

/** Negative, zero or positive as `a` sorts before, with or after `b` in {@link sortVersions}' order. */
export function compareVersions(a: string, b: string): number {
  return compareLoose(looseComponents(a), looseComponents(b));
}

/**
 * `LooseVersion`'s components: runs of digits (as integers of any size, as Python's) and of
 * lower-case letters, and what lies between them, without dots.
 */
function looseComponents(version: string): (bigint | string)[] {
  const v = version.startsWith("v") ? version.slice(1) : version;
  return v.split(/(\d+|[a-z]+|\.)/).filter((x) => x !== "" && x !== ".").map((x) => (/^\d+$/.test(x) ? BigInt(x) : x));
}

/** Python's list order; a number before text where Python could not compare the two. */
function compareLoose(a: (bigint | string)[], b: (bigint | string)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x !== typeof y) return typeof x === "bigint" ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

const NOT_VERSIONS = new Set(["media", "meta", "attachment"]);

/** Published versions of `name` on a backend, ascending: folders holding a `db.yaml`. */
export async function listVersions(backend: Backend, name: string): Promise<string[]> {
  const { dirs } = await backend.list(`${name}/`);
  const candidates = dirs.filter((d) => !NOT_VERSIONS.has(d));
  const found = await Promise.all(candidates.map(async (v) => ((await backend.exists(headerKey(name, v))) ? v : null)));
  return sortVersions(found.filter((v): v is string => v !== null));
}

/** Names of the databases on a backend: top-level folders with at least one version. */
export async function listDatabases(backend: Backend): Promise<string[]> {
  const { dirs } = await backend.list("");
  const withVersions = await Promise.all(dirs.map(async (d) => ((await listVersions(backend, d)).length > 0 ? d : null)));
  return withVersions.filter((d): d is string => d !== null).sort();
}
