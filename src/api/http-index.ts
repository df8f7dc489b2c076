// Index files for serving a repository as static files through the read-only HTTP backend
// (format in backends/http.ts): `index.json` at the root lists the datasets, and
// `N/versions.json` lists the published versions of dataset N. Those are the only
// listings `load`, `versions` and `available` make.
import { listVersions } from "../core/layout.js";
import type { Repository } from "../core/repository.js";

/** Key of the root index listing the datasets. */
export const ROOT_INDEX_KEY = "index.json";

/** Key of the file listing the versions of dataset `name`. */
export function versionsIndexKey(name: string): string {
  return `${name}/versions.json`;
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value)}\n`);
}

/**
 * Writes the index files the HTTP backend lists with into `repository` (any writable
 * backend: file system, S3, ...): `N/versions.json` for every dataset N, then the root
 * `index.json`. Datasets and versions are taken from the repository itself (folders
 * holding a `db.yaml`), so run it after every publish, before serving the repository as
 * static files. Index files of datasets that no longer have versions are left alone; the
 * root index no longer names them.
 */
export async function writeHttpIndex(repository: Repository): Promise<void> {
  const backend = await repository.open();
  const datasets: string[] = [];
  for (const name of (await backend.list("")).dirs.sort()) {
    const versions = await listVersions(backend, name);
    if (versions.length === 0) continue;
    await backend.putBytes(versionsIndexKey(name), json({ versions }));
    datasets.push(name);
  }
  await backend.putBytes(ROOT_INDEX_KEY, json({ datasets }));
}
