import * as semver from "./semver.js";
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

/** Sorts version strings ascending (semver where possible, else lexically). */
export function sortVersions(versions: string[]): string[] {
  return [...versions].sort((a, b) => {
    const sa = semver.coerce(a, { loose: true });
    const sb = semver.coerce(b, { loose: true });
    if (semver.valid(a) && semver.valid(b)) return semver.compare(a, b);
    if (sa && sb && semver.compare(sa, sb) !== 0) return semver.compare(sa, sb);
    return a < b ? -1 : a > b ? 1 : 0;
  });
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
